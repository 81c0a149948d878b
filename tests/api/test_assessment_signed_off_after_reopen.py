"""An assessment read through the API says whether it is signed off, as the pages do: once an administrator reopens
it, its `signed_off_at` is null; the moment of the latest sign-off stays readable as `last_signed_off_at`, and the
stored moment (which publication reads) is not touched. Both documented in the schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.models import Assessment
from tests.appraisal.conftest import appraise_all

pytestmark = pytest.mark.django_db


def _url(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.pk}/"


def _moment(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _sign_off(assessment: Assessment, lead: Any) -> Assessment:
    from appraisal.services import assessment_sign_off

    appraise_all(assessment, lead)
    assessment_sign_off(assessment=Assessment.objects.get(pk=assessment.pk), actor=lead)
    return Assessment.objects.get(pk=assessment.pk)


def test_an_assessment_not_yet_signed_off_has_neither_moment(api: APIClient, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    body = api.get(_url(submitted)).json()
    assert body["state"] == "submitted"
    assert body["signed_off_at"] is None and body["last_signed_off_at"] is None


def test_a_signed_off_assessment_gives_its_sign_off_as_current_and_latest(
    api: APIClient, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    signed = _sign_off(submitted, lead)
    for reader in (lead, unit_editor):
        api.force_login(reader)
        body = api.get(_url(signed)).json()
        assert body["state"] == "signed_off"
        assert _moment(body["signed_off_at"]) == _moment(body["last_signed_off_at"]) == signed.signed_off_at


def test_after_a_reopen_the_assessment_has_no_current_sign_off_but_keeps_the_latest(
    api: APIClient, submitted: Any, lead: Any, admin_user: Any
) -> None:
    # given: signed off, then reopened by an administrator through the API
    signed = _sign_off(submitted, lead)
    api.force_login(admin_user)
    reopened = api.post(f"{_url(signed)}reopen/", {"reason": "Sai số liệu 2.1.1"}, format="json")
    assert reopened.status_code == 200, reopened.json()
    # then: the answer, the detail and the list agree
    listed = [row for row in api.get("/api/v1/assessments/").json()["results"] if row["id"] == signed.pk]
    assert len(listed) == 1
    for body in (reopened.json(), api.get(_url(signed)).json(), *listed):
        assert body["state"] == "in_appraisal"
        assert body["signed_off_at"] is None
        assert _moment(body["last_signed_off_at"]) == signed.signed_off_at
    # and the stored moment, which publication and the cycle's counts read, is unchanged
    assert Assessment.objects.get(pk=signed.pk).signed_off_at == signed.signed_off_at


def test_signed_off_again_after_a_reopen_the_new_sign_off_is_the_current_one(
    api: APIClient, submitted: Any, lead: Any, admin_user: Any
) -> None:
    from appraisal.services import assessment_reopen

    first = _sign_off(submitted, lead)
    assessment_reopen(assessment=first, actor=admin_user, reason="Sai số liệu 2.1.1")
    second = _sign_off(first, lead)
    assert second.signed_off_at > first.signed_off_at
    api.force_login(lead)
    body = api.get(_url(second)).json()
    assert _moment(body["signed_off_at"]) == _moment(body["last_signed_off_at"]) == second.signed_off_at


def test_the_schema_documents_both_moments_as_nullable_read_only_date_times(api: APIClient, admin_user: Any) -> None:
    api.force_login(admin_user)
    schema = api.get("/api/schema/?format=json").json()
    properties = schema["components"]["schemas"]["Assessment"]["properties"]
    for name in ("signed_off_at", "last_signed_off_at"):
        field = properties[name]
        assert field["type"] == "string" and field["format"] == "date-time"
        assert field["nullable"] is True and field["readOnly"] is True
        assert "`last_signed_off_at`" in properties["signed_off_at"]["description"]
