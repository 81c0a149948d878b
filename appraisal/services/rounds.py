"""Explanation rounds: return chosen leaves to the unit, its explanations, closing the round."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import ExplanationRound, LineHistory, Notification
from appraisal.notifications import notify, team_for, unit_people
from appraisal.permissions import refuse_own_unit
from appraisal.selectors.explanation import WITHDRAW_ACTION, explained_in_round, withdrawn_round
from appraisal.selectors.rounds import appraisal_round_shown
from appraisal.services.common import (
    MSG_ALREADY_RESUBMITTED,
    MSG_DEADLINE_AFTER_CYCLE,
    MSG_DEADLINE_IN_PAST,
    MSG_DEADLINE_NOT_PASSED,
    MSG_DEADLINE_PASSED,
    MSG_DEADLINE_TOO_LATE,
    MSG_EXPLANATION_REQUIRED,
    MSG_EXPLANATION_UNCHANGED,
    MSG_EXPLANATIONS_MISSING,
    MSG_NO_OPEN_ROUND,
    MSG_NOT_APPRAISING,
    MSG_NOT_FLAGGED,
    MSG_NOTHING_FLAGGED,
    MSG_ROUND_ENDED,
    MSG_UNKNOWN_LINE,
    _lock,
    _nfc,
)
from appraisal.services.history import _snapshot
from appraisal.services.review import _start
from scoring.errors import LeafProblem, StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, Cycle, Indicator, ScoreLine
from scoring.services import (
    assessment_transition,
    audit_record,
)
from scoring.text import posted_id

MSG_REASON_FOR_WITHDRAW = gettext_lazy("Hãy nêu lý do rút lại yêu cầu giải trình.")

MSG_WITHDRAW_OVERDUE = gettext_lazy(
    "Đã hết hạn giải trình nên không rút lại yêu cầu được nữa: hãy kết thúc vòng giải trình."
)

MSG_ROUND_WITHDRAWN = gettext_lazy(
    "Tổ thẩm định đã rút lại yêu cầu giải trình lúc %(at)s; không cần giải trình nữa."
)

MSG_EXPLANATION_STALE = gettext_lazy(
    "Giải trình của tiêu chí này vừa được lưu ở nơi khác (người khác hoặc một thẻ khác của anh/chị). Hãy xem "
    "giải trình đang lưu rồi chọn giữ bản nào."
)

MSG_REASON_FOR_DEADLINE_CHANGE = gettext_lazy("Hãy nêu lý do đổi hạn giải trình.")

MSG_DEADLINE_UNCHANGED = gettext_lazy("Hạn giải trình mới (%(date)s) trùng với hạn hiện tại.")

LATE_CYCLE_DAYS = 365  # the latest deadline, from today, in an assessment of a cycle whose following year has ended


def round_withdrawn_text(explanation_round: ExplanationRound) -> str:
    """What the unit is told of a round the team withdrew (the unit's page, and a save or a resubmission sent
    after it): when, and that nothing more is asked."""
    assert explanation_round.closed_at is not None
    at = timezone.localtime(explanation_round.closed_at)
    return str(MSG_ROUND_WITHDRAWN % {"at": f"{at:%H:%M %d/%m/%Y}"})


def _refuse_if_withdrawn(assessment: Assessment) -> None:
    """A save or a resubmission the unit sends after the team withdrew the round (its page still open): say so,
    rather than that the leaf is not asked for or that the round ended."""
    withdrawn = withdrawn_round(assessment=assessment)
    if withdrawn is not None:
        raise StateConflict(round_withdrawn_text(withdrawn), code="round_withdrawn")


def _leaf_ids(raw_ids: Iterable[Any]) -> set[int]:
    """The ids asked for; any value that cannot be a leaf's id (malformed, zero, negative) refuses the whole
    request, as a leaf of another assessment does: a request never silently flags fewer leaves than it named."""
    wanted: set[int] = set()
    for raw in raw_ids:
        number = posted_id(raw) if not isinstance(raw, bool) else None
        if number is None:
            raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line")
        wanted.add(number)
    return wanted


def _check_deadline_within_cycle(cycle: Cycle, deadline: datetime) -> None:
    """The unit's deadline is not after the cycle's explanation deadline, or when the cycle has none, not after
    the end of the year following the year assessed (when results are published at the latest). An older
    cycle's assessment reopened after that year may still be explained: then within a year from today."""
    day = timezone.localtime(deadline).date()
    if cycle.explanation_deadline is not None:
        limit = timezone.localtime(cycle.explanation_deadline).date()
        message = MSG_DEADLINE_AFTER_CYCLE
    else:
        limit = max(date(cycle.year + 1, 12, 31), timezone.localdate() + timedelta(days=LATE_CYCLE_DAYS))
        message = MSG_DEADLINE_TOO_LATE
    if day > limit:
        raise ValidationFailed(
            message % {"date": f"{day:%d/%m/%Y}", "limit": f"{limit:%d/%m/%Y}"},
            code="deadline_too_late", details={"field": "deadline"},
        )


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
    assessment to «explanation», and e-mails the unit (after commit). Refused to a person of the assessment's unit
    (`refuse_own_unit`), as are the lead's other round services below.
    """
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    if locked.state == Assessment.State.SUBMITTED:
        locked = _start(locked, actor)
    if locked.state != Assessment.State.IN_APPRAISAL:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_appraising")
    if deadline <= timezone.now():
        raise ValidationFailed(MSG_DEADLINE_IN_PAST, code="deadline_in_past", details={"field": "deadline"})
    _check_deadline_within_cycle(locked.cycle, deadline)
    lines = list(locked.lines.select_related("indicator").order_by("indicator__order"))
    if line_ids is None:
        chosen = [line for line in lines if line.indicator.source != Indicator.Source.SURVEY]
    else:
        wanted = _leaf_ids(line_ids)
        chosen = [line for line in lines if line.pk in wanted]
        if len(chosen) != len(wanted):
            raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line")
    if not chosen:
        raise ValidationFailed(MSG_NOTHING_FLAGGED, code="nothing_flagged")
    round_no = locked.appraisal_round
    _snapshot(assessment=locked, stage=LineHistory.Stage.APPRAISAL, round_no=round_no, actor=actor, lines=lines)
    ScoreLine.objects.filter(assessment=locked).update(explanation_requested=False)
    ScoreLine.objects.filter(pk__in=[line.pk for line in chosen]).update(explanation_requested=True)
    old_deadline = locked.explanation_deadline
    Assessment.objects.filter(pk=locked.pk).update(explanation_deadline=deadline)
    text = _nfc(message, field="message")
    returned = assessment_transition(
        assessment=locked, to_state=Assessment.State.EXPLANATION, actor=actor, reason=text
    )
    explanation_round = ExplanationRound.objects.create(
        assessment=returned, round=round_no, requested_by=actor, deadline=deadline, message=text,
        line_count=len(chosen), explanations_at_start={str(line.pk): line.explanation for line in chosen},
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
    """The unit's explanation of one flagged leaf during its explanation round (before the deadline).

    An explanation equal to the one stored is answered as saved with the stored leaf, writing nothing and recording
    nothing, even from a stale version: a save whose answer was lost, sent again, is no conflict with itself."""
    fresh = (
        ScoreLine.objects.select_for_update(of=("self",))
        .select_related("indicator", "assessment", "assessment__unit")
        .get(pk=line.pk)
    )
    assessment = fresh.assessment
    _refuse_if_withdrawn(assessment)
    if fresh.version != base_version:
        if _stored_already(fresh, explanation):
            return fresh
        raise StaleVersion(MSG_EXPLANATION_STALE, details=fresh)
    if assessment.state != Assessment.State.EXPLANATION and fresh.explanation_requested:
        # Flags stay on the leaves of the last round once it has ended (resubmitted or closed by the lead).
        raise StateConflict(MSG_ROUND_ENDED, code="round_ended")
    if not fresh.explanation_requested:
        raise StateConflict(MSG_NOT_FLAGGED, code="not_flagged")
    if assessment.explanation_deadline and timezone.now() > assessment.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    text = _nfc(explanation, field="explanation")
    if not text:
        raise ValidationFailed(MSG_EXPLANATION_REQUIRED, code="explanation_required", details={"field": "explanation"})
    current = ExplanationRound.objects.filter(assessment=assessment, round=assessment.appraisal_round).first()
    at_start = current.explanations_at_start if current is not None else {}
    if str(fresh.pk) in at_start and text == at_start[str(fresh.pk)].strip():
        raise ValidationFailed(MSG_EXPLANATION_UNCHANGED, code="explanation_unchanged",
                               details={"field": "explanation"})
    if text == fresh.explanation:  # nothing to change: no new version, no audit entry
        return fresh
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


def _stored_already(line: ScoreLine, explanation: Any) -> bool:
    """Whether `explanation`, as it would be stored, is the explanation the unit saved for the leaf in this round:
    the stored one, when it is not the one the round started with (that one was never saved in the round: sent
    again it is refused as unchanged). Text that would be refused is not."""
    try:
        text = _nfc(explanation, field="explanation")
    except ValidationFailed:
        return False
    if not text or text != line.explanation:
        return False
    assessment = line.assessment
    current = ExplanationRound.objects.filter(assessment=assessment, round=assessment.appraisal_round).first()
    at_start = current.explanations_at_start if current is not None else {}
    return not (str(line.pk) in at_start and text == at_start[str(line.pk)].strip())


def _end_explanation(
    locked: Assessment, actor: Any, *, resubmitted: bool, reason: str = "", at: datetime | None = None
) -> Assessment:
    """End the open round (`at`: when, now by default) and move to the next stored round."""
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
    now = at or timezone.now()
    ended = {"resubmitted_at": now, "resubmitted_by": actor} if resubmitted else {"closed_at": now, "closed_by": actor}
    ExplanationRound.objects.filter(assessment=locked, round=round_no).update(**ended)
    return back


def _refuse_no_open_round(locked: Assessment) -> None:
    """The unit sends explanations while no round is open: say why (already sent, withdrawn by the team, the round
    closed, none asked)."""
    _refuse_if_withdrawn(locked)
    last = ExplanationRound.objects.filter(assessment=locked).order_by("-round").first()
    if last is not None and last.resubmitted_at is not None:
        at = timezone.localtime(last.resubmitted_at)
        raise StateConflict(MSG_ALREADY_RESUBMITTED % {"at": f"{at:%H:%M %d/%m/%Y}"}, code="already_resubmitted")
    if last is not None and last.closed_at is not None:
        raise StateConflict(MSG_ROUND_ENDED, code="round_ended")
    raise StateConflict(MSG_NO_OPEN_ROUND % {"state": locked.get_state_display()}, code="not_explaining")


@transaction.atomic
def explanation_resubmit(*, assessment: Assessment, actor: Any) -> Assessment:
    """The unit sends its explanations back: explanation → in_appraisal, round + 1; the team is e-mailed.

    Every flagged leaf needs an explanation; after the deadline the lead closes the round instead.
    """
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.EXPLANATION:
        _refuse_no_open_round(locked)
    if locked.explanation_deadline and timezone.now() > locked.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    current = ExplanationRound.objects.filter(assessment=locked, round=locked.appraisal_round).first()
    at_start = current.explanations_at_start if current is not None else {}
    flagged = locked.lines.filter(explanation_requested=True).select_related("indicator").order_by("indicator__order")
    missing = [
        LeafProblem(line.indicator.code, line_id=line.pk, kind="explanations_missing",
                    message=_("Chưa có giải trình viết trong vòng này."))
        for line in flagged if not explained_in_round(line, at_start)
    ]
    if missing:
        raise ValidationFailed(MSG_EXPLANATIONS_MISSING % {"n": len(missing)}, code="explanations_missing",
                               details=missing)
    back = _end_explanation(locked, actor, resubmitted=True)
    # the e-mail names the appraisal round that starts, as numbered for people (withdrawn rounds not counted)
    notify(kind=Notification.Kind.RESUBMITTED, assessment=back, recipients=team_for(back),
           context={"round_shown": appraisal_round_shown(back)})
    return back


def explanation_overdue(assessment: Assessment, *, now: datetime | None = None) -> bool:
    """The assessment is in an explanation round the lead may close: its deadline (if any) has passed (at `now`,
    by default the present)."""
    deadline = assessment.explanation_deadline
    now = now or timezone.now()
    return assessment.state == Assessment.State.EXPLANATION and (deadline is None or now > deadline)


@transaction.atomic
def explanation_close(*, assessment: Assessment, actor: Any, reason: str = "") -> Assessment:
    """The lead ends an explanation round whose deadline has passed without a resubmission."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    if locked.state != Assessment.State.EXPLANATION:
        raise StateConflict(MSG_NO_OPEN_ROUND % {"state": locked.get_state_display()}, code="not_explaining")
    if not explanation_overdue(locked):
        raise StateConflict(MSG_DEADLINE_NOT_PASSED, code="deadline_not_passed")
    return _end_explanation(locked, actor, resubmitted=False, reason=_nfc(reason) or _("Hết hạn giải trình."))


def _open_round_locked(assessment: Assessment, actor: Any) -> tuple[Assessment, ExplanationRound]:
    """The assessment locked and its open round; refused to a person of its unit (`refuse_own_unit`), and (the
    state named) when no round is open, so a second click of the same decision, checked under the lock, changes
    nothing."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    current = None
    if locked.state == Assessment.State.EXPLANATION:
        current = ExplanationRound.objects.filter(assessment=locked, round=locked.appraisal_round).first()
    if current is None:
        raise StateConflict(MSG_NO_OPEN_ROUND % {"state": locked.get_state_display()}, code="not_explaining")
    return locked, current


def _required_reason(reason: Any, message: Any) -> str:
    text = _nfc(reason, field="reason")
    if not text:
        raise ValidationFailed(message, code="reason_required", details={"field": "reason"})
    return text


@transaction.atomic
def explanation_withdraw(*, assessment: Assessment, actor: Any, reason: str) -> Assessment:
    """The lead withdraws the open explanation round before its deadline (requested by mistake, or nobody at
    the unit can resubmit): explanation → in_appraisal, round + 1, as a round the lead closes.

    The round stays in the history, ended by the lead before its deadline (closed_at < deadline tells a
    withdrawn round from one closed when overdue) with the reason in the audit log. Explanations already
    written stay on their leaves; the leaves explained in this round keep their flag and their explanation is
    recorded for the round (LineHistory), as a resubmission records it; the other leaves are unflagged, as
    if never asked. The unit's people are e-mailed (after commit; a refused or rolled-back withdrawal sends
    nothing) that the round was withdrawn, why, and that they need do nothing more: the appraisal goes on and
    the explanations written are kept (the unit's page says so too).
    """
    locked, current = _open_round_locked(assessment, actor)
    # The round ends at the moment checked here, never after its deadline: a round ended by the team no later than
    # its deadline is a withdrawn one (`ExplanationRound.withdrawn`), one it closes is overdue.
    now = timezone.now()
    if explanation_overdue(locked, now=now):
        raise StateConflict(MSG_WITHDRAW_OVERDUE, code="deadline_passed")
    text = _required_reason(reason, MSG_REASON_FOR_WITHDRAW)
    flagged = list(locked.lines.filter(explanation_requested=True).select_related("indicator")
                   .order_by("indicator__order"))
    at_start = current.explanations_at_start
    kept = [line for line in flagged if explained_in_round(line, at_start)]
    dropped = [line for line in flagged if line not in kept]
    ScoreLine.objects.filter(pk__in=[line.pk for line in dropped]).update(explanation_requested=False)
    audit_record(
        actor=actor, action=WITHDRAW_ACTION, object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, reason=text,
        changes={
            "explanation_requested": {"old": [line.indicator.code for line in flagged],
                                      "new": [line.indicator.code for line in kept]},
        },
    )
    back = _end_explanation(locked, actor, resubmitted=False, reason=text, at=now)
    notify(
        kind=Notification.Kind.EXPLANATION_WITHDRAWN, assessment=back, recipients=unit_people(back.unit_id),
        context={"round": current, "reason": text, "kept": [line.indicator.code for line in kept]},
    )
    return back


@transaction.atomic
def explanation_deadline_change(
    *, assessment: Assessment, actor: Any, deadline: datetime, reason: str
) -> ExplanationRound:
    """The lead moves the open round's deadline (shortens it, or gives more time, also once it has passed),
    never into the past nor beyond the cycle's limits. Side effects: the round's and the assessment's deadline,
    an audit entry with the reason, and an e-mail to the unit's people stating the new deadline (after commit).
    """
    locked, current = _open_round_locked(assessment, actor)
    text = _required_reason(reason, MSG_REASON_FOR_DEADLINE_CHANGE)
    if deadline <= timezone.now():
        raise ValidationFailed(MSG_DEADLINE_IN_PAST, code="deadline_in_past", details={"field": "deadline"})
    _check_deadline_within_cycle(locked.cycle, deadline)
    old = locked.explanation_deadline
    if old is not None and deadline == old:
        day = timezone.localtime(deadline).date()
        raise ValidationFailed(MSG_DEADLINE_UNCHANGED % {"date": f"{day:%d/%m/%Y}"}, code="deadline_unchanged",
                               details={"field": "deadline"})
    Assessment.objects.filter(pk=locked.pk).update(explanation_deadline=deadline, version=F("version") + 1)
    ExplanationRound.objects.filter(pk=current.pk).update(deadline=deadline)
    current.deadline = deadline
    locked.explanation_deadline = deadline
    audit_record(
        actor=actor, action="assessment.explanation_deadline", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, reason=text,
        changes={"explanation_deadline": {"old": old.isoformat() if old else None, "new": deadline.isoformat()}},
    )
    # The reminder's e-mail says the deadline and that nothing can be added after it: what the unit must know.
    notify(
        kind=Notification.Kind.EXPLANATION_REMINDER, assessment=locked, recipients=unit_people(locked.unit_id),
        context={"deadline": deadline},
    )
    return current
