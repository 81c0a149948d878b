"""The unit's explanation page loses nothing typed: «Gửi giải trình» saves the explanations typed and not saved
first (or stops and names the leaves it could not save), leaving the page with unsaved text warns, and after a
conflict the keyboard is on the conflict box, not on the page's <body>."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import later, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def explaining(assessment: Assessment, unit_editor: Any, unit_head: Any, lead: Any, team: Any) -> Assessment:
    from appraisal.services import explanation_request

    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    ids = list(assessment.lines.filter(indicator__code__in=["1.1.1", "2.1.1"]).values_list("pk", flat=True))
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=ids)
    return assessment


def _lines(assessment: Assessment) -> list[ScoreLine]:
    return [assessment.lines.get(indicator__code=code) for code in ("1.1.1", "2.1.1")]


def _open(page: Any, assessment: Assessment, user: str) -> None:
    login(page, user)
    page.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")


def test_sending_saves_the_explanations_typed_and_not_saved_first(page: Any, explaining: Assessment) -> None:
    first, second = _lines(explaining)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    _open(page, explaining, "hung")

    # given two explanations typed, «Lưu giải trình» never pressed
    page.fill(f"#explanation-{first.pk}", "Đã ban hành kế hoạch số 12/KH.")
    page.fill(f"#explanation-{second.pk}", "Bổ sung báo cáo số 15/BC.")
    # when the head presses «Gửi giải trình» (and confirms)
    page.click("form.resubmit button[type=submit]")

    # then both are saved, then the explanations are sent
    expect(page.locator("form.resubmit")).to_have_count(0)
    assert ScoreLine.objects.get(pk=first.pk).explanation == "Đã ban hành kế hoạch số 12/KH."
    assert ScoreLine.objects.get(pk=second.pk).explanation == "Bổ sung báo cáo số 15/BC."
    explaining.refresh_from_db()
    assert explaining.state != Assessment.State.EXPLANATION
    assert errors == []


def test_an_explanation_that_cannot_be_saved_stops_the_sending_and_is_named(
    new_page: Any, explaining: Assessment
) -> None:
    first, second = _lines(explaining)
    head, editor = new_page(), new_page()
    head.on("dialog", lambda dialog: dialog.accept())
    _open(head, explaining, "hung")
    _open(editor, explaining, "lan")
    # the editor saves 1.1.1's explanation in another tab after the head's page was loaded
    editor.fill(f"#explanation-{first.pk}", "Giải trình của Lan.")
    editor.click(f"#line-{first.pk} form[data-explain-line] button[type=submit]")
    expect(editor.locator(f"#line-{first.pk} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))

    head.fill(f"#explanation-{first.pk}", "Giải trình của Hùng.")
    head.fill(f"#explanation-{second.pk}", "Bổ sung báo cáo số 15/BC.")
    head.click("form.resubmit button[type=submit]")

    # then nothing is sent: the leaf that met the conflict is named, its text still on the page
    box = head.locator("[data-resubmit-error]")
    expect(box).to_contain_text("chưa lưu được")
    expect(box).to_contain_text("1.1.1")
    expect(head.locator(f"#explanation-{first.pk}")).to_have_value("Giải trình của Hùng.")
    explaining.refresh_from_db()
    assert explaining.state == Assessment.State.EXPLANATION
    assert ScoreLine.objects.get(pk=first.pk).explanation == "Giải trình của Lan."
    assert ScoreLine.objects.get(pk=second.pk).explanation == "Bổ sung báo cáo số 15/BC."  # the other one saved


def test_leaving_the_page_with_an_unsaved_explanation_warns(page: Any, explaining: Assessment) -> None:
    first, _ = _lines(explaining)
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    _open(page, explaining, "lan")
    page.click(f"#explanation-{first.pk}")
    page.keyboard.type("Đang gõ dở")
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]


def test_after_a_conflict_the_keyboard_is_on_the_conflict_box_and_tab_reaches_its_buttons(
    new_page: Any, explaining: Assessment
) -> None:
    first, _ = _lines(explaining)
    leaf = f"#line-{first.pk}"
    one, two = new_page(), new_page()
    _open(one, explaining, "lan")
    _open(two, explaining, "hung")
    one.fill(f"#explanation-{first.pk}", "Giải trình thẻ 1.")
    one.click(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(one.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))

    # when the stale tab saves with its button (disabled while the save is on its way)
    two.fill(f"#explanation-{first.pk}", "Giải trình thẻ 2.")
    two.click(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(two.locator(f"{leaf} .js-conflict")).to_be_visible()

    # then the focus is on «Giữ giá trị của tôi», and Tab goes on to «Lấy giá trị đang lưu»
    expect(two.locator(f"{leaf} .js-conflict button", has_text="Giữ giá trị của tôi")).to_be_focused()
    two.keyboard.press("Tab")
    expect(two.locator(f"{leaf} .js-conflict button", has_text="Lấy giá trị đang lưu")).to_be_focused()
    two.keyboard.press("Enter")
    expect(two.locator(f"#explanation-{first.pk}")).to_have_value("Giải trình thẻ 1.")
    assert two.evaluate("document.activeElement.id") == f"line-{first.pk}"
