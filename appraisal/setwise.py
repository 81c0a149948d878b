"""Set-wise results at scale: combine leaf scores that the database has already summed per group.

The engine (`scoring.engine.compute_index`) is the definition of every number. For a national recompute
(≈ 4,000 assessments × 100 leaves) the per-leaf work is pushed into one SQL `GROUP BY assessment`: each stored
leaf score is clamped exactly as the engine clamps it and summed per *group*, one column per group:

- a normal leaf belongs to its area (top-level normal ancestor): obtained points `min(score, max)`, plus the
  maximum of its not-applicable leaves summed apart (granted in points mode, removed in percent mode);
- a bonus/penalty leaf belongs to its parent when the parent is bonus/penalty (the parent caps it),
  otherwise to itself: `min(max(score, 0), max)`, 0 when missing or not applicable.

`combine_cents` then does, per assessment, what the engine does above the leaves (caps bottom-up, set caps,
index, classification) in integer cents: every score has two decimals, so sums, caps and differences are
exact integers, and the percent index is rounded half-up by integer division (equal to the engine's
truncate-then-round, see `_div_half_up`); `points` turns cents back into Decimal points.
`tests/appraisal/test_setwise.py` proves with hypothesis that the result equals the engine's on the same data.
Pure: no ORM, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from scoring import engine

ZERO = Decimal("0")
CENT = Decimal("0.01")
NORMAL = "normal"
BONUS = "bonus"
PENALTY = "penalty"


@dataclass(frozen=True)
class ExtraGroup:
    """A bonus/penalty node that caps what is below it (or a bonus/penalty leaf that is its own group)."""

    code: str
    kind: str
    max_points: Decimal
    parent: str | None  # the capping bonus/penalty parent; None when it adds to the set's bonus/penalty
    children: tuple[str, ...] = ()  # bonus/penalty non-leaf children (groups themselves)


@dataclass(frozen=True)
class SetShape:
    index_mode: str
    bonus_cap: Decimal | None
    penalty_cap: Decimal | None
    bands: tuple[engine.Band, ...]
    areas: tuple[str, ...]  # top-level normal nodes, in set order
    area_leaf_max: Mapping[str, Decimal]  # sum of the maximums of the area's normal leaves
    group_of_leaf: Mapping[str, str]  # leaf code → group code (an area or an extra group)
    kind_of_leaf: Mapping[str, str]
    leaf_max: Mapping[str, Decimal]  # leaf code → its maximum (the clamp)
    extra: Mapping[str, ExtraGroup]
    extra_order: tuple[str, ...]  # extra groups, children before parents
    groups: tuple[str, ...] = ()  # the SQL's group columns: the areas, then the extra groups in `extra_order`
    # Precomputed for `combine_cents`: per area its leaves' maximum in cents; per extra group (in `extra_order`)
    # its column, its cap in cents, its children's places in `extra_order`, and where it adds
    # (0: to its parent, 1: to the bonus, -1: to the penalty); the bands' minimums in cents, and the band of an
    # index below them all (`engine.lowest_band_label`).
    area_leaf_max_cents: tuple[int, ...] = ()
    extra_steps: tuple[tuple[int, int, tuple[int, ...], int], ...] = ()
    band_cents: tuple[tuple[Decimal, str], ...] = ()
    below_bands: str | None = None
    bonus_cap_cents: int | None = None
    penalty_cap_cents: int | None = None


GroupRow = tuple[Sequence[int | None], Sequence[int | None]]
"""What SQL returns per assessment, in cents (exact integers on every database): the clamped scores of the
applicable leaves of each group (`SetShape.groups` order), and the maximums of the not-applicable normal
leaves of each area (`SetShape.areas` order). NULL (None) where a group has no such leaf; a row may be
longer than a set's groups (one query serves sets of several shapes)."""


@dataclass(slots=True)
class CentsResult:
    """One assessment's result in integer cents (what `combine_cents` computes and the recompute compares; not
    frozen: 4,000 of them are made per national recompute, and a frozen dataclass costs three times as much)."""

    area_totals: tuple[int, ...]  # `SetShape.areas` order
    area_max: tuple[int, ...]
    normal_total: int
    bonus: int
    penalty: int
    applicable_max: int
    total: int
    index: int
    classification: str | None


def shape_of(rules: engine.SetRules) -> SetShape:
    """The grouping of a set's leaves (the tree was validated when the set was imported)."""
    nodes = {n.code: n for n in rules.nodes}
    children: dict[str, list[str]] = {code: [] for code in nodes}
    roots: list[str] = []
    for node in rules.nodes:
        if node.parent_code is None:
            roots.append(node.code)
        else:
            children[node.parent_code].append(node.code)

    area_of: dict[str, str] = {}
    stack = [(code, code) for code in reversed(roots)]
    while stack:
        code, area = stack.pop()
        area_of[code] = area
        stack.extend((child, area) for child in reversed(children[code]))

    areas = tuple(c for c in roots if nodes[c].kind == NORMAL)
    area_leaf_max: dict[str, Decimal] = {a: ZERO for a in areas}
    group_of_leaf: dict[str, str] = {}
    kind_of_leaf: dict[str, str] = {}
    leaf_max: dict[str, Decimal] = {}
    extra: dict[str, ExtraGroup] = {}

    def extra_parent(code: str) -> str | None:
        parent = nodes[code].parent_code
        return parent if parent is not None and nodes[parent].kind != NORMAL else None

    for node in rules.nodes:
        code = node.code
        if node.kind != NORMAL and (children[code] or extra_parent(code) is None):
            extra[code] = ExtraGroup(
                code=code,
                kind=node.kind,
                max_points=node.max_points,
                parent=extra_parent(code),
                children=tuple(c for c in children[code] if children[c]),
            )
        if children[code]:
            continue
        kind_of_leaf[code] = node.kind
        leaf_max[code] = node.max_points
        if node.kind == NORMAL:
            group_of_leaf[code] = area_of[code]
            area_leaf_max[area_of[code]] += node.max_points
        else:
            group_of_leaf[code] = extra_parent(code) or code

    order: list[str] = []  # post-order over the extra forest
    seen: set[str] = set()

    def visit(code: str) -> None:
        stack2 = [(code, False)]
        while stack2:
            current, done = stack2.pop()
            if done:
                order.append(current)
                continue
            if current in seen:
                continue
            seen.add(current)
            stack2.append((current, True))
            stack2.extend((c, False) for c in reversed(extra[current].children))

    for code in extra:
        if extra[code].parent is None:
            visit(code)
    place = {code: i for i, code in enumerate(order)}
    return SetShape(
        index_mode=rules.index_mode,
        bonus_cap=rules.bonus_cap,
        penalty_cap=rules.penalty_cap,
        bands=rules.classification_bands,
        areas=areas,
        area_leaf_max=area_leaf_max,
        group_of_leaf=group_of_leaf,
        kind_of_leaf=kind_of_leaf,
        leaf_max=leaf_max,
        extra=extra,
        extra_order=tuple(order),
        groups=areas + tuple(order),
        area_leaf_max_cents=tuple(to_cents(area_leaf_max[a]) for a in areas),
        extra_steps=tuple(
            (
                len(areas) + i,
                to_cents(extra[code].max_points),
                tuple(place[c] for c in extra[code].children),
                0 if extra[code].parent is not None else (1 if extra[code].kind == BONUS else -1),
            )
            for i, code in enumerate(order)
        ),
        band_cents=tuple((band.min * 100, band.label) for band in rules.classification_bands),
        below_bands=engine.lowest_band_label(rules.classification_bands),
        bonus_cap_cents=None if rules.bonus_cap is None else max(to_cents(rules.bonus_cap), 0),
        penalty_cap_cents=None if rules.penalty_cap is None else max(to_cents(rules.penalty_cap), 0),
    )


def to_cents(points: Decimal) -> int:
    """Points with at most two decimals (what every maximum and cap is stored with) as integer cents."""
    cents = points * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{points} has more than two decimals")
    return int(cents)


def _div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to an integer, half away from zero, exactly.

    The engine computes the percent index as `total * 100 / applicable_max`, truncated to 28 significant
    digits, then rounded half-up to two decimals. Truncation never crosses a rounding boundary (a boundary
    k.xx5 has far fewer than 28 digits), so that equals rounding the exact quotient, which this does."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def nothing_applicable() -> engine.ScoringInputError:
    """The engine's refusal of a percent-mode index with nothing applicable (every leaf «không phát sinh»)."""
    return engine.ScoringInputError(
        "nothing_applicable",
        "Không tính được chỉ số vì mọi tiêu chí đều không phát sinh.",
        "The index cannot be computed: no criterion is applicable.",
    )


def combine_cents(shape: SetShape, row: GroupRow | None) -> CentsResult:
    """One assessment's result from its SQL row of group sums (None: no line at all), exactly as the engine."""
    areas = len(shape.areas)
    if row is None:
        scored: list[int] = [0] * len(shape.groups)
        na_max: list[int] = [0] * areas
    else:
        scored = [v or 0 for v in row[0]]
        na_max = [v or 0 for v in row[1][:areas]]
    leaf_max = shape.area_leaf_max_cents
    if shape.index_mode == engine.IndexMode.PERCENT:
        percent = True
        area_totals = scored[:areas]
        area_max = [m - n for m, n in zip(leaf_max, na_max, strict=True)]
    else:
        percent = False
        area_totals = [s + n for s, n in zip(scored, na_max, strict=False)]  # scored holds the extras too
        area_max = list(leaf_max)
    values: list[int] = []
    bonus_sum = penalty_sum = 0
    for column, cap, children, adds in shape.extra_steps:
        value = scored[column]
        for child in children:
            value += values[child]
        if value > cap:
            value = cap
        values.append(value)
        if adds > 0:
            bonus_sum += value
        elif adds < 0:
            penalty_sum += value
    normal_total = sum(area_totals)
    applicable_max = sum(area_max)
    bonus = bonus_sum if shape.bonus_cap_cents is None else min(bonus_sum, shape.bonus_cap_cents)
    penalty = penalty_sum if shape.penalty_cap_cents is None else min(penalty_sum, shape.penalty_cap_cents)
    total = normal_total + bonus - penalty
    if not percent:
        index = total
    else:
        if applicable_max == 0:
            raise nothing_applicable()
        index = _div_half_up(total * 10000, applicable_max)  # total / max × 100 %, in cents of a percent
    classification = shape.below_bands
    for minimum, label in shape.band_cents:
        if index >= minimum:
            classification = label
            break
    return CentsResult(
        area_totals=tuple(area_totals),
        area_max=tuple(area_max),
        normal_total=normal_total,
        bonus=bonus,
        penalty=penalty,
        applicable_max=applicable_max,
        total=total,
        index=index,
        classification=classification,
    )


def points(cents: int) -> Decimal:
    """Integer cents as points with two decimals (12.50, 0.00, -0.25), as the engine writes them."""
    return Decimal(cents) * CENT


@lru_cache(maxsize=65536)
def points_text(cents: int) -> str:
    """`str(points(cents))` without the Decimal: how a result's area totals are stored (kept: a nation's area
    totals take few distinct values)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
