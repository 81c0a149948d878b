"""The scoring engine alone: `engine.compute_index` over every national assessment's appraised leaf scores
(read once from the database, outside the timing), beside a plain Decimal sum of the same scores. No target
in the issue: it shows what the per-assessment path costs per sheet (the sign-off task computes one)."""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from bench.common import Row


def inputs(data: Any) -> list[tuple[Any, dict[str, Any]]]:
    """Each assessment of the bench cycle as (its set's rules, its appraised leaf scores by code)."""
    from scoring import engine, selectors
    from scoring.models import Assessment, IndicatorSet, ScoreLine

    sets = {s.pk: s for s in IndicatorSet.objects.filter(pk__in=data.set_ids)}
    rules = {pk: selectors.set_rules(s, list(s.indicators.order_by("order"))) for pk, s in sets.items()}
    set_of = dict(Assessment.objects.filter(cycle_id=data.cycle_id).values_list("pk", "indicator_set_id"))
    sheets: dict[int, dict[str, engine.LeafScore]] = defaultdict(dict)
    for assessment_id, code, score, na in ScoreLine.objects.filter(assessment__cycle_id=data.cycle_id).values_list(
        "assessment_id", "indicator__code", "appraised_score", "not_applicable"
    ).iterator(chunk_size=20000):
        sheets[assessment_id][code] = engine.LeafScore(score=score, not_applicable=na)
    return [(rules[set_of[a]], sheet) for a, sheet in sheets.items()]


def rows(data: Any, **_: Any) -> list[Row]:
    from scoring import engine

    work = inputs(data)
    t0 = time.perf_counter()
    for _rules, sheet in work:
        sum((s.score for s in sheet.values() if s.score is not None), Decimal(0))
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    for set_rules, sheet in work:
        engine.compute_index(set_rules, sheet)
    measured = time.perf_counter() - t0
    return [Row(f"engine.compute_index, {len(work):,} assessments × {data.leaves} leaves", measured, "s",
                "plain Decimal sum of the same leaves", baseline)]
