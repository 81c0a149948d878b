"""Extension requests through the API: the unit's head asks and withdraws, its people read; administrators list a
cycle's waiting requests and grant or refuse them, through the same services (errors `{code, message, fields}`,
409 for state conflicts); the assessment carries the deadline that applies to it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest
from tests.api.conftest import as_user
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    Cycle.objects.filter(pk=assessment.cycle_id).update(year=timezone.localdate().year)
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


def _requests_url(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.pk}/extension-requests/"


def _cycle_url(assessment: Assessment, tail: str = "") -> str:
    return f"/api/v1/cycles/{assessment.cycle.year}/extension-requests/{tail}"


def _ask(api: APIClient, head: Any, assessment: Assessment, days: int = 20) -> Any:
    return as_user(api, head).post(_requests_url(assessment), {"requested_date": _day(days).isoformat(),
                                                               "reason": "Chờ số liệu quý IV"}, format="json")


def test_the_head_asks_reads_and_withdraws(api: APIClient, draft: Assessment, unit_head: Any,
                                           unit_editor: Any) -> None:
    response = _ask(api, unit_head, draft)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["status"] == "pending" and made["reason"] == "Chờ số liệu quý IV"
    assert dt.datetime.fromisoformat(made["requested_deadline"]) == _end_of(_day(20))
    # a second one while the first waits: 409
    again = _ask(api, unit_head, draft, days=25)
    assert again.status_code == 409 and again.json()["code"] == "already_pending"
    # the editor reads, may not ask nor withdraw
    as_user(api, unit_editor)
    listed = api.get(_requests_url(draft))
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [made["id"]]
    assert api.post(_requests_url(draft), {"requested_date": _day(9).isoformat(), "reason": "x"},
                    format="json").status_code == 403
    withdraw = f"{_requests_url(draft)}{made['id']}/withdraw/"
    assert api.post(withdraw, {}, format="json").status_code == 403
    # the head withdraws; twice is a 409
    as_user(api, unit_head)
    done = api.post(withdraw, {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    twice = api.post(withdraw, {}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "not_pending"


def test_another_units_people_do_not_see_the_requests(api: APIClient, draft: Assessment, unit_head: Any) -> None:
    _ask(api, unit_head, draft)
    as_user(api, _user("binh", "unit_head", "so-tai-chinh"))
    assert api.get(_requests_url(draft)).status_code == 404
    assert _ask(api, _user("an", "unit_head", "so-tai-chinh"), draft).status_code == 404
    assert ExtensionRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [({"requested_date": "DAY", "reason": "Chờ\x00 số liệu"}, "hidden_characters", "reason"),
     ({"requested_date": "DAY", "reason": "   "}, "reason_required", "reason"),
     ({"requested_date": "hôm qua", "reason": "Chờ số liệu"}, "invalid", "requested_date"),
     ({"requested_date": "2031-02-30", "reason": "Chờ số liệu"}, "invalid", "requested_date"),
     ({"requested_date": None, "reason": "Chờ số liệu"}, "date_required", "requested_date"),
     ({"requested_date": "PAST", "reason": "Chờ số liệu"}, "date_in_past", "requested_date")],
)
def test_a_refused_request_names_its_field_and_changes_nothing(
    api: APIClient, draft: Assessment, unit_head: Any, body: dict[str, Any], code: str, field: str
) -> None:
    data = {k: (_day(9).isoformat() if v == "DAY" else _day(-2).isoformat() if v == "PAST" else v)
            for k, v in body.items()}
    response = as_user(api, unit_head).post(_requests_url(draft), data, format="json")
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == code and field in error["fields"]
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize(("day", "said"), [("2031-02-30", "Ngày «2031-02-30» không có trên lịch."),
                                           ("30/02/2031", "Ngày phải có dạng yyyy-mm-dd.")])
def test_a_day_the_calendar_lacks_is_named_apart_from_a_wrong_format(
    api: APIClient, draft: Assessment, unit_head: Any, day: str, said: str
) -> None:
    response = as_user(api, unit_head).post(_requests_url(draft), {"requested_date": day, "reason": "Chờ số liệu"},
                                            format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["requested_date"] == [said]
    assert not ExtensionRequest.objects.exists()


def test_an_administrator_lists_grants_and_refuses(
    api: APIClient, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(api, unit_head, draft, days=20).json()
    as_user(api, admin_user)
    pending = api.get(_cycle_url(draft))
    assert pending.status_code == 200
    [row] = pending.json()
    assert (row["id"], row["unit"], row["covered"], row["grantable"]) == (made["id"], "so-y-te", False, True)
    # a date not after the deadline the unit has: 400 on `deadline`, nothing changed
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=_end_of(_day(30)))
    assert api.get(_cycle_url(draft)).json()[0]["covered"] is True
    refused = api.post(_cycle_url(draft, f"{made['id']}/grant/"), {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "extension_not_later" and "deadline" in refused.json()["fields"]
    assert ExtensionRequest.objects.get(pk=made["id"]).pending
    granted = api.post(_cycle_url(draft, f"{made['id']}/grant/"), {"deadline": _day(35).isoformat(),
                                                                  "note": "Đồng ý"}, format="json")
    assert granted.status_code == 200, granted.content
    assert granted.json()["status"] == "granted"
    assert Assessment.objects.get(pk=draft.pk).deadline_override == _end_of(_day(35))
    assert AuditEntry.objects.filter(action="extension_request.grant").count() == 1
    # decided: a refusal, even without a reason, is a 409
    late = api.post(_cycle_url(draft, f"{made['id']}/refuse/"), {"reason": ""}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "not_pending"
    second = _ask(api, unit_head, draft, days=40).json()
    as_user(api, admin_user)
    no_reason = api.post(_cycle_url(draft, f"{second['id']}/refuse/"), {"reason": " "}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    done = api.post(_cycle_url(draft, f"{second['id']}/refuse/"), {"reason": "Đã gia hạn một lần"}, format="json")
    assert done.status_code == 200 and done.json()["decision_reason"] == "Đã gia hạn một lần"


def test_a_request_of_a_submitted_assessment_is_a_409_on_grant(
    api: APIClient, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(api, unit_head, draft).json()
    Assessment.objects.filter(pk=draft.pk).update(state=Assessment.State.SUBMITTED)
    as_user(api, admin_user)
    assert api.get(_cycle_url(draft)).json()[0]["grantable"] is False
    response = api.post(_cycle_url(draft, f"{made['id']}/grant/"), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_draft"
    assert Assessment.objects.get(pk=draft.pk).deadline_override is None


def test_only_administrators_decide_and_only_in_the_requests_cycle(
    api: APIClient, draft: Assessment, unit_head: Any, admin_user: Any
) -> None:
    made = _ask(api, unit_head, draft).json()
    for user in (unit_head, _user("lan", "appraisal_lead", None)):
        as_user(api, user)
        assert api.get(_cycle_url(draft)).status_code == 403
        assert api.post(_cycle_url(draft, f"{made['id']}/grant/"), {}, format="json").status_code == 403
    as_user(api, admin_user)
    other_year = Cycle.objects.create(year=draft.cycle.year + 1, name="Kỳ sau")
    response = api.post(f"/api/v1/cycles/{other_year.year}/extension-requests/{made['id']}/grant/", {},
                        format="json")
    assert response.status_code == 404
    assert ExtensionRequest.objects.get(pk=made["id"]).pending


def test_the_assessment_carries_the_deadline_that_applies(
    api: APIClient, draft: Assessment, unit_editor: Any
) -> None:
    cycle_deadline = _end_of(_day(10))
    Cycle.objects.filter(pk=draft.cycle_id).update(self_assessment_deadline=cycle_deadline)
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=_end_of(_day(5)))
    as_user(api, unit_editor)
    body = api.get(f"/api/v1/assessments/{draft.pk}/").json()
    assert dt.datetime.fromisoformat(body["effective_deadline"]) == cycle_deadline
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=_end_of(_day(15)))
    listed = api.get("/api/v1/assessments/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert dt.datetime.fromisoformat(rows[0]["effective_deadline"]) == _end_of(_day(15))


def test_the_schema_documents_the_endpoints(api: APIClient) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    paths = schema["paths"]
    unit = paths["/api/v1/assessments/{assessment_id}/extension-requests/"]
    assert {"get", "post"} <= set(unit) and "409" in unit["post"]["responses"]
    for action in ("grant", "refuse"):
        operation = paths[f"/api/v1/cycles/{{year}}/extension-requests/{{request_id}}/{action}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    assert "/api/v1/cycles/{year}/extension-requests/" in paths
    assert "effective_deadline" in schema["components"]["schemas"]["Assessment"]["properties"]
