"""Role-scoped API tokens: issued by administrators, key shown once and stored only as a hash, limited to one
role of the user everywhere permissions are checked, refused once revoked."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.models import ApiToken, AuditEntry, RoleAssignment, Unit

pytestmark = pytest.mark.django_db

NEW_UNIT = {"code": "so-moi", "name": "Sở Mới", "kind": "department", "ranking_group": "so-ban-nganh"}


def issue(api: APIClient, admin: Any, username: str, role: str | None = None, name: str = "") -> Any:
    api.force_login(admin)
    body: dict[str, Any] = {"username": username, "name": name}
    if role is not None:
        body["role"] = role
    return api.post("/api/v1/tokens/", body, format="json")


def client_with(key: str) -> APIClient:
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return system


@pytest.fixture
def two_hats(catalogue: Any) -> Any:
    """A user who is both an appraiser and an administrator."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="minh", password="x-Secret-2020!")
    RoleAssignment.objects.create(user=user, role="appraiser", unit=Unit.objects.get(code="so-tu-phap"))
    RoleAssignment.objects.create(user=user, role="administrator")
    return user


def test_an_appraiser_scoped_token_of_an_administrator_cannot_call_administrator_endpoints(
    api: APIClient, admin_user: Any, two_hats: Any
) -> None:
    # given a token limited to the appraiser role of a user who is also an administrator
    response = issue(api, admin_user, "minh", "appraiser", "Hệ thống thẩm định")
    assert response.status_code == 201, response.json()
    system = client_with(response.json()["token"])
    # then it reads like any signed-in user, but every administrator endpoint is refused
    assert system.get("/api/v1/units/").status_code == 200
    refused = system.post("/api/v1/units/", NEW_UNIT, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert system.get("/api/v1/tokens/").status_code == 403
    assert system.post("/api/v1/cycles/", {"year": 2031, "name": "Kỳ 2031"}, format="json").status_code == 403
    assert not Unit.objects.filter(code="so-moi").exists()


def test_the_same_user_with_an_administrator_scoped_token_may_write(
    api: APIClient, admin_user: Any, two_hats: Any
) -> None:
    key = issue(api, admin_user, "minh", "administrator").json()["token"]
    created = client_with(key).post("/api/v1/units/", NEW_UNIT, format="json")
    assert created.status_code == 201, created.json()
    entry = AuditEntry.objects.get(action="unit.create", object_id=str(created.json()["id"]))
    assert entry.actor_id == two_hats.pk


def test_a_superusers_token_limited_to_a_unit_role_has_only_that_units_rights(
    api: APIClient, admin_user: Any, assessment: Any
) -> None:
    RoleAssignment.objects.create(user=admin_user, role="unit_editor", unit=Unit.objects.get(code="so-tu-phap"))
    key = issue(api, admin_user, admin_user.username, "unit_editor").json()["token"]
    system = client_with(key)
    # The superuser sees every assessment by session; the token sees none of another unit's.
    assert system.get("/api/v1/assessments/").json()["results"] == []
    assert system.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404
    assert system.post("/api/v1/units/", NEW_UNIT, format="json").status_code == 403
    # the session of the same person is not limited
    assert [a["id"] for a in api.get("/api/v1/assessments/").json()["results"]] == [assessment.pk]


def test_a_unit_editor_scoped_token_of_a_unit_head_cannot_submit(
    api: APIClient, admin_user: Any, unit_head: Any, assessment: Any
) -> None:
    RoleAssignment.objects.create(user=unit_head, role="unit_editor", unit=Unit.objects.get(code="so-y-te"))
    editor_key = issue(api, admin_user, "hung", "unit_editor").json()["token"]
    head_key = issue(api, admin_user, "hung", "unit_head").json()["token"]
    refused = client_with(editor_key).post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert refused.status_code == 403
    # with the head's scope the submission is considered (and refused for the unanswered lines, not the role)
    considered = client_with(head_key).post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert considered.status_code == 400
    assert considered.json()["code"] == "not_ready"
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_the_key_is_shown_once_and_only_its_hash_is_stored(api: APIClient, admin_user: Any, unit_editor: Any) -> None:
    response = issue(api, admin_user, "lan", "unit_editor", "Một cửa")
    assert response.status_code == 201
    body = response.json()
    key = body["token"]
    assert response["Cache-Control"] == "no-store"
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert (body["role"], body["username"], body["name"]) == ("unit_editor", "lan", "Một cửa")
    listed = api.get("/api/v1/tokens/")
    assert listed.status_code == 200
    assert key not in listed.content.decode()
    assert listed.json()["results"][0]["prefix"] == key[:8]
    assert api.get(f"/api/v1/tokens/{stored.pk}/").json()["active"] is True
    entry = AuditEntry.objects.get(action="api_token.issue", object_id=str(unit_editor.pk))
    assert entry.changes["role"]["new"] == "unit_editor"


def test_a_role_may_be_left_out_only_when_the_user_has_exactly_one(
    api: APIClient, admin_user: Any, unit_editor: Any, two_hats: Any
) -> None:
    assert issue(api, admin_user, "lan").json()["role"] == "unit_editor"
    refused = issue(api, admin_user, "minh")
    assert refused.status_code == 400
    assert refused.json()["code"] == "role_required"
    assert "vai trò" in refused.json()["fields"]["role"][0]
    assert not ApiToken.objects.filter(user=two_hats).exists()


def test_a_role_the_user_does_not_hold_is_a_field_error_and_nothing_is_issued(
    api: APIClient, admin_user: Any, unit_editor: Any
) -> None:
    audit_before = AuditEntry.objects.count()
    refused = issue(api, admin_user, "lan", "administrator")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "role_not_held"
    assert body["fields"]["role"] == ["Người dùng «lan» không có vai trò «Quản trị (Sở Nội vụ)»."]
    unknown = issue(api, admin_user, "lan", "king")
    assert unknown.status_code == 400
    assert "role" in unknown.json()["fields"]
    assert not ApiToken.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_revoked_token_is_refused(api: APIClient, admin_user: Any, unit_editor: Any, assessment: Any) -> None:
    body = issue(api, admin_user, "lan", "unit_editor").json()
    system = client_with(body["token"])
    assert system.get("/api/v1/assessments/").status_code == 200
    assert api.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    refused = system.get("/api/v1/assessments/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    token = ApiToken.objects.get(pk=body["id"])
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="api_token.revoke", object_id=str(unit_editor.pk)).count() == 1
    # revoking again changes nothing and records nothing
    assert api.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_revoking_by_user_name_revokes_every_active_token_of_the_user(
    api: APIClient, admin_user: Any, unit_editor: Any
) -> None:
    keys = [issue(api, admin_user, "lan", "unit_editor", f"Hệ thống {i}").json()["token"] for i in range(2)]
    assert api.post("/api/v1/tokens/revoke/", {"username": "lan"}, format="json").status_code == 204
    assert all(client_with(k).get("/api/v1/units/").status_code == 401 for k in keys)
    assert api.post("/api/v1/tokens/revoke/", {"username": "lan"}, format="json").status_code == 404


def test_a_token_of_a_locked_account_or_an_unknown_key_is_refused(
    api: APIClient, admin_user: Any, unit_editor: Any
) -> None:
    key = issue(api, admin_user, "lan", "unit_editor").json()["token"]
    unit_editor.is_active = False
    unit_editor.save(update_fields=["is_active"])
    assert client_with(key).get("/api/v1/units/").status_code == 401
    assert client_with("not-a-real-key").get("/api/v1/units/").status_code == 401
    assert client_with(key[:-1]).get("/api/v1/units/").status_code == 401


def test_a_locked_account_gets_no_new_token(api: APIClient, admin_user: Any, unit_editor: Any) -> None:
    unit_editor.is_active = False
    unit_editor.save(update_fields=["is_active"])
    refused = issue(api, admin_user, "lan", "unit_editor")
    assert refused.status_code == 400
    assert "username" in refused.json()["fields"]


def test_using_a_token_records_its_last_use(api: APIClient, admin_user: Any, unit_editor: Any) -> None:
    body = issue(api, admin_user, "lan", "unit_editor").json()
    assert body["last_used_at"] is None
    client_with(body["token"]).get("/api/v1/units/")
    assert ApiToken.objects.get(pk=body["id"]).last_used_at is not None


@pytest.mark.parametrize("who", ["unit_editor", "unit_head", "appraiser", "lead"])
def test_only_administrators_manage_tokens(api: APIClient, request: Any, who: str, unit_editor: Any) -> None:
    user = request.getfixturevalue(who)
    token = ApiToken.objects.create(user=unit_editor, role="unit_editor", name="x", key_hash="0" * 64, prefix="x")
    api.force_login(user)
    assert api.get("/api/v1/tokens/").status_code == 403
    assert api.post("/api/v1/tokens/", {"username": "lan"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/tokens/{token.pk}/").status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert ApiToken.objects.count() == 1


def test_anonymous_callers_get_401_on_token_endpoints(api: APIClient) -> None:
    response = api.get("/api/v1/tokens/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_leads_token_still_belongs_to_the_persons_own_unit(api: APIClient, admin_user: Any, submitted: Any,
                                                            lead: Any) -> None:
    """A token limits what a person may do, not who they are: the lead, also an editor of Sở Y tế, never
    appraises Sở Y tế, with a token limited to the lead's role as without one."""
    RoleAssignment.objects.create(user=lead, role="unit_editor", unit=submitted.unit)
    response = issue(api, admin_user, lead.username, "appraisal_lead", "Hệ thống thẩm định")
    assert response.status_code == 201, response.json()
    system = client_with(response.json()["token"])
    queue = system.get("/api/v1/appraisal/queue/")
    assert queue.status_code == 200 and queue.json()["count"] == 0, queue.json()  # Sở Y tế is the only one
    started = system.post(f"/api/v1/assessments/{submitted.pk}/start/")
    assert started.status_code in (403, 404), started.json()
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
