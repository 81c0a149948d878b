"""The review page's per-leaf actions in a real browser: a double click on «Chấp nhận điểm tự chấm» sends one save
(the second click waits for the first's answer, whose version the page takes) and shows no conflict; accepting a
unit's «không phát sinh» shows it accepted at once, the acceptance no longer offered but the overrule still."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import evidence_not_required, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

# A first decision on an assessment not yet started starts its appraisal: the leaf's status says so after «Đã lưu».
SAVED_AND_STARTED = re.compile(r"^Đã lưu — bản đánh giá chuyển sang «Đang thẩm định»")


def _open(new_page: Any, assessment: Assessment) -> tuple[Any, list[str], list[str]]:
    """The lead's review page, with the script errors met and the accept posts sent."""
    page = new_page()
    errors: list[str] = []
    posts: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/chap-nhan" in r.url else None)
    login(page, "hoa")
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    return page, errors, posts


@pytest.fixture
def slow_accept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each acceptance answers after a while, as on a busy server: a second click lands while the first is sent."""
    from appraisal import services

    original = services.line_accept_self

    def slow(**kwargs: Any) -> Any:
        time.sleep(0.6)
        return original(**kwargs)

    monkeypatch.setattr(services, "line_accept_self", slow)


def test_a_double_click_on_accept_saves_once_and_shows_no_conflict(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any, slow_accept: None
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    line = assessment.lines.get(indicator__code="1.1.1")
    leaf = f"#line-{line.pk}"
    page, errors, posts = _open(new_page, assessment)
    accept_url = f"/tham-dinh/{assessment.pk}/dong/{line.pk}/chap-nhan/"
    assert page.locator(f"{leaf} form[data-accept]").get_attribute("action") == accept_url

    # when the lead double-clicks «Chấp nhận điểm tự chấm»
    page.dblclick(f"{leaf} form[data-accept] button[type=submit]")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    page.wait_for_load_state("networkidle")

    # then one save went out, and no conflict is shown
    assert len(posts) == 1
    expect(page.locator(f"{leaf} .js-conflict")).to_be_hidden()
    expect(page.locator(f"{leaf} [data-status]")).to_have_text("Đã thẩm định")
    # the page took the saved version: the leaf's next action is based on it, not refused as stale
    saved = ScoreLine.objects.get(pk=line.pk)
    assert saved.version == line.version + 1
    for version in page.locator(f"{leaf} [data-version]").all():
        assert version.input_value() == str(saved.version)
    expect(page.locator(f"{leaf} form[data-accept] button[type=submit]")).to_be_enabled()
    page.click(f"{leaf} form[data-accept] button[type=submit]")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text("Đã lưu")
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"{leaf} .js-conflict")).to_be_hidden()
    assert len(posts) == 2
    assert errors == []


def test_accepting_a_kps_shows_it_accepted_and_keeps_only_the_overrule(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    from scoring.services import score_line_save_self

    self_score(assessment, unit_editor)
    line = assessment.lines.get(indicator__code="1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    submit(assessment, unit_head)
    evidence_not_required(assessment)  # saved without a question first (the fixtures send no document)
    leaf = f"#line-{line.pk}"
    page, errors, _posts = _open(new_page, assessment)
    accepted = page.locator(f'{leaf} [data-na-state="accepted"]')
    declared = page.locator(f'{leaf} [data-na-state="declared"]')
    accept = page.locator(f"{leaf} form[data-accept]")
    expect(declared).to_be_visible()
    expect(accepted).to_be_hidden()

    # when the lead accepts the «không phát sinh»
    page.click(f"{leaf} form[data-accept] button[type=submit]")

    # then the leaf says so at once: accepted, the prompt and the acceptance gone, the overrule still offered
    expect(accepted).to_be_visible()
    expect(accepted).to_have_text("Đã chấp nhận «không phát sinh»")
    expect(declared).to_be_hidden()
    expect(accept).to_be_hidden()
    expect(page.locator(f"{leaf} [data-appraised]")).to_have_text("KPS (tính 1,50 điểm)")
    expect(page.locator(f"{leaf} details.na-overrule summary")).to_be_visible()

    # when the lead changes the decision: overrules it with a score
    page.click(f"{leaf} details.na-overrule summary")
    for name, value in (("a", "4"), ("b", "2"), ("c", "0")):
        page.fill(f'{leaf} [name="a{line.pk}-counts.{name}"]', value)
    page.fill(f"#note-{line.pk}", "Biên bản kiểm tra số 12 cho thấy có phát sinh.")
    page.click(f"{leaf} form[data-appraise] button[type=submit]")

    # then it reads overruled, and the acceptance is offered again (to withdraw the overrule)
    expect(page.locator(f'{leaf} [data-na-state="overruled"]')).to_be_visible()
    expect(accepted).to_be_hidden()
    expect(accept).to_be_visible()
    page.click(f"{leaf} form[data-accept] button[type=submit]")
    expect(accepted).to_be_visible()
    expect(accept).to_be_hidden()
    assert ScoreLine.objects.get(pk=line.pk).na_accepted
    assert errors == []
