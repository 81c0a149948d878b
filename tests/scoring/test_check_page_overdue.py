"""Past the deadline, the pre-submit check does not call the sheet ready to send and points the head to the
extension request; a withdrawn assessment's report is not said to be sent; wide tables scroll in their box."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.models import Assessment, Cycle

pytestmark = pytest.mark.django_db


def _overdue(assessment: Assessment) -> None:
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        self_assessment_deadline=timezone.now() - dt.timedelta(days=1))


def test_past_the_deadline_the_check_points_the_head_to_the_extension_request(
    client: Client, assessment: Assessment, unit_head: Any, unit_editor: Any
) -> None:
    _overdue(assessment)
    client.force_login(unit_head)
    page = client.get(reverse("scoring:check", args=[assessment.pk])).content.decode()
    assert "sẵn sàng để gửi" not in page
    assert reverse("scoring:extension_request", args=[assessment.pk]) in page
    client.force_login(unit_editor)
    page = client.get(reverse("scoring:check", args=[assessment.pk])).content.decode()
    assert "Thủ trưởng đơn vị có thể gửi đề nghị gia hạn" in page


def test_a_withdrawn_assessments_report_is_not_said_to_be_sent(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=timezone.now())  # sent once, then withdrawn
    client.force_login(unit_editor)
    page = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    assert "gửi lúc" not in page
