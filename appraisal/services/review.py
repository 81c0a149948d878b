"""Review: start the appraisal, appraise a leaf, accept the self-score of a leaf or a whole area, score 0 the
leaves the unit never scored."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from appraisal import selectors as appraisal_selectors
from appraisal.models import ExplanationSeen, LineHistory
from appraisal.notifications import appraisal_notify_overwritten
from appraisal.permissions import refuse_own_unit
from appraisal.selectors.queue import unseen_explanations
from appraisal.selectors.review import evidence_noted, previous_round_decision
from appraisal.services.common import (
    LEAF_APPRAISING_STATES,
    MSG_LINE_STALE,
    MSG_NA_OVERRULE_REASON,
    MSG_NOT_APPRAISING,
    MSG_NOT_SELF_SCORED,
    MSG_REASON_REQUIRED,
    MSG_ROUND_REASON_REQUIRED,
    MSG_SURVEY_IMPORT_ONLY,
    MSG_VALUE_REQUIRED,
    _engine_score,
    _lock,
    _nfc,
    _require_appraising,
    _require_leaf_appraising,
    awaiting_explanation,
)
from appraisal.services.history import _snapshot
from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.errors import StaleVersion, StateConflict, ValidationFailed, engine_failure
from scoring.models import Assessment, Indicator, ScoreLine
from scoring.services import (
    assessment_transition,
    audit_records,
    score_line_accept_not_applicable,
    score_line_appraise,
)
from scoring.services.common import AuditFields

MSG_ZERO_REASON_REQUIRED = gettext_lazy("Hãy ghi lý do chấm 0 điểm (ví dụ: đơn vị không gửi bản tự đánh giá đúng hạn).")


def _start(assessment: Assessment, actor: Any) -> Assessment:
    started = assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=actor)
    _snapshot(assessment=started, stage=LineHistory.Stage.SELF, round_no=started.appraisal_round, actor=actor)
    return started


def _start_if_submitted(locked: Assessment, actor: Any) -> bool:
    """Start the appraisal of an assessment still «Đã gửi»; whether this decision started it. `locked`: read with
    its row locked (`_lock`), so of two first decisions sent at the same moment the second reads it as the first
    left it, started, and says it did not start it."""
    if locked.state != Assessment.State.SUBMITTED:
        return False
    _start(locked, actor)
    return True


def _said_started(line: ScoreLine, started: bool) -> ScoreLine:
    """The leaf a decision saved, carrying whether that decision started the appraisal (`started_appraisal`): the
    page says so to the one who started it only, not to a colleague whose decision came at the same moment."""
    line.started_appraisal = started  # type: ignore[attr-defined]
    return line


@transaction.atomic
def appraisal_start(*, assessment: Assessment, actor: Any) -> Assessment:
    """submitted → in_appraisal (the unit can no longer withdraw); records every leaf's self-score. Refused to a
    person of the assessment's unit (`refuse_own_unit`), as is every appraisal service below."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    if locked.state == Assessment.State.IN_APPRAISAL:  # a colleague's start, or a retried request: nothing to do
        raise StateConflict(_("Bản đánh giá đã được bắt đầu thẩm định (đang thẩm định): không cần bắt đầu lại."),
                            code="already_started")
    if locked.state != Assessment.State.SUBMITTED:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_submitted")
    return _start(locked, actor)


def _at_base_version(fresh: ScoreLine, base_version: int) -> ScoreLine:
    """The leaf as stored (`_stored_line`) at the version the page was based on; refused as stale otherwise."""
    if fresh.version != base_version:
        raise StaleVersion(MSG_LINE_STALE, details=fresh)
    return fresh


def _stored_line(line: ScoreLine, assessment: Assessment) -> ScoreLine:
    """The leaf as stored, one the team may decide now (`_require_leaf_appraising`: a leaf the unit is explaining
    is refused as such, whatever the page's version)."""
    fresh = ScoreLine.objects.select_related("indicator").get(pk=line.pk)
    _require_leaf_appraising(assessment, fresh)
    return fresh


def _sent_again(fresh: ScoreLine, actor: Any, decision: tuple[Any, ...] | None) -> bool:
    """A save based on an older version than the stored one whose decision is the one stored, stored by the same
    person: a save sent again after its answer was lost (the page retries). No conflict with oneself: it is answered
    as saved, with the stored line, writing nothing (as the unit's own saves do,
    `scoring.services.assessments._sent_again`). A colleague's same value, or anything else, stays a conflict.
    `decision`: what the save would store (`_decision`), None when it would refuse the input."""
    return (
        decision is not None
        and fresh.updated_by_id is not None
        and fresh.updated_by_id == getattr(actor, "pk", None)
        and _decision(fresh) == decision
    )


def _require_leaf_states(assessment: Assessment) -> None:
    """The assessment is in a state where the team decides leaves (under appraisal, or in an explanation round for
    the leaves it did not flag)."""
    if assessment.state not in LEAF_APPRAISING_STATES:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": assessment.get_state_display()}, code="not_appraising")


@transaction.atomic
def line_appraise(
    *, line: ScoreLine, actor: Any, base_version: int, value: Mapping[str, Any] | None, note: str = ""
) -> ScoreLine:
    """The appraiser's input for one leaf; the engine computes the appraised score.

    A score that differs from the self-score needs a reason (the note). On a leaf the unit declared «không
    phát sinh», a score means the team does not accept that declaration (the leaf counts with the score):
    the reason is always required. The first appraisal of a submitted assessment starts the appraisal.
    During an explanation round only the leaves the round did not flag are appraised (`awaiting_explanation`
    otherwise). Side effects: line and assessment versions bumped, audited.
    """
    assessment = _lock(line.assessment_id)
    refuse_own_unit(actor, assessment)
    _require_leaf_states(assessment)
    stored = _stored_line(line, assessment)
    if stored.version != base_version and _sent_again(stored, actor, _appraisal_sent(stored, value, note)):
        return _said_started(stored, False)
    fresh = _at_base_version(stored, base_version)
    if fresh.indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_IMPORT_ONLY, code="survey_leaf")
    if not value:
        raise ValidationFailed(MSG_VALUE_REQUIRED, code="missing_value")
    score = _engine_score(fresh.indicator, value)
    reason = _stale_reason_dropped(fresh, score, _round_reason(fresh, assessment, score, _nfc(note, field="note")))
    if fresh.not_applicable and not reason:
        raise ValidationFailed(MSG_NA_OVERRULE_REASON, code="reason_required", details={"field": "note"})
    if score != fresh.self_score and not reason:
        raise ValidationFailed(MSG_REASON_REQUIRED, code="reason_required", details={"field": "note"})
    started = _start_if_submitted(assessment, actor)
    replaced = _stored_appraisal(fresh)
    saved = score_line_appraise(line=fresh, actor=actor, base_version=base_version, value=value, note=reason,
                                na_overruled=fresh.not_applicable)
    _tell_replaced(replaced, saved, actor)
    return _said_started(saved, started)


def _stale_reason_dropped(line: ScoreLine, score: Decimal, reason: str) -> str:
    """The reason a save stores: none when the save brings the score back to the self-score and the reason is the
    one stored for the other score it replaces (left in the box, not written for this save), as «Chấp nhận điểm tự
    chấm» leaves the leaf; a reason typed in this save, or a comment stored with the self-score already, is kept."""
    stored = line.appraised_note.strip()
    if (line.not_applicable or score != line.self_score or not stored or reason.strip() != stored
            or line.appraised_score is None or line.appraised_score == line.self_score):
        return reason
    return ""


def _round_reason(line: ScoreLine, assessment: Assessment, score: Decimal, reason: str) -> str:
    """The reason a save stores in a round after the first (the team's decision of an earlier round recorded,
    `previous_round_decision`): a score changed from that round's needs a reason written in this round, not none
    and not that round's (which argued for the old score: refused, the field named); a score kept with no reason
    keeps that round's, which still holds. In the leaf's first round, the reason as given. One query after the
    first round."""
    if assessment.appraisal_round <= 1:
        return reason
    previous = previous_round_decision(line=line, current_round=assessment.appraisal_round)
    if previous is None or (previous.score is None and not previous.not_applicable):  # nothing decided then
        return reason
    changed = previous.not_applicable or previous.score != score
    if changed and (not reason or reason.strip() == previous.note.strip()):
        raise ValidationFailed(MSG_ROUND_REASON_REQUIRED, code="round_reason_required", details={"field": "note"})
    if not changed and not reason:
        return previous.note
    return reason


@transaction.atomic
def line_accept_self(*, line: ScoreLine, actor: Any, base_version: int) -> ScoreLine:
    """Accept the unit's self-score as the appraised score (audited like any appraisal). On a «không phát sinh»
    leaf, accept the declaration, withdrawing the team's overrule if there was one.

    Either way the leaf is saved, so an explanation the unit sent for it is no longer new in the queue
    (`unseen_explanations`); a «không phát sinh» accepted already is saved again only when it carries such an
    explanation (taken again, as a new acceptance), and otherwise changes and records nothing. During an explanation
    round, as `line_appraise`: only a leaf the round did not flag."""
    assessment = _lock(line.assessment_id)
    refuse_own_unit(actor, assessment)
    _require_leaf_states(assessment)
    stored = _stored_line(line, assessment)
    if stored.version != base_version and _sent_again(stored, actor, _acceptance_sent(stored)):
        return _said_started(stored, False)
    fresh = _at_base_version(stored, base_version)
    if fresh.indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_IMPORT_ONLY, code="survey_leaf")
    started = _start_if_submitted(assessment, actor)
    replaced = _stored_appraisal(fresh)
    if fresh.not_applicable:
        again = fresh.na_accepted and not fresh.na_overruled and _explanation_unseen(fresh)
        saved = score_line_accept_not_applicable(line=fresh, actor=actor, base_version=base_version, again=again)
    elif fresh.self_value is None:
        raise ValidationFailed(MSG_NOT_SELF_SCORED, code="not_self_scored")
    else:
        saved = score_line_appraise(line=fresh, actor=actor, base_version=base_version, value=fresh.self_value,
                                    note="")
    _tell_replaced(replaced, saved, actor)
    return _said_started(saved, started)


def _decision(line: ScoreLine) -> tuple[Any, ...]:
    return (line.appraised_value, line.appraised_score, line.appraised_note.strip(), line.na_accepted,
            line.na_overruled)


def _appraisal_sent(line: ScoreLine, value: Mapping[str, Any] | None, note: str) -> tuple[Any, ...] | None:
    """The decision `line_appraise` would store on the leaf as stored (`_decision`), or None when it would refuse
    the input (it is then no retry: the version check answers it)."""
    if not value or line.indicator.source == Indicator.Source.SURVEY:
        return None
    try:
        score, normalized = engine.score_and_normalize(scoring_selectors.leaf_rule(line.indicator), value)
        reason = _nfc(note, field="note")
    except (engine.EngineError, ValidationFailed):
        return None
    na_accepted = False if line.not_applicable else line.na_accepted
    return (normalized, score, reason.strip(), na_accepted, line.not_applicable)


def _acceptance_sent(line: ScoreLine) -> tuple[Any, ...] | None:
    """The decision `line_accept_self` would store on the leaf as stored (`_decision`), or None when it would
    refuse it or store something new (an acceptance taken again over a new explanation)."""
    if line.indicator.source == Indicator.Source.SURVEY:
        return None
    if line.not_applicable:
        if _explanation_unseen(line):
            return None
        return (None, None, "", True, False)
    if line.self_value is None:
        return None
    try:
        score, normalized = engine.score_and_normalize(scoring_selectors.leaf_rule(line.indicator), line.self_value)
    except engine.EngineError:
        return None
    return (normalized, score, "", line.na_accepted, line.na_overruled)


def _stored_appraisal(line: ScoreLine) -> tuple[Any, tuple[Any, ...]] | None:
    """The leaf's stored decision, before a save replaces it, with the audit entry naming who set it; None when the
    team has not decided it (nothing a colleague could lose). One query when decided."""
    if line.appraised_score is None and not line.na_accepted:
        return None
    entry = appraisal_selectors.last_appraisal(line_id=line.pk)
    if entry is None or entry.actor is None:
        return None
    return entry, _decision(line)


def _tell_replaced(replaced: tuple[Any, tuple[Any, ...]] | None, saved: ScoreLine, actor: Any) -> None:
    """Another member of the team set the decision this save changed: tell that person (`Notification`), with
    both values; their value stays in the leaf's history on the review page (read from the audit)."""
    if replaced is None:
        return
    entry, before = replaced
    if entry.actor_id == getattr(actor, "pk", None) or before == _decision(saved):
        return
    _value, score, note, na_accepted, _overruled = before
    appraisal_notify_overwritten(line=saved, previous_by=entry.actor, actor=actor,
                                 previous_score=None if na_accepted and score is None else score,
                                 previous_note=note)


def _explanation_unseen(line: ScoreLine) -> bool:
    """The leaf carries an explanation the unit sent in the round that just ended and the team has not looked at
    (as the queue counts them). Two queries; none for a leaf not returned for an explanation."""
    if not line.explanation_requested or not line.explanation:
        return False
    unseen = unseen_explanations(assessments=[line.assessment_id])
    return line.indicator_id in unseen.get(line.assessment_id, [])


def evidence_missing(line: ScoreLine, files: int) -> bool:
    """A leaf marked «Cần tài liệu kiểm chứng» the unit sent no evidence for (`files` linked): a «không phát sinh»
    needs none, a survey leaf is not the unit's (as the self-assessment's checks count it,
    `scoring.selectors.sheet.LeafRow.evidence_missing`)."""
    indicator = line.indicator
    return (indicator.evidence_required and not line.not_applicable and not files
            and indicator.source != Indicator.Source.SURVEY)


# The audit's reason for a leaf missing its evidence the area's former bulk accept took on the unit's word (kept to
# read the entries it wrote).
REASON_NOTED_EVIDENCE = gettext_noop("Chấp nhận theo ghi chú, giải trình của đơn vị về tài liệu kiểm chứng (bản giấy)")
# The audit's reason for a leaf missing its evidence the appraiser chose to accept on the unit's note
# (`area_accept_noted`).
REASON_ACCEPTED_ON_NOTE = gettext_noop("Chấp nhận không có tài liệu, theo ghi chú của đơn vị")


@transaction.atomic
def area_accept_self(
    *, assessment: Assessment, area: Indicator, actor: Any, leaf_ids: set[int] | None = None,
) -> dict[str, Any]:
    """Accept what the unit declared for every leaf of an area the team has not decided yet, in one action: the
    self-score as the appraised score, or the unit's «không phát sinh» (as `line_accept_self` accepts one).

    `leaf_ids` limits it to those leaves (an appraiser assigned some criteria of the area only). Leaves already
    decided (appraised, or «không phát sinh» accepted) are left as they are; survey and unscored leaves are skipped,
    and so is an overruled «không phát sinh» still without its score (accepting it would withdraw the overrule: a
    decision for that leaf alone). Skipped too, each needing a decision of its own, and named: a leaf marked «Cần
    tài liệu kiểm chứng» the unit sent no evidence for (`evidence_missing`), and during an explanation round a
    leaf the round flagged (`awaiting_explanation`: it waits for the unit). Each accepted leaf is audited on its
    own.

    A leaf missing its evidence is never accepted here, whatever the unit wrote on it: taking the unit's word for
    it is a decision per leaf (`area_accept_noted`).

    Returns {"accepted": n, "skipped": m, "not_applicable": k, "evidence_missing": [codes],
    "awaiting_explanation": [codes], "evidence_noted": [] (`area_accept_noted`'s), "accepted_ids": [line ids]},
    the k «không phát sinh» among the n accepted, the m skipped including the leaves named.
    Queries: a fixed number whatever the number of leaves (`_accept_many` writes them at once).
    """
    from evidence.selectors import files_per_line  # the evidence app's count of a line's files

    locked, leaves = _area_leaves_locked(assessment, area, actor, leaf_ids)
    lines = list(
        ScoreLine.objects.select_for_update(of=("self",))
        .filter(assessment=locked, indicator_id__in=leaves, appraised_score__isnull=True)
        .exclude(not_applicable=True, na_overruled=False, na_accepted=True)
        .annotate(files=files_per_line())
        .select_related("indicator")
        .order_by("indicator__order")
    )
    started = _start_if_submitted(locked, actor)
    accepted = skipped = not_applicable = 0
    missing: list[str] = []
    waiting: list[str] = []
    taken: list[tuple[ScoreLine, str]] = []  # the leaves accepted, each with its audit entry's reason
    for line in lines:
        if line.indicator.source == Indicator.Source.SURVEY or line.na_overruled:
            skipped += 1
        elif awaiting_explanation(locked, line):
            skipped += 1
            waiting.append(line.indicator.code)
        elif line.not_applicable:
            taken.append((line, ""))
            accepted += 1
            not_applicable += 1
        elif line.self_value is None:
            skipped += 1
        elif evidence_missing(line, line.files):  # type: ignore[attr-defined]
            skipped += 1
            missing.append(line.indicator.code)
        else:
            taken.append((line, ""))
            accepted += 1
    _accept_many(locked, taken, actor)
    return {"accepted": accepted, "skipped": skipped, "not_applicable": not_applicable, "evidence_missing": missing,
            "awaiting_explanation": waiting, "evidence_noted": [],
            "accepted_ids": [line.pk for line, _reason in taken], "started": started}


MSG_NOTED_NONE_CHOSEN = gettext_lazy(
    "Hãy chọn từng tiêu chí Tổ thẩm định chấp nhận không có tài liệu kiểm chứng, sau khi đọc ghi chú của đơn vị."
)


@transaction.atomic
def area_accept_noted(
    *, assessment: Assessment, area: Indicator, actor: Any, line_ids: set[int], leaf_ids: set[int] | None = None,
) -> dict[str, Any]:
    """Accept, without its evidence, the self-score of each leaf the appraiser chose (`line_ids`, line ids), having
    read what the unit wrote on it: leaves of the area (of `leaf_ids`, the user's, when given) marked «Cần tài liệu
    kiểm chứng» the unit sent no evidence for but wrote a note or an explanation on (`evidence_noted`), still
    undecided, self-scored and not waiting for the unit's explanation. Only those leaves, none other of the area.

    All or nothing: none chosen, or one chosen that is no longer such a leaf (decided meanwhile, its evidence
    linked, …), refuses the whole accept, naming the leaves, and nothing is written. Each leaf accepted is audited
    on its own with the reason REASON_ACCEPTED_ON_NOTE. Returns `area_accept_self`'s counts, the leaves accepted
    named in "evidence_noted"."""
    from evidence.selectors import files_per_line  # the evidence app's count of a line's files

    if not line_ids:
        raise ValidationFailed(MSG_NOTED_NONE_CHOSEN, code="none_chosen")
    locked, leaves = _area_leaves_locked(assessment, area, actor, leaf_ids)
    lines = list(
        ScoreLine.objects.select_for_update(of=("self",))
        .filter(assessment=locked, pk__in=line_ids)
        .annotate(files=files_per_line())
        .select_related("indicator")
        .order_by("indicator__order")
    )
    refused = [
        line.indicator.code for line in lines
        if line.indicator_id not in leaves or line.appraised_score is not None or line.self_value is None
        or line.na_overruled or awaiting_explanation(locked, line)
        or not evidence_missing(line, line.files) or not evidence_noted(line)  # type: ignore[attr-defined]
    ]
    if refused or len(lines) != len(line_ids):
        raise ValidationFailed(
            _("Không chấp nhận được các tiêu chí đã chọn: %(codes)s không còn là tiêu chí chưa thẩm định, thiếu tài "
              "liệu kiểm chứng, có ghi chú của đơn vị (có thể vừa được quyết định hoặc bổ sung tài liệu). Chưa chấp "
              "nhận tiêu chí nào; hãy tải lại trang và chọn lại.")
            % {"codes": ", ".join(refused) or "—"},
            code="not_noted", details={"indicators": refused},
        )
    started = _start_if_submitted(locked, actor)
    _accept_many(locked, [(line, REASON_ACCEPTED_ON_NOTE) for line in lines], actor)
    return {"accepted": len(lines), "skipped": 0, "not_applicable": 0, "evidence_missing": [],
            "awaiting_explanation": [], "evidence_noted": [line.indicator.code for line in lines],
            "accepted_ids": [line.pk for line in lines], "started": started}


# What the bulk accept writes on a leaf: `score_line_appraise`'s fields for a self-score taken, and
# `score_line_accept_not_applicable`'s for a «không phát sinh» (the other fields written as they were read).
_ACCEPT_FIELDS = ["appraised_value", "appraised_score", "appraised_note", "na_accepted", "version", "updated_at",
                  "updated_by"]


def _accept_many(locked: Assessment, taken: list[tuple[ScoreLine, str]], actor: Any) -> None:
    """Save the area's accepted leaves at once, each as `line_accept_self` saves one (`score_line_appraise` with the
    self-value and no note, or `score_line_accept_not_applicable` for a «không phát sinh» not accepted yet): its
    score by the engine, a new version, its own audit entry with the same changes and reason (`taken`: each leaf
    with its reason), and the assessment's version moved once per leaf. The leaves were read locked, with the
    assessment's row locked before them: written only at the version read (any other refuses the whole accept,
    nothing written). A stored value the engine refuses names its leaf, before anything is written.
    Queries: one update of the leaves and one of the assessment's version, the audit's lock, tail and insert,
    whatever the number of leaves."""
    if not taken:
        return
    now = timezone.now()
    by = actor if getattr(actor, "pk", None) else None
    read = {line.pk: line.version for line, _reason in taken}
    entries: list[AuditFields] = []
    for line, reason in taken:
        if line.not_applicable:  # as `score_line_accept_not_applicable` (never an overruled one here)
            line.na_accepted = True
            changes: dict[str, Any] = {"not_applicable": {"old": True, "new": True}}
            action = "score_line.accept_not_applicable"
        else:
            value = line.self_value
            assert value is not None  # a leaf the unit did not score is never taken
            try:
                score, normalized = engine.score_and_normalize(scoring_selectors.leaf_rule(line.indicator), value)
            except engine.EngineError as exc:  # the unit's stored value the engine refuses: name its leaf
                failure = engine_failure(exc)
                details = failure.details if isinstance(failure.details, dict) else {}
                raise ValidationFailed(
                    _("Tiêu chí %(code)s: %(reason)s Hãy thẩm định tiêu chí này riêng (chấm điểm thẩm định), rồi "
                      "chấp nhận lại lĩnh vực.") % {"code": line.indicator.code, "reason": failure.message},
                    code=failure.code, details={**details, "indicator": line.indicator.code, "line": line.pk},
                ) from exc
            changes = {"appraised_value": {"old": line.appraised_value, "new": normalized},
                       "appraised_score": {"old": line.appraised_score, "new": score}}
            line.appraised_value, line.appraised_score, line.appraised_note = normalized, score, ""
            action = "score_line.appraise"
        line.version += 1
        line.updated_at, line.updated_by = now, by
        entries.append({"action": action, "object_type": "ScoreLine", "object_id": line.pk, "unit": locked.unit,
                        "assessment": locked, "changes": changes, "reason": reason})
    lines = [line for line, _reason in taken]
    at_read = Q()
    for pk, version in read.items():
        at_read |= Q(pk=pk, version=version)
    if ScoreLine.objects.filter(at_read).bulk_update(lines, _ACCEPT_FIELDS) != len(lines):
        raise StaleVersion(MSG_LINE_STALE)
    Assessment.objects.filter(pk=locked.pk).update(version=F("version") + len(lines))
    audit_records(actor=actor, entries=entries)


@transaction.atomic
def explanations_mark_seen(
    *, assessment: Assessment, actor: Any, leaf_ids: set[int] | None = None
) -> list[str]:
    """The team has read the new explanations (`unseen_explanations`) of the assessment's leaves `leaf_ids`
    (indicator ids; None: every leaf) without deciding those leaves again: they are no longer new in the queue
    nor tagged on the review page. No score, note or version changes (a page open elsewhere is not made stale).

    Side effects: one `ExplanationSeen` row and one audit entry (`score_line.explanation_seen`) per leaf marked.
    Leaves whose explanation is not new (decided since, marked already, never explained) are left as they are:
    sent twice, it does nothing. Refused outside the appraisal and to a person of the assessment's unit. Returns
    the codes of the leaves marked, in the set's order."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    _require_appraising(locked)
    unseen = set(unseen_explanations(assessments=[locked.pk]).get(locked.pk, []))
    if leaf_ids is not None:
        unseen &= leaf_ids
    if not unseen:
        return []
    lines = list(ScoreLine.objects.filter(assessment=locked, indicator_id__in=unseen).select_related("indicator")
                 .order_by("indicator__order"))
    by = actor if getattr(actor, "pk", None) else None
    # the round the explanations were sent in: the one before the current appraisal round (`unseen_explanations`)
    ExplanationSeen.objects.bulk_create(
        [ExplanationSeen(line=line, round=locked.appraisal_round - 1, seen_by=by) for line in lines]
    )
    audit_records(actor=actor, entries=[
        {"action": "score_line.explanation_seen", "object_type": "ScoreLine", "object_id": line.pk,
         "unit": locked.unit, "assessment": locked}
        for line in lines
    ])
    return [line.indicator.code for line in lines]


def _zero_candidates(rule: engine.LeafRule) -> Iterator[dict[str, Any]]:
    """Inputs that may score 0 under the rule's method, the most natural first ("nothing done / nothing
    happened"); `zero_value` keeps the first the engine actually scores 0."""
    params = rule.params if isinstance(rule.params, Mapping) else {}
    match rule.method:
        case engine.Method.MANUAL:
            yield {"points": "0"}
        case engine.Method.LEVELS:
            # the lowest options are usually listed last; any option worth exactly 0 will do
            for option in reversed(list(params.get("options") or [])):
                if isinstance(option, Mapping) and "key" in option:
                    yield {"option": option["key"]}
        case engine.Method.YES_NO:
            yield {"value": False}
            yield {"value": True}
        case engine.Method.RATIO_BANDS | engine.Method.PROPORTIONAL:
            percents = [Decimal(0), Decimal(100)]
            for band in params.get("bands") or []:
                try:
                    low = Decimal(str(band["min"]))
                except (KeyError, TypeError, InvalidOperation):
                    continue
                percents += [low, low + Decimal("0.01")]
            for percent in percents:
                if 0 <= percent <= 100:
                    yield {"numerator": str(percent), "denominator": "100"}
        case engine.Method.FORMULA:
            names = [v["name"] for v in params.get("variables") or [] if isinstance(v, Mapping) and "name" in v]
            yield {"counts": dict.fromkeys(names, 0)}
            for name in names:
                yield {"counts": {n: int(n == name) for n in names}}
            yield {"counts": dict.fromkeys(names, 1)}
        case engine.Method.PER_OCCURRENCE:
            yield {"counts": {}}
            try:
                base = Decimal(str(params.get("base", 0)))
            except InvalidOperation:
                return
            for item in params.get("items") or []:
                try:
                    points = Decimal(str(item["points"]))
                except (KeyError, TypeError, InvalidOperation):
                    continue
                if points < 0 < base:  # deductions from a base: enough of them to bring it to 0
                    yield {"counts": {item["key"]: math.ceil(base / -points)}}


def zero_value(rule: engine.LeafRule) -> dict[str, Any] | None:
    """An input the engine scores exactly 0 for this leaf: for a normal leaf no points, for a bonus leaf no bonus,
    for a penalty leaf no penalty (each scores an amount, 0 = nothing). None when no input scores 0 (a floor
    above 0, a «chọn mức» without a 0 option, a survey leaf)."""
    if rule.method == engine.Method.SURVEY:
        return None
    for value in _zero_candidates(rule):
        try:
            if engine.score_leaf(rule, value) == 0:
                return value
        except engine.EngineError:
            continue
    return None


@transaction.atomic
def assessment_zero_unscored(
    *, assessment: Assessment, actor: Any, reason: str, area: Indicator | None = None
) -> dict[str, Any]:
    """The lead scores 0 every leaf the unit did not score and the team has not decided: typically an assessment
    handed to the team after the deadline without the unit's submission, which otherwise waits for every leaf
    to be appraised by hand. `area` limits it to one area.

    Untouched: leaves with a self-score or an appraised score, «không phát sinh» declarations (the unit's, for
    the team to accept or overrule), survey leaves (the survey import scores them). Each zeroed leaf is
    appraised as `line_appraise` would (the engine scores the input, the reason is the leaf's note), audited on
    its own; a leaf no input scores 0 is skipped and named. Starts the appraisal of a submitted assessment.
    Repeating it finds nothing left to do. A lead's decision on the whole assessment: refused during an explanation
    round, as the other decisions of the lead. Returns {"zeroed": n, "skipped": [codes]}.
    """
    text = _nfc(reason, field="reason")
    if not text:
        raise ValidationFailed(MSG_ZERO_REASON_REQUIRED, code="reason_required", details={"field": "reason"})
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    _require_appraising(locked)
    query = ScoreLine.objects.filter(appraisal_selectors.UNSCORED, assessment=locked)
    if area is not None:
        if area.indicator_set_id != locked.indicator_set_id or area.parent_id is not None:
            raise ValidationFailed(_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá."), code="wrong_area")
        tree = appraisal_selectors.set_tree(locked.indicator_set_id)
        query = query.filter(indicator_id__in=tree.leaves_by_area.get(area.pk, []))
    lines = list(query.select_related("indicator").order_by("indicator__order"))
    zero = {line.pk: zero_value(scoring_selectors.leaf_rule(line.indicator)) for line in lines}
    if locked.state == Assessment.State.SUBMITTED and any(v is not None for v in zero.values()):
        _start(locked, actor)
    zeroed, skipped = 0, []
    for line in lines:
        value = zero[line.pk]
        if value is None:
            skipped.append(line.indicator.code)
            continue
        score_line_appraise(line=line, actor=actor, base_version=line.version, value=value, note=text)
        zeroed += 1
    return {"zeroed": zeroed, "skipped": skipped}


def _area_leaves_locked(assessment: Assessment, area: Any, actor: Any, leaf_ids: Any) -> tuple[Assessment, list[int]]:
    """The assessment locked for an area's accept (the actor not of its unit, its leaves decidable now) and the ids
    of the area's leaves (those of `leaf_ids` only, when given); an area of another set is refused."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    _require_leaf_states(locked)
    if area.indicator_set_id != locked.indicator_set_id or area.parent_id is not None:
        raise ValidationFailed(_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá."), code="wrong_area")
    tree = appraisal_selectors.set_tree(locked.indicator_set_id)
    return locked, [leaf for leaf in tree.leaves_by_area.get(area.pk, []) if leaf_ids is None or leaf in leaf_ids]
