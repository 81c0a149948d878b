"""The queue and the review page's totals for the keyboard and a screen reader: their wide tables scroll in a box
the keyboard reaches and a screen reader names (as the public pages' do); the queue's progress by area says the
area's name and that it is done in text, not only in a tooltip and in green bold."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Indicator
from tests.appraisal.test_review_accessibility import Element, Page

pytestmark = pytest.mark.django_db


def _get(client: Client, user: Any, url: str, **query: str) -> Page:
    client.force_login(user)
    response = client.get(url, query)
    assert response.status_code == 200
    return Page(response.content.decode())


def _scroll_box(page: Page, table_class: str) -> Element:
    [table] = [e for e in page.select("table") if table_class in e.attrs.get("class", "").split()]
    box = table.parent
    assert box is not None and "table-scroll" in box.attrs.get("class", "")
    return box


def test_the_queues_table_scrolls_in_a_named_box_the_keyboard_reaches(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    box = _scroll_box(_get(client, appraiser, reverse("appraisal:queue")), "queue")
    assert box.attrs.get("tabindex") == "0" and box.attrs.get("role") == "region"
    assert box.attrs.get("aria-label") == "Danh sách thẩm định"


def test_the_review_totals_scroll_in_a_named_box_the_keyboard_reaches(
    client: Client, submitted: Any, lead: Any
) -> None:
    page = _get(client, lead, reverse("appraisal:review", args=[submitted.pk]))
    [section] = [e for e in page.select("section") if "totals" in e.attrs.get("class", "").split()]
    [box] = [e for e in page.elements if e.parent is section and "table-scroll" in e.attrs.get("class", "")]
    assert box.attrs.get("tabindex") == "0" and box.attrs.get("role") == "region"
    # named apart from its section («Tổng hợp»): two regions of one name would not be told apart
    assert box.attrs.get("aria-label") == "Điểm theo lĩnh vực"


def test_the_queues_progress_says_the_areas_name_and_that_it_is_done_in_text(
    client: Client, appraised: Any, appraiser: Any
) -> None:
    # given the appraiser's area 2, every leaf of it decided
    area = Indicator.objects.get(indicator_set=appraised.indicator_set, code="2")
    page = _get(client, appraiser, reverse("appraisal:queue"))
    [item] = [e for e in page.select("li") if e.content.startswith("2")]
    # then its text (what a screen reader reads, hidden or not) names the area and says it is done
    assert item.content.startswith(f"2 {area.name}: ")
    assert item.content.endswith("(Đã xong)"), item.content
    assert "Vietnamese" not in item.content and page.languages_of(area.name) == {"vi"}


def test_an_area_not_done_is_not_said_done(client: Client, submitted: Any, appraiser: Any) -> None:
    page = _get(client, appraiser, reverse("appraisal:queue"))
    [item] = [e for e in page.select("li") if e.content.startswith("2")]
    assert "Đã xong" not in item.content and "/" in item.content
