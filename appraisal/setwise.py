"""Set-wise results at scale: combine leaf scores that the database has already summed per group.

The engine (`scoring.engine.compute_index`) is the definition of every number. For a national recompute
(≈ 4,000 assessments × 100 leaves) the per-leaf work is pushed into one SQL `GROUP BY`: each stored leaf
score is clamped exactly as the engine clamps it and summed per *group*:

- a normal leaf belongs to its area (top-level normal ancestor): obtained points `min(score, max)`, plus the
  maximum of its not-applicable leaves summed apart (granted in points mode, removed in percent mode);
- a bonus/penalty leaf belongs to its parent when the parent is bonus/penalty (the parent caps it),
  otherwise to itself: `min(max(score, 0), max)`, 0 when missing or not applicable.

`combine` then does, per assessment, what the engine does above the leaves (caps bottom-up, set caps,
index, classification) in pure Decimal. `tests/appraisal/test_setwise.py` proves with hypothesis that
the result equals the engine's on the same data. Pure: no ORM, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext

from scoring import engine

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
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


@dataclass
class GroupSums:
    """What SQL returns per (assessment, group), in cents (exact integers on every database)."""

    scored_cents: int = 0  # clamped scores of applicable leaves
    na_max_cents: int = 0  # maximums of not-applicable normal leaves

    @property
    def scored(self) -> Decimal:
        return Decimal(self.scored_cents) * CENT

    @property
    def na_max(self) -> Decimal:
        return Decimal(self.na_max_cents) * CENT


@dataclass
class Combined:
    area_totals: dict[str, Decimal]
    area_max: dict[str, Decimal]
    normal_total: Decimal
    bonus: Decimal
    penalty: Decimal
    applicable_max: Decimal
    total: Decimal
    index: Decimal
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
    )


def _context() -> Context:
    return Context(prec=28, rounding=ROUND_DOWN, traps=[InvalidOperation, DivisionByZero, Overflow])


def combine(shape: SetShape, sums: Mapping[str, GroupSums]) -> Combined:
    """One assessment's result from its per-group sums (absent groups count 0), exactly as the engine."""
    empty = GroupSums()
    percent = shape.index_mode == engine.IndexMode.PERCENT
    area_totals: dict[str, Decimal] = {}
    area_max: dict[str, Decimal] = {}
    for area in shape.areas:
        group = sums.get(area, empty)
        area_totals[area] = group.scored + (ZERO if percent else group.na_max)
        area_max[area] = shape.area_leaf_max[area] - (group.na_max if percent else ZERO)
    values: dict[str, Decimal] = {}
    bonus_sum = ZERO
    penalty_sum = ZERO
    for code in shape.extra_order:
        node = shape.extra[code]
        value = sums.get(code, empty).scored + sum((values[c] for c in node.children), ZERO)
        values[code] = min(value, node.max_points)
        if node.parent is None:
            if node.kind == BONUS:
                bonus_sum += values[code]
            else:
                penalty_sum += values[code]
    normal_total = sum(area_totals.values(), ZERO)
    applicable_max = sum(area_max.values(), ZERO)
    bonus = bonus_sum if shape.bonus_cap is None else min(bonus_sum, max(shape.bonus_cap, ZERO))
    penalty = penalty_sum if shape.penalty_cap is None else min(penalty_sum, max(shape.penalty_cap, ZERO))
    total = normal_total + bonus - penalty
    if not percent:
        index = engine.round_half_up(total)
    else:
        if applicable_max == 0:
            raise engine.ScoringInputError(
                "nothing_applicable",
                "Không tính được chỉ số vì mọi tiêu chí đều không phát sinh.",
                "The index cannot be computed: no criterion is applicable.",
            )
        with localcontext(_context()):  # truncate, then round half-up once (as the engine does)
            quotient = total * HUNDRED / applicable_max
        index = engine.round_half_up(quotient)
    return Combined(
        area_totals=area_totals,
        area_max=area_max,
        normal_total=normal_total,
        bonus=bonus,
        penalty=penalty,
        applicable_max=applicable_max,
        total=total,
        index=index,
        classification=engine.classify(index, shape.bands),
    )
