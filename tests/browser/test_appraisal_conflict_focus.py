"""The review page's save-conflict box and the keyboard: after «Giữ giá trị của tôi» or «Lấy giá trị đang lưu»
(both inside the box, which closes) the focus goes back to the conflicted leaf, not to the page's body, so J goes on
to the next leaf and K to the one before, not to the first leaf of the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import evidence_not_required, line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def _conflict(new_page: Any, assessment: Any, line: Any) -> tuple[Any, list[str]]:
    """The lead's two tabs on the review page: the leaf saved in the first, Ctrl+Enter in the second (stale) meets
    the conflict. Returns the second tab, its conflict box shown, and the script errors met."""
    leaf = f"#line-{line.pk}"
    first = new_page()
    errors: list[str] = []
    first.on("pageerror", lambda exc: errors.append(str(exc)))
    login(first, "hoa")
    first.goto(f"/tham-dinh/{assessment.pk}/")
    first.wait_for_load_state("networkidle")
    second = first.context.new_page()
    second.on("pageerror", lambda exc: errors.append(str(exc)))
    second.goto(f"/tham-dinh/{assessment.pk}/")
    second.wait_for_load_state("networkidle")

    first.fill(f'{leaf} [name="a{line.pk}-numerator"]', "50")
    first.fill(f"#note-{line.pk}", "Chỉ có 50% văn bản điện tử.")
    first.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(first.locator(f"{leaf} [data-status]")).to_have_text("Đã điều chỉnh")

    second.fill(f'{leaf} [name="a{line.pk}-numerator"]', "90")
    second.fill(f"#note-{line.pk}", "Đủ tài liệu.")
    second.keyboard.press("Control+Enter")
    expect(second.locator(f"{leaf} .js-conflict")).to_be_visible()
    return second, errors


def _focused_leaf(page: Any) -> str | None:
    return page.evaluate("document.activeElement?.closest('[data-leaf]')?.id ?? document.activeElement?.tagName")


@pytest.mark.parametrize("choice", ["Giữ giá trị của tôi", "Lấy giá trị đang lưu"])
def test_after_the_conflict_box_the_focus_is_on_the_leaf_and_j_goes_to_the_next(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any, choice: str
) -> None:
    # given a conflict on 2.1.1, which is neither the page's first leaf nor its last
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    line = line_of(assessment, "2.1.1")
    leaf = f"#line-{line.pk}"
    page, errors = _conflict(new_page, assessment, line)
    ids = page.eval_on_selector_all("[data-leaf]", "all => all.map(e => e.id)")
    here = ids.index(f"line-{line.pk}")
    assert 0 < here < len(ids) - 1

    # when the box's button is pressed with the keyboard
    button = page.locator(f"{leaf} .js-conflict button", has_text=choice)
    button.focus()
    page.keyboard.press("Enter")
    if choice == "Giữ giá trị của tôi":
        expect(page.locator(f"{leaf} [data-save-status]")).to_have_text("Đã lưu")
    expect(page.locator(f"{leaf} .js-conflict")).to_be_hidden()

    # then the keyboard is on the conflicted leaf, and J / K move from it
    assert _focused_leaf(page) == f"line-{line.pk}"
    page.keyboard.press("j")
    assert _focused_leaf(page) == ids[here + 1]
    page.keyboard.press("k")
    assert _focused_leaf(page) == ids[here]
    assert errors == []


def test_j_goes_on_from_the_last_leaf_when_the_focus_has_fallen_to_the_body(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    """Any element holding the focus that is hidden or removed drops it to the body: J / K still go on from the
    leaf the keyboard was last in."""
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    line = line_of(assessment, "2.1.1")
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hoa")
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    ids = page.eval_on_selector_all("[data-leaf]", "all => all.map(e => e.id)")
    here = ids.index(f"line-{line.pk}")

    page.locator(f"#note-{line.pk}").focus()
    page.evaluate("document.activeElement.blur()")
    assert _focused_leaf(page) == "BODY"
    page.keyboard.press("j")
    assert _focused_leaf(page) == ids[here + 1]
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("k")
    assert _focused_leaf(page) == ids[here]
    assert errors == []
