"""Sign-off (the index recomputed by the worker) and reopening a signed-off assessment."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from appraisal.models import LineHistory, Notification
from appraisal.notifications import notify, team_for, unit_heads, unit_people
from appraisal.permissions import refuse_own_unit
from appraisal.selectors.changes import LeafChange, changes_since
from appraisal.selectors.queue import unseen_explanations
from appraisal.services.common import MSG_REASON_FOR_REOPEN, _lock, _nfc
from appraisal.services.history import _snapshot
from appraisal.services.recompute import index_result_enqueue
from appraisal.services.review import explanations_mark_seen
from scoring.dates import local_moment
from scoring.errors import LeafProblem, StateConflict, ValidationFailed
from scoring.models import Assessment, IndexResult, RankingGroup, Unit, UnitSuccession
from scoring.services import (
    assessment_transition,
    audit_record,
    ranking_group_rerank,
)

MSG_NA_UNDECIDED = gettext_lazy(
    "Đơn vị chọn «không phát sinh»: Tổ thẩm định chưa chấp nhận, cũng chưa chấm điểm tiêu chí này."
)

# The refusal names two counts, each with its own plural (English: «103 criteria have…, including 1 where… that
# has…»): one ngettext per count, joined by a pattern the translator may reorder.
MSG_UNDECIDED_COUNT = ngettext_lazy(
    "Còn %(n)s tiêu chí chưa được thẩm định", "Còn %(n)s tiêu chí chưa được thẩm định", "n"
)
MSG_NA_UNDECIDED_COUNT = ngettext_lazy(
    "trong đó %(k)s tiêu chí đơn vị chọn «không phát sinh» chưa được chấp nhận hoặc chấm điểm",
    "trong đó %(k)s tiêu chí đơn vị chọn «không phát sinh» chưa được chấp nhận hoặc chấm điểm",
    "k",
)
MSG_NA_UNDECIDED_ADVICE = gettext_lazy(
    "hãy chấp nhận «không phát sinh», hoặc không chấp nhận và chấm điểm (nêu lý do)."
)
# Translators: %(undecided)s is «Còn 103 tiêu chí chưa được thẩm định», %(claims)s «trong đó 1 tiêu chí đơn vị chọn
# «không phát sinh» chưa được chấp nhận hoặc chấm điểm», %(advice)s what to do.
MSG_UNDECIDED_WITH_NA = gettext_lazy("%(undecided)s, %(claims)s: %(advice)s")
MSG_UNDECIDED = ngettext_lazy(
    "Còn %(n)s tiêu chí chưa có điểm thẩm định.", "Còn %(n)s tiêu chí chưa có điểm thẩm định.", "n"
)
MSG_UNREAD_EXPLANATIONS = ngettext_lazy(
    "Còn %(n)s tiêu chí có giải trình mới chưa xem (đơn vị gửi ở vòng giải trình vừa kết thúc, Tổ thẩm định chưa "
    "chấm lại, chấp nhận hay đánh dấu đã xem): hãy xem các giải trình này, hoặc xác nhận «Tôi đã đọc / vẫn thông "
    "qua» để thông qua.",
    "Còn %(n)s tiêu chí có giải trình mới chưa xem (đơn vị gửi ở vòng giải trình vừa kết thúc, Tổ thẩm định chưa "
    "chấm lại, chấp nhận hay đánh dấu đã xem): hãy xem các giải trình này, hoặc xác nhận «Tôi đã đọc / vẫn thông "
    "qua» để thông qua.",
    "n",
)


# Translators: %(changes)s lists the leaves, each «2.1.1 (Nguyễn Văn A, 10:42 07/12/2026)».
MSG_CHANGED_SINCE_SEEN = ngettext_lazy(
    "Chưa thông qua: sau khi anh/chị mở bản đánh giá, %(n)s tiêu chí đã được người khác thay đổi: %(changes)s. Chỉ "
    "số thẩm định có thể đã khác số anh/chị đang xem. Hãy tải lại bản đánh giá, xem lại các tiêu chí đó rồi thông "
    "qua lại.",
    "Chưa thông qua: sau khi anh/chị mở bản đánh giá, %(n)s tiêu chí đã được người khác thay đổi: %(changes)s. Chỉ "
    "số thẩm định có thể đã khác số anh/chị đang xem. Hãy tải lại bản đánh giá, xem lại các tiêu chí đó rồi thông "
    "qua lại.",
    "n",
)
CHANGED_SINCE_SEEN = "changed_since_seen"  # the refusal's code: the page and the API answer it apart


def changed_since_seen(*, assessment: Assessment, actor: Any, base_version: int) -> list[LeafChange]:
    """The leaves someone other than `actor` changed after the assessment's `base_version` (what the signer saw),
    one per leaf, its latest change. The signer's own saves are left out: the review page updates its figures in
    place after each of them."""
    if assessment.version == base_version:
        return []
    latest: dict[int, LeafChange] = {}
    for change in changes_since(assessment=assessment, base_version=base_version):
        if getattr(change.by, "pk", None) != getattr(actor, "pk", None):
            latest.setdefault(change.line_id, change)
    return sorted(latest.values(), key=lambda change: change.at)


def _refuse_changed_since_seen(locked: Assessment, actor: Any, base_version: int | None) -> None:
    if base_version is None:
        return
    changed = changed_since_seen(assessment=locked, actor=actor, base_version=base_version)
    if not changed:
        return
    described = []
    problems = []
    for change in changed:
        at = local_moment(change.at, time_first=True)
        who = change.by_name or _("hệ thống")
        text = _("%(who)s, %(at)s") % {"who": who, "at": at}
        described.append(f"{change.code} ({text})")
        problems.append(LeafProblem(change.code, line_id=change.line_id, kind="changed_since_seen",
                                    message=_("Được %(who)s thay đổi lúc %(at)s.")
                                    % {"who": who, "at": at}))
    raise StateConflict(MSG_CHANGED_SINCE_SEEN % {"n": len(changed), "changes": "; ".join(described)},
                        code=CHANGED_SINCE_SEEN, details=problems)


def undecided_with_claims_message(*, undecided: int, claims: int) -> str:
    """The sign-off refusal when some undecided leaves are «không phát sinh» claims: each count with its plural."""
    return str(MSG_UNDECIDED_WITH_NA) % {
        "undecided": MSG_UNDECIDED_COUNT % {"n": undecided},
        "claims": MSG_NA_UNDECIDED_COUNT % {"k": claims},
        "advice": MSG_NA_UNDECIDED_ADVICE,
    }


@transaction.atomic
def assessment_sign_off(
    *, assessment: Assessment, actor: Any, unread_confirmed: bool = False, base_version: int | None = None
) -> Assessment:
    """Lock an assessment whose every leaf the team has decided (an appraised score, or the unit's «không phát
    sinh» accepted); the recompute runs after commit. Refused with the undecided leaves otherwise.

    New explanations nobody of the team has looked at (`unseen_explanations`: sent in the round that just ended,
    neither decided again nor marked read) must be confirmed (`unread_confirmed`, the lead's «Tôi đã đọc / vẫn
    thông qua»): refused without (400 `unread_explanations`, naming the leaves); confirmed, they are recorded read
    by the actor (as `explanations_mark_seen`) before the sign-off.

    `base_version`: the assessment's version the signer saw (the review page's, an API read's). When someone else
    changed a leaf since (`changed_since_seen`), the index signed off would not be the one they saw: refused (409
    `changed_since_seen`, naming the leaves, who changed them and when). Without it (an older client) not checked.

    Side effects: the round's appraisal and the final score of every leaf recorded; state → signed_off
    (audited); one recompute task enqueued on commit; the unit e-mailed. Refused to a person of the assessment's
    unit (`refuse_own_unit`).
    """
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    if locked.state == Assessment.State.SIGNED_OFF:
        raise StateConflict(_("Bản đánh giá đã được thông qua."), code="already_signed_off")
    if locked.state != Assessment.State.IN_APPRAISAL:
        raise StateConflict(
            _("Chỉ thông qua bản đánh giá đang thẩm định (hiện: «%(state)s»).") % {"state": locked.get_state_display()},
            code="not_in_appraisal",
        )
    _refuse_changed_since_seen(locked, actor, base_version)
    # Every leaf decided by the team: an appraised score, or the unit's «không phát sinh» accepted (an overruled
    # one needs its score). A «không phát sinh» nobody accepted is undecided like a leaf nobody scored.
    undecided = (
        locked.lines.filter(appraised_score__isnull=True)
        .exclude(not_applicable=True, na_overruled=False, na_accepted=True)
        .order_by("indicator__order")
        .values_list("pk", "indicator__code", "not_applicable", "na_overruled")
    )
    missing = [
        LeafProblem(code, line_id=pk, kind="not_applicable_undecided", message=MSG_NA_UNDECIDED)
        if not_applicable and not overruled
        else LeafProblem(code, line_id=pk, kind="missing_appraisal", message=_("Chưa có điểm thẩm định."))
        for pk, code, not_applicable, overruled in undecided
    ]
    if missing:
        claims = sum(1 for problem in missing if problem.kind == "not_applicable_undecided")
        if claims:
            text = undecided_with_claims_message(undecided=len(missing), claims=claims)
        else:
            text = MSG_UNDECIDED % {"n": len(missing)}
        raise ValidationFailed(text, code="missing_appraisal", details=missing)
    _check_unread_explanations(locked, actor, confirmed=unread_confirmed)
    lines = list(locked.lines.all())
    for stage in (LineHistory.Stage.APPRAISAL, LineHistory.Stage.FINAL):
        _snapshot(assessment=locked, stage=stage, round_no=locked.appraisal_round, actor=actor, lines=lines)
    signed = assessment_transition(assessment=locked, to_state=Assessment.State.SIGNED_OFF, actor=actor)
    index_result_enqueue(assessment_id=signed.pk)
    notify(kind=Notification.Kind.SIGNED_OFF, assessment=signed, recipients=unit_people(signed.unit_id), context={})
    return signed


def _check_unread_explanations(locked: Assessment, actor: Any, *, confirmed: bool) -> None:
    """The sign-off's rule for new explanations not looked at: refused unless confirmed, then recorded read."""
    unread = unseen_explanations(assessments=[locked.pk]).get(locked.pk, [])
    if not unread:
        return
    if not confirmed:
        rows = (locked.lines.filter(indicator_id__in=unread).order_by("indicator__order")
                .values_list("pk", "indicator__code"))
        problems = [LeafProblem(code, line_id=pk, kind="unread_explanation",
                                message=_("Có giải trình mới chưa xem.")) for pk, code in rows]
        raise ValidationFailed(MSG_UNREAD_EXPLANATIONS % {"n": len(problems)}, code="unread_explanations",
                               details=problems)
    explanations_mark_seen(assessment=locked, actor=actor, leaf_ids=set(unread))


MSG_REOPEN_NOT_SIGNED_OFF = gettext_lazy("Chỉ mở lại bản đánh giá đã thông qua (hiện: «%(state)s»).")
MSG_REOPEN_UNIT_MERGED = gettext_lazy(
    "Đơn vị «%(u)s» đã sáp nhập vào «%(b)s»: không mở lại được bản đánh giá năm %(y)s của đơn vị này (đơn vị đã "
    "sáp nhập không hoạt động trở lại được). Kết quả đã thông qua được giữ nguyên."
)
MSG_REOPEN_UNIT_STOPPED = gettext_lazy(
    "Đơn vị «%(u)s» đã ngừng hoạt động: không mở lại được bản đánh giá năm %(y)s của đơn vị này. Hãy cho đơn vị "
    "hoạt động trở lại (trang «Đơn vị») trước, rồi mở lại bản đánh giá."
)


def assessment_reopen_state_blocker(*, assessment: Assessment) -> StateConflict | None:
    """Why the assessment's state keeps it from being reopened, or None: only a signed-off one is reopened."""
    if assessment.state == Assessment.State.SIGNED_OFF:
        return None
    return StateConflict(MSG_REOPEN_NOT_SIGNED_OFF % {"state": assessment.get_state_display()}, code="not_signed_off")


def assessment_reopen_blocker(*, assessment: Assessment, unit: Unit | None = None) -> StateConflict | None:
    """Why the assessment's unit keeps it from being reopened, or None: a stopped or merged unit has nobody to
    finish a reopened assessment, which would stay under way for good (what `data_check` reports). `unit`: the
    unit row as read (locked) by the caller; else the assessment's."""
    unit = unit or assessment.unit
    if unit.active:
        return None
    values = {"u": unit.name, "y": assessment.cycle.year}
    succession = UnitSuccession.objects.filter(predecessor_id=unit.pk).select_related("successor").first()
    if succession is not None:
        return StateConflict(MSG_REOPEN_UNIT_MERGED % {**values, "b": succession.successor.name}, code="unit_merged")
    return StateConflict(MSG_REOPEN_UNIT_STOPPED % values, code="unit_inactive")


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, actor: Any, reason: str) -> Assessment:
    """An administrator reopens a signed-off assessment (reason recorded): signed_off → in_appraisal, a new
    round; its result is marked stale and leaves the ranking until it is signed off again. Refused (409
    `unit_inactive`, `unit_merged`) for a stopped or merged unit's assessment. Reopening is an administrator's act
    the pages allow on any unit, their own too (`permissions.can_reopen`): no conflict-of-interest check here.
    The team assigned to the unit (`team_for`) and the unit's head are notified, with the reason (after commit)."""
    text = _nfc(reason)
    if not text:
        raise ValidationFailed(MSG_REASON_FOR_REOPEN, code="reason_required", details={"field": "reason"})
    locked = _lock(assessment.pk)
    not_signed_off = assessment_reopen_state_blocker(assessment=locked)
    if not_signed_off is not None:
        raise not_signed_off
    # the unit read again, locked: a unit stopped meanwhile is seen stopped
    blocker = assessment_reopen_blocker(
        assessment=locked, unit=Unit.objects.select_for_update().only("pk", "name", "active").get(pk=locked.unit_id)
    )
    if blocker is not None:
        raise blocker
    group_id = locked.ranking_group_id  # the group it was ranked in that year
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
    # the team appraises it again and the unit's head learns its result no longer counts: each told why
    team = team_for(reopened)
    notify(kind=Notification.Kind.REOPENED, assessment=reopened, recipients=team,
           context={"reason": text, "actor": actor, "for_team": True})
    notify(kind=Notification.Kind.REOPENED, assessment=reopened,
           recipients=[u for u in unit_heads(reopened.unit_id) if u not in team],
           context={"reason": text, "actor": actor, "for_team": False})
    return reopened
