"""The team's own deadline (the cycle's «Hạn thẩm định») is shown on the overview and at the top of the queue, with
the days left or how late; once passed, the overview lists the units submitted and not signed off, with the days
overdue. The overview's «Đang tự đánh giá N» opens the list of the units that have not submitted."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal import selectors
from scoring.models import Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def _deadline(cycle: Any, days: int) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(appraisal_deadline=timezone.now() + timedelta(days=days))


@pytest.fixture
def with_draft(submitted: Any, cycle: Any) -> Any:
    """Sở Y tế submitted; Sở Tài chính has not."""
    return assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]


def _page(client: Client, user: Any, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_overview_lists_units_not_signed_off_once_the_appraisal_deadline_passed(
    client: Client, with_draft: Any, cycle: Any, lead: Any
) -> None:
    # given the appraisal deadline passed three days ago
    _deadline(cycle, -3)
    # then Sở Y tế, submitted and not signed off, is late by three days; the draft is not an appraisal late
    data = selectors.dashboard(cycle=Cycle.objects.get(pk=cycle.pk))
    assert [(o.assessment.unit.code, o.days_overdue) for o in data.overdue_appraisals] == [("so-y-te", 3)]
    body = _page(client, lead, reverse("appraisal:dashboard"))
    assert "quá hạn 3 ngày" in body
    assert "chưa thông qua kết quả thẩm định (quá hạn thẩm định 3 ngày)" in body


def test_before_the_deadline_the_overview_shows_the_days_left_and_lists_no_late_appraisal(
    client: Client, with_draft: Any, cycle: Any, lead: Any
) -> None:
    _deadline(cycle, 5)
    assert selectors.dashboard(cycle=Cycle.objects.get(pk=cycle.pk)).overdue_appraisals == []
    body = _page(client, lead, reverse("appraisal:dashboard"))
    assert "Hạn thẩm định" in body and "còn 5 ngày" in body
    assert "data-overdue-appraisal" not in body


def test_without_a_deadline_nothing_is_said(client: Client, submitted: Any, lead: Any) -> None:
    body = _page(client, lead, reverse("appraisal:dashboard"))
    assert "data-appraisal-deadline" not in body


def test_the_queue_shows_the_deadline_and_how_late(client: Client, submitted: Any, cycle: Any, appraiser: Any) -> None:
    _deadline(cycle, -2)
    body = _page(client, appraiser, reverse("appraisal:queue"))
    assert "Hạn thẩm định" in body and "quá hạn 2 ngày" in body
    _deadline(cycle, 4)
    assert "còn 4 ngày" in _page(client, appraiser, reverse("appraisal:queue"))


def test_self_assessing_links_to_the_units_not_submitted(client: Client, with_draft: Any, lead: Any) -> None:
    body = _page(client, lead, reverse("appraisal:dashboard"))
    assert "data-not-submitted-link" in body and "data-not-submitted>" not in body
    listed = _page(client, lead, reverse("appraisal:dashboard") + f"?ky={with_draft.cycle_id}&chua-gui=1")
    section = listed.split("data-not-submitted>", 1)[1].split("</section>", 1)[0]
    assert "Sở Tài chính" in section and "Sở Y tế" not in section


def test_the_list_of_units_not_submitted_is_refused_to_an_appraiser(
    client: Client, with_draft: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    response = client.get(reverse("appraisal:dashboard") + "?chua-gui=1")
    assert response.status_code == 403
