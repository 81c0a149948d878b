"""A refused appraisal's status «Không lưu được» does not stay once the user corrects the form: it says «Chưa lưu»
(the correction is not saved yet) until the leaf is saved, as the sheet's status does."""

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

# A first decision on an assessment not yet started starts its appraisal: the leaf's status says so after «Đã lưu».
SAVED_AND_STARTED = re.compile(r"^Đã lưu — bản đánh giá chuyển sang «Đang thẩm định»")


def test_a_refused_saves_status_says_unsaved_once_the_user_corrects_it(
    page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    line = line_of(assessment, "1.2.3")  # manual points, max 0.5, self-scored 0.5
    leaf = f"#line-{line.pk}"
    points = f"#id_a{line.pk}-points"
    note = f"#note-{line.pk}"
    status = page.locator(f"{leaf} [data-save-status]")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hoa")
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")

    # given a different score without a reason: refused
    page.fill(points, "0,25")
    page.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(status).to_have_text("Không lưu được")
    expect(page.locator(note)).to_be_focused()

    # when the user types the reason: the status no longer says the refusal, it says the change is not saved
    page.locator(note).press_sequentially("Gửi trễ.")
    expect(status).to_have_text("Chưa lưu")
    page.keyboard.press("Tab")
    expect(status).to_have_text("Chưa lưu")

    # saved, it says so; edited again, unsaved again; back to what is stored, nothing
    page.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(status).to_have_text(SAVED_AND_STARTED)
    page.fill(note, "Gửi trễ hai ngày.")
    expect(status).to_have_text("Chưa lưu")
    page.fill(note, "Gửi trễ.")
    expect(status).to_have_text("")
    assert errors == []
