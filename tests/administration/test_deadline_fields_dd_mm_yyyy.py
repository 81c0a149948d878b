"""The cycle's deadline fields are typed dd/mm/yyyy (the publish form's convention), whatever the browser's
language, still accept the ISO dates older pages post, and say the time of day each stored deadline ends at."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.administration.forms import DeadlinesForm
from scoring.administration.services.cycles import cycle_deadlines_version
from scoring.models import Cycle

pytestmark = pytest.mark.django_db


def test_the_deadlines_form_shows_dd_mm_yyyy_and_the_stored_time(
    client: Client, cycle: Cycle, admin_user: Any
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(
        self_assessment_deadline=timezone.make_aware(dt.datetime(2021, 1, 15, 17, 0)))
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    field = re.search(r'<input[^>]*name="self_assessment_deadline"[^>]*>', page)
    assert field is not None
    assert 'type="date"' not in field.group(0)
    assert 'value="15/01/2021"' in field.group(0) and 'placeholder="dd/mm/yyyy"' in field.group(0)
    assert "đến 17:00" in page


def test_a_deadline_typed_dd_mm_yyyy_is_read_day_first(client: Client, cycle: Cycle, admin_user: Any) -> None:
    for typed in ("03/01/2021", "2021-01-03"):
        form = DeadlinesForm({"appraisal_deadline": typed})
        assert form.is_valid() and form.cleaned_data["appraisal_deadline"] == dt.date(2021, 1, 3)
    refused = DeadlinesForm({"appraisal_deadline": "13/13/2021"})
    assert not refused.is_valid()
    assert refused.errors["appraisal_deadline"] == ["Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy."]
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_deadlines", args=[cycle.pk]), {
        "version": cycle_deadlines_version(cycle), "self_assessment_deadline": "20/02/2021"})
    assert response.status_code == 302, response.content.decode()[:1500]
    cycle.refresh_from_db()
    assert timezone.localtime(cycle.self_assessment_deadline).date() == dt.date(2021, 2, 20)
