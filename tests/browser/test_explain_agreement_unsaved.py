"""The explanation page's script keeps the unit's «Đồng ý với kết quả thẩm định» as it keeps a typed explanation: a
box ticked and not saved is saved before «Gửi giải trình» and before «Đồng ý … còn lại» are sent, and leaving the
page with it warns."""

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


def _agreed(assessment: Assessment) -> list[int]:
    """The lines the unit agreed with in the assessment's (only) round."""
    return ExplanationRound.objects.get(assessment=assessment).agreed_lines


@pytest.fixture
def two_leaves(assessment: Assessment, unit_editor: Any, unit_head: Any, lead: Any, team: Any) -> Assessment:
    from appraisal.services import explanation_request

    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    appraise_all(assessment, lead)
    ids = list(assessment.lines.filter(indicator__code__in=["1.1.1", "2.1.1"]).values_list("pk", flat=True))
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=ids, message="Đề nghị rà soát.")
    return assessment


def _open(page: Any, assessment: Assessment, user: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, user)
    page.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    return errors


def _lines(assessment: Assessment) -> list[ScoreLine]:
    return [assessment.lines.get(indicator__code=code) for code in ("1.1.1", "2.1.1")]


def test_sending_saves_an_agreement_ticked_and_not_saved_first(page: Any, two_leaves: Assessment) -> None:
    first, second = _lines(two_leaves)
    page.on("dialog", lambda dialog: dialog.accept())
    errors = _open(page, two_leaves, "hung")
    # given one leaf ticked «Đồng ý», one explanation typed, nothing saved
    page.check(f"#agree-{first.pk}")
    page.fill(f"#explanation-{second.pk}", "Bổ sung báo cáo số 15/BC.")
    # when the head sends
    page.click("form.resubmit button[type=submit]")
    # then both answers are saved, then the round is sent
    expect(page.locator("form.resubmit")).to_have_count(0)
    assert _agreed(two_leaves) == [first.pk] and ScoreLine.objects.get(pk=first.pk).explanation == ""
    assert ScoreLine.objects.get(pk=second.pk).explanation == "Bổ sung báo cáo số 15/BC."
    two_leaves.refresh_from_db()
    assert two_leaves.state == Assessment.State.IN_APPRAISAL
    assert errors == []


def test_agreeing_with_the_rest_keeps_an_explanation_typed_and_not_saved(page: Any, two_leaves: Assessment) -> None:
    first, second = _lines(two_leaves)
    page.on("dialog", lambda dialog: dialog.accept())
    errors = _open(page, two_leaves, "lan")
    page.fill(f"#explanation-{second.pk}", "Bổ sung báo cáo số 15/BC.")
    page.click("form[data-agree-remaining] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("ở 1 tiêu chí")
    assert ScoreLine.objects.get(pk=second.pk).explanation == "Bổ sung báo cáo số 15/BC."
    assert _agreed(two_leaves) == [first.pk]
    assert errors == []


def test_leaving_with_an_agreement_not_saved_warns(page: Any, two_leaves: Assessment) -> None:
    first, _second = _lines(two_leaves)
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    _open(page, two_leaves, "lan")
    page.click(f"#agree-{first.pk}")  # a user's click: the page may ask before it is left
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]


def test_an_agreement_saved_in_another_tab_is_offered_as_an_agreement_not_as_a_text(
    new_page: Any, two_leaves: Assessment
) -> None:
    first, _second = _lines(two_leaves)
    leaf = f"#line-{first.pk}"
    one, two = new_page(), new_page()
    _open(one, two_leaves, "lan")
    errors = _open(two, two_leaves, "hung")
    # given the leaf agreed with in one tab
    one.check(f"#agree-{first.pk}")
    one.click(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(one.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    # when the other tab, still on the old version, saves an explanation
    two.fill(f"#explanation-{first.pk}", "Giải trình thẻ 2.")
    two.click(f"{leaf} form[data-explain-line] button[type=submit]")
    # then the conflict says what is stored: the agreement; taking it ticks the box and leaves no text
    box = two.locator(f"{leaf} .js-conflict")
    expect(box).to_be_visible()
    expect(box.locator("[data-stored]")).to_contain_text("Đồng ý với kết quả thẩm định")
    box.locator("button", has_text="Lấy giá trị đang lưu").click()
    expect(two.locator(f"#agree-{first.pk}")).to_be_checked()
    expect(two.locator(f"#explanation-{first.pk}")).to_have_value("")
    assert _agreed(two_leaves) == [first.pk]
    assert errors == []
