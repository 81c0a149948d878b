"""An extension request may not name a day the administrator could never grant as asked: a unit's own deadline
ends by the cycle's next deadline (the appraisal's). The form states the first and the latest day; a later date is
refused with the grant's reason and stores nothing; the latest day itself is accepted and can be granted."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest
from scoring.services.extension_requests import extension_request_grant

pytestmark = pytest.mark.django_db


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft whose cycle's self-assessment ends in five days and whose appraisal ends at 17:00 in thirty: the
    latest day a unit's own deadline may end on is the 29th day (its end is after 17:00 of the 30th)."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        year=timezone.localdate().year, self_assessment_deadline=_at(_day(5), 17),
        appraisal_deadline=_at(_day(30), 17),
    )
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_request_form_states_the_first_and_the_latest_day(draft: Assessment, unit_head: Any) -> None:
    response = _client(unit_head).get(reverse("scoring:extension_request", args=[draft.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert f"từ ngày {_day(6):%d/%m/%Y} trở đi" in text
    assert f"muộn nhất là ngày {_day(29):%d/%m/%Y}" in text
    assert f"{_day(30):%d/%m/%Y} 17:00" in text  # the appraisal deadline it comes from
    assert f'max="{_day(29):%Y-%m-%d}"' in html


def test_a_request_after_the_latest_day_is_refused_with_the_grants_reason_and_stores_nothing(
    draft: Assessment, unit_head: Any
) -> None:
    response = _client(unit_head).post(
        reverse("scoring:extension_request", args=[draft.pk]),
        {"requested_date": f"{_day(30):%Y-%m-%d}", "reason": "Chờ số liệu quý IV"},
    )

    assert response.status_code == 400
    message = _text(response.content.decode())
    assert f"Ngày đề nghị ({_day(30):%d/%m/%Y}) muộn hơn hạn thẩm định của kỳ ({_day(30):%d/%m/%Y} 17:00)" in message
    assert f"Hãy chọn ngày muộn nhất là {_day(29):%d/%m/%Y}" in message
    assert not ExtensionRequest.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="extension_request").exists()


def test_a_request_on_the_latest_day_is_accepted_and_can_be_granted(
    draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    response = _client(unit_head).post(
        reverse("scoring:extension_request", args=[draft.pk]),
        {"requested_date": f"{_day(29):%Y-%m-%d}", "reason": "Chờ số liệu quý IV"},
    )
    assert response.status_code == 302
    made = ExtensionRequest.objects.get()

    granted = extension_request_grant(extension_request=made, actor=admin_user)

    assert granted.status == ExtensionRequest.Status.GRANTED
    assert timezone.localdate(Assessment.objects.get(pk=draft.pk).deadline_override) == _day(29)


def test_the_administrators_list_states_the_latest_day_and_flags_a_request_past_it(
    draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    # a request stored before requests were held to that day (or before the cycle's next deadline moved earlier)
    ExtensionRequest.objects.create(assessment=draft, requested_deadline=_at(_day(40), 23), reason="Cần thêm thời gian",
                                    requested_by=unit_head)
    response = _client(admin_user).get(reverse("administration:extension_requests", args=[draft.cycle_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Gia hạn được đến ngày {_day(29):%d/%m/%Y} là muộn nhất" in _text(html)
    assert f'max="{_day(29):%Y-%m-%d}"' in html
    assert "data-past-limit" in html
    assert f'value="{_day(40):%Y-%m-%d}"' not in html  # not offered as asked: it would be refused
