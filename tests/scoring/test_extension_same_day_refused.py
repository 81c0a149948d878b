"""An extension request for the very day of the current deadline (a deadline at 17:00) extends nothing: refused,
with a message naming the current deadline and the first day that may be asked for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest
from scoring.services.extension_requests import extension_request_create

pytestmark = pytest.mark.django_db


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft of this year's cycle whose self-assessment deadline is at 17:00 in five days."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        year=timezone.localdate().year, self_assessment_deadline=_at(_day(5), 17)
    )
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


def _ask(assessment: Assessment, actor: Any, day: dt.date) -> ExtensionRequest:
    return extension_request_create(assessment=assessment, actor=actor, requested_date=day, reason="Nghỉ lễ")


def test_a_request_for_the_day_of_a_1700_cycle_deadline_is_refused_naming_that_deadline(
    draft: Assessment, unit_head: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _ask(draft, unit_head, _day(5))

    assert refused.value.code == "extension_not_later"
    assert refused.value.details == {"field": "requested_date"}
    message = str(refused.value.message)
    assert f"{_day(5):%d/%m/%Y} 17:00" in message
    assert f"từ ngày {_day(6):%d/%m/%Y} trở đi" in message
    assert not ExtensionRequest.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="extension_request").exists()


def test_a_request_for_the_day_of_the_units_own_deadline_is_refused_too(draft: Assessment, unit_head: Any) -> None:
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=_at(_day(8), 9))
    draft = Assessment.objects.select_related("unit", "cycle").get(pk=draft.pk)

    with pytest.raises(ValidationFailed) as refused:
        _ask(draft, unit_head, _day(8))

    assert f"{_day(8):%d/%m/%Y} 09:00" in str(refused.value.message)
    assert not ExtensionRequest.objects.exists()


def test_the_day_after_the_deadline_is_accepted(draft: Assessment, unit_head: Any) -> None:
    # guards behaviour that must not change: passes before and after
    made = _ask(draft, unit_head, _day(6))
    assert made.pending and timezone.localdate(made.requested_deadline) == _day(6)


def test_the_page_refuses_a_same_day_request_with_the_message_and_offers_the_next_day(
    draft: Assessment, unit_head: Any
) -> None:
    client = Client()
    client.force_login(unit_head)
    url = reverse("scoring:extension_request", args=[draft.pk])

    response = client.post(url, {"requested_date": f"{_day(5):%Y-%m-%d}", "reason": "Nghỉ lễ"})

    assert response.status_code == 400
    page = response.content.decode()
    assert f"{_day(5):%d/%m/%Y} 17:00" in page and "không gia hạn thêm ngày nào" in page
    assert not ExtensionRequest.objects.exists()
    # the form offers dates from the day after the deadline's day
    assert f'min="{_day(6):%Y-%m-%d}"' in client.get(url).content.decode()
