"""The set-wise recompute of a whole cycle as ONE read-only PostgreSQL query that answers only what changed.

`appraisal.setwise.combine_cents` in SQL: the same group sums (see `appraisal.selectors.recompute`), then per
set what the engine does above the leaves (areas, capped bonus/penalty groups bottom-up, set caps, total,
index, band), the ranks of each ranking group (competition ranking: `RANK()`), and the comparison with the
stored results, all in integer cents. The query returns only the results that differ from the stored ones
(or have none), so a national recompute after a few sign-offs sends back a few rows, not 4,000, and no row
is made in Python for a result that did not change.

Read-only on purpose: PostgreSQL plans no parallel workers for a statement that writes, and the grouped sum
over 400,000 lines is what parallel workers halve; the few changed rows are written by a second statement.
Every literal that is not an integer made here (area codes, band labels and minimums, ids) is a parameter.
`tests/appraisal/test_setwise.py` proves with hypothesis that the stored results equal the engine's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appraisal.setwise import SetShape
from scoring import engine

LeafValue = tuple[int, int, int, bool]  # indicator id, group place, maximum in cents, normal leaf


def _set_branch(set_id: int, shape: SetShape, params: list[Any]) -> str:
    """One set's results from the row `b` of its assessment's group sums (`s<i>`, `n<i>`), in cents, beside its
    stored result `x` (its figures, and whether its area totals are the computed ones). Its parameters are
    appended to `params` in the order they appear."""
    head_params: list[Any] = []
    areas = len(shape.areas)
    percent = shape.index_mode == engine.IndexMode.PERCENT
    totals = [f"b.s{i}" if percent else f"(b.s{i} + b.n{i})" for i in range(areas)]
    maxima = [f"({int(m)} - b.n{i})" if percent else str(int(m)) for i, m in enumerate(shape.area_leaf_max_cents)]
    values: list[str] = []
    bonus: list[str] = []
    penalty: list[str] = []
    for column, cap, children, adds in shape.extra_steps:
        value = f"LEAST({' + '.join([f'b.s{column}', *(values[c] for c in children)])}, {int(cap)})"
        values.append(value)
        if adds > 0:
            bonus.append(value)
        elif adds < 0:
            penalty.append(value)

    def capped(parts: list[str], cap: int | None) -> str:
        summed = " + ".join(parts) or "0"
        return f"({summed})" if cap is None else f"LEAST({summed}, {int(cap)})"

    # The stored area totals are the computed ones: each code's text read as a number (in cents), and no
    # other code stored. Compared where the codes are known (here); the JSON is made in Python, only for
    # the results that changed.
    same = ["b.x_id IS NOT NULL"]
    head_params.append(list(shape.areas))  # AS codes
    for code, total in zip(shape.areas, totals, strict=True):
        head_params.append(code)
        same.append(f"(b.x_areas ->> %s)::numeric * 100 = {total}")
    same.append("(b.x_areas - %s::text[]) = '{}'::jsonb")
    head_params += [list(shape.areas), set_id]
    # Made of column names and integers made here; every other value is a parameter.
    head = (
        f"SELECT b.id, b.version, b.rg, ARRAY[{', '.join(totals)}]::bigint[] AS at, %s::text[] AS codes, "  # noqa: S608
        f"({' + '.join(totals) or '0'})::bigint AS nt, ({capped(bonus, shape.bonus_cap_cents)})::bigint AS bo, "
        f"({capped(penalty, shape.penalty_cap_cents)})::bigint AS pe, ({' + '.join(maxima) or '0'})::bigint AS am, "
        f"COALESCE({' AND '.join(same)}, false) AS same_areas, b.x_nt, b.x_bo, b.x_pe, b.x_tot, b.x_am, b.x_idx, "
        "b.x_cls, b.x_version, b.x_stale, b.x_rank FROM b WHERE b.set_id = %s"
    )
    if percent:  # total / max × 100 %, in cents of a percent, half away from zero (as `_div_half_up`)
        index = ("CASE WHEN p.am = 0 THEN NULL ELSE (CASE WHEN p.tot < 0 THEN -1 ELSE 1 END)"
                 " * ((2 * abs(p.tot) * 10000 + p.am) / (2 * p.am)) END")
    else:
        index = "p.tot"
    bands = []
    for minimum, label in shape.band_cents:
        params += [minimum, label]
        bands.append("WHEN q.idx >= %s THEN %s::text")
    # Below every threshold: the lowest band when it starts at 0 or below (a negative index too), as the engine.
    if bands:
        params.append(shape.below_bands or "")
    classification = f"CASE {' '.join(bands)} ELSE %s::text END" if bands else "''"
    params += head_params  # the head comes after the bands in the text
    return (
        f"SELECT q.*, {classification} AS cls FROM ("  # noqa: S608
        f"SELECT p.*, {index} AS idx FROM (SELECT h.*, h.nt + h.bo - h.pe AS tot FROM ({head}) h) p) q"
    )


_SQL = """
WITH s AS (
  SELECT l.assessment_id, {sums}
  FROM {line} l
  JOIN unnest(%s::bigint[], %s::int[], %s::int[]) AS g (indicator_id, grp, max_cents) ON g.indicator_id = l.indicator_id
  {of_cycle}
  GROUP BY l.assessment_id
),
e AS (
  SELECT l.assessment_id, {extra_sums}
  FROM {line} l
  JOIN unnest(%s::bigint[], %s::int[], %s::int[]) AS g (indicator_id, grp, max_cents) ON g.indicator_id = l.indicator_id
  {of_cycle} {and_where} l.indicator_id = ANY(%s::bigint[])
  GROUP BY l.assessment_id
),
n AS (
  SELECT l.assessment_id, {na_sums}
  FROM {line} l
  JOIN unnest(%s::bigint[], %s::int[], %s::int[]) AS g (indicator_id, grp, max_cents) ON g.indicator_id = l.indicator_id
  {of_cycle} {and_where} l.not_applicable AND NOT l.na_overruled
  GROUP BY l.assessment_id
),
b AS (
  SELECT a.id, a.indicator_set_id AS set_id, a.version, u.ranking_group_id AS rg, {coalesced},
    x.id AS x_id, x.area_totals AS x_areas, x.normal_total AS x_nt, x.bonus AS x_bo, x.penalty AS x_pe,
    x.total AS x_tot, x.applicable_max AS x_am, x.index AS x_idx, x.classification AS x_cls,
    x.computed_from_version AS x_version, x.stale AS x_stale, x.rank AS x_rank
  FROM {assessment} a JOIN {unit} u ON u.id = a.unit_id
  LEFT JOIN s ON s.assessment_id = a.id LEFT JOIN e ON e.assessment_id = a.id LEFT JOIN n ON n.assessment_id = a.id
  LEFT JOIN {result} x ON x.assessment_id = a.id
  WHERE a.cycle_id = %s AND a.state = %s
),
c AS ({branches}),
r AS (
  SELECT c.*, CASE WHEN c.rg IS NULL THEN NULL ELSE RANK() OVER (PARTITION BY c.rg ORDER BY c.idx DESC) END AS rnk
  FROM c
)
SELECT r.id, r.nt, r.bo, r.pe, r.tot, r.am, r.idx, r.codes, r.at, r.cls, r.version, r.rnk
FROM r
WHERE r.idx IS NULL OR NOT r.same_areas
  OR (r.x_nt * 100, r.x_bo * 100, r.x_pe * 100, r.x_tot * 100, r.x_am * 100, r.x_idx * 100, r.x_cls, r.x_version,
      r.x_stale, r.x_rank)
  IS DISTINCT FROM (r.nt, r.bo, r.pe, r.tot, r.am, r.idx, r.cls, r.version, false, r.rnk)
ORDER BY r.id
"""

CHANGED_COLUMNS = ("assessment_id", "normal_total", "bonus", "penalty", "total", "applicable_max", "index",
                   "area_codes", "area_totals", "classification", "computed_from_version", "rank")
"""What each row of `changed_results_query` holds: the figures in integer cents (index None: nothing
applicable), the area totals in cents beside their codes."""


def changed_results_query(
    *, cycle_id: int, state: str, shapes: Mapping[int, SetShape], values: list[LeafValue], groups: int, areas: int,
    tables: Mapping[str, str], filter_lines: bool = True,
) -> tuple[str, list[Any]]:
    """The query and its parameters: the cycle's assessments in `state` whose result differs from the stored one
    (`CHANGED_COLUMNS`, ordered by assessment). `values` are every set's scored leaves (made by
    `appraisal.selectors.recompute._leaf_values`), `groups`/`areas` the widest set's, `tables` the db tables
    by model name.

    `filter_lines` False leaves out the sums' join to the assessments (about 15 % of the query): every line of
    the sets' leaves is then summed, whatever its assessment's cycle and state, and only the cycle's results
    take their sums (each sum is one assessment's). Right either way; cheaper when the sets' lines are
    (nearly) all the cycle's signed-off assessments'."""
    if not values or groups == 0:
        raise ValueError("no scored leaf: nothing to sum")
    normal = [(ind, grp, cents) for ind, grp, cents, is_normal in values if is_normal]
    extra = [(ind, grp, cents) for ind, grp, cents, is_normal in values if not is_normal]
    none = [(None, -1, 0)]  # matches no line: a set without normal (or without bonus/penalty) leaves
    # A group's place is its column: areas first, then the bonus/penalty groups, per set; with sets of several
    # shapes a place may hold an area in one set and a bonus group in another, so each part sums the places
    # its own leaves use.
    area_columns = sorted({grp for _ind, grp, _cents in normal})
    extra_columns = sorted({grp for _ind, grp, _cents in extra})
    # A normal leaf counts min(score, max), `c - GREATEST(c - max, 0)`: NULL (nothing) when the score is.
    # The few bonus/penalty leaves are read apart, through the index on their indicators: min(max(score, 0),
    # max), 0 when missing.
    sums = [f"SUM(l.appraised_cents - GREATEST(l.appraised_cents - g.max_cents, 0)) FILTER (WHERE g.grp = {i}) AS s{i}"
            for i in area_columns] or ["NULL::bigint AS s_none"]
    extra_sums = [f"SUM(LEAST(GREATEST(l.appraised_cents, 0), g.max_cents)) FILTER (WHERE g.grp = {i}) AS s{i}"
                  for i in extra_columns] or ["NULL::bigint AS e_none"]
    group_columns = []
    for i in range(groups):
        parts = [f"COALESCE({part}.s{i}, 0)" for part, used in (("s", area_columns), ("e", extra_columns)) if i in used]
        group_columns.append(f"{' + '.join(parts) or '0::bigint'} AS s{i}")
    branch_params: list[Any] = []
    branches = " UNION ALL ".join(_set_branch(set_id, shape, branch_params) for set_id, shape in shapes.items())
    of_cycle = ("JOIN {assessment} a ON a.id = l.assessment_id WHERE a.cycle_id = %s AND a.state = %s"
                if filter_lines else "")
    sql = _SQL.format(
        of_cycle=of_cycle.format(**tables),
        and_where="AND" if filter_lines else "WHERE",
        sums=", ".join(sums),
        extra_sums=", ".join(extra_sums),
        na_sums=", ".join(f"SUM(g.max_cents) FILTER (WHERE g.grp = {i}) AS n{i}" for i in range(max(areas, 1))),
        coalesced=", ".join([*group_columns, *(f"COALESCE(n.n{i}, 0) AS n{i}" for i in range(max(areas, 1)))]),
        branches=branches,
        **tables,
    )
    # The leaf tables as three arrays each (ids, places, maxima): three parameters, not three per leaf. The
    # maxima are int, not bigint: SUM(int) adds in a bigint, SUM(bigint) in a 128-bit state passed between workers.
    normal_params = [list(column) for column in zip(*(normal or none), strict=True)]
    extra_params = [list(column) for column in zip(*(extra or none), strict=True)]
    cycle = [cycle_id, state] if filter_lines else []
    params = [*normal_params, *cycle, *extra_params, *cycle, [r[0] for r in extra],
              *normal_params, *cycle, cycle_id, state, *branch_params]
    return sql, params
