"""A unit that never submitted, its overdue draft handed over to the appraisal team by an administrator, does not
read in the API as a unit that submitted late: its assessment carries `handed_over` (when, by whom, why), as the
review page's «Đơn vị không gửi» and the published `not_submitted` say, read for a whole list at once. The hand-over
itself is an API action beside the cycle's endpoints (`/api/v1/cycles/<year>/hand-over-overdue/`), calling the
publish page's service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.models import Assessment, AuditEntry, Cycle, Unit
from scoring.publication.services import cycle_overdue_drafts_hand_over
from scoring.services import assessments_open
from tests.api.conftest import as_user

pytestmark = pytest.mark.django_db

OVERDUE = ("so-tai-chinh", "so-noi-vu")


def _overdue_drafts(cycle: Cycle, codes: tuple[str, ...] = OVERDUE) -> list[Assessment]:
    opened = assessments_open(cycle=cycle, units=list(Unit.objects.filter(code__in=codes)), actor=None)
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=1))
    return opened


def test_a_handed_over_assessment_says_so_and_a_submitted_one_does_not(
    submitted: Assessment, cycle: Cycle, admin_user: Any
) -> None:
    # given: Sở Y tế submitted by its head; two drafts past the deadline handed over by the administrator
    drafts = _overdue_drafts(cycle)
    cycle_overdue_drafts_hand_over(cycle=cycle, actor=admin_user, reason="Quá hạn tự đánh giá", expected=2)
    api = as_user(APIClient(), admin_user)

    # when
    handed = api.get(f"/api/v1/assessments/{drafts[0].pk}/").json()
    own = api.get(f"/api/v1/assessments/{submitted.pk}/").json()

    # then: the hand-over named, with who and why; the unit's own submission has none
    assert handed["state"] == "submitted"
    assert handed["handed_over"] == {
        "at": handed["submitted_at"], "by_username": admin_user.username, "by_name": admin_user.username,
        "reason": "Quá hạn tự đánh giá",
    }
    assert own["submitted_at"] is not None and own["handed_over"] is None


def test_a_list_reads_the_hand_overs_in_one_query_whatever_its_length(
    submitted: Assessment, cycle: Cycle, admin_user: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _overdue_drafts(cycle, ("so-tai-chinh",))
    cycle_overdue_drafts_hand_over(cycle=cycle, actor=admin_user, reason="Quá hạn", expected=1)
    api = as_user(APIClient(), admin_user)
    with CaptureQueriesContext(connection) as few:
        body = api.get("/api/v1/assessments/?year=2020").json()
    assert {r["unit"]["code"]: bool(r["handed_over"]) for r in body["results"]} == {
        "so-y-te": False, "so-tai-chinh": True}

    # more handed-over units: the same number of queries
    _overdue_drafts(cycle, ("so-noi-vu", "so-xay-dung", "so-cong-thuong"))
    cycle_overdue_drafts_hand_over(cycle=cycle, actor=admin_user, reason="Quá hạn", expected=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get("/api/v1/assessments/?year=2020").json()
    assert sum(bool(r["handed_over"]) for r in body["results"]) == 4


def test_the_appraisal_queue_rows_carry_the_hand_over(cycle: Cycle, admin_user: Any, team: Any) -> None:
    _overdue_drafts(cycle, ("so-tai-chinh",))
    cycle_overdue_drafts_hand_over(cycle=cycle, actor=admin_user, reason="Quá hạn", expected=1)
    rows = as_user(APIClient(), admin_user).get("/api/v1/appraisal/queue/?year=2020").json()["rows"]
    assert [r["assessment"]["handed_over"]["reason"] for r in rows if r["unit_code"] == "so-tai-chinh"] == ["Quá hạn"]


def test_the_schema_says_what_submitted_at_means_for_a_handed_over_draft(admin_user: Any) -> None:
    schema = as_user(APIClient(), admin_user).get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["Assessment"]["properties"]
    assert "lúc chuyển, không phải lúc đơn vị gửi" in fields["submitted_at"]["description"]
    assert "handed_over" in fields and "null khi đơn vị tự gửi" in fields["handed_over"]["description"]


# --- the hand-over through the API ---------------------------------------------------------------------------


def test_an_administrator_reads_the_overdue_drafts_then_hands_them_over(cycle: Cycle, admin_user: Any) -> None:
    drafts = _overdue_drafts(cycle)
    api = as_user(APIClient(), admin_user)

    seen = api.get("/api/v1/cycles/2020/hand-over-overdue/").json()
    assert seen["count"] == 2 and {d["assessment"] for d in seen["drafts"]} == {d.pk for d in drafts}

    response = api.post("/api/v1/cycles/2020/hand-over-overdue/",
                        {"reason": "Quá hạn tự đánh giá", "expected": seen["count"]}, format="json")

    assert response.status_code == 200 and response.json() == {"handed_over": 2}
    assert set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {
        "submitted"}
    entries = AuditEntry.objects.filter(action="assessment.state", assessment_id__in=[d.pk for d in drafts])
    assert entries.count() == 2 and all(e.changes.get("handed_over") for e in entries)
    assert api.get("/api/v1/cycles/2020/hand-over-overdue/").json() == {"count": 0, "drafts": []}


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"reason": "Quá hạn", "expected": 1}, 409, "hand_over_changed", "expected"),
    ({"reason": "  ", "expected": 2}, 400, "reason_required", "reason"),
])
def test_a_refused_hand_over_changes_nothing(
    cycle: Cycle, admin_user: Any, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    drafts = _overdue_drafts(cycle)
    response = as_user(APIClient(), admin_user).post("/api/v1/cycles/2020/hand-over-overdue/", body, format="json")
    assert response.status_code == status
    assert response.json()["code"] == code and field in response.json()["fields"]
    assert set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {"draft"}


def test_the_hand_over_is_refused_to_a_non_administrator(cycle: Cycle, lead: Any) -> None:
    drafts = _overdue_drafts(cycle)
    api = as_user(APIClient(), lead)
    assert api.get("/api/v1/cycles/2020/hand-over-overdue/").status_code == 403
    response = api.post("/api/v1/cycles/2020/hand-over-overdue/", {"reason": "Quá hạn", "expected": 2},
                        format="json")
    assert response.status_code == 403 and "quản trị viên" in response.json()["message"]
    assert set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {"draft"}
