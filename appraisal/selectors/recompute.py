"""Inputs of the set-wise recompute: each set's grouping, and the grouped, clamped sums in one query."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q

from appraisal.models import SurveyImport
from appraisal.setwise import GroupRow, SetShape, shape_of, to_cents
from appraisal.setwise_sql import LeafValue, changed_results_query
from scoring import compiled
from scoring import selectors as scoring_selectors
from scoring.models import Assessment, IndexResult, IndicatorSet, ScoreLine, Unit

_SHAPES: dict[int, tuple[scoring_selectors.Skeleton, SetShape, dict[int, str]]] = {}
_SHAPES_KEPT = 64


def set_shapes(set_ids: Iterable[int]) -> dict[int, tuple[SetShape, dict[int, str]]]:
    """Each set's grouping for the set-wise recompute, with its leaves' indicator ids → codes. One query (the
    sets); the grouping rests on the set's skeleton, which is kept per process for a set in use (see
    `scoring.selectors.set_skeleton`: its key holds the set row's own fields), and so is the grouping."""
    out: dict[int, tuple[SetShape, dict[int, str]]] = {}
    for indicator_set in IndicatorSet.objects.filter(pk__in=list(set_ids)):
        skeleton = scoring_selectors.set_skeleton(indicator_set)
        kept = _SHAPES.get(id(skeleton))
        if kept is None or kept[0] is not skeleton:  # a draft's skeleton is new each time, and so is its grouping
            if len(_SHAPES) >= _SHAPES_KEPT:
                _SHAPES.clear()
            kept = _SHAPES[id(skeleton)] = (
                skeleton,
                shape_of(skeleton.rules),
                {pk: leaf[0] for pk, leaf in skeleton.leaves.items()},
            )
        out[indicator_set.pk] = (kept[1], kept[2])
    return out


_GROUP_SUMS_SQL = """
WITH g (indicator_id, grp, max_cents, normal) AS (VALUES {values})
SELECT assessment_id, {columns}
FROM (
  SELECT l.assessment_id, g.grp,
    CASE WHEN l.appraised_cents IS NOT NULL AND (g.normal OR l.appraised_cents >= 0)
      THEN {least}(l.appraised_cents, g.max_cents) END AS scored,
    CASE WHEN l.not_applicable AND NOT l.na_overruled AND g.normal THEN g.max_cents END AS na_max
  FROM {line} l JOIN g ON g.indicator_id = l.indicator_id{join}
  WHERE {where}
) leaves
GROUP BY assessment_id
"""


def _leaf_values(
    shapes: dict[int, tuple[SetShape, dict[int, str]]],
) -> tuple[dict[int, list[LeafValue]], int, int]:
    """Each set's scored leaves as (indicator id, its group's place, its maximum in cents, normal?), with the
    widest set's number of groups and of areas."""
    values: dict[int, list[LeafValue]] = {}
    groups = areas = 0
    for set_id, (shape, codes) in shapes.items():
        place = {code: i for i, code in enumerate(shape.groups)}
        groups, areas = max(groups, len(shape.groups)), max(areas, len(shape.areas))
        leaves = values[set_id] = []
        for ind_id, code in codes.items():
            group = shape.group_of_leaf.get(code)
            if group is None:
                continue
            leaves.append((ind_id, place[group], to_cents(shape.leaf_max[code]), shape.kind_of_leaf[code] == "normal"))
    return values, groups, areas


def _parallel(cursor: Any) -> None:
    """Told that passing a row from a worker is cheap, the planner splits the scan and the partial aggregates
    between workers (half the time on two cores). For the current transaction only."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")


def changed_results(
    *, cycle_id: int, shapes: dict[int, tuple[SetShape, dict[int, str]]], filter_lines: bool | None = None,
) -> list[tuple[Any, ...]] | None:
    """PostgreSQL: the cycle's signed-off assessments whose result differs from the stored one (or has none),
    computed in ONE read-only query (see `appraisal.setwise_sql`): rows of `setwise_sql.CHANGED_COLUMNS`,
    figures in integer cents. None when the sets have no scored leaf (the caller computes in Python).
    `filter_lines`: see `changed_results_query` (None: chosen by how many other assessments share the sets)."""
    values, groups, _areas = _leaf_values(shapes)
    if not any(values.values()) or not groups:
        return None
    state = Assessment.State.SIGNED_OFF
    if filter_lines is None:
        # Summing the few lines of other assessments of the same sets (this year's drafts, another cycle's) costs
        # less than filtering every line through a join; past a tenth of the cycle's, filter.
        counts = Assessment.objects.filter(indicator_set_id__in=list(shapes)).aggregate(
            mine=Count("pk", filter=Q(cycle_id=cycle_id, state=state)), every=Count("pk"),
        )
        filter_lines = (counts["every"] - counts["mine"]) * 10 > counts["mine"]
    sql, params = changed_results_query(
        cycle_id=cycle_id, state=state, shapes={pk: shape for pk, (shape, _) in shapes.items()},
        values=values, groups=groups,
        tables={"line": ScoreLine._meta.db_table, "assessment": Assessment._meta.db_table,
                "unit": Unit._meta.db_table, "result": IndexResult._meta.db_table},
        filter_lines=filter_lines,
    )
    with connection.cursor() as cursor:
        _parallel(cursor)
        _execute_kept(cursor, sql, params)
        return [tuple(row) for row in cursor.fetchall()]


_KEPT_PREFIX = "cchc_recompute_"
_KEPT_MOST = 8  # statements per connection: one per cycle (and its sets) recomputed on it


def _execute_kept(cursor: Any, sql: str, params: list[Any]) -> None:
    """Run the recompute query prepared on this connection, once per text: the planner takes about 5 to 10 ms
    (4 % of a national recompute) over its CTEs and per-set branches, and a worker recomputes the same cycle
    again after each batch of sign-offs. The text prepared is the query with its parameters in place (as the
    driver sends it anyway), so each plan is made for its own cycle and leaf tables, and the planner sees their
    sizes. Another cycle or set makes another text, hence another statement; past `_KEPT_MOST` on one
    connection, the query is sent whole."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    text = cursor.mogrify(sql, params)
    text = text.decode() if isinstance(text, bytes) else text
    name = _KEPT_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:24]
    if compiled.prepared_names(_KEPT_PREFIX) >= _KEPT_MOST and not compiled.is_prepared(name):
        cursor.execute(sql, params)
        return
    compiled.execute_prepared(cursor, name, text.replace("%", "%%"), [])  # no marks left: a "%" is itself


def group_sums(
    *,
    assessment_ids: list[int] | None = None,
    cycle_id: int | None = None,
    shapes: dict[int, tuple[SetShape, dict[int, str]]],
) -> dict[int, GroupRow]:
    """ONE `GROUP BY assessment` over the stored appraised leaf scores, clamped as the engine does, one column
    per group: the row that `appraisal.setwise.combine_cents` takes (see `setwise.GroupRow`).

    Select by `cycle_id` (signed-off assessments) or by `assessment_ids`. Each leaf's group (its place in its
    set's `SetShape.groups`), maximum and kind come in as a `VALUES` table joined on the indicator (a hash
    join: cheaper than a `CASE` over id lists). A normal leaf counts `min(score, max)`, a bonus/penalty leaf
    `min(max(score, 0), max)` (maximums are never negative), missing and not-applicable scores 0 (not
    applicable as appraised: the unit's «không phát sinh», unless the team overruled it). Sums are integer
    cents, exact on every database: maximums are passed as cents and the scores are read from
    `ScoreLine.appraised_cents`, the appraised score in cents that the database keeps itself (NULL when
    missing or not applicable as appraised). Grouping by assessment alone (not by assessment and group) lets the planner
    see how many groups there are, and so aggregate in parallel workers before gathering.
    """
    by_set, groups, areas = _leaf_values(shapes)
    values = [leaf for leaves in by_set.values() for leaf in leaves]
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
    columns = [f"SUM(scored) FILTER (WHERE grp = {i})" for i in range(groups)]
    columns += [f"SUM(na_max) FILTER (WHERE grp = {i})" for i in range(areas)]
    sql = _GROUP_SUMS_SQL.format(
        values=", ".join(["(%s, %s, %s, %s)"] * len(values)),
        columns=", ".join(columns),
        line=ScoreLine._meta.db_table,
        join=join,
        where=" AND ".join(where) or "TRUE",
        least="LEAST" if connection.vendor == "postgresql" else "MIN",
    )
    with connection.cursor() as cursor:
        if cycle_id is not None:
            _parallel(cursor)
        cursor.execute(sql, params)
        return {row[0]: (row[1 : 1 + groups], row[1 + groups :]) for row in cursor.fetchall()}


def survey_imports(*, limit: int = 10) -> list[SurveyImport]:
    return list(SurveyImport.objects.select_related("cycle", "created_by", "applied_by")[:limit])
