"""A leaf «Cần tài liệu kiểm chứng» whose unit sent no document asks before it is saved, whichever way: its
«Chấp nhận điểm tự chấm», its «Lưu điểm thẩm định» and Ctrl+Enter ask the same question, once; declined, nothing is
sent; confirmed, the leaf is saved (the area's bulk accept leaves such a leaf out)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import line_of
from tests.appraisal.conftest import submitted as submitted  # Sở Y tế, self-scored and submitted, no evidence
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Tiêu chí này cần tài liệu kiểm chứng nhưng đơn vị không gửi tài liệu.\n\nVẫn lưu điểm thẩm định?"


def _open(new_page: Any, url: str, answers: list[bool]) -> tuple[Any, list[str], list[str], list[str]]:
    """The page, answering its questions in turn with `answers` (dismissing any beyond)."""
    page = new_page()
    errors: list[str] = []
    posts: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.message)
        if len(dialogs) <= len(answers) and answers[len(dialogs) - 1]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    login(page, "hoa")
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors, posts, dialogs


@pytest.mark.parametrize("form", ["form[data-accept]", "form[data-appraise]"])
def test_the_leaf_buttons_ask_first_and_declined_send_nothing(
    new_page: Any, submitted: Assessment, form: str
) -> None:
    line = line_of(submitted, "2.1.1")
    leaf = f"#line-{line.pk}"
    page, errors, posts, dialogs = _open(new_page, f"/tham-dinh/{submitted.pk}/?linh-vuc=2", [False, True])
    assert page.locator(f"{leaf}[data-evidence-missing]").count() == 1
    button = page.locator(f"{leaf} {form} button[type=submit]")

    # when the lead presses the button and declines the question
    button.click()
    page.wait_for_timeout(300)
    # then nothing is sent
    assert dialogs == [QUESTION]
    assert posts == []
    assert ScoreLine.objects.get(pk=line.pk).appraised_score is None

    # when the lead presses it again and confirms: the leaf is saved
    button.click()
    expect(page.locator(f"{leaf} [data-save-status]")).to_contain_text("Đã lưu")
    assert dialogs == [QUESTION, QUESTION]
    assert len(posts) == 1
    assert ScoreLine.objects.get(pk=line.pk).appraised_score is not None
    # decided: no longer one to ask about
    expect(page.locator(leaf)).not_to_have_attribute("data-evidence-missing", "")
    assert errors == []


def test_ctrl_enter_asks_the_same_question_once(new_page: Any, submitted: Assessment) -> None:
    line = line_of(submitted, "2.1.1")
    leaf = f"#line-{line.pk}"
    page, errors, posts, dialogs = _open(new_page, f"/tham-dinh/{submitted.pk}/?linh-vuc=2", [True])
    page.locator(leaf).focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"{leaf} [data-save-status]")).to_contain_text("Đã lưu")
    assert dialogs == [QUESTION]
    assert len(posts) == 1
    assert errors == []


def test_a_leaf_with_its_evidence_missing_is_not_asked_about_once_it_needs_none(
    new_page: Any, submitted: Assessment
) -> None:
    # a leaf not needing evidence: its button saves at once
    line = line_of(submitted, "2.1.2")
    line.indicator.evidence_required = False
    line.indicator.save(update_fields=["evidence_required"])
    leaf = f"#line-{line.pk}"
    page, errors, posts, dialogs = _open(new_page, f"/tham-dinh/{submitted.pk}/?linh-vuc=2", [])
    page.locator(f"{leaf} form[data-accept] button[type=submit]").click()
    expect(page.locator(f"{leaf} [data-save-status]")).to_contain_text("Đã lưu")
    assert dialogs == []
    assert len(posts) == 1
    assert errors == []
