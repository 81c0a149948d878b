"""The review page's keyboard and in-place updates in a real browser: Ctrl+Enter on a «không phát sinh» (KPS)
accepts it while its overrule section is closed and saves the overrule once open, a refused save is always in
sight, the area's «Chấp nhận … cho N tiêu chí» counts down with per-leaf saves, and the first-pending link
reaches a leaf of another area."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import evidence_not_required, line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def _open(new_page: Any, username: str, url: str) -> tuple[Any, list[str], list[str]]:
    """A page signed in as `username` on `url`: the script errors it meets and the POSTs it sends (from now)."""
    page = new_page()
    errors: list[str] = []
    posts: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, username)
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors, posts


@pytest.fixture
def kps(assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    """Sở Y tế self-scored, leaf 1.2.2 declared «không phát sinh», submitted; no leaf needs evidence (the area's bulk
    accept takes every leaf)."""
    from scoring.services import score_line_save_self

    evidence_not_required(assessment)
    self_score(assessment, unit_editor)
    line = line_of(assessment, "1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    return submit(assessment, unit_head)


def test_ctrl_enter_accepts_a_kps_claim_and_saves_an_open_overrule(new_page: Any, kps: Assessment) -> None:
    line = line_of(kps, "1.2.2")
    leaf = f"#line-{line.pk}"
    lead, errors, posts = _open(new_page, "hoa", f"/tham-dinh/{kps.pk}/?linh-vuc=1")

    # the overrule section closed: Ctrl+Enter is its «Chấp nhận «không phát sinh»»
    lead.locator(leaf).focus()
    lead.keyboard.press("Control+Enter")
    expect(lead.locator(f"{leaf} [data-status]")).to_have_text("Đã thẩm định")
    expect(lead.locator(f"{leaf} [data-appraised]")).to_have_text("KPS (tính 1,50 điểm)")
    assert [url.split("/tham-dinh/")[1] for url in posts] == [f"{kps.pk}/dong/{line.pk}/chap-nhan/"]

    # opened: Ctrl+Enter saves the overrule, and its refusal shows in the section
    lead.click(f"{leaf} details.na-overrule summary")
    lead.locator(f"#note-{line.pk}").focus()
    lead.keyboard.press("Control+Enter")
    expect(lead.locator(f"{leaf} [data-error]").first).to_be_visible()
    expect(lead.locator(f"{leaf} [data-error]").first).to_have_text("Hãy nhập số liệu thẩm định.")
    for name, value in (("a", "4"), ("b", "2"), ("c", "0")):
        lead.fill(f'{leaf} [name="a{line.pk}-counts.{name}"]', value)
    lead.fill(f"#note-{line.pk}", "Biên bản kiểm tra số 12 cho thấy có phát sinh.")
    lead.keyboard.press("Control+Enter")
    expect(lead.locator(f"{leaf} [data-appraised]")).to_have_text("0,75")
    expect(lead.locator(f"{leaf} [data-status]")).to_have_text("Đã điều chỉnh")
    assert errors == []


def test_a_refused_kps_acceptance_is_shown_and_can_be_kept(new_page: Any, kps: Assessment, lead: Any) -> None:
    """The leaf overruled meanwhile (another tab): Ctrl+Enter's acceptance meets the conflict, which opens in
    sight; keeping «mine» accepts the claim."""
    from appraisal.services import line_appraise

    line = line_of(kps, "1.2.2")
    leaf = f"#line-{line.pk}"
    page, errors, _posts = _open(new_page, "hoa", f"/tham-dinh/{kps.pk}/")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"counts": {"a": 4, "b": 2, "c": 0}},
                  note="Biên bản kiểm tra số 12 cho thấy có phát sinh.")

    page.locator(leaf).focus()
    page.keyboard.press("Control+Enter")
    box = page.locator(f"{leaf} .js-conflict")
    expect(box).to_be_visible()
    expect(page.locator(f"{leaf} [data-save-status]")).to_be_visible()
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text("Không lưu được")
    box.locator("text=Giữ giá trị của tôi").click()
    expect(page.locator(f"{leaf} [data-status]")).to_have_text("Đã thẩm định")
    expect(page.locator(f"{leaf} [data-appraised]")).to_have_text("KPS (tính 1,50 điểm)")
    saved = line_of(kps, "1.2.2")
    assert not saved.na_overruled and saved.appraised_score is None
    assert errors == []


def test_a_refused_kps_acceptance_message_is_in_sight(new_page: Any, kps: Assessment, lead: Any) -> None:
    """A refusal that is no conflict (the lead returned the leaf to the unit for an explanation meanwhile: it waits
    for the unit's) shows its message by the accept button, not in the closed overrule section."""
    from appraisal.services import explanation_request
    from tests.appraisal.conftest import later

    line = line_of(kps, "1.2.2")
    leaf = f"#line-{line.pk}"
    page, errors, _posts = _open(new_page, "hoa", f"/tham-dinh/{kps.pk}/")
    explanation_request(assessment=kps, actor=lead, deadline=later(), line_ids=[line.pk])

    page.locator(leaf).focus()
    page.keyboard.press("Control+Enter")
    message = page.locator(f"{leaf} form[data-accept] [data-error]")
    expect(message).to_be_visible()
    expect(message).not_to_have_text("")
    expect(message).not_to_have_text("Không lưu được")  # the server's reason, not a bare failure
    expect(message).to_contain_text("chờ đơn vị giải trình")
    expect(page.locator(f"{leaf} details.na-overrule")).not_to_have_attribute("open", "")
    assert errors == []


def test_the_area_accept_button_counts_down_with_per_leaf_saves(new_page: Any, kps: Assessment) -> None:
    area = kps.indicator_set.indicators.get(code="1")
    button = f"#area-{area.pk} [data-accept-area]"
    lead, errors, _posts = _open(new_page, "hoa", f"/tham-dinh/{kps.pk}/?linh-vuc=1")
    expect(lead.locator(button)).to_have_text("Chấp nhận điểm tự chấm cho 5 tiêu chí chưa thẩm định")

    for code, left in (("1.1.2", 4), ("1.2.2", 3)):  # a self-score and the «không phát sinh»
        leaf = f"#line-{line_of(kps, code).pk}"
        lead.click(f"{leaf} form[data-accept] button")
        expect(lead.locator(f"{leaf} [data-status]")).to_have_text("Đã thẩm định")
        expect(lead.locator(button)).to_have_text(f"Chấp nhận điểm tự chấm cho {left} tiêu chí chưa thẩm định")

    lead.click(button)  # sent in place: the area says what it did, the page stays as it was filtered
    expect(lead.locator(f"#area-{area.pk} [data-area-result]")).to_contain_text("đã chấp nhận 3 tiêu chí")
    assert f"/tham-dinh/{kps.pk}/?linh-vuc=1" in lead.url
    expect(lead.locator(button)).to_be_hidden()
    assert errors == []


def test_the_last_leaf_accepted_hides_the_area_button(new_page: Any, kps: Assessment, lead: Any) -> None:
    from appraisal.services import line_accept_self

    for code in ("2.1.1", "2.1.2", "2.2.1"):
        line = line_of(kps, code)
        line_accept_self(line=line, actor=lead, base_version=line.version)
    area = kps.indicator_set.indicators.get(code="2")
    page, errors, _posts = _open(new_page, "hoa", f"/tham-dinh/{kps.pk}/?linh-vuc=2")
    expect(page.locator(f"#area-{area.pk} [data-accept-area]")).to_have_text(
        "Chấp nhận điểm tự chấm cho 1 tiêu chí chưa thẩm định")
    page.click(f"#line-{line_of(kps, '2.3.1').pk} form[data-accept] button")
    expect(page.locator(f"#area-{area.pk} [data-accept-area]")).to_be_hidden()
    assert errors == []


def test_the_first_pending_link_leads_to_the_page_of_its_area(new_page: Any, kps: Assessment) -> None:
    first = line_of(kps, "1.1.1")
    lead, errors, _posts = _open(new_page, "hoa", f"/tham-dinh/{kps.pk}/?linh-vuc=2&tu=trang-thai%3Dsubmitted")
    link = lead.locator("[data-first-pending]")
    # the first save starts the appraisal: the hint appears, its link to area 1's page
    leaf = f"#line-{line_of(kps, '2.1.1').pk}"
    lead.click(f"{leaf} form[data-accept] button")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"?linh-vuc=1&tu=trang-thai%3Dsubmitted#line-{first.pk}")
    link.click()
    lead.wait_for_url(f"**/tham-dinh/{kps.pk}/?linh-vuc=1&tu=trang-thai%3Dsubmitted#line-{first.pk}")
    expect(lead.locator(f"#line-{first.pk}")).to_be_visible()
    expect(lead.locator("[data-back]")).to_have_attribute("href", "/tham-dinh/?trang-thai=submitted")
    assert errors == []
