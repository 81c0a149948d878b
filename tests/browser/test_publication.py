from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.publication.conftest import media_root as media_root  # exports in a temporary folder
from tests.publication.conftest import publication as publication  # four departments published
from tests.publication.conftest import signed_cycle as signed_cycle

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_reads_the_ranking_searches_and_opens_a_unit(page: Any, publication: Any) -> None:
    page.goto("/ket-qua/")
    page.get_by_role("link", name="Chỉ số CCHC năm 2020").click()
    table = page.locator("table.ranking").first
    expect(table.locator("thead th").first).to_have_text("Hạng")
    names = table.locator("tbody th").all_inner_texts()
    assert names == ["Sở Công Thương", "Sở Tư pháp", "Sở Y tế", "Sở Xây dựng"]
    assert table.locator("tbody td.index").all_inner_texts() == ["7,58", "7,58", "6,58", "5,58"]
    assert (page.locator("svg.chart title").first.text_content() or "").startswith("Xếp hạng")
    # search without diacritics, keyboard only
    page.get_by_label("Tìm đơn vị").fill("y te")
    page.keyboard.press("Enter")
    expect(page.locator("table.ranking tbody th")).to_have_text(["Sở Y tế"])
    page.get_by_role("link", name="Sở Y tế").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Sở Y tế")
    expect(page.locator("#why + p")).to_contain_text("Sở Tư pháp (hạng 1), cao hơn 1,00 điểm")
    assert "Ban hành kế hoạch CCHC năm" in page.locator("table.tree").inner_text()


def test_the_ranking_fits_a_phone_screen(new_page: Any, publication: Any) -> None:
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    for url in ("/ket-qua/2020/", "/ket-qua/2020/don-vi/so-y-te/"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, url
        expect(page.locator("main table tbody tr").first).to_be_visible()


def test_the_pdf_is_built_with_progress_shown_in_the_page(page: Any, publication: Any) -> None:
    page.goto("/ket-qua/2020/")
    page.get_by_role("button", name="Báo cáo PDF").click()
    link = page.locator(".export-status a")
    expect(link).to_have_text("Tải tệp", timeout=20_000)
    assert page.locator(".export-status").inner_text().startswith("Đã xong")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "ket-qua-cchc-2020-lan-1.pdf"


def test_an_unpublished_year_is_not_found_for_a_visitor(page: Any, signed_cycle: Any) -> None:
    response = page.goto("/ket-qua/2020/")
    assert response.status == 404


def test_the_administrator_publishes_from_the_preview(page: Any, signed_cycle: Any, admin_user: Any) -> None:
    login(page, "bao")
    page.goto("/ket-qua/quan-ly/2020/")
    expect(page.locator("caption").first).to_be_visible()
    page.get_by_label("Số văn bản phê duyệt").fill("Công văn số 4567/UBND-NC")
    page.get_by_label("Ngày văn bản (dd/mm/yyyy)").fill("08/12/2020")
    page.get_by_label("Tôi xác nhận công bố kết quả năm 2020").check()  # publishing asks first, in the form
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.locator(".messages")).to_contain_text("Đã công bố kết quả năm 2020 (lần 1).")
    expect(page.locator("p.meta").first).to_contain_text("Công văn số 4567/UBND-NC ngày 08/12/2020")



@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_home_page_and_a_units_explanation_read_well_on_a_phone(new_page: Any, publication: Any,
                                                                     live_server: Any, language: str) -> None:
    """Named rows keep a readable width on a phone (the table scrolls in its box): an area's or a criterion's
    name is not squeezed to a word a line, and nothing widens the page."""
    from django.conf import settings

    page = new_page()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/", "/ket-qua/2020/don-vi/so-y-te/"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)
        widths = page.eval_on_selector_all("table.named-rows td.name", "cells => cells.map(c => c.clientWidth)")
        assert widths and min(widths) >= 150, (url, widths)  # 11rem, not a word's width
