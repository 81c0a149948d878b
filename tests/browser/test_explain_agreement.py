"""The unit answers a whole request in the browser: agrees with one leaf in place (its box ticked, no text), agrees
with every leaf still unanswered at once, and the head sends the round."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from appraisal.models import ExplanationRound
from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import appraise_all, later, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def whole_round(assessment: Assessment, unit_editor: Any, unit_head: Any, lead: Any, team: Any) -> Assessment:
    from appraisal.services import explanation_request

    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    appraise_all(assessment, lead)
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=None,
                        message="Đề nghị đơn vị rà soát toàn bộ kết quả thẩm định.")
    return assessment


def _open(page: Any, assessment: Assessment, user: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, user)
    page.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    return errors


def test_the_unit_agrees_with_one_leaf_then_with_the_rest_and_sends(page: Any, whole_round: Assessment) -> None:
    line = whole_round.lines.get(indicator__code="1.1.1")
    explained = whole_round.lines.get(indicator__code="2.1.1")
    errors = _open(page, whole_round, "hung")
    leaf = f"#line-{line.pk}"

    # one leaf agreed in place: saved without any text
    page.check(f"#agree-{line.pk}")
    page.click(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    expect(page.locator(f"#agree-{line.pk}")).to_be_checked()
    expect(page.locator(f"#explanation-{line.pk}")).to_have_value("")
    # recorded as the round's agreement, no text written on the leaf
    assert ExplanationRound.objects.get(assessment=whole_round).agreed_lines == [line.pk]
    assert ScoreLine.objects.get(pk=line.pk).explanation == ""

    # one leaf explained, the seven others agreed with at once
    page.fill(f"#explanation-{explained.pk}", "Đã bổ sung báo cáo số 15/BC.")
    page.click(f"#line-{explained.pk} form[data-explain-line] button[type=submit]")
    expect(page.locator(f"#line-{explained.pk} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    page.click("form[data-agree-remaining] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("đồng ý với kết quả thẩm định ở 7 tiêu chí")
    expect(page.locator("form[data-agree-remaining]")).to_have_count(0)

    # the head sends the round
    page.click("form.resubmit button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Đã gửi giải trình")
    whole_round.refresh_from_db()
    assert whole_round.state == Assessment.State.IN_APPRAISAL
    assert ScoreLine.objects.get(pk=explained.pk).explanation == "Đã bổ sung báo cáo số 15/BC."
    assert errors == []
