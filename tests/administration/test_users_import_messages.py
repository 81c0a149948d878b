"""The users import's messages say what is wrong: a role held at a unit that stopped is no change (only a new role
there is refused), a hidden character in a cell is named as such, a new account without a password is told so,
a formula cell is reported once, and a confirmation refused says why (a newer upload, an account made since the
preview). Its changes and its confirmation are audited with a reason naming the import."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.services.imports import user_column_names, user_import_run, user_import_start
from scoring.administration.xlsx import Formula
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, RoleAssignment, Unit, UserImport
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2021!"


def _problems(rows: list[dict[str, Any]], actor: Any) -> dict[int, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=actor)
    return {d["row"]: d["messages"] for d in refused.value.details}


def _download(client: Client) -> list[list[Any]]:
    content = client.get(reverse("administration:user_export")).content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in ws.iter_rows(values_only=True)]


def _post_file(client: Client, table: list[list[Any]] | list[tuple[Any, ...]], name: str = "tep.xlsx") -> Any:
    return client.post(reverse("administration:user_import"),
                       {"file": upload(xlsx_bytes(services.USER_COLUMNS, table), name)})


def test_a_role_held_at_a_stopped_unit_imports_back_as_no_change(
    client: Client, admin_user: Any, unit_editor: Any, settings: Any, tmp_path: Any
) -> None:
    # given lan's role at a unit that has since stopped
    settings.MEDIA_ROOT = tmp_path
    Unit.objects.filter(code="so-y-te").update(active=False)
    client.force_login(admin_user)
    header, *rows = _download(client)
    assert any(row[0] == "lan" and row[5] == "so-y-te" for row in rows)

    # when the downloaded file is uploaded unchanged
    preview = client.post(reverse("administration:user_import"), {"file": upload(xlsx_bytes(header, rows))})

    # then it changes nothing, and is not refused
    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []


def test_a_new_role_at_a_stopped_unit_is_refused_saying_the_unit_stopped(
    admin_user: Any, unit_editor: Any
) -> None:
    Unit.objects.filter(code="so-y-te").update(active=False)
    problems = _problems([
        {"row": 2, "username": "lan", "role": "unit_head", "unit": "so-y-te"},
        {"row": 3, "username": "moi", "full_name": "Lê Mới", "password": PASSWORD, "role": "unit_editor",
         "unit": "so-y-te"},
        {"row": 4, "username": "lan", "role": "unit_editor", "unit": "khong-co"},
    ], admin_user)
    assert set(problems) == {2, 3, 4}
    assert any("«so-y-te» đã ngừng hoạt động" in m for m in problems[2])
    assert any("«so-y-te» đã ngừng hoạt động" in m for m in problems[3])
    assert problems[4] == ["Đơn vị «khong-co» không tồn tại."]


@pytest.mark.parametrize(
    ("column", "value", "at"),
    [
        ("unit", "so-y-te\u200b", 8),
        ("username", "chuyen\u200bvien", 7),
        ("email", "lan@example.org\u200b", 16),
        ("full_name", "Lê\u200b Văn", 3),
    ],
)
def test_a_hidden_zero_width_character_is_refused_naming_its_place(
    admin_user: Any, column: str, value: str, at: int
) -> None:
    row = {"row": 2, "username": "moi", "full_name": "Lê Mới", "email": "", "password": PASSWORD,
           "role": "unit_editor", "unit": "so-y-te", column: value}
    [messages] = _problems([row], admin_user).values()
    assert messages == [
        f"Cột «{user_column_names()[column]}»: Có ký tự ẩn ở vị trí {at} (ký tự không nhìn thấy, ví dụ dấu cách "
        "độ rộng 0); "
        "hãy xóa ký tự đó."
    ]
    assert not get_user_model().objects.filter(username="moi").exists()


def test_an_email_with_a_hidden_character_is_not_said_to_differ_from_the_stored_one(
    admin_user: Any, unit_editor: Any
) -> None:
    get_user_model().objects.filter(pk=unit_editor.pk).update(email="lan@example.org")
    [messages] = _problems([{"row": 2, "username": "lan", "email": "lan@example.org\u200b"}], admin_user).values()
    assert len(messages) == 1 and "ký tự ẩn ở vị trí 16" in messages[0] and "khác với" not in messages[0]


def test_a_new_account_without_a_password_is_told_it_needs_one(admin_user: Any) -> None:
    [messages] = _problems([{"row": 2, "username": "moi", "full_name": "Lê Mới", "password": "",
                             "role": "appraiser"}], admin_user).values()
    assert messages == ["Tài khoản mới cần mật khẩu."]


def test_a_formula_in_the_active_cell_is_reported_once(admin_user: Any, unit_editor: Any) -> None:
    [messages] = _problems([{"row": 2, "username": "lan", "active": Formula("=1")}], admin_user).values()
    assert messages == ["Ô «Đang hoạt động (active)» chứa công thức Excel; chỉ nhận giá trị."]


def test_confirming_a_preview_replaced_by_a_newer_upload_says_so(
    client: Client, admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    first = _post_file(client, [("an", "Lê An", "", PASSWORD, "appraiser", "", "")])
    _post_file(client, [("binh", "Trần Bình", "", PASSWORD, "appraiser", "", "")])  # another tab

    response = client.post(reverse("administration:user_import"),
                           {"confirm": first.context["import_preview"]["key"]})

    assert response.status_code == 400
    assert "đã được thay bằng bản xem trước của một tệp tải lên sau" in response.context["import_refused"]
    assert not UserImport.objects.exists()


def test_confirming_after_the_account_was_made_meanwhile_says_to_upload_again(
    client: Client, admin_user: Any, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    key = _post_file(client, [("newb", "Lê Newb", "", PASSWORD, "appraiser", "", "")]).context["import_preview"]["key"]
    client.post(reverse("administration:user_create"), {
        "username": "newb", "full_name": "Lê Newb", "email": "", "password": PASSWORD, "role": "appraiser",
    })
    assert get_user_model().objects.filter(username="newb").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("administration:user_import"), {"confirm": key})

    assert response.status_code == 409
    assert "Dữ liệu đã được sửa từ lúc xem trước tệp này" in response.context["import_refused"]
    assert "tải tệp lên lại" in response.context["import_refused"]
    assert not UserImport.objects.exists()


def test_the_imports_changes_and_its_confirmation_are_audited_with_a_reason_naming_it(
    client: Client, admin_user: Any, unit_editor: Any, settings: Any, tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a file that makes an account, adds a role to lan and locks lan
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    rows = [("an", "Lê An", "", PASSWORD, "appraiser", "", ""), ("lan", "", "", "", "appraiser", "", "0")]
    key = _post_file(client, rows, "nguoi-dung-moi.xlsx").context["import_preview"]["key"]

    # when it is confirmed and run
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("administration:user_import"), {"confirm": key})

    # then each change names the import, and the confirmation says who, which file and how many rows
    job = UserImport.objects.get()
    assert response.status_code == 302 and job.status == UserImport.Status.DONE
    reason = f"Nhập từ Excel (lần nhập #{job.pk})"
    made = get_user_model().objects.get(username="an")
    assert AuditEntry.objects.get(action="user.create", object_id=str(made.pk)).reason == reason
    assert AuditEntry.objects.get(action="role.assign", object_id=str(unit_editor.pk)).reason == reason
    assert AuditEntry.objects.get(action="user.deactivate", object_id=str(unit_editor.pk)).reason == reason
    confirmed = AuditEntry.objects.get(action="user_import.confirm")
    assert confirmed.actor_id == admin_user.pk and confirmed.object_id == str(job.pk)
    assert confirmed.changes["file"]["new"] == "nguoi-dung-moi.xlsx"
    assert confirmed.changes["rows"]["new"] == 2


def test_a_job_started_without_a_file_name_is_still_run_and_audited(
    admin_user: Any, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    rows = [{"row": 2, "username": "an", "full_name": "Lê An", "password": PASSWORD, "role": "appraiser"}]
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        job = user_import_start(rows=rows, actor=admin_user)
    for callback in waiting:
        callback()
    user_import_run(job_id=job.pk)
    assert RoleAssignment.objects.filter(user__username="an", role="appraiser").exists()
    assert AuditEntry.objects.filter(action="user_import.confirm", object_id=str(job.pk)).exists()


def test_long_usernames_in_the_preview_break_so_the_changes_column_stays_on_a_phone(
    client: Client, admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    from django.conf import settings as conf

    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    long_name = "nguyen.van.an.so-y-te.2021"  # 26 characters
    page = _post_file(client, [(long_name, "Lê An", "", PASSWORD, "appraiser", "", "")]).content.decode()
    assert f'<td class="import-key">{long_name}</td>' in page
    css = (conf.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert ".import-changes .import-key { overflow-wrap:anywhere;" in css
