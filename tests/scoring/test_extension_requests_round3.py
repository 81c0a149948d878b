"""Extension requests, third round: a grant the cycle's page removed or changed is no longer claimed; removing a
unit's own deadline is its own audited action, with its own words; the cycle's page shows a waiting request on the
unit's row; the API keeps a refusal's own reason; a date past the allowed years is the request's (or the grant's)
field; a request closed by the submission says so; no grant while the cycle takes no self-scores."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.test import APIClient

from cchc.api import STATUS_MESSAGES, exception_handler
from scoring.administration.audit_labels import ACTION_LABELS, action_codes_matching
from scoring.administration.services.cycles import assessment_extend_deadline
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest, Unit
from scoring.services import assessments_open, score_line_save_self
from scoring.services.extension_requests import (
    extension_request_create,
    extension_request_grant,
)
from scoring.services.submission import assessment_submit
from tests.conftest import SMALL_SET_VALUES
from tests.scoring.test_extension_requests_round2 import _day, _end_of, _fresh

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft of a cycle of this year (the deadlines a cycle may take are counted from its year)."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(year=timezone.localdate().year)
    return _fresh(assessment)


@pytest.fixture
def overdue(draft: Assessment) -> Assessment:
    """A draft whose cycle's self-assessment deadline passed yesterday."""
    Cycle.objects.filter(pk=draft.cycle_id).update(self_assessment_deadline=timezone.now() - dt.timedelta(days=1))
    return _fresh(draft)


def _ask(assessment: Assessment, actor: Any, days: int = 20) -> ExtensionRequest:
    return extension_request_create(assessment=assessment, actor=actor, requested_date=_day(days),
                                    reason="Chờ số liệu quý IV")


def _complete(assessment: Assessment, actor: Any) -> None:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")


# --- 1. a grant no longer applying is not claimed ---------------------------------------------------------


def test_the_sheet_does_not_claim_a_grant_whose_own_deadline_was_removed(
    client: Client, overdue: Assessment, unit_head: Any, admin_user: Any
) -> None:
    # given: the unit's request granted to the 20th day
    made = _ask(overdue, unit_head)
    extension_request_grant(extension_request=made, actor=admin_user)
    sheet = reverse("scoring:assessment", args=[overdue.pk])
    page = reverse("scoring:extension_request", args=[overdue.pk])
    client.force_login(unit_head)
    granted = _text(client.get(sheet).content.decode())
    assert "đã chấp thuận gia hạn tự đánh giá đến ngày" in granted
    assert "data-grant-superseded" not in client.get(page).content.decode()
    # when: the cycle's page removes the unit's own deadline
    assessment_extend_deadline(assessment=_fresh(overdue), deadline=None, actor=admin_user, reason="Nhập nhầm",
                               confirmed=True)
    # then: the sheet says the deadline was removed, with the one that applies now, and claims no grant
    body = client.get(sheet).content.decode()
    text = _text(body)
    assert "đã chấp thuận gia hạn tự đánh giá đến ngày" not in text
    assert 'data-extension="granted-superseded"' in body
    assert "Sở Nội vụ đã bỏ hạn riêng của đơn vị" in text
    cycle_deadline = timezone.localtime(_fresh(overdue).cycle.self_assessment_deadline)
    assert f"Hạn tự đánh giá đang áp dụng: {cycle_deadline:%d/%m/%Y}" in text
    # the request page says so on the granted request
    assert "Hạn riêng này sau đó đã được Sở Nội vụ bỏ." in _text(client.get(page).content.decode())


def test_the_sheet_says_the_own_deadline_was_changed_after_a_grant(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    extension_request_grant(extension_request=made, actor=admin_user)
    assessment_extend_deadline(assessment=_fresh(draft), deadline=_end_of(_day(40)), actor=admin_user,
                               reason="Gia hạn thêm")
    client.force_login(unit_head)
    text = _text(client.get(reverse("scoring:assessment", args=[draft.pk])).content.decode())
    assert "đã chấp thuận gia hạn tự đánh giá đến ngày" not in text
    assert "Sở Nội vụ đã thay đổi hạn riêng của đơn vị" in text
    assert f"Hạn tự đánh giá đang áp dụng: {_day(40):%d/%m/%Y}" in text


# --- 2. the removal's own audit action ----------------------------------------------------------------------


def test_removing_an_own_deadline_is_audited_as_its_own_action(draft: Assessment, admin_user: Any) -> None:
    own = _end_of(_day(30))
    assessment_extend_deadline(assessment=draft, deadline=own, actor=admin_user, reason="Mất điện")
    assessment_extend_deadline(assessment=_fresh(draft), deadline=None, actor=admin_user, reason="Nhập nhầm")
    removal = AuditEntry.objects.get(action="assessment.remove_deadline")
    assert removal.reason == "Nhập nhầm" and removal.changes["deadline_override"]["new"] is None
    assert AuditEntry.objects.filter(action="assessment.extend_deadline").count() == 1
    assert str(ACTION_LABELS["assessment.remove_deadline"]) == "Bỏ hạn riêng"
    assert action_codes_matching("bỏ hạn riêng") == ["assessment.remove_deadline"]


# --- 3. the removal's reason ---------------------------------------------------------------------------------


def test_removing_without_a_reason_asks_for_the_removals_reason_once(
    client: Client, draft: Assessment, admin_user: Any
) -> None:
    own = _end_of(_day(30))
    assessment_extend_deadline(assessment=draft, deadline=own, actor=admin_user, reason="Mất điện")
    client.force_login(admin_user)
    url = reverse("administration:assessment_extend", args=[draft.cycle_id, draft.pk])
    response = client.post(url, {"action": "remove", "deadline": "", "reason": ""})
    assert response.status_code == 400
    text = _text(response.content.decode())
    assert text.count("Hãy ghi lý do bỏ hạn riêng.") == 1
    assert "Lý do gia hạn:" not in text  # the reason field's own refusal (its label names each row's unit)
    assert _fresh(draft).deadline_override == own
    with pytest.raises(ValidationFailed, match="bỏ hạn riêng"):
        assessment_extend_deadline(assessment=_fresh(draft), deadline=None, actor=admin_user, reason="  ")


# --- 4. the cycle's page shows a waiting request ---------------------------------------------------------


def test_the_cycle_page_shows_a_waiting_request_on_the_units_row_and_no_close_button(
    client: Client, overdue: Assessment, unit_head: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = reverse("administration:cycle_detail", args=[overdue.cycle_id])
    assert "close-unsubmitted" in client.get(page).content.decode()
    made = _ask(overdue, unit_head)
    body = client.get(page).content.decode()
    row = body[body.index(f'id="participant-{overdue.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Đề nghị gia hạn đang chờ" in row
    link = reverse("administration:extension_requests", args=[overdue.cycle_id])
    assert f'href="{link}#request-{made.pk}"' in row
    assert "close-unsubmitted" not in row


def test_the_cycle_pages_queries_do_not_grow_with_the_waiting_requests(
    client: Client, overdue: Assessment, unit_head: Any, admin_user: Any
) -> None:
    _ask(overdue, unit_head)
    client.force_login(admin_user)
    page = reverse("administration:cycle_detail", args=[overdue.cycle_id])
    client.get(page)
    with CaptureQueriesContext(connection) as one:
        assert client.get(page).status_code == 200
    # a second participant, with its waiting request: the same queries
    for other in assessments_open(cycle=overdue.cycle, units=list(Unit.objects.filter(code="so-tai-chinh")),
                                  actor=None):
        _ask(_fresh(other), admin_user)
    with CaptureQueriesContext(connection) as two:
        body = client.get(page).content.decode()
    assert body.count("data-extension-pending") == 2
    assert len(two.captured_queries) == len(one.captured_queries)


# --- 5. the API keeps a refusal's own reason ---------------------------------------------------------------


def test_the_api_says_why_a_unit_editor_may_not_ask(draft: Assessment, unit_editor: Any) -> None:
    api = APIClient()
    api.force_login(unit_editor)
    response = api.post(f"/api/v1/assessments/{draft.pk}/extension-requests/",
                        {"requested_date": _day(20).isoformat(), "reason": "Chờ số liệu"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"] == "Chỉ thủ trưởng đơn vị được đề nghị gia hạn."


def test_a_refusal_without_its_own_message_stays_generic() -> None:
    generic = str(STATUS_MESSAGES["permission_denied"])
    for refusal in (exceptions.PermissionDenied(), DjangoPermissionDenied(),
                    exceptions.PermissionDenied(exceptions.PermissionDenied.default_detail)):
        assert exception_handler(refusal, {}).data["message"] == generic
    own = exception_handler(DjangoPermissionDenied("Chỉ Tổ thẩm định được xem."), {})
    assert (own.status_code, own.data["message"]) == (403, "Chỉ Tổ thẩm định được xem.")


# --- 6. a date past the allowed years -------------------------------------------------------------------------


def test_a_requested_date_past_the_allowed_years_is_the_requests_field(
    client: Client, draft: Assessment, unit_head: Any
) -> None:
    last = draft.cycle.year + 10
    with pytest.raises(ValidationFailed) as refused:
        extension_request_create(assessment=draft, actor=unit_head, requested_date=dt.date(2099, 1, 1),
                                 reason="Chờ số liệu")
    assert refused.value.code == "deadline_too_late"
    assert refused.value.details == {"field": "requested_date"}
    assert str(refused.value.message) == f"Ngày đề nghị không được sau ngày 31/12/{last}."
    client.force_login(unit_head)
    response = client.post(reverse("scoring:extension_request", args=[draft.pk]),
                           {"requested_date": "2099-01-01", "reason": "Chờ số liệu"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"Ngày đề nghị không được sau ngày 31/12/{last}." in body
    field = re.search(r'<input type="date" id="id_requested_date"[^>]*>', body)
    assert field is not None and 'aria-invalid="true"' in field.group(0)
    assert not ExtensionRequest.objects.exists()


def test_a_granted_date_past_the_allowed_years_is_the_grants_field(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    with pytest.raises(ValidationFailed) as refused:
        extension_request_grant(extension_request=made, actor=admin_user, deadline_date=dt.date(2099, 1, 1))
    assert refused.value.code == "deadline_too_late"
    assert refused.value.details == {"field": "deadline"}
    client.force_login(admin_user)
    response = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                           {"request": made.pk, "deadline": "2099-01-01", "note": ""})
    assert response.status_code == 400
    field = re.search(rf'<input type="date" id="g-d-{made.pk}"[^>]*>', response.content.decode())
    assert field is not None and 'aria-invalid="true"' in field.group(0)
    made.refresh_from_db()
    assert made.pending and _fresh(draft).deadline_override is None


# --- 7. a request closed by the submission ------------------------------------------------------------------


def test_a_request_closed_by_the_submission_says_so(
    client: Client, draft: Assessment, unit_editor: Any, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    _complete(draft, unit_editor)
    assessment_submit(assessment=_fresh(draft), actor=unit_head)
    made.refresh_from_db()
    assert made.status == ExtensionRequest.Status.WITHDRAWN
    closing = "Đề nghị gia hạn được đóng tự động vì thủ trưởng đơn vị đã gửi bản tự đánh giá."
    assert made.decision_reason == closing
    # the API
    api = APIClient()
    api.force_login(unit_head)
    listed = api.get(f"/api/v1/assessments/{draft.pk}/extension-requests/").json()
    assert [(r["status"], r["decision_reason"]) for r in listed] == [("withdrawn", closing)]
    # the administrators' list
    client.force_login(admin_user)
    text = _text(client.get(reverse("administration:extension_requests", args=[draft.cycle_id])).content.decode())
    assert "Đóng tự động" in text and closing in text
    assert "Đơn vị đã rút đề nghị" not in text
    # the unit's page
    client.force_login(unit_head)
    text = _text(client.get(reverse("scoring:extension_request", args=[draft.pk])).content.decode())
    assert closing in text and "Đơn vị đã rút đề nghị" not in text


# --- 8. no grant while the cycle takes no self-scores ------------------------------------------------------


def test_no_grant_while_the_cycle_is_back_in_setup(
    client: Client, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(draft, unit_head)
    Cycle.objects.filter(pk=draft.cycle_id).update(phase=Cycle.Phase.SETUP)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(StateConflict) as refused:
        extension_request_grant(extension_request=made, actor=admin_user)
    assert refused.value.code == "cycle_closed"
    made.refresh_from_db()
    assert made.pending and _fresh(draft).deadline_override is None
    assert AuditEntry.objects.count() == audit_before
    # the list offers no grant, and says why
    client.force_login(admin_user)
    body = client.get(reverse("administration:extension_requests", args=[draft.cycle_id])).content.decode()
    assert "extension-grant" not in body and "data-not-grantable" in body
    assert "Chuẩn bị" in _text(body)
    # the API says it is not grantable
    api = APIClient()
    api.force_login(admin_user)
    listed = api.get(f"/api/v1/cycles/{draft.cycle.year}/extension-requests/").json()
    assert [r["grantable"] for r in listed] == [False]
    granted = api.post(f"/api/v1/cycles/{draft.cycle.year}/extension-requests/{made.pk}/grant/", {}, format="json")
    assert granted.status_code == 409 and granted.json()["code"] == "cycle_closed"
