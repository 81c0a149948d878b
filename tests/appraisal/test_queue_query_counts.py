"""The appraisal queue's page and its API cost the same queries whatever the number of units on the page, on a
queue as the team sees one mid-appraisal: rows in every state of the appraisal (submitted, started, in an
explanation round past its deadline, back from one with explanations nobody has read, signed off, reopened), one
handed over by the administrators, units of two ranking groups and kinds with parents, a member assigned some
units only, and the lead's unit the successor of a merger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from appraisal.models import AppraisalAssignment
from appraisal.services import (
    assessment_reopen,
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    line_explain,
)
from scoring.administration.services import unit_merge
from scoring.models import Assessment, Cycle, Indicator, RankingGroup, ScoreLine, Unit, UnitKind
from scoring.publication.services import cycle_overdue_drafts_hand_over
from scoring.services import assessments_open
from tests.api.conftest import as_user
from tests.appraisal.conftest import appraise_all, later, line_of, refresh, self_score, submit

pytestmark = pytest.mark.django_db
PAGE = reverse("appraisal:queue")
API = "/api/v1/appraisal/queue/"


def _special(cycle: Cycle, lead: Any, admin: Any, editor: Any, head: Any) -> None:
    """One row of each kind the queue treats apart, through the services as the team makes them."""
    units = {u.code: u for u in Unit.objects.filter(code__in=[
        "so-tai-chinh", "so-xay-dung", "cuc-thue", "so-cong-thuong", "so-giao-thong-van-tai", "so-tu-phap",
    ])}
    opened = {a.unit.code: a for a in assessments_open(cycle=cycle, units=list(units.values()), actor=None)}
    for code in ("so-tai-chinh", "so-xay-dung", "cuc-thue", "so-cong-thuong", "so-tu-phap"):
        self_score(opened[code], editor)
        submit(opened[code], head)
    # in appraisal, a leaf decided
    appraise_all(opened["so-tai-chinh"], lead)
    # in an explanation round past its deadline
    started = opened["so-xay-dung"]
    appraise_all(started, lead)
    explanation_request(assessment=refresh(started), actor=lead, deadline=later(),
                        line_ids=[line_of(started, "2.1.1").pk])
    Assessment.objects.filter(pk=started.pk).update(explanation_deadline=timezone.now() - timedelta(days=1))
    # back from an explanation round, its explanation not read by the team yet
    back = opened["cuc-thue"]
    appraise_all(back, lead)
    explanation_request(assessment=refresh(back), actor=lead, deadline=later(), line_ids=[line_of(back, "2.1.1").pk])
    line = line_of(back, "2.1.1")
    line_explain(line=line, actor=editor, base_version=line.version, explanation="Đã bổ sung tài liệu.")
    explanation_resubmit(assessment=refresh(back), actor=head)
    # signed off; another signed off, then reopened
    for code in ("so-cong-thuong", "so-tu-phap"):
        appraise_all(opened[code], lead)
        assessment_sign_off(assessment=refresh(opened[code]), actor=lead)
    assessment_reopen(assessment=refresh(opened["so-tu-phap"]), actor=admin, reason="Phúc tra.")
    # a draft past the deadline handed over by the administrators
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=1))
    cycle_overdue_drafts_hand_over(cycle=cycle, actor=admin, reason="Quá hạn", expected=1)


def _more(cycle: Cycle, count: int) -> None:
    """`count` more units of the cycle's department set, under a parent, self-scored and submitted (in bulk: the
    services' path is the special rows'); every third one started by the team."""
    kind = UnitKind.objects.get(code="department")
    group = RankingGroup.objects.get(code="so-ban-nganh")
    parent = Unit.objects.get(code="so-noi-vu")
    start = Unit.objects.filter(code__startswith="don-vi-them-").count()
    units = Unit.objects.bulk_create(
        Unit(code=f"don-vi-them-{i}", name=f"Đơn vị thêm {i}", kind=kind, ranking_group=group, parent=parent)
        for i in range(start, start + count)
    )
    opened = assessments_open(cycle=cycle, units=units, actor=None)
    ScoreLine.objects.filter(assessment__in=opened).update(self_score=Decimal("0.50"))
    now = timezone.now()
    ids = [a.pk for a in opened]
    Assessment.objects.filter(pk__in=ids).update(state=Assessment.State.SUBMITTED, submitted_at=now)
    Assessment.objects.filter(pk__in=ids[::3]).update(state=Assessment.State.IN_APPRAISAL, appraisal_round=1)


@pytest.fixture
def queue_world(cycle: Cycle, team: Any, lead: Any, appraiser: Any, admin_user: Any, unit_editor: Any,
                unit_head: Any) -> dict[str, Any]:
    _special(cycle, lead, admin_user, unit_editor, unit_head)
    # a member assigned area 2 of some units only
    member = AppraisalAssignment.objects.get(cycle=cycle, user=appraiser)
    member.units.set(Unit.objects.filter(code__in=["so-tai-chinh", "cuc-thue", "so-y-te"]))
    # the lead's unit took in another one (a merger's walk is the person's, not the rows')
    from tests.conftest import _user

    _user("xuan", "unit_editor", "so-khoa-hoc-cong-nghe")
    unit_merge(unit=Unit.objects.get(code="so-khoa-hoc-cong-nghe"), into=Unit.objects.get(code="so-noi-vu"),
               actor=admin_user)
    assert set(Indicator.objects.filter(parent__isnull=True).values_list("code", flat=True)) >= {"1", "2"}
    return {"lead": lead, "appraiser": appraiser, "admin": admin_user}


def _page_queries(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as seen:
        response = client.get(PAGE, params)
    assert response.status_code == 200
    return len(seen.captured_queries)


def _api_queries(api: APIClient, **params: str) -> int:
    with CaptureQueriesContext(connection) as seen:
        response = api.get(API, {"page_size": "50", **params})
    assert response.status_code == 200, response.json()
    return len(seen.captured_queries)


# The lead's queue on this dataset, query by query: the session, the user and their roles (3); the cycle shown, the
# ranking groups (2); the lead's assignment in the cycle, its areas and units (3); the sets in the queue, their rows
# and the one set's tree (3); the count and the page's rows, each row's reopening with it (2); the page's lines,
# each row's progress and self index from them (1); the explanations back from a round not read yet (2); the
# hand-overs (1); and, on the page, the cycles of its cycle picker (1). The API reads the same, its hand-overs in
# its assessments' serializer, and no cycle picker. A query more is a choice to make, not a drift: say why here.
PAGE_QUERIES = 18
API_QUERIES = 17


def test_the_queue_page_and_api_cost_a_fixed_number_of_queries_for_5_or_30_units(
    queue_world: dict[str, Any], cycle: Cycle,
) -> None:
    # given: the special rows and 5 more units
    _more(cycle, 5)
    client = Client()
    client.force_login(queue_world["lead"])
    api = as_user(APIClient(), queue_world["lead"])
    client.get(PAGE)  # warm the caches every first request fills
    api.get(API)
    few = {"page": _page_queries(client), "api": _api_queries(api), "api year": _api_queries(api, year="2020"),
           "page by name": _page_queries(client, **{"sap-xep": "ten"}),
           "api by self index": _api_queries(api, sort="self_index_high")}
    # when: 25 more
    _more(cycle, 25)
    many = {"page": _page_queries(client), "api": _api_queries(api), "api year": _api_queries(api, year="2020"),
            "page by name": _page_queries(client, **{"sap-xep": "ten"}),
            "api by self index": _api_queries(api, sort="self_index_high")}
    # then: the same queries, as many as listed above
    assert many == few
    assert (few["page"], few["api"], few["api year"]) == (PAGE_QUERIES, API_QUERIES, API_QUERIES)
    rows = api.get(API, {"page_size": "50"}).json()["rows"]
    assert len(rows) == 36  # the 5 rows self-scored, the one handed over and the 30 more
    assert {r["assessment"]["unit"]["parent_code"] for r in rows if r["unit_code"].startswith("don-vi-them-")} == {
        "so-noi-vu"}


@pytest.mark.parametrize("who", ["appraiser", "admin"])
def test_the_queue_of_a_member_or_an_administrator_costs_the_same_for_5_or_30_units(
    queue_world: dict[str, Any], cycle: Cycle, who: str,
) -> None:
    _more(cycle, 5)
    client = Client()
    client.force_login(queue_world[who])
    api = as_user(APIClient(), queue_world[who])
    client.get(PAGE)
    api.get(API)
    few = (_page_queries(client), _api_queries(api))
    _more(cycle, 25)
    assert (_page_queries(client), _api_queries(api)) == few


def test_the_queue_s_rows_say_their_progress_reopening_and_self_index_as_before(
    queue_world: dict[str, Any], cycle: Cycle,
) -> None:
    """What the page's one read of the lines counts (the lead's every area: the leaves, those decided) and computes
    (the index of the self-scores), and the reopened row read with the rows, as `review.reopened_ids` says it."""
    from appraisal.selectors.queue import queue_for_user
    from appraisal.selectors.review import reopened_ids

    _more(cycle, 2)
    rows = {r.assessment.unit.code: r for r in queue_for_user(user=queue_world["lead"], cycle=cycle, per_page=50).rows}
    assert {code for code, r in rows.items() if r.reopened} == {"so-tu-phap"}
    assert reopened_ids([r.assessment.pk for r in rows.values()]) == {rows["so-tu-phap"].assessment.pk}
    handed = rows["so-giao-thong-van-tai"]
    leaves = ScoreLine.objects.filter(assessment=handed.assessment).count()
    assert (handed.done, handed.total, handed.self_index) == (0, leaves, Decimal("0"))
    for code in ("so-tai-chinh", "so-cong-thuong"):  # every leaf decided; signed off
        assert (rows[code].done, rows[code].total, rows[code].self_index) == (leaves, leaves, Decimal("6.58"))
    added = [r for code, r in rows.items() if code.startswith("don-vi-them-")]
    assert len(added) == 2 and all(r.done == 0 and r.total == leaves and r.self_index is not None for r in added)
