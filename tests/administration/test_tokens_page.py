"""The administration page for API tokens: an administrator issues a token limited to one role of a user (the
key is shown on that answer only), the key works on the API with that role's rights, revoking it stops it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from scoring.models import ApiToken, AuditEntry

pytestmark = pytest.mark.django_db

PAGE = "/quan-ly/ma-truy-cap/"


def _issued_key(html: str) -> str:
    match = re.search(r'id="id_new_key"[^>]*value="([^"]+)"', html)
    assert match, "the new key is shown on the answer"
    return match.group(1)


def test_an_administrator_issues_a_key_shown_once_that_works_then_revokes_it(
    client: Client, admin_user: Any, unit_editor: Any, assessment: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(PAGE, {"user": "lan", "role": "unit_editor", "name": "Cổng một cửa"})
    assert response.status_code == 200
    key = _issued_key(response.content.decode())
    token = ApiToken.objects.get()
    assert (token.user, token.role, token.name) == (unit_editor, "unit_editor", "Cổng một cửa")
    assert key not in token.key_hash and token.prefix == key[:8]
    listing = client.get(PAGE).content.decode()
    assert "Cổng một cửa" in listing and key not in listing  # never shown again

    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    own = system.get("/api/v1/assessments/")
    assert own.status_code == 200
    assert [a["id"] for a in own.json()["results"]] == [assessment.pk]
    assert system.post("/api/v1/units/", {"code": "x", "name": "X"}, format="json").status_code == 403

    revoked = client.post(f"{PAGE}{token.pk}/thu-hoi/")
    assert revoked.status_code == 302
    assert system.get("/api/v1/assessments/").status_code == 401
    assert AuditEntry.objects.filter(action__in=["api_token.issue", "api_token.revoke"]).count() == 2


def test_a_role_the_user_does_not_hold_is_refused_with_the_reason_and_nothing_issued(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(PAGE, {"user": "lan", "role": "administrator", "name": "Thử"})
    assert response.status_code == 400
    assert "không có vai trò" in response.content.decode()
    unknown = client.post(PAGE, {"user": "khong-co", "role": "unit_editor"})
    assert unknown.status_code == 400
    assert "Không có tài khoản đang dùng" in unknown.content.decode()
    assert not ApiToken.objects.exists()


def test_other_roles_may_neither_see_nor_issue_nor_revoke(
    client: Client, admin_user: Any, unit_editor: Any, lead: Any
) -> None:
    from scoring.tokens import api_token_issue

    token = api_token_issue(user=unit_editor, role="unit_editor", name="Hệ thống", actor=admin_user).token
    client.force_login(lead)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"user": "lan", "role": "unit_editor"}).status_code == 403
    assert client.post(f"{PAGE}{token.pk}/thu-hoi/").status_code == 403
    token.refresh_from_db()
    assert token.active and ApiToken.objects.count() == 1
