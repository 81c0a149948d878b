"""The demo follows the conflict-of-interest rule: nobody appraises, starts or signs off their own unit's assessment
(the Sở Nội vụ's lead, the Sở Tư pháp's appraiser), and the documented accounts keep working."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from appraisal.permissions import is_own_unit
from scoring.models import Assessment, AuditEntry, RoleAssignment

pytestmark = pytest.mark.django_db

# What the appraisal team does to an assessment, as the audit log records it (the unit's own saves and its
# submission are the unit's).
TEAM_ACTIONS = {"score_line.appraise", "score_line.accept_not_applicable"}


@pytest.fixture
def demo(django_capture_on_commit_callbacks: Any) -> str:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--allow-production", stdout=out)
    return out.getvalue()


def _team_entries(assessment: Assessment) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(assessment=assessment).select_related("actor")
    return [e for e in entries if e.action in TEAM_ACTIONS or (
        e.action == "assessment.state" and e.changes.get("state", {}).get("new") != Assessment.State.SUBMITTED)]


def test_no_demo_assessment_is_appraised_or_signed_off_by_its_own_units_people(demo: str) -> None:
    signed = Assessment.objects.filter(state=Assessment.State.SIGNED_OFF).select_related("unit", "signed_off_by")
    assert {a.unit.code for a in signed} >= {"so-noi-vu", "so-tu-phap"}
    for assessment in signed:
        entries = _team_entries(assessment)
        assert any(e.action == "score_line.appraise" for e in entries), assessment.unit.code
        assert any(e.changes.get("state", {}).get("new") == Assessment.State.SIGNED_OFF for e in entries)
        for entry in entries:
            assert entry.actor is not None
            assert not is_own_unit(get_user_model().objects.get(pk=entry.actor_id), assessment), (
                assessment.unit.code, entry.action, entry.actor.username)
        assert not is_own_unit(get_user_model().objects.get(pk=assessment.signed_off_by_id), assessment)


def test_the_documented_accounts_keep_their_roles_and_another_lead_reviews_the_so_noi_vu(
    demo: str, client: Client
) -> None:
    users = get_user_model().objects
    roles = {u: set(RoleAssignment.objects.filter(user__username=u).values_list("role", "unit__code"))
             for u in ("chuyenvien", "thutruong", "thamdinh", "totruong", "quantri")}
    assert roles == {
        "chuyenvien": {("unit_editor", "so-y-te")}, "thutruong": {("unit_head", "so-y-te")},
        "thamdinh": {("appraiser", "so-tu-phap")}, "totruong": {("appraisal_lead", "so-noi-vu")},
        "quantri": {("administrator", None)},
    }
    noi_vu = Assessment.objects.get(unit__code="so-noi-vu")
    # the Sở Nội vụ's own lead is still refused its review page; the account printed for it opens it
    client.force_login(users.get(username="totruong"))
    assert client.get(reverse("appraisal:review", args=[noi_vu.pk])).status_code == 403
    reviewer = noi_vu.signed_off_by
    assert reviewer.username in demo
    client.force_login(reviewer)
    assert client.get(reverse("appraisal:review", args=[noi_vu.pk])).status_code == 200
