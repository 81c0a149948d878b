"""Units, unit kinds and ranking groups: create, rename, deactivate, merge (history kept)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.administration.selectors import unit_assessments_not_published
from scoring.administration.services.common import locked_at_version, reason_text
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import (
    Assessment,
    IndexResult,
    RankingGroup,
    RoleAssignment,
    Unit,
    UnitKind,
    UnitSuccession,
)
from scoring.services import audit_record
from scoring.text import visible_text

MSG_UNIT_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu không mang phiên bản của đơn vị nên chưa lưu gì; hãy tải lại trang rồi sửa lại."
)
MSG_UNIT_CHANGED = gettext_lazy(
    "Đơn vị này đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được mở nên "
    "chưa lưu gì. Giá trị đang lưu ghi ở dưới; hãy xem lại rồi bấm «Lưu» nếu vẫn muốn sửa."
)
MSG_UNIT_HAS_ACCOUNTS = gettext_lazy(
    "Đơn vị «%(u)s» còn %(n)s tài khoản đang hoạt động; vai trò của họ vẫn giữ khi đơn vị ngừng hoạt động. Hãy "
    "xem danh sách rồi đánh dấu ô xác nhận trước khi cho ngừng hoạt động."
)
MSG_MERGE_OTHER_KIND = gettext_lazy(
    "Không sáp nhập được «%(a)s» (loại «%(ka)s») vào «%(b)s» (loại «%(kb)s»): chỉ sáp nhập vào đơn vị cùng loại. "
    "Nếu quyết định sáp nhập đúng là như vậy, hãy đổi loại đơn vị của «%(a)s» trước rồi sáp nhập."
)
MSG_MERGE_CHANGES_GROUP = gettext_lazy(
    "«%(a)s» thuộc khối xếp hạng «%(old)s», còn «%(b)s» thuộc khối «%(new)s»: sau khi sáp nhập, người dùng của "
    "«%(a)s» làm việc cho đơn vị được xếp hạng trong khối «%(new)s». Hãy đánh dấu ô xác nhận rồi bấm «Sáp nhập» "
    "lần nữa nếu vẫn sáp nhập."
)
MSG_CODED_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu đổi tên không mang phiên bản của tên đang lưu nên chưa lưu gì; hãy tải lại trang rồi đổi lại."
)
MSG_KIND_RENAMED_ELSEWHERE = gettext_lazy(
    "Loại đơn vị này đã được đổi tên ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được "
    "mở nên chưa lưu gì. Tên đang lưu ghi bên dưới ô tên; hãy xem lại rồi bấm «Đổi tên» nếu vẫn muốn đổi."
)
MSG_GROUP_RENAMED_ELSEWHERE = gettext_lazy(
    "Khối xếp hạng này đã được đổi tên ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được "
    "mở nên chưa lưu gì. Tên đang lưu ghi bên dưới ô tên; hãy xem lại rồi bấm «Đổi tên» nếu vẫn muốn đổi."
)
MSG_STOP_BUSY = gettext_lazy(
    "Đơn vị «%(u)s» còn bản đánh giá đang thực hiện; hãy hoàn tất hoặc đóng kỳ trước khi cho ngừng hoạt động."
)
MSG_MERGE_BUSY = gettext_lazy(
    "Đơn vị «%(u)s» còn bản đánh giá đang thực hiện; hãy hoàn tất hoặc đóng kỳ trước khi sáp nhập."
)
MSG_UNIT_STOPPED = gettext_lazy("Đơn vị «%(u)s» đã ngừng hoạt động: không gán vai trò mới tại đơn vị này được.")
MSG_UNIT_MERGED = gettext_lazy(
    "Đơn vị «%(u)s» đã sáp nhập vào «%(b)s» (mã %(code)s): không gán vai trò mới tại đơn vị cũ được; hãy chọn "
    "đơn vị «%(b)s» (mã %(code)s)."
)
MSG_UNIT_MERGED_TWICE = gettext_lazy(
    "Đơn vị «%(u)s» đã sáp nhập vào «%(a)s» (mã %(a_code)s), nay là «%(b)s» (mã %(code)s): không gán vai trò mới "
    "tại đơn vị cũ được; hãy chọn đơn vị «%(b)s» (mã %(code)s)."
)
MSG_UNIT_MERGED_STOPPED = gettext_lazy(
    "Đơn vị «%(u)s» đã sáp nhập vào «%(b)s» (mã %(code)s), đơn vị này nay cũng đã ngừng hoạt động: không gán vai "
    "trò mới tại các đơn vị đó được."
)
MSG_NO_GROUP = gettext_lazy("(không thuộc khối xếp hạng nào)")
MSG_SUPERIOR_BODY_TOO_LONG = gettext_lazy("Cơ quan chủ quản dài quá %(n)s ký tự.")
UNIT_SUPERIOR_BODY_MAX = 255  # the Unit model's length
NAMED_ACCOUNTS = 5  # the active accounts a stop's warning names; the rest are counted


def unit_version(unit: Unit) -> str:
    """The unit's version for optimistic concurrency, without a version column: a digest of what its edit form and
    the API's PATCH change (codes for the related rows). Any change by a colleague changes it. The API's `ETag` is
    this digest in quotes."""
    values = [
        unit.code, unit.name, unit.short_name, unit.kind.code,
        unit.ranking_group.code if unit.ranking_group else None, unit.parent.code if unit.parent else None,
        unit.superior_body,
    ]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


def unit_active_accounts(*, unit: Unit) -> QuerySet[Any]:
    """The active accounts holding a role on `unit` (its people, an appraiser naming it as their department), by
    username."""
    return (
        get_user_model().objects.filter(is_active=True, roles__unit=unit).distinct().order_by("username")
    )


def unit_successor(unit: Unit) -> tuple[Unit, Unit] | None:
    """Where a merged unit went: the unit it was merged into and the one that now carries it (the same unless that
    one was merged in its turn), or None for a unit never merged."""
    first = UnitSuccession.objects.filter(predecessor=unit).select_related("successor").first()
    if first is None:
        return None
    last, seen = first.successor, {unit.pk}
    while last.pk not in seen:  # a chain of merges; never a loop, but a bad record must not hang the page
        seen.add(last.pk)
        step = UnitSuccession.objects.filter(predecessor=last).select_related("successor").first()
        if step is None:
            break
        last = step.successor
    return first.successor, last


def unit_stopped_problem(unit: Unit, *, shown: str | None = None) -> str:
    """Why no new role (nor a new account) may go to the stopped `unit`: for a merged unit, the unit it was merged
    into, by name and code, which is the one the official wants instead. `shown`: how the message names `unit` (its
    name by default; the users file names it by its code)."""
    merged = unit_successor(unit)
    named = shown if shown is not None else unit.name
    if merged is None:
        return str(MSG_UNIT_STOPPED % {"u": named})
    first, last = merged
    if not last.active:
        return str(MSG_UNIT_MERGED_STOPPED % {"u": named, "b": last.name, "code": last.code})
    if first.pk == last.pk:
        return str(MSG_UNIT_MERGED % {"u": named, "b": last.name, "code": last.code})
    return str(MSG_UNIT_MERGED_TWICE % {"u": named, "a": first.name, "a_code": first.code, "b": last.name,
                                         "code": last.code})


def _same_name(queryset: Any, name: str, instance: Any = None) -> Any:
    """The record of `queryset` named `name` (ignoring case and repeated spaces) other than `instance`, or None."""
    key = " ".join(name.casefold().split())
    for other in queryset.exclude(pk=getattr(instance, "pk", None)).only("pk", "code", "name"):
        if " ".join(other.name.casefold().split()) == key:
            return other
    return None


def unit_stopped_namesake(*, name: str, exclude: Unit | None = None) -> Unit | None:
    """A stopped unit named `name` (ignoring case and repeated spaces), other than `exclude`, or None. A unit in
    activity may take a stopped unit's name (a department re-established after a reorganisation carries its
    official name, and the old unit keeps its own in the results it was published with); the lists then mark the
    stopped one, and the page that saved the name says so."""
    found: Unit | None = _same_name(Unit.objects.filter(active=False), name, exclude)
    return found


def _clean_unit(data: Mapping[str, Any], *, instance: Unit | None = None) -> dict[str, Any]:
    """The unit's fields as stored, checked. A caller that does not send `superior_body` (a field added later)
    leaves the unit's as it is."""
    superior = data.get("superior_body") if "superior_body" in data or instance is None else instance.superior_body
    clean: dict[str, Any] = {
        "code": visible_text(data.get("code"), field="code").lower(),
        # the units file's rule (`visible_text`): a hidden character would pass the same-name check below
        "name": visible_text(data.get("name"), field="name"),
        "short_name": visible_text(data.get("short_name"), field="short_name"),
        "kind": data.get("kind"),
        "ranking_group": data.get("ranking_group"),
        "parent": data.get("parent"),
        "superior_body": visible_text(superior, field="superior_body"),
    }
    if len(clean["superior_body"]) > UNIT_SUPERIOR_BODY_MAX:
        raise ValidationFailed(MSG_SUPERIOR_BODY_TOO_LONG % {"n": UNIT_SUPERIOR_BODY_MAX},
                               code="superior_body_too_long", details={"field": "superior_body"})
    if not clean["code"] or not clean["name"]:
        raise ValidationFailed(_("Hãy nhập mã và tên đơn vị."), code="unit_required")
    if not isinstance(clean["kind"], UnitKind):
        raise ValidationFailed(_("Hãy chọn loại đơn vị."), code="unit_kind_required")
    clash = Unit.objects.filter(code=clean["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed(_("Mã đơn vị «%(code)s» đã tồn tại.") % {"code": clean["code"]}, code="duplicate_unit")
    # Two active units of one name cannot be told apart in lists, reports and rankings (a merged, inactive
    # unit may leave its name to its successor).
    renamed = instance is None or instance.name != clean["name"]
    same_name = _same_name(Unit.objects.filter(active=True), clean["name"], instance) if renamed else None
    if same_name is not None:
        raise ValidationFailed(
            _("Đã có đơn vị tên «%(name)s» (mã %(code)s); hãy đặt tên khác.")
            % {"name": same_name.name, "code": same_name.code},
            code="duplicate_unit_name",
        )
    parent: Unit | None = clean["parent"]
    while instance is not None and parent is not None:
        if parent.pk == instance.pk:
            raise ValidationFailed(_("Đơn vị cấp trên không thể là chính nó hoặc đơn vị cấp dưới của nó."),
                                   code="invalid_parent")
        parent = parent.parent
    return clean


@transaction.atomic
def unit_create(*, data: Mapping[str, Any], actor: Any) -> Unit:
    clean = _clean_unit(data)
    unit = Unit.objects.create(**clean)
    audit_record(
        actor=actor,
        action="unit.create",
        object_type="Unit",
        object_id=unit.pk,
        unit=unit,
        changes={"name": {"old": None, "new": unit.name}, "code": {"old": None, "new": unit.code}},
    )
    return unit


_OPEN_STATES = (
    Assessment.State.DRAFT, Assessment.State.SUBMITTED, Assessment.State.IN_APPRAISAL, Assessment.State.EXPLANATION,
)


def _lock_units(*units: Unit) -> dict[int, bool]:
    """Lock the units' rows until the transaction ends, in the order of their ids (two merges crossing each other
    take them in one order); whether each is active, as last committed. A reopen locks the unit row too, so a
    reopen and a stop (or merge, or kind change) run one after the other: the later one sees what the earlier did.
    Opening assessments (`assessments_open`) locks the units' rows the same way and reads their state under the
    lock: a stop and an opening of the same unit run one after the other too."""
    rows = Unit.objects.select_for_update().filter(pk__in=[u.pk for u in units]).order_by("pk")
    return dict(rows.values_list("pk", "active"))


def _busy_assessments(unit: Unit) -> list[dict[str, Any]]:
    """The unit's assessments under way, oldest cycle first, as a refusal names them (`details["assessments"]`):
    the cycle (id, year, name), the unit and the state (code and label)."""
    found = (Assessment.objects.filter(unit=unit, state__in=_OPEN_STATES).select_related("cycle", "unit")
             .order_by("cycle__year", "cycle__pk", "pk"))
    return [{"id": a.pk, "cycle_id": a.cycle_id, "year": a.cycle.year, "cycle": a.cycle.name, "unit": a.unit.name,
             "unit_code": a.unit.code, "state": a.state, "state_label": str(a.get_state_display())} for a in found]


def unit_busy_assessments(*, unit: Unit) -> list[dict[str, Any]]:
    """The unit's assessments under way, which stop a stop or a merge (as `_refuse_if_busy` names them): for the
    unit's page to say so before asking for any confirmation."""
    return _busy_assessments(unit)


def _busy_text(busy: list[dict[str, Any]]) -> str:
    """«kỳ 2024 «Chỉ số CCHC năm 2024» — Sở Y tế: Đang tự đánh giá; …»."""
    return "; ".join(_("kỳ %(year)s «%(cycle)s» — %(unit)s: %(state)s") % {
        "year": a["year"], "cycle": a["cycle"], "unit": a["unit"], "state": a["state_label"]} for a in busy)


def _refuse_if_busy(unit: Unit, message: Any, *, name_them: bool = False) -> None:
    """Refused (`unit_busy`) while the unit has an assessment under way, whatever its cycle's phase: what the
    change would pull from under it (its people, its set, its place in the ranking) is still in use. A published
    cycle's assessment is under way again once reopened for a correction (publishing needs every one signed off).
    The refusal carries those assessments (`details["assessments"]`, for a page to link their cycles); with
    `name_them`, its message names them too."""
    busy = _busy_assessments(unit)
    if busy:
        text = message % {"u": unit}
        if name_them:
            text = f"{text} {_('Bản đánh giá đang thực hiện: %(list)s.') % {'list': _busy_text(busy)}}"
        raise StateConflict(text, code="unit_busy", details={"assessments": busy})


@transaction.atomic
def unit_update(
    *, unit: Unit, data: Mapping[str, Any], actor: Any, reason: str = "", expected_version: str | None = None
) -> Unit:
    """Rename, regroup or re-parent a unit (its past assessments keep pointing at it). Its kind does not change
    while an assessment of it is under way: that assessment was opened on its kind's set.

    `expected_version` (the edit page's): the `unit_version` the change was based on; refused (`stale`, nothing
    written) when the unit changed since, or when it is empty. None: no condition (the import, the API)."""
    if expected_version is not None:
        unit = locked_at_version(
            Unit.objects.select_related("kind", "ranking_group", "parent"), unit.pk, expected=expected_version,
            version_of=unit_version, missing=MSG_UNIT_VERSION_MISSING, changed=MSG_UNIT_CHANGED,
        )
    clean = _clean_unit(data, instance=unit)
    if clean.get("kind") is not None and clean["kind"] != unit.kind:
        if expected_version is None:  # else locked above
            _lock_units(unit)
        _refuse_if_busy(unit, _("Đơn vị «%(u)s» còn bản đánh giá đang thực hiện theo bộ chỉ số của loại đơn vị "
                                "hiện tại; hãy hoàn tất hoặc đóng kỳ trước khi đổi loại đơn vị."))
    changes = {
        name: {"old": str(getattr(unit, name) or ""), "new": str(value or "")}
        for name, value in clean.items()
        if getattr(unit, name) != value
    }
    old_group_id = unit.ranking_group_id
    for name, value in clean.items():
        setattr(unit, name, value)
    unit.save()
    if changes:
        audit_record(
            actor=actor, action="unit.update", object_type="Unit", object_id=unit.pk, unit=unit, changes=changes,
            reason=reason,
        )
    if unit.ranking_group_id != old_group_id:
        _assessments_follow_group(unit)
    return unit


def _assessments_follow_group(unit: Unit) -> None:
    """The unit left one ranking group for another: its assessments in cycles whose results are not published
    are ranked in its new group from now on, and where signed off both groups they left and joined are ranked
    again in that cycle (its rank had been computed among its old group, which kept a gap). A published cycle's
    assessments keep the group they were ranked in that year (its ranking is its publication's)."""
    from scoring.services.results import ranking_group_rerank

    following = list(
        unit_assessments_not_published(unit=unit).select_for_update(of=("self",)).order_by("pk")
        .values_list("pk", "cycle_id", "state", "ranking_group_id")
    )
    if not following:
        return
    Assessment.objects.filter(pk__in=[row[0] for row in following]).update(ranking_group=unit.ranking_group_id)
    signed_off = [row for row in following if row[2] == Assessment.State.SIGNED_OFF]
    if not signed_off:
        return
    reranks = sorted({(cycle_id, group_id) for _pk, cycle_id, _state, left in signed_off
                      for group_id in (left, unit.ranking_group_id) if group_id is not None})
    # one re-ranking of a group at a time, as a recompute locks it: neither misses the other's rows
    list(RankingGroup.objects.select_for_update().filter(pk__in={g for _c, g in reranks}).order_by("pk")
         .values_list("pk"))
    if unit.ranking_group_id is None:  # ranked in no group any more
        IndexResult.objects.filter(assessment_id__in=[row[0] for row in signed_off]).update(rank=None)
    for cycle_id, group_id in reranks:
        ranking_group_rerank(cycle_id=cycle_id, ranking_group_id=group_id)


@transaction.atomic
def unit_set_active(
    *, unit: Unit, active: bool, actor: Any, reason: str = "", accounts_seen: int | None = None
) -> Unit:
    """Stop a unit (with a reason; not while an assessment of it is under way) or start it again (not a unit
    merged into another: its people and its place went to its successor).

    `accounts_seen` (the units page's confirmation): how many active accounts on the unit the administrator was
    shown and confirmed stopping it with; refused (`unit_has_accounts`, details: the count and the first ones)
    while there are more. None: no condition (the import, the API).

    The unit's row is locked first and its state read again: a reopen of its assessment meanwhile is seen by the
    check below or waits for the stop (and then finds the unit stopped), and a second stop records nothing."""
    unit.active = _lock_units(unit)[unit.pk]
    if unit.active != active:
        if active:
            succession = UnitSuccession.objects.filter(predecessor=unit).select_related("successor").first()
            if succession is not None:
                raise StateConflict(
                    _("Đơn vị «%(u)s» đã sáp nhập vào «%(b)s»; không hoạt động trở lại được.")
                    % {"u": unit, "b": succession.successor},
                    code="already_merged",
                )
        else:
            # what blocks the stop comes before what the administrator is asked for (a reason, a confirmation)
            _refuse_if_busy(unit, MSG_STOP_BUSY)
            if not reason_text(reason):
                raise ValidationFailed(_("Hãy ghi lý do ngừng hoạt động."), code="reason_required",
                                       details={"field": "reason"})
            if accounts_seen is not None:
                _refuse_unconfirmed_accounts(unit, accounts_seen)
        Unit.objects.filter(pk=unit.pk).update(active=active)
        audit_record(
            actor=actor,
            action="unit.activate" if active else "unit.deactivate",
            object_type="Unit",
            object_id=unit.pk,
            unit=unit,
            changes={"active": {"old": unit.active, "new": active}},
            reason=reason_text(reason),
        )
        unit.active = active
    return unit


def _refuse_unconfirmed_accounts(unit: Unit, seen: int) -> None:
    accounts = unit_active_accounts(unit=unit)
    count = accounts.count()
    if count > max(seen, 0):
        raise StateConflict(
            MSG_UNIT_HAS_ACCOUNTS % {"u": unit, "n": count}, code="unit_has_accounts",
            details={"count": count, "accounts": list(accounts.values_list("username", flat=True)[:NAMED_ACCOUNTS])},
        )


def _group_name(group: RankingGroup | None) -> str:
    return group.name if group is not None else str(MSG_NO_GROUP)


def merge_group_change(*, unit: Unit, into: Unit) -> dict[str, str] | None:
    """The ranking groups a merge of `unit` into `into` goes from and to (names, for a message), or None when
    both are ranked in one group."""
    if unit.ranking_group_id == into.ranking_group_id:
        return None
    return {"a": unit.name, "b": into.name, "old": _group_name(unit.ranking_group),
            "new": _group_name(into.ranking_group)}


@transaction.atomic
def unit_merge(
    *, unit: Unit, into: Unit, actor: Any, reason: str = "", group_change_seen: bool | None = None
) -> UnitSuccession:
    """Merge `unit` into `into`: the old unit is deactivated and its people move to the successor; its past
    assessments stay its own (history kept), and the succession is recorded.

    Only into a unit of the same kind (`merge_other_kind`): its people would take roles at a unit scored on another
    kind's set (change the unit's kind first if that is what the decision says). Into another ranking group of the
    kind: its people work for a unit ranked in that group from now on; `group_change_seen` (the units page's
    confirmation): refused (`merge_changes_group`, nothing written) unless True. None: no condition (the API)."""
    if unit.pk == into.pk:
        raise ValidationFailed(_("Hãy chọn hai đơn vị khác nhau."), code="same_unit")
    # both rows locked, as the stop locks them: neither is stopped, merged or has an assessment reopened meanwhile
    active = _lock_units(unit, into)
    unit.active, into.active = active[unit.pk], active[into.pk]
    if not into.active:
        raise ValidationFailed(_("Đơn vị nhận sáp nhập «%(u)s» đã ngừng hoạt động.") % {"u": into})
    # read again under the lock: a kind or group changed meanwhile is the one that counts
    fresh = {pk: (kind, group) for pk, kind, group in Unit.objects.filter(pk__in=(unit.pk, into.pk))
             .values_list("pk", "kind_id", "ranking_group_id")}
    (unit.kind_id, unit.ranking_group_id), (into.kind_id, into.ranking_group_id) = fresh[unit.pk], fresh[into.pk]
    if unit.kind_id != into.kind_id:
        raise ValidationFailed(
            MSG_MERGE_OTHER_KIND % {"a": unit.name, "ka": unit.kind.name, "b": into.name, "kb": into.kind.name},
            code="merge_other_kind",
        )
    if UnitSuccession.objects.filter(predecessor=unit).exists():
        raise ValidationFailed(_("Đơn vị «%(u)s» đã được sáp nhập trước đây.") % {"u": unit}, code="already_merged")
    above = into.parent
    while above is not None:  # into one of its own units: that unit would hang below a unit no longer there
        if above.pk == unit.pk:
            raise ValidationFailed(
                _("Không sáp nhập «%(u)s» vào đơn vị cấp dưới của nó («%(b)s»).") % {"u": unit, "b": into},
                code="merge_into_own_unit",
            )
        above = above.parent
    _refuse_if_busy(unit, MSG_MERGE_BUSY, name_them=True)
    # asked last: the administrator confirms a merge only once nothing else stands in its way
    group_change = merge_group_change(unit=unit, into=into)
    if group_change is not None and group_change_seen is False:
        raise StateConflict(MSG_MERGE_CHANGES_GROUP % group_change, code="merge_changes_group",
                            details={"old": group_change["old"], "new": group_change["new"]})
    succession = UnitSuccession.objects.create(predecessor=unit, successor=into, reason=reason_text(reason))
    # the units below it now hang below its successor
    children = Unit.objects.filter(parent=unit).update(parent=into)
    moved = 0
    taken = sorted({(role.user_id, role.role) for role in RoleAssignment.objects.filter(unit=unit)})
    for role in RoleAssignment.objects.filter(unit=unit):
        if not RoleAssignment.objects.filter(user_id=role.user_id, role=role.role, unit=into).exists():
            RoleAssignment.objects.create(user_id=role.user_id, role=role.role, unit=into)
            moved += 1
    RoleAssignment.objects.filter(unit=unit).delete()
    _revoke_moved_roles_keys(taken, unit=unit, into=into, actor=actor)
    Unit.objects.filter(pk=unit.pk).update(active=False)
    unit.active = False
    audit_record(
        actor=actor,
        action="unit.merge",
        object_type="Unit",
        object_id=unit.pk,
        unit=unit,
        changes={
            "active": {"old": True, "new": False},
            "merged_into": {"old": None, "new": into.code},
            "roles_moved": {"old": 0, "new": moved},
            **({"children_moved": {"old": 0, "new": children}} if children else {}),
            **({"ranking_group": {"old": _group_code(unit), "new": _group_code(into)}} if group_change else {}),
        },
        reason=reason_text(reason),
    )
    return succession


def _revoke_moved_roles_keys(taken: list[tuple[int, str]], *, unit: Unit, into: Unit, actor: Any) -> None:
    """The API keys of the merged unit's people for the roles they held there are revoked (each audited), as when
    a role is removed: a key limited to a role would otherwise act for the successor unit, which it was not issued
    for."""
    from scoring.tokens import api_tokens_revoke_for_role

    for user_id, role in taken:
        api_tokens_revoke_for_role(
            user_id=user_id, role=role, actor=actor,
            reason=_("Đơn vị «%(u)s» sáp nhập vào «%(b)s»: vai trò «%(r)s» tại «%(u)s» của tài khoản đã bỏ.")
            % {"u": unit.code, "b": into.code, "r": RoleAssignment.Role(role).label},
        )


def _group_code(unit: Unit) -> str | None:
    return unit.ranking_group.code if unit.ranking_group is not None else None


def _refuse_same_name(model: Any, name: str, instance: Any = None) -> None:
    """Unit kinds (and ranking groups) are chosen by name in every form: two of one name are refused."""
    same = _same_name(model.objects.all(), name, instance)
    if same is not None:
        raise ValidationFailed(
            _("Tên «%(name)s» đã được dùng cho mã «%(code)s»; hãy đặt tên khác.")
            % {"name": same.name, "code": same.code},
            code="duplicate_name",
        )


def _coded_create(model: Any, *, action: str, code: str, name: str, actor: Any) -> Any:
    """Create a unit kind or a ranking group (both: unique code, name, next order), audited."""
    code, name = visible_text(code, field="code").lower(), visible_text(name, field="name")
    if not code or not name:
        raise ValidationFailed(_("Hãy nhập mã và tên."))
    if model.objects.filter(code=code).exists():
        raise ValidationFailed(_("Mã «%(code)s» đã tồn tại.") % {"code": code})
    _refuse_same_name(model, name)
    order = (model.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    obj = model.objects.create(code=code, name=name, order=order)
    audit_record(
        actor=actor,
        action=action,
        object_type=model.__name__,
        object_id=obj.pk,
        changes={"name": {"old": None, "new": name}},
    )
    return obj


@transaction.atomic
def unit_kind_create(*, code: str, name: str, actor: Any) -> UnitKind:
    kind: UnitKind = _coded_create(UnitKind, action="unit_kind.create", code=code, name=name, actor=actor)
    return kind


@transaction.atomic
def ranking_group_create(*, code: str, name: str, actor: Any) -> RankingGroup:
    group: RankingGroup = _coded_create(RankingGroup, action="ranking_group.create", code=code, name=name, actor=actor)
    return group


def coded_version(obj: UnitKind | RankingGroup) -> str:
    """A unit kind's or a ranking group's version for optimistic concurrency on its rename form, without a version
    column: a digest of its code and name. A colleague's rename changes it."""
    return hashlib.sha256(json.dumps([obj.code, obj.name], ensure_ascii=False).encode()).hexdigest()[:32]


def _coded_rename(
    obj: Any, *, action: str, name: str, actor: Any, expected_version: str | None, changed: Any
) -> Any:
    """Rename a unit kind or a ranking group, audited. The code stays: import files and the API name them by it.

    `expected_version` (the units page's rename form): the `coded_version` the new name was typed against; refused
    (`stale`, nothing written) when it was renamed since, or when it is empty. None: no condition."""
    if expected_version is not None:
        obj = locked_at_version(
            type(obj).objects.all(), obj.pk, expected=expected_version, version_of=coded_version,
            missing=MSG_CODED_VERSION_MISSING, changed=changed,
        )
    name = visible_text(name, field="name")
    if not name:
        raise ValidationFailed(_("Hãy nhập tên."), code="name_required")
    if len(name) > 200:
        raise ValidationFailed(_("Tên dài quá 200 ký tự."), code="name_too_long")
    old = obj.name
    if name == old:
        return obj
    _refuse_same_name(type(obj), name, obj)
    type(obj).objects.filter(pk=obj.pk).update(name=name)
    obj.name = name
    audit_record(actor=actor, action=action, object_type=type(obj).__name__, object_id=obj.pk,
                 changes={"name": {"old": old, "new": name}})
    return obj


@transaction.atomic
def unit_kind_rename(*, kind: UnitKind, name: str, actor: Any, expected_version: str | None = None) -> UnitKind:
    renamed: UnitKind = _coded_rename(kind, action="unit_kind.rename", name=name, actor=actor,
                                      expected_version=expected_version, changed=MSG_KIND_RENAMED_ELSEWHERE)
    return renamed


@transaction.atomic
def ranking_group_rename(
    *, group: RankingGroup, name: str, actor: Any, expected_version: str | None = None
) -> RankingGroup:
    renamed: RankingGroup = _coded_rename(group, action="ranking_group.rename", name=name, actor=actor,
                                          expected_version=expected_version, changed=MSG_GROUP_RENAMED_ELSEWHERE)
    return renamed
