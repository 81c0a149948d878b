"""Marking a unit's new explanations read through the API, as on the review page: one leaf
(`lines/<id>/explanation-seen/`), one area or the whole assessment (`explanations-seen/`, optional `area`). Same
permission as the page (a leaf or area of the user's; never the unit's people), same service and audit; a refused
request changes nothing; the schema documents both."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from appraisal.selectors.queue import unseen_explanations
from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.models import AuditEntry
from tests.api.conftest import as_user
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
EXPLAINED = ("1.2.3", "2.1.1", "2.1.2")  # 1.x: area 1 (the lead's only), 2.x: area 2 (the appraiser's)


def _url(assessment: Any, tail: str) -> str:
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


def _unseen(assessment: Any) -> set[str]:
    ids = unseen_explanations(assessments=[assessment.pk]).get(assessment.pk, [])
    return set(assessment.lines.filter(indicator_id__in=ids).values_list("indicator__code", flat=True))


def _marks() -> list[tuple[int, str]]:
    return list(AuditEntry.objects.filter(action="score_line.explanation_seen").order_by("id")
                .values_list("actor_id", "object_id"))


@pytest.fixture
def round_two(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    """Every leaf appraised; three returned, explained and resubmitted: back in appraisal with three new
    explanations."""
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, code).pk for code in EXPLAINED])
    for code in EXPLAINED:
        line = line_of(submitted, code)
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=f"Giải trình {code}.")
    explanation_resubmit(assessment=refresh(submitted), actor=unit_head)
    assessment = refresh(submitted)
    assert _unseen(assessment) == set(EXPLAINED)
    return assessment


def test_marking_one_leaf_seen_keeps_its_score_and_is_audited_once(
    api: Any, round_two: Any, appraiser: Any
) -> None:
    line = line_of(round_two, "2.1.1")
    before = (line.appraised_score, line.appraised_note, line.version)
    response = as_user(api, appraiser).post(_url(round_two, f"lines/{line.pk}/explanation-seen/"), format="json")
    assert response.status_code == 200
    # 2.1.2 is still new for her (area 2); 1.2.3 is not hers
    assert response.json() == {"marked": ["2.1.1"], "remaining": 1}
    after = line_of(round_two, "2.1.1")
    assert (after.appraised_score, after.appraised_note, after.version) == before
    assert _unseen(round_two) == {"1.2.3", "2.1.2"}
    assert _marks() == [(appraiser.pk, str(line.pk))]
    # sent again: nothing left to mark, nothing recorded
    again = api.post(_url(round_two, f"lines/{line.pk}/explanation-seen/"), format="json")
    assert again.status_code == 200 and again.json() == {"marked": [], "remaining": 1}
    assert len(_marks()) == 1


def test_marking_an_area_then_the_whole_assessment(api: Any, round_two: Any, lead: Any) -> None:
    area_two = round_two.indicator_set.indicators.get(code="2", parent__isnull=True)
    as_user(api, lead)
    response = api.post(_url(round_two, "explanations-seen/"), {"area": area_two.pk}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": ["2.1.1", "2.1.2"], "remaining": 1}
    assert _unseen(round_two) == {"1.2.3"}
    response = api.post(_url(round_two, "explanations-seen/"), {}, format="json")
    assert response.json() == {"marked": ["1.2.3"], "remaining": 0}
    assert _unseen(round_two) == set()
    assert len(_marks()) == 3


def test_an_appraiser_marks_only_her_own_leaves(api: Any, round_two: Any, appraiser: Any) -> None:
    as_user(api, appraiser)
    response = api.post(_url(round_two, "explanations-seen/"), format="json")
    assert response.status_code == 200 and response.json() == {"marked": ["2.1.1", "2.1.2"], "remaining": 0}
    assert _unseen(round_two) == {"1.2.3"}
    # a leaf or an area not hers: 403 in the API's error shape, nothing marked
    area_one = round_two.indicator_set.indicators.get(code="1", parent__isnull=True)
    refused = [
        api.post(_url(round_two, f"lines/{line_of(round_two, '1.2.3').pk}/explanation-seen/"), format="json"),
        api.post(_url(round_two, "explanations-seen/"), {"area": area_one.pk}, format="json"),
    ]
    for response in refused:
        assert response.status_code == 403
        assert set(response.json()) == {"code", "message", "fields"}
    assert _unseen(round_two) == {"1.2.3"}
    assert len(_marks()) == 2


def test_the_units_people_anonymous_and_a_bad_area_are_refused_and_change_nothing(
    api: Any, round_two: Any, unit_editor: Any, unit_head: Any, lead: Any
) -> None:
    line = line_of(round_two, "2.1.1")
    assert api.post(_url(round_two, "explanations-seen/"), format="json").status_code == 401
    for person in (unit_editor, unit_head):
        as_user(api, person)
        assert api.post(_url(round_two, "explanations-seen/"), format="json").status_code == 403
        assert api.post(_url(round_two, f"lines/{line.pk}/explanation-seen/"), format="json").status_code == 403
    as_user(api, lead)
    unknown = api.post(_url(round_two, "explanations-seen/"), {"area": 99999999}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()["fields"]) == ["area"]
    # a leaf of the set that is not an area, a key the endpoint does not take
    criterion = round_two.indicator_set.indicators.get(code="2.1")
    assert api.post(_url(round_two, "explanations-seen/"), {"area": criterion.pk},
                    format="json").status_code == 400
    extra = api.post(_url(round_two, "explanations-seen/"), {"linh_vuc": 1}, format="json")
    assert extra.status_code == 400 and list(extra.json()["fields"]) == ["linh_vuc"]
    assert api.post(_url(round_two, "lines/99999999/explanation-seen/"), format="json").status_code == 404
    assert _unseen(round_two) == set(EXPLAINED)
    assert _marks() == []


def test_outside_the_appraisal_marking_is_a_409(api: Any, submitted: Any, lead: Any) -> None:
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, "2.1.1").pk])
    response = as_user(api, lead).post(_url(submitted, "explanations-seen/"), format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_appraising"
    assert _marks() == []


def test_the_schema_documents_both_endpoints(api: Any) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    paths = schema["paths"]
    for path in ("/api/v1/assessments/{assessment_id}/lines/{line_id}/explanation-seen/",
                 "/api/v1/assessments/{assessment_id}/explanations-seen/"):
        operation = paths[path]["post"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ExplanationsSeen"}
        assert {"401", "403", "404", "409"} <= set(operation["responses"])
    body = paths["/api/v1/assessments/{assessment_id}/explanations-seen/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"area", "area_code"}


def test_an_area_is_also_named_by_its_code(api: Any, round_two: Any, lead: Any) -> None:
    as_user(api, lead)
    unknown = api.post(_url(round_two, "explanations-seen/"), {"area_code": "X"}, format="json")
    assert unknown.status_code == 400 and "area_code" in unknown.json()["fields"]
    assert _marks() == []
    response = api.post(_url(round_two, "explanations-seen/"), {"area_code": "2"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": ["2.1.1", "2.1.2"], "remaining": 1}
