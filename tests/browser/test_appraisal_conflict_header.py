"""The review page with two tabs open: a leaf saved in one tab and saved again from the other, stale, tab shows the
conflict box, and the leaf's header (status, appraised score) shows what is stored, not what the page had before;
the value typed in the stale tab stays in its form for «Giữ giá trị của tôi»."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from appraisal.services import line_appraise
from scoring.models import Assessment
from scoring.templatetags.scoring_tags import full_name
from tests.appraisal.conftest import evidence_not_required, line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_conflict_shows_the_stored_status_and_score_in_the_leafs_header(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    line = line_of(assessment, "2.1.1")
    leaf = f"#line-{line.pk}"

    first = new_page()
    errors: list[str] = []
    first.on("pageerror", lambda exc: errors.append(str(exc)))
    login(first, "tam")
    first.goto(f"/tham-dinh/{assessment.pk}/")
    first.wait_for_load_state("networkidle")
    second = first.context.new_page()
    second.on("pageerror", lambda exc: errors.append(str(exc)))
    second.goto(f"/tham-dinh/{assessment.pk}/")
    second.wait_for_load_state("networkidle")
    expect(second.locator(f"{leaf} [data-status]")).to_have_text("Chưa thẩm định")
    expect(second.locator(f"{leaf} [data-appraised]")).to_have_text("—")

    # tab 1 lowers the score with a reason
    first.fill(f'{leaf} [name="a{line.pk}-numerator"]', "50")
    first.fill(f"#note-{line.pk}", "Chỉ có 50% văn bản điện tử.")
    first.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(first.locator(f"{leaf} [data-status]")).to_have_text("Đã điều chỉnh")
    stored = first.locator(f"{leaf} [data-appraised]").inner_text()

    # tab 2, not reloaded, types another value and saves it: a conflict
    second.fill(f'{leaf} [name="a{line.pk}-numerator"]', "90")
    second.fill(f"#note-{line.pk}", "Đủ tài liệu.")
    second.click(f"{leaf} form[data-appraise] button[type=submit]")
    box = second.locator(f"{leaf} .js-conflict")
    expect(box).to_be_visible()
    # the header says what is stored
    expect(second.locator(f"{leaf} [data-status]")).to_have_text("Đã điều chỉnh")
    expect(second.locator(f"{leaf} [data-appraised]")).to_have_text(stored)
    # and what was typed stays, to be kept
    expect(second.locator(f'{leaf} [name="a{line.pk}-numerator"]')).to_have_value("90")
    # the stored value is the user's own, from the other tab: said as such
    expect(box.locator("[data-stored-by]")).to_contain_text("chính anh/chị")
    box.locator("text=Giữ giá trị của tôi").click()
    expect(second.locator(f"{leaf} [data-save-status]")).to_have_text("Đã lưu")
    expect(second.locator(f"{leaf} [data-appraised]")).not_to_have_text(stored)
    assert errors == []


def test_a_colleagues_conflict_names_them_and_keeping_my_value_keeps_theirs_in_the_history(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    line = line_of(assessment, "2.1.1")
    leaf = f"#line-{line.pk}"
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hoa")
    page.goto(f"/tham-dinh/{assessment.pk}/?linh-vuc=tat-ca")
    page.wait_for_load_state("networkidle")
    # tam saves the leaf meanwhile
    line_appraise(line=line, actor=team["appraiser"], base_version=line.version,
                  value={"numerator": "70", "denominator": "100"}, note="Biên bản kiểm tra ghi 70%.")
    page.fill(f'{leaf} [name="a{line.pk}-numerator"]', "90")
    page.fill(f"#note-{line.pk}", "Sổ theo dõi cho thấy 90%.")
    page.click(f"{leaf} form[data-appraise] button[type=submit]")
    box = page.locator(f"{leaf} .js-conflict")
    expect(box.locator("[data-stored-by]")).to_contain_text(f"do {full_name(team['appraiser'])} lưu lúc")
    expect(box).not_to_contain_text("người khác hoặc một thẻ khác")
    box.locator("text=Giữ giá trị của tôi").click()
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text("Đã lưu")
    page.reload()
    entry = page.locator(f"{leaf} [data-history-overwritten]")
    expect(entry).to_contain_text("Biên bản kiểm tra ghi 70%.")
    expect(entry).to_contain_text(f"Thẩm định của {full_name(team['appraiser'])}")
    assert errors == []
