"""Accounts: the Excel import holds each row to the create form's rules; Vietnamese refusals; the
administrator role and the Django admin; a unit only for the roles that take one; a password reset."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, RoleAssignment, UserImport
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ("username", "full_name", "email", "password", "role", "unit")
GOOD = "x-Secret-2021!"


def _import(client: Client, rows: list[tuple[Any, ...]]) -> Any:
    return client.post(reverse("administration:user_import"), {"file": upload(xlsx_bytes(HEADERS, rows))})


def _row_messages(response: Any) -> dict[int, str]:
    return {e["row"]: " ".join(e["messages"]) for e in response.context["import_rows"]}


def test_an_import_refuses_what_the_create_form_refuses_row_by_row_and_makes_nothing(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = _import(client, [
        ("an", "Lê An", "an@example.vn", GOOD, "unit_head", "so-y-te"),  # fine
        ("binh", "Trần Bình", "not-an-email", GOOD, "appraiser", ""),
        ("chi", "C" * 300, "", GOOD, "appraiser", ""),
        ("d" * 200, "Đỗ Dũng", "", GOOD, "appraiser", ""),
        ("qa head space", "Người Thử", "", GOOD, "appraiser", ""),
        ("giang", "Hà Giang", "", "123", "appraiser", ""),
    ])
    assert response.status_code == 400
    problems = _row_messages(response)
    assert sorted(problems) == [3, 4, 5, 6, 7]
    assert "thư điện tử «not-an-email» không hợp lệ" in problems[3]
    assert "Họ và tên dài quá 150 ký tự" in problems[4]
    assert "Tên đăng nhập dài quá 150 ký tự" in problems[5]
    assert "không có dấu cách" in problems[6]
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in problems[7]
    assert "This password" not in response.content.decode()
    assert not UserImport.objects.exists()
    assert not get_user_model().objects.filter(username__in=["an", "binh", "chi", "giang"]).exists()


def test_an_unknown_unit_in_an_import_is_named_once_and_an_empty_file_is_called_empty(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = _import(client, [("an", "Lê An", "", GOOD, "unit_head", "khong-co")])
    assert _row_messages(response) == {2: "Đơn vị «khong-co» không tồn tại."}
    empty = client.post(reverse("administration:user_import"), {"file": upload(b"")})
    assert empty.status_code == 400
    page = empty.content.decode()
    assert "Tệp Excel đã chọn rỗng" in page and "Hãy chọn tệp Excel." not in page
    nothing = client.post(reverse("administration:user_import"), {})
    assert "Hãy chọn tệp Excel." in nothing.content.decode()


def test_the_create_form_refuses_a_username_with_spaces_and_a_short_password_in_vietnamese(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:user_create")
    spaced = client.post(url, {"username": "qa head space", "full_name": "Người Thử", "password": GOOD,
                               "role": "appraiser"})
    assert spaced.status_code == 400 and "không có dấu cách" in spaced.content.decode()
    short = client.post(url, {"username": "thu", "full_name": "Người Thử", "password": "123", "role": "appraiser"})
    assert short.status_code == 400
    page = short.content.decode()
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in page and "This password" not in page
    assert not get_user_model().objects.filter(username__in=["qa head space", "thu"]).exists()


def test_an_administrator_made_in_the_pages_enters_the_django_admin_and_loses_it_with_the_role(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:user_create"), {
        "username": "quantri2", "full_name": "Quản Trị Hai", "password": GOOD, "role": "administrator",
    })
    assert response.status_code == 302
    made = get_user_model().objects.get(username="quantri2")
    assert made.is_staff and made.is_superuser
    client.force_login(made)
    new = {"old_password": GOOD, "new_password1": "Rieng-Toi-2021!", "new_password2": "Rieng-Toi-2021!"}
    assert client.post(reverse("password_change"), new).status_code == 302  # the administrator's password first
    assert client.get("/quan-tri/").status_code == 200
    assert 'href="/quan-tri/"' in client.get(reverse("administration:index")).content.decode()
    # when the role is removed, the Django admin goes with it
    client.force_login(admin_user)
    role = RoleAssignment.objects.get(user=made)
    client.post(reverse("administration:role_delete", args=[made.pk, role.pk]))
    made.refresh_from_db()
    assert not made.is_staff and not made.is_superuser
    entry = AuditEntry.objects.filter(action="role.remove", object_id=str(made.pk)).get()
    assert entry.changes["is_staff"] == {"old": True, "new": False}
    # and a role given later gives it back
    services.role_assign(user=made, role="administrator", unit=None, actor=admin_user)
    made.refresh_from_db()
    assert made.is_staff and made.is_superuser


def test_a_unit_is_refused_for_the_administrator_role(client: Client, catalogue: Any, admin_user: Any,
                                                      appraiser: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:user_create"), {
        "username": "qt3", "full_name": "Quản Trị Ba", "password": GOOD, "role": "administrator",
        "unit": "so-noi-vu",
    })
    assert response.status_code == 400
    assert "không gắn với đơn vị nào" in response.content.decode()
    assert not get_user_model().objects.filter(username="qt3").exists()
    with pytest.raises(ValidationFailed, match="không gắn với đơn vị"):
        services.role_assign(user=appraiser, role="administrator", unit=appraiser.roles.get().unit, actor=admin_user)
    assert not RoleAssignment.objects.filter(user=appraiser, role="administrator").exists()
    imported = _import(client, [("qt4", "Quản Trị Bốn", "", GOOD, "administrator", "so-noi-vu")])
    assert "không gắn với đơn vị nào" in _row_messages(imported)[2]


def test_an_administrator_sets_a_new_password_which_ends_the_users_sessions(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    from scoring.tokens import api_token_issue

    # given the user signed in elsewhere, and a system calling the API with a key issued to the user
    theirs = Client()
    theirs.force_login(unit_editor)
    assert theirs.get("/").status_code == 200 and "_auth_user_id" in theirs.session
    key = api_token_issue(user=unit_editor, role="unit_editor", name="Hệ thống", actor=admin_user).key
    assert Client().get("/api/v1/assessments/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    client.force_login(admin_user)
    url = reverse("administration:user_detail", args=[unit_editor.pk])
    page = client.get(url).content.decode()
    assert 'name="password1"' in page and 'name="password2"' in page
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]  # the account as the page shows it
    # a mismatch or a weak password changes nothing
    mismatch = client.post(url, {"password1": "Mat-khau-moi-2021", "password2": "Mat-khau-khac-2021"})
    assert mismatch.status_code == 400 and "không khớp" in mismatch.content.decode()
    weak = client.post(url, {"password1": "123", "password2": "123"})
    assert weak.status_code == 400 and "Mật khẩu quá ngắn" in weak.content.decode()
    assert "Mat-khau-moi-2021" not in mismatch.content.decode()  # what was typed is not sent back
    unit_editor.refresh_from_db()
    assert unit_editor.check_password("x-Secret-2020!")
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()
    # when it is typed twice alike
    done = client.post(url, {"password1": "Mat-khau-moi-2021", "password2": "Mat-khau-moi-2021", "version": version},
                       follow=True)
    assert "Đã đặt mật khẩu mới" in done.content.decode()
    unit_editor.refresh_from_db()
    assert unit_editor.check_password("Mat-khau-moi-2021")
    entry = AuditEntry.objects.get(action="user.password_reset", object_id=str(unit_editor.pk))
    assert entry.actor == admin_user and "Mat-khau" not in str(entry.changes)
    # then their open session has ended, and the key no longer opens the API (its revocation recorded)
    assert not theirs.get("/").wsgi_request.user.is_authenticated
    assert Client().get("/api/v1/assessments/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_only_administrators_reset_a_password(client: Client, unit_head: Any, unit_editor: Any) -> None:
    url = reverse("administration:user_detail", args=[unit_editor.pk])
    data = {"password1": "Mat-khau-moi-2021", "password2": "Mat-khau-moi-2021"}
    assert client.post(url, data)["Location"].startswith(reverse("login"))  # anonymous: to the login page
    client.force_login(unit_head)
    assert client.post(url, data).status_code == 403
    unit_editor.refresh_from_db()
    assert unit_editor.check_password("x-Secret-2020!")
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()


def test_a_username_is_checked_and_audited_as_the_account_stores_it(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    """An account stores its username in NFKC («qa²» becomes «qa2»): the duplicate check and the audit entry must
    see that name, or a second «qa²» (or «qa2») was a server error on the unique index."""
    client.force_login(admin_user)
    url = reverse("administration:user_create")
    form = {"full_name": "Người Thử", "password": GOOD, "role": "appraiser"}
    assert client.post(url, {**form, "username": "qa²"}).status_code == 302
    assert get_user_model().objects.filter(username="qa2").exists()
    entry = AuditEntry.objects.filter(action="user.create").latest("id")
    assert entry.changes["username"]["new"] == "qa2"
    for again in ("qa²", "qa2", "QA2"):
        answer = client.post(url, {**form, "username": again})
        assert answer.status_code == 400 and "đã có" in answer.content.decode(), again
    assert get_user_model().objects.filter(username__iexact="qa2").count() == 1


def test_a_nul_character_in_a_form_is_refused_in_vietnamese(client: Client, catalogue: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    answer = client.post(reverse("administration:user_create"), {
        "username": "qa\x00x", "full_name": "Người Thử", "password": GOOD, "role": "appraiser"})
    page = answer.content.decode()
    assert answer.status_code == 400 and "Không được có ký tự rỗng (NUL)" in page and "Null characters" not in page
    assert not get_user_model().objects.filter(username__startswith="qa").exists()


def test_locking_an_account_ends_its_sessions_and_keys_and_unlocking_does_not_bring_them_back(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    from scoring.tokens import api_token_issue

    theirs = Client()
    theirs.force_login(unit_editor)
    other = Client()
    other.force_login(admin_user)  # somebody else's session stays
    key = api_token_issue(user=unit_editor, role="unit_editor", name="Hệ thống", actor=admin_user).key
    client.force_login(admin_user)
    url = reverse("administration:user_toggle", args=[unit_editor.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    assert client.post(url, {"active": "1"}).status_code == 302
    unit_editor.refresh_from_db()
    assert unit_editor.is_active
    assert not theirs.get("/").wsgi_request.user.is_authenticated
    assert Client().get("/api/v1/assessments/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert other.get("/").wsgi_request.user.is_authenticated
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1
