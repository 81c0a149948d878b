"""The self-assessment sheet with a keyboard and a screen reader: focus goes back to the leaf when the conflict panel
closes; a save's error is tied to its field (aria-describedby); ticking «Không phát sinh» waits for the reason; a
control focused going backwards is never under the sticky area heading."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, AuditEntry, ScoreLine
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

REASON_NEEDED = "Nêu lý do không phát sinh để lưu."
ACTIVE_LEAF = "document.activeElement.closest('.leaf')?.id || document.activeElement.tagName"


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _id(assessment: Assessment, code: str) -> int:
    return assessment.lines.get(indicator__code=code).pk


def _self_saves(line_id: int) -> int:
    return AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line_id), action="score_line.self").count()


def _described_by(page: Any, selector: str) -> list[str]:
    return (page.locator(selector).get_attribute("aria-describedby") or "").split()


# --- 1. the conflict panel ------------------------------------------------------------------------------------


@pytest.mark.parametrize("button", ["keep-mine", "take-theirs"])
def test_closing_the_conflict_panel_with_the_keyboard_puts_focus_back_in_the_leaf(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any, button: str
) -> None:
    line_id = _id(open_assessment, "1.1.1")
    first, second = new_page(), new_page()
    login(first, "lan")
    login(second, "hung")
    first.fill(f"#l{line_id}-note", "ghi chú thẻ 1")
    expect(first.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")

    # when the second page, loaded before that save, saves a note on the same leaf
    second.fill(f"#l{line_id}-note", "ghi chú thẻ 2")
    second.locator("h1").first.click()  # done typing: the panel takes the focus (not while one types)
    panel = second.locator(f"#line-{line_id} .js-conflict")
    expect(panel).to_be_visible()
    expect(second.locator(f"#line-{line_id} .keep-mine")).to_be_focused()
    if button == "take-theirs":
        second.keyboard.press("Tab")
        expect(second.locator(f"#line-{line_id} .take-theirs")).to_be_focused()
    second.keyboard.press("Enter")

    # then the panel is gone and focus is on the leaf's first field (its options: the one checked, where Tab lands),
    # not on the page's <body>
    expect(panel).to_be_hidden()
    assert second.evaluate(ACTIVE_LEAF) == f"line-{line_id}"
    expect(second.locator(f"#line-{line_id} input[type=radio]:checked")).to_be_focused()
    if button == "keep-mine":
        expect(second.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
        assert ScoreLine.objects.get(pk=line_id).self_note == "ghi chú thẻ 2"
    else:
        expect(second.locator(f"#l{line_id}-note")).to_have_value("ghi chú thẻ 1")


# --- 2. an error tied to its field ----------------------------------------------------------------------------


def test_a_refused_figure_is_described_by_the_error_until_it_is_corrected(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = _id(open_assessment, "1.1.2")  # ratio bands: a hint under the figures
    page = new_page()
    login(page, "lan")
    numerator = f"#id_l{line_id}-numerator"
    hint = f"l{line_id}-method-hint"
    error = f"l{line_id}-error"
    assert _described_by(page, numerator) == [hint]

    # when the numerator is larger than the denominator
    page.fill(numerator, "400")
    page.fill(f"#id_l{line_id}-denominator", "50")
    expect(page.locator(f"#{error}")).to_have_text(
        "Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, hãy ghi tử số "
        "bằng mẫu số.")
    # then the field marked invalid names the message, after its hint; the other figure names only the hint
    expect(page.locator(numerator)).to_have_attribute("aria-invalid", "true")
    assert _described_by(page, numerator) == [hint, error]
    assert _described_by(page, f"#id_l{line_id}-denominator") == [hint]

    # when corrected: the message is hidden and no longer named, the hint still is
    page.fill(numerator, "45")
    expect(page.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
    expect(page.locator(f"#{error}")).to_be_hidden()
    assert _described_by(page, numerator) == [hint]
    assert page.locator(numerator).get_attribute("aria-invalid") is None


# --- 3. «Không phát sinh» waits for its reason ----------------------------------------------------------------


def test_ticking_not_applicable_waits_for_the_reason_then_saves_it(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = _id(open_assessment, "1.2.2")
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    status = page.locator(f"#line-{line_id} .save-status")

    # when the box is ticked with the keyboard
    page.focus(f"#l{line_id}-na")
    page.keyboard.press("Space")
    # then a neutral hint asks for the reason; nothing is saved nor refused
    expect(status).to_have_text(REASON_NEEDED)
    expect(status).not_to_have_class("save-status error")
    page.wait_for_timeout(1500)  # well past the typing delay
    expect(page.locator(f"#line-{line_id} .leaf-error")).to_be_hidden()
    assert _self_saves(line_id) == 0

    # when the reason, next in the tab order, is typed: the box and the reason are saved together
    page.keyboard.press("Tab")
    expect(page.locator(f"#l{line_id}-na-reason")).to_be_focused()
    page.keyboard.type("Không có đợt kiểm tra nào")
    expect(status).to_contain_text("Đã lưu")
    stored = ScoreLine.objects.get(pk=line_id)
    assert (stored.not_applicable, stored.not_applicable_reason) == (True, "Không có đợt kiểm tra nào")
    assert _self_saves(line_id) == 1

    # unticking saves at once, as before
    page.focus(f"#l{line_id}-na")
    page.keyboard.press("Space")
    expect(status).to_contain_text("Đã lưu")
    assert ScoreLine.objects.get(pk=line_id).not_applicable is False
    assert errors == []


def test_leaving_a_leaf_ticked_not_applicable_without_a_reason_saves_and_says_the_reason_is_missing(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = _id(open_assessment, "1.2.2")
    page = new_page()
    login(page, "lan")
    page.check(f"#l{line_id}-na")
    expect(page.locator(f"#line-{line_id} .save-status")).to_have_text(REASON_NEEDED)

    # when focus leaves the leaf (to the next leaf's first field) without a reason
    page.focus(f"#l{line_id}-note")
    page.focus(f"#id_l{_id(open_assessment, '1.2.3')}-points")
    # then the server's refusal is shown and tied to the reason's box
    error = page.locator(f"#l{line_id}-error")
    expect(error).to_have_text("Hãy nêu lý do không phát sinh.")
    reason = f"#l{line_id}-na-reason"
    expect(page.locator(reason)).to_have_attribute("aria-invalid", "true")
    assert _described_by(page, reason) == [f"l{line_id}-error"]
    assert ScoreLine.objects.get(pk=line_id).not_applicable is False


def test_unticking_before_the_reason_comes_saves_nothing_and_drops_the_hint(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = _id(open_assessment, "1.2.2")
    page = new_page()
    login(page, "lan")
    status = page.locator(f"#line-{line_id} .save-status")
    page.check(f"#l{line_id}-na")
    expect(status).to_have_text(REASON_NEEDED)
    page.uncheck(f"#l{line_id}-na")
    expect(status).to_have_text("")
    page.wait_for_timeout(1200)
    assert _self_saves(line_id) == 0


# --- 4. the sticky area heading never hides the focused control -----------------------------------------------

# The focused element's box against the sticky heading of its area: [top, bottom, heading's top, heading's bottom].
FOCUS_BOX = """() => {
  const el = document.activeElement;
  const area = el && el.closest('details.area');
  if (!area || el.matches('details.area > summary')) return null;
  const box = el.getBoundingClientRect();
  const head = area.querySelector(':scope > summary').getBoundingClientRect();
  return [box.top, box.bottom, head.top, head.bottom, el.outerHTML.slice(0, 80)];
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 320, "height": 640}],
                         ids=["desktop", "phone"])
def test_shift_tab_back_through_the_sheet_never_stops_under_the_sticky_area_heading(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, viewport: dict[str, int]
) -> None:
    page = new_page()
    page.set_viewport_size(viewport)
    login(page, "lan")
    # from the last leaf's last control, backwards to the first area
    last = page.locator("details.area .leaf-actions button").last
    last.focus()
    hidden = []
    stops = 0
    for _ in range(400):
        page.keyboard.press("Shift+Tab")
        box = page.evaluate(FOCUS_BOX)
        if box is None:
            if page.evaluate("!document.activeElement.closest('details.area')"):
                break  # back above the areas
            continue
        stops += 1
        top, bottom, head_top, head_bottom, what = box
        if top < head_bottom - 1 and bottom > head_top + 1:  # overlaps the heading band
            hidden.append((round(top), round(head_bottom), what))
    assert stops > 40
    assert hidden == []
