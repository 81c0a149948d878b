"""On a 360 px phone: the year-to-year comparison reads like the ranking (the later index, the change in points, the
later rank and the change in rank beside the name without scrolling sideways, the earlier year a tap away, names
linked); the boxes that scroll sideways (an indicator set's criteria, the open-data page's JSON example) are reached
with the Tab key and scroll with the arrow keys. Playwright on Debian's chromium (skipped locally without it)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.publication.conftest import ON_TIME, finalisation_phase, sign_off_unit
from tests.publication.conftest import media_root as media_root
from tests.publication.conftest import publication as publication
from tests.publication.conftest import signed_cycle as signed_cycle

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def compared(publication: Any, admin_user: Any, small_set: Any) -> Any:
    """2021 published: Sở Y tế 7,58 (+1,00, ↑ 1), Sở Tư pháp 6,58, Sở Công Thương 7,58, Sở Xây dựng 5,58."""
    from scoring.models import UnitKind
    from scoring.publication.services import cycle_publish
    from scoring.services import cycle_create

    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={k: small_set for k in UnitKind.objects.filter(code="department")}, actor=None)
    for code, overrides in (("so-y-te", ON_TIME), ("so-tu-phap", {}), ("so-cong-thuong", ON_TIME),
                            ("so-xay-dung", {})):
        sign_off_unit(later, code, overrides)
    return cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                         document_date=datetime.date(2022, 3, 1), actor=admin_user)


def test_a_phone_reads_the_comparisons_changes_without_scrolling_sideways(new_page: Any, compared: Any) -> None:
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/ket-qua/2021/so-sanh/2020/")
    table = page.locator("table.ranking").first
    region = page.locator(".group-table .table-scroll").first
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # the later index, the change in points, the later rank and the change in rank within the box as it first shows
    box = region.bounding_box()
    for header in table.locator("thead th:not(.detail-col)").all():
        header_box = header.bounding_box()
        assert header_box["x"] + header_box["width"] <= box["x"] + box["width"] + 0.5, header.inner_text()
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1", region.element_handle())
    # a unit's name keeps a readable width (not a word a line) and opens the unit's page
    assert min(page.eval_on_selector_all("table.ranking tbody th", "cs => cs.map(c => c.clientWidth)")) >= 110
    expect(table.locator("th.detail-col").first).to_be_hidden()
    page.get_by_label("Hiện chỉ số và hạng năm 2020").first.check()
    expect(table.locator("th.detail-col").first).to_be_visible()
    # the region is reached with the keyboard, named
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")
    page.get_by_role("link", name="Sở Y tế").first.click()
    expect(page).to_have_url(f"{page.url.split('/ket-qua/')[0]}/ket-qua/2021/don-vi/so-y-te/")


def test_the_comparison_shows_every_column_on_a_desktop(new_page: Any, compared: Any) -> None:
    page = new_page()
    page.goto("/ket-qua/2021/so-sanh/2020/")
    expect(page.locator("label.detail-toggle")).to_be_hidden()
    expect(page.locator("table.ranking th.detail-col").first).to_be_visible()


def _tab_to(page: Any, selector: str, presses: int = 60) -> bool:
    """Press Tab until the element matching `selector` has the focus (True), or give up."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return True
    return False


@pytest.mark.parametrize(("url", "selector"), [
    ("/bo-chi-so/test-set/", "div.table-scroll"),
    ("/du-lieu-mo/", "article pre"),
])
def test_a_box_that_scrolls_sideways_on_a_phone_is_reached_and_scrolled_with_the_keyboard(
    new_page: Any, small_set: Any, cycle: Any, url: str, selector: str
) -> None:
    # the set's page is public once the set is in use (`cycle`)
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(url)
    box = page.locator(selector).first
    assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", box.element_handle()), "it scrolls on a phone"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _tab_to(page, selector), f"Tab never reaches {selector}"
    assert box.get_attribute("aria-label")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(el) => el.scrollLeft > 0", arg=box.element_handle())


def test_on_a_phone_the_comparisons_names_and_header_stay_while_it_scrolls(new_page: Any, compared: Any) -> None:
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/ket-qua/2021/so-sanh/2020/")
    # the earlier year's columns shown: the table is wider than the phone and scrolls in its box
    page.get_by_label("Hiện chỉ số và hạng năm 2020").first.check()
    box = page.locator(".group-table .sticky-cols").first
    expect(box).to_have_attribute("data-more", "right")
    name = box.locator("tbody th").first
    before = name.bounding_box()
    box.evaluate("b => { b.scrollLeft = (b.scrollWidth - b.clientWidth) / 2; }")
    expect(box).to_have_attribute("data-more", "left right")
    assert abs(name.bounding_box()["x"] - before["x"]) <= 1.5  # the unit's name did not move sideways
    assert name.evaluate("c => getComputedStyle(c).position") == "sticky"
    assert box.locator("thead th").nth(2).evaluate("c => getComputedStyle(c).position") == "sticky"


def test_the_printed_comparison_is_landscape_with_every_column(new_page: Any, compared: Any) -> None:
    import io

    from pypdf import PdfReader

    page = new_page()
    page.goto("/ket-qua/2021/so-sanh/2020/")
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    box = reader.pages[0].mediabox
    assert box.width > box.height
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Chỉ số 2020" in text and "Hạng 2020" in text and "Thay đổi hạng" in text
    assert "Hiện chỉ số và hạng năm 2020" not in text and "← Kết quả năm 2021" not in text
