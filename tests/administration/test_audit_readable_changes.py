"""The audit page (/quan-ly/nhat-ky/) shows what changed as people name it: keys labelled («Kỳ đánh giá», not
«cycle»), a criterion's option and counted items by their labels, a unit kind by its name, a unit by «name (code)»,
and no line for a field whose old and new are the same. Its filter names the filter that is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.audit_labels import change_rows, labelled
from scoring.models import Assessment, AuditEntry, Cycle, IndicatorSet, ScoreLine, Unit, UnitKind
from scoring.services import score_line_save_self

pytestmark = pytest.mark.django_db


def _page(client: Client, **query: Any) -> Any:
    return client.get(reverse("administration:audit_list"), query)


def test_a_set_used_for_one_more_kind_shows_the_cycle_the_kind_and_no_unchanged_status(
    client: Client, admin_user: Any, cycle: Cycle, small_set: IndicatorSet
) -> None:
    # given a set made active for the districts, then used for communes too (active before and after)
    services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user,
                                    unit_kind=UnitKind.objects.get(code="district"))
    first = labelled(AuditEntry.objects.filter(action="indicator_set.activate"))[0]
    assert ("status", "Trạng thái", "Dự thảo", "Đang áp dụng") in first.change_rows
    communes = services.unit_kind_create(code="commune", name="UBND cấp xã", actor=admin_user)
    services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user, unit_kind=communes)
    entry = labelled(AuditEntry.objects.filter(action="indicator_set.activate").order_by("-pk"))[0]
    # then its lines are labelled, the kind named, and the status (active before and after) not shown
    rows = {name: (label, old, new) for name, label, old, new in entry.change_rows}
    assert rows["cycle"] == ("Kỳ đánh giá", "—", "2020")
    assert rows["unit_kind"] == ("Loại đơn vị", "—", "UBND cấp xã")
    assert rows["replaced"][0] == "Bộ chỉ số áp dụng (thay bộ cũ)" and rows["replaced"][2] == "test-set"
    assert "status" not in rows
    client.force_login(admin_user)
    page = _page(client).content.decode()
    assert "Kỳ đánh giá</span>: — → 2020" in page and "Loại đơn vị</span>: — → UBND cấp xã" in page
    assert "Đang áp dụng → Đang áp dụng" not in page and "commune" not in page.split("<table", 1)[1]


def test_a_self_score_shows_the_option_and_the_counted_items_by_their_labels(
    client: Client, admin_user: Any, unit_editor: Any, assessment: Assessment
) -> None:
    lines = {line.indicator.code: line for line in ScoreLine.objects.filter(assessment=assessment)
             .select_related("indicator")}
    score_line_save_self(line=lines["1.1.1"], actor=unit_editor, base_version=lines["1.1.1"].version,
                         value={"option": "on_time"})
    score_line_save_self(line=lines["2.1.2"], actor=unit_editor, base_version=lines["2.1.2"].version,
                         value={"counts": {"late": 0, "missing": 2}})
    client.force_login(admin_user)

    page = _page(client).content.decode()

    assert "lựa chọn: Đúng hạn, đầy đủ" in page and "on_time" not in page
    assert "số lần: Báo cáo trễ hạn: 0; Thiếu báo cáo: 2" in page and "missing" not in page


def test_the_page_reads_the_criteria_and_units_in_a_fixed_number_of_queries(
    client: Client, admin_user: Any, unit_editor: Any, assessment: Assessment, django_assert_max_num_queries: Any
) -> None:
    line = ScoreLine.objects.filter(assessment=assessment, indicator__code="1.1.1").get()
    for option in ("on_time", "late", "none", "on_time"):
        line = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"option": option})
    entries = list(AuditEntry.objects.all())
    # the kinds, the groups, the units by code, the score lines; then one per other type of object the entries name
    # (criteria, sets, people, units, kinds, groups, cycles, assessments): never one per entry
    with django_assert_max_num_queries(4 + 8):
        shown = labelled(entries)
    assert sum("Trễ hạn" in new for e in shown for _n, _l, _o, new in e.change_rows) == 1


def test_a_merge_names_the_unit_merged_into(client: Client, admin_user: Any) -> None:
    services.unit_merge(unit=Unit.objects.get(code="tx-cai-lay"), into=Unit.objects.get(code="tp-my-tho"),
                        actor=admin_user, reason="Sắp xếp đơn vị hành chính")
    client.force_login(admin_user)
    page = _page(client).content.decode()
    assert "Sáp nhập vào</span>: — → UBND thành phố Mỹ Tho (tp-my-tho)" in page


def test_a_code_of_no_unit_and_an_unknown_option_stay_as_recorded() -> None:
    rows = change_rows({"merged_into": {"old": None, "new": "h-da-xoa"},
                        "self_value": {"old": None, "new": {"option": "x"}}}, labels={}, object_type="Unit")
    assert [(old, new) for _n, _l, old, new in rows] == [("—", "h-da-xoa"), ("—", "lựa chọn: x")]


def test_an_unchanged_field_has_no_line_but_a_password_reset_keeps_its_line() -> None:
    rows = change_rows({"status": {"old": "active", "new": "active"}, "name": {"old": "A", "new": "B"}}, labels={})
    assert [name for name, *_rest in rows] == ["name"]
    rows = change_rows({"password": {"old": "•", "new": "•"}}, labels={}, object_type="User")
    assert [(label, old, new) for _n, label, old, new in rows] == [("Mật khẩu", "•", "•")]


# --- the filter ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "named"),
    [({"unit": "khong-co"}, "Đơn vị: Không có đơn vị mã «khong-co»."),
     ({"actor": "99999"}, "Người thực hiện: Không có người dùng mã «99999».")],
)
def test_a_bad_filter_is_named_and_the_dates_are_not_blamed(
    client: Client, admin_user: Any, query: dict[str, str], named: str
) -> None:
    client.force_login(admin_user)
    response = _page(client, **query)
    page = response.content.decode()
    assert response.status_code == 400
    assert named in page
    assert "ngày tháng" not in page and "ngừng hoạt động" not in page


def test_a_stopped_unit_is_a_valid_filter(client: Client, admin_user: Any) -> None:
    unit = Unit.objects.get(code="so-y-te")
    services.unit_set_active(unit=unit, active=False, actor=admin_user, reason="Giải thể")
    client.force_login(admin_user)
    response = _page(client, unit="so-y-te")
    assert response.status_code == 200
    shown = response.context["page"].object_list
    assert shown and {e.unit_id for e in shown} == {unit.pk}
    assert "Ngừng hoạt động đơn vị" in response.content.decode()


def test_a_bad_date_is_named_too(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = _page(client, date_from="31/02/2025").content.decode()
    assert "Bộ lọc không hợp lệ" in page and "Từ ngày:" in page


def test_the_audit_page_is_still_for_administrators_only(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    assert _page(client, unit="khong-co").status_code == 403
    assert get_user_model().objects.filter(username="lan").exists()
