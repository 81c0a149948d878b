"""A leaf left unsaved because the session expired is saved by the tab where the editor signs in again (it restores
the draft kept in the browser). The original tab notices (the draft it kept is gone) without being clicked or
focused: it shows the leaf as saved, at the stored version, or, when the stored leaf differs from what it holds, the
usual conflict."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _signed_out_with_a_pending_score(page: Any, assessment: Assessment, line_id: int) -> Any:
    """The session ends under the sheet; the editor types 0,25 and presses «Lưu»: refused, kept, said."""
    from django.contrib.sessions.models import Session

    login(page, "lan")
    assert page.url.endswith(f"/danh-gia/{assessment.pk}/")
    Session.objects.all().delete()
    page.fill(f'#line-{line_id} [name="l{line_id}-points"]', "0,25")
    page.click(f"#line-{line_id} .leaf-actions button[type=submit]")
    expect(page.locator(f"#line-{line_id} .save-status")).to_contain_text("Chưa lưu: phiên đăng nhập đã hết hạn")
    return page.locator(f"#line-{line_id} .leaf-error")


def _sign_in_in_a_new_tab(page: Any, error: Any) -> Any:
    with page.context.expect_page() as opened:
        error.locator("a.sign-in-again").click()
    tab = opened.value
    tab.wait_for_load_state()
    tab.fill("#id_username", "lan")
    tab.fill("#id_password", "x-Secret-2020!")
    tab.click("form.form button[type=submit]")
    return tab


def test_the_original_tab_shows_the_leaf_saved_once_the_tab_signed_in_again_saved_it(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = open_assessment.lines.get(indicator__code="1.2.3").pk
    page = new_page()
    error = _signed_out_with_a_pending_score(page, open_assessment, line_id)

    # when the editor signs in again in a new tab, which saves the kept draft
    tab = _sign_in_in_a_new_tab(page, error)
    expect(tab.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
    stored = ScoreLine.objects.get(pk=line_id)
    assert stored.self_score == Decimal("0.25")

    # then the original tab, neither clicked nor focused, shows the leaf saved at the stored version
    status = page.locator(f"#line-{line_id} .save-status")
    expect(status).to_contain_text("Đã lưu")
    expect(status).not_to_contain_text("Chưa lưu")
    expect(error).to_be_hidden()
    expect(page.locator(f'#line-{line_id} input[name="version"]')).to_have_value(str(stored.version))
    expect(page.locator(f'[data-score-for="{line_id}"]')).to_have_text("0,25")
    expect(page.locator(f"#line-{line_id} .js-conflict")).to_be_hidden()
    assert ScoreLine.objects.get(pk=line_id).version == stored.version  # nothing written again


def test_the_original_tab_shows_the_conflict_when_the_stored_leaf_differs_from_what_it_holds(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line_id = open_assessment.lines.get(indicator__code="1.2.3").pk
    page = new_page()
    error = _signed_out_with_a_pending_score(page, open_assessment, line_id)

    # given the head changes the score right after the new tab saved it, before the original tab asks the server
    def head_changes_it_first(route: Any) -> None:
        line = ScoreLine.objects.get(pk=line_id)
        score_line_save_self(line=line, actor=unit_head, base_version=line.version, value={"points": "0.5"})
        route.continue_()

    page.route(f"**/dong/{line_id}/", head_changes_it_first, times=1)
    tab = _sign_in_in_a_new_tab(page, error)
    expect(tab.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")

    # then the original tab shows both values, to choose, and the head's stays stored
    panel = page.locator(f"#line-{line_id} .js-conflict")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-stored]")).to_contain_text("0,5")
    expect(error).to_be_hidden()
    assert ScoreLine.objects.get(pk=line_id).self_score == Decimal("0.50")
