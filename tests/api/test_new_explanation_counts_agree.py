"""Every count of the new explanations says the same number to the same person: the HTML queue (its row and its
area column), the API queue (its row and its `areas`), the review page (the whole assessment and the area), the
lines' `explanation_new` and the `remaining` of a «Đã xem». A leaf counts for a person who may appraise it (its
area, or one of its criteria, is theirs) and that the survey does not score: an appraiser assigned one criterion of
an area does not count a new explanation of another criterion of it, nor does anybody count a survey leaf."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import AppraisalAssignment
from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.models import Assessment, Indicator, Unit
from tests.api.conftest import as_user
from tests.appraisal import conftest as appraisal_fixtures
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
survey_cycle = appraisal_fixtures.survey_cycle  # the survey set's cycle (a fixture of tests/appraisal)
QUEUE = reverse("appraisal:queue")
# 1.1.1: criterion 1.1 (the appraiser's one criterion); 1.2.3: criterion 1.2 of the same area; 2.1.1: area 2
EXPLAINED = ("1.1.1", "1.2.3", "2.1.1")


def _explained(assessment: Any, lead: Any, editor: Any, head: Any, codes: tuple[str, ...]) -> Any:
    """`codes` returned for an explanation, explained and resubmitted: back in appraisal with them new."""
    explanation_request(assessment=assessment, actor=lead, deadline=later(),
                        line_ids=[line_of(assessment, code).pk for code in codes])
    for code in codes:
        line = line_of(assessment, code)
        line_explain(line=line, actor=editor, base_version=line.version, explanation=f"Giải trình {code}.")
    explanation_resubmit(assessment=refresh(assessment), actor=head)
    back = refresh(assessment)
    assert back.state == Assessment.State.IN_APPRAISAL
    return back


@pytest.fixture
def criterion_only(submitted: Any, appraiser: Any) -> Any:
    """The appraiser is assigned criterion 1.1 only (not her area 2 any more, nor the rest of area 1)."""
    member = AppraisalAssignment.objects.get(cycle=submitted.cycle, user=appraiser)
    member.areas.set(Indicator.objects.filter(indicator_set=submitted.indicator_set, code="1.1"))
    return appraiser


@pytest.fixture
def round_two(submitted: Any, criterion_only: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    appraise_all(submitted, lead)
    return _explained(submitted, lead, unit_editor, unit_head, EXPLAINED)


def _counts(api: Any, client: Client, user: Any, assessment: Any) -> dict[str, Any]:
    """What every place says to `user` about the assessment's new explanations."""
    client.force_login(user)
    html_row = next(r for r in client.get(QUEUE).context["queue"].rows if r.assessment.pk == assessment.pk)
    as_user(api, user)
    api_row = next(r for r in api.get("/api/v1/appraisal/queue/").json()["rows"]
                   if r["assessment"]["id"] == assessment.pk)
    page = client.get(reverse("appraisal:review", args=[assessment.pk])).context["review"]
    lines = api.get(f"/api/v1/assessments/{assessment.pk}/lines/").json()
    return {
        "queue": html_row.new_explanations,
        "queue_areas": {p.area.code: p.new_explanations for p in html_row.areas if p.mine},
        "api": api_row["new_explanations"],
        "api_areas": {a["code"]: a["new_explanations"] for a in api_row["areas"]},
        "review": page.new_explanations,
        "review_areas": {a.area.code: a.new_explanations for a in page.areas if a.new_explanations},
        "lines": sorted(row["indicator"] for row in lines if row["explanation_new"]),
    }


def test_a_criterion_level_appraiser_is_told_one_number_everywhere(
    api: Any, client: Client, round_two: Any, criterion_only: Any
) -> None:
    # given: 1.1.1 (her criterion) and 1.2.3 (another criterion of the same area) explained, and 2.1.1
    # then: the queue, the API queue, the review page and the lines all say one, in area 1
    assert _counts(api, client, criterion_only, round_two) == {
        "queue": 1, "queue_areas": {"1": 1}, "api": 1, "api_areas": {"1": 1},
        "review": 1, "review_areas": {"1": 1}, "lines": ["1.1.1"],
    }
    # the HTML queue's words say it too
    body = client.get(QUEUE).content.decode().split("<tbody>")[1]
    assert "1 tiêu chí có giải trình mới chưa xem" in body and "(1 giải trình mới)" in body
    assert "3 tiêu chí có giải trình mới chưa xem" not in body and "2 giải trình mới" not in body


def test_the_lead_still_counts_every_leaf_and_the_counts_follow_the_marks(
    api: Any, client: Client, round_two: Any, criterion_only: Any, lead: Any
) -> None:
    assert _counts(api, client, lead, round_two) == {
        "queue": 3, "queue_areas": {"1": 2, "2": 1}, "api": 3, "api_areas": {"1": 2, "2": 1},
        "review": 3, "review_areas": {"1": 2, "2": 1}, "lines": ["1.1.1", "1.2.3", "2.1.1"],
    }
    # when: the appraiser marks her one leaf seen, the «Đã xem» answers what is left to her: nothing
    line = line_of(round_two, "1.1.1")
    seen = as_user(api, criterion_only).post(f"/api/v1/assessments/{round_two.pk}/lines/{line.pk}/explanation-seen/")
    assert seen.status_code == 200 and seen.json() == {"marked": ["1.1.1"], "remaining": 0}
    mine = _counts(api, client, criterion_only, round_two)
    assert (mine["queue"], mine["api"], mine["review"], mine["lines"]) == (0, 0, 0, [])
    # and «có giải trình mới» no longer lists the row for her, though 1.2.3 of her area is still new (to the lead)
    client.force_login(criterion_only)
    assert client.get(QUEUE, {"giai-trinh-moi": "1"}).context["queue"].rows == []
    theirs = _counts(api, client, lead, round_two)
    assert (theirs["queue"], theirs["api"], theirs["review"]) == (2, 2, 2)
    client.force_login(lead)
    assert [r.assessment.pk for r in client.get(QUEUE, {"giai-trinh-moi": "1"}).context["queue"].rows] == [
        round_two.pk]


def test_a_whole_assessments_mark_answers_the_remaining_as_the_queue_counts(
    api: Any, client: Client, round_two: Any, criterion_only: Any, lead: Any
) -> None:
    # the lead marks area 2 seen: what is left to her is what her queue row then says
    area = round_two.indicator_set.indicators.get(code="2", parent__isnull=True)
    answer = as_user(api, lead).post(f"/api/v1/assessments/{round_two.pk}/explanations-seen/", {"area": area.pk},
                                     format="json")
    assert answer.status_code == 200 and answer.json() == {"marked": ["2.1.1"], "remaining": 2}
    assert _counts(api, client, lead, round_two)["queue"] == 2
    # the appraiser's whole-assessment «Đã xem» marks her one leaf and leaves her none
    answer = as_user(api, criterion_only).post(f"/api/v1/assessments/{round_two.pk}/explanations-seen/", {},
                                               format="json")
    assert answer.status_code == 200 and answer.json() == {"marked": ["1.1.1"], "remaining": 0}
    assert _counts(api, client, criterion_only, round_two)["queue"] == 0


def test_a_survey_leafs_explanation_is_counted_nowhere(
    api: Any, client: Client, survey_cycle: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given: the lead returned the survey leaf 1.2.3 with 1.1.1; the unit explained both
    assessment = Assessment.objects.get(cycle=survey_cycle, unit=Unit.objects.get(code="so-y-te"))
    back = _explained(assessment, lead, unit_editor, unit_head, ("1.1.1", "1.2.3"))
    # then: the survey leaf is nobody's to appraise, so nobody counts it, the queue no more than the review page
    counts = _counts(api, client, lead, back)
    assert counts == {"queue": 1, "queue_areas": {"1": 1, "2": 0}, "api": 1, "api_areas": {"1": 1, "2": 0},
                      "review": 1, "review_areas": {"1": 1}, "lines": ["1.1.1"]}
