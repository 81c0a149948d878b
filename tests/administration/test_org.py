"""Units (merge with history kept), cycles (deadlines, phases, one unit's extension), users and roles, the Excel
imports of units and users, and the audit selector."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from scoring.administration import selectors, services
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, RoleAssignment, Unit, UnitKind, UnitSuccession

pytestmark = pytest.mark.django_db


def _when(day: int) -> dt.datetime:
    return dt.datetime(2021, 3, day, 23, 59, tzinfo=timezone.get_current_timezone())


def test_a_unit_is_created_renamed_and_audited(catalogue: Any, admin_user: Any) -> None:
    kind = UnitKind.objects.get(code="district")
    unit = services.unit_create(data={"code": "xa-moi", "name": "Xã Mới", "kind": kind}, actor=admin_user)
    services.unit_update(unit=unit, data={"code": "xa-moi", "name": "Phường Mới", "kind": kind}, actor=admin_user)
    unit.refresh_from_db()
    assert unit.name == "Phường Mới"
    entry = AuditEntry.objects.get(action="unit.update", object_id=str(unit.pk))
    assert entry.changes["name"] == {"old": "Xã Mới", "new": "Phường Mới"}
    with pytest.raises(ValidationFailed, match="đã tồn tại"):
        services.unit_create(data={"code": "xa-moi", "name": "Trùng", "kind": kind}, actor=admin_user)


def test_a_unit_cannot_be_its_own_parent(catalogue: Any, admin_user: Any) -> None:
    unit = Unit.objects.get(code="so-y-te")
    with pytest.raises(ValidationFailed, match="chính nó"):
        services.unit_update(
            unit=unit, data={"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit}, actor=admin_user
        )


def test_merging_deactivates_the_unit_moves_its_people_and_keeps_its_assessments(
    assessment: Assessment, unit_editor: Any, admin_user: Any
) -> None:
    old, into = Unit.objects.get(code="so-y-te"), Unit.objects.get(code="so-noi-vu")
    # published: every assessment signed off (one reopened since is under way again: see
    # test_unit_stop_reopened_in_published_cycle.py)
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SIGNED_OFF)
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    services.unit_merge(unit=old, into=into, reason="Nghị quyết sáp nhập 2025", actor=admin_user)
    old.refresh_from_db()
    assert not old.active
    assert UnitSuccession.objects.get(predecessor=old).successor == into
    assert Assessment.objects.filter(unit=old).count() == 1  # history kept
    assert RoleAssignment.objects.filter(user=unit_editor, unit=into, role="unit_editor").exists()
    assert not RoleAssignment.objects.filter(unit=old).exists()
    assert AuditEntry.objects.filter(action="unit.merge", unit=old).exists()
    with pytest.raises(ValidationFailed, match="đã được sáp nhập"):
        services.unit_merge(unit=old, into=Unit.objects.get(code="so-tai-chinh"), actor=admin_user)


def test_a_unit_with_an_assessment_in_progress_is_not_merged(assessment: Assessment, admin_user: Any) -> None:
    with pytest.raises(StateConflict, match="đang thực hiện"):
        services.unit_merge(unit=assessment.unit, into=Unit.objects.get(code="so-noi-vu"), actor=admin_user)
    assessment.unit.refresh_from_db()
    assert assessment.unit.active


def test_a_unit_under_assessment_is_neither_stopped_nor_given_another_kind(
    assessment: Assessment, admin_user: Any
) -> None:
    """As for a merge: its people are scoring it on its kind's set."""
    unit = assessment.unit
    entries = AuditEntry.objects.count()
    with pytest.raises(StateConflict, match="đang thực hiện") as refused:
        services.unit_set_active(unit=unit, active=False, reason="Giải thể", actor=admin_user)
    assert refused.value.code == "unit_busy"
    other_kind = UnitKind.objects.exclude(pk=unit.kind_id).first()
    with pytest.raises(StateConflict, match="đổi loại đơn vị"):
        services.unit_update(unit=unit, data={"code": unit.code, "name": unit.name, "kind": other_kind},
                             actor=admin_user)
    # a rename is fine meanwhile
    services.unit_update(unit=unit, data={"code": unit.code, "name": f"{unit.name} (mới)", "kind": unit.kind},
                         actor=admin_user)
    unit.refresh_from_db()
    assert unit.active and unit.kind_id != other_kind.pk and AuditEntry.objects.count() == entries + 1
    # once its assessment is signed off and the cycle published, it may stop, with a reason
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SIGNED_OFF)
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    with pytest.raises(ValidationFailed, match="lý do"):
        services.unit_set_active(unit=unit, active=False, reason=" ", actor=admin_user)
    services.unit_set_active(unit=unit, active=False, reason="Giải thể theo Nghị quyết", actor=admin_user)
    unit.refresh_from_db()
    assert not unit.active


def test_a_merged_unit_does_not_start_again_and_its_units_move_to_its_successor(
    catalogue: Any, admin_user: Any
) -> None:
    kind = UnitKind.objects.get(code="district")
    old = services.unit_create(data={"code": "huyen-cu", "name": "Huyện Cũ", "kind": kind}, actor=admin_user)
    into = services.unit_create(data={"code": "huyen-moi", "name": "Huyện Mới", "kind": kind}, actor=admin_user)
    below = services.unit_create(data={"code": "xa-a", "name": "Xã A", "kind": kind, "parent": old},
                                 actor=admin_user)
    with pytest.raises(ValidationFailed, match="cấp dưới") as refused:  # into its own unit
        services.unit_merge(unit=old, into=below, reason="NQ 1", actor=admin_user)
    assert refused.value.code == "merge_into_own_unit"
    services.unit_merge(unit=old, into=into, reason="NQ 1", actor=admin_user)
    below.refresh_from_db()
    assert below.parent_id == into.pk
    assert AuditEntry.objects.get(action="unit.merge").changes["children_moved"] == {"old": 0, "new": 1}
    old.refresh_from_db()
    with pytest.raises(StateConflict, match="đã sáp nhập vào «Huyện Mới»"):
        services.unit_set_active(unit=old, active=True, actor=admin_user)
    old.refresh_from_db()
    assert not old.active


def test_a_cycle_needs_valid_sets_of_its_year(small_set: Any, admin_user: Any) -> None:
    kind = UnitKind.objects.get(code="department")
    with pytest.raises(ValidationFailed, match="2021"):
        services.cycle_open(year=2021, name="Kỳ 2021", sets={kind: small_set}, deadlines={}, actor=admin_user)
    cycle = services.cycle_open(
        year=2020,
        name="Kỳ 2020",
        sets={kind: small_set},
        actor=admin_user,
        deadlines={"self_assessment_deadline": _when(15)},
    )
    assert cycle.cycle_sets.get().indicator_set == small_set
    assert services.set_is_frozen(small_set)


def test_deadlines_must_follow_the_phases(cycle: Cycle, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed, match="thứ tự"):
        services.cycle_update_deadlines(
            cycle=cycle,
            actor=admin_user,
            deadlines={"self_assessment_deadline": _when(20), "appraisal_deadline": _when(10)},
        )
    services.cycle_update_deadlines(
        cycle=cycle,
        actor=admin_user,
        deadlines={"self_assessment_deadline": _when(10), "appraisal_deadline": _when(20)},
    )
    cycle.refresh_from_db()
    assert cycle.appraisal_deadline == _when(20)
    assert AuditEntry.objects.filter(action="cycle.deadlines", object_id=str(cycle.pk)).exists()


def test_one_unit_gets_its_own_deadline_with_a_reason(assessment: Assessment, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed, match="lý do"):
        services.assessment_extend_deadline(assessment=assessment, deadline=_when(30), reason=" ", actor=admin_user)
    services.assessment_extend_deadline(assessment=assessment, deadline=_when(30), reason="Mất điện", actor=admin_user,
                                        confirmed=True)  # a past date: confirmed
    assessment.refresh_from_db()
    assert assessment.deadline_override == _when(30)
    entry = AuditEntry.objects.get(action="assessment.extend_deadline")
    assert (entry.unit_id, entry.reason) == (assessment.unit_id, "Mất điện")


def test_a_user_is_created_with_a_unit_role_and_deactivated(catalogue: Any, admin_user: Any) -> None:
    unit = Unit.objects.get(code="so-y-te")
    with pytest.raises(ValidationFailed, match="đơn vị"):
        services.user_create(
            username="mai",
            full_name="Trần Thị Mai",
            email="",
            password="x-Secret-2021!",
            role="unit_editor",
            unit=None,
            actor=admin_user,
        )
    user = services.user_create(
        username="mai",
        full_name="Trần Thị Mai",
        email="mai@example.vn",
        password="x-Secret-2021!",
        role="unit_editor",
        unit=unit,
        actor=admin_user,
    )
    assert (user.first_name, user.last_name) == ("Trần Thị", "Mai")
    assert RoleAssignment.objects.get(user=user).unit == unit
    services.user_set_active(user=user, active=False, actor=admin_user)
    user.refresh_from_db()
    assert not user.is_active
    with pytest.raises(ValidationFailed, match=r"mật khẩu|password|ngắn|quá"):
        services.user_create(
            username="yen", full_name="Yến", email="", password="123", role="administrator", unit=None, actor=admin_user
        )


def test_an_administrator_cannot_lock_or_demote_themself(admin_user: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.user_set_active(user=admin_user, active=False, actor=admin_user)
    with pytest.raises(ValidationFailed):
        services.role_remove(assignment=RoleAssignment.objects.get(user=admin_user), actor=admin_user)


def test_roles_are_assigned_once_and_removed(unit_editor: Any, admin_user: Any) -> None:
    head = services.role_assign(
        user=unit_editor, role="unit_head", unit=Unit.objects.get(code="so-y-te"), actor=admin_user
    )
    with pytest.raises(ValidationFailed, match="đã có"):
        services.role_assign(user=unit_editor, role="unit_head", unit=head.unit, actor=admin_user)
    services.role_remove(assignment=head, actor=admin_user)
    assert list(RoleAssignment.objects.filter(user=unit_editor).values_list("role", flat=True)) == ["unit_editor"]


def test_units_import_writes_all_rows_or_none(catalogue: Any, admin_user: Any) -> None:
    before = Unit.objects.count()
    rows = [
        {"row": 2, "code": "xa-a", "name": "Xã A", "kind": "district", "group": "huyen-cum-1", "parent": ""},
        {"row": 3, "code": "xa-b", "name": "Xã B", "kind": "commune", "group": "", "parent": "xa-a"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.units_import(rows=rows, actor=admin_user)
    ((row, (message,)),) = [(d["row"], d["messages"]) for d in refused.value.details]
    assert row == 3 and message.startswith("Loại đơn vị «commune» không tồn tại. Các loại đơn vị hiện có: ")
    assert Unit.objects.count() == before
    rows[1]["kind"] = "district"
    assert services.units_import(rows=rows, actor=admin_user) == 2
    assert Unit.objects.get(code="xa-b").parent.code == "xa-a"


def test_users_import_writes_all_rows_or_none(catalogue: Any, admin_user: Any) -> None:
    rows = [
        {
            "row": 2,
            "username": "an",
            "full_name": "Lê An",
            "password": "x-Secret-2021!",
            "role": "unit_head",
            "unit": "so-y-te",
        },
        {
            "row": 3,
            "username": "AN",
            "full_name": "Lê An",
            "password": "y-Other-2021!",  # the same new account's second role, with another password: refused
            "role": "appraiser",
            "unit": "",
        },
        {
            "row": 4,
            "username": "binh",
            "full_name": "Bình",
            "password": "x-Secret-2021!",
            "role": "chief",
            "unit": "khong-co",
        },
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.users_import(rows=rows, actor=admin_user)
    assert [d["row"] for d in refused.value.details] == [3, 4]
    assert not get_user_model().objects.filter(username__in=["an", "binh"]).exists()
    assert services.users_import(rows=rows[:1], actor=admin_user) == 1


def test_the_audit_selector_filters_by_user_unit_object_and_date(assessment: Assessment, admin_user: Any) -> None:
    services.assessment_extend_deadline(assessment=assessment, deadline=_when(30), reason="Gia hạn", actor=admin_user,
                                        confirmed=True)
    by_actor = selectors.audit_entries(actor_id=admin_user.pk)
    assert [e.action for e in by_actor] == ["assessment.extend_deadline"]
    assert selectors.audit_entries(unit_id=assessment.unit_id, object_type="Assessment").count() == 2
    today = timezone.localdate()
    assert selectors.audit_entries(date_from=today, date_to=today).count() == AuditEntry.objects.count()
    assert not selectors.audit_entries(date_to=today - dt.timedelta(days=1)).exists()
    assert selectors.audit_entries(object_type="Assessment", object_id=str(assessment.pk)).count() == 2


def test_a_formula_cell_in_a_unit_import_is_a_row_error(catalogue: Any, admin_user: Any) -> None:
    from scoring.administration.xlsx import Formula

    rows = [{"row": 2, "code": "xa-c", "name": Formula("=CONCAT(A1)"), "kind": "district"}]
    with pytest.raises(ValidationFailed) as refused:
        services.units_import(rows=rows, actor=admin_user)
    assert "công thức" in refused.value.details[0]["messages"][0]
    assert not Unit.objects.filter(code="xa-c").exists()


def test_the_unit_page_lists_its_head_and_editors(client: Any, unit_editor: Any, unit_head: Any,
                                                  admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get(f"/quan-ly/don-vi/{Unit.objects.get(code='so-y-te').pk}/").content.decode()
    assert "(lan) — Chuyên viên đơn vị" in page and "(hung) — Thủ trưởng đơn vị" in page
