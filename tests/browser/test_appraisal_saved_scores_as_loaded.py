"""A leaf saved in place reads as the page writes it on load: a negative appraised score keeps its true minus sign
(«−1,00»), in the leaf and in its area's total."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import evidence_not_required, line_of
from tests.appraisal.conftest import submitted as submitted  # Sở Y tế, self-scored and submitted
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

MINUS = "\u2212"


def test_a_negative_score_saved_in_place_reads_as_on_load(new_page: Any, submitted: Assessment) -> None:
    evidence_not_required(submitted)
    line = line_of(submitted, "1.1.1")  # «Không ban hành»: −1
    leaf = f"#line-{line.pk}"
    area = f'[data-area-appraised="{line.indicator.parent.parent_id}"]'
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hoa")
    page.goto(f"/tham-dinh/{submitted.pk}/?linh-vuc=tat-ca")

    # when the lead chooses «Không ban hành» with a reason and saves it in place
    page.locator(f"{leaf} form[data-appraise] input[value=none]").check()
    page.fill(f"#note-{line.pk}", "Không ban hành kế hoạch.")
    page.locator(f"{leaf} form[data-appraise] button[type=submit]").click()
    expect(page.locator(f"{leaf} [data-save-status]")).to_contain_text("Đã lưu")

    # then the leaf and its area read with the minus sign, as the page drawn again writes them
    expect(page.locator(f"{leaf} [data-appraised]")).to_have_text(f"{MINUS}1,00")
    expect(page.locator(area)).to_have_text(f"{MINUS}1,00")
    saved = {name: page.locator(selector).inner_text() for name, selector in (
        ("leaf", f"{leaf} [data-appraised]"), ("area", area), ("index", "[data-appraised-index]"),
        ("bonus", "[data-appraised-bonus]"), ("penalty", "[data-appraised-penalty]"))}
    page.reload()
    loaded = {name: page.locator(selector).inner_text() for name, selector in (
        ("leaf", f"{leaf} [data-appraised]"), ("area", area), ("index", "[data-appraised-index]"),
        ("bonus", "[data-appraised-bonus]"), ("penalty", "[data-appraised-penalty]"))}
    assert saved == loaded
    assert errors == []
