"""The review page's script ties a refused save's message to the field it speaks of (`aria-describedby`, beside the
hint the field is described by), moves the tie to another field when the next refusal names that one, and unties
it once the leaf is saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import evidence_not_required, line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def _attr(page: Any, selector: str, name: str) -> str | None:
    return page.locator(selector).get_attribute(name)


def test_a_refused_saves_message_describes_its_field_until_the_leaf_is_saved(
    page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    line = line_of(assessment, "1.2.3")  # manual points, max 0.5, with a hint
    leaf = f"#line-{line.pk}"
    points = f"#id_a{line.pk}-points"
    note = f"#note-{line.pk}"
    hint = f"a{line.pk}-method-hint"
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hoa")
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    error = page.locator(f"{leaf} form[data-appraise] [data-error]")
    error_id = error.get_attribute("id")
    assert error_id
    assert _attr(page, note, "aria-describedby") is None
    assert _attr(page, points, "aria-describedby") == hint

    # a different score without a reason: the reason is refused and described by the message
    page.fill(points, "0,25")
    page.fill(note, "")
    page.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(error).to_be_visible()
    assert _attr(page, note, "aria-invalid") == "true"
    assert _attr(page, note, "aria-describedby") == error_id

    # then a value over the maximum: the points are refused, the reason no longer is
    page.fill(points, "0,75")
    page.fill(note, "Gửi trễ.")
    page.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(error).to_contain_text("0,75")
    assert _attr(page, points, "aria-invalid") == "true"
    assert _attr(page, points, "aria-describedby") == f"{hint} {error_id}"
    assert _attr(page, note, "aria-invalid") is None and _attr(page, note, "aria-describedby") is None

    # saved: nothing is refused, the hint stays
    page.fill(points, "0,25")
    page.click(f"{leaf} form[data-appraise] button[type=submit]")
    # that first decision started the appraisal: said next to the button clicked (the leaf's status, a live region),
    # and the notice at the top of the page, far above, says it too, without being spoken a second time
    status = page.locator(f"{leaf} [data-save-status]")
    expect(status).to_have_text(
        re.compile(r"^Đã lưu — bản đánh giá chuyển sang «Đang thẩm định».*không còn rút lại được"))
    notice = page.locator("[data-start-notice]")
    expect(notice).to_contain_text("đơn vị không còn rút lại được")
    assert notice.get_attribute("role") == "note"
    expect(error).to_be_hidden()
    assert _attr(page, points, "aria-invalid") is None
    assert _attr(page, points, "aria-describedby") == hint
    assert _attr(page, note, "aria-describedby") is None
    assert errors == []
