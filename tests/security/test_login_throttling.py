"""Login throttling: after 5 wrong passwords for one username from one address, even the right one is refused."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

RIGHT = "x-Secret-2020!"


def _post(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_then_the_right_one_is_refused_with_the_vietnamese_lockout_page(
    client: Client, unit_editor: Any
) -> None:
    for _ in range(5):
        _post(client, "lan", "sai-mat-khau")
    response = _post(client, "lan", RIGHT)
    assert response.status_code == 429
    assert "Tạm khoá đăng nhập" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_then_the_right_one_still_logs_in(client: Client, unit_editor: Any) -> None:
    for _ in range(4):
        assert _post(client, "lan", "sai-mat-khau").status_code == 200
    response = _post(client, "lan", RIGHT)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(unit_editor.pk)


def test_a_lockout_of_one_username_and_address_leaves_other_users_and_addresses_free(
    client: Client, unit_editor: Any, unit_head: Any
) -> None:
    for _ in range(5):
        _post(client, "lan", "sai-mat-khau")
    assert _post(Client(), "hung", RIGHT).status_code == 302
    assert _post(Client(), "lan", RIGHT, ip="10.0.0.2").status_code == 302
