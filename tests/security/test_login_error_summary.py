"""A refused sign-in lands on a focused error summary (an alert, taking the focus the username field has on a fresh
page), whose message the fields are marked by and described by: a screen-reader user hears why at once, rather
than only the username field's name, and does not retry a locked account's password into the login lockout."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from scoring.administration.services.users import user_set_active

RIGHT = "x-Secret-2020!"
SUMMARY = re.compile(r'<div class="banner-error error-summary" id="login-errors" role="alert" tabindex="-1" autofocus'
                     r' aria-labelledby="login-errors-title">\s*<h2 id="login-errors-title">Chưa đăng nhập được:</h2>')


def _input(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found is not None, name
    return found.group(0)


def test_a_fresh_sign_in_page_focuses_the_username_field_and_marks_nothing(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()

    assert "login-errors" not in page
    assert "autofocus" in _input(page, "username")
    assert "aria-invalid" not in page


def test_a_locked_accounts_message_is_a_focused_alert_describing_both_fields(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    user_set_active(user=unit_editor, active=False, actor=admin_user)

    page = client.post(reverse("login"), {"username": "lan", "password": RIGHT}).content.decode()

    assert SUMMARY.search(page), page
    summary = page[page.index('id="login-errors"'):]
    assert "Tài khoản đã bị khoá" in summary[:summary.index("</div>")]
    # nothing to fix in a field: the message links nowhere
    assert "<a " not in summary[:summary.index("</div>")]
    # the summary takes the focus, not the username field
    assert page.count("autofocus") == 1
    for name in ("username", "password"):
        field = _input(page, name)
        assert 'aria-invalid="true"' in field and 'aria-describedby="login-errors"' in field, field
    # the old plain list is gone: the message is said once
    assert page.count("Tài khoản đã bị khoá") == 1


def test_a_wrong_password_links_to_the_username_field(client: Client, unit_editor: Any) -> None:
    page = client.post(reverse("login"), {"username": "lan", "password": "sai-mat-khau"}).content.decode()

    assert SUMMARY.search(page), page
    assert re.search(r'<li><a href="#id_username">Vui lòng điền vào Tên đăng nhập và mật khẩu chính xác', page)
    assert page.count("autofocus") == 1
    assert 'aria-describedby="login-errors"' in _input(page, "password")


def test_an_empty_field_is_linked_marked_and_described_by_its_own_message(client: Client) -> None:
    page = client.post(reverse("login"), {"username": "lan", "password": ""}).content.decode()

    assert SUMMARY.search(page), page
    assert re.search(r'<li><a href="#id_password">[^<]+</a></li>', page)
    password = _input(page, "password")
    assert 'aria-invalid="true"' in password and 'aria-describedby="id_password-error"' in password
    assert re.search(r'<p class="error" id="id_password-error">[^<]+</p>', page)
    assert "aria-invalid" not in _input(page, "username")
    assert page.count("autofocus") == 1
