"""The save status of a leaf never says «Đã lưu» for what was not saved: a «Lý do không phát sinh» typed before
«Không phát sinh» is ticked stays in its box and is said to wait for the box; a save that changes nothing says so
instead of showing the time of the leaf's last change."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.services import score_line_save_self
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Không có đợt kiểm tra nào trong năm"
ON_HOLD = "Lý do không phát sinh chưa được lưu: lý do chỉ được lưu khi đánh dấu «Không phát sinh»."


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _self_saves(line_id: int) -> int:
    return AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line_id), action="score_line.self").count()


def test_a_reason_typed_before_ticking_not_applicable_waits_in_its_box_and_is_saved_with_the_box(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = _line(open_assessment, "1.2.2").pk  # unscored, allows «không phát sinh»
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    status = page.locator(f"#line-{line_id} .save-status")

    # when a reason is typed with the box unticked, and the leaf is left
    page.fill(f"#l{line_id}-na-reason", REASON)
    page.press(f"#l{line_id}-na-reason", "Tab")
    # then it stays in its box, the status says it is not saved yet, and nothing is saved
    expect(status).to_have_text(ON_HOLD)
    page.wait_for_timeout(1500)  # well past the typing delay
    expect(status).not_to_contain_text("Đã lưu")
    expect(page.locator(f"#l{line_id}-na-reason")).to_have_value(REASON)
    assert _self_saves(line_id) == 0

    # when the box is ticked: the reason is saved with it
    page.check(f"#l{line_id}-na")
    expect(status).to_contain_text("Đã lưu")
    expect(status).not_to_contain_text("chưa được lưu")
    stored = ScoreLine.objects.get(pk=line_id)
    assert (stored.not_applicable, stored.not_applicable_reason) == (True, REASON)
    page.reload()
    expect(page.locator(f"#l{line_id}-na-reason")).to_have_value(REASON)
    expect(page.locator(f"#l{line_id}-na")).to_be_checked()
    assert errors == []


def test_a_reason_waiting_for_its_box_is_still_said_after_another_field_of_the_leaf_is_saved(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = _line(open_assessment, "1.2.2").pk
    page = new_page()
    login(page, "lan")
    status = page.locator(f"#line-{line_id} .save-status")
    page.fill(f"#l{line_id}-na-reason", REASON)
    expect(status).to_have_text(ON_HOLD)
    # when the note is typed
    page.fill(f"#l{line_id}-note", "Ghi chú của Lan")
    # then the note is saved, and the status still says the reason is not
    expect(status).to_contain_text("Đã lưu")
    expect(status).to_contain_text(ON_HOLD)
    stored = ScoreLine.objects.get(pk=line_id)
    assert (stored.self_note, stored.not_applicable_reason) == ("Ghi chú của Lan", "")
    # and clearing the reason takes the notice away
    page.fill(f"#l{line_id}-na-reason", "")
    page.press(f"#l{line_id}-na-reason", "Tab")
    expect(status).not_to_contain_text("chưa được lưu")


def test_saving_a_leaf_that_has_not_changed_says_so_not_its_old_time(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    # given a leaf last changed at 00:09
    line = _line(open_assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": True})
    at = datetime(2020, 3, 11, 0, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    ScoreLine.objects.filter(pk=line.pk).update(updated_at=at)
    page = new_page()
    login(page, "lan")
    status = page.locator(f"#line-{line.pk} .save-status")
    # when «Lưu» is pressed without a change
    page.click(f"#line-{line.pk} .leaf-actions button")
    # then the status says nothing changed, never «Đã lưu 00:09»
    expect(status).to_have_text("Không có thay đổi.")
    assert _self_saves(line.pk) == 1
