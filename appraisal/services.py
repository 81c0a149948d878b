"""Appraisal writes: review of each leaf, explanation rounds, sign-off, reopen and the set-wise recompute.

Each service is one transaction, takes the acting user and leaves an audit record; states change only through
`scoring.services.assessment_transition`. Survey imports are in `appraisal.survey`, notifications in
`appraisal.notifications`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal import selectors as appraisal_selectors
from appraisal.models import ExplanationRound, LineHistory, Notification
from appraisal.notifications import notify, team_for, unit_people
from appraisal.setwise import combine
from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.errors import MSG_STALE_VERSION, StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, IndexResult, Indicator, RankingGroup, ScoreLine
from scoring.services import (
    assessment_transition,
    audit_record,
    ranking_group_rerank,
    score_line_appraise,
)
from scoring.text import user_text

logger = logging.getLogger(__name__)

MSG_NOT_APPRAISING = gettext_lazy("Bản đánh giá ở trạng thái «%(state)s»: không thẩm định được.")
MSG_REASON_REQUIRED = gettext_lazy("Điểm thẩm định khác điểm tự chấm: hãy nêu lý do.")
MSG_VALUE_REQUIRED = gettext_lazy("Hãy nhập số liệu thẩm định.")
MSG_SURVEY_IMPORT_ONLY = gettext_lazy(
    "Tiêu chí này lấy điểm từ điều tra xã hội học: điểm được nhập từ tệp kết quả điều tra."
)
MSG_NA_ACCEPT_ONLY = gettext_lazy(
    "Đơn vị chọn «không phát sinh» ở tiêu chí này: hãy chấp nhận, hoặc yêu cầu đơn vị giải trình."
)
MSG_NOT_SELF_SCORED = gettext_lazy("Đơn vị chưa tự chấm tiêu chí này nên không thể chấp nhận điểm tự chấm.")
MSG_NOTHING_FLAGGED = gettext_lazy("Hãy chọn ít nhất một tiêu chí cần giải trình.")
MSG_DEADLINE_IN_PAST = gettext_lazy("Hạn giải trình phải sau thời điểm hiện tại.")
MSG_NOT_FLAGGED = gettext_lazy("Tiêu chí này không nằm trong yêu cầu giải trình.")
MSG_DEADLINE_PASSED = gettext_lazy("Đã hết hạn giải trình.")
MSG_EXPLANATION_REQUIRED = gettext_lazy("Hãy nhập nội dung giải trình.")
MSG_EXPLANATIONS_MISSING = gettext_lazy("Còn %(n)s tiêu chí chưa có nội dung giải trình.")
MSG_DEADLINE_NOT_PASSED = gettext_lazy("Chưa hết hạn giải trình: đơn vị vẫn đang giải trình.")
MSG_REASON_FOR_REOPEN = gettext_lazy("Hãy nêu lý do mở lại bản đánh giá.")

APPRAISING_STATES = (Assessment.State.SUBMITTED, Assessment.State.IN_APPRAISAL)


def _nfc(value: Any) -> str:
    """Typed text as stored; refuses control and direction-override characters (scoring.text)."""
    return user_text(value)


def _lock(assessment_id: int) -> Assessment:
    """The assessment row locked (only it: a join must not lock the unit, set or cycle for everybody)."""
    return Assessment.objects.select_for_update(of=("self",)).select_related("unit", "cycle", "indicator_set").get(
        pk=assessment_id
    )


def _require_appraising(assessment: Assessment) -> None:
    if assessment.state not in APPRAISING_STATES:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": assessment.get_state_display()}, code="not_appraising")


def _engine_score(indicator: Indicator, value: Mapping[str, Any]) -> Decimal:
    try:
        return engine.score_leaf(scoring_selectors.leaf_rule(indicator), value)
    except engine.EngineError as exc:
        raise ValidationFailed(exc.message, code=exc.code, details={"field": exc.field}) from exc


# --- recompute --------------------------------------------------------------------------------------------


def _enqueue_recompute(assessment_id: int) -> None:
    from celery import current_app
    from kombu.exceptions import OperationalError as BrokerError

    from appraisal.tasks import recompute_index_result_task

    if current_app.conf.task_always_eager:
        recompute_index_result_task.delay(assessment_id)
        return
    try:
        recompute_index_result_task.delay(assessment_id)
    except (BrokerError, OSError):
        # The sign-off is committed; the periodic reconciler finds the missing result and computes it.
        logger.warning(
            "could not enqueue the recompute of %s; the reconciler will", assessment_id,
            exc_info=True, extra={"assessment_id": assessment_id},
        )


def index_result_enqueue(*, assessment_id: int) -> None:
    """Ask the worker to recompute once the current transaction has committed (never before).

    A broker outage at that moment is logged, not raised: the committed sign-off stands and the
    reconciler (beat) recomputes every result that is missing or older than its assessment.
    """
    transaction.on_commit(lambda: _enqueue_recompute(assessment_id))


RESULT_FIELDS = [
    "normal_total", "bonus", "penalty", "total", "applicable_max", "index", "area_totals", "classification",
    "computed_at", "computed_from_version", "stale", "rank",
]


def _results_upsert(rows: list[tuple[Any, ...]]) -> None:
    """Insert or update many results in one statement; `rows` are (assessment_id, *RESULT_FIELDS) with
    area_totals as a dict. On PostgreSQL the rows go straight to the driver: compiling 4,000 rows through
    the ORM costs more than the GROUP BY that produced them."""
    if connection.vendor != "postgresql":
        results = [IndexResult(assessment_id=row[0], **dict(zip(RESULT_FIELDS, row[1:], strict=True))) for row in rows]
        IndexResult.objects.bulk_create(
            results, batch_size=500, update_conflicts=True, unique_fields=["assessment"], update_fields=RESULT_FIELDS
        )
        return
    from psycopg2.extras import Json, execute_values

    table = IndexResult._meta.db_table
    columns = ["assessment_id", *RESULT_FIELDS]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    updates = ", ".join(f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
                        for c in RESULT_FIELDS)
    at = RESULT_FIELDS.index("area_totals") + 1
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"INSERT INTO {table} ({quoted}) VALUES %s ON CONFLICT (assessment_id) DO UPDATE SET {updates}",  # noqa: S608
            [(*row[:at], Json(row[at]), *row[at + 1:]) for row in rows],
            page_size=len(rows),
        )


@transaction.atomic
def cycle_results_recompute(*, cycle_id: int) -> int:
    """Set-wise recompute of every signed-off assessment of a cycle and the ranking of every group.

    One `GROUP BY` over the stored appraised leaf scores (see `appraisal.setwise`), the rest in memory,
    then one bulk upsert of the results. Locks the cycle's ranking groups and signed-off assessments, as
    the per-assessment recompute does, so the two never interleave. Returns the number of results.
    """
    group_ids = list(
        Assessment.objects.filter(cycle_id=cycle_id, unit__ranking_group__isnull=False)
        .values_list("unit__ranking_group_id", flat=True)
        .distinct()
    )
    list(RankingGroup.objects.select_for_update(of=("self",)).filter(pk__in=group_ids).order_by("pk").values_list("pk"))
    assessments = list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(cycle_id=cycle_id, state=Assessment.State.SIGNED_OFF)
        .order_by("pk")
        .values_list("pk", "indicator_set_id", "version", "unit__ranking_group_id", "unit__name")
    )
    if not assessments:
        return 0
    shapes = appraisal_selectors.set_shapes({a[1] for a in assessments})
    sums = appraisal_selectors.group_sums(cycle_id=cycle_id, shapes=shapes)
    now = timezone.now()
    computed: dict[int, Any] = {}
    by_group: dict[int, list[engine.RankEntry]] = {}
    for pk, set_id, _version, group_id, name in assessments:
        comp = computed[pk] = combine(shapes[set_id][0], sums.get(pk, {}))
        if group_id is not None:
            by_group.setdefault(group_id, []).append(engine.RankEntry(key=pk, name=name, index=comp.index))
    rank_of: dict[int | str, int | None] = {}
    for entries in by_group.values():
        rank_of.update((entry.key, entry.rank) for entry in engine.rank(entries))
    _results_upsert([
        (pk, c.normal_total, c.bonus, c.penalty, c.total, c.applicable_max, c.index,
         {code: str(v) for code, v in c.area_totals.items()}, c.classification or "", now, version, False,
         rank_of.get(pk))
        for pk, _set_id, version, _group_id, _name in assessments
        for c in (computed[pk],)
    ])
    logger.info("set-wise recompute of cycle %s: %s results", cycle_id, len(assessments),
                extra={"cycle_id": cycle_id, "results": len(assessments)})
    return len(assessments)


# --- history ----------------------------------------------------------------------------------------------


def _evidence_snapshot(assessment: Assessment) -> dict[int, list[dict[str, Any]]]:
    files = appraisal_selectors.evidence_files_by_line(assessment)
    return {
        line_id: [{"id": f.pk, "name": str(getattr(f, "original_name", f))} for f in items]
        for line_id, items in files.items()
    }


def _snapshot(
    *, assessment: Assessment, stage: str, round_no: int, actor: Any, lines: Iterable[ScoreLine] | None = None
) -> int:
    """Record each line's state at a round boundary (once per line, round and stage)."""
    lines = list(lines) if lines is not None else list(assessment.lines.all())
    done = set(
        LineHistory.objects.filter(assessment=assessment, round=round_no, stage=stage).values_list("line_id", flat=True)
    )
    with_files = stage in (LineHistory.Stage.SELF, LineHistory.Stage.EXPLANATION)
    evidence = _evidence_snapshot(assessment) if with_files else {}
    by = actor if getattr(actor, "pk", None) else None
    rows = []
    for line in lines:
        if line.pk in done:
            continue
        entry = LineHistory(
            line=line, assessment=assessment, round=round_no, stage=stage, recorded_by=by,
            not_applicable=line.not_applicable, evidence=evidence.get(line.pk, []),
        )
        if stage == LineHistory.Stage.SELF:
            entry.value, entry.score, entry.note, entry.explanation = (
                line.self_value, line.self_score, line.self_note, line.explanation
            )
        elif stage == LineHistory.Stage.EXPLANATION:
            entry.value, entry.score, entry.explanation = line.self_value, line.self_score, line.explanation
        else:  # appraisal, final
            entry.value, entry.score, entry.note = line.appraised_value, line.appraised_score, line.appraised_note
        rows.append(entry)
    LineHistory.objects.bulk_create(rows)
    return len(rows)


# --- review -----------------------------------------------------------------------------------------------


def _start(assessment: Assessment, actor: Any) -> Assessment:
    started = assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=actor)
    _snapshot(assessment=started, stage=LineHistory.Stage.SELF, round_no=started.appraisal_round, actor=actor)
    return started


@transaction.atomic
def appraisal_start(*, assessment: Assessment, actor: Any) -> Assessment:
    """submitted → in_appraisal (the unit can no longer withdraw); records every leaf's self-score."""
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.SUBMITTED:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_submitted")
    return _start(locked, actor)


def _fresh_line(line: ScoreLine, base_version: int) -> ScoreLine:
    fresh = ScoreLine.objects.select_related("indicator").get(pk=line.pk)
    if fresh.version != base_version:
        raise StaleVersion(MSG_STALE_VERSION, details=fresh)
    return fresh


@transaction.atomic
def line_appraise(
    *, line: ScoreLine, actor: Any, base_version: int, value: Mapping[str, Any] | None, note: str = ""
) -> ScoreLine:
    """The appraiser's input for one leaf; the engine computes the appraised score.

    A score that differs from the self-score needs a reason (the note). The first appraisal of a submitted
    assessment starts the appraisal. Side effects: line and assessment versions bumped, audited.
    """
    assessment = _lock(line.assessment_id)
    _require_appraising(assessment)
    fresh = _fresh_line(line, base_version)
    if fresh.indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_IMPORT_ONLY, code="survey_leaf")
    if fresh.not_applicable:
        raise ValidationFailed(MSG_NA_ACCEPT_ONLY, code="not_applicable")
    if not value:
        raise ValidationFailed(MSG_VALUE_REQUIRED, code="missing_value")
    score = _engine_score(fresh.indicator, value)
    reason = _nfc(note)
    if score != fresh.self_score and not reason:
        raise ValidationFailed(MSG_REASON_REQUIRED, code="reason_required", details={"field": "note"})
    if assessment.state == Assessment.State.SUBMITTED:
        _start(assessment, actor)
    return score_line_appraise(line=fresh, actor=actor, base_version=base_version, value=value, note=reason)


@transaction.atomic
def line_accept_self(*, line: ScoreLine, actor: Any, base_version: int) -> ScoreLine:
    """Accept the unit's self-score as the appraised score (audited like any appraisal)."""
    assessment = _lock(line.assessment_id)
    _require_appraising(assessment)
    fresh = _fresh_line(line, base_version)
    if fresh.indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_IMPORT_ONLY, code="survey_leaf")
    if assessment.state == Assessment.State.SUBMITTED:
        _start(assessment, actor)
    if fresh.not_applicable:
        audit_record(
            actor=actor, action="score_line.accept_not_applicable", object_type="ScoreLine", object_id=fresh.pk,
            unit=assessment.unit, assessment=assessment,
            changes={"not_applicable": {"old": True, "new": True}},
        )
        return fresh
    if fresh.self_value is None:
        raise ValidationFailed(MSG_NOT_SELF_SCORED, code="not_self_scored")
    return score_line_appraise(line=fresh, actor=actor, base_version=base_version, value=fresh.self_value, note="")


@transaction.atomic
def area_accept_self(
    *, assessment: Assessment, area: Indicator, actor: Any, leaf_ids: set[int] | None = None
) -> dict[str, int]:
    """Accept the self-score of every leaf of an area that has no appraised score yet, in one action.

    `leaf_ids` limits it to those leaves (an appraiser assigned some criteria of the area only). Leaves
    already appraised are left as they are; survey, unscored and not-applicable leaves are skipped. Each
    accepted leaf is audited on its own. Returns {"accepted": n, "skipped": m}.
    """
    locked = _lock(assessment.pk)
    _require_appraising(locked)
    if area.indicator_set_id != locked.indicator_set_id or area.parent_id is not None:
        raise ValidationFailed(_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá."), code="wrong_area")
    tree = appraisal_selectors.set_tree(locked.indicator_set_id)
    leaves = [leaf for leaf in tree.leaves_by_area.get(area.pk, []) if leaf_ids is None or leaf in leaf_ids]
    lines = list(
        ScoreLine.objects.filter(assessment=locked, indicator_id__in=leaves, appraised_score__isnull=True)
        .select_related("indicator")
        .order_by("indicator__order")
    )
    if locked.state == Assessment.State.SUBMITTED:
        _start(locked, actor)
    accepted = skipped = 0
    for line in lines:
        if line.indicator.source == Indicator.Source.SURVEY or line.not_applicable or line.self_value is None:
            skipped += 1
            continue
        score_line_appraise(line=line, actor=actor, base_version=line.version, value=line.self_value, note="")
        accepted += 1
    return {"accepted": accepted, "skipped": skipped}


# --- explanation rounds -------------------------------------------------------------------------------------


@transaction.atomic
def explanation_request(
    *,
    assessment: Assessment,
    actor: Any,
    deadline: datetime,
    line_ids: Iterable[int] | None = None,
    message: str = "",
) -> ExplanationRound:
    """Return the assessment (all leaves, or the chosen ones) to the unit for explanation until `deadline`.

    Records every leaf's appraisal of the round that ends here, flags the chosen leaves, moves the
    assessment to «explanation», and e-mails the unit (after commit).
    """
    locked = _lock(assessment.pk)
    if locked.state == Assessment.State.SUBMITTED:
        locked = _start(locked, actor)
    if locked.state != Assessment.State.IN_APPRAISAL:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_appraising")
    if deadline <= timezone.now():
        raise ValidationFailed(MSG_DEADLINE_IN_PAST, code="deadline_in_past", details={"field": "deadline"})
    lines = list(locked.lines.select_related("indicator").order_by("indicator__order"))
    if line_ids is None:
        chosen = [line for line in lines if line.indicator.source != Indicator.Source.SURVEY]
    else:
        wanted = {int(i) for i in line_ids}
        chosen = [line for line in lines if line.pk in wanted]
        if len(chosen) != len(wanted):
            raise ValidationFailed(_("Có tiêu chí không thuộc bản đánh giá này."), code="unknown_line")
    if not chosen:
        raise ValidationFailed(MSG_NOTHING_FLAGGED, code="nothing_flagged")
    round_no = locked.appraisal_round
    _snapshot(assessment=locked, stage=LineHistory.Stage.APPRAISAL, round_no=round_no, actor=actor, lines=lines)
    ScoreLine.objects.filter(assessment=locked).update(explanation_requested=False)
    ScoreLine.objects.filter(pk__in=[line.pk for line in chosen]).update(explanation_requested=True)
    old_deadline = locked.explanation_deadline
    Assessment.objects.filter(pk=locked.pk).update(explanation_deadline=deadline)
    text = _nfc(message)
    returned = assessment_transition(
        assessment=locked, to_state=Assessment.State.EXPLANATION, actor=actor, reason=text
    )
    explanation_round = ExplanationRound.objects.create(
        assessment=returned, round=round_no, requested_by=actor, deadline=deadline, message=text,
        line_count=len(chosen),
    )
    audit_record(
        actor=actor, action="assessment.explanation_request", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, reason=text,
        changes={
            "explanation_deadline": {"old": old_deadline.isoformat() if old_deadline else None,
                                     "new": deadline.isoformat()},
            "explanation_requested": {"old": None, "new": [line.indicator.code for line in chosen]},
        },
    )
    notify(
        kind=Notification.Kind.EXPLANATION_REQUESTED, assessment=returned, recipients=unit_people(returned.unit_id),
        context={"round": explanation_round, "codes": [line.indicator.code for line in chosen]},
    )
    return explanation_round


@transaction.atomic
def line_explain(*, line: ScoreLine, actor: Any, base_version: int, explanation: str) -> ScoreLine:
    """The unit's explanation of one flagged leaf during its explanation round (before the deadline)."""
    fresh = (
        ScoreLine.objects.select_for_update(of=("self",))
        .select_related("indicator", "assessment", "assessment__unit")
        .get(pk=line.pk)
    )
    if fresh.version != base_version:
        raise StaleVersion(MSG_STALE_VERSION, details=fresh)
    assessment = fresh.assessment
    if assessment.state != Assessment.State.EXPLANATION or not fresh.explanation_requested:
        raise StateConflict(MSG_NOT_FLAGGED, code="not_flagged")
    if assessment.explanation_deadline and timezone.now() > assessment.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    text = _nfc(explanation)
    if not text:
        raise ValidationFailed(MSG_EXPLANATION_REQUIRED, code="explanation_required", details={"field": "explanation"})
    old = fresh.explanation
    fresh.explanation = text
    fresh.version += 1
    fresh.updated_by = actor if getattr(actor, "pk", None) else None
    fresh.save(update_fields=["explanation", "version", "updated_by", "updated_at"])
    Assessment.objects.filter(pk=assessment.pk).update(version=F("version") + 1)
    audit_record(
        actor=actor, action="score_line.explain", object_type="ScoreLine", object_id=fresh.pk,
        unit=assessment.unit, assessment=assessment, changes={"explanation": {"old": old, "new": text}},
    )
    return fresh


def _end_explanation(locked: Assessment, actor: Any, *, resubmitted: bool, reason: str = "") -> Assessment:
    round_no = locked.appraisal_round
    flagged = list(locked.lines.filter(explanation_requested=True))
    _snapshot(assessment=locked, stage=LineHistory.Stage.EXPLANATION, round_no=round_no, actor=actor, lines=flagged)
    Assessment.objects.filter(pk=locked.pk).update(appraisal_round=F("appraisal_round") + 1)
    audit_record(
        actor=actor, action="assessment.round", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, changes={"appraisal_round": {"old": round_no, "new": round_no + 1}},
        reason=reason,
    )
    back = assessment_transition(assessment=locked, to_state=Assessment.State.IN_APPRAISAL, actor=actor, reason=reason)
    now = timezone.now()
    ended = {"resubmitted_at": now, "resubmitted_by": actor} if resubmitted else {"closed_at": now, "closed_by": actor}
    ExplanationRound.objects.filter(assessment=locked, round=round_no).update(**ended)
    return back


@transaction.atomic
def explanation_resubmit(*, assessment: Assessment, actor: Any) -> Assessment:
    """The unit sends its explanations back: explanation → in_appraisal, round + 1; the team is e-mailed.

    Every flagged leaf needs an explanation; after the deadline the lead closes the round instead.
    """
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.EXPLANATION:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_explaining")
    if locked.explanation_deadline and timezone.now() > locked.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    missing = list(
        locked.lines.filter(explanation_requested=True, explanation="")
        .order_by("indicator__order").values_list("indicator__code", flat=True)
    )
    if missing:
        raise ValidationFailed(MSG_EXPLANATIONS_MISSING % {"n": len(missing)}, code="explanations_missing",
                               details=missing)
    back = _end_explanation(locked, actor, resubmitted=True)
    notify(kind=Notification.Kind.RESUBMITTED, assessment=back, recipients=team_for(back), context={})
    return back


@transaction.atomic
def explanation_close(*, assessment: Assessment, actor: Any, reason: str = "") -> Assessment:
    """The lead ends an explanation round whose deadline has passed without a resubmission."""
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.EXPLANATION:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_explaining")
    if locked.explanation_deadline and timezone.now() <= locked.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_NOT_PASSED, code="deadline_not_passed")
    return _end_explanation(locked, actor, resubmitted=False, reason=_nfc(reason) or _("Hết hạn giải trình."))


# --- sign-off and reopen -----------------------------------------------------------------------------------


@transaction.atomic
def assessment_sign_off(*, assessment: Assessment, actor: Any) -> Assessment:
    """Lock an assessment whose every leaf has an appraised score; the recompute runs after commit.

    Side effects: the round's appraisal and the final score of every leaf recorded; state → signed_off
    (audited); one recompute task enqueued on commit; the unit e-mailed.
    """
    locked = _lock(assessment.pk)
    if locked.state == Assessment.State.SIGNED_OFF:
        raise StateConflict(_("Bản đánh giá đã được thông qua."), code="already_signed_off")
    if locked.state != Assessment.State.IN_APPRAISAL:
        raise StateConflict(
            _("Chỉ thông qua bản đánh giá đang thẩm định (hiện: «%(state)s»).") % {"state": locked.get_state_display()},
            code="not_in_appraisal",
        )
    missing = list(
        locked.lines.filter(appraised_score__isnull=True, not_applicable=False)
        .order_by("indicator__order")
        .values_list("indicator__code", flat=True)
    )
    if missing:
        raise ValidationFailed(
            _("Còn %(n)s tiêu chí chưa có điểm thẩm định.") % {"n": len(missing)},
            code="missing_appraisal",
            details=missing,
        )
    lines = list(locked.lines.all())
    for stage in (LineHistory.Stage.APPRAISAL, LineHistory.Stage.FINAL):
        _snapshot(assessment=locked, stage=stage, round_no=locked.appraisal_round, actor=actor, lines=lines)
    signed = assessment_transition(assessment=locked, to_state=Assessment.State.SIGNED_OFF, actor=actor)
    index_result_enqueue(assessment_id=signed.pk)
    notify(kind=Notification.Kind.SIGNED_OFF, assessment=signed, recipients=unit_people(signed.unit_id), context={})
    return signed


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, actor: Any, reason: str) -> Assessment:
    """An administrator reopens a signed-off assessment (reason recorded): signed_off → in_appraisal, a new
    round; its result is marked stale and leaves the ranking until it is signed off again."""
    text = _nfc(reason)
    if not text:
        raise ValidationFailed(MSG_REASON_FOR_REOPEN, code="reason_required", details={"field": "reason"})
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.SIGNED_OFF:
        raise StateConflict(
            _("Chỉ mở lại bản đánh giá đã thông qua (hiện: «%(state)s»).") % {"state": locked.get_state_display()},
            code="not_signed_off",
        )
    group_id = locked.unit.ranking_group_id
    if group_id is not None:
        RankingGroup.objects.select_for_update(of=("self",)).filter(pk=group_id).first()
    Assessment.objects.filter(pk=locked.pk).update(appraisal_round=F("appraisal_round") + 1)
    reopened = assessment_transition(
        assessment=locked, to_state=Assessment.State.IN_APPRAISAL, actor=actor, reason=text
    )
    result = IndexResult.objects.select_for_update(of=("self",)).filter(assessment=locked).first()
    if result is not None:
        IndexResult.objects.filter(pk=result.pk).update(stale=True, rank=None)
        audit_record(
            actor=actor, action="index_result.stale", object_type="IndexResult", object_id=result.pk,
            unit=locked.unit, assessment=locked, reason=text,
            changes={"stale": {"old": result.stale, "new": True}, "rank": {"old": result.rank, "new": None}},
        )
        if group_id is not None:
            ranking_group_rerank(cycle_id=locked.cycle_id, ranking_group_id=group_id)
    return reopened
