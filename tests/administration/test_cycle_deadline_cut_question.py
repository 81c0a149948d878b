"""Saving a self-assessment deadline that cuts drafting units' time asks a question, not reports a failure: the page
shows, in the deadlines' form, a confirmation (warning styling, a group named by its title, the date described by
it) naming the units, with its box; no error message, no field in error. Nothing changes until it is confirmed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.administration.services.cycles import cycle_deadlines_version
from scoring.models import AuditEntry, Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def _yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def test_a_deadline_cutting_drafting_units_is_asked_as_a_question_not_an_error(
    client: Client, admin_user: Any, cycle: Cycle
) -> None:
    # given: two units drafting, the cycle's deadline ten days away
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() + dt.timedelta(days=10))
    assessments_open(cycle=cycle, units=list(Unit.objects.filter(code__in=["so-y-te", "so-tu-phap"])), actor=None)
    client.force_login(admin_user)
    before = Cycle.objects.get(pk=cycle.pk).self_assessment_deadline
    # when: yesterday is saved
    response = client.post(reverse("administration:cycle_deadlines", args=[cycle.pk]), {
        "self_assessment_deadline": _yesterday().isoformat(),
        "version": cycle_deadlines_version(Cycle.objects.get(pk=cycle.pk))})
    html = response.content.decode()
    form = re.search(r'<form method="post" action="/quan-ly/ky-danh-gia/\d+/han/".*?</form>', html, re.S)
    assert form
    # then: a question in the form, in warning style, named and focused; not an error anywhere
    box = re.search(r'<div class="note warning confirm-question"[^>]*>.*?</div>', form.group(0), re.S)
    assert box and 'role="group"' in box.group(0) and 'aria-labelledby="deadline-cut-title"' in box.group(0)
    assert "Xác nhận hạn tự đánh giá mới" in box.group(0) and "2 đơn vị còn đang tự đánh giá" in box.group(0)
    assert 'name="cut_seen" value="2"' in box.group(0)
    assert 'role="alert"' not in form.group(0) and "has-error" not in form.group(0)
    assert 'aria-describedby="deadline-cut-question"' in form.group(0)
    assert 'class="messages"' not in html  # no red message above the page
    # and nothing changed
    assert Cycle.objects.get(pk=cycle.pk).self_assessment_deadline == before
    assert not AuditEntry.objects.filter(action="cycle.deadlines").exists()
