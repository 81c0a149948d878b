"""The lead's decisions on an open explanation round through the API, as on the review page: withdraw it
(`withdraw-explanation/`) and move its deadline (`change-explanation-deadline/`). Each with its allowed and
denied roles; a refused request changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml
from django.utils import timezone

from appraisal.forms import deadline_from_post
from appraisal.models import ExplanationRound, Notification
from appraisal.services import explanation_request
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db

WITHDRAW = "withdraw-explanation/"
DEADLINE = "change-explanation-deadline/"
ASSESSMENT_KEYS = {
    "id", "cycle", "unit", "indicator_set", "state", "version", "deadline_override", "effective_deadline",
    "appraisal_round", "explanation_deadline", "submitted_at", "last_submitted_at", "signed_off_at",
    "last_signed_off_at", "handed_over", "read_as_successor",
}


def _url(assessment: Any, tail: str) -> str:
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


def _day(days: int) -> Any:
    return (timezone.localtime() + timedelta(days=days)).date()


@pytest.fixture
def explaining(submitted: Any, lead: Any) -> Any:
    """Sở Y tế's assessment returned for an explanation of two leaves, deadline in 10 days."""
    ids = [line_of(submitted, code).pk for code in ("1.1.1", "2.1.1")]
    explanation_request(assessment=submitted, actor=lead, deadline=later(10), line_ids=ids,
                        message="Bổ sung tài liệu kiểm chứng.")
    return refresh(submitted)


def _unchanged(assessment: Any) -> None:
    """The round is still open, as requested: same state, round, deadline, flags; nothing audited or sent."""
    fresh = refresh(assessment)
    assert fresh.state == Assessment.State.EXPLANATION
    assert fresh.appraisal_round == assessment.appraisal_round
    assert fresh.explanation_deadline == assessment.explanation_deadline
    explanation_round = ExplanationRound.objects.get(assessment=assessment, round=assessment.appraisal_round)
    assert explanation_round.deadline == assessment.explanation_deadline
    assert explanation_round.closed_at is None
    flagged = set(fresh.lines.filter(explanation_requested=True).values_list("indicator__code", flat=True))
    assert flagged == {"1.1.1", "2.1.1"}
    assert not AuditEntry.objects.filter(
        action__in=["assessment.explanation_withdraw", "assessment.explanation_deadline"]
    ).exists()
    assert not Notification.objects.exclude(kind=Notification.Kind.EXPLANATION_REQUESTED).exists()


# --- withdraw --------------------------------------------------------------------------------------------------


def test_the_lead_withdraws_the_open_round_through_the_api(api: Any, explaining: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.post(_url(explaining, WITHDRAW), {"reason": "Yêu cầu nhầm."}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == ASSESSMENT_KEYS
    assert body["id"] == explaining.pk
    assert body["state"] == "in_appraisal" and body["appraisal_round"] == 2
    assessment = refresh(explaining)
    assert assessment.state == Assessment.State.IN_APPRAISAL and assessment.appraisal_round == 2
    withdrawn = ExplanationRound.objects.get(assessment=explaining, round=1)
    assert withdrawn.closed_by == lead and withdrawn.closed_at < withdrawn.deadline
    entry = AuditEntry.objects.get(action="assessment.explanation_withdraw", assessment=explaining)
    assert entry.reason == "Yêu cầu nhầm." and entry.actor == lead
    # the unexplained leaves are unflagged, as on the page
    assert not assessment.lines.filter(explanation_requested=True).exists()


@pytest.mark.parametrize("who", ["appraiser", "unit_head", "unit_editor", "admin_user"])
def test_only_the_lead_may_withdraw_a_round(api: Any, explaining: Any, who: str, request: Any) -> None:
    api.force_login(request.getfixturevalue(who))
    response = api.post(_url(explaining, WITHDRAW), {"reason": "Yêu cầu nhầm."}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    _unchanged(explaining)


def test_an_anonymous_withdrawal_is_a_401(api: Any, explaining: Any) -> None:
    response = api.post(_url(explaining, WITHDRAW), {"reason": "Yêu cầu nhầm."}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    _unchanged(explaining)


def test_a_withdrawal_without_a_reason_is_a_field_error_and_changes_nothing(
    api: Any, explaining: Any, lead: Any
) -> None:
    api.force_login(lead)
    missing = api.post(_url(explaining, WITHDRAW), {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "invalid" and list(missing.json()["fields"]) == ["reason"]
    blank = api.post(_url(explaining, WITHDRAW), {"reason": "   "}, format="json")
    assert blank.status_code == 400
    assert blank.json() == {
        "code": "reason_required", "message": "Hãy nêu lý do rút lại yêu cầu giải trình.",
        "fields": {"reason": ["Hãy nêu lý do rút lại yêu cầu giải trình."]},
    }
    too_long = api.post(_url(explaining, WITHDRAW), {"reason": "x" * 5001}, format="json")
    assert too_long.status_code == 400 and list(too_long.json()["fields"]) == ["reason"]
    unknown = api.post(_url(explaining, WITHDRAW), {"reason": "Nhầm.", "deadline": "2030-01-01"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()["fields"]) == ["deadline"]
    _unchanged(explaining)


def test_withdrawing_when_no_round_is_open_is_a_409_naming_the_state(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.post(_url(submitted, WITHDRAW), {"reason": "Yêu cầu nhầm."}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_explaining"
    assert "không có vòng giải trình nào đang mở" in response.json()["message"]
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not AuditEntry.objects.filter(action="assessment.explanation_withdraw").exists()


def test_a_second_withdrawal_is_refused_and_records_nothing(api: Any, explaining: Any, lead: Any) -> None:
    api.force_login(lead)
    assert api.post(_url(explaining, WITHDRAW), {"reason": "Yêu cầu nhầm."}, format="json").status_code == 200
    again = api.post(_url(explaining, WITHDRAW), {"reason": "Yêu cầu nhầm."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_explaining"
    assert "Đang thẩm định" in again.json()["message"]
    assert refresh(explaining).appraisal_round == 2
    assert AuditEntry.objects.filter(action="assessment.explanation_withdraw").count() == 1


def test_an_overdue_round_is_closed_not_withdrawn(api: Any, explaining: Any, lead: Any) -> None:
    past = timezone.now() - timedelta(hours=1)
    Assessment.objects.filter(pk=explaining.pk).update(explanation_deadline=past)
    api.force_login(lead)
    response = api.post(_url(explaining, WITHDRAW), {"reason": "Yêu cầu nhầm."}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert "kết thúc vòng giải trình" in response.json()["message"]
    assert refresh(explaining).state == Assessment.State.EXPLANATION


# --- change the deadline ---------------------------------------------------------------------------------------


def test_the_lead_moves_the_deadline_through_the_api_and_the_unit_is_told(
    api: Any, explaining: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    api.force_login(lead)
    response = api.post(_url(explaining, DEADLINE), {"deadline": _day(3).isoformat(), "reason": "Cần kết quả sớm."},
                        format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == ASSESSMENT_KEYS
    new = deadline_from_post(_day(3).isoformat())
    assert body["state"] == "explanation" and body["appraisal_round"] == 1
    assert body["explanation_deadline"] == timezone.localtime(new).isoformat()
    assert refresh(explaining).explanation_deadline == new
    assert ExplanationRound.objects.get(assessment=explaining).deadline == new
    entry = AuditEntry.objects.get(action="assessment.explanation_deadline", assessment=explaining)
    assert entry.reason == "Cần kết quả sớm." and entry.actor == lead
    sent = Notification.objects.filter(kind=Notification.Kind.EXPLANATION_REMINDER, assessment=explaining)
    assert {n.recipient for n in sent} == {unit_editor, unit_head}


def test_the_deadline_may_be_typed_as_the_page_takes_it(api: Any, explaining: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.post(_url(explaining, DEADLINE),
                        {"deadline": _day(4).strftime("%d/%m/%Y"), "reason": "Gia hạn cho đơn vị."}, format="json")
    assert response.status_code == 200, response.json()
    assert timezone.localtime(refresh(explaining).explanation_deadline).date() == _day(4)


@pytest.mark.parametrize("who", ["appraiser", "unit_head", "unit_editor", "admin_user"])
def test_only_the_lead_may_move_the_deadline(api: Any, explaining: Any, who: str, request: Any) -> None:
    api.force_login(request.getfixturevalue(who))
    response = api.post(_url(explaining, DEADLINE), {"deadline": _day(3).isoformat(), "reason": "Lý do."},
                        format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    _unchanged(explaining)


def test_an_anonymous_deadline_change_is_a_401(api: Any, explaining: Any) -> None:
    response = api.post(_url(explaining, DEADLINE), {"deadline": _day(3).isoformat(), "reason": "Lý do."},
                        format="json")
    assert response.status_code == 401
    _unchanged(explaining)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"deadline": "DAY-1", "reason": "Cần kết quả sớm."}, "deadline_in_past", "deadline"),
        ({"deadline": "DAY3", "reason": "  "}, "reason_required", "reason"),
        ({"deadline": "DAY3"}, "invalid", "reason"),
        ({"reason": "Cần kết quả sớm."}, "invalid", "deadline"),
        ({"deadline": "", "reason": "Cần kết quả sớm."}, "invalid", "deadline"),
        ({"deadline": "mai", "reason": "Cần kết quả sớm."}, "bad_deadline", "deadline"),
        ({"deadline": "DAY3000", "reason": "Cần kết quả sớm."}, "deadline_too_late", "deadline"),
        ({"deadline": "DAY3", "reason": "Lý do.", "message": "x"}, "invalid", "message"),
    ],
)
def test_a_bad_deadline_change_is_a_400_on_its_field_and_changes_nothing(
    api: Any, explaining: Any, lead: Any, body: dict[str, str], code: str, field: str
) -> None:
    if str(body.get("deadline", "")).startswith("DAY"):
        body = {**body, "deadline": _day(int(body["deadline"][3:])).isoformat()}
    api.force_login(lead)
    response = api.post(_url(explaining, DEADLINE), body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert list(response.json()["fields"]) == [field]
    _unchanged(explaining)


def test_a_past_deadline_is_refused_in_vietnamese(api: Any, explaining: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.post(_url(explaining, DEADLINE), {"deadline": _day(-1).isoformat(), "reason": "Lý do."},
                        format="json")
    assert response.json()["message"] == "Hạn giải trình phải sau thời điểm hiện tại."
    assert response.json()["fields"] == {"deadline": ["Hạn giải trình phải sau thời điểm hiện tại."]}


def test_moving_the_deadline_without_an_open_round_is_a_409(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.post(_url(submitted, DEADLINE), {"deadline": _day(3).isoformat(), "reason": "Lý do."},
                        format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_explaining"
    assert refresh(submitted).explanation_deadline is None
    assert not AuditEntry.objects.filter(action="assessment.explanation_deadline").exists()
    assert not Notification.objects.exists()


def test_the_same_deadline_again_is_refused(api: Any, explaining: Any, lead: Any) -> None:
    api.force_login(lead)
    body = {"deadline": _day(3).isoformat(), "reason": "Lý do."}
    assert api.post(_url(explaining, DEADLINE), body, format="json").status_code == 200
    again = api.post(_url(explaining, DEADLINE), body, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "deadline_unchanged" and list(again.json()["fields"]) == ["deadline"]
    assert AuditEntry.objects.filter(action="assessment.explanation_deadline").count() == 1


def test_an_overdue_round_may_be_given_more_time(api: Any, explaining: Any, lead: Any) -> None:
    Assessment.objects.filter(pk=explaining.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    api.force_login(lead)
    response = api.post(_url(explaining, DEADLINE), {"deadline": _day(3).isoformat(), "reason": "Gia hạn."},
                        format="json")
    assert response.status_code == 200, response.json()
    assert refresh(explaining).explanation_deadline > timezone.now()


# --- schema ----------------------------------------------------------------------------------------------------


def test_the_schema_documents_both_round_actions(api: Any) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    for tail, required in ((WITHDRAW, {"reason"}), (DEADLINE, {"deadline", "reason"})):
        operation = schema["paths"][f"/api/v1/assessments/{{assessment_id}}/{tail}"]["post"]
        assert set(operation) >= {"requestBody", "responses", "description"}
        assert operation["tags"] == ["appraisal"]
        assert set(operation["responses"]) >= {"200", "400", "401", "403", "404", "409"}
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Assessment"
        }
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert set(component["required"]) == required
