"""The review page, an area's bulk accept and the sign-off cost a fixed number of queries whatever the number of
leaves: an assessment of a set with many more leaves reads and writes with as many queries as a small one. Each leaf
the bulk accept takes keeps its own audit entry and its own new version."""

from __future__ import annotations

from copy import deepcopy
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal.models import LineHistory
from scoring.models import Assessment, AuditEntry, Indicator, ScoreLine
from tests.appraisal.conftest import refresh, submit
from tests.conftest import SMALL_SET_VALUES, small_set_data

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 14  # the extra «có / không» leaves of area 1 (sub-area 1.3) in the two sets compared


def wide_set_data(extra: int, key: str, year: int) -> dict[str, Any]:
    """The small set of `year` with `extra` more leaves in area 1 (1.3.1, 1.3.2, …, each «có / không», 0,5
    points)."""
    data = deepcopy(small_set_data(key=key, year=year))
    area = data["indicators"][0]
    points = Decimal("0.5") * extra
    area["children"].append({
        "code": "1.3", "name": "Tuyên truyền CCHC", "kind": "normal", "max_points": str(points), "children": [
            {"code": f"1.3.{i}", "name": f"Hoạt động tuyên truyền {i}", "kind": "normal", "max_points": "0.5",
             "method": "yes_no", "params": {}} for i in range(1, extra + 1)
        ],
    })
    area["max_points"] = str(Decimal(area["max_points"]) + points)
    data["standard_max"] = str(Decimal(data["standard_max"]) + points)
    return data


def wide_assessment(extra: int, year: int, editor: Any, head: Any) -> Assessment:
    """Sở Y tế's assessment of a cycle of `year` on a set with `extra` more leaves: every leaf self-scored (no
    evidence needed), one «không phát sinh» among them (1.2.2), submitted."""
    from scoring.models import Unit, UnitKind
    from scoring.services import assessments_open, cycle_create, indicator_set_import, score_line_save_self

    indicator_set = indicator_set_import(data=wide_set_data(extra, key=f"wide-{extra}", year=year), actor=None)
    Indicator.objects.filter(indicator_set=indicator_set).update(evidence_required=False)
    cycle = cycle_create(year=year, name=f"Chỉ số CCHC năm {year}",
                         sets={UnitKind.objects.get(code="department"): indicator_set}, actor=None)
    from tests.conftest import self_assessment_phase

    self_assessment_phase(cycle)
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]
    values = {**SMALL_SET_VALUES, **{f"1.3.{i}": ({"value": True}, Decimal("0.5")) for i in range(1, extra + 1)}}
    for line in assessment.lines.select_related("indicator"):
        code = line.indicator.code
        kps = code == "1.2.2"
        score_line_save_self(line=line, actor=editor, base_version=line.version,
                             value=None if kps else values[code][0], not_applicable=kps,
                             not_applicable_reason="Không có cuộc kiểm tra nào." if kps else "")
    submit(assessment, head)
    return refresh(assessment)


@pytest.fixture
def pair(catalogue: Any, unit_editor: Any, unit_head: Any, lead: Any) -> tuple[Assessment, Assessment]:
    """Two submitted assessments, alike but for the number of leaves of area 1 (FEW, MANY extra)."""
    return (wide_assessment(FEW, 2021, unit_editor, unit_head), wide_assessment(MANY, 2022, unit_editor, unit_head))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _area(assessment: Assessment) -> Indicator:
    return Indicator.objects.get(indicator_set_id=assessment.indicator_set_id, code="1", parent__isnull=True)


def _accept_area(client: Client, assessment: Assessment) -> tuple[int, dict[str, Any]]:
    url = reverse("appraisal:accept_area", args=[assessment.pk, _area(assessment).pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def test_an_areas_bulk_accept_costs_the_same_queries_for_many_leaves_as_for_few(pair: Any, lead: Any) -> None:
    few, many = pair
    client = _client(lead)
    lines_before = {line.pk: line.version for line in ScoreLine.objects.filter(assessment__in=pair)}
    versions_before = {a.pk: a.version for a in pair}
    # when the lead accepts area 1 of each (a «không phát sinh» and self-scored leaves: 5 + the extra leaves)
    few_queries, few_answer = _accept_area(client, few)
    many_queries, many_answer = _accept_area(client, many)
    assert few_answer["accepted"] == 5 + FEW and many_answer["accepted"] == 5 + MANY
    # then both cost the same number of queries
    assert many_queries == few_queries
    # and each leaf accepted is saved on its own: its own new version, its own audit entry (the «không phát sinh»
    # accepted as such), the assessment's version moved once per leaf (and once for the start of the appraisal)
    for assessment, answer in ((few, few_answer), (many, many_answer)):
        accepted = ScoreLine.objects.filter(pk__in=[line["id"] for line in answer["lines"]])
        assert accepted.count() == answer["accepted"]
        for line in accepted.select_related("indicator"):
            assert line.version == lines_before[line.pk] + 1
            action = "score_line.accept_not_applicable" if line.not_applicable else "score_line.appraise"
            entry = AuditEntry.objects.get(object_type="ScoreLine", object_id=str(line.pk),
                                           action__in=("score_line.appraise", "score_line.accept_not_applicable"))
            assert entry.action == action and entry.actor == lead and entry.assessment_id == assessment.pk
            if line.not_applicable:
                assert line.na_accepted and line.appraised_score is None
            else:
                assert line.appraised_score == line.self_score and line.appraised_value == line.self_value
                assert entry.changes["appraised_score"] == {"old": None, "new": str(line.self_score)}
            assert line.updated_by == lead
        fresh = refresh(assessment)
        assert fresh.state == Assessment.State.IN_APPRAISAL
        assert fresh.version == versions_before[assessment.pk] + 1 + answer["accepted"]
        # the start of the appraisal recorded every leaf's self-score, as before
        assert LineHistory.objects.filter(assessment=assessment, stage=LineHistory.Stage.SELF).count() == \
            assessment.lines.count()
    from scoring.audit import verify_chain

    assert verify_chain().ok


def _page_queries(client: Client, assessment: Assessment) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("appraisal:review", args=[assessment.pk]))
    assert response.status_code == 200
    return len(queries), response.content


def test_the_review_page_costs_the_same_queries_for_many_leaves_as_for_few(pair: Any, lead: Any) -> None:
    few, many = pair
    client = _client(lead)
    _page_queries(client, few)  # the first page of the session reads what every later one finds at hand
    few_queries, few_page = _page_queries(client, few)
    many_queries, many_page = _page_queries(client, many)
    assert many_page.count(b"data-leaf ") == few_page.count(b"data-leaf ") + MANY - FEW
    assert many_queries == few_queries
    # so too once the leaves are decided (each with its history and its audit)
    _accept_area(client, few)
    _accept_area(client, many)
    assert _page_queries(client, many)[0] == _page_queries(client, few)[0]


def test_the_sign_off_costs_the_same_queries_for_many_leaves_as_for_few(pair: Any, lead: Any) -> None:
    from appraisal.services import line_accept_self

    client = _client(lead)
    counts = []
    for assessment in pair:
        for line in assessment.lines.select_related("indicator").order_by("indicator__order"):
            line_accept_self(line=line, actor=lead, base_version=line.version)
        fresh = refresh(assessment)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("appraisal:sign_off", args=[fresh.pk]), {"base_version": fresh.version})
        assert response.status_code == 302
        assert refresh(assessment).state == Assessment.State.SIGNED_OFF
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_review_page_reverses_as_many_urls_for_many_leaves_as_for_few(
    pair: Any, lead: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a route reversed for every leaf (its forms' addresses, its files') cost the page a tenth of its time
    from django.urls.resolvers import URLResolver

    few, many = pair
    client = _client(lead)
    _page_queries(client, few)
    original = URLResolver._reverse_with_prefix
    calls: list[str] = []

    def counted(self: Any, lookup_view: Any, *args: Any, **kwargs: Any) -> str:
        calls.append(str(lookup_view))
        return original(self, lookup_view, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counted)
    counts = []
    for assessment in (few, many, few):
        calls.clear()
        html = _page_queries(client, assessment)[1].decode()
        counts.append(len(calls))
        # the addresses drawn are the routes' own
        line = assessment.lines.order_by("indicator__order").first()
        assert line is not None
        for name in ("appraisal:appraise_line", "appraisal:accept_line"):
            monkeypatch.setattr(URLResolver, "_reverse_with_prefix", original)
            url = reverse(name, args=[assessment.pk, line.pk])
            monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counted)
            assert f'action="{url}"' in html
    assert counts[1] == counts[2]
