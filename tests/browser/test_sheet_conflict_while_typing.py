"""The self-assessment sheet's conflict panel never takes what the user types: arriving while the user is typing it
is announced and leaves the focus in the field (no SPACE «keeps» an empty score over a colleague's); arriving when
the user is not typing it takes the focus, but a key typed for a field does not press its buttons; no autosave
writes while it is open. A save refused because the head submitted keeps the typed text selectable."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, AuditEntry, ScoreLine
from tests.appraisal.conftest import submit
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

ACTIVE = "document.activeElement.id || document.activeElement.className || document.activeElement.tagName"


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _line(assessment: Assessment, code: str = "1.1.1") -> int:
    return assessment.lines.get(indicator__code=code).pk


def _self_saves(line_id: int) -> int:
    return AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line_id), action="score_line.self").count()


def _two_tabs(new_page: Any, assessment: Assessment, line_id: int) -> tuple[Any, Any]:
    """Tab A saves a score, a note and an explanation on the leaf; tab B was loaded before those saves (so a note or
    an explanation B types clashes with A's: only a field both changed opens the panel)."""
    first, second = new_page(), new_page()
    login(first, "lan")
    login(second, "hung")
    for page in (first, second):
        page.goto(f"/danh-gia/{assessment.pk}/")
        page.wait_for_load_state("networkidle")
    first.check(f'#line-{line_id} input[value="on_time"]')
    expect(first.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
    first.fill(f"#l{line_id}-note", "ghi chú của A")
    first.fill(f"#l{line_id}-explanation", "giải trình của A")
    first.locator("h1").first.click()
    expect(first.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
    assert ScoreLine.objects.get(pk=line_id).explanation == "giải trình của A"
    return first, second


def test_a_conflict_arriving_while_typing_leaves_the_focus_in_the_field_and_saves_nothing_until_chosen(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line_id = _line(open_assessment)
    _, second = _two_tabs(new_page, open_assessment, line_id)
    errors: list[str] = []
    second.on("pageerror", lambda exc: errors.append(str(exc)))
    field = f"#l{line_id}-explanation"
    panel = second.locator(f"#line-{line_id} .js-conflict")

    # when B types in «Giải trình», pauses (the autosave meets the conflict) and goes on typing
    second.click(field)
    second.keyboard.type("Đơn vị đã")
    expect(panel).to_be_visible()
    saves = _self_saves(line_id)
    second.keyboard.type(" ban hành đúng hạn", delay=60)

    # then the focus stayed in the field, every key landed there, and the panel is announced, not focused
    assert second.evaluate(ACTIVE) == f"l{line_id}-explanation"
    expect(second.locator(field)).to_have_value("Đơn vị đã ban hành đúng hạn")
    assert panel.get_attribute("role") == "alert"
    expect(second.locator(f"#line-{line_id} .save-status")).to_contain_text("vừa được sửa ở nơi khác")
    # nothing saved over A's score, even after the typing pause and leaving the leaf
    second.wait_for_timeout(1500)
    second.keyboard.press("Tab")
    second.locator("h1").first.click()
    second.wait_for_timeout(800)
    stored = ScoreLine.objects.get(pk=line_id)
    assert stored.self_value == {"option": "on_time"} and stored.explanation == "giải trình của A"
    assert _self_saves(line_id) == saves
    expect(panel).to_be_visible()

    # and B's choice, made deliberately, saves what B typed
    second.click(f"#line-{line_id} .keep-mine")
    expect(second.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
    stored = ScoreLine.objects.get(pk=line_id)
    assert stored.explanation == "Đơn vị đã ban hành đúng hạn"
    assert (stored.self_value, stored.self_note) == ({"option": "on_time"}, "ghi chú của A")  # A's, untouched by B
    assert errors == []


def test_a_conflict_arriving_when_not_typing_takes_the_focus_but_a_key_typed_for_a_field_does_not_press_it(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line_id = _line(open_assessment)
    _, second = _two_tabs(new_page, open_assessment, line_id)
    panel = second.locator(f"#line-{line_id} .js-conflict")

    # given B's note, then the leaf left (the save goes at once and meets the conflict): B is not typing
    second.fill(f"#l{line_id}-note", "ghi chú của B")
    second.locator("h1").first.click()
    expect(panel).to_be_visible()
    expect(second.locator(f"#line-{line_id} .keep-mine")).to_be_focused()

    # when B, not looking, types words: the SPACE between them must not press «Giữ giá trị của tôi»
    second.keyboard.type("ab cd")
    second.wait_for_timeout(600)
    expect(panel).to_be_visible()
    assert ScoreLine.objects.get(pk=line_id).self_note == "ghi chú của A"

    # then, after a pause, ENTER on the button is a deliberate choice: saved, the focus back in the leaf
    second.wait_for_timeout(1100)
    second.keyboard.press("Enter")
    expect(panel).to_be_hidden()
    expect(second.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
    assert second.evaluate("document.activeElement.closest('.leaf')?.id") == f"line-{line_id}"
    assert ScoreLine.objects.get(pk=line_id).self_note == "ghi chú của B"


def test_a_save_refused_because_the_head_submitted_keeps_the_typed_text_selectable(
    page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line_id = _line(open_assessment)
    login(page, "lan")
    page.goto(f"/danh-gia/{open_assessment.pk}/")
    page.wait_for_load_state("networkidle")
    submit(open_assessment, unit_head)  # the head submits meanwhile

    # when the editor's text is saved
    page.fill(f"#l{line_id}-explanation", "Giải trình dài, gõ mất mười phút.")
    error = page.locator(f"#line-{line_id} .leaf-error")
    expect(error).to_be_visible()

    # then the text stays in a read-only field (selectable, copyable), not a disabled one, and the message says so
    field = page.locator(f"#l{line_id}-explanation")
    expect(field).to_have_value("Giải trình dài, gõ mất mười phút.")
    expect(field).to_be_enabled()
    expect(field).not_to_be_editable()
    expect(error).to_contain_text("sao chép")
    field.focus()
    field.select_text()
    assert page.evaluate("getSelection().toString() || document.activeElement.value.substring("
                         "document.activeElement.selectionStart, document.activeElement.selectionEnd)") == (
        "Giải trình dài, gõ mất mười phút.")
    expect(page.locator(f'#line-{line_id} input[value="on_time"]')).to_be_disabled()
