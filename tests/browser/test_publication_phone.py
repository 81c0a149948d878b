"""On a 375 px phone a citizen reads every unit's index and classification in the ranking without scrolling
sideways, with the areas' points a tap away; the charts' text reads at 11 px or more on the phone and on a desktop.
Playwright on Debian's chromium (skipped locally without it). Kept here with the other browser tests: one
chromium per test run (a second Playwright session in the same run fails)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.publication.conftest import media_root as media_root
from tests.publication.conftest import publication as publication
from tests.publication.conftest import signed_cycle as signed_cycle

pytestmark = pytest.mark.django_db(transaction=True)

CHART_TEXT = """() => Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return Math.min(...Array.from(svg.querySelectorAll('text')).map(t => parseFloat(getComputedStyle(t).fontSize)))
    * scale;
})"""


def test_a_phone_shows_the_index_without_scrolling_and_the_areas_on_request(new_page: Any, publication: Any) -> None:
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/ket-qua/2020/")
    table = page.locator("table.ranking").first
    region = page.locator(".group-table .table-scroll").first

    # every index and classification within the table's box as it first shows (no sideways scroll needed)
    box = region.bounding_box()
    for cell in table.locator("tbody td.index").all() + table.locator("tbody tr td:nth-child(4)").all():
        cell_box = cell.bounding_box()
        assert cell_box["x"] + cell_box["width"] <= box["x"] + box["width"] + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # a unit's name keeps a readable width (not a word a line)
    assert min(page.eval_on_selector_all("table.ranking tbody th", "cs => cs.map(c => c.clientWidth)")) >= 120
    expect(table.locator("th.detail-col").first).to_be_hidden()
    page.get_by_label("Hiện điểm từng lĩnh vực, điểm cộng, điểm trừ").first.check()
    expect(table.locator("th.detail-col").first).to_be_visible()
    assert min(page.evaluate(CHART_TEXT)) >= 11


def test_the_charts_text_reads_at_eleven_pixels_on_a_desktop(new_page: Any, publication: Any) -> None:
    page = new_page()
    for url in ("/ket-qua/2020/", "/ket-qua/2020/don-vi/so-y-te/"):
        page.goto(url)
        sizes = page.evaluate(CHART_TEXT)
        assert sizes and min(sizes) >= 11, (url, sizes)
        expect(page.locator("label.detail-toggle")).to_have_count(0 if "don-vi" in url else 1)
        if "don-vi" not in url:
            expect(page.locator("label.detail-toggle")).to_be_hidden()  # every column shown on a desktop
