"""Extension requests, second round: a grant never shortens a deadline; the applicable deadline is the later of the
unit's own and the cycle's (everywhere it is read), and the cycle's page removes a unit's own; a submission closes
the waiting request and only a draft's request is granted; the reason's errors are the reason's; the wording of the
pages (the refuse button, the overdue banner, «Đã chấp thuận: …»); the lists on a phone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from appraisal.models import Notification
from appraisal.notifications import deadline_reminders_send
from scoring import permissions
from scoring.administration.services.cycles import assessment_extend_deadline, own_deadline_version
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest
from scoring.services import score_line_save_self
from scoring.services.extension_requests import (
    extension_request_create,
    extension_request_grant,
    extension_request_refuse,
)
from scoring.services.submission import assessment_submit
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft of a cycle of this year (the deadlines a cycle may take are counted from its year)."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(year=timezone.localdate().year)
    return _fresh(assessment)


def _with_deadlines(assessment: Assessment, *, cycle: dt.datetime | None, own: dt.datetime | None) -> Assessment:
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=cycle)
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=own)
    return _fresh(assessment)


def _ask(assessment: Assessment, actor: Any, days: int = 20, reason: str = "Chờ số liệu quý IV") -> ExtensionRequest:
    return extension_request_create(assessment=assessment, actor=actor, requested_date=_day(days), reason=reason)


def _complete(assessment: Assessment, actor: Any) -> None:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


# --- 1. a grant never shortens the deadline ---------------------------------------------------------------


def test_a_grant_not_later_than_the_units_own_deadline_is_refused_and_changes_nothing(
    draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    # given: the unit asked for the 20th day; meanwhile the cycle's page gave it the 30th
    made = _ask(draft, unit_head, days=20)
    assessment_extend_deadline(assessment=_fresh(draft), deadline=_end_of(_day(30)), actor=admin_user,
                               reason="Gia hạn chung cho đơn vị")
    audit_before = AuditEntry.objects.count()
    # when: «Chấp thuận» as asked, or with another date not after the 30th
    for other in (None, _day(25), _day(30)):
        with pytest.raises(ValidationFailed) as refused:
            extension_request_grant(extension_request=made, actor=admin_user, deadline_date=other)
        # then: refused with the deadline the unit has, nothing changed
        assert refused.value.code == "extension_not_later"
        assert refused.value.details == {"field": "deadline"}
        assert _day(30).strftime("%d/%m/%Y") in str(refused.value.message)
    made.refresh_from_db()
    assert made.pending and made.decided_at is None
    assert _fresh(draft).deadline_override == _end_of(_day(30))
    assert AuditEntry.objects.count() == audit_before
    # a later date is granted
    granted = extension_request_grant(extension_request=made, actor=admin_user, deadline_date=_day(35))
    assert granted.status == ExtensionRequest.Status.GRANTED
    assert _fresh(draft).deadline_override == _end_of(_day(35))


def test_a_grant_not_later_than_a_cycle_deadline_moved_past_the_request_is_refused(
    draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head, days=20)
    Cycle.objects.filter(pk=draft.cycle_id).update(self_assessment_deadline=_end_of(_day(40)))
    with pytest.raises(ValidationFailed) as refused:
        extension_request_grant(extension_request=made, actor=admin_user)
    assert refused.value.code == "extension_not_later"
    assert refused.value.details == {"field": "deadline"}
    assert "rút ngắn" in str(refused.value.message)
    made.refresh_from_db()
    assert made.pending
    assert _fresh(draft).deadline_override is None


def test_the_list_flags_a_request_the_current_deadline_covers_and_the_page_refuses_its_grant(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head, days=20)
    listing = reverse("administration:extension_requests", args=[draft.cycle_id])
    client.force_login(admin_user)
    assert "data-covered" not in client.get(listing).content.decode()
    assessment_extend_deadline(assessment=_fresh(draft), deadline=_end_of(_day(30)), actor=admin_user,
                               reason="Gia hạn chung")
    body = client.get(listing).content.decode()
    assert "data-covered" in body
    response = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                           {"request": made.pk, "deadline": _day(20).isoformat(), "note": ""})
    assert response.status_code == 400
    assert "rút ngắn" in response.content.decode()
    made.refresh_from_db()
    assert made.pending
    assert _fresh(draft).deadline_override == _end_of(_day(30))


# --- 2. the applicable deadline ----------------------------------------------------------------------------


def test_the_applicable_deadline_is_the_later_of_the_units_own_and_the_cycles(draft: Assessment) -> None:
    past, soon, later = timezone.now() - dt.timedelta(days=1), _end_of(_day(5)), _end_of(_day(10))
    # the cycle's deadline moved past the unit's extension: the cycle's applies, the unit may still edit
    moved = _with_deadlines(draft, cycle=soon, own=past)
    assert permissions.self_assessment_deadline(moved) == soon
    assert not permissions.deadline_passed(moved)
    assert not permissions.own_deadline_applies(moved)
    # an extension past the cycle's applies
    extended = _with_deadlines(draft, cycle=soon, own=later)
    assert permissions.self_assessment_deadline(extended) == later
    assert permissions.own_deadline_applies(extended)
    assert permissions.self_assessment_deadline(_with_deadlines(draft, cycle=None, own=later)) == later
    assert permissions.self_assessment_deadline(_with_deadlines(draft, cycle=soon, own=None)) == soon
    assert permissions.self_assessment_deadline(_with_deadlines(draft, cycle=None, own=None)) is None


def test_a_unit_whose_extension_the_cycles_deadline_overtook_may_still_submit(
    draft: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    moved = _with_deadlines(draft, cycle=_end_of(_day(5)), own=timezone.now() - dt.timedelta(hours=1))
    _complete(moved, unit_editor)
    assert assessment_submit(assessment=moved, actor=unit_head).state == Assessment.State.SUBMITTED


def test_the_sheet_and_the_cycle_page_read_the_later_deadline(
    client: Client, draft: Assessment, unit_editor: Any, admin_user: Any
) -> None:
    moved = _with_deadlines(draft, cycle=_end_of(_day(5)), own=timezone.now() - dt.timedelta(days=2))
    client.force_login(unit_editor)
    sheet = client.get(reverse("scoring:assessment", args=[moved.pk])).content.decode()
    assert _day(5).strftime("%d/%m/%Y") in sheet
    assert "gia hạn riêng cho đơn vị" not in sheet and "data-overdue" not in sheet
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[moved.cycle_id])).content.decode()
    assert "close-unsubmitted" not in page  # not overdue
    assert "data-own-deadline-superseded" in page


def test_the_reminder_follows_the_later_deadline(draft: Assessment, unit_editor: Any) -> None:
    now = timezone.now()
    # the unit's own deadline is tomorrow, but the cycle's was moved to next month: no reminder now
    _with_deadlines(draft, cycle=now + dt.timedelta(days=30), own=now + dt.timedelta(days=1))
    assert deadline_reminders_send(now=now, within=dt.timedelta(days=2)) == 0
    # the cycle's deadline is tomorrow, but the unit has until next month: no reminder either
    _with_deadlines(draft, cycle=now + dt.timedelta(days=1), own=now + dt.timedelta(days=30))
    assert deadline_reminders_send(now=now, within=dt.timedelta(days=2)) == 0
    # the later one is near: reminded, of that one
    later = now + dt.timedelta(days=1, hours=12)
    _with_deadlines(draft, cycle=now + dt.timedelta(hours=1), own=later)
    assert deadline_reminders_send(now=now, within=dt.timedelta(days=2)) >= 1
    reminder = Notification.objects.filter(kind=Notification.Kind.SELF_ASSESSMENT_REMINDER).get()
    assert reminder.dedupe_key.endswith(later.isoformat())


def test_an_administrator_removes_a_units_own_deadline_from_the_cycle_page(
    client: Client, draft: Assessment, admin_user: Any
) -> None:
    own = _end_of(_day(30))
    _with_deadlines(draft, cycle=_end_of(_day(10)), own=own)
    client.force_login(admin_user)
    page = reverse("administration:cycle_detail", args=[draft.cycle_id])
    assert "data-remove-own-deadline" in client.get(page).content.decode()
    url = reverse("administration:assessment_extend", args=[draft.cycle_id, draft.pk])
    # without a reason: refused, nothing changed
    response = client.post(url, {"action": "remove", "deadline": "", "reason": ""})
    assert response.status_code == 400
    assert _fresh(draft).deadline_override == own
    # with a reason: removed (a date typed beside it is ignored), audited
    response = client.post(url, {"action": "remove", "deadline": _day(40).isoformat(), "reason": "Nhập nhầm",
                                 "version": own_deadline_version(_fresh(draft))})
    assert response.status_code == 302
    assert _fresh(draft).deadline_override is None
    entry = AuditEntry.objects.get(action="assessment.remove_deadline")
    changed = entry.changes["deadline_override"]
    assert dt.datetime.fromisoformat(changed["old"]) == own and changed["new"] is None
    assert entry.reason == "Nhập nhầm"
    assert "data-remove-own-deadline" not in client.get(page).content.decode()


def test_the_extension_rows_error_is_shown_once(client: Client, draft: Assessment, admin_user: Any) -> None:
    client.force_login(admin_user)
    url = reverse("administration:assessment_extend", args=[draft.cycle_id, draft.pk])
    response = client.post(url, {"deadline": "", "reason": "Lý do"})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("Hãy chọn hạn mới") == 1
    assert _fresh(draft).deadline_override is None
    response = client.post(url, {"deadline": _day(20).isoformat(), "reason": ""})
    assert response.status_code == 400
    assert response.content.decode().count("This field is required") + response.content.decode().count(
        "Trường này là bắt buộc") == 1


# --- 3. a request and the submission -------------------------------------------------------------------


def test_submitting_closes_the_waiting_request_with_an_audit_entry(
    draft: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    made = _ask(draft, unit_head)
    _complete(draft, unit_editor)
    assessment_submit(assessment=_fresh(draft), actor=unit_head)
    made.refresh_from_db()
    assert made.status == ExtensionRequest.Status.WITHDRAWN
    entry = AuditEntry.objects.get(action="extension_request.withdraw", object_id=str(made.pk))
    assert "gửi bản tự đánh giá" in entry.reason
    assert not ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).exists()


def test_a_request_of_an_assessment_no_longer_a_draft_is_not_granted_but_may_be_refused(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    Assessment.objects.filter(pk=draft.pk).update(state=Assessment.State.SUBMITTED)
    with pytest.raises(StateConflict) as refused:
        extension_request_grant(extension_request=made, actor=admin_user)
    assert refused.value.code == "not_draft"
    made.refresh_from_db()
    assert made.pending
    assert _fresh(draft).deadline_override is None
    client.force_login(admin_user)
    body = client.get(reverse("administration:extension_requests", args=[draft.cycle_id])).content.decode()
    assert "extension-grant" not in body and "data-not-grantable" in body and "extension-refuse" in body
    response = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                           {"request": made.pk})
    assert response.status_code == 409
    assert extension_request_refuse(extension_request=made, actor=admin_user, reason="Đã gửi").status == "refused"


# --- 5. the reason's errors ----------------------------------------------------------------------------------


def test_a_nul_in_the_reason_is_reported_on_the_reason(client: Client, draft: Assessment, unit_head: Any) -> None:
    reason = "Chờ số liệu\x00"
    client.force_login(unit_head)
    response = client.post(reverse("scoring:extension_request", args=[draft.pk]),
                           {"requested_date": _day(9).isoformat(), "reason": reason})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Ngày đề nghị không hợp lệ" not in body
    assert re.search(r'<textarea id="id_reason"[^>]*aria-invalid="true"', body)
    assert not re.search(r'<input type="date" id="id_requested_date"[^>]*aria-invalid', body)
    assert not ExtensionRequest.objects.exists()


def test_a_hidden_character_in_the_administrators_note_is_reported(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    client.force_login(admin_user)
    response = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                           {"request": made.pk, "deadline": "", "note": "Đồng ý\x00"})
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.content.decode()
    made.refresh_from_db()
    assert made.pending


# --- 6, 7, 9. wording -------------------------------------------------------------------------------------


def test_in_english_the_refuse_button_is_not_the_refused_status(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    other = _ask(draft, unit_head, days=20)
    extension_request_refuse(extension_request=other, actor=admin_user, reason="Chưa đủ lý do")
    _ask(draft, unit_head, days=25)
    client.force_login(admin_user)
    with translation.override("en"):
        status_label = str(ExtensionRequest.Status.REFUSED.label)
    assert status_label == "Refused"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("administration:extension_requests", args=[draft.cycle_id]))
    assert response.status_code == 200
    body = response.content.decode()
    button = re.search(r'<button type="submit" class="secondary">([^<]*)</button>', body)
    assert button is not None
    assert button.group(1) != status_label
    assert f"<strong>{status_label}</strong>" in body  # the decided request's status is the status's label


def test_the_overdue_banner_points_the_head_to_the_request_page(
    client: Client, draft: Assessment, unit_head: Any, unit_editor: Any
) -> None:
    overdue = _with_deadlines(draft, cycle=timezone.now() - dt.timedelta(days=1), own=None)
    page = reverse("scoring:extension_request", args=[overdue.pk])
    sheet = reverse("scoring:assessment", args=[overdue.pk])
    client.force_login(unit_head)
    body = client.get(sheet).content.decode()
    banner = re.search(r"<p [^>]*data-overdue>.*?</p>", body, re.S)
    assert banner is not None
    assert "Liên hệ Sở Nội vụ" not in banner.group(0)
    assert f'href="{page}"' in banner.group(0)
    client.force_login(unit_editor)
    banner = re.search(r"<p [^>]*data-overdue>.*?</p>", client.get(sheet).content.decode(), re.S)
    assert banner is not None and "Đề nghị gia hạn" in banner.group(0)
    _ask(overdue, unit_head, days=9)
    client.force_login(unit_head)
    banner = re.search(r"<p [^>]*data-overdue>.*?</p>", client.get(sheet).content.decode(), re.S)
    assert banner is not None and "đang chờ" in banner.group(0) and f'href="{page}"' not in banner.group(0)


def test_a_granted_status_reads_without_a_space_before_its_colon(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head, days=20)
    extension_request_grant(extension_request=made, actor=admin_user)
    day = _day(20).strftime("%d/%m/%Y")
    client.force_login(admin_user)
    # the status and its date are one phrase (one message to translate), the colon right after the status
    listing = client.get(reverse("administration:extension_requests", args=[draft.cycle_id])).content.decode()
    assert f"<strong>Đã chấp thuận: {day}</strong>" in listing
    history = client.get(reverse("scoring:extension_request", args=[draft.pk])).content.decode()
    assert f"<strong>Đã chấp thuận: gia hạn đến ngày {day}</strong>" in history
    assert "Đã chấp thuận :" not in _text(listing + history)


def test_refusing_a_decided_request_without_a_reason_says_it_was_decided(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    extension_request_grant(extension_request=made, actor=admin_user)
    with pytest.raises(StateConflict) as refused:
        extension_request_refuse(extension_request=made, actor=admin_user, reason="")
    assert refused.value.code == "not_pending"
    client.force_login(admin_user)
    response = client.post(reverse("administration:extension_refuse", args=[draft.cycle_id, draft.pk]),
                           {"request": made.pk, "reason": ""})
    assert response.status_code == 409
    assert "đã được xử lý" in response.content.decode()


# --- 8. on a phone ------------------------------------------------------------------------------------------


def test_both_lists_are_cards_with_named_cells_on_a_phone(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    _ask(draft, unit_head, reason="Lý do rất dài " * 30)
    client.force_login(admin_user)
    for url in (reverse("administration:extension_requests", args=[draft.cycle_id]),
                reverse("scoring:extension_request", args=[draft.pk])):
        body = client.get(url).content.decode()
        table = re.search(r'<table class="[^"]*extension-requests[^"]*">.*?</table>', body, re.S)
        assert table is not None and "stack-rows" in table.group(0)
        cells = re.findall(r"<td[^>]*>", table.group(0))
        assert cells and all("data-label=" in cell for cell in cells)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    narrow = re.search(r"@media \(max-width:\s*\d+px\)\s*\{[^@]*\.stack-rows tr[^@]*display:block", css)
    assert narrow is not None
