"""The review page's way through the leaves still to decide, in a real browser: N / Shift+N move to the next /
previous undecided leaf (documented in the keyboard help); Ctrl+Enter on a leaf needing evidence the unit did not
send asks first; the area's bulk accept also redraws the leaves decided elsewhere since the page was loaded, and
says so."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from appraisal.services import line_accept_self, line_appraise
from scoring.models import Assessment
from tests.appraisal.conftest import evidence_not_required, line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted(assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    self_score(assessment, unit_editor)
    return submit(assessment, unit_head)


def _open(new_page: Any, url: str, dialogs: list[str], *, accept: bool = True) -> tuple[Any, list[str], list[str]]:
    page = new_page()
    errors: list[str] = []
    posts: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    login(page, "hoa")
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors, posts


def test_n_and_shift_n_move_through_the_undecided_leaves_only(
    new_page: Any, submitted: Assessment, lead: Any
) -> None:
    for code in ("1.1.2", "1.2.2", "2.1.1"):
        line = line_of(submitted, code)
        line_accept_self(line=line, actor=lead, base_version=line.version)
    page, errors, _posts = _open(new_page, f"/tham-dinh/{submitted.pk}/?linh-vuc=tat-ca", [])
    expect(page.locator(".keyboard-help")).to_contain_text("N / Shift + N")
    ids = {code: f"line-{line_of(submitted, code).pk}" for code in ("1.1.1", "1.2.1", "1.2.3", "2.1.2")}
    page.locator(f"#{ids['1.1.1']}").focus()
    page.keyboard.press("n")
    expect(page.locator(f"#{ids['1.2.1']}")).to_be_focused()  # 1.1.2 decided: skipped
    page.keyboard.press("n")
    expect(page.locator(f"#{ids['1.2.3']}")).to_be_focused()  # 1.2.2 decided: skipped
    page.keyboard.press("n")
    expect(page.locator(f"#{ids['2.1.2']}")).to_be_focused()  # 2.1.1 decided: skipped
    page.keyboard.press("Shift+N")
    expect(page.locator(f"#{ids['1.2.3']}")).to_be_focused()
    assert errors == []


def test_ctrl_enter_on_a_leaf_whose_evidence_is_missing_asks_first(
    new_page: Any, submitted: Assessment
) -> None:
    line = line_of(submitted, "2.1.1")
    dialogs: list[str] = []
    page, errors, posts = _open(new_page, f"/tham-dinh/{submitted.pk}/?linh-vuc=2", dialogs, accept=False)
    assert page.locator(f"#line-{line.pk}[data-evidence-missing]").count() == 1
    page.locator(f"#line-{line.pk}").focus()
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(300)
    assert dialogs and "đơn vị không gửi tài liệu" in dialogs[0]
    assert posts == []  # declined: nothing sent
    assert errors == []


def test_the_area_accept_redraws_the_leaves_decided_elsewhere_and_names_them(
    new_page: Any, submitted: Assessment, appraiser: Any
) -> None:
    evidence_not_required(submitted)
    page, errors, _posts = _open(new_page, f"/tham-dinh/{submitted.pk}/?linh-vuc=2", [])
    # decided by the appraiser in another browser after the page was loaded
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 40, "denominator": 100}, note="Số liệu chưa khớp hệ thống")
    page.click("[data-accept-area]")
    result = page.locator("[data-area-result]").first
    expect(result).to_contain_text("vừa được thẩm định ở nơi khác")
    expect(result).to_contain_text("2.1.1")
    expect(page.locator(f"#line-{line.pk} [data-status]")).to_have_text("Đã điều chỉnh")
    stored = line_of(submitted, "2.1.1").appraised_score
    expect(page.locator(f"#line-{line.pk} [data-appraised]")).to_have_text(f"{stored:.2f}".replace(".", ","))
    expect(page.locator(f"#line-{line.pk}")).not_to_have_attribute("data-undecided", "")
    assert errors == []
