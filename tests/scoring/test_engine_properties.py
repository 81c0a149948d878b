"""Property tests of the scoring engine: random trees, leaf inputs and rankings (hypothesis)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    IndexComputation,
    IndexMode,
    Kind,
    LeafRule,
    LeafScore,
    Node,
    RankEntry,
    ScoringInputError,
    SetRules,
    compute_index,
    normalize_value,
    rank,
    round_half_up,
    score_and_normalize,
    score_leaf,
    validate_tree,
)

D = Decimal
FAST = settings(max_examples=150, deadline=None)


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals with two places between low/100 and high/100."""
    return st.integers(min_value=low, max_value=high).map(lambda n: D(n).scaleb(-2))


# --- random trees ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    rules: SetRules
    leaves: dict[str, LeafScore]


@st.composite
def extra_subtree(draw: st.DrawFn, code: str, parent: str | None, kind: str) -> list[Node]:
    """A bonus or penalty criterion: a leaf, or a capped parent of leaves (sometimes nested once more)."""
    if draw(st.booleans()):
        return [Node(code, parent, kind, draw(cents(1, 500)))]
    nodes = [Node(code, parent, kind, draw(cents(1, 500)))]
    for i in range(1, draw(st.integers(1, 3)) + 1):
        child = f"{code}.{i}"
        if draw(st.integers(0, 3)) == 0:
            nodes.append(Node(child, code, kind, draw(cents(1, 300))))
            nodes.extend(Node(f"{child}.{j}", child, kind, draw(cents(1, 300))) for j in (1, 2))
        else:
            nodes.append(Node(child, code, kind, draw(cents(1, 300))))
    return nodes


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    """Areas → criteria → leaves with random two-decimal maxima (parents sum their normal children),
    optional bonus/penalty criteria inside areas and at top level, and random leaf scores in range."""
    nodes: list[Node] = []
    area_sum = D(0)
    for a in range(1, draw(st.integers(1, 4)) + 1):
        area = str(a)
        area_nodes: list[Node] = []
        area_max = D(0)
        for c in range(1, draw(st.integers(1, 3)) + 1):
            criterion = f"{area}.{c}"
            maxima = draw(st.lists(cents(1, 2000), min_size=1, max_size=3))
            area_nodes.append(Node(criterion, area, Kind.NORMAL, sum(maxima, D(0))))
            area_nodes.extend(
                Node(f"{criterion}.{i}", criterion, Kind.NORMAL, m) for i, m in enumerate(maxima, 1)
            )
            area_max += sum(maxima, D(0))
        if draw(st.booleans()):
            kind = draw(st.sampled_from([Kind.BONUS, Kind.PENALTY]))
            area_nodes.extend(draw(extra_subtree(f"{area}.x", area, kind)))
        nodes.append(Node(area, None, Kind.NORMAL, area_max))
        nodes.extend(area_nodes)
        area_sum += area_max
    if draw(st.booleans()):
        nodes.extend(draw(extra_subtree("B", None, Kind.BONUS)))
    if draw(st.booleans()):
        nodes.extend(draw(extra_subtree("P", None, Kind.PENALTY)))

    parents = {n.parent_code for n in nodes}
    leaves: dict[str, LeafScore] = {}
    for n in nodes:
        if n.code in parents:
            continue
        state = draw(st.sampled_from(["score", "score", "score", "na", "none", "absent"]))
        if state == "absent":
            continue
        if state == "none":
            leaves[n.code] = LeafScore(None)
        elif state == "na":
            leaves[n.code] = LeafScore(None, not_applicable=True)
        else:
            low = -100 if n.kind == Kind.NORMAL else 0  # normal leaves may have a negative floor
            leaves[n.code] = LeafScore(draw(cents(low, int(n.max_points * 100))))

    rules = SetRules(
        nodes=tuple(draw(st.permutations(nodes))),
        standard_max=area_sum,
        index_mode=draw(st.sampled_from([IndexMode.POINTS, IndexMode.PERCENT])),
        bonus_cap=draw(st.none() | cents(0, 800)),
        penalty_cap=draw(st.none() | cents(0, 800)),
    )
    return Tree(rules, leaves)


@dataclass
class Expected:
    areas: dict[str, Decimal]
    area_max: dict[str, Decimal]
    bonus: Decimal
    penalty: Decimal
    missing: set[str]


def expected_of(tree: Tree) -> Expected:
    """A straightforward recursive reading of the spec, independent of the engine's implementation."""
    rules, leaves = tree.rules, tree.leaves
    by_code = {n.code: n for n in rules.nodes}
    kids: dict[str, list[str]] = {n.code: [] for n in rules.nodes}
    for n in rules.nodes:
        if n.parent_code is not None:
            kids[n.parent_code].append(n.code)
    percent = rules.index_mode == IndexMode.PERCENT
    missing: set[str] = set()
    extras: dict[str, Decimal] = {Kind.BONUS: D(0), Kind.PENALTY: D(0)}

    def capped(code: str) -> Decimal:
        node = by_code[code]
        if kids[code]:
            return min(sum((capped(c) for c in kids[code]), D(0)), node.max_points)
        entry = leaves.get(code)
        if entry is None or (entry.score is None and not entry.not_applicable):
            missing.add(code)
            return D(0)
        if entry.not_applicable or entry.score is None:
            return D(0)
        return min(max(entry.score, D(0)), node.max_points)

    def normal(code: str) -> tuple[Decimal, Decimal]:
        node = by_code[code]
        if not kids[code]:
            entry = leaves.get(code)
            if entry is not None and entry.not_applicable:
                return (D(0), D(0)) if percent else (node.max_points, node.max_points)
            if entry is None or entry.score is None:
                missing.add(code)
                return D(0), node.max_points
            return min(entry.score, node.max_points), node.max_points
        got, top = D(0), D(0)
        for child in kids[code]:
            if by_code[child].kind == Kind.NORMAL:
                g, t = normal(child)
                got, top = got + g, top + t
            else:
                extras[by_code[child].kind] += capped(child)
        return got, top

    areas: dict[str, Decimal] = {}
    area_max: dict[str, Decimal] = {}
    for n in rules.nodes:
        if n.parent_code is None:
            if n.kind == Kind.NORMAL:
                areas[n.code], area_max[n.code] = normal(n.code)
            else:
                extras[n.kind] += capped(n.code)
    bonus, penalty = extras[Kind.BONUS], extras[Kind.PENALTY]
    if rules.bonus_cap is not None:
        bonus = min(bonus, rules.bonus_cap)
    if rules.penalty_cap is not None:
        penalty = min(penalty, rules.penalty_cap)
    return Expected(areas, area_max, bonus, penalty, missing)


def computed(tree: Tree) -> IndexComputation | None:
    """The engine's computation; None only where the spec refuses it (percent mode, nothing applicable)."""
    if tree.rules.index_mode == IndexMode.PERCENT and sum(expected_of(tree).area_max.values(), D(0)) == 0:
        with pytest.raises(ScoringInputError) as refused:
            compute_index(tree.rules, tree.leaves)
        assert refused.value.code == "nothing_applicable"
        return None
    return compute_index(tree.rules, tree.leaves)


@FAST
@given(trees())
def test_random_trees_are_valid_apart_from_missing_caps(tree: Tree) -> None:
    problems = validate_tree(tree.rules)
    assert all("mức trần" in p for p in problems), problems


@FAST
@given(trees())
def test_total_is_the_exact_sum_of_clamped_leaves_per_the_rules(tree: Tree) -> None:
    expected = expected_of(tree)
    applicable = sum(expected.area_max.values(), D(0))
    result = computed(tree)
    if result is None:
        return
    assert result.area_totals == expected.areas
    assert result.area_max == expected.area_max
    assert result.bonus == expected.bonus
    assert result.penalty == expected.penalty
    assert set(result.missing) == expected.missing
    assert len(result.missing) == len(set(result.missing))
    assert result.applicable_max == applicable
    assert result.total == sum(expected.areas.values(), D(0)) + expected.bonus - expected.penalty


@FAST
@given(trees())
def test_area_totals_sum_to_the_normal_total_and_the_total_adds_bonus_and_subtracts_penalty(
    tree: Tree,
) -> None:
    result = computed(tree)
    if result is None:
        return
    assert sum(result.area_totals.values(), D(0)) == result.normal_total
    assert sum(result.area_max.values(), D(0)) == result.applicable_max
    assert result.total == result.normal_total + result.bonus - result.penalty
    assert result.bonus >= 0
    assert result.penalty >= 0
    if tree.rules.bonus_cap is not None:
        assert result.bonus <= tree.rules.bonus_cap
    if tree.rules.penalty_cap is not None:
        assert result.penalty <= tree.rules.penalty_cap


@FAST
@given(trees())
def test_the_index_is_rounded_once_from_the_exact_total(tree: Tree) -> None:
    result = computed(tree)
    if result is None:
        return
    if tree.rules.index_mode == IndexMode.POINTS:
        assert result.index == round_half_up(result.total)
        assert result.applicable_max == tree.rules.standard_max  # N/A grants the max
    else:
        assert result.index == round_half_up(result.total / result.applicable_max * 100)
    assert result.index == result.index.quantize(D("0.01"))


@FAST
@given(trees(), st.randoms(use_true_random=False))
def test_compute_index_does_not_depend_on_node_order(tree: Tree, random: Any) -> None:
    result = computed(tree)
    if result is None:
        return
    shuffled = list(tree.rules.nodes)
    random.shuffle(shuffled)
    other = compute_index(
        SetRules(
            nodes=tuple(shuffled),
            standard_max=tree.rules.standard_max,
            index_mode=tree.rules.index_mode,
            bonus_cap=tree.rules.bonus_cap,
            penalty_cap=tree.rules.penalty_cap,
        ),
        tree.leaves,
    )
    assert (other.total, other.index, other.area_totals, set(other.missing)) == (
        result.total,
        result.index,
        result.area_totals,
        set(result.missing),
    )


def test_rounding_once_differs_from_rounding_areas_first_in_a_constructed_percent_example() -> None:
    nodes = (
        Node("1", None, "normal", D("1")),
        Node("1.1", "1", "normal", D("1")),
        Node("2", None, "normal", D("6")),
        Node("2.1", "2", "normal", D("3")),
        Node("2.2", "2", "normal", D("3")),
        Node("3", None, "normal", D("1")),
    )
    rules = SetRules(nodes=nodes, standard_max=D("8"), index_mode="percent")
    leaves = {
        "1.1": LeafScore(D("0.25")),
        "2.1": LeafScore(D("0.25")),
        "2.2": LeafScore(D("0")),
        "3": LeafScore(None, not_applicable=True),
    }
    result = compute_index(rules, leaves)
    assert result.index == D("7.14")  # 0.50 / 7 × 100 = 7.142857…
    per_area = [round_half_up(result.area_totals[c] / result.area_max[c] * 100) for c in ("1", "2")]
    assert per_area == [D("25.00"), D("4.17")]
    weighted = (
        per_area[0] * result.area_max["1"] + per_area[1] * result.area_max["2"]
    ) / result.applicable_max
    assert round_half_up(weighted) == D("7.15") != result.index


# --- every method stays inside [floor, max] with two decimals --------------------------------------------


@st.composite
def leaf_cases(draw: st.DrawFn) -> tuple[LeafRule, dict[str, Any]]:
    """A random valid rule of a random method and a random valid value for it."""
    method = draw(
        st.sampled_from(
            [
                "manual",
                "levels",
                "yes_no",
                "ratio_bands",
                "proportional",
                "formula",
                "per_occurrence",
                "survey",
            ]
        )
    )
    kind = draw(st.sampled_from(["normal", "normal", "bonus", "penalty"]))
    maximum = draw(cents(0, 2000))
    floor = D(0) if kind != "normal" else draw(cents(-int(maximum * 100) - 100, 0))
    in_range = cents(int(floor * 100), int(maximum * 100))
    params: dict[str, Any]
    value: dict[str, Any]
    ratio = st.integers(1, 10_000).flatmap(lambda den: st.tuples(st.integers(0, den), st.just(den)))
    if method == "manual":
        step = draw(st.sampled_from([D("0.01"), D("0.05"), D("0.25"), D("0.5")]))
        low, high = -(-floor // step), maximum // step
        params = {"step": str(step)}
        value = {"points": str(draw(st.integers(int(low), int(high))) * step)}  # 0 is always in range
    elif method == "survey":
        params, value = {}, {"points": str(draw(in_range))}
    elif method == "levels":
        points = draw(st.lists(in_range, min_size=1, max_size=4))
        params = {
            "options": [{"key": f"k{i}", "label": f"Mức {i}", "points": str(p)} for i, p in enumerate(points)]
        }
        value = {"option": f"k{draw(st.integers(0, len(points) - 1))}"}
    elif method == "yes_no":
        params = {"yes_points": str(draw(in_range)), "no_points": str(draw(in_range))}
        value = {"value": draw(st.booleans())}
    elif method == "ratio_bands":
        thresholds = sorted(set(draw(st.lists(cents(1, 10_000), max_size=4))), reverse=True)
        bands = [
            {"min": str(t), "inclusive": draw(st.booleans()), "points": str(draw(in_range))}
            for t in thresholds
        ]
        bands.append({"min": "0", "inclusive": True, "points": str(draw(in_range))})
        params = {"bands": bands}
        numerator, denominator = draw(ratio)
        value = {"numerator": numerator, "denominator": denominator}
    elif method == "proportional":
        params = {"threshold": str(draw(cents(0, 10_000))), "below_points": str(draw(in_range))}
        numerator, denominator = draw(ratio)
        value = {"numerator": str(numerator).replace(".", ","), "denominator": denominator}
    elif method == "formula":
        expression = draw(
            st.sampled_from(["(b/a) * 1 + (c/a) * 0.5", "a - b * 2.25 + c / 3", "-(a * 0.37) + b / (c + 1)"])
        )
        params = {"variables": [{"name": n} for n in "abc"], "expression": expression}
        if draw(st.booleans()):
            params["on_zero_division"] = str(draw(in_range))
        counts = draw(st.fixed_dictionaries({n: st.integers(0, 50) for n in "abc"}))
        if "on_zero_division" not in params:
            counts["a"] = max(counts["a"], 1)
        value = {"counts": counts}
    else:
        # an occurrence is worth at most the leaf's range; a bonus or penalty one, a positive amount
        if kind != "normal" and maximum == 0:
            maximum = D("0.01")
        span = min(300, int((maximum - floor) * 100))
        items = draw(st.lists(cents(-span if kind == "normal" else 1, span), min_size=1, max_size=4))
        params = {
            "base": str(draw(in_range)),
            "items": [{"key": f"i{n}", "label": f"Mục {n}", "points": str(p)} for n, p in enumerate(items)],
        }
        value = {
            "counts": {f"i{n}": draw(st.integers(0, 30)) for n in range(len(items)) if draw(st.booleans())}
        }
    return LeafRule(method, params, maximum, floor, kind), value


@settings(max_examples=400, deadline=None)
@given(leaf_cases())
def test_no_leaf_score_leaves_its_range_and_every_score_has_two_decimals(
    case: tuple[LeafRule, Mapping[str, Any]],
) -> None:
    leaf, value = case
    score = score_leaf(leaf, value)
    assert leaf.floor <= score <= leaf.max_points
    assert score.as_tuple().exponent == -2
    assert score_leaf(leaf, normalize_value(leaf, value)) == score
    assert score_and_normalize(leaf, value) == (score, normalize_value(leaf, value))  # what the saves call


# --- ranking -------------------------------------------------------------------------------------------


entries_strategy = st.lists(
    st.tuples(
        st.sampled_from(["Sở Nội vụ", "sở nội vụ", "Sở Y tế", "Sở Tài chính", "huyện Cái Bè", "TP Mỹ Tho"]),
        st.sampled_from([D("90"), D("90.00"), D("88.5"), D("102.50"), D("64.99"), D("0")]),
    ),
    max_size=12,
).map(lambda rows: [RankEntry(key=i, name=name, index=index) for i, (name, index) in enumerate(rows)])


@FAST
@given(entries_strategy, st.randoms(use_true_random=False))
def test_rank_is_a_valid_competition_ranking_identical_for_any_input_order(
    entries: list[RankEntry], random: Any
) -> None:
    ranked = rank(entries)
    assert sorted(r.key for r in ranked) == sorted(e.key for e in entries)
    for r in ranked:
        assert r.rank == 1 + sum(1 for e in entries if e.index > r.index)
    assert all(a.index >= b.index for a, b in itertools.pairwise(ranked))
    for a, b in itertools.pairwise(ranked):
        if a.index == b.index:
            assert (a.name.casefold(), a.name) <= (b.name.casefold(), b.name)
    shuffled = list(entries)
    random.shuffle(shuffled)
    assert rank(shuffled) == ranked
    assert rank(reversed(entries)) == ranked
