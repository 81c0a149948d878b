"""Results and ranking: an assessment's index from its stored scores, one result, a group's ranks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from scoring import engine, selectors
from scoring.models import (
    Assessment,
    IndexResult,
    RankingGroup,
    ScoreLine,
)
from scoring.services.common import logger


def _leaf_scores(lines: Iterable[ScoreLine], basis: str) -> dict[str, engine.LeafScore]:
    if basis == "appraised":  # the team may have overruled the unit's «không phát sinh»
        return {
            line.indicator.code: engine.LeafScore(score=line.appraised_score,
                                                  not_applicable=line.appraised_not_applicable)
            for line in lines
        }
    return {
        line.indicator.code: engine.LeafScore(score=line.self_score, not_applicable=line.not_applicable)
        for line in lines
    }


def assessment_compute(*, assessment: Assessment, basis: str = "self") -> engine.IndexComputation:
    """The engine's computation of an assessment from stored leaf scores (a read; writes nothing)."""
    indicators = list(selectors.indicators_of_set(indicator_set=assessment.indicator_set))
    lines = list(selectors.score_lines_of_assessment(assessment=assessment))
    return engine.compute_index(
        selectors.set_rules(assessment.indicator_set, indicators), _leaf_scores(lines, basis)
    )


@transaction.atomic
def index_result_recompute(*, assessment_id: int) -> IndexResult | None:
    """Compute the signed-off assessment's result from its appraised scores and re-rank its group.

    Idempotent: a result already computed from the assessment's current version is returned unchanged.
    Returns None when the assessment is gone or not signed off (nothing to compute).
    """
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("unit", "indicator_set", "cycle")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or assessment.state != Assessment.State.SIGNED_OFF:
        return None
    group_id = assessment.ranking_group_id  # the group it is ranked in that year, not the unit's of today
    if group_id is not None:
        # One re-ranking of a group at a time, so concurrent recomputes never miss each other's rows.
        RankingGroup.objects.select_for_update(of=("self",)).filter(pk=group_id).first()
    current = IndexResult.objects.filter(assessment=assessment).first()
    if current and not current.stale and current.computed_from_version == assessment.version:
        return current
    comp = assessment_compute(assessment=assessment, basis="appraised")
    result, _created = IndexResult.objects.update_or_create(
        assessment=assessment,
        defaults={
            "normal_total": comp.normal_total,
            "bonus": comp.bonus,
            "penalty": comp.penalty,
            "total": comp.total,
            "applicable_max": comp.applicable_max,
            "index": comp.index,
            # Two decimals, as every figure (an area with nothing applicable totals Decimal 0: "0.00", not "0").
            "area_totals": {code: str(engine.round_half_up(v)) for code, v in comp.area_totals.items()},
            "classification": comp.classification or "",
            "computed_at": timezone.now(),
            "computed_from_version": assessment.version,
            "stale": False,
        },
    )
    if group_id is not None:
        ranking_group_rerank(cycle_id=assessment.cycle_id, ranking_group_id=group_id)
        result.refresh_from_db()
    logger.info("recomputed %s", assessment.pk, extra={"assessment_id": assessment.pk, "index": str(comp.index)})
    return result


def ranking_group_rerank(*, cycle_id: int, ranking_group_id: int) -> None:
    """Competition ranking of the group's fresh results in a cycle (ties share a rank; equals by name): the
    assessments ranked in that group in that cycle (`Assessment.ranking_group`), whatever their units' group now."""
    results = list(
        IndexResult.objects.filter(
            assessment__cycle_id=cycle_id,
            assessment__ranking_group_id=ranking_group_id,
            assessment__state=Assessment.State.SIGNED_OFF,
            stale=False,
        ).select_related("assessment__unit")
    )
    ranked = engine.rank(
        engine.RankEntry(key=r.pk, name=r.assessment.unit.name, index=r.index) for r in results
    )
    ranks = {r.key: r.rank for r in ranked}
    changed = [r for r in results if r.rank != ranks[r.pk]]
    for r in changed:
        r.rank = ranks[r.pk]
    IndexResult.objects.bulk_update(changed, ["rank"])
