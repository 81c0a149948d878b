"""Inputs of the set-wise recompute: each set's grouping, and the grouped, clamped sums in one query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection

from appraisal.models import SurveyImport
from appraisal.setwise import GroupSums, SetShape, shape_of
from scoring import selectors as scoring_selectors
from scoring.models import Assessment, Indicator, IndicatorSet, ScoreLine


def set_shapes(set_ids: Iterable[int]) -> dict[int, tuple[SetShape, dict[int, str]]]:
    """Each set's grouping for the set-wise recompute, with its indicator ids → codes. Two queries."""
    sets = {s.pk: s for s in IndicatorSet.objects.filter(pk__in=list(set_ids))}
    nodes: dict[int, list[Indicator]] = defaultdict(list)
    for ind in Indicator.objects.filter(indicator_set_id__in=list(sets)).order_by("order"):
        nodes[ind.indicator_set_id].append(ind)
    out: dict[int, tuple[SetShape, dict[int, str]]] = {}
    for set_id, indicator_set in sets.items():
        rules = scoring_selectors.set_rules(indicator_set, nodes[set_id])
        out[set_id] = (shape_of(rules), {ind.pk: ind.code for ind in nodes[set_id]})
    return out


_GROUP_SUMS_SQL = """
WITH g (indicator_id, grp, max_cents, normal) AS (VALUES {values})
SELECT l.assessment_id, g.grp,
  SUM({least}(l.appraised_cents, g.max_cents))
    FILTER (WHERE l.appraised_cents IS NOT NULL AND (g.normal OR l.appraised_cents >= 0)),
  SUM(g.max_cents) FILTER (WHERE l.not_applicable AND g.normal)
FROM {line} l JOIN g ON g.indicator_id = l.indicator_id{join}
WHERE {where}
GROUP BY l.assessment_id, g.grp
"""


def group_sums(
    *, assessment_ids: list[int] | None = None, cycle_id: int | None = None,
    shapes: dict[int, tuple[SetShape, dict[int, str]]],
) -> dict[int, dict[str, GroupSums]]:
    """ONE `GROUP BY (assessment, group)` over the stored appraised leaf scores, clamped as the engine does.

    Select by `cycle_id` (signed-off assessments) or by `assessment_ids`. Each leaf's group, maximum and
    kind come in as a `VALUES` table joined on the indicator (a hash join: cheaper than a `CASE` over
    id lists). A normal leaf counts `min(score, max)`, a bonus/penalty leaf `min(max(score, 0), max)`
    (maximums are never negative), missing and not-applicable scores 0. Sums are integer cents, exact on every
    database: maximums are passed as cents and the scores are read from `ScoreLine.appraised_cents`, the
    appraised score in cents that the database keeps itself (NULL when missing or not applicable).
    """
    values: list[Any] = []
    code_of_group: dict[int, str] = {}  # SQL group number → group code (numbers are unique across sets)
    for shape, codes in shapes.values():
        number_of: dict[str, int] = {}
        for ind_id, code in codes.items():
            group = shape.group_of_leaf.get(code)
            if group is None:
                continue
            if group not in number_of:
                number_of[group] = len(code_of_group) + 1
                code_of_group[number_of[group]] = group
            max_cents = int(shape.leaf_max[code] * 100)  # two decimal places: exact
            values.append((ind_id, number_of[group], max_cents, shape.kind_of_leaf[code] == "normal"))
    if not values or (assessment_ids is not None and not assessment_ids):
        return {}
    params: list[Any] = [v for row in values for v in row]
    join, where = "", []
    if cycle_id is not None:
        join = f" JOIN {Assessment._meta.db_table} a ON a.id = l.assessment_id"
        where.append("a.cycle_id = %s AND a.state = %s")
        params += [cycle_id, Assessment.State.SIGNED_OFF]
    if assessment_ids is not None:
        where.append(f"l.assessment_id IN ({', '.join(['%s'] * len(assessment_ids))})")
        params += assessment_ids
    sql = _GROUP_SUMS_SQL.format(
        values=", ".join(["(%s, %s, %s, %s)"] * len(values)), line=ScoreLine._meta.db_table, join=join,
        where=" AND ".join(where) or "TRUE", least="LEAST" if connection.vendor == "postgresql" else "MIN",
    )
    out: dict[int, dict[str, GroupSums]] = defaultdict(dict)
    with connection.cursor() as cursor:
        if cycle_id is not None and connection.vendor == "postgresql" and connection.in_atomic_block:
            # A nation's cycle is ~40,000 (assessment, group) sums: with the default work_mem the hash aggregate
            # spills to disk in batches. The planner, which cannot know how few groups the VALUES table makes,
            # expects one group per line and so never splits the scan between workers; told that passing a
            # row from a worker is cheap, it does (half the time on two cores). For this transaction only.
            cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL parallel_tuple_cost = 0.001")
        cursor.execute(sql, params)
        for assessment_id, number, scored, na in cursor.fetchall():
            out[assessment_id][code_of_group[number]] = GroupSums(scored_cents=int(scored or 0),
                                                                  na_max_cents=int(na or 0))
    return out


def survey_imports(*, limit: int = 10) -> list[SurveyImport]:
    return list(SurveyImport.objects.select_related("cycle", "created_by", "applied_by")[:limit])
