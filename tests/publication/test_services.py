from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.errors import StateConflict, ValidationFailed
from scoring.models import AuditEntry, Cycle, Publication, Unit
from scoring.publication import selectors
from scoring.publication.services import cycle_publish
from tests.publication.conftest import DOC_DATE, sign_off_unit

pytestmark = pytest.mark.django_db


def test_publishing_is_refused_while_a_unit_is_not_signed_off_and_nothing_is_written(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    from scoring.services import assessments_open

    assessments_open(cycle=signed_cycle, units=[Unit.objects.get(code="cuc-thue")], actor=None)
    with pytest.raises(StateConflict) as err:
        cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE,
                      actor=admin_user)
    assert any("Cục Thuế" in line for line in err.value.details)
    assert not Publication.objects.exists()
    signed_cycle.refresh_from_db()
    assert signed_cycle.phase != Cycle.Phase.PUBLISHED


def test_the_preview_builds_the_same_snapshot_without_reading_every_score(signed_cycle: Cycle) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scoring.publication.services import snapshot_build

    whole, scores = snapshot_build(cycle=signed_cycle)
    with CaptureQueriesContext(connection) as queries:
        preview, no_scores = snapshot_build(cycle=signed_cycle, with_scores=False)
    assert preview == whole and scores["so-y-te"] and no_scores == {}
    assert not any("scoring_scoreline" in q["sql"] for q in queries.captured_queries)


def test_each_snapshot_row_describes_its_unit_group_and_set_as_stored(signed_cycle: Cycle) -> None:
    # The snapshot reads plain rows and the few kinds, groups and sets apart: each row must still carry its own.
    from scoring.models import IndexResult
    from scoring.publication.services import snapshot_build

    snapshot, _scores = snapshot_build(cycle=signed_cycle, with_scores=False)
    by_code = {r["unit_code"]: r for r in snapshot["rows"]}
    results = IndexResult.objects.filter(assessment__cycle=signed_cycle).select_related(
        "assessment__unit__kind", "assessment__unit__ranking_group", "assessment__indicator_set")
    assert len(by_code) == len(results) > 1
    for result in results:
        unit, indicator_set = result.assessment.unit, result.assessment.indicator_set
        row = by_code[unit.code]
        assert (row["unit_id"], row["unit_name"], row["unit_short_name"], row["unit_kind"]) == (
            unit.pk, unit.name, unit.short_name, unit.kind.name)
        assert row["group_code"] == (unit.ranking_group.code if unit.ranking_group else "")
        assert (row["set_key"], row["set_version"]) == (indicator_set.key, indicator_set.version)
        assert (row["rank"], row["index"], row["classification"]) == (
            result.rank, f"{result.index:.2f}", result.classification)
        assert row["area_totals"] == {code: f"{Decimal(str(v)):.2f}" for code, v in result.area_totals.items()}
    assert {g["code"] for g in snapshot["groups"]} == {
        r.assessment.unit.ranking_group.code for r in results if r.assessment.unit.ranking_group}


def test_publishing_stores_the_ranking_with_ties_and_the_set_version(publication: Publication) -> None:
    rows = publication.snapshot["rows"]
    assert [(r["unit_name"], r["index"], r["rank"]) for r in rows] == [
        ("Sở Công Thương", "7.58", 1),
        ("Sở Tư pháp", "7.58", 1),
        ("Sở Y tế", "6.58", 3),
        ("Sở Xây dựng", "5.58", 4),
    ]
    assert {(r["set_key"], r["set_version"]) for r in rows} == {("test-set", 1)}
    assert rows[2]["area_totals"] == {"1": "3.38", "2": "2.70"}
    assert publication.scores["so-y-te"]["1.2.2"] == "0.88"
    assert publication.revision == 1 and publication.document_number == "Công văn số 4567/UBND-NC"
    assert publication.cycle.phase == Cycle.Phase.PUBLISHED
    assert AuditEntry.objects.filter(action="publication.publish", object_id=str(publication.pk)).exists()


def test_a_publication_cannot_be_changed_or_deleted(publication: Publication) -> None:
    publication.document_number = "khác"
    with pytest.raises(PermissionError):
        publication.save()
    with pytest.raises(PermissionError):
        publication.delete()


def test_a_correction_needs_a_reason_and_keeps_the_earlier_revision_readable(
    publication: Publication, admin_user: Any, cycle: Cycle
) -> None:
    with pytest.raises(ValidationFailed) as err:
        cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND", document_date=DOC_DATE, actor=admin_user)
    assert "reason" in err.value.details
    assert Publication.objects.count() == 1
    # a later sign-off changes nothing already published; the correction publishes it as revision 2
    sign_off_unit(cycle, "so-noi-vu", {"1.1.1": {"option": "on_time"}, "1.2.1": {"value": False}})
    second = cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND", document_date=DOC_DATE,
                           actor=admin_user, reason="Bổ sung kết quả Sở Nội vụ")
    assert second.revision == 2 and len(second.snapshot["rows"]) == 5
    first = selectors.publication_get(year=2020, revision=1)
    assert len(first.snapshot["rows"]) == 4
    assert selectors.publication_get(year=2020).revision == 2


def test_publishing_needs_a_document_number_and_date(signed_cycle: Cycle, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        cycle_publish(cycle=signed_cycle, document_number="  ", document_date=None, actor=admin_user)
    assert set(err.value.details) == {"document_number", "document_date"}
    assert "số văn bản" in str(err.value.message)
    assert not Publication.objects.exists()


def test_a_document_dated_ahead_or_before_the_year_or_the_revision_it_corrects_is_refused(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for date, said in ((tomorrow, "chưa tới"), (datetime.date(signed_cycle.year - 1, 12, 31), "sớm hơn năm")):
        with pytest.raises(ValidationFailed) as err:
            cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=date,
                          actor=admin_user)
        assert said in err.value.details["document_date"]
    assert not Publication.objects.exists()
    cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE, actor=admin_user)
    with pytest.raises(ValidationFailed) as err:
        cycle_publish(cycle=signed_cycle, document_number="Công văn số 2/UBND", reason="Đính chính",
                      document_date=DOC_DATE - datetime.timedelta(days=1), actor=admin_user)
    assert "lần công bố trước" in err.value.details["document_date"]
    assert Publication.objects.count() == 1
    cycle_publish(cycle=signed_cycle, document_number="Công văn số 2/UBND", reason="Đính chính",
                  document_date=DOC_DATE, actor=admin_user,
                  document_only=True)  # the same day as the one it corrects: accepted
    assert Publication.objects.count() == 2


def test_explainable_rank_names_the_criteria_separating_a_unit_from_the_one_above(publication: Publication) -> None:
    snap = publication.snapshot
    row = selectors.unit_row(snapshot=snap, unit_code="so-y-te")
    why = selectors.rank_explanation(snapshot=snap, scores=publication.scores, row=row)
    assert why.above is not None and why.above["unit_code"] == "so-tu-phap" and not why.tied
    assert why.gap == Decimal("1.00")
    assert [(g.code, g.mine, g.theirs) for g in why.behind] == [("1.1.1", Decimal("0"), Decimal("1"))]
    tied = selectors.rank_explanation(snapshot=snap, scores=publication.scores,
                                      row=selectors.unit_row(snapshot=snap, unit_code="so-tu-phap"))
    assert tied.tied and tied.behind == []


def test_the_search_ignores_diacritics_and_the_filters_combine(publication: Publication) -> None:
    tables = selectors.ranking_tables(snapshot=publication.snapshot, query="y te")
    assert [r["unit_code"] for t in tables for r in t.rows] == ["so-y-te"]
    tables = selectors.ranking_tables(snapshot=publication.snapshot, classification="Khá")
    assert tables == []
    assert selectors.classifications(publication.snapshot) == ["Trung bình", "Yếu"]


def test_a_failing_export_is_recorded_on_its_job_and_a_done_job_is_not_rebuilt(publication: Publication) -> None:
    from scoring.models import ExportJob
    from scoring.publication.services import export_job_run

    job = ExportJob.objects.create(publication=publication, kind="pdf")

    def broken(_job: Any, report: Any) -> str:
        report(30)
        raise RuntimeError("hết dung lượng đĩa")

    with pytest.raises(RuntimeError):
        export_job_run(job_id=job.pk, build=broken)
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (ExportJob.Status.FAILED, 30, "hết dung lượng đĩa")
    calls: list[int] = []

    def works(_job: Any, report: Any) -> str:
        calls.append(1)
        return "tep.pdf"

    export_job_run(job_id=job.pk, build=works)
    export_job_run(job_id=job.pk, build=works)
    job.refresh_from_db()
    assert (job.status, job.progress, job.file_name, len(calls)) == (ExportJob.Status.DONE, 100, "tep.pdf", 1)
    assert export_job_run(job_id=10**6, build=works) is None


def test_the_published_scores_follow_the_appraisal_teams_not_applicable_decisions(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    """A «không phát sinh» the team accepted is published as such (no score); one it overruled is published
    with the team's score."""
    from scoring.models import ScoreLine

    lines = ScoreLine.objects.filter(assessment__cycle=signed_cycle, assessment__unit__code="so-y-te")
    lines.filter(indicator__code="1.2.2").update(not_applicable=True, not_applicable_reason="Không có")
    lines.filter(indicator__code="1.2.3").update(not_applicable=True, not_applicable_reason="Không có",
                                                 na_overruled=True, appraised_score=Decimal("0.25"))
    publication = cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE,
                                actor=admin_user)
    assert publication.scores["so-y-te"]["1.2.2"] is None
    assert publication.scores["so-y-te"]["1.2.3"] == "0.25"


# --- what the index counts for a leaf ----------------------------------------------------------------------


def _publish_with_not_applicable(signed_cycle: Cycle, admin_user: Any) -> Publication:
    """Sở Y tế's 1.2.2 «không phát sinh» accepted, its 1.2.3 «không phát sinh» overruled with 0.25."""
    from scoring.models import ScoreLine

    lines = ScoreLine.objects.filter(assessment__cycle=signed_cycle, assessment__unit__code="so-y-te")
    lines.filter(indicator__code="1.2.2").update(not_applicable=True, not_applicable_reason="Không có")
    lines.filter(indicator__code="1.2.3").update(not_applicable=True, not_applicable_reason="Không có",
                                                 na_overruled=True, appraised_score=Decimal("0.25"))
    return cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE,
                         actor=admin_user)


def test_the_rank_explanation_counts_an_accepted_not_applicable_at_the_leafs_maximum(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    # given Sở Y tế's 1.2.2 not applicable (accepted: 1.50 counted) and 1.2.3 overruled (0.25 counted)
    publication = _publish_with_not_applicable(signed_cycle, admin_user)
    snap = publication.snapshot
    # when it is compared with Sở Tư pháp, listed above it (1.2.2: 0.88, 1.2.3: 0.50)
    why = selectors.rank_explanation(snapshot=snap, scores=publication.scores,
                                     row=selectors.unit_row(snapshot=snap, unit_code="so-y-te"))
    # then
    assert [(g.code, g.mine, g.theirs, g.mine_not_applicable) for g in why.behind] == [
        ("1.1.1", Decimal("0"), Decimal("1"), False), ("1.2.3", Decimal("0.25"), Decimal("0.5"), False),
    ]
    assert [(g.code, g.mine, g.theirs, g.mine_not_applicable) for g in why.ahead] == [
        ("1.2.2", Decimal("1.5"), Decimal("0.88"), True),
    ]


def test_a_parents_subtotal_counts_an_accepted_not_applicable_at_its_maximum(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    publication = _publish_with_not_applicable(signed_cycle, admin_user)
    snap = publication.snapshot
    nodes = {n.code: n for n in selectors.unit_breakdown(
        snapshot=snap, scores=publication.scores, row=selectors.unit_row(snapshot=snap, unit_code="so-y-te"))}
    assert (nodes["1.2.2"].score, nodes["1.2.2"].not_applicable) == (None, True)
    assert nodes["1.2"].score == Decimal("1") + Decimal("1.5") + Decimal("0.25")


def test_a_leaf_without_an_appraised_score_is_not_published_as_not_applicable(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    from scoring.models import ScoreLine

    ScoreLine.objects.filter(assessment__cycle=signed_cycle, assessment__unit__code="so-y-te",
                             indicator__code="2.1.1").update(appraised_score=None)
    publication = cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE,
                                actor=admin_user)
    assert "2.1.1" not in publication.scores["so-y-te"]  # counted 0 by the index, not its maximum
    assert selectors.published_leaf(publication.scores["so-y-te"], "2.1.1") == (None, False)


LEAF_KINDS = ("normal", "bonus", "penalty")
two_places = st.decimals(min_value=Decimal("-3"), max_value=Decimal("5"), places=2, allow_nan=False,
                         allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(LEAF_KINDS), maximum=st.decimals(min_value=Decimal("0.25"), max_value=Decimal("4"),
                                                             places=2),
       score=st.none() | two_places, not_applicable=st.booleans(), mode=st.sampled_from(("points", "percent")))
def test_the_counted_leaf_score_is_what_the_engine_counts(
    kind: str, maximum: Decimal, score: Decimal | None, not_applicable: bool, mode: str
) -> None:
    from scoring import engine

    # One leaf alone in its area (normal) or under a bonus/penalty group that caps nothing, next to a normal
    # leaf worth 1 (so that a percent index always has something applicable).
    nodes = [engine.Node("1", None, "normal", Decimal("1")), engine.Node("1.1", "1", "normal", Decimal("1"))]
    if kind == "normal":
        nodes += [engine.Node("2", None, "normal", maximum), engine.Node("2.1", "2", "normal", maximum)]
    else:
        nodes += [engine.Node("2", None, kind, maximum * 2), engine.Node("2.1", "2", kind, maximum)]
    rules = engine.SetRules(nodes=tuple(nodes), standard_max=Decimal("100"), index_mode=mode)
    computed = engine.compute_index(rules, {"1.1": engine.LeafScore(score=Decimal("1")),
                                            "2.1": engine.LeafScore(score=score, not_applicable=not_applicable)})
    counted = selectors.counted_leaf_score(kind=kind, max_points=maximum, score=score,
                                           not_applicable=not_applicable, index_mode=mode)
    engine_counts = {"normal": computed.area_totals.get("2", Decimal(0)), "bonus": computed.bonus,
                     "penalty": computed.penalty}[kind]
    assert counted == engine_counts


def test_a_groups_area_average_is_rounded_half_up() -> None:
    """15,96 and 16,45 average 16,205: shown 16,21 (half-up), not 16,20 (the default half-even)."""
    from scoring.publication.selectors import group_area_average

    snapshot = {"rows": [{"group_code": "huyen", "area_totals": {"3": "15.96", "4": "1.01"}},
                         {"group_code": "huyen", "area_totals": {"3": "16.45", "4": "1.02"}},
                         {"group_code": "so", "area_totals": {"3": "1.00", "4": "1.00"}}]}
    assert group_area_average(snapshot=snapshot, group_code="huyen") == {"3": Decimal("16.21"), "4": Decimal("1.02")}


# --- typed text and repeated corrections --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "number", "reason"),
    [
        ("document_number", "Công văn số 4567/UBND\u202e-NC", "Đính chính"),
        ("document_number", "Công văn\x00 số 1", "Đính chính"),
        ("reason", "Công văn số 4600/UBND", "Đính chính\u2066 số liệu"),
    ],
)
def test_hidden_characters_in_the_document_number_or_reason_are_refused_and_nothing_is_published(
    publication: Publication, admin_user: Any, cycle: Cycle, field: str, number: str, reason: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        cycle_publish(cycle=cycle, document_number=number, document_date=DOC_DATE, actor=admin_user, reason=reason)
    assert err.value.code == "invalid_publication" and list(err.value.details) == [field]
    assert "ký tự điều khiển hoặc ký tự đảo chiều" in err.value.details[field]
    assert Publication.objects.count() == 1


def test_a_correction_identical_to_the_current_revision_is_refused(
    publication: Publication, admin_user: Any, cycle: Cycle
) -> None:
    # given a correction published once (a new document for the same figures)
    second = cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND", document_date=DOC_DATE,
                           actor=admin_user, reason="Đính chính số văn bản", document_only=True)
    assert second.revision == 2
    # when the same form comes again (sent twice, or by a second tab), then it is refused
    for _attempt in range(2):
        with pytest.raises(StateConflict) as err:
            cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND", document_date=DOC_DATE,
                          actor=admin_user, reason="Đính chính số văn bản", document_only=True)
        assert err.value.code == "same_as_current" and "lần công bố 2" in str(err.value.message).lower()
    assert Publication.objects.count() == 2
    assert AuditEntry.objects.filter(action="publication.correct").count() == 1
    # the same document with other figures is a real correction
    sign_off_unit(cycle, "so-noi-vu", {"1.1.1": {"option": "on_time"}})
    third = cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND", document_date=DOC_DATE,
                          actor=admin_user, reason="Bổ sung kết quả Sở Nội vụ")
    assert third.revision == 3
