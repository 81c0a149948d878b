"""On a 375 px phone each ranking table on the public results page grows with the page: no box of its own to
scroll down (a reader scrolling the page reads every unit before the chart), only a sideways scroll for the detail
columns, with the rank and the unit's name kept at the left; and the «Hạng» heading keeps a gap before «Đơn vị».
Playwright on Debian's chromium (skipped locally without it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.publication.conftest import media_root as media_root
from tests.publication.conftest import publication as publication
from tests.publication.conftest import signed_cycle as signed_cycle

pytestmark = pytest.mark.django_db(transaction=True)

# The right edge of the first header cell's text and the left edge of the second's (their text, not their boxes).
HEAD_TEXT_EDGES = """t => {
  const edge = th => { const r = document.createRange(); r.selectNodeContents(th); return r.getBoundingClientRect(); };
  const [rank, unit] = t.querySelectorAll('thead th');
  return [edge(rank).right, edge(unit).left];
}"""


def test_a_phone_ranking_grows_with_the_page_and_scrolls_only_sideways(new_page: Any, publication: Any) -> None:
    page = new_page()
    # a short screen: the 4 units' table is taller than three quarters of it, as the 19 departments' on a phone
    page.set_viewport_size({"width": 375, "height": 200})
    page.goto("/ket-qua/2020/")
    region = page.locator(".group-table .table-scroll").first
    table = region.locator("table.ranking")

    assert table.bounding_box()["height"] > 0.75 * 200
    size = region.evaluate("r => [r.scrollHeight, r.clientHeight, getComputedStyle(r).maxHeight]")
    assert size[2] == "none" and size[0] <= size[1], size  # the whole table in the box: no scroll of its own downwards
    assert region.bounding_box()["height"] >= table.bounding_box()["height"]

    # the detail columns a sideways scroll away, the rank and the unit's name kept at the left
    page.get_by_label("Hiện điểm từng lĩnh vực, điểm cộng, điểm trừ").first.check()
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")
    name = table.locator("tbody th").first
    before = name.bounding_box()["x"]
    region.evaluate("r => { r.scrollLeft = r.scrollWidth; }")
    page.wait_for_timeout(100)
    assert abs(name.bounding_box()["x"] - before) <= 2  # the table's left border scrolled away
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_rank_heading_keeps_a_gap_before_the_units(new_page: Any, publication: Any) -> None:
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/ket-qua/2020/")
    rank_right, unit_left = page.locator("table.ranking").first.evaluate(HEAD_TEXT_EDGES)
    assert unit_left - rank_right >= 6, (rank_right, unit_left)
