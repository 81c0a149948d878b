"""Publication writes: publish a cycle's results as an immutable snapshot, correct it (a new revision), and
run long exports as jobs with progress.

The snapshot is built once, from the signed-off assessments' results and appraised scores; every public
page, export and comparison reads the snapshot, never the live tables, so a published result cannot drift.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from appraisal.notifications import assessments_notify_handed_over
from cchc.collation import vietnamese
from scoring.administration.services.common import reason_text
from scoring.administration.services.cycles import assessment_close_unsubmitted, cycle_drafts_standing
from scoring.dates import local_day
from scoring.engine import round_half_up
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import (
    Assessment,
    Cycle,
    ExportJob,
    IndexResult,
    Indicator,
    IndicatorSet,
    Publication,
    RankingGroup,
    ScoreLine,
    Unit,
    UnitKind,
)
from scoring.permissions import self_assessment_deadline_expression
from scoring.publication import exports, selectors
from scoring.selectors.clones import clone_chains
from scoring.selectors.handover import handover_entries
from scoring.selectors.home import state_shown
from scoring.services import audit_record, cycle_set_phase
from scoring.text import user_text

logger = logging.getLogger(__name__)

SNAPSHOT_SCHEMA = 1
MSG_DOCUMENT_NUMBER = gettext_noop("Nhập số văn bản phê duyệt kết quả (ví dụ «Công văn số 123/UBND»).")
MSG_DOCUMENT_DATE = gettext_noop("Nhập ngày của văn bản phê duyệt (dd/mm/yyyy).")
MSG_REASON = gettext_noop("Một lần đính chính cần ghi rõ lý do.")
MSG_REASON_FIRST = gettext_noop(
    "Lần công bố đầu không đính chính gì nên không có lý do đính chính: hãy để trống (lý do chỉ ghi khi công bố lại)."
)
MSG_NOTHING = gettext_noop("Kỳ đánh giá chưa có kết quả nào để công bố.")
MSG_DATE_AHEAD = gettext_noop("Ngày của văn bản (%(date)s) chưa tới: văn bản phê duyệt phải đã được ban hành.")
MSG_DATE_BEFORE = gettext_noop(
    "Ngày của văn bản (%(date)s) sớm hơn ngày của lần công bố trước (%(previous)s): văn bản đính chính ban hành "
    "sau văn bản trước."
)
MSG_DATE_BEFORE_RESULTS = gettext_noop(
    "Ngày của văn bản (%(date)s) trước ngày thông qua kết quả cuối cùng mà lần công bố này công bố "
    "(%(settled)s, %(unit)s): văn bản công bố chỉ ban hành sau khi kết quả đã được Tổ thẩm định thông qua và "
    "tính xong. Kiểm tra lại ngày của văn bản."
)
MSG_DATE_BEFORE_CYCLE = gettext_noop("Ngày của văn bản (%(date)s) sớm hơn năm đánh giá %(year)s.")
MSG_PHASE = gettext_noop(
    "Kỳ đánh giá đang ở giai đoạn «%(phase)s»: chỉ công bố kết quả khi kỳ đã sang giai đoạn «%(ready)s» (chuyển "
    "giai đoạn ở trang kỳ đánh giá)."
)
# Results are published once the team's work is closed («Hoàn thiện kết quả»); a correction is a later revision,
# published while the cycle is «Đã công bố» (or taken back to «Hoàn thiện kết quả» for it).
PUBLISHABLE_PHASES = (Cycle.Phase.FINALISATION, Cycle.Phase.PUBLISHED)


MSG_DOCUMENT_ONLY_CONFIRM = gettext_noop(
    "Lần công bố này không thay đổi chỉ số, thứ hạng, xếp loại hay điểm nào so với lần công bố %(rev)s: chỉ "
    "đính chính thông tin văn bản. Hãy đánh dấu xác nhận điều đó để công bố (thông báo công khai sẽ nói kết quả "
    "không thay đổi)."
)
MSG_DOCUMENT_ONLY_WRONG = gettext_noop(
    "Kết quả đã thay đổi so với lần công bố %(rev)s: đây là một lần đính chính kết quả, không phải chỉ đính chính "
    "thông tin văn bản. Bỏ đánh dấu xác nhận và xem lại danh sách thay đổi."
)
MSG_SAME_AS_CURRENT = gettext_noop(
    "Lần công bố %(rev)s hiện hành đã có cùng số văn bản, ngày văn bản và kết quả: không có gì để đính chính "
    "(có thể biểu mẫu đã được gửi nhiều lần)."
)
DOCUMENT_NUMBER_LIMIT = 200  # Publication.document_number's max_length
REASON_LIMIT = 5000  # as every other reason or note typed in the application


def _typed(value: Any, *, field: str, limit: int, problems: dict[str, str]) -> str:
    """Text typed for the publication as stored (NFC, trimmed); a control or direction-override character, or too
    much text, is a problem of `field` (the same check as every note and reason: scoring.text.user_text)."""
    try:
        return user_text(value, limit=limit, field=field)
    except ValidationFailed as exc:
        problems[field] = str(exc.message)
        return ""


# What a set of the snapshot states that an earlier snapshot did not keep (the set's own, unchanged since).
SET_RULES_KEPT_LATER = ("classification_bands", "bonus_cap", "penalty_cap")
# What a scored leaf of the snapshot states that an earlier snapshot did not keep: its scoring method, the method's
# parameters and its minimum (the criterion's own, unchanged once a cycle uses its set).
LEAF_METHOD_KEPT_LATER = ("method", "params", "floor")


def _figures(snapshot: dict[str, Any], scores: dict[str, Any]) -> Any:
    """What a publication states, apart from its document, revision and reason: the rows, groups, sets and
    per-criterion scores, as stored in JSON (so that a fresh snapshot compares equal to a stored one)."""
    kept = {k: v for k, v in snapshot.items() if k not in ("document", "revision", "reason", "document_only")}
    # A set's bands and caps are those of the set, never edited once a cycle uses it: an earlier snapshot, made before
    # they were kept in it, states the same figures without them.
    kept["sets"] = {key: {k: v for k, v in s.items() if k not in SET_RULES_KEPT_LATER}
                    for key, s in kept.get("sets", {}).items()}
    # Nor are the criteria's identities (`id`, `origins`), which an earlier snapshot, made before they were kept in it,
    # does not have: the same criteria, with the same codes and figures.
    # Nor are a leaf's method and its minimum, the set's own too, kept later (`LEAF_METHOD_KEPT_LATER`).
    for s in kept["sets"].values():
        s["indicators"] = [{k: v for k, v in i.items() if k not in ("id", "origins", *LEAF_METHOD_KEPT_LATER)}
                           for i in s.get("indicators", [])]
    # The order of the rows is no figure: ties are listed by name, and a snapshot stored before they were listed in
    # Vietnamese order lists them by code point (`selectors.in_published_order`).
    kept["rows"] = sorted((_row_figures(r) for r in kept.get("rows", [])), key=lambda r: str(r.get("unit_code")))
    return json.loads(json.dumps({"snapshot": kept, "scores": scores}))


# What a row states besides its figures: the kind's code (added to rows later; its name is in the row, and a kind's
# code never changes), so that a snapshot stored before it compares equal to a fresh one.
NOT_FIGURES = ("unit_kind_code",)


def _row_figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in NOT_FIGURES}


def figures_unchanged(current: Publication, snapshot: dict[str, Any], scores: dict[str, Any]) -> bool:
    """A new snapshot states exactly what the publication states (rows, groups, sets, per-criterion scores)."""
    return bool(_figures(current.snapshot, current.scores) == _figures(snapshot, scores))


def _dec(value: Any) -> str:
    """A Decimal as a fixed two-decimal string (the snapshot's number format)."""
    return str(round_half_up(Decimal(str(value))))


def publication_phase_blocker(*, cycle: Cycle) -> str | None:
    """Why the cycle's phase does not allow publishing (None when it does): before «Hoàn thiện kết quả» the
    units still self-score or the team still appraises, whatever the state of the assessments signed off so far."""
    if cycle.phase in PUBLISHABLE_PHASES:
        return None
    return _(MSG_PHASE) % {"phase": Cycle.Phase(cycle.phase).label, "ready": Cycle.Phase.FINALISATION.label}


def publication_blockers(*, cycle: Cycle) -> list[str]:
    """Why the cycle cannot be published yet (empty when it can): the cycle's phase (first), units not signed
    off, results missing or waiting for a recompute. Messages are in Vietnamese, one per problem."""
    phase = publication_phase_blocker(cycle=cycle)
    return ([phase] if phase else []) + publication_unit_blockers(cycle=cycle)


class UnitBlocker(str):
    """A unit that keeps the cycle from being published: the message itself (as the API and a refusal's details
    list it), with the assessment it is about, so that a page links it to where it is resolved."""

    assessment_id: int
    unit_code: str
    state: str
    kind: str  # "not_signed_off" or "result_pending"

    def __new__(cls, message: str, *, assessment_id: int, unit_code: str, state: str, kind: str) -> UnitBlocker:
        blocker = super().__new__(cls, message)
        blocker.assessment_id, blocker.unit_code, blocker.state, blocker.kind = assessment_id, unit_code, state, kind
        return blocker

    @property
    def is_draft(self) -> bool:
        return self.state == Assessment.State.DRAFT


def _not_ready_message(count: int) -> str:
    return ngettext(
        "Chưa thể công bố: %(n)s đơn vị chưa có kết quả cuối cùng.",
        "Chưa thể công bố: %(n)s đơn vị chưa có kết quả cuối cùng.",
        count,
    ) % {"n": count}


def publication_unit_blockers(*, cycle: Cycle) -> list[str]:
    """The units that keep the cycle from being published (each a `UnitBlocker`): not signed off, or their
    result missing or waiting for a recompute; or, alone, that the cycle has no assessment at all."""
    problems: list[str] = []
    # Plain rows, not model instances: a national cycle has some 4,000 of them.
    rows = list(
        Assessment.objects.filter(cycle=cycle).order_by(vietnamese("unit__name"))
        .annotate(applies=self_assessment_deadline_expression())
        .values_list("pk", "state", "version", "unit__name", "unit__code", "result__id", "result__stale",
                     "result__computed_from_version", "applies")
    )
    if not rows:
        return [_(MSG_NOTHING)]
    now = timezone.now()
    for pk, state, version, unit_name, unit_code, result_id, stale, computed_from, applies in rows:
        if state != Assessment.State.SIGNED_OFF:
            # a draft past its deadline reads as the cycle's page reads it: «Quá hạn, chưa gửi»
            shown = state_shown(state=state, phase=cycle.phase, overdue=applies is not None and now > applies)
            problems.append(UnitBlocker(
                _("%(unit)s: chưa được thông qua (%(state)s).") % {"unit": unit_name, "state": shown},
                assessment_id=pk, unit_code=unit_code, state=state, kind="not_signed_off",
            ))
        elif result_id is None or stale or computed_from != version:
            problems.append(UnitBlocker(
                _("%(unit)s: kết quả đang chờ tính lại.") % {"unit": unit_name},
                assessment_id=pk, unit_code=unit_code, state=state, kind="result_pending",
            ))
    return problems


def _criterion_scores(assessment_units: dict[int, str]) -> dict[str, dict[str, str | None]]:
    """Each unit's appraised score of each criterion; None: not applicable as appraised (the unit's «không
    phát sinh», not overruled: `ScoreLine.appraised_not_applicable`). A criterion without an appraised score is
    left out, so that it is never read as not applicable (the index counts the one 0, the other its maximum)."""
    scores: dict[str, dict[str, str | None]] = {code: {} for code in assessment_units.values()}
    lines = ScoreLine.objects.filter(assessment_id__in=assessment_units).values_list(
        "assessment_id", "indicator__code", "appraised_score", "not_applicable", "na_overruled"
    )
    for assessment_id, code, score, not_applicable, overruled in lines.iterator(chunk_size=5000):
        if not_applicable and not overruled:
            scores[assessment_units[assessment_id]][code] = None
        elif score is not None:
            scores[assessment_units[assessment_id]][code] = _dec(score)
    return scores


def _criterion_notes(assessment_units: dict[int, str]) -> dict[str, dict[str, str]]:
    """Each unit's appraisers' notes by leaf code, as they stand when the results are published (a unit reopened
    and re-appraised later changes its lines, never what was published). Units without a note are left out."""
    notes: dict[str, dict[str, str]] = {}
    lines = ScoreLine.objects.filter(assessment_id__in=assessment_units).exclude(appraised_note="").values_list(
        "assessment_id", "indicator__code", "appraised_note"
    )
    for assessment_id, code, note in lines.iterator(chunk_size=5000):
        notes.setdefault(assessment_units[assessment_id], {})[code] = note
    return notes


class _ResultRow(NamedTuple):
    assessment_id: int
    set_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    unit_short_name: str
    kind_id: int
    group_id: int | None
    rank: int | None
    index: Decimal  # type: ignore[assignment]  # the field shadows tuple.index, which nothing here calls
    total: Decimal
    normal_total: Decimal
    bonus: Decimal
    penalty: Decimal
    applicable_max: Decimal
    classification: str
    area_totals: dict[str, Any]
    submitted_by_id: int | None


_RESULT_ROW = (
    "assessment_id", "assessment__indicator_set_id", "assessment__unit_id", "assessment__unit__code",
    "assessment__unit__name", "assessment__unit__short_name", "assessment__unit__kind_id",
    "assessment__ranking_group_id", "rank", "index", "total", "normal_total", "bonus", "penalty",
    "applicable_max", "classification", "area_totals", "assessment__submitted_by_id",
)


def _handed_over(results: list[_ResultRow]) -> set[int]:
    """The assessments (ids) among `results` the unit never submitted: handed to the appraisal team by the
    administrator's «Quá hạn, chưa gửi: chuyển Tổ thẩm định», as the audit of that state change records it (the
    review page's «Đơn vị không gửi», `appraisal.selectors.review.assessment_handover`). One query."""
    return set(handover_entries(r.assessment_id for r in results))


def snapshot_build(*, cycle: Cycle, with_scores: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """The snapshot of a cycle's current results: (snapshot, per-criterion scores). Reads only; a fixed
    number of queries whatever the number of units. `with_scores` False leaves the per-criterion scores out
    (empty): a preview shows the ranking only, and those scores are every score line of the cycle (about 430,000
    nationally, three quarters of the preview's time)."""
    # Plain rows (some 4,000 nationally), their unit kinds, groups and sets (a few) read apart: model instances
    # of each result with its assessment, unit, kind, group and set took three quarters of a preview.
    results = [
        _ResultRow(*row) for row in IndexResult.objects.filter(
            assessment__cycle=cycle, assessment__state=Assessment.State.SIGNED_OFF,
        ).order_by().values_list(*_RESULT_ROW)
    ]
    kinds = UnitKind.objects.in_bulk({r.kind_id for r in results})
    groups: dict[int, RankingGroup] = RankingGroup.objects.in_bulk({r.group_id for r in results if r.group_id})
    sets: dict[int, Any] = IndicatorSet.objects.in_bulk({r.set_id for r in results})
    indicators = list(Indicator.objects.filter(indicator_set_id__in=sets).order_by("indicator_set_id", "order"))
    origins = clone_chains(indicators).chains
    set_data: dict[str, Any] = {}
    for s in sets.values():
        nodes = [i for i in indicators if i.indicator_set_id == s.pk]
        codes = {i.pk: i.code for i in nodes}
        set_data[s.key] = {
            "key": s.key,
            "version": s.version,
            "year": s.year,
            "name": s.name,
            "decision_ref": s.decision_ref,
            "standard_max": _dec(s.standard_max),
            "index_mode": s.index_mode,
            # The caps on the whole bonus and penalty the index was computed with (None: no cap), published with it.
            "bonus_cap": None if s.bonus_cap is None else _dec(s.bonus_cap),
            "penalty_cap": None if s.penalty_cap is None else _dec(s.penalty_cap),
            # The cut-offs the results were classified by (highest first), published with them.
            "classification_bands": [
                {"label": r.label, "min": _dec(r.low)} for r in selectors.band_ranges(s.classification_bands)
            ],
            "indicators": [
                {
                    # Its identity and those of the criteria it was copied from over the years (nearest first): the
                    # comparison across years pairs criteria by them, whatever their codes (`criteria_pairs`).
                    "id": i.pk,
                    "origins": origins.get(i.pk, []),
                    "code": i.code,
                    "parent": codes.get(i.parent_id) if i.parent_id else None,
                    "name": i.name,
                    "level": i.level,
                    "kind": i.kind,
                    "max_points": _dec(i.max_points),
                    "is_leaf": i.is_leaf,
                    # A scored leaf's method as published («Cách tính chỉ số» states it in words, not the live set).
                    **({"method": i.method, "params": i.params or {}, "floor": _dec(i.floor)} if i.is_leaf else {}),
                }
                for i in nodes
            ],
        }
    ordered_groups = sorted(groups.values(), key=lambda g: (g.order, g.name))
    handed_over = _handed_over(results)
    rows = []
    for r in results:
        indicator_set, group = sets[r.set_id], groups.get(r.group_id) if r.group_id else None
        rows.append(
            {
                "unit_id": r.unit_id,
                "unit_code": r.unit_code,
                "unit_name": r.unit_name,
                "unit_short_name": r.unit_short_name,
                "unit_kind": kinds[r.kind_id].name,
                "unit_kind_code": kinds[r.kind_id].code,  # added: the catalogue's code (`kind` of /api/v1/units/)
                "group_code": group.code if group else "",
                "set_key": indicator_set.key,
                "set_version": indicator_set.version,
                "rank": r.rank,
                "index": _dec(r.index),
                "total": _dec(r.total),
                "normal_total": _dec(r.normal_total),
                "bonus": _dec(r.bonus),
                "penalty": _dec(r.penalty),
                "applicable_max": _dec(r.applicable_max),
                "classification": r.classification,
                "area_totals": {code: _dec(v) for code, v in r.area_totals.items()},
                # Kept only when true: a snapshot stored before the mark states the same of every other unit.
                **({"not_submitted": True} if r.assessment_id in handed_over else {}),
            }
        )
    scores = _criterion_scores({r.assessment_id: r.unit_code for r in results}) if with_scores else {}
    snapshot = {
        "schema": SNAPSHOT_SCHEMA,
        "cycle": {"id": cycle.pk, "year": cycle.year, "name": cycle.name},
        "groups": [{"code": g.code, "name": g.name, "order": g.order} for g in ordered_groups],
        "sets": set_data,
        "rows": rows,
    }
    # Stored in the published order (ties by name, in Vietnamese order), which every page and file lists.
    selectors.in_published_order(snapshot)
    return snapshot, scores


def _document_date_problems(cycle: Cycle, document_date: datetime.date) -> dict[str, str]:
    """A document approving the results is dated on or before today (in the province), not before the year
    assessed, and a correction's not before the revision it corrects: the revisions' dates stay in order."""
    shown = local_day(document_date)
    if document_date > timezone.localdate():
        return {"document_date": _(MSG_DATE_AHEAD) % {"date": shown}}
    if document_date.year < cycle.year:
        return {"document_date": _(MSG_DATE_BEFORE_CYCLE) % {"date": shown, "year": cycle.year}}
    last = Publication.objects.filter(cycle=cycle).order_by("-revision").values_list("document_date", flat=True)
    previous = last.first()
    if previous is not None and document_date < previous:
        return {"document_date": _(MSG_DATE_BEFORE) % {"date": shown, "previous": local_day(previous)}}
    return {}


def _units_anew(
    current: Publication | None, snapshot: dict[str, Any],
    *, scores_of: Callable[[Publication, set[str]], dict[str, Any]],
) -> set[str]:
    """The units whose published figures the new snapshot sets: every unit for a first publication; for a correction,
    those whose row differs from the current revision's, and of the others those whose per-criterion scores differ
    from its, compared as stored (JSON). `scores_of(current, codes)`: the new per-criterion scores (by unit code) of
    the units `codes` whose rows are unchanged; a unit it leaves out is taken to state what `current` states."""
    if current is None:
        return {row["unit_code"] for row in snapshot["rows"]}
    before = {r.get("unit_code"): _row_figures(r) for r in current.snapshot.get("rows", [])}
    rows = json.loads(json.dumps(snapshot["rows"]))
    anew = {row["unit_code"] for row in rows if before.get(row["unit_code"]) != _row_figures(row)}
    unchanged_rows = {row["unit_code"] for row in rows} - anew
    scores = json.loads(json.dumps(scores_of(current, unchanged_rows)))
    return anew | {code for code, fresh in scores.items()
                   if code in unchanged_rows and current.scores.get(code) != fresh}


def _units_published_anew(current: Publication | None, snapshot: dict[str, Any], scores: dict[str, Any]) -> set[str]:
    """`_units_anew` comparing every unit's per-criterion scores (`scores`: all of them, as publishing reads them)."""
    return _units_anew(current, snapshot,
                       scores_of=lambda _current, codes: {code: scores.get(code) for code in codes})


def _changes_published(
    current: Publication | None, snapshot: dict[str, Any], scores: dict[str, Any]
) -> tuple[bool, set[str]]:
    """(whether the new snapshot states exactly what `current` states, the units whose figures it sets anew: none
    when it states the same)."""
    unchanged = current is not None and figures_unchanged(current, snapshot, scores)
    return unchanged, set() if unchanged else _units_published_anew(current, snapshot, scores)


def results_date_floor(*, cycle: Cycle, units: set[str]) -> selectors.Settled | None:
    """The earliest day a document may publish the results of `units` (unit codes): the day the latest of them was
    settled (signed off and computed, `selectors.results_settled`), with that unit's name; None when no unit
    bounds it (a correction of the document's information only). The rule of `document_date_before_results`, which
    the publish form states in advance (`publish_form_context`)."""
    settled = selectors.results_settled(cycle=cycle)
    # the latest by time, not any unit of the latest day: the unit named is the one settled last
    return max((settled[code] for code in units if code in settled), key=lambda s: (s.day, s.moment), default=None)


def _results_date_problem(*, document_date: datetime.date, floor: selectors.Settled | None) -> str | None:
    """Why the decision cannot be dated `document_date` (None when it can): it is dated before the day the latest
    of the results it publishes was settled (`results_date_floor`). A correction's own lower bound, the revision it
    corrects, is `_document_date_problems`'."""
    if floor is None or document_date >= floor.day:
        return None
    return _(MSG_DATE_BEFORE_RESULTS) % {
        "date": local_day(document_date), "settled": local_day(floor.day), "unit": floor.unit_name,
    }


class DocumentDateFloor(NamedTuple):
    """The earliest date the publish form accepts for the document, and why: the results' day (`unit_name`: the
    unit whose result was settled last) or the date of the revision corrected (`revision`)."""

    day: datetime.date
    unit_name: str = ""
    revision: int | None = None


class PublishFormContext(NamedTuple):
    """What the publish page shows: the preview snapshot (its ranking) and the earliest document date."""

    snapshot: dict[str, Any]
    floor: DocumentDateFloor | None


def _units_changed_since(current: Publication | None, snapshot: dict[str, Any], *, cycle: Cycle) -> set[str]:
    """`_units_published_anew` for the publish form, reading the per-criterion scores only where they may differ. A
    unit's appraised scores change only while its assessment is not signed off, so a unit signed off and computed
    (`selectors.results_settled`) before `current` was published states what `current` states, unless its row
    differs (every unit whose row differs is published anew, scores or not). The others' scores are read and
    compared as publishing compares them."""

    def settled_since(current: Publication, codes: set[str]) -> dict[str, Any]:
        signed_off = IndexResult.objects.filter(assessment__cycle=cycle, assessment__state=Assessment.State.SIGNED_OFF)
        since = signed_off.filter(Q(assessment__signed_off_at__gte=current.published_at)
                                  | Q(computed_at__gte=current.published_at))
        assessments = {pk: code for pk, code in since.values_list("assessment_id", "assessment__unit__code")
                       if code in codes}
        return _criterion_scores(assessments) if assessments else {}

    return _units_anew(current, snapshot, scores_of=settled_since)


def publish_form_context(*, cycle: Cycle) -> PublishFormContext:
    """The preview of what publishing now would publish, and the earliest date the service accepts for its document
    as things stand (by the same rules as `cycle_publish`: the latest result it publishes anew, `results_date_floor`,
    and a correction's revision corrected). Reads only. A first publication reads no per-criterion score (every unit
    is published anew). A correction compares the per-criterion scores, as publishing it does, of the units only
    that could have changed (`_units_changed_since`): not the nation's 430,000 score lines each time the page opens."""
    current = Publication.objects.filter(cycle=cycle).order_by("-revision").first()
    snapshot, _none = snapshot_build(cycle=cycle, with_scores=False)
    units = _units_changed_since(current, snapshot, cycle=cycle)
    candidates: list[DocumentDateFloor] = []
    results = results_date_floor(cycle=cycle, units=units)
    if results is not None:
        candidates.append(DocumentDateFloor(day=results.day, unit_name=results.unit_name))
    if current is not None:
        candidates.append(DocumentDateFloor(day=current.document_date, revision=current.revision))
    # The later bound wins; on the same day, the results' (the one the task names).
    floor = max(candidates, key=lambda f: (f.day, f.revision is None), default=None)
    return PublishFormContext(snapshot=snapshot, floor=floor)


@transaction.atomic
def cycle_publish(
    *,
    cycle: Cycle,
    document_number: str,
    document_date: datetime.date | None,
    actor: Any,
    reason: str = "",
    document_only: bool = False,
) -> Publication:
    """Publish the cycle's results (or a correction of an earlier publication) as a new revision.

    Side effects: one immutable Publication row (revision = previous + 1) with the appraisers' notes as they
    stand (`Publication.notes`, for the units' own pages); the cycle's phase → published;
    audit entries for both. Refuses (nothing written) before the cycle's «Hoàn thiện kết quả» phase, while any
    assessment is not signed off or its result is stale, without a document number/date, or for a correction
    without a reason; and a document dated after today (in the province), before the cycle's year, before the
    revision it corrects, or before the day the latest result it publishes was signed off and computed
    (`document_date_before_results`). A correction that changes no figure (only the document's number, date) is
    published only with `document_only` confirmed, and is then marked so (`snapshot["document_only"]`: the public
    pages say the results did not change); `document_only` on a correction that changes figures is refused.
    """
    problems: dict[str, str] = {}
    number = _typed(document_number, field="document_number", limit=DOCUMENT_NUMBER_LIMIT, problems=problems)
    why = _typed(reason, field="reason", limit=REASON_LIMIT, problems=problems)
    if not number and "document_number" not in problems:
        problems["document_number"] = _(MSG_DOCUMENT_NUMBER)
    if document_date is None:
        problems["document_date"] = _(MSG_DOCUMENT_DATE)
    # The cycle's row is what every revision hangs on: locked first, so that the same form sent twice at once
    # is decided one after the other (the second then finds the first's revision, identical, and is refused).
    locked = Cycle.objects.select_for_update(of=("self",)).get(pk=cycle.pk)
    current = Publication.objects.filter(cycle=locked).order_by("-revision").defer("snapshot", "scores").first()
    previous = current.revision if current is not None else 0
    # the form of the revision in force sent again (a double click): answered below as the same as it (409), not as
    # a correction lacking its reason
    resent = current is not None and current.document_number == number and current.document_date == document_date
    reason_missing = bool(previous and not why and "reason" not in problems)
    if reason_missing and not resent:
        problems["reason"] = _(MSG_REASON)
    if not previous and why:  # a reason kept with nothing corrected would be a text said saved and never shown
        problems["reason"] = _(MSG_REASON_FIRST)
    if document_date is not None:
        problems.update(_document_date_problems(locked, document_date))
    if problems or document_date is None:
        raise ValidationFailed(next(iter(problems.values())), code="invalid_publication", details=problems)
    phase = publication_phase_blocker(cycle=locked)
    if phase:
        raise StateConflict(phase, code="phase_not_publishable", details=[phase])
    blockers = publication_unit_blockers(cycle=locked)
    if blockers:
        units = sum(1 for b in blockers if isinstance(b, UnitBlocker))
        message = _not_ready_message(units) if units else blockers[0]  # no assessment at all: said as it is
        raise StateConflict(message, code="not_ready", details=[str(b) for b in blockers])
    snapshot, scores = snapshot_build(cycle=locked)
    assessment_units = dict(
        IndexResult.objects.filter(
            assessment__cycle=locked, assessment__state=Assessment.State.SIGNED_OFF
        ).values_list("assessment_id", "assessment__unit__code")
    )
    unchanged, anew = _changes_published(current, snapshot, scores)
    before_results = _results_date_problem(
        document_date=document_date, floor=results_date_floor(cycle=locked, units=anew),
    )
    if before_results:
        raise ValidationFailed(before_results, code="document_date_before_results",
                               details={"document_date": before_results})
    if (
        current is not None and unchanged and current.document_number == number
        and current.document_date == document_date
    ):
        raise StateConflict(_(MSG_SAME_AS_CURRENT) % {"rev": current.revision}, code="same_as_current")
    if reason_missing:  # the document in force, with changed figures: a correction all the same
        raise ValidationFailed(_(MSG_REASON), code="invalid_publication", details={"reason": _(MSG_REASON)})
    if current is not None and unchanged and not document_only:
        message = _(MSG_DOCUMENT_ONLY_CONFIRM) % {"rev": current.revision}
        raise ValidationFailed(message, code="document_only_unconfirmed", details={"document_only": message})
    if document_only and not unchanged:
        message = (_(MSG_DOCUMENT_ONLY_WRONG) % {"rev": current.revision} if current is not None
                   else _("Lần công bố đầu tiên công bố kết quả, không phải đính chính thông tin văn bản."))
        raise ValidationFailed(message, code="document_only_wrong", details={"document_only": message})
    snapshot["document"] = {"number": number, "date": document_date.isoformat()}
    snapshot["revision"] = previous + 1
    snapshot["reason"] = why
    if unchanged:
        snapshot["document_only"] = True
    publication = Publication.objects.create(
        cycle=locked,
        revision=previous + 1,
        document_number=number,
        document_date=document_date,
        reason=why if previous else "",
        snapshot=snapshot,
        scores=scores,
        notes=_criterion_notes(assessment_units),
        published_at=_to_the_millisecond(timezone.now()),
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor, action="publication.publish" if previous == 0 else "publication.correct",
        object_type="Publication", object_id=publication.pk,
        changes={
            "revision": {"old": previous or None, "new": publication.revision},
            "document": {"old": None, "new": f"{number} ngày {document_date:%d/%m/%Y}"},
            "units": {"old": None, "new": len(snapshot["rows"])},
            **({"document_only": {"old": None, "new": True}} if unchanged else {}),
        },
        reason=why,
    )
    if locked.phase != Cycle.Phase.PUBLISHED:
        cycle_set_phase(cycle=locked, phase=Cycle.Phase.PUBLISHED, actor=actor)
    logger.info("published cycle %s revision %s", locked.year, publication.revision,
                extra={"cycle_id": locked.pk, "revision": publication.revision})
    return publication


MSG_HAND_OVER_CHANGED = gettext_noop(
    "Danh sách đơn vị quá hạn chưa gửi đã thay đổi từ khi trang được mở (trang báo %(seen)s đơn vị, nay là %(now)s). "
    "Chưa chuyển đơn vị nào: hãy xem lại danh sách rồi xác nhận lại."
)
MSG_HAND_OVER_NONE = gettext_noop("Không còn đơn vị nào quá hạn mà chưa gửi để chuyển cho Tổ thẩm định.")
MSG_HAND_OVER_UNCONFIRMED = gettext_noop(
    "Chưa chuyển đơn vị nào: hãy đánh dấu ô «Tôi xác nhận…» bên trên nút chuyển (các đơn vị sẽ không sửa được bản tự "
    "đánh giá nữa)."
)


@transaction.atomic
def cycle_overdue_drafts_hand_over(
    *, cycle: Cycle, actor: Any, reason: str, expected: int, confirmed: bool | None = None
) -> int:
    """Hand over to the appraisal team, as they stand, every draft of the cycle whose self-assessment deadline has
    passed without a submission and no extension request of which waits (`DraftStanding.can_hand_over`): one
    audited `assessment_close_unsubmitted` per unit, with `reason`, all or nothing (the first refusal undoes the
    others). `expected`: the number the administrator confirmed; another number now (a unit submitted, asked for
    more time or was handed over meanwhile) refuses the whole, so that nobody is handed over unseen. Each unit's
    people are told, and the appraisal team in one e-mail per person listing the units that concern them
    (`assessments_notify_handed_over`, e-mailed after commit). Returns the number handed over.

    `confirmed` (the pages' box «Tôi xác nhận…»): False refuses (400 `hand_over_unconfirmed`, nothing done); None: no
    box (the API, whose `expected` is its confirmation)."""
    if confirmed is False:
        raise ValidationFailed(_(MSG_HAND_OVER_UNCONFIRMED), code="hand_over_unconfirmed",
                               details={"confirmed": _(MSG_HAND_OVER_UNCONFIRMED)})
    if not reason_text(reason):
        raise ValidationFailed(_("Hãy ghi lý do (ví dụ: đơn vị không gửi bản tự đánh giá đúng hạn)."),
                               code="reason_required", details={"reason": _("Hãy ghi lý do.")})
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
    overdue = [d for d in cycle_drafts_standing(cycle=cycle) if d.can_hand_over]
    if not overdue:
        raise StateConflict(_(MSG_HAND_OVER_NONE), code="nothing_to_hand_over")
    if len(overdue) != expected:
        raise StateConflict(_(MSG_HAND_OVER_CHANGED) % {"seen": expected, "now": len(overdue)},
                            code="hand_over_changed")
    handed = [
        assessment_close_unsubmitted(assessment=assessment, actor=actor, reason=reason, notify=False)
        for assessment in Assessment.objects.filter(pk__in=[d.assessment_id for d in overdue]).order_by("pk")
    ]
    assessments_notify_handed_over(assessments=handed, reason=reason_text(reason),
                                   handed_at=max(a.submitted_at for a in handed if a.submitted_at is not None))
    logger.info("handed over %s overdue drafts of cycle %s", len(overdue), cycle.pk,
                extra={"cycle_id": cycle.pk, "count": len(overdue)})
    return len(overdue)


def _to_the_millisecond(moment: datetime.datetime) -> datetime.datetime:
    """`moment` without its sub-millisecond part: the precision a backup keeps (its database file is written with
    Django's JSON serializer, to the millisecond), so a restored copy serves the publication's moment, and the
    open-data JSON and its ETag, exactly as the original."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# --- export jobs -----------------------------------------------------------------------------------------

EXPORT_KINDS = ("xlsx", "pdf", "evidence", "criteria_csv")


@transaction.atomic
def export_job_create(*, publication: Publication, kind: str, actor: Any, unit: Unit | None = None) -> ExportJob:
    """Record an export request and enqueue its task after commit (eager in the embedded default); an
    earlier request for the same file (not failed) is returned instead of building it again."""
    if kind not in EXPORT_KINDS:
        raise ValidationFailed(_("Loại tệp không hợp lệ."), code="invalid_export_kind")
    if kind == "evidence" and unit is None:
        raise ValidationFailed(_("Chọn đơn vị cho hồ sơ minh chứng."), code="unit_required")
    reusable = (
        ExportJob.objects.filter(publication=publication, kind=kind, unit=unit)
        .exclude(status=ExportJob.Status.FAILED)
        .order_by("-created_at")
        .first()
    )
    if reusable is not None and reusable.status == ExportJob.Status.DONE and not exports.job_path(reusable).exists():
        # Its file was swept after the retention period (or lost): build it again.
        _export_job_expire(reusable)
        reusable = None
    if reusable is not None:
        # A publication never changes, so its file is built once and shared by everyone who asks.
        return reusable
    job = ExportJob.objects.create(
        publication=publication, kind=kind, unit=unit,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    from scoring.publication.tasks import export_job_run_task

    transaction.on_commit(lambda: export_job_run_task.delay(job.pk))
    return job


def _export_job_expire(job: ExportJob) -> None:
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=_(EXPORT_EXPIRED))


EXPORT_EXPIRED = gettext_noop("Tệp đã hết thời hạn lưu và được xoá; hãy yêu cầu tạo lại.")


def export_files_sweep(*, retention_days: int, now: datetime.datetime | None = None) -> dict[str, int]:
    """Free the disk: remove the files of export jobs finished more than `retention_days` ago (the job is
    marked expired, so the next request builds the file again) and any file of the exports folder that no
    finished job owns (a half-written `.part` left by a killed worker, or a job deleted by hand) once it
    is a day old. Returns the counts. Cost: one query over finished jobs plus one directory listing."""
    now = now or timezone.now()
    expired = 0
    old_jobs = ExportJob.objects.filter(
        status=ExportJob.Status.DONE, finished_at__lt=now - datetime.timedelta(days=retention_days)
    )
    for job in old_jobs:
        exports.job_path(job).unlink(missing_ok=True)
        _export_job_expire(job)
        expired += 1
    owned = {
        exports.job_path(job).name
        for job in ExportJob.objects.filter(status__in=[ExportJob.Status.DONE, ExportJob.Status.RUNNING])
    }
    orphans = 0
    stale_before = (now - datetime.timedelta(days=1)).timestamp()
    for path in exports.exports_root().iterdir():
        if path.is_file() and path.name not in owned and path.stat().st_mtime < stale_before:
            path.unlink(missing_ok=True)
            orphans += 1
    if expired or orphans:
        logger.info("export sweep: %d expired, %d orphan files removed", expired, orphans)
    return {"expired": expired, "orphans": orphans}


def export_jobs_abandon(*, before: datetime.datetime) -> int:
    """Exports asked for before `before` and still pending or running: their worker died, or the queue lost
    them. Each is marked failed, so that its page says so and a new request builds the file again (a half-written
    file is an orphan for `export_files_sweep`). Returns how many. Run by the periodic sweep."""
    abandoned = ExportJob.objects.filter(
        status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING], created_at__lt=before
    ).update(status=ExportJob.Status.FAILED, finished_at=timezone.now(),
             error=_("Máy chủ không tạo xong tệp; hãy yêu cầu lại."))
    if abandoned:
        logger.warning("export jobs abandoned (never finished): %d", abandoned)
    return abandoned


def export_job_progress(*, job_id: int, progress: int) -> None:
    """Record progress (0–100) of a running job; called often, so one UPDATE and nothing else."""
    ExportJob.objects.filter(pk=job_id).update(progress=max(0, min(100, progress)), status=ExportJob.Status.RUNNING)


def export_file_now(*, publication: Publication, kind: str, actor: Any) -> ExportJob:
    """A publication's export (the whole-cycle kinds) for a direct download: the file an earlier export built
    when there is one (a publication never changes), else built now in this request and kept as a done export
    job, shared by every later request like a background export's file (a national workbook takes seconds of
    CPU to build: rebuilt on each download, every visitor could keep a worker busy)."""
    for job in ExportJob.objects.filter(publication=publication, kind=kind, unit=None,
                                        status=ExportJob.Status.DONE).order_by("-created_at")[:5]:
        if exports.job_path(job).exists():
            return job
    job = ExportJob.objects.create(
        publication=publication, kind=kind, requested_by=actor if getattr(actor, "pk", None) else None
    )
    built = export_job_run(job_id=job.pk, build=exports.build_job_file)
    assert built is not None  # made just above
    return built


def export_job_run(*, job_id: int, build: Callable[[ExportJob, Callable[[int], None]], str]) -> ExportJob | None:
    """Run one export job: `build(job, report)` writes the file and returns its name. Idempotent: a job
    already done is returned unchanged; quiet (None) when the job is gone. A failure is recorded on the job."""
    job = ExportJob.objects.select_related("publication__cycle", "unit").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=0)
    try:
        name = build(job, lambda p: export_job_progress(job_id=job.pk, progress=p))
    except Exception as exc:  # recorded on the job for the page, then re-raised for the worker's log
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, progress=100, file_name=name, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
