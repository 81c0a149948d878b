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


def test_wrong_current_passwords_on_the_change_page_count_for_the_lockout(client: Client, unit_editor: Any) -> None:
    """A stolen session cannot guess the password without limit: after 5 wrong current passwords even the right
    one is refused, nothing changes, and signing in from that address is locked too."""
    client.force_login(unit_editor)
    new = {"new_password1": "Xk9#qz81LmPw", "new_password2": "Xk9#qz81LmPw"}
    codes = [client.post(reverse("password_change"), {"old_password": f"sai-{attempt}", **new},
                         REMOTE_ADDR="10.0.0.9").status_code for attempt in range(5)]
    assert codes == [200, 200, 200, 200, 429]  # the fifth wrong one locks, as at sign-in
    locked = client.post(reverse("password_change"), {"old_password": RIGHT, **new}, REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429 and "Tạm khoá đăng nhập" in locked.content.decode()
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(RIGHT)
    assert _post(Client(), "lan", RIGHT, ip="10.0.0.9").status_code == 429


def test_a_forged_forwarded_for_header_does_not_escape_the_apis_anonymous_rate(db: Any, monkeypatch: Any) -> None:
    from django.core.cache import cache

    from cchc.api import AnonThrottle

    cache.clear()
    monkeypatch.setattr(AnonThrottle, "get_rate", lambda self: "2/min")
    client = Client()
    codes = [client.get("/api/v1/results/", HTTP_X_FORWARDED_FOR=f"10.1.0.{n}").status_code for n in range(4)]
    assert codes[:2] == [200, 200] and codes[2:] == [429, 429]
    cache.clear()
