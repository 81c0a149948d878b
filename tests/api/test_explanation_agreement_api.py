"""The API's side of the unit's «Đồng ý với kết quả thẩm định» and of a request that must say what to explain."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from appraisal.services import explanation_request, explanation_resubmit
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_the_unit_agrees_with_a_leaf_through_the_api_and_the_round_can_be_sent(
    api: APIClient, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    appraise_all(submitted, lead)
    appraised = refresh(submitted)
    line = line_of(appraised, "1.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk], message="Xác nhận?")
    api.force_login(unit_editor)
    url = f"/api/v1/assessments/{appraised.pk}/lines/{line.pk}/explain/"
    refused = api.post(url, {"version": line.version, "agree": True, "explanation": "Có văn bản."}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "agree_with_text"
    answer = api.post(url, {"version": line.version, "agree": True}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["agreed"] is True
    assert answer.json()["explanation"] == ""  # no text written: the agreement is the round's fact
    assert AuditEntry.objects.filter(action="score_line.agree", object_id=str(line.pk)).count() == 1
    explanation_resubmit(assessment=appraised, actor=unit_head)
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_a_request_without_a_reason_or_a_question_is_refused_by_the_api_naming_the_leaves(
    api: APIClient, submitted: Any, lead: Any
) -> None:
    api.force_login(lead)
    url = f"/api/v1/assessments/{submitted.pk}/request-explanation/"
    body = {"deadline": later().date().isoformat(), "line_ids": [line_of(submitted, "2.1.1").pk]}
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "question_required"
    assert "2.1.1" in str(refused.json())
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert api.post(url, {**body, "message": "Đề nghị bổ sung."}, format="json").status_code == 200
