"""A user's own password change (/doi-mat-khau/) is audited as the administrator's reset is: one entry, the user
as its actor and its object, the password recorded as «•» (never the password or its hash), and readable on the
audit page; a refused change writes no entry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import AuditEntry

pytestmark = pytest.mark.django_db

CURRENT = "x-Secret-2020!"  # the named users' password (tests/conftest.py)
NEW = "Tien-Giang-2021!"


def _change(client: Client, new: str, *, old: str = CURRENT) -> Any:
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


def test_the_own_password_change_writes_one_audit_entry_without_the_password(
    client: Client, unit_editor: Any
) -> None:
    # given
    client.force_login(unit_editor)
    before = AuditEntry.objects.count()

    # when
    response = _change(client, NEW)

    # then: changed, and one entry saying so
    assert response.status_code == 302
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(NEW)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action="user.password_changed")
    assert (entry.actor, entry.object_type, entry.object_id) == (unit_editor, "User", str(unit_editor.pk))
    assert entry.changes == {"password": {"old": "•", "new": "•"}}
    recorded = json.dumps({f.name: str(getattr(entry, f.name)) for f in AuditEntry._meta.concrete_fields},
                          ensure_ascii=False)
    assert NEW not in recorded and CURRENT not in recorded and unit_editor.password not in recorded
    # and the user is still signed in (Django keeps the session that changed the password)
    assert client.get("/").wsgi_request.user == unit_editor


@pytest.mark.parametrize(("old", "new"), [("sai-mat-khau-1", NEW), (CURRENT, "ngan"), (CURRENT, CURRENT)],
                         ids=["wrong-current", "weak", "unchanged"])
def test_a_refused_password_change_writes_no_audit_entry(client: Client, unit_editor: Any, old: str, new: str) -> None:
    client.force_login(unit_editor)
    before = AuditEntry.objects.count()

    response = _change(client, new, old=old)

    assert response.status_code == 200
    assert AuditEntry.objects.count() == before
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(CURRENT)


def test_the_audit_page_names_the_own_password_change_in_vietnamese(
    client: Client, unit_editor: Any, admin_user: Any
) -> None:
    client.force_login(unit_editor)
    assert _change(client, NEW).status_code == 302

    client.force_login(admin_user)
    page = client.get(reverse("administration:audit_list"), {"action": "đổi mật khẩu"}).content.decode()

    assert "Tự đổi mật khẩu" in page and 'title="user.password_changed"' in page
    assert "Mật khẩu" in page and NEW not in page


def test_a_change_whose_audit_entry_fails_keeps_the_old_password(
    client: Client, unit_editor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an audit log that refuses the entry
    def refuse(**_fields: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("scoring.views.accounts.audit_record", refuse)
    client.force_login(unit_editor)

    # when
    with pytest.raises(RuntimeError):
        _change(client, NEW)

    # then: both or neither
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(CURRENT)
