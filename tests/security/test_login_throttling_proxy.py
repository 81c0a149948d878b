"""Lockout by address cannot be dodged with a forged X-Forwarded-For; behind a proxy the client's address counts."""

from __future__ import annotations

from typing import Any

from django.test import Client, override_settings
from django.urls import reverse

RIGHT = "x-Secret-2020!"


def _post(username: str, password: str, **meta: str) -> Any:
    return Client().post(reverse("login"), {"username": username, "password": password}, **meta)


def test_without_a_proxy_a_forged_forwarded_for_header_does_not_escape_the_lockout(unit_editor: Any) -> None:
    for n in range(5):
        _post("lan", "sai-mat-khau", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = _post("lan", RIGHT, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert response.status_code == 429


@override_settings(PROXY_COUNT=1)
def test_behind_one_proxy_the_lockout_is_per_client_address_not_per_proxy(unit_editor: Any) -> None:
    proxy = "10.0.0.1"  # the proxy appends the address it saw; a client-written prefix is ignored
    for _ in range(5):
        _post("lan", "sai-mat-khau", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="8.8.4.4")
    forged = "1.1.1.1, 8.8.4.4"  # the same client pretending to be someone else
    assert _post("lan", RIGHT, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forged).status_code == 429
    assert _post("lan", RIGHT, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="8.8.4.4").status_code == 429
    # Another citizen behind the same proxy is not locked out.
    assert _post("lan", RIGHT, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 302
