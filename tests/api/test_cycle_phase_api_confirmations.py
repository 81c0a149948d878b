"""The API moves a cycle's phase with the cycle page's confirmations: moving on with assessments left behind, or
closing the self-assessment before its deadline, is refused until the client sends back what the refusal showed;
a step back needs its confirmation and a reason, recorded in the audit entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.models import AuditEntry, Cycle

pytestmark = pytest.mark.django_db

URL = "/api/v1/cycles/2020/phase/"


@pytest.fixture
def admin_api(api: APIClient, admin_user: Any) -> APIClient:
    api.force_authenticate(admin_user)
    return api


def _moves(cycle: Cycle) -> int:
    return AuditEntry.objects.filter(action="cycle.phase", object_id=str(cycle.pk)).count()


def test_moving_on_with_a_draft_left_and_before_the_deadline_needs_what_the_refusals_showed(
    admin_api: APIClient, cycle: Cycle, assessment: Any
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() + timedelta(days=5))
    moves = _moves(cycle)

    left = admin_api.post(URL, {"phase": "appraisal"}, format="json")
    assert left.status_code == 409, left.json()
    assert left.json()["code"] == "phase_left_unconfirmed"
    assert left.json()["left"] == {"draft": 1}
    cycle.refresh_from_db()
    assert cycle.phase == Cycle.Phase.SELF_ASSESSMENT and _moves(cycle) == moves

    early = admin_api.post(URL, {"phase": "appraisal", "left": left.json()["left"]}, format="json")
    assert early.status_code == 409, early.json()
    assert early.json()["code"] == "self_assessment_deadline_not_passed"
    cycle.refresh_from_db()
    assert cycle.phase == Cycle.Phase.SELF_ASSESSMENT and _moves(cycle) == moves

    moved = admin_api.post(URL, {"phase": "appraisal", "left": left.json()["left"],
                                 "deadline": early.json()["deadline"]}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["phase"] == "appraisal"
    assert _moves(cycle) == moves + 1


def test_a_step_back_needs_its_confirmation_and_a_reason_recorded_in_the_audit(
    admin_api: APIClient, cycle: Cycle
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.APPRAISAL)
    moves = _moves(cycle)

    unconfirmed = admin_api.post(URL, {"phase": "self_assessment"}, format="json")
    assert unconfirmed.status_code == 409 and unconfirmed.json()["code"] == "phase_back_unconfirmed"
    no_reason = admin_api.post(URL, {"phase": "self_assessment", "back_confirmed": True}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    cycle.refresh_from_db()
    assert cycle.phase == Cycle.Phase.APPRAISAL and _moves(cycle) == moves

    back = admin_api.post(URL, {"phase": "self_assessment", "back_confirmed": True,
                                "reason": "Gia hạn theo chỉ đạo của UBND tỉnh"}, format="json")
    assert back.status_code == 200, back.json()
    entry = AuditEntry.objects.filter(action="cycle.phase", object_id=str(cycle.pk)).order_by("-id").first()
    assert entry is not None and entry.reason == "Gia hạn theo chỉ đạo của UBND tỉnh"


def test_a_reason_over_the_limit_is_refused_and_changes_nothing(admin_api: APIClient, cycle: Cycle) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.APPRAISAL)
    response = admin_api.post(URL, {"phase": "self_assessment", "back_confirmed": True, "reason": "x" * 1001},
                              format="json")
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    cycle.refresh_from_db()
    assert cycle.phase == Cycle.Phase.APPRAISAL
