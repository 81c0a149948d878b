"""The sheet in a real browser: an empty sheet rated nothing until the autosave of its first leaf brings the band;
a submitted sheet's fields greyed as read-only, their text still readable."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import submitted, team  # noqa: F401  (fixtures)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_first_scored_leaf_brings_the_classification_with_the_autosave(
    page: Any, assessment: Assessment, unit_editor: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    login(page, "lan")
    page.goto(f"/danh-gia/{assessment.pk}/")
    band = page.locator('[data-total="classification"]')
    expect(band).to_have_text("— (chưa chấm tiêu chí nào)")

    page.check(f'#line-{line.pk} input[value="on_time"]')
    expect(page.locator(f"#line-{line.pk} .save-status")).to_contain_text("Đã lưu")

    expect(page.locator('[data-total="scored"]')).to_have_text("1")
    expect(band).to_have_text("Yếu")  # 1 point of 10: the set's lowest band, now that something is scored


def test_a_submitted_sheets_fields_look_read_only(
    page: Any, submitted: Assessment, unit_editor: Any  # noqa: F811
) -> None:
    line = submitted.lines.get(indicator__code="1.2.3")
    login(page, "lan")
    page.goto(f"/danh-gia/{submitted.pk}/")
    for name in (f"l{line.pk}-points", "note", "explanation"):  # a manual leaf's number, the leaf's two texts
        field = page.locator(f'#line-{line.pk} [name="{name}"]')
        expect(field).to_be_disabled()
        expect(field).to_have_css("background-color", "rgb(238, 241, 245)")
        expect(field).to_have_css("color", "rgb(75, 85, 99)")
        expect(field).to_have_css("-webkit-text-fill-color", "rgb(75, 85, 99)")
    expect(page.locator(f"#req-{line.pk}")).to_have_text("(chưa có tài liệu kiểm chứng)")
