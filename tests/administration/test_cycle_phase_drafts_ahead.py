"""Moving a cycle past the self-assessment while units still draft before their deadline: the move's confirmation
names those drafts and their deadlines, since they cannot be handed over to the appraisal team until then and keep
the year from being published. Overdue drafts (which can be handed over) are not named."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.administration.services.cycles import NAMED_CUT, cycle_phase_move_leaves
from scoring.models import Assessment, Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def _box(client: Client, cycle: Cycle) -> str:
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    found = re.search(r"<p data-drafts-ahead>(.*?)</p>", page, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else ""


def test_the_move_to_the_appraisal_names_the_drafts_before_their_deadline(
    client: Client, admin_user: Any, cycle: Cycle
) -> None:
    # given: the cycle's deadline passed; Sở Y tế has its own deadline three days ahead, Sở Tài chính is overdue
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=1))
    own = (timezone.localtime() + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    opened = {a.unit.code: a for a in assessments_open(
        cycle=cycle, units=list(Unit.objects.filter(code__in=["so-y-te", "so-tai-chinh"])), actor=None)}
    ahead, overdue = opened["so-y-te"], opened["so-tai-chinh"]
    Assessment.objects.filter(pk=ahead.pk).update(deadline_override=own)
    client.force_login(admin_user)

    # when
    box = _box(client, cycle)

    # then
    assert "1 bản đánh giá chưa gửi mà chưa đến hạn tự đánh giá (hoặc chưa có hạn) sẽ chặn việc công bố kết quả" in box
    assert f"Sở Y tế (hạn {own:%d/%m/%Y %H:%M})" in box and "Sở Tài chính" not in box
    leaves = cycle_phase_move_leaves(cycle=Cycle.objects.get(pk=cycle.pk), phase=Cycle.Phase.APPRAISAL)
    assert [d.assessment_id for d in leaves.drafts_ahead] == [ahead.pk] and leaves.drafts_ahead_count == 1
    assert overdue.pk not in [d.assessment_id for d in leaves.drafts_ahead]


def test_drafts_without_any_deadline_are_named_too_and_a_long_list_is_counted(
    client: Client, admin_user: Any, cycle: Cycle
) -> None:
    # no deadline at all: none of them can be handed over
    units = list(Unit.objects.filter(kind__code="department").order_by("code")[:NAMED_CUT + 2])
    assessments_open(cycle=cycle, units=units, actor=None)
    client.force_login(admin_user)

    box = _box(client, cycle)

    assert box.startswith(f"{NAMED_CUT + 2} bản đánh giá chưa gửi")
    assert box.count("(chưa có hạn)") == NAMED_CUT and "(xem tất cả)" in box


def test_later_phases_name_the_drafts_still_before_their_deadline(
    client: Client, admin_user: Any, cycle: Cycle, assessment: Assessment
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.EXPLANATION,
                                             self_assessment_deadline=timezone.now() + timedelta(days=2))
    client.force_login(admin_user)
    assert "Sở Y tế (hạn " in _box(client, cycle)


def test_nothing_is_named_when_every_draft_is_overdue(
    client: Client, admin_user: Any, cycle: Cycle, assessment: Assessment
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(hours=1))
    client.force_login(admin_user)
    assert _box(client, cycle) == ""
    leaves = cycle_phase_move_leaves(cycle=Cycle.objects.get(pk=cycle.pk), phase=Cycle.Phase.APPRAISAL)
    assert leaves.left == {"draft": 1} and leaves.drafts_ahead == ()


def test_the_cycle_page_is_refused_to_a_non_administrator(client: Client, unit_head: Any, cycle: Cycle) -> None:
    client.force_login(unit_head)
    assert client.get(reverse("administration:cycle_detail", args=[cycle.pk])).status_code == 403
