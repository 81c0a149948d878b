"""Administrator writes over the API (units, indicator sets and their tree, cycles) through the administration
services, and the filters of the list endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    CycleSet,
    Indicator,
    IndicatorSet,
    Publication,
    Unit,
    UnitSuccession,
)
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db

NON_ADMINS = ["unit_editor", "unit_head", "appraiser", "lead"]
NEW_UNIT = {
    "code": "so-moi", "name": "Sở Khoa học mới", "short_name": "SKHM", "kind": "department",
    "ranking_group": "so-ban-nganh", "parent": None,
}


@pytest.fixture
def admin_api(api: APIClient, admin_user: Any) -> APIClient:
    api.force_login(admin_user)
    return api


@pytest.fixture
def draft(admin_api: APIClient, small_set: Any) -> IndicatorSet:
    """A 2021 draft cloned from the (frozen, in use) 2020 set."""
    response = admin_api.post(
        f"/api/v1/indicator-sets/{small_set.key}/clone/", {"key": "test-set-2021", "year": 2021}, format="json"
    )
    assert response.status_code == 201, response.json()
    return IndicatorSet.objects.get(key="test-set-2021")


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- units ---------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_unit_with_its_audit_record(admin_api: APIClient, admin_user: Any) -> None:
    response = admin_api.post("/api/v1/units/", NEW_UNIT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["kind"], body["ranking_group"], body["active"]) == (
        "so-moi", "department", "so-ban-nganh", True
    )
    entry = AuditEntry.objects.get(action="unit.create", object_id=str(body["id"]))
    assert entry.actor_id == admin_user.pk


@pytest.mark.parametrize("who", NON_ADMINS)
def test_nobody_else_creates_a_unit(api: APIClient, request: Any, who: str) -> None:
    api.force_login(request.getfixturevalue(who))
    response = api.post("/api/v1/units/", NEW_UNIT, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Unit.objects.filter(code="so-moi").exists()


def test_an_anonymous_write_is_a_401(api: APIClient, catalogue: Any) -> None:
    response = api.post("/api/v1/units/", NEW_UNIT, format="json")
    assert response.status_code == 401
    assert not Unit.objects.filter(code="so-moi").exists()


def test_an_invalid_unit_gets_vietnamese_field_errors_and_changes_nothing(admin_api: APIClient) -> None:
    before = (Unit.objects.count(), audit_count())
    response = admin_api.post("/api/v1/units/", {"code": "Sở mới!", "kind": "planet", "parent": 7}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "Dữ liệu không hợp lệ; xem lỗi từng trường."
    assert body["fields"]["name"] == ["Trường này là bắt buộc."]
    assert body["fields"]["kind"] == ["Không có «planet»."]
    assert body["fields"]["code"] == ["Chỉ dùng chữ không dấu, chữ số, gạch dưới hoặc gạch nối."]
    assert "parent" in body["fields"]
    assert (Unit.objects.count(), audit_count()) == before


def test_a_duplicate_unit_code_is_refused_by_the_service_under_its_field(admin_api: APIClient) -> None:
    before = audit_count()
    response = admin_api.post("/api/v1/units/", {**NEW_UNIT, "code": "so-y-te"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_unit"
    assert body["fields"] == {"code": ["Mã đơn vị «so-y-te» đã tồn tại."]}
    assert Unit.objects.get(code="so-y-te").name == "Sở Y tế"
    assert audit_count() == before


def test_renaming_a_unit_keeps_the_fields_not_sent(admin_api: APIClient) -> None:
    before = Unit.objects.select_related("kind", "ranking_group").get(code="so-y-te")
    response = admin_api.patch("/api/v1/units/so-y-te/", {"name": "Sở Y tế tỉnh Tiền Giang"}, format="json")
    assert response.status_code == 200, response.json()
    unit = Unit.objects.select_related("kind", "ranking_group").get(pk=before.pk)
    assert unit.name == "Sở Y tế tỉnh Tiền Giang"
    assert (unit.code, unit.short_name, unit.kind_id, unit.ranking_group_id) == (
        before.code, before.short_name, before.kind_id, before.ranking_group_id
    )
    entry = AuditEntry.objects.get(action="unit.update", object_id=str(unit.pk))
    assert entry.changes == {"name": {"old": "Sở Y tế", "new": "Sở Y tế tỉnh Tiền Giang"}}


@pytest.mark.parametrize("who", NON_ADMINS)
def test_nobody_else_renames_deactivates_or_merges_a_unit(api: APIClient, request: Any, who: str) -> None:
    api.force_login(request.getfixturevalue(who))
    assert api.get("/api/v1/units/so-y-te/").status_code == 200
    assert api.patch("/api/v1/units/so-y-te/", {"name": "X"}, format="json").status_code == 403
    assert api.post("/api/v1/units/so-y-te/deactivate/", {}, format="json").status_code == 403
    assert api.post("/api/v1/units/so-y-te/merge/", {"into": "so-noi-vu", "reason": "x"}, format="json").status_code \
        == 403
    unit = Unit.objects.get(code="so-y-te")
    assert (unit.name, unit.active) == ("Sở Y tế", True)


def test_a_unit_created_or_renamed_with_a_stopped_units_name_is_saved_and_the_answer_names_that_unit(
    admin_api: APIClient,
) -> None:
    # given the Sở Y tế stopped
    assert admin_api.post("/api/v1/units/so-y-te/deactivate/", {"reason": "Giải thể"}, format="json").status_code \
        == 200
    stopped = Unit.objects.get(code="so-y-te")
    # when a unit is renamed to its name, then (renamed again) a new unit takes it (extra spaces, other case)
    renamed = admin_api.patch("/api/v1/units/so-noi-vu/", {"name": stopped.name}, format="json")
    other = admin_api.patch("/api/v1/units/so-noi-vu/", {"name": "Sở Nội vụ tỉnh"}, format="json")
    created = admin_api.post("/api/v1/units/", {**NEW_UNIT, "name": "  sở  y TẾ "}, format="json")
    # then both are saved, and each answer names the stopped unit
    assert renamed.status_code == 200, renamed.json()
    assert created.status_code == 201, created.json()
    for response in (renamed, created):
        assert response.json()["namesake_stopped"] == {"code": "so-y-te", "name": stopped.name}
    # while a name no stopped unit has gets null
    assert other.status_code == 200 and other.json()["namesake_stopped"] is None


def test_deactivating_and_reactivating_a_unit(admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/units/so-y-te/deactivate/", {"reason": "Giải thể"}, format="json")
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert not Unit.objects.get(code="so-y-te").active
    entry = AuditEntry.objects.get(action="unit.deactivate")
    assert entry.reason == "Giải thể"
    assert admin_api.post("/api/v1/units/so-y-te/activate/", {}, format="json").json()["active"] is True


def test_an_unknown_unit_is_a_404(admin_api: APIClient) -> None:
    assert admin_api.patch("/api/v1/units/khong-co/", {"name": "X"}, format="json").status_code == 404


def test_merging_a_unit_moves_its_people_and_keeps_its_history(admin_api: APIClient, unit_editor: Any) -> None:
    response = admin_api.post(
        "/api/v1/units/so-y-te/merge/", {"into": "so-noi-vu", "reason": "Quyết định 1/QĐ-UBND"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["active"] is False
    succession = UnitSuccession.objects.get(predecessor__code="so-y-te")
    assert succession.successor.code == "so-noi-vu"
    assert unit_editor.roles.get().unit.code == "so-noi-vu"


def test_merging_a_unit_into_itself_is_a_field_error(admin_api: APIClient) -> None:
    before = audit_count()
    response = admin_api.post("/api/v1/units/so-y-te/merge/", {"into": "so-y-te", "reason": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"into": ["Hãy chọn hai đơn vị khác nhau."]}
    assert Unit.objects.get(code="so-y-te").active
    assert not UnitSuccession.objects.exists()
    assert audit_count() == before


def test_a_unit_with_an_open_assessment_cannot_be_merged(admin_api: APIClient, assessment: Any) -> None:
    response = admin_api.post("/api/v1/units/so-y-te/merge/", {"into": "so-noi-vu", "reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "unit_busy"
    assert Unit.objects.get(code="so-y-te").active


# --- indicator sets --------------------------------------------------------------------------------------


def test_an_administrator_creates_a_set_from_the_set_file_format_always_as_a_draft(admin_api: APIClient) -> None:
    data = small_set_data(key="api-set", year=2022, status="active")
    response = admin_api.post("/api/v1/indicator-sets/", data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    leaves = [n["code"] for n in body["indicators"] if n["is_leaf"]]
    assert leaves == ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "2.1.1", "2.1.2", "2.2.1", "2.3.1"]
    assert AuditEntry.objects.filter(action="indicator_set.import", object_id=str(body["id"])).exists()


def test_a_set_without_indicators_is_an_empty_draft_for_the_tree_editor(admin_api: APIClient) -> None:
    response = admin_api.post(
        "/api/v1/indicator-sets/",
        {"key": "trong", "year": 2022, "unit_kind": "district", "name": "Bộ chỉ số cấp huyện"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["indicators"] == []
    assert IndicatorSet.objects.get(key="trong").status == "draft"


def test_an_invalid_tree_is_refused_with_its_problems_and_nothing_is_written(admin_api: APIClient) -> None:
    data = small_set_data(key="api-bad", year=2022)
    data["indicators"][0]["children"][0]["children"][0]["method"] = "guess"
    before = (IndicatorSet.objects.count(), Indicator.objects.count(), audit_count())
    response = admin_api.post("/api/v1/indicator-sets/", data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_set"
    assert any(p.startswith("1.1.1:") for p in body["problems"])
    assert (IndicatorSet.objects.count(), Indicator.objects.count(), audit_count()) == before


def test_set_creation_field_errors(admin_api: APIClient, small_set: Any) -> None:
    response = admin_api.post(
        "/api/v1/indicator-sets/",
        {"key": "test-set", "year": 1999, "unit_kind": "department", "name": "X", "standard_max": "nhiều"},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["year"] == ["Giá trị phải lớn hơn hoặc bằng 2000."]
    assert fields["standard_max"] == ["Hãy nhập một số."]
    duplicate = admin_api.post(
        "/api/v1/indicator-sets/", {"key": "test-set", "year": 2022, "unit_kind": "department", "name": "X"},
        format="json",
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"] == {"key": ["Bộ chỉ số mã «test-set» đã tồn tại."]}


@pytest.mark.parametrize(("change", "expected"), [
    ({"children": "x"}, "children phải là danh sách"),
    ({"children": [1, 2]}, "phải là một đối tượng"),
    ({"max_points": "10.005"}, "tối đa 2 chữ số thập phân"),
    ({"max_points": "1e9"}, "nhỏ hơn 100.000"),
])
def test_a_set_file_of_the_wrong_shape_is_a_400_not_a_server_error(
    admin_api: APIClient, catalogue: Any, change: dict[str, Any], expected: str
) -> None:
    data = small_set_data(key="hinh-dang", year=2022)
    data["indicators"][0].update(change)
    before = (IndicatorSet.objects.count(), Indicator.objects.count(), audit_count())
    response = admin_api.post("/api/v1/indicator-sets/", data, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "invalid_set" and any(expected in p for p in response.json()["problems"])
    assert (IndicatorSet.objects.count(), Indicator.objects.count(), audit_count()) == before


def test_a_set_version_past_a_thousand_is_refused(admin_api: APIClient, catalogue: Any) -> None:
    for data in ({"key": "v", "year": 2022, "unit_kind": "department", "name": "X", "version": 99999999999999},
                 {**small_set_data(key="v2", year=2022), "version": 1001}):
        response = admin_api.post("/api/v1/indicator-sets/", data, format="json")
        assert response.status_code == 400 and "version" in response.json()["fields"], response.json()
    assert not IndicatorSet.objects.filter(key__in=["v", "v2"]).exists()


def test_a_refused_value_is_named_on_its_field(admin_api: APIClient, small_set: Any, cycle: Any) -> None:
    cap = admin_api.post("/api/v1/indicator-sets/", {"key": "cap", "year": 2022, "unit_kind": "department",
                                                    "name": "X", "bonus_cap": "-1"}, format="json")
    assert cap.status_code == 400 and list(cap.json()["fields"]) == ["bonus_cap"], cap.json()
    early = admin_api.patch("/api/v1/cycles/2020/", {"appraisal_deadline": "2019-06-30"}, format="json")
    assert early.status_code == 400 and list(early.json()["fields"]) == ["appraisal_deadline"], early.json()
    other_year = admin_api.post("/api/v1/cycles/", {"year": 2099, "name": "X", "indicator_sets": ["test-set"]},
                                format="json")
    assert other_year.status_code == 400 and list(other_year.json()["fields"]) == ["indicator_sets"]


def test_a_new_criterion_without_a_method_is_asked_for_one(admin_api: APIClient, draft: IndicatorSet) -> None:
    response = admin_api.post(f"/api/v1/indicator-sets/{draft.key}/indicators/",
                              {"code": "9", "name": "Lĩnh vực mới", "max_points": "1"}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "method_required" and list(response.json()["fields"]) == ["method"]
    assert "«—»" not in response.json()["message"]
    assert not draft.indicators.filter(code="9").exists()


def test_errors_inside_a_list_are_messages_not_python_text(admin_api: APIClient, small_set: Any) -> None:
    response = admin_api.post("/api/v1/cycles/", {"year": 2099, "name": "X", "indicator_sets": ["test-set", "nope"]},
                              format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["indicator_sets"] == ["#2: Không có «nope»."]


@pytest.mark.parametrize("who", NON_ADMINS)
def test_nobody_else_writes_sets(api: APIClient, request: Any, who: str, draft: IndicatorSet) -> None:
    nodes = draft.indicators.count()
    api.force_login(request.getfixturevalue(who))
    base = f"/api/v1/indicator-sets/{draft.key}"
    assert api.post("/api/v1/indicator-sets/", small_set_data(key="x", year=2022), format="json").status_code == 403
    assert api.patch(f"{base}/", {"name": "X"}, format="json").status_code == 403
    assert api.delete(f"{base}/").status_code == 403
    assert api.post(f"{base}/clone/", {"key": "y", "year": 2022}, format="json").status_code == 403
    assert api.post(f"{base}/activate/", {"cycle": 2020}, format="json").status_code == 403
    assert api.post(f"{base}/indicators/", {"code": "3", "name": "X", "max_points": "1"}, format="json").status_code \
        == 403
    assert api.patch(f"{base}/indicators/1.1.1/", {"name": "X"}, format="json").status_code == 403
    assert api.delete(f"{base}/indicators/1.1.1/").status_code == 403
    assert api.post(f"{base}/indicators/1.1.1/move/", {"direction": "down"}, format="json").status_code == 403
    draft.refresh_from_db()
    assert draft.name == "Bộ chỉ số thử nghiệm"
    assert draft.indicators.count() == nodes
    assert IndicatorSet.objects.count() == 2


def test_cloning_copies_the_whole_tree_into_a_new_draft(draft: IndicatorSet, small_set: Any) -> None:
    assert draft.status == "draft"
    assert draft.year == 2021
    assert sorted(draft.indicators.values_list("code", flat=True)) == sorted(
        small_set.indicators.values_list("code", flat=True)
    )
    assert AuditEntry.objects.filter(action="indicator_set.clone", object_id=str(draft.pk)).exists()


def test_editing_a_draft_keeps_the_fields_not_sent(admin_api: APIClient, draft: IndicatorSet) -> None:
    response = admin_api.patch(
        f"/api/v1/indicator-sets/{draft.key}/", {"decision_ref": "12/QĐ-UBND ngày 1/3/2021"}, format="json"
    )
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert (draft.decision_ref, draft.name, str(draft.standard_max)) == (
        "12/QĐ-UBND ngày 1/3/2021", "Bộ chỉ số thử nghiệm", "10.00"
    )


def test_a_set_in_use_is_frozen(admin_api: APIClient, cycle: Any, small_set: Any) -> None:
    before = audit_count()
    response = admin_api.patch(f"/api/v1/indicator-sets/{small_set.key}/", {"name": "Đổi tên"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "set_frozen"
    node = admin_api.patch(f"/api/v1/indicator-sets/{small_set.key}/indicators/1.1.1/", {"name": "X"}, format="json")
    assert node.status_code == 409
    assert admin_api.delete(f"/api/v1/indicator-sets/{small_set.key}/").status_code == 409
    small_set.refresh_from_db()
    assert small_set.name == "Bộ chỉ số thử nghiệm"
    assert audit_count() == before


def test_a_draft_nothing_uses_can_be_deleted(admin_api: APIClient, draft: IndicatorSet) -> None:
    assert admin_api.delete(f"/api/v1/indicator-sets/{draft.key}/").status_code == 204
    assert not IndicatorSet.objects.filter(key=draft.key).exists()


def test_nodes_are_added_edited_moved_and_deleted_in_a_draft(admin_api: APIClient, draft: IndicatorSet) -> None:
    base = f"/api/v1/indicator-sets/{draft.key}/indicators"
    added = admin_api.post(
        f"{base}/",
        {"parent": "1.2", "code": "1.2.4", "name": "Tiêu chí mới", "max_points": "0.5", "method": "yes_no"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert (added.json()["parent"], added.json()["level"], added.json()["is_leaf"]) == ("1.2", 3, True)
    edited = admin_api.patch(f"{base}/1.2.4/", {"name": "Tiêu chí đã sửa"}, format="json")
    assert edited.status_code == 200, edited.json()
    node = Indicator.objects.get(indicator_set=draft, code="1.2.4")
    assert (node.name, node.method, str(node.max_points)) == ("Tiêu chí đã sửa", "yes_no", "0.50")
    moved = admin_api.post(f"{base}/1.2.4/move/", {"direction": "up"}, format="json")
    assert moved.status_code == 200
    siblings = list(draft.indicators.filter(parent__code="1.2").order_by("order").values_list("code", flat=True))
    assert siblings == ["1.2.1", "1.2.2", "1.2.4", "1.2.3"]
    assert admin_api.post(f"{base}/1.2.4/move/", {"parent": None}, format="json").json()["level"] == 1
    assert admin_api.delete(f"{base}/1.2.4/").status_code == 204
    assert not draft.indicators.filter(code="1.2.4").exists()
    actions = set(AuditEntry.objects.filter(object_type="Indicator").values_list("action", flat=True))
    assert {"indicator.create", "indicator.update", "indicator.move", "indicator.reparent", "indicator.delete"} <= (
        actions
    )


def test_node_errors_are_field_errors_and_change_nothing(admin_api: APIClient, draft: IndicatorSet) -> None:
    base = f"/api/v1/indicator-sets/{draft.key}/indicators"
    before = (draft.indicators.count(), audit_count())
    duplicate = admin_api.post(f"{base}/", {"code": "1.1.1", "name": "Trùng", "max_points": "1"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"] == {"code": ["Mã «1.1.1» đã có trong bộ chỉ số."]}
    no_parent = admin_api.post(f"{base}/", {"parent": "9.9", "code": "9.9.1", "name": "X", "max_points": "1"},
                               format="json")
    assert no_parent.status_code == 400
    assert "parent" in no_parent.json()["fields"]
    bad_step = admin_api.patch(f"{base}/1.2.3/", {"params": {"step": "abc"}}, format="json")
    assert bad_step.status_code == 400
    loop = admin_api.post(f"{base}/1/move/", {"parent": "1.1"}, format="json")
    assert loop.status_code == 400
    assert loop.json()["code"] == "tree_cycle"
    assert "parent" in loop.json()["fields"]
    neither = admin_api.post(f"{base}/1/move/", {}, format="json")
    assert neither.status_code == 400
    assert "direction" in neither.json()["fields"]
    assert (draft.indicators.count(), audit_count()) == before
    assert Indicator.objects.get(indicator_set=draft, code="1.2.3").params == {"step": "0.25"}


def test_activating_a_set_for_a_cycle_freezes_it(admin_api: APIClient, draft: IndicatorSet) -> None:
    assert admin_api.post("/api/v1/cycles/", {"year": 2021, "name": "Kỳ 2021"}, format="json").status_code == 201
    response = admin_api.post(f"/api/v1/indicator-sets/{draft.key}/activate/", {"cycle": 2021}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    assert CycleSet.objects.filter(cycle__year=2021, indicator_set=draft).exists()
    frozen = admin_api.patch(f"/api/v1/indicator-sets/{draft.key}/", {"name": "X"}, format="json")
    assert frozen.status_code == 409


def test_a_set_cannot_be_activated_for_another_years_cycle(
    admin_api: APIClient, draft: IndicatorSet, cycle: Any
) -> None:
    response = admin_api.post(f"/api/v1/indicator-sets/{draft.key}/activate/", {"cycle": 2020}, format="json")
    assert response.status_code == 400
    assert "2021" in response.json()["message"]
    draft.refresh_from_db()
    assert draft.status == "draft"
    unknown = admin_api.post(f"/api/v1/indicator-sets/{draft.key}/activate/", {"cycle": 1990}, format="json")
    assert unknown.json()["fields"] == {"cycle": ["Không có «1990»."]}


# --- cycles ----------------------------------------------------------------------------------------------


def test_an_administrator_opens_a_cycle_with_a_set_per_unit_kind(admin_api: APIClient, draft: IndicatorSet) -> None:
    response = admin_api.post(
        "/api/v1/cycles/",
        {"year": 2021, "name": "Chỉ số CCHC năm 2021", "indicator_sets": [draft.key],
         "self_assessment_deadline": "2021-12-15", "appraisal_deadline": "2022-01-15T17:00:00+07:00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    cycle = Cycle.objects.get(year=2021)
    local = timezone.localtime(cycle.self_assessment_deadline)
    assert (local.date(), local.hour, local.minute) == (date(2021, 12, 15), 23, 59)
    assert timezone.localtime(cycle.appraisal_deadline).hour == 17
    assert CycleSet.objects.get(cycle=cycle).indicator_set == draft
    draft.refresh_from_db()
    assert draft.status == "active"
    assert AuditEntry.objects.filter(action="cycle.create", object_id=str(cycle.pk)).exists()


def test_cycle_creation_errors(admin_api: APIClient, cycle: Any, small_set: Any, draft: IndicatorSet) -> None:
    duplicate = admin_api.post("/api/v1/cycles/", {"year": 2020, "name": "Lại 2020"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"] == {"year": ["Đã có kỳ đánh giá năm 2020."]}
    wrong_year = admin_api.post(
        "/api/v1/cycles/", {"year": 2022, "name": "2022", "indicator_sets": [draft.key]}, format="json"
    )
    assert wrong_year.status_code == 400
    two_for_a_kind = admin_api.post(
        "/api/v1/cycles/", {"year": 2021, "name": "2021", "indicator_sets": [draft.key, small_set.key]},
        format="json",
    )
    assert two_for_a_kind.status_code == 400
    assert "indicator_sets" in two_for_a_kind.json()["fields"]
    bad_date = admin_api.post(
        "/api/v1/cycles/", {"year": 2021, "name": "2021", "self_assessment_deadline": "31/12"}, format="json"
    )
    assert bad_date.json()["fields"] == {
        "self_assessment_deadline": ["Hạn phải là ngày (yyyy-mm-dd) hoặc thời điểm theo ISO 8601."]
    }
    assert list(Cycle.objects.values_list("year", flat=True)) == [2020]


def test_deadlines_are_changed_in_order_or_not_at_all(admin_api: APIClient, cycle: Any) -> None:
    ok = admin_api.patch("/api/v1/cycles/2020/", {"self_assessment_deadline": "2030-01-31"}, format="json")
    assert ok.status_code == 200, ok.json()
    cycle.refresh_from_db()
    assert timezone.localtime(cycle.self_assessment_deadline).date() == date(2030, 1, 31)
    before = audit_count()
    refused = admin_api.patch("/api/v1/cycles/2020/", {"appraisal_deadline": "2030-01-01"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "deadline_order"
    cycle.refresh_from_db()
    assert cycle.appraisal_deadline is None
    assert audit_count() == before


def in_setup(cycle: Any) -> Any:
    """The cycle back in its setup phase (the shared `cycle` fixture opens self-assessment): these tests are about
    the phases and the setup writes."""
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.SETUP)
    cycle.refresh_from_db()
    return cycle


def test_a_cycle_moves_one_phase_at_a_time(admin_api: APIClient, cycle: Any) -> None:
    in_setup(cycle)
    skipped = admin_api.post("/api/v1/cycles/2020/phase/", {"phase": "appraisal"}, format="json")
    assert skipped.status_code == 400
    assert skipped.json()["code"] == "phase_not_adjacent"
    assert skipped.json()["fields"]["phase"] == ["Chỉ chuyển sang giai đoạn kế tiếp hoặc quay lại giai đoạn trước."]
    unknown = admin_api.post("/api/v1/cycles/2020/phase/", {"phase": "party"}, format="json")
    assert unknown.json()["fields"] == {"phase": ["«party» không phải là lựa chọn hợp lệ."]}
    cycle.refresh_from_db()
    assert cycle.phase == "setup"
    moved = admin_api.post("/api/v1/cycles/2020/phase/", {"phase": "self_assessment"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["phase"] == "self_assessment"
    assert AuditEntry.objects.filter(action="cycle.phase", object_id=str(cycle.pk)).count() == 1


def test_units_are_opened_in_a_cycle_and_given_an_extension(admin_api: APIClient, cycle: Any) -> None:
    opened = admin_api.post("/api/v1/cycles/2020/units/", {"units": ["so-y-te", "so-tai-chinh"]}, format="json")
    assert opened.status_code == 201, opened.json()
    assert sorted(a["unit"]["code"] for a in opened.json()["created"]) == ["so-tai-chinh", "so-y-te"]
    extended = admin_api.post(
        "/api/v1/cycles/2020/extensions/",
        {"unit": "so-y-te", "deadline": "2030-02-28", "reason": "Sáp nhập phòng ban"},
        format="json",
    )
    assert extended.status_code == 200, extended.json()
    assessment = Assessment.objects.get(cycle=cycle, unit__code="so-y-te")
    assert timezone.localtime(assessment.deadline_override).date() == date(2030, 2, 28)
    entry = AuditEntry.objects.get(action="assessment.extend_deadline")
    assert entry.reason == "Sáp nhập phòng ban"


def test_participants_and_extension_errors_change_nothing(admin_api: APIClient, cycle: Any, assessment: Any) -> None:
    before = (Assessment.objects.count(), audit_count())
    unknown = admin_api.post("/api/v1/cycles/2020/units/", {"units": ["so-y-te", "khong-co"]}, format="json")
    assert unknown.status_code == 400
    assert "units" in unknown.json()["fields"]
    empty = admin_api.post("/api/v1/cycles/2020/units/", {"units": []}, format="json")
    assert empty.json()["fields"] == {"units": ["Cần ít nhất 1 phần tử."]}
    no_set = admin_api.post("/api/v1/cycles/2020/units/", {"units": ["huyen-cai-be"]}, format="json")
    if Unit.objects.filter(code="huyen-cai-be").exists():
        assert no_set.status_code == 400
        assert no_set.json()["code"] == "no_set_for_kind"
    no_reason = admin_api.post(
        "/api/v1/cycles/2020/extensions/", {"unit": "so-y-te", "deadline": "2030-02-28"}, format="json"
    )
    assert no_reason.json()["fields"] == {"reason": ["Trường này là bắt buộc."]}
    outsider = admin_api.post(
        "/api/v1/cycles/2020/extensions/", {"unit": "so-tu-phap", "deadline": None, "reason": "x"}, format="json"
    )
    assert outsider.status_code == 400
    assert "unit" in outsider.json()["fields"]
    assert (Assessment.objects.count(), audit_count()) == before
    assessment.refresh_from_db()
    assert assessment.deadline_override is None


def test_an_unknown_cycle_is_a_404(admin_api: APIClient, catalogue: Any) -> None:
    assert admin_api.post("/api/v1/cycles/1999/phase/", {"phase": "appraisal"}, format="json").status_code == 404


@pytest.mark.parametrize("who", NON_ADMINS)
def test_nobody_else_writes_cycles(api: APIClient, request: Any, who: str, cycle: Any, assessment: Any) -> None:
    in_setup(cycle)
    api.force_login(request.getfixturevalue(who))
    assert api.get("/api/v1/cycles/2020/").status_code == 200
    refused = [
        api.post("/api/v1/cycles/", {"year": 2031, "name": "X"}, format="json"),
        api.patch("/api/v1/cycles/2020/", {"self_assessment_deadline": "2030-01-01"}, format="json"),
        api.post("/api/v1/cycles/2020/phase/", {"phase": "self_assessment"}, format="json"),
        api.post("/api/v1/cycles/2020/sets/", {"indicator_set": "test-set"}, format="json"),
        api.post("/api/v1/cycles/2020/units/", {"units": ["so-tai-chinh"]}, format="json"),
        api.post("/api/v1/cycles/2020/extensions/", {"unit": "so-y-te", "deadline": None, "reason": "x"},
                 format="json"),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    cycle.refresh_from_db()
    assert (cycle.phase, cycle.self_assessment_deadline) == ("setup", None)
    assert list(Cycle.objects.values_list("year", flat=True)) == [2020]
    assert Assessment.objects.count() == 1


def test_a_set_is_assigned_to_a_cycle_for_its_unit_kind(admin_api: APIClient, draft: IndicatorSet) -> None:
    admin_api.post("/api/v1/cycles/", {"year": 2021, "name": "Kỳ 2021"}, format="json")
    response = admin_api.post("/api/v1/cycles/2021/sets/", {"indicator_set": draft.key}, format="json")
    assert response.status_code == 200, response.json()
    assert CycleSet.objects.get(cycle__year=2021).unit_kind.code == "department"


# --- filters ---------------------------------------------------------------------------------------------


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def test_unit_filters(admin_api: APIClient) -> None:
    Unit.objects.filter(code="so-tai-chinh").update(active=False)
    departments = codes(admin_api.get("/api/v1/units/?kind=department&page_size=500"))
    assert departments and all(Unit.objects.get(code=c).kind.code == "department" for c in departments)
    grouped = codes(admin_api.get("/api/v1/units/?group=nganh-doc&page_size=500"))
    assert grouped and set(grouped) == set(
        Unit.objects.filter(ranking_group__code="nganh-doc").values_list("code", flat=True)
    )
    assert codes(admin_api.get("/api/v1/units/?active=false")) == ["so-tai-chinh"]
    assert "so-tai-chinh" not in codes(admin_api.get("/api/v1/units/?active=true&page_size=500"))
    assert codes(admin_api.get("/api/v1/units/?q=y t")) == ["so-y-te"]
    assert codes(admin_api.get("/api/v1/units/?q=Sở Y")) == ["so-y-te"]


def test_units_filtered_by_parent(admin_api: APIClient) -> None:
    admin_api.post("/api/v1/units/", {**NEW_UNIT, "parent": "so-y-te"}, format="json")
    assert codes(admin_api.get("/api/v1/units/?parent=so-y-te")) == ["so-moi"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("kind=planet", "kind"), ("group=x", "group"), ("active=maybe", "active"), ("parent=khong-co", "parent")],
)
def test_an_invalid_unit_filter_is_a_400_field_error(admin_api: APIClient, query: str, field: str) -> None:
    response = admin_api.get(f"/api/v1/units/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_set_cycle_and_assessment_filters(admin_api: APIClient, draft: IndicatorSet, assessment: Any) -> None:
    in_setup(assessment.cycle)
    keys = [r["key"] for r in admin_api.get("/api/v1/indicator-sets/?year=2021").json()["results"]]
    assert keys == ["test-set-2021"]
    keys = [r["key"] for r in admin_api.get("/api/v1/indicator-sets/?status=active&unit_kind=department").json()[
        "results"]]
    assert keys == ["test-set"]
    assert admin_api.get("/api/v1/indicator-sets/?unit_kind=district").json()["results"] == []
    assert [c["year"] for c in admin_api.get("/api/v1/cycles/?phase=setup").json()["results"]] == [2020]
    assert admin_api.get("/api/v1/cycles/?year=2019").json()["results"] == []
    cycle_id = assessment.cycle_id
    for query in (f"cycle={cycle_id}", "year=2020", "unit=so-y-te", "state=draft"):
        ids = [a["id"] for a in admin_api.get(f"/api/v1/assessments/?{query}").json()["results"]]
        assert ids == [assessment.pk], query
    assert admin_api.get("/api/v1/assessments/?state=submitted").json()["results"] == []
    assert admin_api.get("/api/v1/assessments/?unit=so-tu-phap").json()["results"] == []


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/indicator-sets/?year=abc", "year"),
        ("/api/v1/indicator-sets/?year=20.5", "year"),
        ("/api/v1/indicator-sets/?unit_kind=planet", "unit_kind"),
        ("/api/v1/indicator-sets/?status=gone", "status"),
        ("/api/v1/cycles/?year=99999", "year"),
        ("/api/v1/cycles/?phase=party", "phase"),
        ("/api/v1/assessments/?cycle=abc", "cycle"),
        ("/api/v1/assessments/?cycle=999999", "cycle"),
        ("/api/v1/assessments/?unit=khong-co", "unit"),
        ("/api/v1/assessments/?state=lost", "state"),
        ("/api/v1/assessments/?year=x", "year"),
        ("/api/v1/results/?year=x", "year"),
    ],
)
def test_an_invalid_filter_value_is_a_400_never_a_500(admin_api: APIClient, cycle: Any, url: str, field: str) -> None:
    response = admin_api.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["fields"][field][0]


def test_results_filters(api: APIClient, cycle: Any) -> None:
    snapshot = {
        "groups": [{"code": "so-ban-nganh", "name": "Sở, ban, ngành"}],
        "rows": [{"unit_code": "so-y-te", "unit_name": "Sở Y tế", "group_code": "so-ban-nganh", "index": "88.50",
                  "rank": 1, "classification": "Khá"}],
    }
    Publication.objects.create(cycle=cycle, revision=1, document_number="12/QĐ-UBND", document_date=date(2021, 3, 1),
                               snapshot=snapshot, published_at=timezone.now())
    assert [r["year"] for r in api.get("/api/v1/results/?year=2020").json()] == [2020]
    assert api.get("/api/v1/results/?year=2019").json() == []
    grouped = api.get("/api/v1/results/2020/?group=so-ban-nganh").json()
    assert [g["code"] for g in grouped["groups"]] == ["so-ban-nganh"]
    unknown = api.get("/api/v1/results/2020/?group=huyen-cum-9")
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"group": ["Kết quả năm 2020 không có khối xếp hạng «huyen-cum-9»."]}


def test_a_set_is_activated_for_another_unit_kind_by_its_code(admin_api: APIClient, draft: IndicatorSet) -> None:
    """The vertical agencies scored on the departments' set, as the pages allow: `unit_kind` names the kind."""
    assert admin_api.post("/api/v1/cycles/", {"year": 2021, "name": "Kỳ 2021"}, format="json").status_code == 201
    base = f"/api/v1/indicator-sets/{draft.key}/activate/"
    unknown = admin_api.post(base, {"cycle": 2021, "unit_kind": "khong-co"}, format="json")
    assert unknown.status_code == 400 and "unit_kind" in unknown.json()["fields"]
    assert not CycleSet.objects.filter(cycle__year=2021).exists()
    response = admin_api.post(base, {"cycle": 2021, "unit_kind": "vertical"}, format="json")
    assert response.status_code == 200, response.json()
    assert list(CycleSet.objects.filter(cycle__year=2021).values_list("unit_kind__code", "indicator_set__key")) == [
        ("vertical", draft.key)]
    again = admin_api.post("/api/v1/cycles/2021/sets/", {"indicator_set": draft.key}, format="json")
    assert again.status_code == 200, again.json()  # the set's own kind (departments) now as well
    assert sorted(CycleSet.objects.filter(cycle__year=2021).values_list("unit_kind__code", flat=True)) == [
        "department", "vertical"]
