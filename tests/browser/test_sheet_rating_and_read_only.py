"""The sheet in a real browser: an empty sheet rated nothing, its index provisional («tạm tính»), until the autosave
of its last leaf brings the band and the plain index; clearing a leaf takes them back. A submitted sheet's fields
greyed as read-only, their text still readable."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import submitted, team  # noqa: F401  (fixtures)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_first_scored_leaf_gives_no_classification_yet(
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
    # 1 point of 10 is the set's lowest band by the index, but 8 leaves are still unscored: no verdict yet
    expect(band).to_have_text("— (xếp loại khi đã chấm đủ các tiêu chí)")
    expect(page.locator('[data-total="index"]')).to_have_text("1,00 (tạm tính)")


def test_the_last_scored_leaf_brings_the_classification_and_clearing_one_takes_it_back(
    page: Any, assessment: Assessment, unit_editor: Any
) -> None:
    from scoring.services import score_line_save_self
    from tests.conftest import SMALL_SET_VALUES

    for other in assessment.lines.select_related("indicator").exclude(indicator__code="1.2.1"):
        score_line_save_self(line=other, actor=unit_editor, base_version=other.version,
                             value=SMALL_SET_VALUES[other.indicator.code][0])
    last = assessment.lines.get(indicator__code="1.2.1")
    manual = assessment.lines.get(indicator__code="1.2.3")
    login(page, "lan")
    page.goto(f"/danh-gia/{assessment.pk}/")
    band, index = page.locator('[data-total="classification"]'), page.locator('[data-total="index"]')
    expect(band).to_have_text("— (xếp loại khi đã chấm đủ các tiêu chí)")
    expect(index).to_have_text("5,58 (tạm tính)")

    # the last leaf answered «Không»: index 5,58, the set's lowest band
    page.check(f'#line-{last.pk} input[value="no"]')
    expect(page.locator(f"#line-{last.pk} .save-status")).to_contain_text("Đã lưu")
    expect(band).to_have_text("Yếu")
    expect(index).to_have_text("5,58")

    # a leaf cleared: provisional again, no class
    page.fill(f'[name="l{manual.pk}-points"]', "")
    expect(page.locator(f"#line-{manual.pk} .save-status")).to_contain_text("Đã lưu")
    expect(band).to_have_text("— (xếp loại khi đã chấm đủ các tiêu chí)")
    expect(index).to_have_text("5,08 (tạm tính)")


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
