"""The clone form in a real browser: as «Năm áp dụng» changes, the key and the name become the server's proposal
for that year (a year already cloned gets the next version, another year its first set, without «phiên bản»), until
they are edited by hand; the clone saved for 2022 is the first set of 2022. (The
page carries each year's proposal.)"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.administration import services
from scoring.models import IndicatorSet
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Bộ chỉ số CCHC UBND cấp huyện năm 2020"


def test_the_key_and_name_follow_the_proposal_of_the_year_typed(page: Any, small_set: Any, admin_user: Any) -> None:
    # given: tg-2020-huyen, already cloned to 2021
    source = services.indicator_set_clone(source=small_set, key="tg-2020-huyen", year=2020, actor=admin_user,
                                          name=NAME)
    services.indicator_set_clone(source=source, key="tg-2021-huyen", year=2021, actor=admin_user)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "bao")
    page.goto(f"/quan-ly/bo-chi-so/{source.pk}/nhan-ban/")
    key, name, year = page.locator("#id_key"), page.locator("#id_name"), page.locator("#id_year")
    expect(key).to_have_value("tg-2021-huyen-v2")
    expect(name).to_have_value("Bộ chỉ số CCHC UBND cấp huyện năm 2021 (phiên bản 2)")

    # when the year becomes 2023: its first set
    year.fill("2023")
    expect(key).to_have_value("tg-2023-huyen")
    expect(name).to_have_value("Bộ chỉ số CCHC UBND cấp huyện năm 2023")

    # back to 2021: its next version again
    year.fill("2021")
    expect(key).to_have_value("tg-2021-huyen-v2")
    expect(name).to_have_value("Bộ chỉ số CCHC UBND cấp huyện năm 2021 (phiên bản 2)")

    # a name typed by hand stays; the key still follows
    name.fill("Bộ chỉ số huyện (dự thảo)")
    year.fill("2022")
    expect(key).to_have_value("tg-2022-huyen")
    expect(name).to_have_value("Bộ chỉ số huyện (dự thảo)")

    # then: saved for 2022, the first set of 2022
    name.fill("Bộ chỉ số CCHC UBND cấp huyện năm 2022")
    page.get_by_role("button", name="Nhân bản").click()
    expect(page.locator(".messages")).to_contain_text("tg-2022-huyen")
    clone = IndicatorSet.objects.get(key="tg-2022-huyen")
    assert clone.year == 2022 and clone.version == 1 and "phiên bản" not in clone.name
    assert errors == []
