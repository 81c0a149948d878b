"""A text pasted longer than its limit is never cut without a word: the box holds all of it, the server refuses it whole
with a message naming the box and the limit, and the page never says «Đã lưu» (an explanation or a note of 5,000
characters, a reason for not applicable of 2,000)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


@pytest.mark.parametrize(("field", "label", "limit"), [
    ("explanation", "Giải trình", 5000), ("note", "Ghi chú", 5000), ("na-reason", "Lý do không phát sinh", 2000),
])
def test_a_pasted_text_over_its_limit_stays_whole_in_its_box_and_is_refused_with_a_message(
    page: Any, open_assessment: Assessment, unit_editor: Any, field: str, label: str, limit: int
) -> None:
    line = open_assessment.lines.get(indicator__code="1.2.2")  # allows «không phát sinh»
    login(page, "lan")
    box = page.locator(f"#l{line.pk}-{field}")
    assert box.get_attribute("maxlength") is None
    if field == "na-reason":
        page.check(f"#l{line.pk}-na")
    text = "Nội dung dài. " * (limit // 14 + 1) + "ĐOẠN CUỐI"
    assert len(text) > limit

    # when the text is pasted and the leaf left
    box.fill(text)
    page.locator("h1").first.click()

    # then all of it is still in the box, the refusal names the box and the limit, nothing is said saved
    leaf = page.locator(f"#line-{line.pk}")
    error = leaf.locator(".leaf-error")
    expect(error).to_contain_text(label)
    expect(error).to_contain_text(f"tối đa {limit}")
    expect(box).to_have_value(text)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(leaf.locator(".save-status")).not_to_contain_text("Đã lưu")
    stored = ScoreLine.objects.get(pk=line.pk)
    assert (stored.explanation, stored.self_note, stored.not_applicable_reason) == ("", "", "")

    # and once shortened, it is saved
    box.fill(text[:limit - 20].strip())
    expect(leaf.locator(".save-status")).to_contain_text("Đã lưu")
    expect(error).to_be_hidden()
