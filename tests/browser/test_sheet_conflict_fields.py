"""A save that meets a colleague's newer save is decided field by field: what the user did not touch takes the stored
value (never the page's stale empty one), what only the user changed stays theirs, and only a field both changed asks
for a choice, named in the panel. «Lấy giá trị đang lưu» takes the stored value of those fields only: the user's own
note, which did not clash, is still saved. On a phone the panel's values have the screen's width, both sides
written alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.services import score_line_save_self
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

HEAD_EXPLANATION = "Đã ban hành đúng hạn, văn bản số 12/KH-SYT."


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _head_saves_yes_and_an_explanation(line: ScoreLine, head: Any) -> None:
    """The head's save in another tab, after the editor's page was loaded."""
    score_line_save_self(line=line, actor=head, base_version=line.version, value={"value": "yes"},
                         explanation=HEAD_EXPLANATION)


def test_a_note_typed_on_a_stale_page_is_saved_beside_the_heads_score_and_explanation_not_over_them(
    page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line = _line(open_assessment, "1.2.1")  # yes / no
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    _head_saves_yes_and_an_explanation(line, unit_head)

    # when the editor, whose page still shows the leaf empty, types only a note
    page.fill(f"#l{line.pk}-note", "Ghi chú của cán bộ")

    # then the note is saved with the head's «Có» and explanation, which the page now shows, and says so
    leaf = page.locator(f"#line-{line.pk}")
    expect(leaf.locator(".save-status")).to_contain_text("Đã lưu")
    expect(leaf.locator(".js-conflict")).to_be_hidden()
    note = leaf.locator("[data-merged]")
    expect(note).to_contain_text("Giá trị")
    expect(note).to_contain_text("Giải trình")
    expect(note).to_contain_text("Ghi chú")
    expect(leaf.locator('input[value="yes"]')).to_be_checked()
    expect(page.locator(f"#l{line.pk}-explanation")).to_have_value(HEAD_EXPLANATION)
    expect(page.locator(f'[data-score-for="{line.pk}"]')).to_have_text("1,00")
    stored = ScoreLine.objects.get(pk=line.pk)
    assert (stored.self_score, stored.explanation, stored.self_note) == (1, HEAD_EXPLANATION, "Ghi chú của cán bộ")
    # and the editor's save changed the note alone (the history never reads «Có → (chưa chấm)»)
    entry = AuditEntry.objects.filter(object_id=str(line.pk), action="score_line.self").order_by("-id").first()
    assert entry is not None and set(entry.changes) == {"self_note"}
    assert errors == []


@pytest.mark.parametrize("choice", ["keep-mine", "take-theirs"])
def test_only_a_field_both_changed_asks_and_either_choice_keeps_the_users_other_changes(
    page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any, choice: str
) -> None:
    line = _line(open_assessment, "1.2.1")
    login(page, "lan")
    _head_saves_yes_and_an_explanation(line, unit_head)

    # when the editor types a note and an explanation of their own, then leaves the leaf
    page.fill(f"#l{line.pk}-note", "Ghi chú của cán bộ")
    page.fill(f"#l{line.pk}-explanation", "Giải trình của cán bộ")
    page.locator("h1").first.click()

    # then the panel names the explanation alone as changed on both sides, and shows both explanations
    panel = page.locator(f"#line-{line.pk} .js-conflict")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-conflicting]")).to_have_attribute("data-conflicting", "explanation")
    expect(panel.locator("[data-conflicting]")).to_contain_text("Giải trình")
    expect(panel.locator("[data-yours-explanation]")).to_have_text("Giải trình của cán bộ")
    expect(panel.locator("[data-stored-explanation]")).to_have_text(HEAD_EXPLANATION)
    expect(panel.locator("[data-yours]")).to_have_count(0)  # the value did not clash: no choice for it
    expect(panel).to_contain_text("Ghi chú")  # kept, and said so
    # the value the editor never touched already shows the head's, nothing saved yet
    expect(page.locator(f'#line-{line.pk} input[value="yes"]')).to_be_checked()
    assert ScoreLine.objects.get(pk=line.pk).self_note == ""

    page.click(f"#line-{line.pk} .{choice}")

    expect(panel).to_be_hidden()
    expect(page.locator(f"#line-{line.pk} .save-status")).to_contain_text("Đã lưu")
    stored = ScoreLine.objects.get(pk=line.pk)
    expected = "Giải trình của cán bộ" if choice == "keep-mine" else HEAD_EXPLANATION
    assert (stored.self_score, stored.explanation, stored.self_note) == (1, expected, "Ghi chú của cán bộ")
    expect(page.locator(f"#l{line.pk}-explanation")).to_have_value(expected)


def test_on_a_375_px_phone_the_panel_stacks_its_values_and_writes_both_sides_alike(
    browser: Any, live_server: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        line = _line(open_assessment, "1.1.2")  # numerator / denominator, bands
        login(page, "lan")
        score_line_save_self(line=line, actor=unit_head, base_version=line.version,
                             value={"numerator": 95, "denominator": 100})
        page.fill(f'[name="l{line.pk}-numerator"]', "90")
        page.fill(f'[name="l{line.pk}-denominator"]', "100")
        page.locator("h1").first.click()

        panel = page.locator(f"#line-{line.pk} .js-conflict")
        expect(panel).to_be_visible()
        written = re.compile(r"^\d+ / \d+ \(\d+,\d\d điểm\)$")
        expect(panel.locator("[data-yours]")).to_have_text(written)
        expect(panel.locator("[data-stored]")).to_have_text(written)
        expect(panel.locator("[data-stored]")).to_have_text("95 / 100 (2,00 điểm)")
        # each value as wide as the panel's list, under its label (not a quarter of the screen beside it)
        widths = panel.evaluate(
            "box => { const dl = box.querySelector('dl'); const dd = box.querySelector('[data-yours]');"
            " const dt = dd.previousElementSibling; return [dl.clientWidth, dd.getBoundingClientRect().width,"
            " dt.getBoundingClientRect().bottom <= dd.getBoundingClientRect().top + 1]; }"
        )
        assert widths[1] >= 0.95 * widths[0] and widths[2] is True
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
