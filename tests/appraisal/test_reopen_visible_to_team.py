"""A reopened assessment is visible to the team: the members assigned to the unit and the unit's head are notified
with the reason, the review page says «Đã mở lại ngày … bởi …: <lý do>», and the queue row is marked; once signed off
again, the marks go."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import Notification
from appraisal.selectors.queue import queue_for_user
from appraisal.services import assessment_reopen, assessment_sign_off
from tests.appraisal.conftest import refresh

pytestmark = pytest.mark.django_db

REASON = "Phúc tra theo đơn khiếu nại số 12."


@pytest.fixture
def reopened(appraised: Any, lead: Any, admin_user: Any) -> Any:
    signed = assessment_sign_off(assessment=appraised, actor=lead)
    return assessment_reopen(assessment=signed, actor=admin_user, reason=REASON)


def test_the_team_assigned_and_the_units_head_are_told_why(
    reopened: Any, appraiser: Any, lead: Any, unit_head: Any, unit_editor: Any
) -> None:
    told = Notification.objects.filter(assessment=reopened, kind=Notification.Kind.REOPENED)
    recipients = set(told.values_list("recipient_id", flat=True))
    assert {appraiser.pk, lead.pk, unit_head.pk} <= recipients
    assert unit_editor.pk not in recipients
    for notification in told:
        assert REASON in notification.body
    team_mail = told.get(recipient=appraiser)
    assert reverse("appraisal:review", args=[reopened.pk]) in team_mail.body
    assert "thẩm định lại" in team_mail.body


def test_the_review_page_and_the_queue_show_the_reopening_until_signed_off_again(
    client: Client, reopened: Any, appraiser: Any, lead: Any, admin_user: Any, cycle: Any
) -> None:
    client.force_login(appraiser)
    body = unescape(client.get(reverse("appraisal:review", args=[reopened.pk])).content.decode())
    assert "Đã mở lại ngày" in body and f"bởi {admin_user.get_full_name() or admin_user.get_username()}" in body
    assert REASON in body
    row = next(r for r in queue_for_user(user=appraiser, cycle=cycle).rows if r.assessment.pk == reopened.pk)
    assert row.reopened
    queue = client.get(reverse("appraisal:queue"), {"ky": cycle.pk}).content.decode()
    assert "data-reopened" in queue
    # signed off again: no longer marked
    assessment_sign_off(assessment=refresh(reopened), actor=lead)
    row = next(r for r in queue_for_user(user=appraiser, cycle=cycle).rows if r.assessment.pk == reopened.pk)
    assert not row.reopened
    body = client.get(reverse("appraisal:review", args=[reopened.pk])).content.decode()
    assert "data-reopened" not in body
