"""The API's «Đồng ý với kết quả thẩm định ở N tiêu chí còn lại»: the unit agrees with the appraisal of every flagged
leaf it has not answered yet, as the explanation page does, through the same service; nobody else may."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from appraisal.models import ExplanationRound
from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.models import Assessment, AuditEntry
from tests.appraisal import conftest as appraisal_fixtures
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
other_editor = appraisal_fixtures.other_editor  # an editor of Sở Tài chính (a fixture of tests/appraisal)
CODES = ("1.1.1", "1.1.2", "2.1.1")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def explaining(submitted: Any, lead: Any, unit_editor: Any) -> Any:
    """Three leaves returned for an explanation; 2.1.1 already explained."""
    appraise_all(submitted, lead)
    explanation_request(assessment=refresh(submitted), actor=lead, deadline=later(), message="Rà soát lại.",
                        line_ids=[line_of(submitted, code).pk for code in CODES])
    explained = line_of(submitted, "2.1.1")
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Có báo cáo số 15.")
    return refresh(submitted)


def _url(assessment: Any) -> str:
    return f"/api/v1/assessments/{assessment.pk}/agree-remaining/"


def test_the_unit_agrees_with_the_remaining_leaves_through_the_api_and_the_round_can_be_sent(
    api: APIClient, explaining: Any, unit_editor: Any, unit_head: Any
) -> None:
    api.force_login(unit_editor)
    answer = api.post(_url(explaining))
    assert answer.status_code == 200, answer.json()
    assert [(row["indicator"], row["agreed"]) for row in answer.json()] == [("1.1.1", True), ("1.1.2", True)]
    current = ExplanationRound.objects.get(assessment=explaining, round=explaining.appraisal_round)
    assert sorted(current.agreed_lines) == sorted(line_of(explaining, code).pk for code in ("1.1.1", "1.1.2"))
    assert line_of(explaining, "2.1.1").explanation == "Có báo cáo số 15."
    assert AuditEntry.objects.filter(action="score_line.agree", assessment=explaining).count() == 2
    # nothing left: said, nothing written
    again = api.post(_url(explaining))
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_agree"
    assert AuditEntry.objects.filter(action="score_line.agree", assessment=explaining).count() == 2
    explanation_resubmit(assessment=explaining, actor=unit_head)
    assert refresh(explaining).state == Assessment.State.IN_APPRAISAL


def test_nobody_outside_the_unit_agrees_for_it_and_nothing_is_written(
    api: APIClient, explaining: Any, lead: Any, appraiser: Any, other_editor: Any
) -> None:
    for outsider in (lead, appraiser, other_editor):
        api.force_login(outsider)
        assert api.post(_url(explaining)).status_code in (403, 404)
    api.logout()
    assert api.post(_url(explaining)).status_code == 401
    assert not AuditEntry.objects.filter(action="score_line.agree").exists()
    assert ExplanationRound.objects.get(assessment=explaining, round=explaining.appraisal_round).agreed_lines == []


def test_a_body_is_refused_and_no_round_open_is_said(
    api: APIClient, explaining: Any, unit_editor: Any, unit_head: Any
) -> None:
    api.force_login(unit_editor)
    refused = api.post(_url(explaining), {"lines": [1]}, format="json")
    assert refused.status_code == 400 and "lines" in refused.json()["fields"]
    api.post(_url(explaining))
    explanation_resubmit(assessment=explaining, actor=unit_head)
    late = api.post(_url(explaining))
    assert late.status_code == 409 and late.json()["code"] == "already_resubmitted"


def test_the_schema_documents_the_endpoint(api: APIClient, admin_user: Any) -> None:
    import yaml

    api.force_login(admin_user)
    schema = yaml.safe_load(api.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/assessments/{assessment_id}/agree-remaining/"]["post"]
    assert {"200", "401", "403", "404", "409"} <= set(operation["responses"])
    assert "Đồng ý với kết quả thẩm định" in operation["description"]
    assert "requestBody" not in operation  # it takes nothing but its address
