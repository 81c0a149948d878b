"""A stopped or merged unit's signed-off assessment is not reopened: it would stay under way with nobody to finish
it (what `manage.py data_check` reports as broken). Service, page and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import assessment_reopen, assessment_sign_off
from scoring.administration.services import unit_merge, unit_set_active
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, IndexResult, Unit
from tests.appraisal.conftest import refresh

pytestmark = pytest.mark.django_db

REASON = "Phúc tra theo đơn khiếu nại."


@pytest.fixture
def signed(appraised: Any, lead: Any) -> Any:
    return assessment_sign_off(assessment=appraised, actor=lead)


def _stop(unit: Unit, admin_user: Any) -> None:
    unit_set_active(unit=unit, active=False, actor=admin_user, reason="Giải thể theo quyết định của UBND tỉnh.")


def _merge(unit: Unit, admin_user: Any) -> Unit:
    into = Unit.objects.get(code="so-tai-chinh")
    unit_merge(unit=unit, into=into, actor=admin_user, reason="Sắp xếp tổ chức bộ máy.")
    return into


def test_a_stopped_units_assessment_is_not_reopened_and_nothing_changes(signed: Any, admin_user: Any) -> None:
    # given a signed-off assessment of a unit stopped since
    _stop(signed.unit, admin_user)
    entries = AuditEntry.objects.count()
    # when
    with pytest.raises(StateConflict) as refused:
        assessment_reopen(assessment=signed, actor=admin_user, reason=REASON)
    # then refused, saying to start the unit again first
    assert refused.value.code == "unit_inactive"
    message = str(refused.value.message)
    assert f"«{signed.unit.name}» đã ngừng hoạt động" in message and "năm 2020" in message
    assert "hoạt động trở lại" in message
    after = refresh(signed)
    assert after.state == Assessment.State.SIGNED_OFF and after.appraisal_round == signed.appraisal_round
    assert AuditEntry.objects.count() == entries


def test_a_merged_units_assessment_is_not_reopened_and_its_successor_is_named(signed: Any, admin_user: Any) -> None:
    into = _merge(signed.unit, admin_user)
    entries = AuditEntry.objects.count()
    with pytest.raises(StateConflict) as refused:
        assessment_reopen(assessment=signed, actor=admin_user, reason=REASON)
    assert refused.value.code == "unit_merged"
    message = str(refused.value.message)
    assert f"«{signed.unit.name}» đã sáp nhập vào «{into.name}»" in message
    assert "không hoạt động trở lại được" in message  # no advice to start it again
    assert refresh(signed).state == Assessment.State.SIGNED_OFF
    assert AuditEntry.objects.count() == entries


def test_a_unit_started_again_has_its_assessment_reopened(signed: Any, admin_user: Any) -> None:
    _stop(signed.unit, admin_user)
    unit_set_active(unit=Unit.objects.get(pk=signed.unit_id), active=True, actor=admin_user)
    reopened = assessment_reopen(assessment=signed, actor=admin_user, reason=REASON)
    assert reopened.state == Assessment.State.IN_APPRAISAL


# --- the page ------------------------------------------------------------------------------------------------


def test_the_reopen_page_says_a_stopped_unit_cannot_be_reopened_and_refuses_the_form(
    signed: Any, admin_user: Any
) -> None:
    _stop(signed.unit, admin_user)
    client = Client()
    client.force_login(admin_user)
    url = reverse("appraisal:reopen", args=[signed.pk])
    shown = client.get(url)
    assert shown.status_code == 200
    assert "đã ngừng hoạt động" in shown.content.decode()  # said before the form is sent
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 409
    assert f"«{signed.unit.name}» đã ngừng hoạt động" in response.content.decode()
    assert refresh(signed).state == Assessment.State.SIGNED_OFF
    assert not IndexResult.objects.filter(assessment=signed, stale=True).exists()


def test_the_reopen_page_names_the_successor_of_a_merged_unit(signed: Any, admin_user: Any) -> None:
    into = _merge(signed.unit, admin_user)
    client = Client()
    client.force_login(admin_user)
    response = client.post(reverse("appraisal:reopen", args=[signed.pk]), {"reason": REASON})
    assert response.status_code == 409
    assert f"đã sáp nhập vào «{into.name}»" in response.content.decode()
    assert refresh(signed).state == Assessment.State.SIGNED_OFF


def test_the_reopen_page_is_still_refused_to_the_lead(signed: Any, lead: Any, admin_user: Any) -> None:
    _stop(signed.unit, admin_user)
    client = Client()
    client.force_login(lead)
    assert client.post(reverse("appraisal:reopen", args=[signed.pk]), {"reason": REASON}).status_code == 403
    assert refresh(signed).state == Assessment.State.SIGNED_OFF


# --- the API -------------------------------------------------------------------------------------------------


def test_the_api_refuses_to_reopen_a_stopped_units_assessment(signed: Any, admin_user: Any) -> None:
    _stop(signed.unit, admin_user)
    api = APIClient()
    api.force_login(admin_user)
    response = api.post(f"/api/v1/assessments/{signed.pk}/reopen/", {"reason": REASON}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "unit_inactive"
    assert "đã ngừng hoạt động" in response.json()["message"]
    assert refresh(signed).state == Assessment.State.SIGNED_OFF


def test_the_api_refuses_to_reopen_a_merged_units_assessment_naming_its_successor(
    signed: Any, admin_user: Any
) -> None:
    into = _merge(signed.unit, admin_user)
    api = APIClient()
    api.force_login(admin_user)
    response = api.post(f"/api/v1/assessments/{signed.pk}/reopen/", {"reason": REASON}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "unit_merged"
    assert f"«{into.name}»" in response.json()["message"]
    assert refresh(signed).state == Assessment.State.SIGNED_OFF


def test_the_api_still_refuses_reopening_to_the_lead(signed: Any, lead: Any, admin_user: Any) -> None:
    _stop(signed.unit, admin_user)
    api = APIClient()
    api.force_login(lead)
    assert api.post(f"/api/v1/assessments/{signed.pk}/reopen/", {"reason": REASON}, format="json").status_code == 403
    assert refresh(signed).state == Assessment.State.SIGNED_OFF
