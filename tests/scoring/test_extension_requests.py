"""Extension requests: a unit's head asks for more time on its sheet, may withdraw while it waits; an administrator
grants it (the unit's own deadline, through the existing extension service) or refuses it with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest, Unit
from scoring.permissions import deadline_passed
from scoring.services.extension_requests import (
    extension_request_create,
    extension_request_grant,
    extension_request_refuse,
    extension_request_withdraw,
)
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft of a cycle of this year (the deadlines a cycle may take are counted from its year)."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(year=timezone.localdate().year)
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


def _with_cycle_deadline(assessment: Assessment, moment: dt.datetime) -> Assessment:
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=moment)
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


def _ask(assessment: Assessment, actor: Any, days: int = 10, reason: str = "Cán bộ phụ trách nghỉ ốm") -> Any:
    return extension_request_create(assessment=assessment, actor=actor, requested_date=_day(days), reason=reason)


# --- service rules -----------------------------------------------------------------------------------------


def test_a_head_asks_for_an_extension_which_waits_and_is_audited(draft: Assessment, unit_head: Any) -> None:
    # given: the cycle's deadline has passed (the usual reason to ask)
    draft = _with_cycle_deadline(draft, timezone.now() - dt.timedelta(days=1))
    # when
    made = _ask(draft, unit_head, days=7, reason="  Cán bộ phụ trách\r\nnghỉ ốm  ")
    # then
    assert made.status == ExtensionRequest.Status.PENDING
    assert made.requested_deadline == _end_of(_day(7))
    assert made.reason == "Cán bộ phụ trách\nnghỉ ốm"
    assert made.requested_by == unit_head
    assert made.deadline_at_request == draft.cycle.self_assessment_deadline
    entry = AuditEntry.objects.get(action="extension_request.create")
    assert (entry.actor, entry.object_id, entry.assessment_id) == (unit_head, str(made.pk), draft.pk)
    assert entry.changes["extension_status"]["new"] == "pending"
    draft.refresh_from_db()
    assert draft.deadline_override is None  # asking changes no deadline


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason_required"), ("\u200b \u200b", "reason_required"), ("Mất điện\u202e", "hidden_characters"),
     ("x" * 1001, "too_long")],
)
def test_a_request_without_a_clean_reason_is_refused_and_changes_nothing(
    draft: Assessment, unit_head: Any, reason: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _ask(draft, unit_head, reason=reason)
    assert refused.value.code == code
    assert not ExtensionRequest.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="extension_request").exists()


def test_the_requested_date_must_be_after_the_deadline_that_applies_now(draft: Assessment, unit_head: Any) -> None:
    draft = _with_cycle_deadline(draft, _end_of(_day(5)))
    with pytest.raises(ValidationFailed) as refused:
        _ask(draft, unit_head, days=5)
    assert refused.value.code == "extension_not_later"
    assert _day(5).strftime("%d/%m/%Y") in str(refused.value.message)
    # an extension the unit already has counts as its deadline
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=_end_of(_day(9)))
    draft.refresh_from_db()
    with pytest.raises(ValidationFailed):
        _ask(draft, unit_head, days=8)
    assert _ask(draft, unit_head, days=10).status == ExtensionRequest.Status.PENDING


def test_a_date_already_past_or_beyond_the_cycles_years_is_refused(draft: Assessment, unit_head: Any) -> None:
    draft = _with_cycle_deadline(draft, timezone.now() - dt.timedelta(days=10))
    with pytest.raises(ValidationFailed) as past:
        _ask(draft, unit_head, days=-1)
    assert past.value.code == "date_in_past"
    with pytest.raises(ValidationFailed) as too_late:
        extension_request_create(assessment=draft, actor=unit_head, reason="Mất điện",
                                 requested_date=dt.date(draft.cycle.year + 11, 1, 15))
    assert too_late.value.code == "deadline_too_late"
    with pytest.raises(ValidationFailed) as missing:
        extension_request_create(assessment=draft, actor=unit_head, reason="Mất điện", requested_date=None)
    assert missing.value.code == "date_required"
    assert not ExtensionRequest.objects.exists()


def test_one_pending_request_at_a_time_and_a_new_one_after_withdrawing(draft: Assessment, unit_head: Any) -> None:
    first = _ask(draft, unit_head)
    with pytest.raises(StateConflict) as refused:
        _ask(draft, unit_head, days=20)
    assert refused.value.code == "already_pending"
    assert ExtensionRequest.objects.count() == 1
    withdrawn = extension_request_withdraw(extension_request=first, actor=unit_head)
    assert withdrawn.status == ExtensionRequest.Status.WITHDRAWN
    assert AuditEntry.objects.filter(action="extension_request.withdraw", object_id=str(first.pk)).exists()
    second = _ask(draft, unit_head, days=20)
    assert second.pending
    # a withdrawn request cannot be withdrawn again
    with pytest.raises(StateConflict):
        extension_request_withdraw(extension_request=first, actor=unit_head)


def test_only_a_draft_of_an_open_cycle_takes_a_request(draft: Assessment, unit_head: Any) -> None:
    Assessment.objects.filter(pk=draft.pk).update(state=Assessment.State.SUBMITTED)
    with pytest.raises(StateConflict) as submitted:
        _ask(draft, unit_head)
    assert submitted.value.code == "not_draft"
    Assessment.objects.filter(pk=draft.pk).update(state=Assessment.State.DRAFT)
    Cycle.objects.filter(pk=draft.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    with pytest.raises(StateConflict) as published:
        _ask(draft, unit_head)
    assert published.value.code == "cycle_closed"
    assert not ExtensionRequest.objects.exists()


def test_granting_extends_the_units_deadline_through_the_extension_service(
    draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    # given: a unit past the cycle's deadline (the cycle page flags it overdue) asks for ten more days
    draft = _with_cycle_deadline(draft, timezone.now() - dt.timedelta(days=1))
    assert deadline_passed(draft)
    made = _ask(draft, unit_head, days=10)
    # when
    granted = extension_request_grant(extension_request=made, actor=admin_user)
    # then: the unit's own deadline, recorded as every extension is, and no longer overdue
    assert granted.status == ExtensionRequest.Status.GRANTED
    assert (granted.decided_by, granted.granted_deadline) == (admin_user, _end_of(_day(10)))
    draft.refresh_from_db()
    assert draft.deadline_override == _end_of(_day(10))
    assert not deadline_passed(draft)
    extended = AuditEntry.objects.get(action="assessment.extend_deadline")
    assert extended.reason == "Cán bộ phụ trách nghỉ ốm"  # the unit's reason when the administrator adds none
    assert AuditEntry.objects.filter(action="extension_request.grant", object_id=str(made.pk)).exists()


def test_an_administrator_may_grant_another_date_with_a_note(
    draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head, days=30)
    granted = extension_request_grant(extension_request=made, actor=admin_user, deadline_date=_day(15),
                                      note="Gia hạn 15 ngày")
    draft.refresh_from_db()
    assert draft.deadline_override == granted.granted_deadline == _end_of(_day(15))
    assert granted.decision_reason == "Gia hạn 15 ngày"
    assert AuditEntry.objects.get(action="assessment.extend_deadline").reason == "Gia hạn 15 ngày"


def test_a_grant_for_a_date_already_past_is_refused_and_the_request_still_waits(
    draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        extension_request_grant(extension_request=made, actor=admin_user, deadline_date=_day(-2))
    assert refused.value.code == "date_in_past"
    made.refresh_from_db()
    draft.refresh_from_db()
    assert made.pending and made.decided_at is None
    assert draft.deadline_override is None
    assert AuditEntry.objects.count() == audit_before


def test_a_decided_request_cannot_be_decided_again(draft: Assessment, unit_head: Any, admin_user: Any) -> None:
    other_admin = _user("an", "administrator", None)
    made = _ask(draft, unit_head, days=10)
    # two administrators opened the list; the first grants
    seen_by_second = ExtensionRequest.objects.get(pk=made.pk)
    extension_request_grant(extension_request=made, actor=admin_user)
    audit_after_grant = AuditEntry.objects.count()
    # the second's decision, on the request as they saw it, is refused and changes nothing
    with pytest.raises(StateConflict) as refusal:
        extension_request_refuse(extension_request=seen_by_second, actor=other_admin, reason="Không đủ lý do")
    assert refusal.value.code == "not_pending"
    assert "Đã chấp thuận" in str(refusal.value.message)
    with pytest.raises(StateConflict):
        extension_request_grant(extension_request=seen_by_second, actor=other_admin, deadline_date=_day(40))
    made.refresh_from_db()
    draft.refresh_from_db()
    assert (made.status, made.decided_by, made.decision_reason) == ("granted", admin_user, "")
    assert draft.deadline_override == _end_of(_day(10))
    assert AuditEntry.objects.count() == audit_after_grant


def test_refusing_needs_a_reason_the_unit_reads(draft: Assessment, unit_head: Any, admin_user: Any) -> None:
    made = _ask(draft, unit_head)
    with pytest.raises(ValidationFailed) as refused:
        extension_request_refuse(extension_request=made, actor=admin_user, reason="   ")
    assert refused.value.code == "reason_required"
    made.refresh_from_db()
    assert made.pending
    done = extension_request_refuse(extension_request=made, actor=admin_user, reason="Đã quá nhiều lần gia hạn")
    assert (done.status, done.decision_reason) == ("refused", "Đã quá nhiều lần gia hạn")
    draft.refresh_from_db()
    assert draft.deadline_override is None
    entry = AuditEntry.objects.get(action="extension_request.refuse")
    assert entry.reason == "Đã quá nhiều lần gia hạn"


# --- the unit's pages ----------------------------------------------------------------------------------------


def test_the_sheet_links_to_the_request_page_and_shows_the_requests_status(
    client: Client, draft: Assessment, unit_head: Any, unit_editor: Any, admin_user: Any
) -> None:
    sheet = reverse("scoring:assessment", args=[draft.pk])
    page = reverse("scoring:extension_request", args=[draft.pk])
    client.force_login(unit_editor)
    body = client.get(sheet).content.decode()
    assert f'href="{page}"' in body
    assert "data-extension=" not in body
    made = _ask(draft, unit_head, days=12)
    body = client.get(sheet).content.decode()
    assert 'data-extension="pending"' in body and _day(12).strftime("%d/%m/%Y") in body
    extension_request_refuse(extension_request=made, actor=admin_user, reason="Hồ sơ chưa đủ")
    body = client.get(sheet).content.decode()
    assert 'data-extension="refused"' in body and "Hồ sơ chưa đủ" in body
    again = _ask(draft, unit_head, days=14)
    extension_request_grant(extension_request=again, actor=admin_user, deadline_date=_day(13))
    body = client.get(sheet).content.decode()
    assert 'data-extension="granted"' in body and _day(13).strftime("%d/%m/%Y") in body


def test_the_head_asks_on_the_page_and_is_sent_back_to_the_sheet(
    client: Client, draft: Assessment, unit_head: Any
) -> None:
    client.force_login(unit_head)
    page = reverse("scoring:extension_request", args=[draft.pk])
    assert 'name="requested_date"' in client.get(page).content.decode()
    response = client.post(page, {"requested_date": _day(9).isoformat(), "reason": "Chờ số liệu quý IV"})
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:assessment", args=[draft.pk])
    made = ExtensionRequest.objects.get()
    assert (made.requested_deadline, made.reason) == (_end_of(_day(9)), "Chờ số liệu quý IV")
    body = client.get(page).content.decode()
    assert "Chờ số liệu quý IV" in body and 'name="requested_date"' not in body  # waiting: no second form


@pytest.mark.parametrize(
    ("posted", "shown"),
    [({"requested_date": "", "reason": "Chờ số liệu quý IV"}, "Hãy chọn ngày"),
     ({"requested_date": "hôm qua", "reason": "Chờ số liệu quý IV"}, "Chờ số liệu quý IV"),
     ({"requested_date": "DAY", "reason": ""}, "Hãy ghi lý do")],
)
def test_a_refused_request_keeps_what_was_typed(
    client: Client, draft: Assessment, unit_head: Any, posted: dict[str, str], shown: str
) -> None:
    client.force_login(unit_head)
    data = {k: (_day(9).isoformat() if v == "DAY" else v) for k, v in posted.items()}
    response = client.post(reverse("scoring:extension_request", args=[draft.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "data-extension-error" in body and shown in body
    if data["reason"]:
        assert data["reason"] in body
    assert not ExtensionRequest.objects.exists()


def test_only_the_units_head_asks_and_withdraws(
    client: Client, draft: Assessment, unit_head: Any, unit_editor: Any, admin_user: Any
) -> None:
    page = reverse("scoring:extension_request", args=[draft.pk])
    withdraw = reverse("scoring:extension_withdraw", args=[draft.pk])
    form = {"requested_date": _day(9).isoformat(), "reason": "Chờ số liệu"}
    # the editor sees the page, without the form, and may not ask
    client.force_login(unit_editor)
    assert client.get(page).status_code == 200
    assert 'name="requested_date"' not in client.get(page).content.decode()
    assert client.post(page, form).status_code == 403
    # the head of another unit does not even see this unit's page
    client.force_login(_user("binh", "unit_head", "so-tai-chinh"))
    assert client.get(page).status_code == 404
    assert client.post(page, form).status_code == 404
    # an administrator sees it but neither asks nor withdraws for the unit
    client.force_login(admin_user)
    assert client.get(page).status_code == 200
    assert client.post(page, form).status_code == 403
    assert not ExtensionRequest.objects.exists()
    made = _ask(draft, unit_head)
    assert client.post(withdraw, {"request": made.pk}).status_code == 403
    client.force_login(unit_editor)
    assert client.post(withdraw, {"request": made.pk}).status_code == 403
    made.refresh_from_db()
    assert made.pending
    client.force_login(unit_head)
    response = client.post(withdraw, {"request": made.pk})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == ExtensionRequest.Status.WITHDRAWN
    # withdrawn already: refused, nothing changes
    assert client.post(withdraw, {"request": made.pk}).status_code == 409


def test_the_request_form_needs_the_csrf_token(draft: Assessment, unit_head: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(unit_head)
    response = client.post(reverse("scoring:extension_request", args=[draft.pk]),
                           {"requested_date": _day(9).isoformat(), "reason": "Chờ số liệu"})
    assert response.status_code == 403
    assert not ExtensionRequest.objects.exists()


# --- the administrators' pages --------------------------------------------------------------------------------


def test_the_cycle_page_links_to_the_pending_requests_with_their_count(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    cycle_page = reverse("administration:cycle_detail", args=[draft.cycle_id])
    listing = reverse("administration:extension_requests", args=[draft.cycle_id])
    body = client.get(cycle_page).content.decode()
    assert f'href="{listing}"' in body and "data-extensions-pending" not in body
    _ask(draft, unit_head)
    body = client.get(cycle_page).content.decode()
    assert "<strong data-extensions-pending>1 đề nghị đang chờ quyết định</strong>" in body


def test_the_list_shows_each_pending_request_to_administrators_only(
    client: Client, draft: Assessment, unit_head: Any, unit_editor: Any, lead: Any, admin_user: Any
) -> None:
    unit_head.first_name = "Nguyễn Văn Hùng"
    unit_head.save()
    draft = _with_cycle_deadline(draft, _end_of(_day(2)))
    _ask(draft, unit_head, days=11, reason="Chờ kết quả kiểm tra")
    listing = reverse("administration:extension_requests", args=[draft.cycle_id])
    for user in (unit_head, unit_editor, lead):
        client.force_login(user)
        assert client.get(listing).status_code == 403
    client.force_login(admin_user)
    body = client.get(listing).content.decode()
    for shown in (Unit.objects.get(code="so-y-te").name, _day(2).strftime("%d/%m/%Y"),
                  _day(11).strftime("%d/%m/%Y"), "Chờ kết quả kiểm tra", "Nguyễn Văn Hùng"):
        assert shown in body


def test_an_administrator_grants_and_refuses_on_the_list(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    cycle_id = draft.cycle_id
    made = _ask(draft, unit_head, days=20)
    grant = reverse("administration:extension_grant", args=[cycle_id, draft.pk])
    refuse = reverse("administration:extension_refuse", args=[cycle_id, draft.pk])
    # a refusal without a reason: the list again, nothing changed
    response = client.post(refuse, {"request": made.pk, "reason": ""})
    assert response.status_code == 400
    made.refresh_from_db()
    assert made.pending
    # a grant for another date
    response = client.post(grant, {"request": made.pk, "deadline": _day(18).isoformat(), "note": "Đồng ý"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.deadline_override == _end_of(_day(18))
    # the same form posted again (another administrator, a second click): refused, nothing changed
    response = client.post(refuse, {"request": made.pk, "reason": "Không đồng ý"})
    assert response.status_code == 409
    made.refresh_from_db()
    assert (made.status, made.decision_reason) == ("granted", "Đồng ý")
    # a refusal with a reason
    second = _ask(draft, unit_head, days=25)
    response = client.post(refuse, {"request": second.pk, "reason": "Đã gia hạn một lần"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.decision_reason) == ("refused", "Đã gia hạn một lần")


def test_a_refused_grant_shows_the_list_with_the_date_as_typed(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head, days=20)
    client.force_login(admin_user)
    past = _day(-3).isoformat()
    response = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                           {"request": made.pk, "deadline": past, "note": "Ghi chú đã gõ"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'value="{past}"' in body and 'value="Ghi chú đã gõ"' in body
    made.refresh_from_db()
    assert made.pending


def test_a_request_is_decided_only_in_its_own_cycle_and_assessment(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    from scoring.services import assessments_open

    other = assessments_open(cycle=draft.cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    made = _ask(draft, unit_head)
    client.force_login(admin_user)
    response = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, other.pk]),
                           {"request": made.pk})
    assert response.status_code == 400
    made.refresh_from_db()
    assert made.pending


def test_a_request_refused_because_the_unit_submitted_meanwhile_shows_what_was_typed(
    client: Client, draft: Assessment, unit_head: Any
) -> None:
    Assessment.objects.filter(pk=draft.pk).update(state=Assessment.State.SUBMITTED)
    client.force_login(unit_head)
    response = client.post(reverse("scoring:extension_request", args=[draft.pk]),
                           {"requested_date": _day(9).isoformat(), "reason": "Chờ số liệu quý IV"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "data-typed" in body and "Chờ số liệu quý IV" in body
    assert not ExtensionRequest.objects.exists()


def test_the_audit_pages_name_the_requests_actions_and_statuses(draft: Assessment, unit_head: Any) -> None:
    from scoring.administration.audit_labels import ACTION_LABELS, OBJECT_TYPE_LABELS, change_rows

    _ask(draft, unit_head)
    entry = AuditEntry.objects.get(action="extension_request.create")
    assert str(ACTION_LABELS[entry.action]) == "Đề nghị gia hạn tự đánh giá"
    assert str(OBJECT_TYPE_LABELS[entry.object_type]) == "Đề nghị gia hạn"
    rows = {name: (label, new) for name, label, _old, new in change_rows(entry.changes)}
    assert rows["extension_status"] == ("Trạng thái đề nghị gia hạn", "Đang chờ quyết định")
    assert rows["requested_deadline"][0] == "Hạn đề nghị"
