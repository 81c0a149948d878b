"""The review page does not lose what the appraiser typed and did not save: an area's bulk accept saves the area's
unsaved edits first (and stops, naming the leaf, when one is refused), leaving the page with unsaved edits warns;
J / K move on from a radio button; a save refused for permission says why (not that the session ended); the
unit's report opens in a new tab."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from appraisal.models import AppraisalAssignment
from scoring.models import Assessment, Indicator, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

# A first decision on an assessment not yet started starts its appraisal: the leaf's status says so after «Đã lưu».
SAVED_AND_STARTED = re.compile(r"^Đã lưu — bản đánh giá chuyển sang «Đang thẩm định»")


@pytest.fixture
def submitted(assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    """Sở Y tế self-scored and submitted; no leaf needs evidence (the bulk accept takes every one)."""
    Indicator.objects.filter(indicator_set=assessment.indicator_set).update(evidence_required=False)
    self_score(assessment, unit_editor)
    return submit(assessment, unit_head)


class Watched:
    """A page signed in, with its script errors, its dialogs (kind, text) and the POSTs it sends."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[tuple[str, str]] = []
        self.posts: list[str] = []
        self.leave = False  # what to answer a «leave the page?» question
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.posts.append(r.url.split("/tham-dinh/")[-1]) if r.method == "POST" else None)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append((dialog.type, dialog.message))
        if dialog.type == "beforeunload" and not self.leave:
            dialog.dismiss()
        else:
            dialog.accept()


def _open(new_page: Any, username: str, url: str) -> Watched:
    page = new_page()
    login(page, username)
    watched = Watched(page)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    watched.posts.clear()
    return watched


def test_the_area_accept_saves_an_unsaved_adjustment_first(new_page: Any, submitted: Assessment) -> None:
    line = line_of(submitted, "2.1.1")
    leaf = f"#line-{line.pk}"
    area = submitted.indicator_set.indicators.get(code="2", parent__isnull=True)
    w = _open(new_page, "tam", f"/tham-dinh/{submitted.pk}/")
    # typed, not saved: 90 % instead of the unit's 85 %, with a reason
    w.page.fill(f'{leaf} [name="a{line.pk}-numerator"]', "90")
    w.page.fill(f"#note-{line.pk}", "Sổ theo dõi cho thấy 90%.")
    w.page.click(f"#area-{area.pk} [data-accept-area]")
    # the confirmation said the adjustment would be saved first
    confirm = next(text for kind, text in w.dialogs if kind == "confirm")
    assert "2.1.1" in confirm and "lưu trước" in confirm
    expect(w.page.locator(f"{leaf} [data-status]")).to_have_text("Đã điều chỉnh")
    expect(w.page.locator(f"#area-{area.pk} [data-area-result]")).to_contain_text("đã chấp nhận 3 tiêu chí")
    for code in ("2.1.2", "2.2.1", "2.3.1"):
        expect(w.page.locator(f"#line-{line_of(submitted, code).pk} [data-status]")).to_have_text("Đã thẩm định")
    saved = line_of(submitted, "2.1.1")
    assert saved.appraised_score == Decimal("1.80") and saved.appraised_note == "Sổ theo dõi cho thấy 90%."
    assert w.posts == [f"{submitted.pk}/dong/{line.pk}/", f"{submitted.pk}/linh-vuc/{area.pk}/chap-nhan/"]
    # nothing left unsaved: leaving asks nothing
    w.page.goto("/tham-dinh/")
    assert [kind for kind, _text in w.dialogs if kind == "beforeunload"] == []
    assert w.errors == []


def test_a_refused_unsaved_adjustment_stops_the_area_accept(new_page: Any, submitted: Assessment) -> None:
    line = line_of(submitted, "2.1.1")
    leaf = f"#line-{line.pk}"
    area = submitted.indicator_set.indicators.get(code="2", parent__isnull=True)
    w = _open(new_page, "tam", f"/tham-dinh/{submitted.pk}/")
    w.page.fill(f'{leaf} [name="a{line.pk}-numerator"]', "50")  # lower, and no reason given
    w.page.click(f"#area-{area.pk} [data-accept-area]")
    expect(w.page.locator(f"{leaf} [data-error]")).to_contain_text("hãy nêu lý do")
    expect(w.page.locator(f"#area-{area.pk} [data-area-result]")).to_contain_text("2.1.1")
    assert w.posts == [f"{submitted.pk}/dong/{line.pk}/"]  # the bulk accept was not sent
    assert not submitted.lines.filter(appraised_score__isnull=False).exists()
    assert w.errors == []


def test_leaving_the_page_with_an_unsaved_appraisal_warns(new_page: Any, submitted: Assessment) -> None:
    line = line_of(submitted, "2.1.1")
    w = _open(new_page, "tam", f"/tham-dinh/{submitted.pk}/")
    w.page.fill(f"#note-{line.pk}", "Đang ghi dở.")
    # the area filter's «Xem»
    w.page.select_option("#area-filter", "tat-ca")
    w.page.click("form.filters button[type=submit]")
    w.page.wait_for_timeout(300)
    assert [kind for kind, _text in w.dialogs] == ["beforeunload"]
    assert f"/tham-dinh/{submitted.pk}/" in w.page.url and "tat-ca" not in w.page.url
    expect(w.page.locator(f"#note-{line.pk}")).to_have_value("Đang ghi dở.")
    # saved, it asks nothing
    w.page.click(f"#line-{line.pk} form[data-appraise] button[type=submit]")
    expect(w.page.locator(f"#line-{line.pk} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    w.page.click("form.filters button[type=submit]")
    w.page.wait_for_url("**linh-vuc=tat-ca**")
    assert [kind for kind, _text in w.dialogs] == ["beforeunload"]
    assert w.errors == []


def test_the_next_unit_link_warns_about_unsaved_edits(
    new_page: Any, submitted: Assessment, cycle: Any, unit_editor: Any, unit_head: Any
) -> None:
    other = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-xay-dung")], actor=None)[0]
    self_score(other, unit_editor)
    submit(other, unit_head)
    w = _open(new_page, "tam", "/tham-dinh/")
    w.page.click("text=Sở Xây dựng")
    w.page.wait_for_load_state("networkidle")
    line = line_of(other, "2.1.2")
    w.page.fill(f'#line-{line.pk} [name="a{line.pk}-counts.late"]', "5")
    w.page.click("[data-next-unit]")
    w.page.wait_for_timeout(300)
    assert [kind for kind, _text in w.dialogs] == ["beforeunload"]
    expect(w.page.locator("h1")).to_contain_text("Sở Xây dựng")
    w.leave = True
    w.page.click("[data-next-unit]")
    expect(w.page.locator("h1")).to_contain_text("Sở Y tế")
    assert w.errors == []


def test_j_and_k_move_on_from_a_radio_button(new_page: Any, submitted: Assessment) -> None:
    first, second = line_of(submitted, "1.1.1"), line_of(submitted, "1.1.2")
    w = _open(new_page, "hoa", f"/tham-dinh/{submitted.pk}/")
    radio = w.page.locator(f'#line-{first.pk} form[data-appraise] input[type=radio]').first
    radio.focus()
    expect(radio).to_be_focused()
    w.page.keyboard.press("j")
    expect(w.page.locator(f"#line-{second.pk}")).to_be_focused()
    w.page.locator(f'#line-{second.pk} [name="a{second.pk}-numerator"]').focus()
    w.page.keyboard.press("k")  # typing in a text box: a letter, not a move
    expect(w.page.locator(f'#line-{second.pk} [name="a{second.pk}-numerator"]')).to_be_focused()
    assert w.errors == []


def test_a_save_refused_for_permission_says_why(new_page: Any, submitted: Assessment) -> None:
    line = line_of(submitted, "2.1.1")
    leaf = f"#line-{line.pk}"
    w = _open(new_page, "tam", f"/tham-dinh/{submitted.pk}/")
    # the administrator moves the appraiser to area 1 while the page is open
    AppraisalAssignment.objects.get(user__username="tam").areas.set(
        Indicator.objects.filter(indicator_set=submitted.indicator_set, code="1"))
    w.page.click(f"{leaf} form[data-accept] button")
    box = w.page.locator(f"{leaf} [data-error]").first
    expect(box).to_contain_text("phân công")
    expect(box).not_to_contain_text("đăng nhập")
    expect(w.page.locator(f"{leaf} .sign-in-again")).to_have_count(0)
    assert w.errors == []


def test_the_unit_s_report_opens_in_a_new_tab(new_page: Any, submitted: Assessment) -> None:
    w = _open(new_page, "tam", f"/tham-dinh/{submitted.pk}/")
    link = w.page.locator("a[data-report]")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_contain_text("mở trong thẻ mới")
    with w.page.context.expect_page() as opened:
        link.click()
    report = opened.value
    report.wait_for_load_state()
    assert f"/danh-gia/{submitted.pk}/bao-cao/" in report.url
    assert f"/tham-dinh/{submitted.pk}/" in w.page.url
