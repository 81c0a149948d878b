"""Cycles: open with a set per unit kind, deadlines, phases, participants, one unit's extension."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.notifications import assessment_notify_deadline_removed
from scoring.administration.services.common import nfc
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import (
    Assessment,
    Cycle,
    ExtensionRequest,
    IndicatorSet,
    UnitKind,
)
from scoring.permissions import deadline_passed
from scoring.services import assessment_transition, audit_record, cycle_create, cycle_set_phase

DEADLINE_YEARS_AFTER = 10  # the latest a year's deadline may fall: the end of the tenth year after it
# A unit's own self-assessment deadline matters while it self-assesses, or may withdraw its submission to do so.
EXTENDABLE_STATES = (Assessment.State.DRAFT, Assessment.State.SUBMITTED)
DEADLINE_FIELDS = ("self_assessment_deadline", "appraisal_deadline", "explanation_deadline", "finalisation_deadline")


@transaction.atomic
def cycle_open(
    *, year: int, name: str, sets: Mapping[UnitKind, IndicatorSet], deadlines: Mapping[str, datetime | None], actor: Any
) -> Cycle:
    """Create a cycle with a valid set per unit kind (each set is frozen from then on). A kind may be scored
    on a set made for another kind (the vertical agencies on the departments' set, as the demo's 2020 cycle)."""
    from scoring.administration.selectors import indicator_set_report

    for indicator_set in sets.values():
        if indicator_set.year != year:
            raise ValidationFailed(
                _("Bộ «%(key)s» không phải bộ chỉ số năm %(year)s.") % {"key": indicator_set.key, "year": year},
                code="set_of_another_year",
            )
        if not indicator_set_report(indicator_set=indicator_set).ok:
            raise ValidationFailed(_("Bộ «%(key)s» chưa hợp lệ; xem báo cáo kiểm tra.") % {"key": indicator_set.key},
                                   code="set_not_valid")
    _check_deadlines(deadlines, year=year)
    return cycle_create(
        year=year,
        name=name,
        sets=dict(sets),
        actor=actor,
        **{k: v for k, v in deadlines.items() if k in DEADLINE_FIELDS},
    )


def _check_deadlines(deadlines: Mapping[str, datetime | None], *, year: int) -> None:
    named: list[tuple[str, datetime]] = [
        (name, moment) for name in DEADLINE_FIELDS if (moment := deadlines.get(name)) is not None
    ]
    known = [d for _name, d in named]
    # A year's cycle assesses that year's work: no phase of it can end before the year begins.
    first_day = datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    if any(d < first_day for d in known):
        raise ValidationFailed(
            _("Các hạn của kỳ năm %(year)s không được trước ngày 01/01/%(year)s.") % {"year": year},
            code="deadline_before_year", details={"field": next(n for n, d in named if d < first_day)},
        )
    # …nor a decade after it: a date past that is a typing slip (9999), not a late phase.
    last_day = datetime(year + DEADLINE_YEARS_AFTER, 12, 31, 23, 59, 59, tzinfo=timezone.get_current_timezone())
    if any(d > last_day for d in known):
        raise ValidationFailed(
            _("Các hạn của kỳ năm %(year)s không được sau ngày 31/12/%(last)s.")
            % {"year": year, "last": year + DEADLINE_YEARS_AFTER},
            code="deadline_too_late", details={"field": next(n for n, d in named if d > last_day)},
        )
    if any(b < a for a, b in itertools.pairwise(known)):
        raise ValidationFailed(_("Các hạn phải theo đúng thứ tự các giai đoạn."), code="deadline_order")


@transaction.atomic
def cycle_update_deadlines(*, cycle: Cycle, deadlines: Mapping[str, datetime | None], actor: Any) -> Cycle:
    _check_deadlines(deadlines, year=cycle.year)
    changes: dict[str, Any] = {}
    for name in DEADLINE_FIELDS:
        new = deadlines.get(name)
        old = getattr(cycle, name)
        if old != new:
            changes[name] = {"old": old.isoformat() if old else None, "new": new.isoformat() if new else None}
            setattr(cycle, name, new)
    if changes:
        cycle.save(update_fields=list(changes))
        audit_record(actor=actor, action="cycle.deadlines", object_type="Cycle", object_id=cycle.pk, changes=changes)
    return cycle


MSG_PHASE_ALREADY = gettext_lazy("Kỳ đánh giá đã ở giai đoạn «%(p)s»; không cần chuyển nữa.")


def cycle_move_phase(*, cycle: Cycle, phase: str, actor: Any) -> Cycle:
    """Open the next phase (or go back one); closing a phase is opening the next."""
    phases = list(Cycle.Phase.values)
    if phase == cycle.phase:  # the button pressed twice, or a request sent again
        raise ValidationFailed(
            MSG_PHASE_ALREADY % {"p": cycle.get_phase_display()}, code="phase_not_adjacent", details={"field": "phase"}
        )
    if phase not in phases or abs(phases.index(phase) - phases.index(cycle.phase)) != 1:
        raise ValidationFailed(
            _("Chỉ chuyển sang giai đoạn kế tiếp hoặc quay lại giai đoạn trước."),
            code="phase_not_adjacent",
            details={"field": "phase"},
        )
    if phase == Cycle.Phase.PUBLISHED:  # the results are published by publishing them (a document, a snapshot)
        raise ValidationFailed(
            _("Giai đoạn «Đã công bố» chỉ mở khi công bố kết quả (trang «Kết quả công bố», có văn bản phê duyệt)."),
            code="publish_to_publish",
            details={"field": "phase"},
        )
    return cycle_set_phase(cycle=cycle, phase=phase, actor=actor)


@transaction.atomic
def assessment_extend_deadline(
    *, assessment: Assessment, deadline: datetime | None, actor: Any, reason: str
) -> Assessment:
    """Give one unit its own self-assessment deadline (or remove it with None). An extension ends after the
    cycle's own self-assessment deadline (an earlier date would shorten it, not extend it). Audited as
    `assessment.extend_deadline`, a removal as `assessment.remove_deadline`; a removal also tells the unit's head
    and editors (e-mailed after commit)."""
    if not nfc(reason):
        if deadline is None:
            raise ValidationFailed(_("Hãy ghi lý do bỏ hạn riêng."), code="reason_required")
        raise ValidationFailed(_("Hãy ghi lý do gia hạn."), code="reason_required")
    if deadline is not None and assessment.state not in EXTENDABLE_STATES:
        # past its self-assessment (the team appraises it, or it is signed off) a later deadline changes nothing
        raise StateConflict(
            _("Bản đánh giá của %(u)s ở trạng thái «%(s)s»: chỉ gia hạn tự đánh giá khi đơn vị chưa gửi hoặc còn "
              "rút lại được bản đã gửi.") % {"u": assessment.unit.name, "s": assessment.get_state_display()},
            code="not_extendable",
        )
    if deadline is not None:
        _check_deadlines({"self_assessment_deadline": deadline}, year=assessment.cycle.year)
    cycle_deadline = assessment.cycle.self_assessment_deadline
    if deadline is not None and cycle_deadline is not None and deadline <= cycle_deadline:
        raise ValidationFailed(
            _("Hạn gia hạn phải sau hạn tự đánh giá của kỳ (%(d)s).")
            % {"d": timezone.localtime(cycle_deadline).strftime("%d/%m/%Y %H:%M")},
            code="extension_not_later",
        )
    old = assessment.deadline_override
    if old == deadline:  # the same moment (however written): nothing changes, nothing to record
        return assessment
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=deadline)
    assessment.deadline_override = deadline
    entry = audit_record(
        actor=actor,
        action="assessment.extend_deadline" if deadline is not None else "assessment.remove_deadline",
        object_type="Assessment",
        object_id=assessment.pk,
        unit=assessment.unit,
        assessment=assessment,
        changes={
            "deadline_override": {
                "old": old.isoformat() if old else None,
                "new": deadline.isoformat() if deadline else None,
            }
        },
        reason=nfc(reason),
    )
    if deadline is None and old is not None:  # an extension's notice is its request's decision; a removal has none
        assessment_notify_deadline_removed(
            assessment=assessment, removed_deadline=old, reason=nfc(reason), dedupe_key=f"deadline-removed:{entry.pk}"
        )
    return assessment


@transaction.atomic
def assessment_close_unsubmitted(*, assessment: Assessment, actor: Any, reason: str) -> Assessment:
    """A unit that let its deadline pass without submitting: its assessment goes to the appraisal team as it
    stands (leaves not scored count nothing until the team appraises them), so that the cycle can be signed
    off and published. Only a draft whose own deadline (its extension, else the cycle's) has passed; with the
    reason, audited as the state change."""
    text = nfc(reason)
    if not text:
        raise ValidationFailed(_("Hãy ghi lý do (ví dụ: đơn vị không gửi bản tự đánh giá đúng hạn)."),
                               code="reason_required", details={"field": "reason"})
    locked = Assessment.objects.select_for_update(of=("self",)).select_related("cycle", "unit").get(pk=assessment.pk)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(
            _("Bản đánh giá của %(u)s đang ở trạng thái «%(s)s», không còn chờ đơn vị gửi.")
            % {"u": locked.unit.name, "s": locked.get_state_display()}, code="not_draft",
        )
    if not deadline_passed(locked):
        raise StateConflict(
            _("%(u)s chưa quá hạn tự đánh giá; chỉ chuyển cho Tổ thẩm định khi đã quá hạn mà đơn vị chưa gửi.")
            % {"u": locked.unit.name}, code="deadline_not_passed",
        )
    if ExtensionRequest.objects.filter(assessment=locked, status=ExtensionRequest.Status.PENDING).exists():
        # the unit asked for more time: it hears the answer before its draft is taken from it
        raise StateConflict(
            _("%(u)s đang có đề nghị gia hạn chờ quyết định: hãy chấp thuận hoặc không chấp thuận đề nghị đó "
              "trước (trang đề nghị gia hạn của kỳ).") % {"u": locked.unit.name}, code="extension_pending",
        )
    return assessment_transition(assessment=locked, to_state=Assessment.State.SUBMITTED, actor=actor,
                                 reason=text)
