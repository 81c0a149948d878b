"""The appraisal queue (page and API): answered without any cycle, units in Vietnamese alphabetical order,
the filter «Lĩnh vực của tôi chưa xong» and the number of units shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
API = "/api/v1/appraisal/queue/"


def test_the_api_queue_without_any_cycle_answers_an_empty_list_as_the_page_does(lead: Any, client: Any) -> None:
    from scoring.models import Cycle

    # given: no cycle at all
    Cycle.objects.all().delete()
    api = APIClient()
    api.force_authenticate(lead)
    # when
    answer = api.get(API)
    # then: as the HTML queue, an empty list rather than a 500
    assert answer.status_code == 200, answer.content[:300]
    assert answer.json() == {"cycle": None, "cycle_year": None, "count": 0, "next": None, "previous": None,
                             "rows": []}
    client.force_login(lead)
    page = client.get("/tham-dinh/")
    assert page.status_code == 200
    assert "Không có bản đánh giá nào cần thẩm định" in page.content.decode()
    # a page that is not there stays a 400, as every list
    assert api.get(API, {"page": 2}).status_code == 400


DEPARTMENTS = ["so-khoa-hoc-cong-nghe", "so-ke-hoach-dau-tu", "so-cong-thuong", "so-nong-nghiep-ptnt", "so-ngoai-vu"]
# Vietnamese alphabetical order (code points put «Khoa» before «Kế», «Ngoại» before «Nông»… and «Nông» after «Ngo»)
IN_ORDER = ["Sở Công Thương", "Sở Kế hoạch và Đầu tư", "Sở Khoa học và Công nghệ", "Sở Ngoại vụ",
            "Sở Nông nghiệp và Phát triển nông thôn"]


def _opened(cycle: Any, codes: list[str], state: str) -> list[Any]:
    """The units' assessments, put straight in `state` (the order does not depend on how they got there)."""
    from scoring.models import Assessment, Unit
    from scoring.services import assessments_open

    opened = assessments_open(cycle=cycle, units=list(Unit.objects.filter(code__in=codes)), actor=None)
    Assessment.objects.filter(pk__in=[a.pk for a in opened]).update(state=state)
    return opened


def test_the_queue_lists_units_in_vietnamese_alphabetical_order(cycle: Any, team: Any, lead: Any, client: Any) -> None:
    from appraisal.selectors.queue import queue_for_user

    _opened(cycle, DEPARTMENTS, "submitted")
    names = [r.assessment.unit.name for r in queue_for_user(user=lead, cycle=cycle).rows]
    assert names == IN_ORDER
    api = APIClient()
    api.force_authenticate(lead)
    assert [r["unit_name"] for r in api.get(API).json()["rows"]] == IN_ORDER
    client.force_login(lead)
    body = client.get("/tham-dinh/").content.decode()
    assert [body.index(name) for name in IN_ORDER] == sorted(body.index(name) for name in IN_ORDER)


def test_the_next_unit_follows_the_queues_vietnamese_order(cycle: Any, team: Any, lead: Any) -> None:
    from appraisal.selectors.queue import queue_next

    opened = {a.unit.name: a for a in _opened(cycle, DEPARTMENTS, "submitted")}
    found = queue_next(user=lead, assessment=opened["Sở Kế hoạch và Đầu tư"], cycle=cycle, group="", state="",
                       area_code="", page=1, per_page=2, new_explanations=False)
    assert found is not None and found[0].unit.name == "Sở Khoa học và Công nghệ"


def test_the_dashboard_lists_units_in_vietnamese_alphabetical_order_ties_included(
    cycle: Any, team: Any, lead: Any, client: Any,
) -> None:
    from appraisal.selectors.oversight import dashboard
    from scoring.models import IndexResult

    opened = _opened(cycle, DEPARTMENTS, "signed_off")
    # given: three of them tied (same rank, same index), the two others waiting for their result
    for a in opened:
        if a.unit.code in ("so-khoa-hoc-cong-nghe", "so-ke-hoach-dau-tu", "so-cong-thuong"):
            a.refresh_from_db()
            IndexResult.objects.create(
                assessment=a, normal_total=0, bonus=0, penalty=0, total=0, applicable_max=10, index="8.00", rank=1,
                classification="good", computed_at=timezone.now(), computed_from_version=a.version,
            )
    data = dashboard(cycle=cycle)
    (ranking,) = data.rankings
    assert [r.assessment.unit.name for r in ranking.results] == IN_ORDER[:3]
    assert [a.unit.name for a in ranking.pending] == IN_ORDER[3:]


def _decide(assessment: Any, area: str, *, but: tuple[str, ...] = ()) -> None:
    """Every leaf of `area` given an appraised score, except the leaves `but`."""
    from scoring.models import ScoreLine

    ScoreLine.objects.filter(assessment=assessment, indicator__code__startswith=f"{area}.", indicator__children=None
                             ).exclude(indicator__code__in=but).update(appraised_score=0)


def test_my_areas_still_open_keeps_the_units_where_a_leaf_of_my_area_is_undecided(
    cycle: Any, team: Any, appraiser: Any, lead: Any, client: Any,
) -> None:
    from appraisal.selectors.queue import queue_for_user

    opened = {a.unit.code: a for a in _opened(cycle, DEPARTMENTS, "in_appraisal")}
    # given: area 2 (the appraiser's) finished for three units, one leaf of it left on one; area 1 nowhere
    for code in ("so-ke-hoach-dau-tu", "so-cong-thuong", "so-ngoai-vu"):
        _decide(opened[code], "2")
    _decide(opened["so-khoa-hoc-cong-nghe"], "2", but=("2.1.1",))
    # when / then: the appraiser's open areas are area 2's
    rows = queue_for_user(user=appraiser, cycle=cycle, open_areas=True).rows
    assert [r.assessment.unit.name for r in rows] == ["Sở Khoa học và Công nghệ",
                                                     "Sở Nông nghiệp và Phát triển nông thôn"]
    assert all(r.done < r.total for r in rows)
    # the lead covers every area: all five still have area 1 open; with the area filter, only area 2 counts
    assert len(queue_for_user(user=lead, cycle=cycle, open_areas=True).rows) == 5
    assert len(queue_for_user(user=lead, cycle=cycle, open_areas=True, area_code="2").rows) == 2
    # the page: the checkbox, kept by the pager and carried to the review pages, and the number of units
    client.force_login(appraiser)
    page = client.get("/tham-dinh/", {"chua-xong": "1"})
    body = page.content.decode()
    assert "Lĩnh vực của tôi chưa xong" in body and 'name="chua-xong" value="1" checked' in body
    assert [r.assessment.unit.code for r in page.context["queue"].rows] == ["so-khoa-hoc-cong-nghe",
                                                                            "so-nong-nghiep-ptnt"]
    assert 'data-count="2">2 đơn vị<' in body
    assert "chua-xong%3D1" in page.context["review_query"]
    assert 'data-count="5">5 đơn vị<' in client.get("/tham-dinh/").content.decode()


def test_a_not_applicable_waiting_for_the_team_is_open_until_the_assessment_is_signed_off(
    cycle: Any, team: Any, lead: Any,
) -> None:
    from appraisal.selectors.queue import queue_for_user
    from scoring.models import Assessment, ScoreLine

    (a,) = _opened(cycle, ["so-ke-hoach-dau-tu"], "in_appraisal")
    _decide(a, "1", but=("1.2.2",))
    ScoreLine.objects.filter(assessment=a, indicator__code="1.2.2").update(
        appraised_score=None, not_applicable=True, not_applicable_reason="Không phát sinh trong năm.",
        na_accepted=False, na_overruled=False)
    assert len(queue_for_user(user=lead, cycle=cycle, area_code="1", open_areas=True).rows) == 1
    ScoreLine.objects.filter(assessment=a, indicator__code="1.2.2").update(na_accepted=True)
    assert queue_for_user(user=lead, cycle=cycle, area_code="1", open_areas=True).rows == []
    ScoreLine.objects.filter(assessment=a, indicator__code="1.2.2").update(na_accepted=False)
    Assessment.objects.filter(pk=a.pk).update(state="signed_off")  # signed off before acceptance was recorded
    assert queue_for_user(user=lead, cycle=cycle, area_code="1", open_areas=True).rows == []


def test_the_api_queue_takes_my_areas_open(cycle: Any, team: Any, appraiser: Any) -> None:
    opened = {a.unit.code: a for a in _opened(cycle, DEPARTMENTS, "in_appraisal")}
    for code in ("so-ke-hoach-dau-tu", "so-cong-thuong", "so-ngoai-vu", "so-nong-nghiep-ptnt"):
        _decide(opened[code], "2")
    api = APIClient()
    api.force_authenticate(appraiser)
    answer = api.get(API, {"my_areas_open": "true"}).json()
    assert answer["count"] == 1 and [r["unit_code"] for r in answer["rows"]] == ["so-khoa-hoc-cong-nghe"]
    assert api.get(API).json()["count"] == 5
    assert api.get(API, {"my_areas_open": "maybe"}).status_code == 400


def test_the_open_areas_filter_costs_the_same_queries_for_one_unit_or_many(
    cycle: Any, team: Any, appraiser: Any, client: Any, django_assert_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _opened(cycle, DEPARTMENTS[:1], "in_appraisal")
    client.force_login(appraiser)
    with CaptureQueriesContext(connection) as one:
        client.get("/tham-dinh/", {"chua-xong": "1"})
    _opened(cycle, DEPARTMENTS[1:], "in_appraisal")
    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get("/tham-dinh/", {"chua-xong": "1"}).content.decode()
    assert "5 đơn vị" in body
