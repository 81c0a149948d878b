"""A team's per-leaf save sent again with the same `base_version` and the same content (its answer lost, the
appraiser retries) is answered as saved with the stored line, writing nothing, as the unit's sheet answers its own
retry. The same content stored by a colleague, or other content, stays a conflict."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.models import AppraisalAssignment
from scoring.models import Assessment, AuditEntry, Indicator
from tests.appraisal.conftest import KPS, line_of, refresh
from tests.conftest import _user

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
NOTE = "Tỷ lệ theo sổ theo dõi là 90%."


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _appraise(client: Client, assessment: Any, line: Any, numerator: str, note: str = NOTE) -> Any:
    return client.post(
        reverse("appraisal:appraise_line", args=[assessment.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-numerator": numerator, f"a{line.pk}-denominator": "100",
         "note": note},
        **JSON,
    )


@pytest.fixture
def colleague(cycle: Any, small_set: Any) -> Any:
    """A second appraiser of area 2 (Sở Tài chính)."""
    user = _user("phuong", "appraiser", "so-tai-chinh")
    member = AppraisalAssignment.objects.create(cycle=cycle, user=user)
    member.areas.set(Indicator.objects.filter(indicator_set=small_set, code="2"))
    return user


def test_the_same_appraisal_sent_again_is_answered_as_saved_and_writes_nothing(
    submitted: Any, appraiser: Any
) -> None:
    # given a leaf the appraiser saved, whose answer was lost
    client = _client(appraiser)
    line = line_of(submitted, "2.1.1")
    assert _appraise(client, submitted, line, "90").status_code == 200
    stored = line_of(submitted, "2.1.1")
    entries, version = AuditEntry.objects.count(), refresh(submitted).version
    # when the page sends the same save again, on the version it was based on
    again = _appraise(client, submitted, line, "90")
    # then it is answered as saved, with the stored line, and nothing is written
    assert again.status_code == 200, again.json()
    assert again.json()["ok"] is True
    assert again.json()["line"]["version"] == stored.version
    assert line_of(submitted, "2.1.1").version == stored.version
    assert refresh(submitted).version == version
    assert AuditEntry.objects.count() == entries


def test_other_content_on_the_old_version_stays_a_conflict(submitted: Any, appraiser: Any) -> None:
    client = _client(appraiser)
    line = line_of(submitted, "2.1.1")
    assert _appraise(client, submitted, line, "90").status_code == 200
    assert _appraise(client, submitted, line, "95").status_code == 409
    assert _appraise(client, submitted, line, "90", note="Lý do khác.").status_code == 409
    assert line_of(submitted, "2.1.1").appraised_note == NOTE


def test_the_same_content_stored_by_a_colleague_stays_a_conflict(
    submitted: Any, appraiser: Any, colleague: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    assert _appraise(_client(colleague), submitted, line, "90").status_code == 200
    refused = _appraise(_client(appraiser), submitted, line, "90")
    assert refused.status_code == 409 and refused.json()["code"] == "stale_version"


def test_an_accept_sent_again_is_answered_as_saved(submitted: Any, appraiser: Any) -> None:
    client = _client(appraiser)
    line = line_of(submitted, "2.1.2")
    url = reverse("appraisal:accept_line", args=[submitted.pk, line.pk])
    assert client.post(url, {"base_version": line.version}, **JSON).status_code == 200
    entries = AuditEntry.objects.count()
    again = client.post(url, {"base_version": line.version}, **JSON)
    assert again.status_code == 200 and again.json()["line"]["done"] is True
    assert AuditEntry.objects.count() == entries


def test_a_kps_acceptance_sent_again_is_answered_as_saved(kps_submitted: Any, lead: Any) -> None:
    client = _client(lead)
    line = line_of(kps_submitted, KPS)
    url = reverse("appraisal:accept_line", args=[kps_submitted.pk, line.pk])
    assert client.post(url, {"base_version": line.version}, **JSON).status_code == 200
    entries = AuditEntry.objects.count()
    assert client.post(url, {"base_version": line.version}, **JSON).status_code == 200
    assert AuditEntry.objects.count() == entries


def test_the_api_answers_a_retried_appraisal_and_accept_as_saved(submitted: Any, appraiser: Any) -> None:
    api = APIClient()
    api.force_login(appraiser)
    line = line_of(submitted, "2.1.1")
    base = f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/"
    body = {"version": line.version, "value": {"numerator": "90", "denominator": "100"}, "note": NOTE}
    first = api.post(f"{base}appraise/", body, format="json")
    assert first.status_code == 200
    entries = AuditEntry.objects.count()
    again = api.post(f"{base}appraise/", body, format="json")
    assert again.status_code == 200 and again.json()["version"] == first.json()["version"]
    other = line_of(submitted, "2.1.2")
    accept = f"/api/v1/assessments/{submitted.pk}/lines/{other.pk}/accept/"
    assert api.post(accept, {"version": other.version}, format="json").status_code == 200
    entries = AuditEntry.objects.count()
    assert api.post(accept, {"version": other.version}, format="json").status_code == 200
    assert AuditEntry.objects.count() == entries
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL
