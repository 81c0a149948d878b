"""The lines API says which leaves the unit answered with its agreement in the open or latest explanation round
(`agreed`), as the review page does, to the team and to the unit; read once for the whole list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal.services import explanation_request, explanation_resubmit, line_explain
from appraisal.services.rounds import line_agree
from tests.api.conftest import as_user
from tests.appraisal.conftest import appraise_all, later, line_of, refresh
from tests.appraisal.conftest import other_editor as other_editor  # mai, an editor of Sở Tài chính

pytestmark = pytest.mark.django_db


def _agreed(api: Any, assessment: Any) -> dict[str, Any]:
    response = api.get(f"/api/v1/assessments/{assessment.pk}/lines/")
    assert response.status_code == 200, response.json()
    return {row["indicator"]: row["agreed"] for row in response.json()}


@pytest.fixture
def agreeing(submitted: Any, lead: Any, unit_editor: Any) -> Any:
    """Every leaf appraised; 2.1.1 and 2.1.2 returned; the unit agrees with the appraisal of 2.1.1."""
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, code).pk for code in ("2.1.1", "2.1.2")])
    line = line_of(submitted, "2.1.1")
    line_agree(line=line, actor=unit_editor, base_version=line.version)
    return refresh(submitted)


def test_the_lines_say_which_leaves_the_unit_agreed_with_in_the_open_round(
    api: Any, agreeing: Any, lead: Any, unit_editor: Any
) -> None:
    for user in (lead, unit_editor):
        agreed = _agreed(as_user(api, user), agreeing)
        assert {code for code, yes in agreed.items() if yes} == {"2.1.1"}
        assert agreed["2.1.2"] is False and agreed["1.1.1"] is False


def test_the_agreement_stays_said_once_the_round_has_ended(
    api: Any, agreeing: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    line = line_of(agreeing, "2.1.2")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung báo cáo quý.")
    explanation_resubmit(assessment=agreeing, actor=unit_head)
    agreed = _agreed(as_user(api, lead), agreeing)
    assert {code for code, yes in agreed.items() if yes} == {"2.1.1"}


def test_without_any_round_no_line_is_agreed(api: Any, submitted: Any, lead: Any) -> None:
    assert not any(_agreed(as_user(api, lead), submitted).values())


def test_a_person_outside_the_assessment_reads_no_lines(api: Any, agreeing: Any, other_editor: Any) -> None:
    response = as_user(api, other_editor).get(f"/api/v1/assessments/{agreeing.pk}/lines/")
    assert response.status_code == 404


def test_the_agreements_cost_one_query_for_the_whole_list(
    api: Any, agreeing: Any, lead: Any, unit_editor: Any
) -> None:
    as_user(api, lead)
    _agreed(api, agreeing)  # warm the caches every first request fills
    with CaptureQueriesContext(connection) as one:
        _agreed(api, agreeing)
    read = [q["sql"] for q in one.captured_queries if '"agreed_lines"' in q["sql"] and "explanationround" in q["sql"]]
    assert len(read) == 1
    line = line_of(agreeing, "2.1.2")
    line_agree(line=line, actor=unit_editor, base_version=line.version)
    with CaptureQueriesContext(connection) as two:
        assert sum(_agreed(api, agreeing).values()) == 2
    assert len(two.captured_queries) == len(one.captured_queries)


def test_the_schema_documents_agreed(api: Any, db: Any) -> None:
    import yaml

    schema = yaml.safe_load(api.get("/api/schema/").content)
    field = schema["components"]["schemas"]["ScoreLine"]["properties"]["agreed"]
    assert field["type"] == "boolean" and field["readOnly"] is True
    assert "Đồng ý với kết quả thẩm định" in field["description"]
