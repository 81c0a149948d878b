"""The users list's download is the users import's file: it imports back unchanged, its `active` column locks and
unlocks accounts through the users page's service (audited, with the page's rules), and the preview says what
each row changes before anything is written. Bad cells of one row never hide the other rows' problems, and a
text too long is refused, never cut short."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.xlsx import MAX_CELL_TEXT, read_sheet
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, RoleAssignment
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _download(client: Client) -> list[list[Any]]:
    content = client.get(reverse("administration:user_export")).content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in ws.iter_rows(values_only=True)]


def _post(client: Client, table: list[list[Any]]) -> Any:
    return client.post(reverse("administration:user_import"), {"file": upload(xlsx_bytes(table[0], table[1:]))})


def _confirm(client: Client, preview: Any, callbacks: Any) -> Any:
    with callbacks() as waiting:
        response = client.post(reverse("administration:user_import"),
                               {"confirm": preview.context["import_preview"]["key"]})
    for callback in waiting:  # the worker (eager here)
        callback()
    return response


@pytest.fixture
def people(admin_user: Any, unit_editor: Any, unit_head: Any) -> Any:
    RoleAssignment.objects.create(user=unit_editor, role="appraiser", unit=None)  # two rows for lan
    return get_user_model().objects.create_user(username="nghi", first_name="Trần Văn", last_name="Nghỉ",
                                                password="x-Secret-2021!", is_active=False)


def test_the_downloaded_users_file_imports_back_without_edits_and_changes_nothing(
    client: Client, admin_user: Any, people: Any, settings: Any, tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    table = _download(client)
    audits = AuditEntry.objects.count()

    preview = _post(client, table)

    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []  # nothing to change
    assert preview.context["import_preview"]["unchanged"] == len(table) - 1
    assert "Tệp không thay đổi tài khoản nào." in preview.content.decode()
    assert AuditEntry.objects.count() == audits


def test_the_active_column_locks_and_unlocks_accounts_after_a_preview_audited(
    client: Client, admin_user: Any, people: Any, unit_editor: Any, settings: Any, tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given the downloaded file, with lan locked and nghi unlocked
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    header, *rows = _download(client)
    active = header.index("Đang hoạt động")
    for row in rows:
        if row[0] == "lan":
            row[active] = 0
        if row[0] == "nghi":
            row[active] = 1

    # when it is uploaded: a preview of the changes, nothing written yet
    preview = _post(client, [header, *rows])
    assert preview.status_code == 200
    changes = {r.username: r.changes for r in preview.context["import_preview"]["rows"]}
    assert changes == {"lan": ["Khoá tài khoản"], "nghi": ["Mở khoá tài khoản"]}
    page = preview.content.decode()
    assert "Khoá tài khoản" in page and "Xác nhận nhập" in page
    unit_editor.refresh_from_db()
    assert unit_editor.is_active

    # then, confirmed: through the users page's service, each change audited
    response = _confirm(client, preview, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    unit_editor.refresh_from_db()
    people.refresh_from_db()
    assert not unit_editor.is_active and people.is_active
    assert AuditEntry.objects.filter(action="user.deactivate", object_id=str(unit_editor.pk)).count() == 1
    assert AuditEntry.objects.filter(action="user.activate", object_id=str(people.pk)).count() == 1
    assert RoleAssignment.objects.filter(user=unit_editor).count() == 2  # roles kept


def test_an_import_adds_a_role_and_makes_a_locked_account_and_says_so(
    catalogue: Any, admin_user: Any, unit_editor: Any
) -> None:
    rows = [
        {"row": 2, "username": "lan", "password": "", "role": "appraiser", "unit": "", "active": ""},
        {"row": 3, "username": "moi", "full_name": "Lê Mới", "password": "x-Secret-2021!", "role": "unit_editor",
         "unit": "so-y-te", "active": "0"},
    ]
    plans = services.users_import_plan(rows=rows, actor=admin_user)
    appraiser = RoleAssignment.Role("appraiser").label
    assert plans[0].changes == [f"Thêm vai trò «{appraiser}»"]
    assert plans[1].changes[0] == "Tạo tài khoản mới" and plans[1].changes[-1] == "Khoá tài khoản"
    assert services.users_import(rows=rows, actor=admin_user) == 1
    assert RoleAssignment.objects.filter(user=unit_editor, role="appraiser").exists()
    made = get_user_model().objects.get(username="moi")
    assert not made.is_active and made.roles.get().unit.code == "so-y-te"
    assert AuditEntry.objects.filter(action="role.assign", object_id=str(unit_editor.pk)).exists()


def test_an_administrator_cannot_lock_their_own_account_by_import(
    client: Client, admin_user: Any, people: Any
) -> None:
    client.force_login(admin_user)
    header, *rows = _download(client)
    active = header.index("Đang hoạt động")
    for row in rows:
        if row[0] == admin_user.username:
            row[active] = 0
    response = _post(client, [header, *rows])
    assert response.status_code == 400
    messages = " ".join(m for e in response.context["import_rows"] for m in e["messages"])
    assert "Không thể tự khoá tài khoản của chính mình." in messages
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_an_existing_account_keeps_its_password_name_and_email(catalogue: Any, admin_user: Any,
                                                               unit_editor: Any) -> None:
    rows = [{"row": 2, "username": "lan", "full_name": "Tên Khác", "password": "x-Secret-2021!",
             "role": "", "unit": "", "active": ""}]
    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=admin_user)
    (problem,) = refused.value.details
    text = " ".join(problem["messages"])
    assert "để trống cột «Mật khẩu ban đầu»" in text and "nhập Excel không đổi họ tên" in text


def test_a_hidden_character_in_one_users_row_does_not_hide_the_other_rows_problems(
    catalogue: Any, admin_user: Any
) -> None:
    rows = [
        {"row": 2, "username": "an", "full_name": "Lê\u202eAn", "password": "x-Secret-2021!", "role": "appraiser",
         "unit": ""},
        {"row": 3, "username": "binh", "full_name": "Bình", "password": "123", "role": "chief", "unit": ""},
        {"row": 4, "username": "chi\x00", "full_name": "Chi", "password": "x-Secret-2021!", "role": "appraiser",
         "unit": "khong-co"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=admin_user)
    by_row = {d["row"]: " ".join(d["messages"]) for d in refused.value.details}
    assert set(by_row) == {2, 3, 4}
    assert "full_name" in by_row[2] and "ký tự điều khiển" in by_row[2]
    assert "Vai trò «chief» không hợp lệ;" in by_row[3] and "Mật khẩu quá ngắn" in by_row[3]
    assert "username" in by_row[4] and "Đơn vị «khong-co» không tồn tại" in by_row[4]
    assert not get_user_model().objects.filter(username__in=["an", "binh"]).exists()


def test_a_hidden_character_in_one_units_row_does_not_hide_the_other_rows_problems(
    catalogue: Any, admin_user: Any
) -> None:
    rows = [
        {"row": 2, "code": "xa-a", "name": "Xã\u202eA", "kind": "district", "group": "", "parent": ""},
        {"row": 3, "code": "xa b", "name": "Xã B", "kind": "commune", "group": "", "parent": ""},
        {"row": 4, "code": "xa-c", "name": "Xã C", "kind": "district\x07", "group": "", "parent": "khong-co"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.units_import(rows=rows, actor=admin_user)
    by_row = {d["row"]: " ".join(d["messages"]) for d in refused.value.details}
    assert set(by_row) == {2, 3, 4}
    assert "name" in by_row[2] and "ký tự điều khiển" in by_row[2] and "Thiếu mã hoặc tên" not in by_row[2]
    assert "Loại đơn vị «commune» không tồn tại." in by_row[3] and "không hợp lệ" in by_row[3]
    assert "kind" in by_row[4] and "Đơn vị cấp trên «khong-co» không tồn tại" in by_row[4]


def test_a_cell_too_long_is_refused_naming_its_column_and_the_limit_not_cut(catalogue: Any, admin_user: Any) -> None:
    long_name = "Đ" * (MAX_CELL_TEXT + 1)
    content = xlsx_bytes(("code", "name", "short_name", "kind"), [("xa-a", "Xã A", long_name, "district")])
    sheet = read_sheet(upload(content), expected=("code", "name", "kind"))
    assert len(sheet.rows[0]["short_name"]) == MAX_CELL_TEXT + 1  # read whole, never cut
    with pytest.raises(ValidationFailed) as refused:
        services.units_import(rows=sheet.rows, actor=admin_user)
    (problem,) = refused.value.details
    assert any("«Tên viết tắt (short_name)»" in m and f"{MAX_CELL_TEXT}" in m and "không tự cắt" in m
               for m in problem["messages"])


def test_a_long_guidance_cell_in_a_set_file_is_a_row_error(admin_user: Any) -> None:
    from scoring.administration.resources import clean_rows

    content = xlsx_bytes(
        ("code", "parent_code", "name", "kind", "max_points", "method", "params", "guidance"),
        [("1", "", "Lĩnh vực", "normal", 1, "yes_no", "{}", "x" * (MAX_CELL_TEXT + 5))],
    )
    rows = read_sheet(upload(content), expected=("code", "name")).rows
    _clean, errors = clean_rows(rows)
    assert any("«Hướng dẫn (guidance)»" in m and str(MAX_CELL_TEXT) in m for m in errors[2])  # header, then key
