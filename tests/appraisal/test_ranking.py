"""Ranking inside a group: ties share a rank (1, 2, 2, 4), equals listed by name, the set's bands classify,
groups are ranked apart, a reopened result leaves the ranking; the set-wise path ranks the same."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from appraisal.selectors import dashboard
from appraisal.services import assessment_reopen, assessment_sign_off, cycle_results_recompute
from scoring.models import Assessment, IndexResult, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import appraise_all, self_score, submit
from tests.conftest import SMALL_SET_VALUES, _user

pytestmark = pytest.mark.django_db

# Changes to SMALL_SET_VALUES (index 6.58) and the index each gives.
VARIANTS: dict[str, tuple[dict[str, Any], Decimal, str]] = {
    "so-y-te": ({}, Decimal("6.58"), "Trung bình"),
    "so-tai-chinh": ({}, Decimal("6.58"), "Trung bình"),
    "so-xay-dung": ({"1.1.1": {"option": "on_time"}, "1.2.2": {"counts": {"a": 4, "b": 4, "c": 0}}},
                    Decimal("8.20"), "Khá"),
    "so-cong-thuong": ({"1.2.1": {"value": False}}, Decimal("5.58"), "Yếu"),
    "so-noi-vu": ({"2.1.1": {"numerator": 81, "denominator": 100}}, Decimal("6.50"), "Trung bình"),
    "cuc-thue": ({"1.2.1": {"value": False}}, Decimal("5.58"), "Yếu"),
}


def _signed_off(cycle: Any, code: str, editor: Any, head: Any, lead: Any, capture: Any) -> Assessment:
    changes = VARIANTS[code][0]
    values = {k: (changes.get(k, v), s) for k, (v, s) in SMALL_SET_VALUES.items()}
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
    self_score(assessment, editor, values)
    submit(assessment, head)
    appraise_all(assessment, lead)
    with capture(execute=True):
        return assessment_sign_off(assessment=assessment, actor=lead)


@pytest.fixture
def ranked(cycle: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any,
           django_capture_on_commit_callbacks: Any) -> dict[str, Assessment]:
    # hoa never appraises her own unit: the Sở Nội vụ's assessment is led by a lead of another unit
    other = _user("khoa", "appraisal_lead", "van-phong-ubnd-tinh")
    return {code: _signed_off(cycle, code, unit_editor, unit_head, other if code == "so-noi-vu" else lead,
                              django_capture_on_commit_callbacks)
            for code in VARIANTS}


def _ranks(cycle: Any, group: str) -> list[tuple[int | None, str, Decimal, str]]:
    results = IndexResult.objects.filter(
        assessment__cycle=cycle, assessment__unit__ranking_group__code=group, stale=False
    ).select_related("assessment__unit")
    return sorted(((r.rank, r.assessment.unit.name, r.index, r.classification) for r in results),
                  key=lambda row: (row[0] or 99, row[1]))


EXPECTED = [
    (1, "Sở Xây dựng", Decimal("8.20"), "Khá"),
    (2, "Sở Tài chính", Decimal("6.58"), "Trung bình"),
    (2, "Sở Y tế", Decimal("6.58"), "Trung bình"),
    (4, "Sở Nội vụ", Decimal("6.50"), "Trung bình"),
    (5, "Sở Công Thương", Decimal("5.58"), "Yếu"),
]


def test_ties_share_a_rank_and_the_sets_bands_classify(ranked: Any, cycle: Any) -> None:
    assert _ranks(cycle, "so-ban-nganh") == EXPECTED


def test_a_band_is_reached_at_its_threshold(ranked: Any) -> None:
    result = IndexResult.objects.get(assessment=ranked["so-noi-vu"])
    assert result.index == Decimal("6.50") and result.classification == "Trung bình"


def test_each_group_is_ranked_apart(ranked: Any, cycle: Any) -> None:
    assert _ranks(cycle, "nganh-doc") == [(1, "Cục Thuế tỉnh", Decimal("5.58"), "Yếu")]


def test_a_reopened_result_leaves_the_ranking_and_the_others_close_up(
    ranked: Any, cycle: Any, admin_user: Any
) -> None:
    assessment_reopen(assessment=ranked["so-xay-dung"], actor=admin_user, reason="Phúc tra theo khiếu nại.")
    assert _ranks(cycle, "so-ban-nganh") == [
        (1, "Sở Tài chính", Decimal("6.58"), "Trung bình"),
        (1, "Sở Y tế", Decimal("6.58"), "Trung bình"),
        (3, "Sở Nội vụ", Decimal("6.50"), "Trung bình"),
        (4, "Sở Công Thương", Decimal("5.58"), "Yếu"),
    ]
    stale = IndexResult.objects.get(assessment=ranked["so-xay-dung"])
    assert stale.stale and stale.rank is None


def test_the_set_wise_recompute_gives_the_same_rows_and_ranks(ranked: Any, cycle: Any) -> None:
    before = {
        r.assessment_id: (r.normal_total, r.bonus, r.penalty, r.total, r.index, r.area_totals, r.classification,
                          r.rank, r.computed_from_version)
        for r in IndexResult.objects.all()
    }
    assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)
    assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)  # idempotent
    after = {
        r.assessment_id: (r.normal_total, r.bonus, r.penalty, r.total, r.index, r.area_totals, r.classification,
                          r.rank, r.computed_from_version)
        for r in IndexResult.objects.all()
    }
    assert after == before
    assert _ranks(cycle, "so-ban-nganh") == EXPECTED


def test_the_set_wise_recompute_rewrites_only_the_results_that_differ(ranked: Any, cycle: Any) -> None:
    """A result that comes out the same keeps its row (and its time); a wrong, a stale and a missing one are
    written again, with their ranks."""
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=30)
    IndexResult.objects.update(computed_at=long_ago)
    wrong, stale, missing = (IndexResult.objects.get(assessment=ranked[code])
                             for code in ("so-y-te", "so-noi-vu", "so-tai-chinh"))
    IndexResult.objects.filter(pk=wrong.pk).update(index=Decimal("99.99"), area_totals={}, rank=9)
    IndexResult.objects.filter(pk=stale.pk).update(stale=True)
    IndexResult.objects.filter(pk=missing.pk).delete()

    assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)

    rewritten = {r.assessment.unit.code for r in IndexResult.objects.select_related("assessment__unit")
                 if r.computed_at > long_ago}
    assert rewritten == {"so-y-te", "so-noi-vu", "so-tai-chinh"}
    assert IndexResult.objects.get(assessment=ranked["so-y-te"]).area_totals == wrong.area_totals
    assert not IndexResult.objects.filter(stale=True).exists()
    assert _ranks(cycle, "so-ban-nganh") == EXPECTED


def test_the_set_wise_recompute_mends_a_result_whose_area_totals_alone_differ(ranked: Any, cycle: Any) -> None:
    """Every figure right but the area totals (two swapped, one extra area, one missing): each is written again."""
    results = {code: IndexResult.objects.get(assessment=ranked[code])
               for code in ("so-y-te", "so-noi-vu", "so-tai-chinh")}
    right = {code: dict(r.area_totals) for code, r in results.items()}
    swapped = dict(right["so-y-te"])
    first, second = sorted(swapped)[:2]
    swapped[first], swapped[second] = swapped[second], "%s" % (Decimal(swapped[first]) + 1)
    IndexResult.objects.filter(pk=results["so-y-te"].pk).update(area_totals=swapped)
    IndexResult.objects.filter(pk=results["so-noi-vu"].pk).update(area_totals={**right["so-noi-vu"], "Z": "0.00"})
    IndexResult.objects.filter(pk=results["so-tai-chinh"].pk).update(
        area_totals={k: v for k, v in right["so-tai-chinh"].items() if k != first})

    assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)

    assert {code: IndexResult.objects.get(pk=r.pk).area_totals for code, r in results.items()} == right


def test_the_set_wise_recompute_prepares_its_query_once_and_keeps_a_percent_sign_in_a_label(
    ranked: Any, cycle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the recompute query is prepared on the connection with its values in place, then executed by
    name; a band label with "%" (even "%s") in it is stored as written."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from appraisal.selectors import recompute
    from scoring import compiled
    from scoring.models import IndicatorSet
    from tests.conftest import need_service

    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # The connection outlives each test: earlier tests' statements must not use up its limit (tested below).
    monkeypatch.setattr(recompute, "_KEPT_MOST", recompute._KEPT_MOST + compiled.prepared_names(recompute._KEPT_PREFIX))
    bands = [{"min": "9", "label": "Tốt"}, {"min": "8", "label": "Khá (≥ 80%)"},
             {"min": "6.5", "label": "Trung bình %s 100%"}, {"min": "0", "label": "Yếu"}]
    IndicatorSet.objects.filter(assessments__cycle=cycle).update(classification_bands=bands)
    with CaptureQueriesContext(connection) as first:
        assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)
    labels = {label for _rank, _name, _index, label in _ranks(cycle, "so-ban-nganh")}
    assert labels == {"Khá (≥ 80%)", "Trung bình %s 100%", "Yếu"}
    with CaptureQueriesContext(connection) as second:
        assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)
    prepared = [q["sql"] for q in first.captured_queries if q["sql"].startswith("PREPARE cchc_recompute_")]
    executed = [q["sql"] for q in second.captured_queries if "cchc_recompute_" in q["sql"]]
    assert len(prepared) == 1 and len(executed) == 1
    assert executed[0].startswith("EXECUTE " + prepared[0].split()[1])


def test_past_its_limit_of_prepared_queries_the_recompute_sends_its_query_whole(
    ranked: Any, cycle: Any, monkeypatch: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from appraisal.selectors import recompute
    from tests.conftest import need_service

    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    monkeypatch.setattr(recompute, "_KEPT_MOST", 0)
    with CaptureQueriesContext(connection) as queries:
        assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)
    assert not any("cchc_recompute_" in q["sql"] for q in queries.captured_queries)
    assert any(q["sql"].lstrip().startswith("WITH s AS") for q in queries.captured_queries)
    assert _ranks(cycle, "so-ban-nganh") == EXPECTED


def test_the_recompute_query_reads_the_score_lines_in_one_pass(ranked: Any, cycle: Any, monkeypatch: Any) -> None:
    """PostgreSQL: the normal, bonus/penalty and not-applicable leaves are summed in the one (parallel) scan of the
    score lines, not in further scans after it (a national cycle's bonus/penalty lines, read through their
    indicators' index, cost a third of the query alone); the results are the same (see test_setwise.py)."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from appraisal.selectors import recompute
    from tests.conftest import need_service

    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    monkeypatch.setattr(recompute, "_KEPT_MOST", 0)  # sent whole: its text is captured with its values in place
    IndexResult.objects.filter(assessment__cycle=cycle).update(stale=True)
    with CaptureQueriesContext(connection) as queries:
        assert cycle_results_recompute(cycle_id=cycle.pk) == len(VARIANTS)
    (sql,) = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("WITH s AS")]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql.replace("%", "%%"))
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def scans(node: dict[str, Any]) -> list[str]:
        own = [node["Relation Name"]] if "Relation Name" in node else []
        return own + [name for child in node.get("Plans", []) for name in scans(child)]

    assert scans(plan[0]["Plan"]).count("scoring_scoreline") == 1
    assert _ranks(cycle, "so-ban-nganh") == EXPECTED


def test_the_dashboard_previews_each_groups_ranking(ranked: Any, cycle: Any) -> None:
    data = dashboard(cycle=cycle)
    by_group = {g.group.code: g for g in data.rankings if g.group}
    rows = [(r.rank, r.assessment.unit.name) for r in by_group["so-ban-nganh"].results]
    assert rows == [(1, "Sở Xây dựng"), (2, "Sở Tài chính"), (2, "Sở Y tế"), (4, "Sở Nội vụ"), (5, "Sở Công Thương")]
    assert dict((s, n) for s, _label, n in data.states)["signed_off"] == len(VARIANTS)


def test_the_dashboard_lists_a_stale_or_outdated_result_as_pending_not_ranked(ranked: Any, cycle: Any) -> None:
    stale, outdated = ranked["so-xay-dung"], ranked["so-y-te"]
    IndexResult.objects.filter(assessment=stale).update(stale=True)
    Assessment.objects.filter(pk=outdated.pk).update(version=outdated.version + 1)  # changed since computed
    data = dashboard(cycle=cycle)
    (group,) = [g for g in data.rankings if g.group and g.group.code == "so-ban-nganh"]
    assert sorted(a.unit.name for a in group.pending) == ["Sở Xây dựng", "Sở Y tế"]
    assert [(r.rank, r.assessment.unit.name) for r in group.results] == [
        (2, "Sở Tài chính"), (4, "Sở Nội vụ"), (5, "Sở Công Thương")]


def test_the_dashboards_sums_over_the_lines_join_only_their_assessments(ranked: Any, cycle: Any) -> None:
    # A national cycle's 400,000 lines: the models' default orderings must not leave joins (each line's
    # indicator, its assessment's unit and cycle) in the grouped sums, which order nothing.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        dashboard(cycle=cycle)
    (grouped,) = [q["sql"] for q in queries.captured_queries
                  if "GROUP BY" in q["sql"] and "scoring_scoreline" in q["sql"]]
    tables = {word.strip('"') for word in grouped.split() if word.startswith('"scoring_') and "." not in word}
    assert tables == {"scoring_scoreline", "scoring_assessment"}


def test_the_dashboard_page_reads_no_assessment_result_or_unit_one_at_a_time(
    ranked: Any, cycle: Any, lead: Any, client: Any
) -> None:
    # The dashboard reads only some fields of a national cycle's thousands of assessments and results: the page
    # must need no other (a field left unread would be read again for each row, one query at a time).
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.force_login(lead)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("appraisal:dashboard") + f"?ky={cycle.pk}").content.decode()
    assert "Sở Xây dựng" in body and "Sở Công Thương" in body
    one_at_a_time = re.compile(r'WHERE "scoring_(assessment|indexresult|unit|rankinggroup)"."id" = ')
    assert [q["sql"] for q in queries.captured_queries if one_at_a_time.search(q["sql"])] == []


def test_the_dashboards_area_averages_count_the_signed_off_assessments_only(
    ranked: Any, cycle: Any, unit_editor: Any, unit_head: Any
) -> None:
    from scoring.models import Indicator, ScoreLine

    # A unit still in appraisal, every leaf at its maximum: it must not move the averages.
    pending = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    self_score(pending, unit_editor)
    submit(pending, unit_head)
    ScoreLine.objects.filter(assessment=pending).update(self_score=99, appraised_score=99)
    data = dashboard(cycle=cycle)
    signed = list(Assessment.objects.filter(cycle=cycle, state=Assessment.State.SIGNED_OFF))
    assert data.averages
    for average in data.averages:
        leaves = Indicator.objects.filter(
            indicator_set=average.indicator_set, is_leaf=True, kind=Indicator.Kind.NORMAL,
            code__startswith=f"{average.area.code}.",
        )
        lines = ScoreLine.objects.filter(assessment__in=signed, indicator__in=leaves)
        of_set = [a for a in signed if a.indicator_set_id == average.indicator_set.pk]
        assert average.assessments == len(of_set)
        self_sum = sum((line.self_score or 0 for line in lines), Decimal(0))
        appraised_sum = sum((line.appraised_score or 0 for line in lines), Decimal(0))
        assert average.self_avg == (self_sum / len(of_set)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert average.appraised_avg == (appraised_sum / len(of_set)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("overruled", [False, True])
def test_the_dashboards_area_averages_count_a_not_applicable_leaf_as_the_index_does(
    cycle: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any, overruled: bool,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given Sở Y tế's leaf 1.2.2 (1.5 points) declared «không phát sinh», accepted or overruled at 0.75
    from appraisal.services import line_appraise
    from scoring.services import assessment_compute, score_line_save_self
    from tests.appraisal.conftest import line_of

    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]
    self_score(assessment, unit_editor)
    line = line_of(assessment, "1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có đợt kiểm tra")
    submit(assessment, unit_head)
    appraise_all(assessment, lead)
    if overruled:
        line = line_of(assessment, "1.2.2")
        line_appraise(line=line, actor=lead, base_version=line.version,
                      value={"counts": {"a": 4, "b": 2, "c": 0}}, note="Có biên bản kiểm tra.")
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=assessment, actor=lead)

    # when
    data = dashboard(cycle=cycle)

    # then both averages are the area totals the index uses
    result = IndexResult.objects.get(assessment=assessment)
    self_totals = assessment_compute(assessment=assessment, basis="self").area_totals
    (area_1,) = [a for a in data.averages if a.area.code == "1"]
    assert area_1.self_avg == Decimal(self_totals["1"]).quantize(Decimal("0.01")) == Decimal("4.00")
    assert area_1.appraised_avg == Decimal(result.area_totals["1"]) == Decimal("3.25" if overruled else "4.00")
