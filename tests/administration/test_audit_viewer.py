"""The audit log page speaks Vietnamese: actions found by their label, people by their name, changes with field
labels and readable values, and the filtered log downloadable for filing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(admin_user: Any) -> Any:
    admin_user.first_name, admin_user.last_name = "Trần Văn", "Bảo"
    admin_user.save()
    audit_record(actor=admin_user, action="score_line.self", object_type="ScoreLine", object_id=7,
                 changes={"self_value": {"old": None, "new": {"value": True}}, "self_score": {"old": None,
                                                                                        "new": "0.50"}})
    audit_record(actor=admin_user, action="user.activate", object_type="User", object_id=3,
                 changes={"is_active": {"old": False, "new": True}})
    audit_record(actor=admin_user, action="role.assign", object_type="User", object_id=3,
                 changes={"role": {"old": None, "new": "appraiser"}})
    return admin_user


def test_the_action_filter_matches_the_vietnamese_label(client: Client, logged: Any) -> None:
    client.force_login(logged)
    url = reverse("administration:audit_list")
    page = client.get(url, {"action": "tự chấm"}).content.decode()
    assert 'title="score_line.self"' in page and 'title="user.activate"' not in page
    assert "1 thay đổi" in page
    # the recorded code (or its start) still works
    assert 'title="user.activate"' in client.get(url, {"action": "user."}).content.decode()


def test_the_person_filter_lists_full_names_with_usernames(client: Client, logged: Any) -> None:
    client.force_login(logged)
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "Trần Văn Bảo (bao)" in page


def test_changes_show_field_labels_and_readable_values(client: Client, logged: Any) -> None:
    client.force_login(logged)
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "Số liệu tự chấm</span>: — → Có" in page
    assert "Điểm tự chấm</span>: — → 0,50<" in page  # a score: two decimals, as on the leaf
    assert "Đang hoạt động</span>: Không → Có" in page
    assert "Vai trò</span>: — → Thành viên Tổ thẩm định" in page
    assert "{&#x27;value&#x27;" not in page and "is_active:" not in page
    assert '<div class="table-scroll">' in page


def test_numbers_in_the_changes_take_the_pages_decimal_mark(client: Client, logged: Any) -> None:
    from django.conf import settings

    client.force_login(logged)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "</span>: — → 0.50<" in page and "0,50<" not in page


def test_a_criterions_code_is_text_and_its_parent_a_criterion(client: Client, admin_user: Any) -> None:
    audit_record(actor=admin_user, action="indicator.reparent", object_type="Indicator", object_id=5,
                 changes={"parent": {"old": "1.1", "new": None}})
    audit_record(actor=admin_user, action="indicator_set.update", object_type="IndicatorSet", object_id=2,
                 changes={"bonus_cap": {"old": "3.00", "new": "2.50"}})
    audit_record(actor=admin_user, action="unit.merge", object_type="Unit", object_id=9,
                 changes={"merged_into": {"old": None, "new": "so-noi-vu"}, "roles_moved": {"old": 0, "new": 2}})
    client.force_login(admin_user)
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "Tiêu chí cha</span>: 1.1 → —" in page  # a code, not the number 1,1; a criterion's parent
    assert "Điểm cộng tối đa</span>: 3,00 → 2,50<" in page  # points, with the decimal comma and two decimals
    assert "Sáp nhập vào</span>: — → Sở Nội vụ (so-noi-vu)" in page and "Số vai trò chuyển sang</span>: 0 → 2" in page
    assert '<span title="merged_into">merged_into<' not in page  # the code is in the title only


def test_the_filtered_log_downloads_as_excel(client: Client, logged: Any) -> None:
    client.force_login(logged)
    response = client.get(reverse("administration:audit_list"), {"action": "vai trò", "xuat": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Thời điểm", "Người thực hiện", "Tên đăng nhập", "Thao tác")
    assert len(rows) == 2
    assert rows[1][1:5] == ("Trần Văn Bảo", "bao", "Gán vai trò", "role.assign")
    assert rows[1][7] == "Vai trò: — → Thành viên Tổ thẩm định"


def test_the_log_export_is_for_administrators_only(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    assert client.get(reverse("administration:audit_list"), {"xuat": "xlsx"}).status_code == 403


def test_recorded_values_name_their_keys_and_the_systems_reasons_read_in_the_pages_language(
    client: Client, admin_user: Any
) -> None:
    from django.conf import settings

    audit_record(actor=admin_user, action="score_line.self", object_type="ScoreLine", object_id=8,
                 changes={"self_value": {"old": None, "new": {"numerator": 64, "denominator": 86}},
                          "rows": {"old": None, "new": 91}})
    audit_record(actor=admin_user, action="assessment.state", object_type="Assessment", object_id=1,
                 reason="Thủ trưởng đơn vị gửi bản tự đánh giá.")
    client.force_login(admin_user)
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "tử số: 64; mẫu số: 86" in page and "Số dòng</span>: — → 91" in page
    assert "numerator" not in page and "rows</span>" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "The head of unit submits the self-assessment." in page
