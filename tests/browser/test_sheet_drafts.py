"""What is typed on the sheet and not saved yet (the server unreachable, the tab closed or discarded by a phone) is kept
in the browser until it is saved: the next visit restores it, says so, and saves it; typed over a version saved since,
it is never written over that save unseen (field by field, as a conflict). The page hidden saves what waits for the
typing pause at once."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

RESTORING = "Có nội dung chưa lưu từ lần trước — đã khôi phục, đang lưu…"
DRAFTS = "Object.keys(localStorage).filter(k => k.startsWith('cchc:leaf:')).length"


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.get(indicator__code=code)


def _type_offline(page: Any, line: ScoreLine, field: str, text: str) -> None:
    """The editor types while the server cannot be reached (the save fails and will be retried), then the tab is
    closed, still offline (a phone discarding it: no prompt, the page's memory gone)."""
    page.context.set_offline(True)
    page.fill(f"#l{line.pk}-{field}", text)
    expect(page.locator(f"#line-{line.pk} .save-status")).to_contain_text("Chưa lưu được")
    assert page.evaluate(DRAFTS) == 1
    page.close()
    page.context.set_offline(False)


def test_a_note_typed_offline_survives_the_tab_closed_and_is_restored_said_and_saved(
    browser: Any, live_server: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(open_assessment, "1.2.1")
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        page = context.new_page()
        login(page, "lan")
        _type_offline(page, line, "note", "Ghi chú gõ khi mất mạng")

        # when the editor comes back, still offline: the text is in its box and the page says it is being saved
        again = context.new_page()
        again.route(f"**/dong/{line.pk}/", lambda route: route.abort())
        again.goto(f"/danh-gia/{open_assessment.pk}/")
        expect(again.locator(f"#l{line.pk}-note")).to_have_value("Ghi chú gõ khi mất mạng")
        notice = again.locator("[data-restored]")
        expect(notice).to_contain_text(RESTORING)
        expect(notice.locator(f'a[href="#line-{line.pk}"]')).to_have_text("1.2.1")
        assert ScoreLine.objects.get(pk=line.pk).self_note == ""

        # then, the server reachable again, the retry saves it and the draft is dropped
        again.unroute(f"**/dong/{line.pk}/")
        expect(again.locator(f"#line-{line.pk} .save-status")).to_contain_text("Đã lưu", timeout=12_000)
        expect(notice).to_contain_text("đã khôi phục và lưu")
        assert ScoreLine.objects.get(pk=line.pk).self_note == "Ghi chú gõ khi mất mạng"
        assert again.evaluate(DRAFTS) == 0
    finally:
        context.close()


@pytest.mark.parametrize("colleague_changed", ["explanation", "note"])
def test_a_draft_typed_over_an_older_version_is_never_written_over_a_later_save_unseen(
    browser: Any, live_server: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any,
    colleague_changed: str,
) -> None:
    line = _line(open_assessment, "1.2.1")
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        page = context.new_page()
        login(page, "lan")
        _type_offline(page, line, "note", "Ghi chú của cán bộ")
        # given the head saves after that, the explanation (no clash) or the note itself (a clash)
        score_line_save_self(line=ScoreLine.objects.get(pk=line.pk), actor=unit_head, base_version=line.version,
                             value={"value": "yes"}, **{colleague_changed: "Của thủ trưởng"})

        again = context.new_page()
        again.goto(f"/danh-gia/{open_assessment.pk}/")
        stored = ScoreLine.objects.get(pk=line.pk)
        if colleague_changed == "explanation":
            # the draft's note is saved beside the head's score and explanation, which the page shows
            expect(again.locator(f"#line-{line.pk} .save-status")).to_contain_text("Đã lưu")
            stored = ScoreLine.objects.get(pk=line.pk)
            assert (stored.self_score, stored.explanation, stored.self_note) == (1, "Của thủ trưởng",
                                                                                  "Ghi chú của cán bộ")
            expect(again.locator(f"#l{line.pk}-explanation")).to_have_value("Của thủ trưởng")
            expect(again.locator(f'#line-{line.pk} input[value="yes"]')).to_be_checked()
        else:
            # the two notes are shown for the editor to choose; the head's stays stored meanwhile
            panel = again.locator(f"#line-{line.pk} .js-conflict")
            expect(panel).to_be_visible()
            expect(panel.locator("[data-yours-note]")).to_have_text("Ghi chú của cán bộ")
            expect(panel.locator("[data-stored-note]")).to_have_text("Của thủ trưởng")
            expect(again.locator("[data-restored]")).to_contain_text("chưa lưu được")
            again.wait_for_timeout(1000)
            assert ScoreLine.objects.get(pk=line.pk).self_note == "Của thủ trưởng"
            assert again.evaluate(DRAFTS) == 1  # still kept until the editor chooses
    finally:
        context.close()


def test_hiding_the_page_saves_at_once_what_waits_for_the_typing_pause(
    page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(open_assessment, "1.2.1")
    login(page, "lan")
    page.fill(f"#l{line.pk}-note", "Gõ xong rồi chuyển ứng dụng")
    # when the phone switches to another app before the typing pause (800 ms) is over
    with page.expect_response(lambda r: f"/dong/{line.pk}/" in r.url, timeout=600):
        page.evaluate("Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
                      " document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator(f"#line-{line.pk} .save-status")).to_contain_text("Đã lưu")
    assert ScoreLine.objects.get(pk=line.pk).self_note == "Gõ xong rồi chuyển ứng dụng"
