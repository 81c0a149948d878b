"""The user's own password change (/doi-mat-khau/) refuses a weak password with the administration's Vietnamese
messages (those of the administrator's reset and of the account's creation) and refuses the current password as
the new one; the administrator's reset accepts the account's current password (it would otherwise tell the
administrator what the password is)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.administration.validators import password_problems
from scoring.models import ApiToken

pytestmark = pytest.mark.django_db

CURRENT = "x-Secret-2020!"  # the named users' password (tests/conftest.py)


def _change(client: Client, new: str, *, old: str = CURRENT, again: str | None = None) -> Any:
    return client.post(reverse("password_change"), {
        "old_password": old, "new_password1": new, "new_password2": new if again is None else again,
    })


def _errors(response: Any) -> list[str]:
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


@pytest.mark.parametrize("weak", ["ngan-qua", "password123", "12345678901234", "nguyen.thi.lan"])
def test_a_weak_new_password_is_refused_with_the_administrations_vietnamese_messages(
    client: Client, unit_editor: Any, weak: str
) -> None:
    unit_editor.email = "nguyen.thi.lan@so-y-te.vn"  # the last one is too like the address
    unit_editor.save(update_fields=["email"])
    client.force_login(unit_editor)
    response = _change(client, weak)
    assert response.status_code == 200
    expected = password_problems(weak, unit_editor)
    assert expected, "the validators refuse it"
    assert _errors(response) == expected
    body = response.content.decode()
    assert all(message in body for message in expected)
    assert "This password" not in body and "password is too" not in body
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(CURRENT)


def test_a_too_short_password_reads_as_on_the_administrators_reset(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    body = _change(client, "ngan").content.decode()
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in body
    assert "too short" not in body


def test_the_current_password_as_the_new_one_is_refused_with_a_clear_message(
    client: Client, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    password_before = unit_editor.password
    response = _change(client, CURRENT)
    assert response.status_code == 200
    assert _errors(response) == ["Mật khẩu mới trùng với mật khẩu hiện tại; hãy chọn một mật khẩu khác."]
    assert 'role="alert"' in response.content.decode()
    unit_editor.refresh_from_db()
    assert unit_editor.password == password_before  # not even hashed again with a new salt


def test_refusing_the_current_password_counts_no_failed_sign_in(client: Client, unit_editor: Any) -> None:
    """The lockout counts wrong current passwords only: refusing a right one as the new one is no failed sign-in."""
    client.force_login(unit_editor)
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        assert _change(client, CURRENT).status_code == 200
    assert _change(client, "Tien-Giang-2021!").status_code == 302


def test_a_wrong_current_password_is_not_told_to_be_the_new_one(client: Client, unit_editor: Any) -> None:
    """The same text typed in both places, wrong: only the wrong current password is reported."""
    client.force_login(unit_editor)
    response = _change(client, "Khac-Hoan-Toan-2021!", old="Khac-Hoan-Toan-2021!")
    assert list(response.context["form"].errors) == ["old_password"]


def test_the_administrators_reset_to_the_current_password_is_accepted_and_still_ends_access(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    """Guards behaviour that must not change: refusing it would confirm to the administrator what the account's
    password is; accepted, it still gets a new hash, so the sessions end and the keys are revoked."""
    api = APIClient()
    api.force_login(admin_user)
    issued = api.post("/api/v1/tokens/", {"username": "lan", "role": "unit_editor"}, format="json")
    assert issued.status_code == 201
    hash_before = unit_editor.password
    services.user_set_password(user=unit_editor, password=CURRENT, actor=admin_user)
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(CURRENT) and unit_editor.password != hash_before
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_the_admin_sites_password_form_sends_to_the_sites_password_change_page(
    client: Client, admin_user: Any
) -> None:
    """/quan-tri/password_change/ would take a password with English refusals and uncounted wrong current
    passwords: it leads to /doi-mat-khau/ and changes nothing itself."""
    client.force_login(admin_user)
    page = client.get("/quan-tri/password_change/")
    assert page.status_code == 302 and page["Location"] == reverse("password_change")
    posted = client.post("/quan-tri/password_change/", {
        "old_password": CURRENT, "new_password1": "Tien-Giang-2021!", "new_password2": "Tien-Giang-2021!",
    })
    assert posted.status_code == 302 and posted["Location"] == reverse("password_change")
    admin_user.refresh_from_db()
    assert admin_user.check_password(CURRENT)
