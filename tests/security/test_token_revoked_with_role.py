"""An API key is limited to one role of its user: taking that role back (on the users page, or by a unit's merge)
revokes the key, audited, and giving the role again later, for any unit, never brings the key back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.models import ApiToken, AuditEntry, RoleAssignment, Unit

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/appraisal/queue/"  # with a cycle: without one the queue currently fails (appraisal/api.py)


def _issue(admin_user: Any, username: str, role: str) -> tuple[str, int]:
    api = APIClient()
    api.force_login(admin_user)
    response = api.post("/api/v1/tokens/", {"username": username, "role": role, "name": "x"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["token"], response.json()["id"]


def _system(key: str) -> APIClient:
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return system


def _token_state(admin_user: Any, token_id: int) -> dict[str, Any]:
    api = APIClient()
    api.force_login(admin_user)
    body: dict[str, Any] = api.get(f"/api/v1/tokens/{token_id}/").json()
    return body


def test_removing_a_role_revokes_its_keys_and_giving_it_again_elsewhere_does_not_bring_them_back(
    client: Client, cycle: Any, admin_user: Any, unit_editor: Any
) -> None:
    # given: the unit's editor also made an appraiser, and a key limited to that role that reads the queue
    client.force_login(admin_user)
    assert client.post(reverse("administration:role_add", args=[unit_editor.pk]),
                       {"role": "appraiser", "unit": ""}).status_code == 302
    key, token_id = _issue(admin_user, "lan", "appraiser")
    system = _system(key)
    assert system.get(QUEUE).status_code == 200
    # when: the role is removed on the users page
    assignment = RoleAssignment.objects.get(user=unit_editor, role="appraiser")
    removed = client.post(reverse("administration:role_delete", args=[unit_editor.pk, assignment.pk]))
    assert removed.status_code == 302
    # then: the key is revoked (shown so), refused, and audited with the reason
    state = _token_state(admin_user, token_id)
    assert state["revoked_at"] is not None and state["active"] is False
    assert system.get(QUEUE).status_code == 401
    entry = AuditEntry.objects.get(action="api_token.revoke")
    assert entry.object_id == str(unit_editor.pk)
    assert entry.actor_id == admin_user.pk and "Thành viên Tổ thẩm định" in entry.reason
    # and: the role given again, for another unit, does not bring the key back
    assert client.post(reverse("administration:role_add", args=[unit_editor.pk]),
                       {"role": "appraiser", "unit": "so-tai-chinh"}).status_code == 302
    assert RoleAssignment.objects.filter(user=unit_editor, role="appraiser", unit__code="so-tai-chinh").exists()
    assert system.get(QUEUE).status_code == 401
    assert _token_state(admin_user, token_id)["active"] is False


def test_removing_a_role_leaves_the_keys_of_the_users_other_roles_working(
    admin_user: Any, unit_editor: Any
) -> None:
    """Guards behaviour that must not change: only the removed role's keys go."""
    services.role_assign(user=unit_editor, role="appraiser", unit=None, actor=admin_user)
    editor_key, _editor_id = _issue(admin_user, "lan", "unit_editor")
    _appraiser_key, _appraiser_id = _issue(admin_user, "lan", "appraiser")
    services.role_remove(assignment=RoleAssignment.objects.get(user=unit_editor, role="appraiser"), actor=admin_user)
    assert _system(editor_key).get("/api/v1/assessments/").status_code == 200
    assert list(ApiToken.objects.filter(revoked_at__isnull=True).values_list("role", flat=True)) == ["unit_editor"]


def test_removing_the_role_at_one_unit_revokes_its_key_though_the_role_is_held_at_another(
    admin_user: Any, unit_editor: Any
) -> None:
    """A key carries the role, not the unit: its reach changed with the assignment, so it goes."""
    services.role_assign(user=unit_editor, role="unit_editor", unit=Unit.objects.get(code="so-tai-chinh"),
                         actor=admin_user)
    key, _token_id = _issue(admin_user, "lan", "unit_editor")
    services.role_remove(
        assignment=RoleAssignment.objects.get(user=unit_editor, role="unit_editor", unit__code="so-tai-chinh"),
        actor=admin_user,
    )
    assert _system(key).get("/api/v1/assessments/").status_code == 401
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_a_refused_role_removal_revokes_nothing(admin_user: Any) -> None:
    """An administrator cannot remove their own administrator role: nothing changes, the key included."""
    key, _token_id = _issue(admin_user, "bao", "administrator")
    assignment = RoleAssignment.objects.get(user=admin_user, role="administrator")
    with pytest.raises(Exception, match="chính mình"):
        services.role_remove(assignment=assignment, actor=admin_user)
    assert _system(key).get("/api/v1/tokens/").status_code == 200
    assert not AuditEntry.objects.filter(action="api_token.revoke").exists()


def test_a_units_merge_revokes_the_keys_of_the_roles_its_people_held_there(
    cycle: Any, admin_user: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given: keys of the unit's editor and head (Sở Y tế), and one of the editor's for another role
    services.role_assign(user=unit_editor, role="appraiser", unit=None, actor=admin_user)
    editor_key, _ = _issue(admin_user, "lan", "unit_editor")
    head_key, _ = _issue(admin_user, "hung", "unit_head")
    appraiser_key, _ = _issue(admin_user, "lan", "appraiser")
    # when: Sở Y tế is merged into Sở Tài chính (its people move there)
    services.unit_merge(unit=Unit.objects.get(code="so-y-te"), into=Unit.objects.get(code="so-tai-chinh"),
                        reason="NQ 1", actor=admin_user)
    assert RoleAssignment.objects.filter(user=unit_editor, role="unit_editor", unit__code="so-tai-chinh").exists()
    # then: the keys of the roles moved no longer work (they would act for the successor); the other one does
    assert _system(editor_key).get("/api/v1/assessments/").status_code == 401
    assert _system(head_key).get("/api/v1/assessments/").status_code == 401
    assert _system(appraiser_key).get(QUEUE).status_code == 200
    revoked = AuditEntry.objects.filter(action="api_token.revoke")
    assert revoked.count() == 2 and all("sáp nhập" in entry.reason for entry in revoked)
