"""The unit's explanation page keeps «Còn N tiêu chí chưa giải trình…», the «Đồng ý với kết quả thẩm định ở N tiêu chí
còn lại» button and its confirmation true as the unit answers: each save's answer carries them (they kept the
page-load counts, and the dialog still said a leaf explained since «vẫn cần giải trình»)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from appraisal.models import ExplanationRound
from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import later, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
UNDECIDED = "1.2.3"  # returned without a result of the team: an explanation is its only answer


@pytest.fixture
def whole_round(assessment: Assessment, unit_editor: Any, unit_head: Any, lead: Any, team: Any) -> Assessment:
    """Every leaf of Sở Y tế returned for explanation, all appraised but 1.2.3."""
    from appraisal.services import explanation_request, line_accept_self

    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    for line in assessment.lines.exclude(indicator__code=UNDECIDED).order_by("indicator__order"):
        line_accept_self(line=line, actor=lead, base_version=line.version)
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=None, undecided_ok=True,
                        message="Đề nghị đơn vị rà soát toàn bộ kết quả thẩm định.")
    return assessment


def _explain(page: Any, line: ScoreLine, text: str) -> None:
    page.fill(f"#explanation-{line.pk}", text)
    page.click(f"#line-{line.pk} form[data-explain-line] button[type=submit]")
    expect(page.locator(f"#line-{line.pk} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))


def test_the_counts_follow_the_explanations_saved(page: Any, whole_round: Assessment) -> None:
    flagged = ScoreLine.objects.filter(assessment=whole_round, explanation_requested=True).count()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hung")
    page.goto(f"/tham-dinh/giai-trinh/{whole_round.pk}/")
    form = page.locator("form[data-agree-remaining]")
    button = form.locator("button[type=submit]")
    # given the page as loaded: every flagged leaf unanswered, one of them without a result to agree with
    expect(button).to_have_text(f"Đồng ý với kết quả thẩm định ở {flagged - 1} tiêu chí còn lại")
    expect(form).to_contain_text(f"Còn {flagged} tiêu chí chưa giải trình")
    expect(form).to_contain_text("Trong đó 1 tiêu chí chưa có kết quả thẩm định")

    # when the unit explains the undecided leaf and two others, each saved in place
    lines = {line.indicator.code: line for line in whole_round.lines.select_related("indicator")}
    _explain(page, lines[UNDECIDED], "Đã gửi báo cáo đúng hạn, kèm công văn số 12.")
    _explain(page, lines["1.1.1"], "Kế hoạch ban hành ngày 05/01.")
    _explain(page, lines["2.1.1"], "Tỷ lệ đã cập nhật theo báo cáo quý IV.")

    # then the button, the paragraph and the confirmation say what is left
    left = flagged - 3
    expect(button).to_have_text(f"Đồng ý với kết quả thẩm định ở {left} tiêu chí còn lại")
    expect(form).to_contain_text(f"Còn {left} tiêu chí chưa giải trình")
    expect(form).not_to_contain_text("chưa có kết quả thẩm định")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    button.click()
    expect(form).to_be_visible()
    assert len(asked) == 1 and f"ở {left} tiêu chí chưa giải trình?" in asked[0]
    assert "vẫn cần giải trình" not in asked[0]
    assert ExplanationRound.objects.get(assessment=whole_round).agreed_lines == []  # dismissed: nothing agreed
    assert errors == []


def test_the_agreement_form_goes_once_every_leaf_is_answered(page: Any, whole_round: Assessment) -> None:
    # given every leaf with a result but one agreed with in place
    lines = list(whole_round.lines.select_related("indicator").order_by("indicator__order"))
    login(page, "hung")
    page.goto(f"/tham-dinh/giai-trinh/{whole_round.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    undecided = next(line for line in lines if line.indicator.code == UNDECIDED)
    others = [line for line in lines if line.pk != undecided.pk]
    for line in others[:-1]:
        page.check(f"#agree-{line.pk}")
        page.click(f"#line-{line.pk} form[data-explain-line] button[type=submit]")
        expect(page.locator(f"#line-{line.pk} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    form = page.locator("form[data-agree-remaining]")
    expect(form.locator("button[type=submit]")).to_have_text("Đồng ý với kết quả thẩm định ở 1 tiêu chí còn lại")
    # when the last leaf with a result is explained
    _explain(page, others[-1], "Đã bổ sung tài liệu.")
    # then nothing is left to agree with: the form goes (the undecided leaf still needs its explanation)
    expect(form).to_be_hidden()
