"""The queue tells the team, per assessment and per area, how many leaves carry an explanation the unit sent in
the round that just ended and that nobody of the team has appraised or accepted since; «có giải trình mới»
keeps only those rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal.selectors.queue import queue_for_user
from appraisal.services import explanation_request, explanation_resubmit, line_accept_self, line_explain
from scoring.models import Assessment, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import appraise_all, later, line_of, refresh, seen, self_score, submit

pytestmark = pytest.mark.django_db
URL = reverse("appraisal:queue")


def _round_two(assessment: Any, lead: Any, editor: Any, head: Any, explained: tuple[str, ...]) -> Any:
    """Appraised, returned for an explanation of the `explained` leaves (1.2.3 is in area 1, 2.1.1 in area 2),
    explained by the unit, and resubmitted."""
    appraise_all(assessment, lead)
    flagged = [line_of(assessment, code) for code in explained]
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=[line.pk for line in flagged])
    for code in explained:
        line = line_of(assessment, code)
        line_explain(line=line, actor=editor, base_version=line.version, explanation=f"Giải trình của {code}.")
    return explanation_resubmit(assessment=refresh(assessment), actor=head)


def _row(user: Any, assessment: Any, **filters: Any) -> Any:
    rows = [r for r in queue_for_user(user=user, cycle=assessment.cycle, **filters).rows
            if r.assessment.pk == assessment.pk]
    return rows[0] if rows else None


def _new_by_area(row: Any) -> dict[str, int]:
    return {p.area.code: p.new_explanations for p in row.areas if p.mine}


def test_the_queue_counts_the_explanations_the_team_has_not_looked_at_per_assessment_and_area(
    submitted: Any, team: Any, lead: Any, appraiser: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given: round 2, the unit explained both leaves it was asked about
    back = _round_two(submitted, lead, unit_editor, unit_head, ("1.2.3", "2.1.1"))
    assert back.state == Assessment.State.IN_APPRAISAL and back.appraisal_round == 2
    # then: the lead (every area) sees both, the appraiser (area 2) the one of her area
    lead_row, own_row = _row(lead, submitted), _row(appraiser, submitted)
    assert (lead_row.new_explanations, _new_by_area(lead_row)) == (2, {"1": 1, "2": 1})
    assert (own_row.new_explanations, _new_by_area(own_row)) == (1, {"2": 1})
    # when: the appraiser decides her leaf again (here: keeps the self-score), it is no longer new
    line = line_of(submitted, "2.1.1")
    line_accept_self(line=line, actor=appraiser, base_version=line.version)
    assert _row(appraiser, submitted).new_explanations == 0
    assert _new_by_area(_row(lead, submitted)) == {"1": 1, "2": 0}
    # a score the lead sets for the other leaf clears it too
    line = line_of(submitted, "1.2.3")
    from appraisal.services import line_appraise

    line_appraise(line=line, actor=lead, base_version=line.version, value={"points": "0.25"}, note="Chưa đủ.")
    assert _row(lead, submitted).new_explanations == 0


def test_a_leaf_the_unit_left_unexplained_is_not_new_nor_is_anything_before_the_round_ends(
    submitted: Any, team: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    appraise_all(submitted, lead)
    flagged = [line_of(submitted, code) for code in ("1.2.3", "2.1.1")]
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line.pk for line in flagged])
    line = line_of(submitted, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung tài liệu.")
    # still in the round: the team waits for the resubmission, nothing is counted yet
    assert _row(lead, submitted).new_explanations == 0
    # the lead withdraws the round: the explanation written stays, and is new; the unexplained leaf is not
    from appraisal.services import explanation_withdraw

    explanation_withdraw(assessment=refresh(submitted), actor=lead, reason="Yêu cầu nhầm.")
    assert _new_by_area(_row(lead, submitted)) == {"1": 0, "2": 1}


def test_the_page_shows_the_new_explanations_and_filters_the_rows_that_have_some(
    client: Client, submitted: Any, team: Any, lead: Any, cycle: Any, unit_editor: Any, unit_head: Any
) -> None:
    other = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    self_score(other, unit_editor)
    submit(other, unit_head)
    _round_two(submitted, lead, unit_editor, unit_head, ("1.2.3", "2.1.1"))
    client.force_login(lead)
    body = seen(client.get(URL).content.decode().split("<tbody>")[1])
    assert "2 tiêu chí có giải trình mới chưa xem" in body
    assert "2: 4/4 <strong class=\"new-explanations\">(1 giải trình mới)</strong>" in body
    assert "1: 5/5 <strong class=\"new-explanations\">(1 giải trình mới)</strong>" in body
    assert "Sở Tài chính" in body
    response = client.get(URL, {"giai-trinh-moi": "1"})
    filtered = response.content.decode()
    assert 'name="giai-trinh-moi" value="1" checked' in filtered
    rows = response.context["queue"].rows
    assert [r.assessment.unit.code for r in rows] == ["so-y-te"]
    assert "Sở Tài chính" not in filtered.split("<tbody>")[1]
    # a filter that finds nothing says so, rather than showing every row
    line = line_of(submitted, "2.1.1")
    line_accept_self(line=line, actor=lead, base_version=line.version)
    line = line_of(submitted, "1.2.3")
    line_accept_self(line=line, actor=lead, base_version=line.version)
    assert client.get(URL, {"giai-trinh-moi": "1"}).context["queue"].rows == []


def test_the_new_explanations_cost_the_same_queries_for_one_unit_or_many(
    client: Client, submitted: Any, team: Any, lead: Any, cycle: Any, unit_editor: Any, unit_head: Any,
    django_assert_num_queries: Any,
) -> None:
    _round_two(submitted, lead, unit_editor, unit_head, ("2.1.1",))
    client.force_login(lead)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    with CaptureQueriesContext(connection) as one_filtered:
        client.get(URL, {"giai-trinh-moi": "1"})
    for code in ("so-tai-chinh", "so-xay-dung", "cuc-thue"):
        other = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(other, unit_editor)
        submit(other, unit_head)
        _round_two(other, lead, unit_editor, unit_head, ("1.2.3", "2.1.1"))
    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get(URL).content.decode()
    assert body.count("tiêu chí có giải trình mới chưa xem") == 4
    with django_assert_num_queries(len(one_filtered.captured_queries)):
        client.get(URL, {"giai-trinh-moi": "1"})
