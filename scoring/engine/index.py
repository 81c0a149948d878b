"""The tree and the index: a set's structure checked, subtotals, bonus and penalty caps, the index, its class."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    Decimal,
    localcontext,
)
from functools import lru_cache

from scoring.engine.base import (
    _KIND_LABELS,
    HUNDRED,
    ZERO,
    IndexMode,
    Kind,
    ParamsError,
    Said,
    ScoringInputError,
    _context,
    _en,
    _vn,
    round_half_up,
)
from scoring.engine.leaf import _div_half_up


@dataclass(frozen=True)
class Node:
    code: str
    parent_code: str | None
    kind: str
    max_points: Decimal
    name: str = ""


@dataclass(frozen=True)
class Band:
    min: Decimal
    label: str


@dataclass(frozen=True)
class SetRules:
    nodes: tuple[Node, ...]
    standard_max: Decimal = Decimal("100")
    index_mode: str = "points"
    bonus_cap: Decimal | None = None
    penalty_cap: Decimal | None = None
    classification_bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class LeafScore:
    score: Decimal | None
    not_applicable: bool = False


@dataclass(frozen=True)
class IndexComputation:
    area_totals: dict[str, Decimal]
    area_max: dict[str, Decimal]
    normal_total: Decimal
    bonus: Decimal
    penalty: Decimal
    applicable_max: Decimal
    total: Decimal
    index: Decimal
    classification: str | None
    missing: tuple[str, ...]


@dataclass(frozen=True)
class _Structure:
    """The tree's shape as far as it could be read (complete when there is no structural problem)."""

    nodes: dict[str, Node]
    children: dict[str, list[str]]
    roots: list[str]


def _structural_problems(rules: SetRules) -> tuple[list[str], _Structure]:
    """Problems that make the tree impossible to compute on, and the shape as far as it is known."""
    problems: list[str] = []
    nodes: dict[str, Node] = {}
    duplicates: list[str] = []
    for node in rules.nodes:
        if not node.code:
            problems.append(Said("Có tiêu chí thiếu mã.", "A criterion has no code."))
            continue
        if node.code in nodes:
            if node.code not in duplicates:
                duplicates.append(node.code)
            continue
        nodes[node.code] = node
    problems.extend(Said(f"Mã tiêu chí «{code}» bị trùng.", f"Criterion code “{code}” is used twice.")
                    for code in duplicates)
    children: dict[str, list[str]] = {code: [] for code in nodes}
    roots: list[str] = []
    for node in nodes.values():
        if node.kind not in set(Kind):
            problems.append(Said(f"Tiêu chí «{node.code}» có loại «{node.kind}» không hợp lệ.",
                                 f"Criterion “{node.code}” has an invalid kind “{node.kind}”."))
        if not isinstance(node.max_points, Decimal) or not node.max_points.is_finite():
            problems.append(Said(f"Điểm tối đa của «{node.code}» không phải là một số.",
                                 f"The maximum of “{node.code}” is not a number."))
        elif node.max_points < 0:
            problems.append(Said(f"Điểm tối đa của «{node.code}» không được âm.",
                                 f"The maximum of “{node.code}” cannot be negative."))
        if node.parent_code is None:
            roots.append(node.code)
        elif node.parent_code not in nodes:
            problems.append(Said(f"Tiêu chí «{node.code}» có mã cha «{node.parent_code}» không tồn tại.",
                                 f"Criterion “{node.code}” has a parent “{node.parent_code}” that does not exist."))
        else:
            children[node.parent_code].append(node.code)
    # Cycles: nodes with a known parent that no root reaches.
    reached: set[str] = set()
    stack = list(roots)
    while stack:
        code = stack.pop()
        reached.add(code)
        stack.extend(children[code])
    reported: set[str] = set()
    for code in nodes:
        if code in reached or code in reported or nodes[code].parent_code not in nodes:
            continue
        path: list[str] = []
        current: str | None = code
        while current is not None and current in nodes and current not in path and current not in reported:
            path.append(current)
            current = nodes[current].parent_code
        if current is not None and current in path:
            cycle = path[path.index(current) :]
            reported.update(cycle)
            problems.append(Said(
                "Các tiêu chí " + ", ".join(f"«{c}»" for c in cycle) + " tạo thành vòng lặp cha – con.",
                "Criteria " + ", ".join(f"“{c}”" for c in cycle) + " form a parent–child loop.",
            ))
    # A bonus or penalty node's descendants share its kind.
    for code, node in nodes.items():
        if node.kind not in (Kind.BONUS, Kind.PENALTY):
            continue
        for child in children[code]:
            child_kind = nodes[child].kind
            if child_kind != node.kind:
                problems.append(Said(
                    f"Tiêu chí «{child}» (loại {_KIND_LABELS.get(child_kind, child_kind)}) nằm trong "
                    f"«{code}» ({_KIND_LABELS[node.kind]}): phải cùng loại {_KIND_LABELS[node.kind]}.",
                    f"Criterion “{child}” (kind {child_kind}) is inside “{code}” ({node.kind}): it must be of the "
                    f"same kind, {node.kind}.",
                ))
    return problems, _Structure(nodes, children, roots)


def validate_tree(rules: SetRules) -> list[str]:
    """Every problem of the set's tree and set-level rules (`Said`: Vietnamese, with its English wording); empty
    when the set is fine."""
    with localcontext(_context()):
        return _tree_problems(rules)


def _tree_problems(rules: SetRules) -> list[str]:
    problems, shape = _structural_problems(rules)
    nodes, children = shape.nodes, shape.children
    if rules.index_mode not in set(IndexMode):
        problems.append(Said(f"Cách tính chỉ số «{rules.index_mode}» không hợp lệ (points hoặc percent).",
                             f"Index mode “{rules.index_mode}” is not valid (points or percent)."))
    numeric = {
        code
        for code, node in nodes.items()
        if isinstance(node.max_points, Decimal) and node.max_points.is_finite()
    }
    for code, node in nodes.items():
        kids = [c for c in children[code] if nodes[c].kind == Kind.NORMAL]
        if node.kind != Kind.NORMAL or not children[code] or code not in numeric:
            continue
        if any(c not in numeric for c in kids):
            continue
        total = sum((nodes[c].max_points for c in kids), ZERO)
        if total != node.max_points:
            problems.append(Said(
                f"Điểm tối đa của «{code}» là {_vn(node.max_points)} nhưng tổng điểm tối đa các tiêu chí con "
                f"(không kể điểm cộng, điểm trừ) là {_vn(total)}.",
                f"The maximum of “{code}” is {_en(node.max_points)} but its sub-criteria's maxima (bonus and "
                f"penalty aside) add up to {_en(total)}.",
            ))
    areas = [c for c in shape.roots if nodes[c].kind == Kind.NORMAL]
    if all(c in numeric for c in areas):
        area_sum = sum((nodes[c].max_points for c in areas), ZERO)
        if area_sum != rules.standard_max:
            problems.append(Said(
                f"Tổng điểm tối đa các lĩnh vực là {_vn(area_sum)}, "
                f"khác điểm chuẩn {_vn(rules.standard_max)}.",
                f"The areas' maxima add up to {_en(area_sum)}, not the standard {_en(rules.standard_max)}.",
            ))
    if rules.standard_max <= 0:
        problems.append(Said("Điểm chuẩn của bộ chỉ số phải lớn hơn 0.", "The set's standard must be above 0."))
    kinds = {node.kind for node in nodes.values()}
    if Kind.BONUS in kinds and rules.bonus_cap is None:
        problems.append(Said("Bộ chỉ số có điểm cộng nhưng chưa đặt mức trần điểm cộng (bonus_cap).",
                             "The set has bonus criteria but no bonus cap (bonus_cap)."))
    if Kind.PENALTY in kinds and rules.penalty_cap is None:
        problems.append(Said("Bộ chỉ số có điểm trừ nhưng chưa đặt mức trần điểm trừ (penalty_cap).",
                             "The set has penalty criteria but no penalty cap (penalty_cap)."))
    for name, name_en, cap in (("điểm cộng", "bonus", rules.bonus_cap), ("điểm trừ", "penalty", rules.penalty_cap)):
        if cap is not None and cap < 0:
            problems.append(Said(f"Mức trần {name} không được âm.", f"The {name_en} cap cannot be negative."))
    bands = rules.classification_bands
    for previous, band in itertools.pairwise(bands):
        if band.min >= previous.min:
            problems.append(Said(
                "Các mức xếp loại phải xếp theo ngưỡng giảm dần "
                f"(«{band.label}» {_vn(band.min)} đứng sau «{previous.label}» {_vn(previous.min)}).",
                "Classification bands must be listed from the highest threshold down "
                f"(“{band.label}” {_en(band.min)} comes after “{previous.label}” {_en(previous.min)}).",
            ))
            break
    labels = [band.label for band in bands]
    if len(set(labels)) != len(labels):
        problems.append(Said("Tên các mức xếp loại bị trùng.", "Two classification bands have the same name."))
    return problems


def classify(index: Decimal, bands: Sequence[Band]) -> str | None:
    """The label of the first band (highest first) whose `min` the index reaches. Below them all: the lowest band
    when it starts at 0 or below, since it then covers every index under the next threshold, a negative one too
    (penalties, or negative options, can take a unit below 0); None when the lowest band starts above 0, or there
    are no bands."""
    for band in bands:
        if index >= band.min:
            return band.label
    return lowest_band_label(bands)


def lowest_band_label(bands: Sequence[Band]) -> str | None:
    """The band an index below every threshold falls in: the last (lowest) band when it starts at 0 or below; None
    when it starts above 0 (an index under it is not classified) or there are no bands. The set-wise recompute's
    SQL and Python paths ask it too, so that every path classifies alike."""
    if bands and bands[-1].min <= ZERO:
        return bands[-1].label
    return None


@dataclass(frozen=True)
class _Step:
    """One node of the post-order walk, with everything the walk needs precomputed."""

    code: str
    normal: bool
    leaf: bool
    kids: tuple[str, ...]  # normal node: its normal children; bonus/penalty node: all its children
    max_points: Decimal
    bonus: bool  # bonus/penalty: True for bonus
    top: bool  # bonus/penalty: adds to the set's bonus/penalty total (no bonus/penalty parent)


@dataclass(frozen=True)
class _Compiled:
    """What `compute_index` needs from a set's rules, independent of the scores: read once per rules value."""

    problems: tuple[str, ...]
    mode: IndexMode | None
    nodes: Mapping[str, Node]
    leaf_codes: frozenset[str]
    steps: tuple[_Step, ...]
    areas: tuple[str, ...]
    order_index: Mapping[str, int]


def _compile_rules(rules: SetRules) -> _Compiled:
    problems, shape = _structural_problems(rules)
    try:
        mode: IndexMode | None = IndexMode(rules.index_mode)
    except ValueError:
        mode = None
    if problems:
        return _Compiled(tuple(problems), mode, shape.nodes, frozenset(), (), (), {})
    nodes, children = shape.nodes, shape.children
    order: list[str] = []  # post-order without recursion: children before parents
    stack = list(reversed(shape.roots))
    while stack:
        code = stack.pop()
        order.append(code)
        stack.extend(reversed(children[code]))
    order.reverse()
    steps = []
    for code in order:
        node, kids = nodes[code], children[code]
        normal = node.kind == Kind.NORMAL
        parent = node.parent_code
        steps.append(_Step(
            code=code,
            normal=normal,
            leaf=not kids,
            kids=tuple(c for c in kids if nodes[c].kind == Kind.NORMAL) if normal else tuple(kids),
            max_points=node.max_points,
            bonus=node.kind == Kind.BONUS,
            top=parent is None or nodes[parent].kind == Kind.NORMAL,
        ))
    return _Compiled(
        problems=(),
        mode=mode,
        nodes=nodes,
        leaf_codes=frozenset(code for code in nodes if not children[code]),
        steps=tuple(steps),
        areas=tuple(c for c in shape.roots if nodes[c].kind == Kind.NORMAL),
        order_index={node.code: position for position, node in enumerate(rules.nodes)},
    )


# The compiled structure is cached by the rules' VALUE (every node's code, parent, kind, maximum and name,
# and the set-level fields): an edited set builds different rules and so can never meet a stale entry. The
# identity map in front saves hashing the whole tree when the caller passes the same rules object again.
_compiled_by_value = lru_cache(maxsize=128)(_compile_rules)
_compiled_by_id: dict[int, tuple[weakref.ref[SetRules], _Compiled]] = {}


def _compiled(rules: SetRules) -> _Compiled:
    key = id(rules)
    entry = _compiled_by_id.get(key)
    if entry is not None and entry[0]() is rules:
        return entry[1]
    try:
        compiled = _compiled_by_value(rules)
    except TypeError:  # unhashable parts (e.g. a list given for a tuple): no caching
        return _compile_rules(rules)

    def forget(_dead: weakref.ref[SetRules]) -> None:
        _compiled_by_id.pop(key, None)

    try:
        ref = weakref.ref(rules, forget)
    except TypeError:
        return compiled
    if len(_compiled_by_id) > 1024:
        _compiled_by_id.clear()
    _compiled_by_id[key] = (ref, compiled)
    return compiled


def compute_index(rules: SetRules, leaves: Mapping[str, LeafScore]) -> IndexComputation:
    """The unit's index from its leaf scores (keyed by leaf code).

    - A leaf absent from `leaves`, or with no score and not N/A, counts 0 and is listed in `missing`.
    - Normal leaves: a score above the leaf's max is taken as the max. N/A: points mode grants the max;
      percent mode removes the leaf from both the obtained points and the applicable maximum.
    - Bonus/penalty leaves are clamped to [0, max] (N/A counts 0); a bonus/penalty parent caps the exact
      sum of its children at its max, bottom-up; the set's bonus_cap/penalty_cap cap the totals.
    - Nothing is rounded except the index, once.
    Raises `ParamsError` (code `invalid_tree`) for a structurally broken tree and `ScoringInputError` for
    scores of unknown codes or, in percent mode, when nothing is applicable.

    The tree's structure is read once per rules value and cached (see `_compiled`); only the scores are
    walked on each call.
    """
    compiled = _compiled(rules)
    if compiled.problems:
        raise ParamsError(
            "invalid_tree",
            "Cây tiêu chí không hợp lệ: " + " ".join(compiled.problems),
            "The indicator tree is invalid.",
        )
    mode = compiled.mode
    if mode is None:
        raise ParamsError(
            "unknown_index_mode",
            f"Cách tính chỉ số «{rules.index_mode}» không hợp lệ.",
            f"Unknown index mode '{rules.index_mode}'.",
            field="index_mode",
        )
    if not compiled.leaf_codes.issuperset(leaves):
        for code in leaves:
            if code not in compiled.nodes:
                raise ScoringInputError(
                    "unknown_leaf",
                    f"Không có tiêu chí mã «{code}» trong bộ chỉ số.",
                    f"No indicator '{code}' in the set.",
                    field=code,
                )
            if code not in compiled.leaf_codes:
                raise ScoringInputError(
                    "not_a_leaf",
                    f"Tiêu chí «{code}» không phải là tiêu chí chấm điểm.",
                    f"Indicator '{code}' is not a scored leaf.",
                    field=code,
                )

    points = mode is IndexMode.POINTS
    obtained: dict[str, Decimal] = {}  # normal nodes: exact normal points obtained
    applicable: dict[str, Decimal] = {}  # normal nodes: applicable max
    extra: dict[str, Decimal] = {}  # bonus/penalty nodes: capped value
    bonus_sum = ZERO
    penalty_sum = ZERO
    missing: list[str] = []
    get = leaves.get
    with localcontext(_context()):
        for step in compiled.steps:
            code = step.code
            if step.normal:
                if not step.leaf:
                    obtained[code] = sum([obtained[c] for c in step.kids], ZERO)
                    applicable[code] = sum([applicable[c] for c in step.kids], ZERO)
                    continue
                entry = get(code)
                if entry is None or (entry.score is None and not entry.not_applicable):
                    missing.append(code)
                    obtained[code], applicable[code] = ZERO, step.max_points
                elif entry.not_applicable:
                    granted = step.max_points if points else ZERO
                    obtained[code], applicable[code] = granted, granted
                else:
                    score = entry.score
                    assert score is not None
                    obtained[code] = step.max_points if step.max_points < score else score  # as min()
                    applicable[code] = step.max_points
                continue
            if not step.leaf:
                value = sum([extra[c] for c in step.kids], ZERO)
            else:
                entry = get(code)
                not_applicable = entry is not None and entry.not_applicable
                score = None if entry is None or not_applicable else entry.score
                if score is None and not not_applicable:
                    missing.append(code)
                value = ZERO if score is None else max(score, ZERO)  # N/A bonus/penalty counts 0
            capped = min(value, step.max_points)
            extra[code] = capped
            if step.top:
                if step.bonus:
                    bonus_sum += capped
                else:
                    penalty_sum += capped

        area_totals = {c: obtained[c] for c in compiled.areas}
        area_max = {c: applicable[c] for c in compiled.areas}
        normal_total = sum(area_totals.values(), ZERO)
        applicable_max = sum(area_max.values(), ZERO)
        bonus = bonus_sum if rules.bonus_cap is None else min(bonus_sum, max(rules.bonus_cap, ZERO))
        penalty = penalty_sum if rules.penalty_cap is None else min(penalty_sum, max(rules.penalty_cap, ZERO))
        total = normal_total + bonus - penalty
        if points:
            index = round_half_up(total)
        else:
            if applicable_max == 0:
                raise ScoringInputError(
                    "nothing_applicable",
                    "Không tính được chỉ số vì mọi tiêu chí đều không phát sinh.",
                    "The index cannot be computed: no criterion is applicable.",
                )
            index = _div_half_up(total * HUNDRED, applicable_max)
    if len(missing) > 1:
        order_index = compiled.order_index
        missing.sort(key=order_index.__getitem__)
    return IndexComputation(
        area_totals=area_totals,
        area_max=area_max,
        normal_total=normal_total,
        bonus=bonus,
        penalty=penalty,
        applicable_max=applicable_max,
        total=total,
        index=index,
        classification=classify(index, rules.classification_bands),
        missing=tuple(missing),
    )
