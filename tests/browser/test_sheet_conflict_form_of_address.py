"""The sheet's conflict panel (two tabs saving the same leaf) addresses the user one way, «anh/chị», as the rest of
the application does, and names the fields both sides changed in a plain sentence."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from scoring.services import score_line_save_self
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def test_the_conflict_panel_says_anh_chi_throughout_and_names_the_field_both_changed(
    page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line = open_assessment.lines.get(indicator__code="1.1.2")  # numerator / denominator
    login(page, "lan")
    score_line_save_self(line=line, actor=unit_head, base_version=line.version,
                         value={"numerator": 95, "denominator": 100})
    page.fill(f'[name="l{line.pk}-numerator"]', "90")
    page.fill(f'[name="l{line.pk}-denominator"]', "100")
    page.locator("h1").first.click()

    panel = page.locator(f"#line-{line.pk} .js-conflict")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("một thẻ khác của anh/chị")
    expect(panel).to_contain_text("Giá trị của anh/chị")
    expect(panel).to_contain_text("Ô mà cả anh/chị và người kia cùng sửa: Giá trị.")
    expect(panel).to_contain_text("Hãy chọn giữ giá trị của anh/chị hay lấy giá trị đang lưu")
    text = panel.inner_text()
    assert "bạn" not in text.lower()
