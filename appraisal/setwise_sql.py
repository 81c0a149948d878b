"""The set-wise recompute of a whole cycle as ONE read-only PostgreSQL query that answers only what changed.

`appraisal.setwise.combine_cents` in SQL: the same group sums (see `appraisal.selectors.recompute`), then per
set what the engine does above the leaves (areas, capped bonus/penalty groups bottom-up, set caps, total,
index, band), the ranks of each ranking group (competition ranking: `RANK()`), and the comparison with the
stored results, all in integer cents. The query returns only the results that differ from the stored ones
(or have none), so a national recompute after a few sign-offs sends back a few rows, not 4,000, and no row
is made in Python for a result that did not change.

Read-only on purpose: PostgreSQL plans no parallel workers for a statement that writes, and the grouped sum
over 400,000 lines is what parallel workers halve; the few changed rows are written by a second statement.
Every line is read in that one parallel scan, the bonus/penalty and not-applicable ones too: read apart after
it, through an index, they cost one random page each (a quarter of the query on the national data).
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
    """One set's results from the row `b` of its assessment's group sums (`s<i>`, `na`), in cents, beside its
    stored result `x` (its figures, and whether its area totals are the computed ones). Its parameters are
    appended to `params` in the order they appear."""
    head_params: list[Any] = []
    areas = len(shape.areas)
    percent = shape.index_mode == engine.IndexMode.PERCENT
    totals = [f"b.s{i}" for i in range(areas)]
    leaf_max = sum(int(m) for m in shape.area_leaf_max_cents)
    applicable_max = f"({leaf_max} - b.na)" if percent else str(leaf_max)
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
        f"({capped(penalty, shape.penalty_cap_cents)})::bigint AS pe, {applicable_max}::bigint AS am, "
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
  JOIN unnest(%s::bigint[], %s::boolean[], %s::int[], %s::int[], %s::int[])
    AS g (indicator_id, na, grp, max_cents, min_cents)
    ON g.indicator_id = l.indicator_id AND g.na = (l.appraised_cents IS NULL)
  {of_cycle} {and_where} (l.appraised_cents IS NOT NULL OR (l.not_applicable AND NOT l.na_overruled))
  GROUP BY l.assessment_id
),
b AS (
  SELECT a.id, a.indicator_set_id AS set_id, a.version, a.ranking_group_id AS rg, {coalesced},
    x.id AS x_id, x.area_totals AS x_areas, x.normal_total AS x_nt, x.bonus AS x_bo, x.penalty AS x_pe,
    x.total AS x_tot, x.applicable_max AS x_am, x.index AS x_idx, x.classification AS x_cls,
    x.computed_from_version AS x_version, x.stale AS x_stale, x.rank AS x_rank
  FROM {assessment} a
  LEFT JOIN s ON s.assessment_id = a.id
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
    *, cycle_id: int, state: str, shapes: Mapping[int, SetShape], values: Mapping[int, list[LeafValue]],
    groups: int, tables: Mapping[str, str], filter_lines: bool = True,
) -> tuple[str, list[Any]]:
    """The query and its parameters: the cycle's assessments in `state` whose result differs from the stored one
    (`CHANGED_COLUMNS`, ordered by assessment). `values` are each set's scored leaves (made by
    `appraisal.selectors.recompute._leaf_values`), `groups` the widest set's number of groups, `tables` the db
    tables by model name.

    `filter_lines` False leaves out the sums' join to the assessments (about 15 % of the query): every line of
    the sets' leaves is then summed, whatever its assessment's cycle and state, and only the cycle's results
    take their sums (each sum is one assessment's). Right either way; cheaper when the sets' lines are
    (nearly) all the cycle's signed-off assessments'."""
    if not any(values.values()) or groups == 0:
        raise ValueError("no scored leaf: nothing to sum")
    # The leaf table g, one row per scored leaf and one more per normal leaf for its line when not applicable:
    # (indicator, not applicable?, column, maximum, minimum). A column is a group's place: areas first, then the
    # bonus/penalty groups, per set; with sets of several shapes a place may hold an area in one set and a bonus
    # group in another, which is right since an assessment's lines are its own set's leaves. A not-applicable
    # normal leaf's maximum is granted to its area in points mode, so it goes to the area's column; in percent
    # mode it is taken off the applicable maximum, so it goes to one column after the groups (`na`). A
    # not-applicable bonus/penalty leaf counts nothing: no row.
    rows: list[tuple[int | None, bool, int, int, int | None]] = []
    for set_id, leaves in values.items():
        percent = shapes[set_id].index_mode == engine.IndexMode.PERCENT
        for ind, grp, cents, is_normal in leaves:
            rows.append((ind, False, grp, cents, None if is_normal else 0))
            if is_normal:
                rows.append((ind, True, groups if percent else grp, cents, None))
    columns = sorted({row[2] for row in rows})
    # LEAST/GREATEST pass over a NULL: a scored normal leaf counts min(score, max) (no minimum), a bonus/penalty
    # leaf min(max(score, 0), max), a not-applicable line (its score NULL) its maximum. A line whose score is
    # missing (NULL, and applicable) counts nothing: the WHERE leaves it out, so that its NULL means «not
    # applicable» in the join.
    sums = [f"SUM(LEAST(GREATEST(l.appraised_cents, g.min_cents), g.max_cents)) FILTER (WHERE g.grp = {i}) AS s{i}"
            for i in columns]
    coalesced = [f"COALESCE(s.s{i}, 0) AS s{i}" if i in columns else f"0::bigint AS s{i}" for i in range(groups)]
    coalesced.append(f"COALESCE(s.s{groups}, 0) AS na" if groups in columns else "0::bigint AS na")
    branch_params: list[Any] = []
    branches = " UNION ALL ".join(_set_branch(set_id, shape, branch_params) for set_id, shape in shapes.items())
    of_cycle = ("JOIN {assessment} a ON a.id = l.assessment_id WHERE a.cycle_id = %s AND a.state = %s"
                if filter_lines else "")
    sql = _SQL.format(
        of_cycle=of_cycle.format(**tables),
        and_where="AND" if filter_lines else "WHERE",
        sums=", ".join(sums),
        coalesced=", ".join(coalesced),
        branches=branches,
        **tables,
    )
    # The leaf table as five arrays: five parameters, not five per leaf. The maxima are int, not bigint: SUM(int)
    # adds in a bigint, SUM(bigint) in a 128-bit state passed between workers.
    leaf_table = [list(column) for column in zip(*rows, strict=True)]
    cycle = [cycle_id, state] if filter_lines else []
    return sql, [*leaf_table, *cycle, cycle_id, state, *branch_params]
