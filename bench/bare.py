"""Bare baseline views (benchmarks only): the least the product's views could do for the same response.

Each runs through the same middleware stack as the product's view and does the least its answer needs:
- `sheet`: ONE raw SQL query, then the product's own template (`scoring/sheet.html`) with the same rows,
  no permission checks, no engine (area totals are plain sums);
- `line_update`: one `UPDATE … RETURNING version`, a small JSON answer;
- `save_floor` (and without the totals): not a baseline but a bound: the least a unit's save with the product's
  obligations can cost, by raw SQL in three round trips (see there), to show how far the product's save is from
  what any implementation of the same obligations could reach;
- `signed_in_noop`: no query of its own, only what any signed-in request costs (the session and the user
  read by the middleware), the same small JSON answer: the floor under every view that needs a signed-in user;
- `upload`: Django's default upload handlers (the body streamed to a temporary file), the file moved to disk;
- `public`: ONE query for the latest snapshot, the same ranking rows in a plain template (no charts, no cache);
- `listing`: the rows a national page shows (bench/pages.py), by raw queries (`_LISTINGS`), each in a plain
  table (or as JSON): no permission checks, no forms, no engine.
"""

from __future__ import annotations

import json
import os
import secrets
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from scoring.forms import method_input_context
from scoring.models import Assessment, Indicator, ScoreLine
from scoring.views.sheet import leaf_labels

_INDICATOR = ("id", "parent_id", "code", "name", "order", "level", "is_leaf", "kind", "max_points", "floor",
              "method", "params", "evidence_required", "allow_not_applicable", "guidance", "source",
              "coordinating_department")
_LINE = ("id", "self_value", "self_score", "self_note", "explanation", "not_applicable", "not_applicable_reason",
         "version")
# The column names are the constants above; the only value, the id, is a parameter.
_SHEET_SQL = (
    "SELECT a.id, a.state, u.name, c.year, s.name, s.decision_ref, c.phase, "  # noqa: S608
    + ", ".join(f'i."{col}"' for col in _INDICATOR) + ", "
    + ", ".join(f'l."{col}"' for col in _LINE)
    + " FROM scoring_assessment a JOIN scoring_unit u ON u.id = a.unit_id JOIN scoring_cycle c ON c.id = a.cycle_id"
    " JOIN scoring_indicatorset s ON s.id = a.indicator_set_id"
    " JOIN scoring_indicator i ON i.indicator_set_id = a.indicator_set_id"
    " LEFT JOIN scoring_scoreline l ON l.assessment_id = a.id AND l.indicator_id = i.id"
    ' WHERE a.id = %s ORDER BY i."order"'
)


def _json(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def sheet(request: HttpRequest, assessment_id: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(_SHEET_SQL, [assessment_id])
        rows = cursor.fetchall()
    head = rows[0]
    state = head[1]
    assessment = SimpleNamespace(
        # no unit id: the sheet's per-unit parts (the unit's extension request) are left out, as every permission check
        pk=head[0], id=head[0], state=state, unit_id=None, unit=SimpleNamespace(name=head[2]),
        cycle=SimpleNamespace(year=head[3], self_assessment_deadline=None, phase=head[6]),
        indicator_set=SimpleNamespace(name=head[4], decision_ref=head[5]), deadline_override=None,
        get_state_display=Assessment.State(state).label,
    )
    editable = state == Assessment.State.DRAFT
    areas: list[SimpleNamespace] = []
    views: dict[int, dict[str, Any]] = {}
    leaves: list[SimpleNamespace] = []
    for row in rows:
        ind = Indicator(**dict(zip(_INDICATOR, row[7:7 + len(_INDICATOR)], strict=True)))
        ind.params = _json(ind.params)
        if ind.parent_id is None:
            areas.append(SimpleNamespace(area=ind, rows=[], total=Decimal("0"), max_points=ind.max_points))
            if not ind.is_leaf:
                continue
        tree = SimpleNamespace(indicator=ind, depth=ind.level, leaf=None)
        areas[-1].rows.append(tree)
        values = row[7 + len(_INDICATOR):]
        if not ind.is_leaf or values[0] is None:
            continue
        line = ScoreLine(indicator=ind, **dict(zip(_LINE, values, strict=True)))
        line.self_value = _json(line.self_value)
        line.assessment_id = assessment.pk
        tree.leaf = SimpleNamespace(line=line, indicator=ind, files=[], explanation_required=ind.evidence_required)
        leaves.append(tree.leaf)
        areas[-1].total += line.self_score or 0
        prefix = f"l{line.pk}-"
        can_edit = editable and ind.source != Indicator.Source.SURVEY
        base = f"/danh-gia/{assessment.pk}/dong/{line.pk}/"
        views[line.pk] = {
            "row": tree.leaf, "line": line, "prefix": prefix, "editable": can_edit,
            "input": method_input_context(ind, line.self_value, prefix, not can_edit),
            "version": line.version, "note": line.self_note, "explanation": line.explanation,
            "not_applicable": line.not_applicable, "not_applicable_reason": line.not_applicable_reason,
            "error": None, "conflict": None, "evidence_editable": can_edit,
            "next": f"/danh-gia/{assessment.pk}/#line-{line.pk}", "save_url": base, "history_url": f"{base}lich-su/",
        }
    scored = sum(1 for leaf in leaves if leaf.line.not_applicable or leaf.line.self_score is not None)
    total = sum((a.total for a in areas), Decimal("0"))
    context = {
        "assessment": assessment,
        "sheet": SimpleNamespace(
            areas=areas,
            computation=SimpleNamespace(normal_total=total, applicable_max=Decimal("100"), bonus=Decimal("0"),
                                        penalty=Decimal("0"), index=total, classification=""),
            progress=SimpleNamespace(total=len(leaves), scored=scored, evidence_missing=0, explanation_missing=0),
        ),
        "views": views, "t": leaf_labels(), "editable": editable, "evidence_ready": True, "library": [],
        "is_member": True, "can_submit": False, "is_head": False, "deadline": None, "deadline_passed": False,
        "explain_url": None,
    }
    return render(request, "scoring/sheet.html", context)


def line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scoring_scoreline SET self_note = %s, version = version + 1 WHERE id = %s RETURNING version",
            [request.POST.get("note", ""), line_id],
        )
        version = cursor.fetchone()[0]
    return JsonResponse({"ok": True, "line": {"id": line_id, "version": version}})


_FLOOR_READ = (  # the line as the save starts from, its assessment, and whether the user is one of its unit's people
    "SELECT l.version, l.indicator_id, l.self_value, l.self_score, l.not_applicable, l.not_applicable_reason, "
    "l.self_note, l.explanation, a.state, a.unit_id, a.indicator_set_id, "
    "EXISTS (SELECT 1 FROM scoring_roleassignment r WHERE r.user_id = %s AND r.unit_id = a.unit_id) "
    "FROM scoring_scoreline l JOIN scoring_assessment a ON a.id = l.assessment_id "
    "WHERE l.id = %s AND l.assessment_id = %s"
)
# One statement (so that it is prepared): the assessment's version bumped (its row locked) and its state read, the
# line written while its version is the one read and the state a draft, and the lines as they now are (the
# statement's own snapshot has the written line as it was: its new values come from the update).
_FLOOR_WRITE = (
    "WITH a AS (UPDATE scoring_assessment SET version = version + 1 WHERE id = %s RETURNING state), "
    "l AS (UPDATE scoring_scoreline SET self_value = %s, self_score = %s, not_applicable = false, "
    "not_applicable_reason = '', self_note = %s, version = version + 1, updated_at = %s, updated_by_id = %s "
    "WHERE id = %s AND version = %s AND (SELECT state FROM a) = 'draft' RETURNING id, self_score, version) "
    "SELECT (SELECT state FROM a), (SELECT version FROM l), s.id, s.indicator_id, "
    "CASE WHEN l.id IS NULL THEN s.self_score ELSE l.self_score END, s.not_applicable, s.explanation <> '', "
    "COALESCE((SELECT count(*) FROM evidence_evidencelink e WHERE e.score_line_id = s.id), 0) "
    "FROM scoring_scoreline s LEFT JOIN l ON l.id = s.id WHERE s.assessment_id = %s"
)
_FLOOR_WRITE_ONLY = _FLOOR_WRITE.replace("WHERE s.assessment_id = %s", "WHERE s.id = %s")  # the line's row only
# The audit entry, chained: its hash computed by the database over the canonical text, the previous hash put in
# its place (the chain's lock is taken by the statement before: this one's snapshot sees the last entry).
_FLOOR_AUDIT = (
    "INSERT INTO scoring_auditentry (at, actor_id, action, object_type, object_id, unit_id, assessment_id, changes, "
    "reason, object_label, object_code, prev_hash, hash) "
    "SELECT %s, %s, 'score_line.self', 'ScoreLine', %s, %s, %s, %s, '', '', '', t.h, "
    "encode(sha256(convert_to(%s || t.h || %s, 'UTF8')), 'hex') "
    "FROM (SELECT COALESCE((SELECT hash FROM scoring_auditentry ORDER BY id DESC LIMIT 1), %s)) t(h)"
)
_PREV = "\ufdd0"  # a noncharacter: where the previous hash goes in the canonical text


def save_floor(request: HttpRequest, line_id: int, *, totals: bool = True) -> HttpResponse:
    """What a unit's save of one leaf must do, and no more, in three round trips besides the session's and the
    user's: the line read with the user's membership; the engine's score; the write (`_FLOOR_WRITE`), with the
    lines' rows for the totals; the audit entry (`_FLOOR_AUDIT`, after the chain's lock); then the engine's totals
    (`totals_from_rows`, as the product's) and the product's JSON answer. No text clean-up, no messages, no
    not-applicable leaves: the product's checks are not all here, which makes it a bound, not a rival."""
    from django.db import transaction
    from django.utils import timezone

    from scoring import audit, engine, selectors
    from scoring.forms import method_value_from_post
    from scoring.models import IndicatorSet
    from scoring.selectors.totals import set_skeleton, totals_from_rows
    from scoring.views._common import line_payload, totals_payload

    assessment_id, base = int(request.POST["assessment"]), int(request.POST["version"])
    with connection.cursor() as cursor:
        _run(cursor, "floor_read", _FLOOR_READ, [request.user.pk, line_id, assessment_id])
        row = cursor.fetchone()
    if row is None or not row[-1]:
        return JsonResponse({"ok": False}, status=404)
    version, indicator_id, old_value, old_score, _na, _reason, old_note, explanation, state, unit_id, set_id, _ = row
    if base != version or state != Assessment.State.DRAFT:
        return JsonResponse({"ok": False}, status=409)
    skeleton = _FLOOR_SKELETONS.get(set_id)
    if skeleton is None:
        skeleton = _FLOOR_SKELETONS[set_id] = set_skeleton(IndicatorSet.objects.get(pk=set_id))
    indicator = skeleton.indicators[indicator_id]
    score, value = engine.score_and_normalize(
        selectors.leaf_rule(indicator), method_value_from_post(indicator, request.POST, f"l{line_id}-"))
    note, now = request.POST.get("note", ""), timezone.now()
    old = {"self_value": _json(old_value), "self_score": old_score, "self_note": old_note}
    new = {"self_value": value, "self_score": score, "self_note": note}
    changes = {key: {"old": _plain(was), "new": _plain(new[key])} for key, was in old.items() if was != new[key]}
    text = audit.canonical_payload(
        at=now, actor_id=request.user.pk, action="score_line.self", object_type="ScoreLine", object_id=str(line_id),
        unit_id=unit_id, assessment_id=assessment_id, changes=changes, reason="", prev_hash=_PREV)
    head, tail = text.split(_PREV)
    with transaction.atomic(), connection.cursor() as cursor:
        name, sql = ("floor_write", _FLOOR_WRITE) if totals else ("floor_write_only", _FLOOR_WRITE_ONLY)
        _run(cursor, name, sql, [assessment_id, json.dumps(value), score, note, now, request.user.pk, line_id, base,
                                 assessment_id if totals else line_id])
        rows = cursor.fetchall()
        if rows[0][0] != Assessment.State.DRAFT or rows[0][1] is None:
            transaction.set_rollback(True)
            return JsonResponse({"ok": False}, status=409)
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit.CHAIN_LOCK_KEY])
        _run(cursor, "floor_audit", _FLOOR_AUDIT, [now, request.user.pk, str(line_id), unit_id, assessment_id,
                                                   json.dumps(changes), head, tail, audit.GENESIS_HASH])
    line = ScoreLine(pk=line_id, indicator=indicator, self_value=value, self_score=score, self_note=note,
                     explanation=explanation, version=base + 1, updated_at=now, updated_by=request.user)
    answer: dict[str, Any] = {"ok": True}
    if totals:
        found = totals_from_rows(skeleton, [r[2:] for r in rows])
        answer.update(line=line_payload(line, files=found.files.get(line_id, 0)), totals=totals_payload(found))
    else:
        answer.update(line=line_payload(line, files=rows[0][-1]))
    return JsonResponse(answer)


def _run(cursor: Any, name: str, sql: str, params: list[Any]) -> None:
    """As the product runs its hot statements: prepared once per connection."""
    from scoring.compiled import execute_prepared, preparable

    execute_prepared(cursor, preparable(name, sql), sql, params)


def save_floor_without_totals(request: HttpRequest, line_id: int) -> HttpResponse:
    return save_floor(request, line_id, totals=False)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


_FLOOR_SKELETONS: dict[int, Any] = {}


def signed_in_noop(request: HttpRequest, line_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"ok": False}, status=403)
    return JsonResponse({"ok": True, "line": {"id": line_id, "version": int(request.POST.get("version") or 0) + 1}})


def upload(request: HttpRequest) -> HttpResponse:
    """Django's default handlers stream a large body to a temporary file; move it into the media folder."""
    uploaded = request.FILES["files"]
    target = Path(settings.MEDIA_ROOT) / "bare"
    target.mkdir(parents=True, exist_ok=True)
    path = target / secrets.token_hex(8)
    os.replace(uploaded.temporary_file_path(), path)  # type: ignore[attr-defined]
    return JsonResponse({"ok": True, "size": uploaded.size})


_PUBLIC_TEMPLATE = (
    "<!doctype html><html lang=\"vi\"><title>{{ year }}</title><h1>{{ year }}</h1>"
    "{% for g in groups %}<h2>{{ g.name }}</h2><table><tbody>{% for r in g.rows %}<tr><td>{{ r.rank }}</td>"
    "<th><a href=\"/ket-qua/{{ year }}/don-vi/{{ r.code }}/\">{{ r.name }}</a></th>"
    "{% for v in r.cells %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>{% endfor %}</html>"
)


def public(request: HttpRequest, year: int) -> HttpResponse:
    """ONE query for the latest snapshot, then the same ranking rows in a plain template (no charts, no cache)."""
    from django.template import engines

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.snapshot FROM scoring_publication p JOIN scoring_cycle c ON c.id = p.cycle_id "
            "WHERE c.year = %s ORDER BY p.revision DESC LIMIT 1", [year],
        )
        snap = _json(cursor.fetchone()[0])
    areas = [i["code"] for s in snap["sets"].values() for i in s["indicators"] if i["parent"] is None
             and i["kind"] == "normal"]
    groups = {g["code"]: {"name": g["name"], "rows": []} for g in snap["groups"]}
    for r in snap["rows"]:
        groups.setdefault(r["group_code"], {"name": "", "rows": []})["rows"].append({
            "rank": r["rank"], "code": r["unit_code"], "name": r["unit_name"],
            "cells": [*(r["area_totals"].get(a, "") for a in dict.fromkeys(areas)), r["bonus"], r["penalty"],
                      r["index"], r["classification"]],
        })
    template = engines["django"].from_string(_PUBLIC_TEMPLATE)
    return HttpResponse(template.render({"year": year, "groups": groups.values()}, request))


# The rows each page of bench/pages.py shows, as raw SQL on the cycle's id (its constants only; the id is a
# parameter). A page that shows two kinds of rows gets two queries.
_LISTINGS: dict[str, tuple[str, ...]] = {
    "queue": (  # a page of 50 of the submitted assessments (signed-off ones stay listed), with the count of all
        "SELECT u.code, u.name, g.name, a.state, a.submitted_at, count(*) OVER () FROM scoring_assessment a "
        "JOIN scoring_unit u ON u.id = a.unit_id LEFT JOIN scoring_rankinggroup g ON g.id = u.ranking_group_id "
        "WHERE a.cycle_id = %s AND a.state IN ('submitted', 'in_appraisal', 'explanation', 'signed_off') "
        'ORDER BY g."order", u.name LIMIT 50',
    ),
    "dashboard": (  # the counts per state, every ranked unit by group, the per-leaf sums of the signed-off ones
        "SELECT state, count(*) FROM scoring_assessment WHERE cycle_id = %s GROUP BY state",
        "SELECT g.name, r.rank, u.name, r.index, r.classification FROM scoring_indexresult r "
        "JOIN scoring_assessment a ON a.id = r.assessment_id JOIN scoring_unit u ON u.id = a.unit_id "
        "LEFT JOIN scoring_rankinggroup g ON g.id = u.ranking_group_id "
        "WHERE a.cycle_id = %s AND a.state = 'signed_off' ORDER BY g.\"order\", r.rank, u.name",
        "SELECT l.indicator_id, sum(l.self_score), sum(l.appraised_score), "
        "count(*) FILTER (WHERE l.appraised_score <> l.self_score) FROM scoring_scoreline l "
        "JOIN scoring_assessment a ON a.id = l.assessment_id WHERE a.cycle_id = %s AND a.state = 'signed_off' "
        "GROUP BY l.indicator_id",
    ),
    "cycle": (  # the counts per state, a page of 50 participants by name
        "SELECT state, count(*) FROM scoring_assessment WHERE cycle_id = %s GROUP BY state",
        "SELECT u.code, u.name, a.state, a.submitted_at FROM scoring_assessment a "
        "JOIN scoring_unit u ON u.id = a.unit_id WHERE a.cycle_id = %s ORDER BY u.name LIMIT 50",
    ),
    "users": (  # a page of 50 accounts with their roles, with the count of all; every unit (the page's list)
        "SELECT u.username, u.first_name, u.last_name, r.role, un.code, count(*) OVER () FROM auth_user u "
        "LEFT JOIN scoring_roleassignment r ON r.user_id = u.id LEFT JOIN scoring_unit un ON un.id = r.unit_id "
        "WHERE %s > 0 ORDER BY u.username LIMIT 50",
        "SELECT code, name FROM scoring_unit WHERE %s > 0 ORDER BY code",
    ),
    "ranking": (  # every unit's result by group, with its area totals
        "SELECT g.name, r.rank, u.code, u.name, r.area_totals, r.bonus, r.penalty, r.index, r.classification "
        "FROM scoring_indexresult r JOIN scoring_assessment a ON a.id = r.assessment_id "
        "JOIN scoring_unit u ON u.id = a.unit_id LEFT JOIN scoring_rankinggroup g ON g.id = u.ranking_group_id "
        "WHERE a.cycle_id = %s ORDER BY g.\"order\", r.rank, u.name",
    ),
}
_LISTING_TEMPLATE = (
    "<!doctype html><html lang=\"vi\"><title>{{ name }}</title><h1>{{ name }}</h1>"
    "{% for table in tables %}<table><tbody>{% for row in table %}<tr>{% for v in row %}<td>{{ v }}</td>"
    "{% endfor %}</tr>{% endfor %}</tbody></table>{% endfor %}</html>"
)


def listing(request: HttpRequest, name: str, cycle_id: int) -> HttpResponse:
    from django.template import engines

    tables = []
    with connection.cursor() as cursor:
        for sql in _LISTINGS[name]:
            cursor.execute(sql, [cycle_id])
            tables.append(cursor.fetchall())
    if request.GET.get("json"):
        return JsonResponse({"rows": [list(map(str, row)) for table in tables for row in table]})
    template = engines["django"].from_string(_LISTING_TEMPLATE)
    return HttpResponse(template.render({"name": name, "tables": tables}, request))
