"""A locked (inactive) account given its right password is told it is locked and whom to ask, instead of «wrong
password» (the official would retry into the login lockout). A wrong password tells nothing of the account's state;
every refusal still counts for the lockout; and an inactive account never signs in, by the page, a session or a key."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration.services.users import user_set_active
from scoring.tokens import api_token_issue

RIGHT = "x-Secret-2020!"
LOCKED = "Tài khoản đã bị khoá"
WRONG = "Vui lòng điền vào Tên đăng nhập và mật khẩu chính xác"


def _post(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _failures(username: str) -> int:
    return sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=username))


def test_a_locked_account_with_its_right_password_is_told_it_is_locked_and_whom_to_ask(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    user_set_active(user=unit_editor, active=False, actor=admin_user)

    response = _post(client, "lan", RIGHT)

    assert response.status_code == 200
    page = response.content.decode()
    assert LOCKED in page and "Sở Nội vụ" in page
    assert WRONG not in page
    assert "_auth_user_id" not in client.session


def test_a_locked_account_with_a_wrong_password_hears_the_usual_message(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    user_set_active(user=unit_editor, active=False, actor=admin_user)

    page = _post(client, "lan", "sai-mat-khau").content.decode()

    assert WRONG in page and LOCKED not in page


def test_an_unknown_username_and_an_active_account_with_a_wrong_password_hear_the_usual_message(
    client: Client, unit_editor: Any
) -> None:
    for username in ("khong-co-ai", "lan"):
        page = _post(client, username, RIGHT if username != "lan" else "sai-mat-khau").content.decode()
        assert WRONG in page and LOCKED not in page


def test_every_refused_sign_in_of_a_locked_account_counts_for_the_lockout(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    user_set_active(user=unit_editor, active=False, actor=admin_user)

    _post(client, "lan", "sai-mat-khau")
    _post(client, "lan", RIGHT)

    assert _failures("lan") == 2
    for _ in range(3):
        _post(client, "lan", RIGHT)
    # the lockout's page, before any password is looked at: nothing more is told about the account
    locked_out = _post(client, "lan", RIGHT)
    assert locked_out.status_code == 429
    assert LOCKED not in locked_out.content.decode()


def test_an_account_locked_while_signed_in_loses_its_session_and_its_api_keys(
    client: Client, unit_editor: Any
) -> None:
    issued = api_token_issue(user=unit_editor, role="unit_editor", name="Hệ thống", actor=None)
    key = issued.key
    assert _post(client, "lan", RIGHT).status_code == 302

    get_user_model().objects.filter(pk=unit_editor.pk).update(is_active=False)  # the bare flag, keys not revoked

    assert client.get(reverse("api:assessments")).status_code in (401, 403)
    page = client.get(reverse("password_change"))
    assert page.status_code == 302 and reverse("login") in page["Location"]
    by_key = Client().get(reverse("api:assessments"), HTTP_AUTHORIZATION=f"Token {key}")
    assert by_key.status_code == 401
