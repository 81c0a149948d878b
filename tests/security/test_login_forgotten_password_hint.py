"""The sign-in page tells a user who forgot the password whom to ask: there is no reset by e-mail, an administrator
(the unit's, or the system's at the Department of Home Affairs) sets a new one."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_the_sign_in_page_says_whom_to_ask_for_a_forgotten_password(client: Client) -> None:
    body = client.get(reverse("login")).content.decode()
    assert "Quên mật khẩu? Hãy liên hệ quản trị viên của đơn vị hoặc quản trị hệ thống" in body
    client.cookies["django_language"] = "en"
    assert "Forgotten your password?" in client.get(reverse("login")).content.decode()
