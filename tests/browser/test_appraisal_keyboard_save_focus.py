"""A leaf's save by the keyboard keeps the keyboard in the leaf: ENTER or SPACE on «Chấp nhận điểm tự chấm»,
«Lưu điểm thẩm định» (the review page) or «Lưu giải trình» (the unit's explanation page) leaves the focus on the
button, not on the page's <body> (where a screen reader starts again at the page's top and Ctrl+Enter finds no
leaf); a button that goes with the answer (an accepted «không phát sinh»'s) hands it to its leaf."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import KPS, evidence_not_required, later, line_of
from tests.appraisal.conftest import kps_submitted as kps_submitted  # Sở Y tế, 1.2.2 declared «không phát sinh»
from tests.appraisal.conftest import submitted as submitted  # Sở Y tế, self-scored and submitted
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

# A first decision on an assessment not yet started starts its appraisal: the leaf's status says so after «Đã lưu».
SAVED_AND_STARTED = re.compile(r"^Đã lưu — bản đánh giá chuyển sang «Đang thẩm định»")


FOCUSED = "document.activeElement?.closest('[data-leaf]')?.id ?? document.activeElement?.tagName"


def _open(new_page: Any, url: str, user: str) -> tuple[Any, list[str], list[str]]:
    """The page, with the script errors met and the posts sent."""
    page = new_page()
    errors: list[str] = []
    posts: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, user)
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors, posts


def test_enter_on_accept_keeps_the_focus_on_the_button_and_ctrl_enter_saves_after_it(
    new_page: Any, submitted: Assessment
) -> None:
    evidence_not_required(submitted)
    line = line_of(submitted, "1.1.1")
    leaf = f"#line-{line.pk}"
    page, errors, posts = _open(new_page, f"/tham-dinh/{submitted.pk}/", "hoa")
    accept = page.locator(f"{leaf} form[data-accept] button[type=submit]")

    # when the lead presses ENTER on «Chấp nhận điểm tự chấm»
    accept.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    page.wait_for_load_state("networkidle")

    # then the keyboard is still on the button, which works again
    expect(accept).to_be_focused()
    expect(accept).to_be_enabled()
    expect(accept).not_to_have_attribute("aria-disabled", "true")
    assert ScoreLine.objects.get(pk=line.pk).appraised_score is not None
    assert posts == [f"{page.url.split('/tham-dinh/')[0]}/tham-dinh/{submitted.pk}/dong/{line.pk}/chap-nhan/"]

    # and Ctrl+Enter still saves the leaf the keyboard is in (its appraisal, based on the version just saved)
    page.locator(f"{leaf} [data-save-status]").evaluate("status => { status.textContent = ''; }")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text("Đã lưu")
    page.wait_for_load_state("networkidle")
    assert len(posts) == 2 and posts[1].endswith(f"/dong/{line.pk}/")
    expect(page.locator(f"{leaf} .js-conflict")).to_be_hidden()
    assert page.evaluate(FOCUSED) == f"line-{line.pk}"
    assert errors == []


def test_space_on_save_appraisal_keeps_the_focus_on_the_button(new_page: Any, submitted: Assessment) -> None:
    evidence_not_required(submitted)
    line = line_of(submitted, "1.1.1")
    leaf = f"#line-{line.pk}"
    page, errors, _posts = _open(new_page, f"/tham-dinh/{submitted.pk}/", "hoa")
    save = page.locator(f"{leaf} form[data-appraise] button[type=submit]")

    # when the lead presses SPACE on «Lưu điểm thẩm định»
    save.focus()
    page.keyboard.press(" ")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    page.wait_for_load_state("networkidle")

    # then the keyboard is still on it, and J goes on to the next leaf (not to the page's first)
    expect(save).to_be_focused()
    ids = page.eval_on_selector_all("[data-leaf]", "leaves => leaves.map(leaf => leaf.id)")
    page.keyboard.press("j")
    assert page.evaluate(FOCUSED) == ids[ids.index(f"line-{line.pk}") + 1]
    assert errors == []


def test_enter_on_accepting_a_kps_hands_the_focus_to_its_leaf(new_page: Any, kps_submitted: Assessment) -> None:
    line = line_of(kps_submitted, KPS)
    leaf = f"#line-{line.pk}"
    page, errors, _posts = _open(new_page, f"/tham-dinh/{kps_submitted.pk}/", "hoa")
    accept = page.locator(f"{leaf} form[data-accept] button[type=submit]")

    # when the lead presses ENTER on «Chấp nhận «không phát sinh»», whose button goes with the acceptance
    accept.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'{leaf} [data-na-state="accepted"]')).to_be_visible()
    expect(accept).to_be_hidden()

    # then the keyboard is on the leaf, not on the page's body
    expect(page.locator(leaf)).to_be_focused()
    assert errors == []


def test_enter_on_save_explanation_keeps_the_focus_on_the_button(
    new_page: Any, submitted: Assessment, lead: Any
) -> None:
    from appraisal.services import explanation_request

    line = line_of(submitted, "1.1.1")
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line.pk])
    leaf = f"#line-{line.pk}"
    page, errors, _posts = _open(new_page, f"/tham-dinh/giai-trinh/{submitted.pk}/", "hung")

    # when the head types an explanation, moves to «Lưu giải trình» with TAB and presses ENTER
    page.fill(f"#explanation-{line.pk}", "Đã ban hành kế hoạch số 12/KH.")
    page.locator(f"#explanation-{line.pk}").focus()
    page.keyboard.press("Tab")
    save = page.locator(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu( \d{2}:\d{2})?$"))
    page.wait_for_load_state("networkidle")

    # then the explanation is saved and the keyboard is still on the button
    assert ScoreLine.objects.get(pk=line.pk).explanation == "Đã ban hành kế hoạch số 12/KH."
    expect(save).to_be_focused()
    assert errors == []
