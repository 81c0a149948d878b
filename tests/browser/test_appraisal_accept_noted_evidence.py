"""The area's list of leaves missing their evidence on which the unit wrote about it (kept on paper): opened, it shows
each leaf with the unit's words, none ticked; sending it untouched accepts nothing, and only the leaf ticked is
accepted, the other noted leaf and the leaf without any text left undecided."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, Indicator, ScoreLine
from tests.appraisal.conftest import line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paper(assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    """Sở Y tế sent no file for 2.1.2 and 2.2.1, both needing evidence; its note on 2.1.2 says it is on paper."""
    leaves = Indicator.objects.filter(indicator_set=assessment.indicator_set, is_leaf=True)
    leaves.update(evidence_required=False)
    leaves.filter(code__in=("2.1.2", "2.2.1")).update(evidence_required=True)
    self_score(assessment, unit_editor)
    ScoreLine.objects.filter(pk=line_of(assessment, "2.1.2").pk).update(
        self_note="Tài liệu kiểm chứng lưu tại Văn phòng Sở, đã gửi bản giấy.")
    return submit(assessment, unit_head)


def _open(new_page: Any, assessment: Assessment) -> tuple[Any, list[str]]:
    page = new_page()
    login(page, "tam")
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", on_dialog)
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    return page, dialogs


def _decided(assessment: Assessment) -> set[str]:
    return set(ScoreLine.objects.filter(assessment=assessment, appraised_score__isnull=False)
               .values_list("indicator__code", flat=True))


def test_the_list_opens_with_the_units_words_none_ticked_and_accepts_only_the_ticked_leaf(
    new_page: Any, paper: Assessment
) -> None:
    ScoreLine.objects.filter(pk=line_of(paper, "2.1.1").pk).update(self_note="Đơn vị không có văn bản này.")
    Indicator.objects.filter(indicator_set=paper.indicator_set, code="2.1.1").update(evidence_required=True)
    page, dialogs = _open(new_page, paper)
    section = page.locator("details[data-accept-noted]")
    button = section.get_by_role("button", name="Chấp nhận các tiêu chí đã chọn, không có tài liệu kiểm chứng")
    expect(button).to_be_hidden()
    section.locator("summary").click()
    expect(section).to_contain_text("Đơn vị không có văn bản này.")
    expect(section).to_contain_text("Tài liệu kiểm chứng lưu tại Văn phòng Sở")
    boxes = section.locator('input[type="checkbox"][name="dong"]')
    expect(boxes).to_have_count(2)
    for index in range(2):
        expect(boxes.nth(index)).not_to_be_checked()
    # sent with nothing ticked: refused, nothing accepted
    button.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Hãy chọn từng tiêu chí Tổ thẩm định chấp nhận").first).to_be_visible()
    assert _decided(paper) == set()
    # one ticked: that one only
    section.locator("summary").click()
    section.get_by_label("2.1.2").check()
    button.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("theo ghi chú, giải trình của đơn vị").first).to_be_visible()
    assert _decided(paper) == {"2.1.2"}
    assert [kind for kind in dialogs if kind != "beforeunload"] == []
