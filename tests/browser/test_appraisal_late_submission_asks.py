"""The leaf «tiêu chí về thời hạn gửi báo cáo tự đánh giá» of a unit that sent its self-assessment late: accepting its
self-score asks first, naming the dates (declined, nothing is sent); scoring it otherwise (0) asks nothing; the area's
bulk accept names it in its question."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, Cycle, Indicator, ScoreLine
from tests.appraisal.conftest import evidence_not_required, line_of, refresh
from tests.appraisal.conftest import submitted as submitted  # Sở Y tế, self-scored and submitted
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

LEAF = "1.2.3"  # the small set's «Gửi báo cáo tự đánh giá đúng hạn», self-scored 0.5


@pytest.fixture
def late(submitted: Assessment) -> Assessment:
    evidence_not_required(submitted)
    Indicator.objects.filter(indicator_set_id=submitted.indicator_set_id, code=LEAF).update(on_time_submission=True)
    sent = refresh(submitted).submitted_at
    Cycle.objects.filter(pk=submitted.cycle_id).update(self_assessment_deadline=sent - dt.timedelta(days=2))
    return refresh(submitted)


def _open(new_page: Any, url: str, answers: list[bool]) -> tuple[Any, list[str], list[str], list[str]]:
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


def test_accepting_the_self_score_asks_first_with_the_dates(new_page: Any, late: Assessment) -> None:
    line = line_of(late, LEAF)
    leaf = f"#line-{line.pk}"
    page, errors, posts, dialogs = _open(new_page, f"/tham-dinh/{late.pk}/?linh-vuc=1", [False, True])
    warning = page.locator(f"{leaf} [data-submission-late]")
    expect(warning).to_contain_text("sau thời hạn")
    accept = page.locator(f"{leaf} form[data-accept] button[type=submit]")

    # declined: nothing sent
    accept.click()
    page.wait_for_timeout(300)
    assert len(dialogs) == 1 and warning.inner_text().strip() in dialogs[0]
    assert "gửi báo cáo tự đánh giá đúng thời hạn" in dialogs[0] and dialogs[0].endswith("Vẫn lưu điểm thẩm định?")
    assert posts == []

    # Ctrl+Enter (the form still holding the unit's answer) asks the same; confirmed, the leaf is saved
    page.locator(leaf).focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"{leaf} [data-save-status]")).to_contain_text("Đã lưu")
    assert dialogs == [dialogs[0], dialogs[0]] and len(posts) == 1
    assert str(ScoreLine.objects.get(pk=line.pk).appraised_score) == "0.50"
    assert errors == []


def test_scoring_it_zero_asks_nothing(new_page: Any, late: Assessment) -> None:
    line = line_of(late, LEAF)
    leaf = f"#line-{line.pk}"
    page, errors, posts, dialogs = _open(new_page, f"/tham-dinh/{late.pk}/?linh-vuc=1", [])
    page.fill(f"#id_a{line.pk}-points", "0")
    page.fill(f"#note-{line.pk}", "Gửi báo cáo sau thời hạn.")
    page.locator(f"{leaf} form[data-appraise] button[type=submit]").click()
    expect(page.locator(f"{leaf} [data-save-status]")).to_contain_text("Đã lưu")
    assert dialogs == [] and len(posts) == 1
    assert str(ScoreLine.objects.get(pk=line.pk).appraised_score) == "0.00"
    assert errors == []


def test_the_area_accept_names_it_in_its_question(new_page: Any, late: Assessment) -> None:
    page, errors, posts, dialogs = _open(new_page, f"/tham-dinh/{late.pk}/?linh-vuc=1", [False])
    page.locator("[data-accept-area]").first.click()
    page.wait_for_timeout(300)
    assert len(dialogs) == 1 and "về thời hạn gửi báo cáo tự đánh giá" in dialogs[0] and dialogs[0].endswith(LEAF)
    assert posts == []
    assert errors == []
