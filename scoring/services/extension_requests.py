"""Extension requests (đề nghị gia hạn): a unit's head asks for more time to self-assess, may withdraw the request
while it waits; an administrator grants it (through `assessment_extend_deadline`, so that service's checks, its
audit entry and the cycle page's overdue flag follow) or refuses it with a reason.

Each service is one transaction, takes the acting user and leaves one audit entry; a refusal changes nothing.
Who may call them is the views' check (`scoring.permissions.can_request_extension`, `can_decide_extension`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from appraisal.notifications import extension_request_notify_created, extension_request_notify_decided
from scoring.administration.services.cycles import (
    DEADLINE_YEARS_AFTER,
    assessment_extend_deadline,
    extension_limit,
)
from scoring.dates import local_day, local_moment
from scoring.errors import StateConflict, ValidationFailed, cycle_closed_message
from scoring.models import Assessment, Cycle, ExtensionRequest
from scoring.permissions import self_assessment_deadline
from scoring.services.common import audit_record
from scoring.text import user_text

REASON_LIMIT = 1000  # characters of a request's reason or an administrator's answer (the forms' maxlength)

MSG_NOT_DRAFT = gettext_lazy(
    "Bản đánh giá ở trạng thái «%(state)s»: chỉ đề nghị gia hạn khi đơn vị đang tự đánh giá."
)
MSG_ALREADY_PENDING = gettext_lazy(
    "Đơn vị đã có một đề nghị gia hạn đang chờ quyết định; hãy chờ Sở Nội vụ trả lời hoặc rút đề nghị đó trước."
)
MSG_REASON_REQUIRED = gettext_lazy("Hãy ghi lý do đề nghị gia hạn.")
MSG_DATE_REQUIRED = gettext_lazy("Hãy chọn ngày đề nghị gia hạn đến.")
MSG_NOT_LATER = gettext_lazy(
    "Ngày đề nghị phải sau ngày của hạn tự đánh giá hiện tại của đơn vị (%(d)s): đề nghị đến chính ngày đó không "
    "gia hạn thêm ngày nào. Hãy chọn từ ngày %(first)s trở đi."
)
MSG_IN_PAST = gettext_lazy("Ngày gia hạn (%(d)s) đã qua; hãy chọn một ngày từ hôm nay trở đi.")
MSG_NOT_PENDING = gettext_lazy("Đề nghị gia hạn này đã được xử lý («%(status)s»); không thay đổi được nữa.")
MSG_REFUSAL_REASON_REQUIRED = gettext_lazy("Hãy ghi lý do không chấp thuận để đơn vị biết.")
MSG_GRANT_NOT_DRAFT = gettext_lazy(
    "Bản đánh giá của đơn vị đang ở trạng thái «%(state)s»: chỉ chấp thuận gia hạn khi đơn vị đang tự đánh giá; "
    "đề nghị này chỉ còn có thể không chấp thuận."
)
MSG_GRANT_NOT_LATER = gettext_lazy(
    "Hạn gia hạn (%(d)s) không sau hạn tự đánh giá đơn vị đang có (%(current)s): chấp thuận sẽ rút ngắn hạn của "
    "đơn vị. Hãy chọn một ngày sau %(current)s, hoặc không chấp thuận đề nghị."
)
MSG_GRANT_SAME_DAY = gettext_lazy(
    "Hạn gia hạn (%(d)s) là chính ngày của hạn tự đánh giá đơn vị đang có (%(current)s): chấp thuận không gia hạn "
    "thêm ngày nào. Hãy chọn từ ngày %(first)s trở đi, hoặc không chấp thuận đề nghị."
)
MSG_CLOSED_BY_SUBMISSION = gettext_lazy(
    "Đề nghị gia hạn được đóng tự động vì thủ trưởng đơn vị đã gửi bản tự đánh giá."
)
MSG_REQUEST_BEFORE_YEAR = gettext_lazy("Ngày đề nghị không được trước ngày 01/01/%(year)s.")
MSG_REQUEST_TOO_LATE = gettext_lazy("Ngày đề nghị không được sau ngày 31/12/%(last)s.")
MSG_GRANT_BEFORE_YEAR = gettext_lazy("Ngày gia hạn không được trước ngày 01/01/%(year)s.")
MSG_GRANT_TOO_LATE = gettext_lazy("Ngày gia hạn không được sau ngày 31/12/%(last)s.")
# the cycle's next deadline bounds a unit's own (`assessment_extend_deadline`): a request past it could never be
# granted as asked, so it is refused when made, with the grant's reason (less the administrator's way out)
MSG_REQUEST_AFTER_NEXT_PHASE = gettext_lazy(
    "Ngày đề nghị (%(new)s) muộn hơn %(label)s của kỳ (%(d)s): hạn tự đánh giá riêng của đơn vị không được sau "
    "%(label)s, nên Sở Nội vụ không chấp thuận được. Hãy chọn ngày muộn nhất là %(last)s."
)
MSG_GRANT_AFTER_NEXT_PHASE = gettext_lazy(
    "Hạn mới (%(new)s) muộn hơn %(label)s của kỳ (%(d)s): hạn tự đánh giá riêng của đơn vị không được sau "
    "%(label)s. Hãy chọn ngày muộn nhất là %(last)s, hoặc dời %(label)s của kỳ trước."
)


def _end_of_day(day: date) -> datetime:
    """A deadline date means the end of that day, local time (as the cycle page's extension form)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _check_years(deadline: datetime, *, year: int, field: str) -> None:
    """The years a cycle's deadlines may take (as `_check_deadlines` of the cycle's page), worded for the date
    the request or the grant gives and reported under its own field."""
    zone = timezone.get_current_timezone()
    granting = field == "deadline"
    if deadline < datetime(year, 1, 1, tzinfo=zone):
        message = MSG_GRANT_BEFORE_YEAR if granting else MSG_REQUEST_BEFORE_YEAR
        raise ValidationFailed(message % {"year": year}, code="deadline_before_year", details={"field": field})
    last = year + DEADLINE_YEARS_AFTER
    if deadline > datetime(last, 12, 31, 23, 59, 59, tzinfo=zone):
        message = MSG_GRANT_TOO_LATE if granting else MSG_REQUEST_TOO_LATE
        raise ValidationFailed(message % {"last": last}, code="deadline_too_late", details={"field": field})


def _check_limit(deadline: datetime, *, cycle: Cycle, field: str) -> None:
    """Refuse a deadline past `extension_limit`, worded for the request or the grant, under its own field."""
    limit = extension_limit(cycle)
    if limit is None or deadline <= limit.bound:
        return
    message = MSG_GRANT_AFTER_NEXT_PHASE if field == "deadline" else MSG_REQUEST_AFTER_NEXT_PHASE
    shown = {"new": local_day(deadline), "label": limit.label, "d": local_moment(limit.bound),
             "last": local_day(limit.last_day)}
    raise ValidationFailed(message % shown, code="extension_after_next_phase", details={"field": field})


def extends_nothing(*, deadline: datetime, current: datetime | None) -> bool:
    """Whether making `deadline` the unit's gives it no day more than `current`, the deadline that applies to it now:
    on or before `current`'s day (by the day, not the moment: the end of the day of a deadline at 17:00 is no
    extension). What a grant must not do, and what the administrators' lists flag as covered."""
    return current is not None and timezone.localdate(deadline) <= timezone.localdate(current)


def grant_refusal(assessment: Assessment) -> tuple[Any, str] | None:
    """Why a waiting request of this assessment may not be granted now, as (message, code), or None when it may:
    the assessment is no longer a draft, or its cycle takes no self-scores (the rule of a new request)."""
    if assessment.state != Assessment.State.DRAFT:
        return MSG_GRANT_NOT_DRAFT % {"state": assessment.get_state_display()}, "not_draft"
    if (closed := cycle_closed_message(assessment.cycle)) is not None:
        return closed, "cycle_closed"
    return None


def _text(value: Any, *, field: str) -> str:
    return user_text(value, limit=REASON_LIMIT, field=field)


def _lock_assessment(assessment_id: int) -> Assessment:
    """The assessment row locked (only it): requests of one assessment are made one at a time."""
    return Assessment.objects.select_for_update(of=("self",)).select_related("unit", "cycle").get(pk=assessment_id)


def _require_pending(extension_request: ExtensionRequest) -> None:
    """Refuse at once a decision on a request no longer pending (as stored now), before its form is checked: a
    second administrator hears it was decided, not that their reason is missing."""
    current = ExtensionRequest.objects.get(pk=extension_request.pk)
    if not current.pending:
        raise StateConflict(MSG_NOT_PENDING % {"status": current.get_status_display()}, code="not_pending")


def _close(extension_request: ExtensionRequest, *, actor: Any, **fields: Any) -> ExtensionRequest:
    """Move a pending request to its decision, or refuse when it is no longer pending (a second administrator's
    decision, a withdrawal meanwhile): the update only matches a pending row, so of two concurrent decisions one
    wins and the other changes nothing."""
    now = timezone.now()
    done = ExtensionRequest.objects.filter(pk=extension_request.pk, status=ExtensionRequest.Status.PENDING).update(
        decided_at=now, decided_by=actor, **fields
    )
    if not done:
        current = ExtensionRequest.objects.get(pk=extension_request.pk)
        raise StateConflict(MSG_NOT_PENDING % {"status": current.get_status_display()}, code="not_pending")
    fresh = ExtensionRequest.objects.select_related("assessment__unit", "assessment__cycle").get(
        pk=extension_request.pk
    )
    return fresh


def _audit(extension_request: ExtensionRequest, *, actor: Any, action: str, changes: dict[str, Any],
           reason: str = "") -> None:
    assessment = extension_request.assessment
    audit_record(
        actor=actor, action=action, object_type="ExtensionRequest", object_id=extension_request.pk,
        unit=assessment.unit, assessment=assessment, changes=changes, reason=reason,
    )


@transaction.atomic
def extension_request_create(
    *, assessment: Assessment, actor: Any, requested_date: date | None, reason: str
) -> ExtensionRequest:
    """The unit's head asks for its self-assessment deadline to be moved to the end of `requested_date`.

    Refused (nothing changes) unless the assessment is a draft of a cycle taking self-scores, while another request
    of the assessment waits, without a reason (hidden characters and over-long text refused as elsewhere), and for
    a date not after the day of the deadline that applies now (the same day is no extension, even before its end),
    already past, outside the years the cycle's deadlines may take, or after `extension_limit` (the latest day a
    grant may give). Side effects: one pending request, one audit
    entry, the administrators notified (e-mailed after commit).
    """
    locked = _lock_assessment(assessment.pk)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_NOT_DRAFT % {"state": locked.get_state_display()}, code="not_draft")
    if (closed := cycle_closed_message(locked.cycle)) is not None:
        raise StateConflict(closed, code="cycle_closed")
    if ExtensionRequest.objects.filter(assessment=locked, status=ExtensionRequest.Status.PENDING).exists():
        raise StateConflict(MSG_ALREADY_PENDING, code="already_pending")
    text = _text(reason, field="reason")
    if not text:
        raise ValidationFailed(MSG_REASON_REQUIRED, code="reason_required", details={"field": "reason"})
    if requested_date is None:
        raise ValidationFailed(MSG_DATE_REQUIRED, code="date_required", details={"field": "requested_date"})
    deadline = _end_of_day(requested_date)
    current = self_assessment_deadline(locked)
    # by the day, not the moment: the end of the deadline's own day (a deadline at 17:00) reads as no extension
    if current is not None and requested_date <= timezone.localdate(current):
        first = timezone.localdate(current) + timedelta(days=1)
        raise ValidationFailed(MSG_NOT_LATER % {"d": local_moment(current), "first": local_day(first)},
                               code="extension_not_later", details={"field": "requested_date"})
    if deadline <= timezone.now():
        raise ValidationFailed(MSG_IN_PAST % {"d": local_day(requested_date)}, code="date_in_past",
                               details={"field": "requested_date"})
    _check_years(deadline, year=locked.cycle.year, field="requested_date")
    _check_limit(deadline, cycle=locked.cycle, field="requested_date")
    try:
        with transaction.atomic():
            made = ExtensionRequest.objects.create(
                assessment=locked, requested_deadline=deadline, reason=text, deadline_at_request=current,
                requested_by=actor,
            )
    except IntegrityError:  # another request of the assessment made at the same moment
        raise StateConflict(MSG_ALREADY_PENDING, code="already_pending") from None
    _audit(made, actor=actor, action="extension_request.create", reason=text, changes={
        "extension_status": {"old": None, "new": ExtensionRequest.Status.PENDING},
        "requested_deadline": {"old": None, "new": _iso(deadline)},
    })
    extension_request_notify_created(extension_request=made)
    return made


@transaction.atomic
def extension_request_withdraw(*, extension_request: ExtensionRequest, actor: Any) -> ExtensionRequest:
    """The unit takes back its request while it waits. Side effects: the request withdrawn, one audit entry."""
    closed = _close(extension_request, actor=actor, status=ExtensionRequest.Status.WITHDRAWN)
    _audit(closed, actor=actor, action="extension_request.withdraw", changes={
        "extension_status": {"old": ExtensionRequest.Status.PENDING, "new": ExtensionRequest.Status.WITHDRAWN},
    })
    return closed


@transaction.atomic
def extension_request_grant(
    *, extension_request: ExtensionRequest, actor: Any, deadline_date: date | None = None, note: str = ""
) -> ExtensionRequest:
    """An administrator grants a pending request: the unit's deadline becomes the end of the requested date, or of
    `deadline_date` when the administrator gives another one.

    The deadline is set by `assessment_extend_deadline` (its rules, its audit entry, with the administrator's note
    or else the unit's reason). Refused, nothing changed: when the request is no longer pending (decided by another
    administrator meanwhile, or withdrawn), when the assessment is no longer a draft (the unit submitted, or was
    sent to the appraisal team), for a date already past, and for a date not after the day of the deadline that
    applies to the unit now (its own, set meanwhile from the cycle's page, or the cycle's): a grant never shortens
    it, and its own day is no extension (`extends_nothing`); and for a date after `extension_limit`.
    Side effects: the request granted, two audit entries, the unit's people notified (e-mailed after commit).
    """
    locked = _lock_assessment(extension_request.assessment_id)
    _require_pending(extension_request)
    if (refusal := grant_refusal(locked)) is not None:
        raise StateConflict(refusal[0], code=refusal[1])
    text = _text(note, field="note")
    # the requested deadline is fixed when the request is made: the one read by the caller is the stored one
    granted = _end_of_day(deadline_date) if deadline_date is not None else extension_request.requested_deadline
    if granted <= timezone.now():
        raise ValidationFailed(MSG_IN_PAST % {"d": local_day(granted)}, code="date_in_past",
                               details={"field": "deadline"})
    current = self_assessment_deadline(locked)
    if current is not None and extends_nothing(deadline=granted, current=current):
        shown = {"d": local_day(granted), "current": local_moment(current),
                 "first": local_day(timezone.localdate(current) + timedelta(days=1))}
        # an earlier moment shortens the deadline; a later one on the same day gives the unit no day more
        message = MSG_GRANT_NOT_LATER if granted <= current else MSG_GRANT_SAME_DAY
        raise ValidationFailed(message % shown, code="extension_not_later", details={"field": "deadline"})
    _check_years(granted, year=locked.cycle.year, field="deadline")
    _check_limit(granted, cycle=locked.cycle, field="deadline")
    closed = _close(extension_request, actor=actor, status=ExtensionRequest.Status.GRANTED,
                    granted_deadline=granted, decision_reason=text)
    assessment_extend_deadline(assessment=locked, deadline=granted, actor=actor, reason=text or closed.reason)
    _audit(closed, actor=actor, action="extension_request.grant", reason=text, changes={
        "extension_status": {"old": ExtensionRequest.Status.PENDING, "new": ExtensionRequest.Status.GRANTED},
        "granted_deadline": {"old": None, "new": _iso(granted)},
    })
    extension_request_notify_decided(extension_request=closed)
    return closed


@transaction.atomic
def extension_request_refuse(*, extension_request: ExtensionRequest, actor: Any, reason: str) -> ExtensionRequest:
    """An administrator refuses a pending request, with the reason the unit will read. Refused, nothing changed,
    without a reason or when the request is no longer pending. Side effects: the request refused, one audit entry,
    the unit's people notified (e-mailed after commit)."""
    _require_pending(extension_request)
    text = _text(reason, field="reason")
    if not text:
        raise ValidationFailed(MSG_REFUSAL_REASON_REQUIRED, code="reason_required", details={"field": "reason"})
    closed = _close(extension_request, actor=actor, status=ExtensionRequest.Status.REFUSED, decision_reason=text)
    _audit(closed, actor=actor, action="extension_request.refuse", reason=text, changes={
        "extension_status": {"old": ExtensionRequest.Status.PENDING, "new": ExtensionRequest.Status.REFUSED},
    })
    extension_request_notify_decided(extension_request=closed)
    return closed


def extension_requests_close_on_submit(*, assessment: Assessment, actor: Any) -> None:
    """Close the assessment's waiting request when the unit submits (called inside the submission's transaction):
    a submitted assessment has no self-assessment deadline left to extend, and a grant would reopen nothing. The
    request is withdrawn in the unit's name (by who submitted), its `decision_reason` saying the submission closed
    it (a withdrawal by the unit has none: that is how the pages and the API tell the two apart), with an audit
    entry saying so; the administrators' list no longer shows it as waiting. A request decided meanwhile is left as
    decided: it does not refuse the submission."""
    with translation.override(settings.LANGUAGE_CODE):  # stored data: in the source language, whoever submits
        closing = str(MSG_CLOSED_BY_SUBMISSION)
    waiting = ExtensionRequest.objects.filter(assessment=assessment, status=ExtensionRequest.Status.PENDING)
    for extension_request in waiting.select_related("assessment__unit", "assessment__cycle"):
        try:
            closed = _close(extension_request, actor=actor, status=ExtensionRequest.Status.WITHDRAWN,
                            decision_reason=closing)
        except StateConflict:
            # refused by an administrator meanwhile (a refusal does not wait for the assessment's lock): decided,
            # nothing left to close; the submission stands (nothing was written for it)
            continue
        _audit(closed, actor=actor, action="extension_request.withdraw", reason=closing,
               changes={"extension_status": {"old": ExtensionRequest.Status.PENDING,
                                             "new": ExtensionRequest.Status.WITHDRAWN}})
