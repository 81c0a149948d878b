"""The review page's conflict box in a real browser: a «không phát sinh» (KPS) accepted in one tab and overruled
from a stale one shows the stored decision with the points it is credited, and names nobody."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stale_overrule_of_an_accepted_kps_shows_the_stored_decision(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    from scoring.services import score_line_save_self

    self_score(assessment, unit_editor)
    line = assessment.lines.get(indicator__code="1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    submit(assessment, unit_head)
    leaf = f"#line-{line.pk}"

    # the lead has the review page open in two tabs (one browser session)
    first = new_page()
    errors: list[str] = []
    first.on("pageerror", lambda exc: errors.append(str(exc)))
    login(first, "hoa")
    first.goto(f"/tham-dinh/{assessment.pk}/")
    first.wait_for_load_state("networkidle")
    second = first.context.new_page()
    second.on("pageerror", lambda exc: errors.append(str(exc)))
    second.goto(f"/tham-dinh/{assessment.pk}/")
    second.wait_for_load_state("networkidle")

    # tab 1 accepts the KPS
    first.click(f"{leaf} form[data-accept] button[type=submit]")
    expect(first.locator(f"{leaf} [data-appraised]")).to_have_text("KPS (tính 1,50 điểm)")

    # tab 2, not reloaded, overrules it with a score
    second.click(f"{leaf} details.na-overrule summary")
    for name, value in (("a", "4"), ("b", "2"), ("c", "0")):
        second.fill(f'{leaf} [name="a{line.pk}-counts.{name}"]', value)
    second.fill(f"#note-{line.pk}", "Biên bản kiểm tra số 12 cho thấy có phát sinh.")
    second.click(f"{leaf} form[data-appraise] button[type=submit]")
    box = second.locator(f"{leaf} .js-conflict")
    expect(box).to_be_visible()
    expect(box).to_contain_text("vừa được thẩm định ở nơi khác")
    # the stored decision is the user's own, from the other tab: said as such
    expect(box.locator("[data-stored-by]")).to_contain_text("do chính anh/chị lưu lúc")
    expect(box.locator("[data-stored]")).to_have_text(
        "Giá trị đang lưu: Chấp nhận «không phát sinh» — KPS (tính 1,50 điểm)"
    )
    # taking the stored value shows the decision on the leaf
    box.locator("text=Lấy giá trị đang lưu").click()
    expect(second.locator(f"{leaf} [data-appraised]")).to_have_text("KPS (tính 1,50 điểm)")
    assert errors == []
