"""Part III of the report («Khó khăn, vướng mắc và kiến nghị») typed and not saved is never lost without a word: the
page's links, its Excel file and its print say so in the page first (and leaving asks), what is typed comes back after
the tab is closed, and the pre-submit check says Part III has text not saved."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

TYPED = "Thiếu biên chế cho bộ phận một cửa."


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def test_unsaved_part_three_is_guarded_on_the_reports_links_print_and_leaving(
    page: Any, open_assessment: Assessment, unit_head: Any
) -> None:
    report = f"/danh-gia/{open_assessment.pk}/bao-cao/"
    login(page, "hung")
    page.goto(report)
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    box = page.locator("#id_difficulties")
    box.click()
    box.press_sequentially(TYPED)  # typed: the page has had the user's gesture a prompt needs
    expect(page.locator("[data-difficulties-status]")).to_have_text("Chưa lưu.")
    warning = page.locator("[data-unsaved-warning]")

    # «← Về bản tự đánh giá»: the page stays and says what would be lost; «Ở lại trang» goes back to the text
    page.click("text=← Về bản tự đánh giá")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("rời trang bây giờ sẽ mất")
    assert page.url.endswith(report)
    expect(warning.locator("button", has_text="Lưu")).to_be_focused()
    warning.locator("button", has_text="Ở lại trang").click()
    expect(warning).to_be_hidden()
    expect(box).to_be_focused()

    # the Excel file and the print are made from the saved text: said first, done only when asked again
    page.click("text=Tải báo cáo (Excel)")
    expect(warning).to_contain_text("tệp Excel")
    warning.locator("button", has_text="Ở lại trang").click()
    page.click("[data-print]")
    expect(warning).to_contain_text("bản in")
    assert page.evaluate("window.printed || 0") == 0
    warning.locator("button", has_text="Vẫn tiếp tục").click()
    assert page.evaluate("window.printed || 0") == 1

    # leaving by any other way asks first
    kinds: list[str] = []
    page.once("dialog", lambda dialog: (kinds.append(dialog.type), dialog.dismiss()))
    page.evaluate("setTimeout(() => { window.location.href = '/'; }, 0)")
    page.wait_for_timeout(800)
    assert kinds == ["beforeunload"]
    assert page.url.endswith(report)

    # saved: nothing to guard, the links work at once
    page.click("form[data-difficulties] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Đã lưu phần khó khăn")
    page.click("text=← Về bản tự đánh giá")
    page.wait_for_url(f"**/danh-gia/{open_assessment.pk}/")
    open_assessment.refresh_from_db()
    assert open_assessment.difficulties == TYPED


def test_part_three_typed_and_not_saved_comes_back_and_the_check_page_says_so(
    browser: Any, live_server: Any, open_assessment: Assessment, unit_head: Any
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        page = context.new_page()
        login(page, "hung")
        page.goto(f"/danh-gia/{open_assessment.pk}/bao-cao/")
        page.fill("#id_difficulties", TYPED)
        page.close()  # closed without saving (a phone discarding the tab: no prompt)

        check = context.new_page()
        check.goto(f"/danh-gia/{open_assessment.pk}/kiem-tra/")
        note = check.locator("[data-difficulties-draft]")
        expect(note).to_contain_text("Phần III")
        expect(note).to_contain_text("chưa lưu")
        note.locator("a").click()
        expect(check.locator("#id_difficulties")).to_have_value(TYPED)
        expect(check.locator("[data-restored]")).to_contain_text("Có nội dung chưa lưu từ lần trước")
        open_assessment.refresh_from_db()
        assert open_assessment.difficulties == ""

        check.click("form[data-difficulties] button[type=submit]")
        expect(check.locator(".messages")).to_contain_text("Đã lưu phần khó khăn")
        check.goto(f"/danh-gia/{open_assessment.pk}/kiem-tra/")
        expect(check.locator("[data-difficulties-draft]")).to_be_hidden()
    finally:
        context.close()
