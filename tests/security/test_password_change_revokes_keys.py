"""A user's own password change (/doi-mat-khau/) can revoke the API keys issued to the account, as the
administrator's reset does: a checkbox «Thu hồi mọi khóa API của tôi», ticked by default, shown only to a user with
active keys (with how many). Ticked, every active key of the user is revoked (each revocation audited, the user as
actor) in the same transaction as the new password, and the success message says how many; a refused change
revokes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.models import ApiToken, AuditEntry
from scoring.tokens import api_token_issue

pytestmark = pytest.mark.django_db

CURRENT = "x-Secret-2020!"  # the named users' password (tests/conftest.py)
NEW = "Tien-Giang-2021!"
LABEL = "Thu hồi mọi khóa API của tôi"


def _keys(user: Any, admin_user: Any, n: int = 2) -> list[str]:
    return [api_token_issue(user=user, role="unit_editor", name=f"k{i}", actor=admin_user).key for i in range(n)]


def _change(client: Client, *, new: str = NEW, old: str = CURRENT, revoke: bool | None = True) -> Any:
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    if revoke:
        data["revoke_api_keys"] = "on"
    return client.post(reverse("password_change"), data)


def _works(key: str) -> bool:
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    status: int = system.get("/api/v1/units/").status_code
    assert status in (200, 401)
    return status == 200


def test_the_form_offers_to_revoke_the_keys_ticked_with_their_count(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    _keys(unit_editor, admin_user, 3)
    api_token_issue(user=admin_user, role="administrator", name="other", actor=admin_user)  # not the user's
    client.force_login(unit_editor)
    body = client.get(reverse("password_change")).content.decode()
    assert LABEL in body
    assert 'name="revoke_api_keys"' in body and "checked" in body.split('name="revoke_api_keys"')[1].split(">")[0]
    assert "3 khóa API" in body


def test_a_user_without_active_keys_is_not_offered_the_checkbox(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    from scoring.tokens import api_tokens_revoke_for_user

    _keys(unit_editor, admin_user, 1)
    api_tokens_revoke_for_user(user=unit_editor, actor=admin_user)
    client.force_login(unit_editor)
    body = client.get(reverse("password_change")).content.decode()
    assert LABEL not in body and "revoke_api_keys" not in body


def test_a_ticked_change_revokes_every_key_of_the_user_audited_and_says_so(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    # given
    keys = _keys(unit_editor, admin_user, 2)
    others = api_token_issue(user=admin_user, role="administrator", name="other", actor=admin_user).key
    assert all(_works(key) for key in keys)
    client.force_login(unit_editor)
    before = AuditEntry.objects.count()

    # when
    response = _change(client)

    # then: the password changed, the user's keys no longer work, another user's key still does
    assert response.status_code == 302
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(NEW)
    assert not any(_works(key) for key in keys) and _works(others)
    assert not ApiToken.objects.filter(user=unit_editor, revoked_at__isnull=True).exists()
    # audited as the administrator's reset revokes: one entry per key, here the user as actor
    revocations = AuditEntry.objects.filter(action="api_token.revoke", object_id=str(unit_editor.pk))
    assert revocations.count() == 2 and {e.actor_id for e in revocations} == {unit_editor.pk}
    assert AuditEntry.objects.count() == before + 3  # the password change and the two revocations
    # and the success page says so
    done = client.get(response["Location"]).content.decode()
    assert "Đã thu hồi 2 khóa API" in done


def test_an_unticked_change_keeps_the_keys(client: Client, unit_editor: Any, admin_user: Any) -> None:
    keys = _keys(unit_editor, admin_user, 1)
    client.force_login(unit_editor)
    assert _change(client, revoke=False).status_code == 302
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(NEW) and _works(keys[0])
    assert not AuditEntry.objects.filter(action="api_token.revoke").exists()
    assert "thu hồi" not in client.get(reverse("password_change_done")).content.decode()


@pytest.mark.parametrize(("old", "new"), [("sai-mat-khau-1", NEW), (CURRENT, "ngan"), (CURRENT, CURRENT)],
                         ids=["wrong-current", "weak", "unchanged"])
def test_a_refused_change_revokes_nothing(
    client: Client, unit_editor: Any, admin_user: Any, old: str, new: str
) -> None:
    keys = _keys(unit_editor, admin_user, 2)
    client.force_login(unit_editor)
    response = _change(client, old=old, new=new)
    assert response.status_code == 200
    assert all(_works(key) for key in keys)
    assert not AuditEntry.objects.filter(action="api_token.revoke").exists()
    # the refused form keeps the box as the user left it
    assert LABEL in response.content.decode()


def test_the_password_and_the_revocation_are_written_together_or_not_at_all(
    client: Client, unit_editor: Any, admin_user: Any, monkeypatch: Any
) -> None:
    import scoring.tokens

    keys = _keys(unit_editor, admin_user, 1)
    before = AuditEntry.objects.count()

    def failing(**kwargs: Any) -> int:
        scoring.tokens.api_token_revoke(token=ApiToken.objects.get(user=unit_editor), actor=unit_editor)
        raise RuntimeError("lỗi giữa chừng")

    monkeypatch.setattr(scoring.tokens, "api_tokens_revoke_for_user", failing)
    client.force_login(unit_editor)
    with pytest.raises(RuntimeError):
        _change(client)
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(CURRENT)
    assert _works(keys[0]) and AuditEntry.objects.count() == before
