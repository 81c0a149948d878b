"""Right after the self-assessment opens, the cycle page first says where it stands (how many have not submitted,
and the deadline); the warnings about closing the phase wait in a collapsed panel."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.models import Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def test_the_cycle_page_shows_a_status_line_and_folds_the_close_warnings(
    client: Client, cycle: Cycle, admin_user: Any
) -> None:
    # given two units self-assessing, the deadline ahead
    deadline = timezone.make_aware(dt.datetime(2099, 1, 15, 23, 59))
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=deadline)
    assessments_open(cycle=cycle, units=list(Unit.objects.filter(code__in=["so-y-te", "so-tu-phap"])), actor=None)
    client.force_login(admin_user)

    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()

    status = page.index("Đang tự đánh giá: 2/2 bản đánh giá chưa gửi; hạn 15/01/2099 23:59.")
    panel = re.search(r"<details[^>]*data-phase-close[^>]*>", page)
    assert panel is not None and " open" not in panel.group(0)
    assert status < panel.start() < page.index("data-phase-left")
