"""Which explanations are new, through the API, as the pages show them: the queue's rows (and their areas) count the
new explanations in the areas the user appraises, as the HTML queue does; the assessment's lines say which are new
to the requesting user (`explanation_new`: the review page's «Giải trình mới» of the leaves they appraise), and
stop saying so once marked seen or decided. Reading them costs no query per line or row."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.models import Unit
from scoring.services import assessments_open
from tests.api.conftest import as_user
from tests.appraisal.conftest import appraise_all, later, line_of, refresh, self_score, submit

pytestmark = pytest.mark.django_db
EXPLAINED = ("1.2.3", "2.1.1", "2.1.2")  # 1.x: area 1 (the lead's only), 2.x: area 2 (the appraiser's too)


def _back_with_explanations(assessment: Any, lead: Any, editor: Any, head: Any, codes: tuple[str, ...]) -> Any:
    """Every leaf appraised; `codes` returned, explained and resubmitted: back in appraisal with them new."""
    appraise_all(assessment, lead)
    explanation_request(assessment=assessment, actor=lead, deadline=later(),
                        line_ids=[line_of(assessment, code).pk for code in codes])
    for code in codes:
        line = line_of(assessment, code)
        line_explain(line=line, actor=editor, base_version=line.version, explanation=f"Giải trình {code}.")
    explanation_resubmit(assessment=refresh(assessment), actor=head)
    return refresh(assessment)


@pytest.fixture
def round_two(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    return _back_with_explanations(submitted, lead, unit_editor, unit_head, EXPLAINED)


def _lines(api: Any, assessment: Any) -> dict[str, bool]:
    response = api.get(f"/api/v1/assessments/{assessment.pk}/lines/")
    assert response.status_code == 200, response.json()
    return {row["indicator"]: row["explanation_new"] for row in response.json()}


def _new(api: Any, assessment: Any) -> set[str]:
    return {code for code, new in _lines(api, assessment).items() if new}


def _row(api: Any, assessment: Any) -> dict[str, Any]:
    response = api.get("/api/v1/appraisal/queue/")
    assert response.status_code == 200, response.json()
    return next(r for r in response.json()["rows"] if r["assessment"]["id"] == assessment.pk)


def test_the_lines_say_which_explanations_are_new_to_the_user(
    api: Any, round_two: Any, lead: Any, appraiser: Any
) -> None:
    assert _new(as_user(api, lead), round_two) == set(EXPLAINED)
    # the appraiser appraises area 2 only: 1.2.3 is not hers to look at (nor to mark seen)
    assert _new(as_user(api, appraiser), round_two) == {"2.1.1", "2.1.2"}
    one = line_of(round_two, "2.1.2")
    single = api.get(f"/api/v1/assessments/{round_two.pk}/lines/{one.pk}/").json()
    assert single["explanation_new"] is True


def test_a_leaf_marked_seen_or_decided_is_no_longer_new(api: Any, round_two: Any, lead: Any, appraiser: Any) -> None:
    as_user(api, appraiser)
    line = line_of(round_two, "2.1.1")
    assert api.post(f"/api/v1/assessments/{round_two.pk}/lines/{line.pk}/explanation-seen/").status_code == 200
    assert _new(api, round_two) == {"2.1.2"}
    # a decision on 2.1.2 (the self-score accepted again): its answer and the list say it is no longer new
    other = line_of(round_two, "2.1.2")
    accepted = api.post(f"/api/v1/assessments/{round_two.pk}/lines/{other.pk}/accept/", {"version": other.version},
                        format="json")
    assert accepted.status_code == 200 and accepted.json()["explanation_new"] is False
    assert _new(api, round_two) == set()
    assert _new(as_user(api, lead), round_two) == {"1.2.3"}


def test_the_units_people_never_read_an_explanation_as_new(api: Any, round_two: Any, unit_editor: Any) -> None:
    assert _lines(as_user(api, unit_editor), round_two) and _new(api, round_two) == set()


def test_the_queue_counts_the_new_explanations_as_the_html_queue(
    api: Any, client: Any, round_two: Any, lead: Any, appraiser: Any
) -> None:
    row = _row(as_user(api, lead), round_two)
    assert row["new_explanations"] == 3
    assert {a["code"]: a["new_explanations"] for a in row["areas"]} == {"1": 1, "2": 2}
    row = _row(as_user(api, appraiser), round_two)
    assert row["new_explanations"] == 2 and [(a["code"], a["new_explanations"]) for a in row["areas"]] == [("2", 2)]
    # the HTML queue says the same to her
    client.force_login(appraiser)
    assert "2 tiêu chí có giải trình mới chưa xem" in client.get("/tham-dinh/").content.decode()
    # and the count follows the marks
    line = line_of(round_two, "2.1.1")
    api.post(f"/api/v1/assessments/{round_two.pk}/lines/{line.pk}/explanation-seen/")
    assert _row(api, round_two)["new_explanations"] == 1


def test_an_assessment_without_new_explanations_counts_none(api: Any, submitted: Any, lead: Any) -> None:
    row = _row(as_user(api, lead), submitted)
    assert row["new_explanations"] == 0 and all(a["new_explanations"] == 0 for a in row["areas"])
    assert _new(api, submitted) == set()


def test_reading_the_new_explanations_costs_no_query_per_line_or_row(
    api: Any, round_two: Any, lead: Any, unit_editor: Any, unit_head: Any, cycle: Any
) -> None:
    as_user(api, lead)
    _lines(api, round_two)  # warm the caches every first request fills
    with CaptureQueriesContext(connection) as three:
        assert len(_new(api, round_two)) == 3
    for code in ("1.2.3", "2.1.1"):
        line = line_of(round_two, code)
        api.post(f"/api/v1/assessments/{round_two.pk}/lines/{line.pk}/explanation-seen/")
    with CaptureQueriesContext(connection) as one:
        assert len(_new(api, round_two)) == 1
    assert len(one.captured_queries) == len(three.captured_queries)
    line = line_of(round_two, "2.1.2")
    with CaptureQueriesContext(connection) as single:
        api.get(f"/api/v1/assessments/{round_two.pk}/lines/{line.pk}/")
    assert len(single.captured_queries) == len(one.captured_queries)

    # the queue: a second row back with new explanations costs nothing more
    _row(api, round_two)
    with CaptureQueriesContext(connection) as one_row:
        _row(api, round_two)
    other = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    self_score(other, unit_editor)
    submit(other, unit_head)
    _back_with_explanations(refresh(other), lead, unit_editor, unit_head, ("2.1.1",))
    with CaptureQueriesContext(connection) as two_rows:
        rows = api.get("/api/v1/appraisal/queue/").json()["rows"]
    assert {r["unit_code"]: r["new_explanations"] for r in rows} == {"so-y-te": 1, "so-tai-chinh": 1}
    assert len(two_rows.captured_queries) == len(one_row.captured_queries)


def test_the_schema_documents_the_new_fields(api: Any, db: Any) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    line = components["ScoreLine"]["properties"]["explanation_new"]
    assert line["type"] == "boolean" and line.get("readOnly") is True and line.get("description")
    assert components["QueueRow"]["properties"]["new_explanations"]["type"] == "integer"
    assert components["QueueAreaProgress"]["properties"]["new_explanations"]["type"] == "integer"
