"""The users file, as the set tree's: Vietnamese headers, each role by the label the screen shows and the state as
Có / Không, with drop-downs for both; the import reads those, the codes and older files with the keys as headers,
and a role it does not know is refused listing the accepted ones."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.services.imports import users_import_apply
from scoring.errors import ValidationFailed
from scoring.models import RoleAssignment
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Mật khẩu ban đầu", "Vai trò", "Mã đơn vị",
           "Đang hoạt động"]


def _workbook(client: Client) -> Any:
    return load_workbook(io.BytesIO(client.get(reverse("administration:user_export")).content))


def _table(workbook: Any) -> list[list[Any]]:
    return [[c if c is not None else "" for c in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def locked(catalogue: Any) -> Any:
    return get_user_model().objects.create_user(username="nghi", first_name="Trần Văn", last_name="Nghỉ",
                                                password="x-Secret-2021!", is_active=False)


def test_the_users_file_has_vietnamese_headers_role_labels_and_co_khong(
    client: Client, admin_user: Any, unit_editor: Any, locked: Any
) -> None:
    client.force_login(admin_user)

    header, *rows = _table(_workbook(client))

    assert header == HEADERS
    by_name = {row[0]: row for row in rows}
    assert by_name["lan"][4] == "Chuyên viên đơn vị" and by_name["lan"][5] == "so-y-te"
    assert by_name["lan"][6] == "Có" and by_name["nghi"][6] == "Không"
    assert by_name["nghi"][4] == ""  # no role: left empty


def test_the_users_file_offers_the_roles_and_co_khong_in_drop_downs(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    workbook = _workbook(client)
    sheet = workbook.worksheets[0]
    lists = next(ws for ws in workbook.worksheets if ws.sheet_state == "hidden")

    offered: dict[str, list[str]] = {}
    for validation in sheet.data_validations.dataValidation:
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        source = validation.formula1.split("!")[1].replace("$", "")
        first, last = source.split(":")
        offered[column] = [c.value for row in lists[f"{first}:{last}"] for c in row]

    assert offered["E"] == [str(label) for label in RoleAssignment.Role.labels]
    assert offered["G"] == ["Có", "Không"]
    assert sheet["E1"].comment is not None and "Chuyên viên đơn vị" in sheet["E1"].comment.text


def test_the_downloaded_file_imports_back_unchanged(
    client: Client, admin_user: Any, unit_editor: Any, locked: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    table = _table(_workbook(client))

    preview = client.post(reverse("administration:user_import"),
                          {"file": upload(xlsx_bytes(table[0], table[1:]))})

    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []


def test_a_role_written_as_the_screen_shows_it_is_accepted_in_any_case_or_accents(
    catalogue: Any, admin_user: Any
) -> None:
    rows = [
        {"row": 2, "username": "moi", "full_name": "Lê Mới", "password": "x-Secret-2021!",
         "role": "Chuyên viên đơn vị", "unit": "so-y-te", "active": "Có"},
        {"row": 3, "username": "moi", "password": "", "role": "thanh vien to tham dinh", "unit": "", "active": ""},
        {"row": 4, "username": "hai", "full_name": "Lê Hai", "password": "x-Secret-2021!", "role": "unit_head",
         "unit": "so-y-te", "active": "không"},
    ]

    plans = services.users_import_plan(rows=rows, actor=admin_user)

    assert [plan.role for plan in plans] == ["unit_editor", "appraiser", "unit_head"]
    assert plans[0].active is None and plans[2].active is False
    users_import_apply(rows=rows, actor=admin_user)
    made = get_user_model().objects.get(username="moi")
    assert sorted(made.roles.values_list("role", flat=True)) == ["appraiser", "unit_editor"]


def test_an_unknown_role_is_refused_listing_the_accepted_ones(catalogue: Any, admin_user: Any) -> None:
    rows = [{"row": 2, "username": "moi", "full_name": "Lê Mới", "password": "x-Secret-2021!", "role": "Trưởng phòng",
             "unit": "so-y-te", "active": ""}]

    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=admin_user)

    (problem,) = refused.value.details
    text = " ".join(problem["messages"])
    assert "Vai trò «Trưởng phòng» không hợp lệ" in text
    for label in RoleAssignment.Role.labels:
        assert str(label) in text


def test_an_unknown_state_is_refused_naming_co_and_khong(catalogue: Any, admin_user: Any, unit_editor: Any) -> None:
    rows = [{"row": 2, "username": "lan", "password": "", "role": "", "unit": "", "active": "tạm"}]

    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=admin_user)

    (problem,) = refused.value.details
    assert any("«tạm»" in m and "Có" in m and "Không" in m for m in problem["messages"])


def test_a_file_with_vietnamese_headers_and_labels_is_read_through_the_page(
    client: Client, admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    headers = ["tên đăng nhập", "HỌ VÀ TÊN", "Thu dien tu", "Mật khẩu ban đầu", "Vai trò", "Mã đơn vị",
               "Đang hoạt động"]
    rows = [["moi", "Lê Mới", "moi@x.example", "x-Secret-2021!", "Thủ trưởng đơn vị", "so-y-te", "Có"]]

    preview = client.post(reverse("administration:user_import"), {"file": upload(xlsx_bytes(headers, rows))})

    assert preview.status_code == 200, (preview.context.get("import_refused"), preview.context.get("import_rows"))
    (plan,) = preview.context["import_preview"]["rows"]
    assert plan.username == "moi" and plan.role == "unit_head"


def test_an_older_file_with_the_keys_as_headers_and_codes_is_still_read(
    client: Client, admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    # guards behaviour that must not change
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    rows = [["moi", "Lê Mới", "moi@x.example", "x-Secret-2021!", "unit_editor", "so-y-te", 1]]

    preview = client.post(reverse("administration:user_import"),
                          {"file": upload(xlsx_bytes(services.USER_COLUMNS, rows))})

    assert preview.status_code == 200, preview.context.get("import_rows")
    (plan,) = preview.context["import_preview"]["rows"]
    assert plan.role == "unit_editor"


def test_a_missing_column_is_named_by_its_vietnamese_header(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)

    refused = client.post(reverse("administration:user_import"),
                          {"file": upload(xlsx_bytes(["Tên đăng nhập", "Mật khẩu ban đầu"], [["moi", "x"]]))})

    assert refused.status_code == 400
    assert "Thiếu cột: Vai trò (role)" in refused.context["import_refused"]


def test_the_import_hint_names_the_vietnamese_headers(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)

    page = client.get(reverse("administration:user_list")).content.decode()

    assert "<code>Vai trò</code>" in page and "<code>Đang hoạt động</code>" in page
    assert "Chuyên viên đơn vị" in page
