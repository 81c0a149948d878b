"""The area's second bulk accept («Chấp nhận cả N tiêu chí thiếu tài liệu có ghi chú…») asks first, naming how many
leaves and that the team takes the unit's word for its paper evidence: refused, nothing is sent nor changed;
accepted, the noted leaf is accepted and the leaf without any text is not."""

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


def _open(new_page: Any, assessment: Assessment, answer: bool) -> tuple[Any, list[str], list[str]]:
    page = new_page()
    login(page, "tam")
    dialogs: list[str] = []
    posts: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        if answer:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    return page, dialogs, posts


def test_refusing_the_confirmation_sends_and_changes_nothing(new_page: Any, paper: Assessment) -> None:
    page, dialogs, posts = _open(new_page, paper, answer=False)
    page.get_by_role("button", name="Chấp nhận cả 1 tiêu chí thiếu tài liệu").click()
    page.wait_for_timeout(300)
    assert len(dialogs) == 1
    assert "1 tiêu chí «Cần tài liệu kiểm chứng»" in dialogs[0]
    assert "tin theo lời đơn vị về tài liệu kiểm chứng bản giấy" in dialogs[0]
    assert posts == []
    assert not ScoreLine.objects.filter(assessment=paper, appraised_score__isnull=False).exists()


def test_confirming_accepts_the_noted_leaf_and_not_the_one_without_text(new_page: Any, paper: Assessment) -> None:
    page, dialogs, _posts = _open(new_page, paper, answer=True)
    page.get_by_role("button", name="Chấp nhận cả 1 tiêu chí thiếu tài liệu").click()
    expect(page.get_by_text("theo ghi chú, giải trình của đơn vị").first).to_be_visible()
    assert len(dialogs) == 1
    assert line_of(paper, "2.1.2").appraised_score is not None
    assert line_of(paper, "2.2.1").appraised_score is None
