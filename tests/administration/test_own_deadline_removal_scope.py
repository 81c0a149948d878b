"""«Bỏ hạn riêng» (removing a unit's own self-assessment deadline) is offered, and done, only while the deadline can
still matter: while the unit self-assesses or may withdraw its submission to, as an extension is. Once the team
appraises it, or it is signed off and published, the cycle page shows the date only and the service refuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Notification
from scoring.administration.services.cycles import assessment_extend_deadline, own_deadline_version
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, Cycle

pytestmark = pytest.mark.django_db


def _end_of(days: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _extended(assessment: Assessment, *, state: str, phase: str) -> Assessment:
    """The unit given its own deadline (past the cycle's) while it self-assessed, now in `state`, the cycle in
    `phase`."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        year=timezone.localdate().year, phase=phase, self_assessment_deadline=_end_of(-40)
    )
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=_end_of(-30), state=state)
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


def test_after_publication_the_cycle_page_offers_no_removal_and_the_service_refuses_it(
    client: Client, admin_user: Any, assessment: Assessment
) -> None:
    published = _extended(assessment, state=Assessment.State.SIGNED_OFF, phase=Cycle.Phase.PUBLISHED)
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[published.cycle_id])).content.decode()
    assert "data-remove-own-deadline" not in page and "Bỏ hạn riêng" not in page
    assert _end_of(-30).strftime("%d/%m/%Y") in page  # the date is still shown
    assert "Đã qua giai đoạn tự đánh giá" in page
    audits = AuditEntry.objects.count()

    # posted anyway (an old page): refused, nothing changed, nobody told
    url = reverse("administration:assessment_extend", args=[published.cycle_id, published.pk])
    response = client.post(url, {"action": "remove", "deadline": "", "reason": "Dọn dữ liệu",
                                 "version": own_deadline_version(Assessment.objects.get(pk=published.pk))})
    assert response.status_code == 409
    assert ("Sở Y tế: Bản đánh giá của Sở Y tế ở trạng thái «Đã thông qua»: đã qua giai đoạn tự đánh giá, bỏ hạn "
            "riêng không còn tác dụng.") in response.content.decode()
    assert Assessment.objects.get(pk=published.pk).deadline_override == _end_of(-30)
    assert AuditEntry.objects.count() == audits and not Notification.objects.exists()


@pytest.mark.parametrize("state", [Assessment.State.IN_APPRAISAL, Assessment.State.EXPLANATION])
def test_the_service_refuses_a_removal_once_the_unit_is_past_its_self_assessment(
    assessment: Assessment, admin_user: Any, state: str
) -> None:
    appraised = _extended(assessment, state=state, phase=Cycle.Phase.APPRAISAL)
    with pytest.raises(StateConflict) as refused:
        assessment_extend_deadline(assessment=appraised, deadline=None, actor=admin_user, reason="Nhập nhầm")
    assert refused.value.code == "not_extendable"  # as an extension of it is
    assert Assessment.objects.get(pk=appraised.pk).deadline_override == _end_of(-30)


@pytest.mark.parametrize("state", [Assessment.State.DRAFT, Assessment.State.SUBMITTED])
def test_while_the_unit_self_assesses_or_may_withdraw_the_removal_is_offered_and_done(
    client: Client, admin_user: Any, assessment: Assessment, state: str
) -> None:
    extended = _extended(assessment, state=state, phase=Cycle.Phase.APPRAISAL)
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[extended.cycle_id])).content.decode()
    assert "data-remove-own-deadline" in page
    url = reverse("administration:assessment_extend", args=[extended.cycle_id, extended.pk])
    response = client.post(url, {"action": "remove", "deadline": "", "reason": "Nhập nhầm",
                                 "version": own_deadline_version(Assessment.objects.get(pk=extended.pk))})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=extended.pk).deadline_override is None
