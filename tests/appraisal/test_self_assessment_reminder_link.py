"""The self-assessment reminder ends with a link to the unit's assessment sheet (/danh-gia/<id>/), where the unit
scores and submits, not to the site's root; as the explanation reminder links to the explanation page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from appraisal.models import Notification
from appraisal.notifications import deadline_reminders_send
from scoring.models import Assessment

pytestmark = pytest.mark.django_db


@override_settings(SITE_URL="https://cchc.example.vn/")
def test_the_self_assessment_reminder_links_the_units_assessment_sheet(
    assessment: Assessment, unit_editor: Any, unit_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for user in (unit_editor, unit_head):
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=timezone.now() + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(now=timezone.now(), within=timedelta(days=2)) == 2

    sheet = f"https://cchc.example.vn/danh-gia/{assessment.pk}/"
    bodies = [n.body for n in Notification.objects.filter(kind=Notification.Kind.SELF_ASSESSMENT_REMINDER)]
    assert len(bodies) == 2 and len(mail.outbox) == 2
    for body in [*bodies, *(m.body for m in mail.outbox)]:
        assert body.rstrip().endswith(f"Xem bản đánh giá của đơn vị tại:\n{sheet}")
        assert "https://cchc.example.vn/\n" not in body  # not the site's root
