"""An administrator's reason (a step back, a unit stopped, a participant removed) goes into the append-only audit
record: one over 2,000 characters is refused whole, as the API refuses it, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, AuditEntry, Cycle, Unit

pytestmark = pytest.mark.django_db

LONG = "x" * 2001


def test_a_step_back_with_a_too_long_reason_is_refused_and_the_phase_stays(
    client: Client, admin_user: Any, cycle: Cycle
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.APPRAISAL)
    audits = AuditEntry.objects.count()
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_phase", args=[cycle.pk]),
                           {"phase": "self_assessment", "back_confirmed": "1", "reason": LONG}, follow=True)
    assert "2000" in response.content.decode().replace(".", "").replace(",", "")
    cycle.refresh_from_db()
    assert cycle.phase == Cycle.Phase.APPRAISAL and AuditEntry.objects.count() == audits


def test_stopping_a_unit_with_a_too_long_reason_is_refused_and_the_unit_stays_active(
    client: Client, admin_user: Any
) -> None:
    unit = Unit.objects.filter(active=True).exclude(assessments__isnull=False).first() or Unit.objects.create(
        code="don-vi-thu", name="Đơn vị thử", kind=Unit.objects.first().kind)
    audits = AuditEntry.objects.count()
    client.force_login(admin_user)
    client.post(reverse("administration:unit_toggle", args=[unit.pk]), {"active": "0", "reason": LONG,
                                                                          "confirm": "1"})
    unit.refresh_from_db()
    assert unit.active and AuditEntry.objects.count() == audits


def test_removing_a_participant_with_a_too_long_reason_is_refused_and_it_stays(
    client: Client, admin_user: Any, assessment: Assessment
) -> None:
    client.force_login(admin_user)
    client.post(reverse("administration:assessment_remove", args=[assessment.cycle_id, assessment.pk]),
                {"reason": LONG})
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    client.post(reverse("administration:assessment_remove", args=[assessment.cycle_id, assessment.pk]),
                {"reason": "Mở nhầm đơn vị"})
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
