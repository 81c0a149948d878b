"""A lead's or an administrator's action page that can only be refused in the assessment's state says so at once,
with the state, and offers no form: the reopen page on an assessment not signed off, the explanation request on a
signed-off one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import assessment_sign_off
from scoring.administration.services import unit_set_active
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import refresh

pytestmark = pytest.mark.django_db

REASON = "Phúc tra theo đơn khiếu nại."


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_reopen_page_of_an_assessment_under_appraisal_says_its_state_without_a_form(
    appraised: Any, admin_user: Any
) -> None:
    # given an assessment still «Đang thẩm định»
    client = _client(admin_user)
    url = reverse("appraisal:reopen", args=[appraised.pk])
    # when the administrator opens its reopen page
    page = client.get(url)
    # then the refusal is said, with the state, and there is nothing to fill in
    assert page.status_code == 200
    body = page.content.decode()
    assert "Chỉ mở lại bản đánh giá đã thông qua (hiện: «Đang thẩm định»)." in body
    assert 'name="reason"' not in body and "data-reopen-blocked" in body
    # and a form posted all the same is refused, changing nothing
    entries = AuditEntry.objects.count()
    refused = client.post(url, {"reason": REASON})
    assert refused.status_code == 409
    assert "(hiện: «Đang thẩm định»)" in refused.content.decode()
    assert 'name="reason"' not in refused.content.decode()
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL
    assert AuditEntry.objects.count() == entries


def test_the_reopen_page_of_a_stopped_units_assessment_offers_no_form(
    appraised: Any, lead: Any, admin_user: Any
) -> None:
    signed = assessment_sign_off(assessment=appraised, actor=lead)
    unit_set_active(unit=signed.unit, active=False, actor=admin_user, reason="Giải thể theo quyết định.")
    body = _client(admin_user).get(reverse("appraisal:reopen", args=[signed.pk])).content.decode()
    assert "đã ngừng hoạt động" in body
    assert 'name="reason"' not in body


def test_the_reopen_page_of_a_signed_off_assessment_still_offers_the_form(
    appraised: Any, lead: Any, admin_user: Any
) -> None:
    signed = assessment_sign_off(assessment=appraised, actor=lead)
    body = _client(admin_user).get(reverse("appraisal:reopen", args=[signed.pk])).content.decode()
    assert 'name="reason"' in body and "data-reopen-blocked" not in body


def test_the_explanation_request_page_of_a_signed_off_assessment_says_its_state_without_a_form(
    appraised: Any, lead: Any
) -> None:
    signed = assessment_sign_off(assessment=appraised, actor=lead)
    client = _client(lead)
    url = reverse("appraisal:request_explanation", args=[signed.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Bản đánh giá ở trạng thái «Đã thông qua»: không thẩm định được." in body
    assert "data-request-blocked" in body and 'name="deadline"' not in body
    refused = client.post(url, {"all": "1", "deadline": "2099-01-01", "message": "Giải trình."})
    assert refused.status_code == 409
    assert 'name="deadline"' not in refused.content.decode()
    assert refresh(signed).state == Assessment.State.SIGNED_OFF


def test_the_explanation_request_page_of_an_assessment_under_appraisal_still_offers_the_form(
    appraised: Any, lead: Any
) -> None:
    body = _client(lead).get(reverse("appraisal:request_explanation", args=[appraised.pk])).content.decode()
    assert 'name="deadline"' in body and "data-request-blocked" not in body
