"""The cycle creation form in a real browser: the year proposed is the one after the last cycle's, and as another
year is typed each kind's set drop-down lists that year's sets first, keeping the set chosen.
(static/js/cycle-form.js)"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import UnitKind
from scoring.services import cycle_create, indicator_set_import
from tests.browser.conftest import login
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_set_lists_follow_the_year_typed(page: Any, small_set: Any, admin_user: Any) -> None:
    # given: a 2020 cycle, sets of 2021 and of 2022 for the departments
    cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={}, actor=None)
    indicator_set_import(data=small_set_data(key="so-2021", year=2021), actor=None)
    indicator_set_import(data=small_set_data(key="so-2022", year=2022), actor=None)
    department = UnitKind.objects.get(code="department")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "bao")

    page.goto("/quan-ly/ky-danh-gia/")
    page.get_by_text("Tạo kỳ đánh giá", exact=True).first.click()
    year = page.locator("#cycle-form input[name=year]")
    select = page.locator(f"#cycle-form select[name=set_{department.pk}]")

    # then: 2021 proposed, its set first
    expect(year).to_have_value("2021")
    expect(select.locator("optgroup").first).to_have_attribute("label", "Năm 2021 — bộ của «Sở, ban, ngành tỉnh»")
    expect(select.locator("optgroup").first.locator("option")).to_contain_text(["so-2021"])

    # when 2022 is typed, its set comes first; the empty choice stays the one chosen
    year.fill("2022")
    expect(select.locator("optgroup").first).to_have_attribute("label", "Năm 2022 — bộ của «Sở, ban, ngành tỉnh»")
    expect(select.locator("optgroup").first.locator("option")).to_contain_text(["so-2022"])
    expect(select).to_have_value("")
    assert errors == []


def test_the_note_of_a_year_without_sets_follows_the_year_typed(page: Any, small_set: Any, admin_user: Any) -> None:
    # given: a set of 2020 only, and the form shown for 2023
    login(page, "bao")
    page.goto("/quan-ly/ky-danh-gia/?nam=2023")
    note = page.locator("#cycle-form [data-sets-note]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Chưa có bộ chỉ số nào của năm 2023")

    page.locator("#cycle-form input[name=year]").fill("2020")

    expect(page.locator("#cycle-form [data-sets-note]")).to_be_hidden()
