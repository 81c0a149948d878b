"""A password someone else chose (the account's creation on the users page, an import's initial password, an
administrator's reset) marks the account: its user must replace it at the next sign-in. An administrator's reset of
their own password does not; the user's own change clears the mark; each is in the audit record."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.users import password_change_required, password_changed_by_user
from scoring.models import AuditEntry, RoleAssignment, UserProfile

pytestmark = pytest.mark.django_db

INITIAL = "Khoi-Tao-2021!"


def _create(admin_user: Any, username: str = "tran.van.an") -> Any:
    return services.user_create(
        username=username, full_name="Trần Văn An", email=f"{username}@example.invalid", password=INITIAL,
        role=RoleAssignment.Role.APPRAISER, unit=None, actor=admin_user,
    )


def test_an_account_made_by_an_administrator_must_change_its_password(admin_user: Any) -> None:
    user = _create(admin_user)
    assert password_change_required(user)
    entry = AuditEntry.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.changes["must_change_password"] == {"old": None, "new": True}


def test_the_accounts_of_an_import_must_change_their_initial_passwords(admin_user: Any) -> None:
    rows = [{"row": 2, "username": "le.thi.hoa", "full_name": "Lê Thị Hoa", "password": INITIAL, "role": "appraiser",
             "unit": "", "active": ""}]
    assert services.users_import(rows=rows, actor=admin_user) == 1
    assert password_change_required(get_user_model().objects.get(username="le.thi.hoa"))


def test_an_administrators_reset_marks_the_account_again_and_says_so(admin_user: Any, unit_editor: Any) -> None:
    assert not password_change_required(unit_editor)  # an account that had no mark (made before it existed)
    services.user_set_password(user=unit_editor, password="Dat-Lai-2021!", actor=admin_user)
    assert password_change_required(unit_editor)
    entry = AuditEntry.objects.get(action="user.password_reset", object_id=str(unit_editor.pk))
    assert entry.changes["must_change_password"] == {"old": None, "new": True}


def test_an_administrator_resetting_their_own_password_is_not_asked_to_change_it(admin_user: Any) -> None:
    services.user_set_password(user=admin_user, password="Cua-Toi-2021!", actor=admin_user)
    assert not password_change_required(admin_user)
    entry = AuditEntry.objects.get(action="user.password_reset", object_id=str(admin_user.pk))
    assert "must_change_password" not in entry.changes


def test_existing_accounts_are_not_marked(unit_editor: Any, unit_head: Any, appraiser: Any, lead: Any) -> None:
    assert not UserProfile.objects.exists()
    assert not any(password_change_required(user) for user in (unit_editor, unit_head, appraiser, lead))


def test_clearing_the_mark_says_what_changed_once(admin_user: Any) -> None:
    user = _create(admin_user)
    assert password_changed_by_user(user=user) == {"must_change_password": {"old": True, "new": False}}
    assert not password_change_required(user)
    assert password_changed_by_user(user=user) == {}


def test_the_users_own_change_clears_the_mark_in_the_audited_change(admin_user: Any, client: Client) -> None:
    user = _create(admin_user)
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": INITIAL, "new_password1": "Rieng-Toi-2021!", "new_password2": "Rieng-Toi-2021!",
    })
    assert response.status_code == 302
    assert not password_change_required(user)
    entry = AuditEntry.objects.get(action="user.password_changed", object_id=str(user.pk))
    assert entry.actor_id == user.pk
    assert entry.changes == {"password": {"old": "•", "new": "•"}, "must_change_password": {"old": True, "new": False}}


def test_the_users_page_tells_the_administrator_the_password_is_still_theirs(
    admin_user: Any, client: Client
) -> None:
    user = _create(admin_user)
    client.force_login(admin_user)
    page = reverse("administration:user_detail", args=[user.pk])
    assert 'id="must-change-password"' in client.get(page).content.decode()
    password_changed_by_user(user=user)
    assert 'id="must-change-password"' not in client.get(page).content.decode()
