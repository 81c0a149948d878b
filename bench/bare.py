"""Bare baseline views (benchmarks only): the least the product's views could do for the same response.

Each runs through the same middleware stack as the product's view and does the least its answer needs:
- `sheet`: ONE raw SQL query, then the product's own template (`scoring/sheet.html`) with the same rows,
  no permission checks, no engine (area totals are plain sums);
- `line_update`: one `UPDATE … RETURNING version`, a small JSON answer;
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
    "SELECT a.id, a.state, u.name, c.year, s.name, s.decision_ref, "  # noqa: S608
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
        pk=head[0], id=head[0], state=state, unit=SimpleNamespace(name=head[2]), cycle=SimpleNamespace(year=head[3]),
        indicator_set=SimpleNamespace(name=head[4], decision_ref=head[5]), deadline_override=None,
        get_state_display=Assessment.State(state).label,
    )
    editable = state == Assessment.State.DRAFT
    areas: list[SimpleNamespace] = []
    views: dict[int, dict[str, Any]] = {}
    leaves: list[SimpleNamespace] = []
    for row in rows:
        ind = Indicator(**dict(zip(_INDICATOR, row[6:6 + len(_INDICATOR)], strict=True)))
        ind.params = _json(ind.params)
        if ind.parent_id is None:
            areas.append(SimpleNamespace(area=ind, rows=[], total=Decimal("0"), max_points=ind.max_points))
            if not ind.is_leaf:
                continue
        tree = SimpleNamespace(indicator=ind, depth=ind.level, leaf=None)
        areas[-1].rows.append(tree)
        values = row[6 + len(_INDICATOR):]
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
