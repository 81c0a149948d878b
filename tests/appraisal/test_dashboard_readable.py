"""The dashboard's tables for the keyboard and a screen reader: each scrolls in a box the keyboard reaches and a
screen reader names (as the queue's and the public pages' do), the names telling the boxes and their sections
apart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import ScoreLine
from tests.appraisal.test_review_accessibility import Element, Page
from tests.publication.conftest import media_root, signed_cycle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _box_of(page: Page, table_class: str) -> Element:
    [table] = [e for e in page.select("table") if table_class in e.attrs.get("class", "").split()]
    box = table.parent
    assert box is not None and "table-scroll" in box.attrs.get("class", "")
    return box


def test_every_table_of_the_dashboard_scrolls_in_a_named_box_the_keyboard_reaches(
    client: Client, signed_cycle: Any, admin_user: Any,  # noqa: F811
) -> None:
    # given a cycle with its units signed off, one leaf appraised apart from its self-score: the states, the ranking,
    # the averages and the differing criteria
    line = ScoreLine.objects.filter(assessment__cycle=signed_cycle, indicator__code="1.2.3").first()
    assert line is not None
    ScoreLine.objects.filter(pk=line.pk).update(self_score=Decimal("0.5"), appraised_score=Decimal("0"))
    client.force_login(admin_user)
    response = client.get(reverse("appraisal:dashboard"), {"ky": signed_cycle.pk})
    assert response.status_code == 200
    page = Page(response.content.decode())
    boxes = [e for e in page.elements if "table-scroll" in e.attrs.get("class", "").split()]
    assert len(boxes) == 4
    for box in boxes:
        assert box.attrs.get("tabindex") == "0" and box.attrs.get("role") == "region", box.attrs
    names = {
        "states": "Số đơn vị theo trạng thái",
        "ranking": "Xếp hạng — Sở, ban, ngành tỉnh",
        "differing": "Tiêu chí thẩm định khác điểm tự chấm",
    }
    for table_class, name in names.items():
        assert _box_of(page, table_class).attrs.get("aria-label") == name
    averages = next(b for b in boxes if b.attrs.get("aria-label") not in names.values())
    assert averages.attrs.get("aria-label") == "Điểm bình quân theo lĩnh vực"
    # named apart from each other and from their sections' headings
    headings = {h.content.strip() for h in page.elements if h.tag in ("h2", "h3")}
    labels = [b.attrs["aria-label"] for b in boxes]
    assert len(set(labels)) == len(labels) and not set(labels) & headings


def test_the_dashboards_boxes_are_named_in_english_on_the_english_page(
    client: Client, signed_cycle: Any, admin_user: Any, settings: Any,  # noqa: F811
) -> None:
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = Page(client.get(reverse("appraisal:dashboard"), {"ky": signed_cycle.pk}).content.decode())
    labels = [e.attrs.get("aria-label") for e in page.elements if "table-scroll" in e.attrs.get("class", "").split()]
    assert labels == ["Number of units by status", "Ranking — Sở, ban, ngành tỉnh", "Average score by area"]
