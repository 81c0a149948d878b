"""Login throttling per address: one password tried on many accounts from one address is stopped once the address's
failures reach LOGIN_ADDRESS_FAILURE_LIMIT, whatever the usernames; an office behind one address signs in freely
below it, and other addresses are never concerned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import Client
from django.urls import reverse

RIGHT = "x-Secret-2020!"
OFFICE = "10.0.0.1"
LIMIT = 8  # the default is 50; a few make the same point faster
ADDRESS_LOCKED = "mọi lượt đăng nhập từ địa chỉ này tạm thời bị khoá"


@pytest.fixture(autouse=True)
def address_limit(settings: Any) -> int:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = LIMIT
    return LIMIT


def _sign_in(username: str, password: str, ip: str = OFFICE, client: Client | None = None) -> Any:
    return (client or Client()).post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _spray(count: int, ip: str = OFFICE) -> list[int]:
    """One password tried on `count` accounts, once each: never the same username twice."""
    return [_sign_in(f"can-bo-{n}", "Mat-khau-pho-bien-1", ip=ip).status_code for n in range(count)]


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_default_limit_per_address_is_fifty_failed_sign_ins() -> None:
    from cchc import settings as project_settings

    assert project_settings.LOGIN_ADDRESS_FAILURE_LIMIT == 50
    assert project_settings.AXES_FAILURE_LIMIT == 5


def test_below_the_address_limit_other_accounts_still_sign_in_from_that_address(
    unit_editor: Any, unit_head: Any
) -> None:
    assert _spray(LIMIT - 1) == [200] * (LIMIT - 1)
    for username in ("lan", "hung"):
        client = Client()
        assert _sign_in(username, RIGHT, client=client).status_code == 302
        assert _signed_in(client)


def test_an_office_whose_officials_each_mistype_once_before_signing_in_is_never_locked(catalogue: Any) -> None:
    """A successful sign-in clears that account's failures from the address, so an office's typing errors do not
    add up to the address's limit however many officials share it."""
    from tests.conftest import _user

    for n in range(LIMIT + 2):
        _user(f"chuyen-vien-{n}", "unit_editor", "so-y-te")
        assert _sign_in(f"chuyen-vien-{n}", "sai-mat-khau").status_code == 200
        assert _sign_in(f"chuyen-vien-{n}", RIGHT).status_code == 302


def test_at_the_address_limit_every_sign_in_from_it_is_refused_with_429_and_the_vietnamese_page(
    unit_editor: Any,
) -> None:
    # given: LIMIT accounts each tried once from the office's address; the last failure is the one that locks
    codes = _spray(LIMIT)
    assert codes[:-1] == [200] * (LIMIT - 1) and codes[-1] == 429
    # when: an account never tried signs in with its right password from that address
    client = Client()
    response = _sign_in("lan", RIGHT, client=client)
    # then
    assert response.status_code == 429
    page = response.content.decode()
    assert "Tạm khoá đăng nhập" in page and ADDRESS_LOCKED in page and "Vui lòng thử lại sau 15 phút" in page
    assert not _signed_in(client)


def test_a_lockout_of_one_account_keeps_its_own_message(unit_editor: Any) -> None:
    for _ in range(5):
        _sign_in("lan", "sai-mat-khau")
    page = _sign_in("lan", RIGHT).content.decode()
    assert "Tài khoản này đã nhập sai mật khẩu quá nhiều lần" in page and ADDRESS_LOCKED not in page


def test_the_lockout_page_says_the_configured_cool_off(settings: Any, unit_editor: Any) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    _spray(LIMIT)
    assert "Vui lòng thử lại sau 30 phút" in _sign_in("lan", RIGHT).content.decode()


def test_a_locked_address_leaves_another_address_free(unit_editor: Any) -> None:
    _spray(LIMIT)
    client = Client()
    assert _sign_in("lan", RIGHT, ip="10.0.0.2", client=client).status_code == 302
    assert _signed_in(client)


def test_the_address_lock_ends_with_the_cool_off(settings: Any, unit_editor: Any) -> None:
    _spray(LIMIT)
    assert _sign_in("lan", RIGHT).status_code == 429
    # the cool-off passes since the last failure (the refused sign-in counted as one too)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    client = Client()
    assert _sign_in("lan", RIGHT, client=client).status_code == 302
    assert _signed_in(client)


def test_with_the_address_limit_off_a_spray_is_not_stopped(settings: Any, unit_editor: Any) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 0
    assert _spray(LIMIT + 2) == [200] * (LIMIT + 2)
    assert _sign_in("lan", RIGHT).status_code == 302


def test_a_locked_address_cannot_change_a_password_and_nothing_changes(unit_editor: Any) -> None:
    _spray(LIMIT)
    client = Client()
    client.force_login(unit_editor)
    new = "Xk9#qz81LmPw"
    response = client.post(reverse("password_change"),
                           {"old_password": RIGHT, "new_password1": new, "new_password2": new}, REMOTE_ADDR=OFFICE)
    assert response.status_code == 429 and ADDRESS_LOCKED in response.content.decode()
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(RIGHT)


def test_wrong_current_passwords_of_several_accounts_on_the_change_page_count_for_the_address(
    catalogue: Any, unit_editor: Any
) -> None:
    """Stolen sessions of several accounts, each guessing its password fewer times than the account's limit, still
    lock the address they guess from."""
    from tests.conftest import _user

    new = "Xk9#qz81LmPw"
    codes = []
    for n in range(LIMIT // 2):
        client = Client()
        client.force_login(_user(f"phien-{n}", "unit_editor", "so-y-te"))
        for attempt in range(2):
            codes.append(client.post(reverse("password_change"), {
                "old_password": f"sai-{attempt}", "new_password1": new, "new_password2": new,
            }, REMOTE_ADDR=OFFICE).status_code)
    assert codes[:-1] == [200] * (LIMIT - 1) and codes[-1] == 429
    assert _sign_in("lan", RIGHT).status_code == 429
    assert not get_user_model().objects.get(username="phien-0").check_password(new)


def test_a_locked_address_cannot_sign_in_to_the_django_admin(admin_user: Any) -> None:
    _spray(LIMIT)
    client = Client()
    response = client.post("/quan-tri/login/", {"username": "bao", "password": RIGHT}, REMOTE_ADDR=OFFICE)
    assert response.status_code == 429 and ADDRESS_LOCKED in response.content.decode()
    assert not _signed_in(client)
    assert Client().post("/quan-tri/login/", {"username": "bao", "password": RIGHT},
                         REMOTE_ADDR="10.0.0.2").status_code == 302
