"""The administrator's year change in a real browser: clone the 2020 set into 2021, change a criterion's scoring
method (watching the live preview of the unit's input), read the validation report, activate the set for the
2021 cycle (after which it is frozen) and see the diff against 2020."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import IndicatorSet, UnitKind
from scoring.services import cycle_create
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def _errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    return errors


def test_clone_edit_method_report_activate_and_diff(page: Any, small_set: Any, admin_user: Any) -> None:
    # given: the 2020 set in use and an empty 2021 cycle
    cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={}, actor=None)
    errors = _errors(page)
    login(page, "bao")

    # when: the administrator clones 2020 into 2021
    page.goto("/quan-ly/bo-chi-so/")
    page.get_by_role("row", name="test-set").get_by_role("link", name="Nhân bản").click()
    expect(page.locator("#id_year")).to_have_value("2021")
    page.fill("#id_key", "test-set-2021")
    page.get_by_role("button", name="Nhân bản").click()
    expect(page.locator("h1")).to_contain_text("(2021)")
    clone = IndicatorSet.objects.get(key="test-set-2021")
    assert clone.indicators.count() == small_set.indicators.count()

    # and edits criterion 1.2.3 from manual points to levels, watching the preview
    page.get_by_role("link", name="Sửa 1.2.3").click()
    expect(page.locator("#id_p_step")).to_be_visible()
    page.select_option("#id_method", "levels")
    expect(page.locator("#id_p_step")).to_be_hidden()
    page.fill("#id_p_options", "du | Gửi đúng hạn, đầy đủ | 0,5\ntre | Gửi trễ hạn | 0,25\nkhong | Không gửi | 0")
    preview = page.locator("#method-preview")
    expect(preview).to_contain_text("Gửi trễ hạn")
    expect(preview.locator("input[type=radio]")).to_have_count(4)  # three levels and "not chosen"
    # a bad parameter is refused in the preview before saving
    page.fill("#id_p_options", "du | Gửi đúng hạn | 0,75")
    expect(preview.locator(".error")).to_be_visible()
    page.fill("#id_p_options", "du | Gửi đúng hạn, đầy đủ | 0,5\ntre | Gửi trễ hạn | 0,25\nkhong | Không gửi | 0")
    expect(preview).to_contain_text("Không gửi")
    page.get_by_role("button", name="Lưu tiêu chí").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu tiêu chí 1.2.3")
    edited = clone.indicators.get(code="1.2.3")
    assert edited.method == "levels"
    assert [o["points"] for o in edited.params["options"]] == ["0.5", "0.25", "0"]

    # then: the validation report is clean and lists the areas
    page.get_by_role("link", name="Báo cáo kiểm tra").click()
    expect(page.locator(".ok-box")).to_contain_text("hợp lệ")
    expect(page.locator("table")).to_contain_text("Hiện đại hóa hành chính")

    # and the set is activated for 2021, after which it is frozen
    page.select_option("#id_cycle", label="Chỉ số CCHC năm 2021")
    page.get_by_role("button", name="Áp dụng bộ chỉ số").click()
    expect(page.locator(".messages")).to_contain_text("Đã áp dụng")
    expect(page.locator(".note")).to_contain_text("đã khoá")
    expect(page.get_by_role("link", name="Sửa 1.2.3")).to_have_count(0)
    clone.refresh_from_db()
    assert clone.status == IndicatorSet.Status.ACTIVE
    assert clone.cycle_sets.get().unit_kind == UnitKind.objects.get(code="department")

    # and the diff against 2020 shows the changed method only
    page.goto(f"/quan-ly/bo-chi-so/{small_set.pk}/so-sanh/?voi={clone.pk}")
    changed = page.locator(".diff-changed")
    expect(changed).to_contain_text("1.2.3")
    expect(changed).to_contain_text("phương pháp chấm")
    expect(page.locator(".diff-summary")).to_contain_text("thay đổi 1")
    assert errors == []


def test_criterion_editor_previews_without_javascript(
    browser: Any, live_server: Any, small_set: Any, admin_user: Any
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "bao")
        node = small_set.indicators.get(code="1.1.2")
        page.goto(f"/quan-ly/tieu-chi/{node.pk}/")
        page.fill("#id_p_bands", "90 | > | 2\n95 | >= | 1\n0 | >= | 0")
        page.get_by_role("button", name="Xem trước").click()
        expect(page.locator("#method-preview .error")).to_be_visible()
        page.get_by_role("button", name="Lưu tiêu chí").click()
        expect(page.locator("#indicator-errors li")).to_have_count(1)  # said once, in the form's error summary
        expect(page.locator(".messages li.error")).to_have_count(0)
        expect(page.locator("#id_p_bands")).to_have_attribute("aria-invalid", "true")
        node.refresh_from_db()
        assert [b["min"] for b in node.params["bands"]] == ["90", "70", "0"]
    finally:
        context.close()
