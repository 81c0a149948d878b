"""The results page printed on A4 (Chromium's print to PDF): every column of each ranking on the paper — the last
areas, the bonus and the penalty — with the areas' names, without the search or the downloads; on a phone the
ranking's header row and unit names stay in view while the table scrolls sideways."""

from __future__ import annotations

import io
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.publication.conftest import media_root as media_root  # exports in a temporary folder
from tests.publication.conftest import publication as publication  # four departments published
from tests.publication.conftest import signed_cycle as signed_cycle
from tests.publication.test_print_phone_and_ties import AREA_NAMES, big_tie

pytestmark = pytest.mark.django_db(transaction=True)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_the_printed_ranking_has_every_column_and_the_areas_names(page: Any, publication: Any) -> None:
    big_tie(publication)
    page.goto("/ket-qua/2020/")
    text = _pdf_text(page.pdf(format="A4"))
    assert "Điểm trừ" in text and "Điểm cộng" in text
    assert "Lĩnh vực 7" in text
    for name in AREA_NAMES.values():
        assert name in text, name
    assert "Tìm đơn vị" not in text and "Tải kết quả" not in text
    # the page's own size: the ranking on landscape A4
    landscape = page.pdf(prefer_css_page_size=True)
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(landscape)).pages[0].mediabox
    assert box.width > box.height
    assert "Điểm trừ" in _pdf_text(landscape)


def test_on_a_phone_the_names_and_the_header_stay_while_the_ranking_scrolls(new_page: Any, publication: Any) -> None:
    big_tie(publication)
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/ket-qua/2020/")
    page.get_by_label("Hiện điểm từng lĩnh vực, điểm cộng, điểm trừ").first.check()
    box = page.locator(".sticky-cols").first
    expect(box).to_have_attribute("data-more", "right")
    name = box.locator("tbody th").first
    header = box.locator("thead th").nth(1)
    before_name, before_header = name.bounding_box(), header.bounding_box()
    box.evaluate("b => { b.scrollLeft = 200; b.scrollTop = 150; }")
    expect(box).to_have_attribute("data-more", "left right")
    after_name, after_header = name.bounding_box(), header.bounding_box()
    assert abs(after_name["x"] - before_name["x"]) <= 1.5  # the unit's name did not move sideways
    assert abs(after_header["y"] - before_header["y"]) <= 1.5  # the header row did not move up
    # a name is read as words on a line, not a word a line
    assert name.bounding_box()["width"] >= 8 * 16


def test_the_home_pages_set_tables_show_every_column_on_a_phone(new_page: Any, publication: Any) -> None:
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/")
    box = page.locator("#bo-chi-so .table-scroll").first
    assert box.evaluate("b => b.scrollWidth - b.clientWidth") <= 0
    last = box.locator("thead th").last.bounding_box()
    assert last["x"] + last["width"] <= 375
