"""Checks of the two indicator sets of Tiền Giang's Decision 689/QĐ-UBND (11/3/2020).

Plain pytest, no database: the JSON files are read as they are, their shape is checked against
docs/scoring-methods.md and the decision's announced structure (7 areas, 39 criteria including the bonus
and penalty criteria), and every leaf and the whole tree are validated by the scoring engine.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scoring.engine import (
    Band,
    LeafRule,
    LeafScore,
    Method,
    Node,
    ParamsError,
    ScoringInputError,
    SetRules,
    compute_index,
    score_leaf,
    validate_params,
    validate_tree,
)

ROOT = Path(__file__).resolve().parents[2]
SETS_DIR = ROOT / "fixtures" / "sets"

# The decision announces, per area and in order, the number of criteria (bonus/penalty ones included).
EXPECTED = {
    "tg-2020-so": {
        "unit_kind": "department",
        "name": "Bộ Chỉ số CCHC của các sở, ban, ngành tỉnh",
        "criteria": [6, 3, 10, 3, 11, 4, 2],
    },
    "tg-2020-huyen": {
        "unit_kind": "district",
        "name": "Bộ Chỉ số CCHC của UBND các huyện, thành phố, thị xã",
        "criteria": [6, 3, 10, 4, 11, 3, 2],
    },
}

AREA_DEPARTMENTS = {
    "1": "Sở Nội vụ",
    "2": "Sở Tư pháp",
    "3": "Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh",
    "4": "Sở Nội vụ",
    "5": "Sở Nội vụ",
    "6": "Sở Tài chính",
    "7": "Sở Thông tin và Truyền thông",
}

# Reasonable weights of the areas (national practice, 2948/QĐ-BNV, and provincial sets).
AREA_WEIGHT_RANGES = {
    "1": (10, 14),
    "2": (8, 10),
    "3": (14, 20),
    "4": (8, 11),
    "5": (14, 18),
    "6": (7, 10),
    "7": (14, 18),
}

NON_SURVEY_METHODS = {m.value for m in Method} - {Method.SURVEY.value}
QUARTER = Decimal("0.25")


def _load(key: str) -> dict[str, Any]:
    with (SETS_DIR / f"{key}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(params=sorted(EXPECTED), scope="module")
def data(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _load(request.param)


def _walk(
    nodes: list[dict[str, Any]], parent: dict[str, Any] | None = None, level: int = 1
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, int]]:
    for node in nodes:
        yield node, parent, level
        yield from _walk(node.get("children") or [], node, level + 1)


def _all_nodes(data: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None, int]]:
    return list(_walk(data["indicators"]))


def _leaves(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node, _parent, _level in _all_nodes(data) if not node.get("children")]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _rule(leaf: dict[str, Any]) -> LeafRule:
    return LeafRule(
        method=leaf["method"],
        params=leaf["params"],
        max_points=Decimal(leaf["max_points"]),
        floor=Decimal(leaf.get("floor", "0")),
        kind=leaf["kind"],
    )


def _set_rules(data: dict[str, Any]) -> SetRules:
    return SetRules(
        nodes=tuple(
            Node(
                code=node["code"],
                parent_code=parent["code"] if parent else None,
                kind=node["kind"],
                max_points=Decimal(node["max_points"]),
                name=node["name"],
            )
            for node, parent, _level in _all_nodes(data)
        ),
        standard_max=Decimal(data["standard_max"]),
        index_mode=data["index_mode"],
        bonus_cap=Decimal(data["bonus_cap"]),
        penalty_cap=Decimal(data["penalty_cap"]),
        classification_bands=tuple(
            Band(min=Decimal(b["min"]), label=b["label"]) for b in data["classification_bands"]
        ),
    )


# --- set-level fields ---------------------------------------------------------------------------------


def test_set_header(data: dict[str, Any]) -> None:
    expected = EXPECTED[data["key"]]
    assert data["year"] == 2020
    assert data["unit_kind"] == expected["unit_kind"]
    assert data["name"] == expected["name"]
    assert data["decision_ref"] == "689/QĐ-UBND ngày 11/3/2020"
    assert data["standard_max"] == "100"
    assert data["index_mode"] == "points"
    assert data["classification_bands"] == [
        {"min": "90", "label": "Tốt"},
        {"min": "80", "label": "Khá"},
        {"min": "65", "label": "Trung bình"},
        {"min": "0", "label": "Yếu"},
    ]
    note = data["source_note"]
    for mention in ("689/QĐ-UBND", "1880/QĐ-UBND", "Cà Mau", "2948/QĐ-BNV", "Tiền Giang"):
        assert mention in note


def test_keys_match_file_names() -> None:
    for key in EXPECTED:
        assert _load(key)["key"] == key


# --- structure ----------------------------------------------------------------------------------------


def test_seven_areas_with_announced_criteria_counts(data: dict[str, Any]) -> None:
    areas = data["indicators"]
    assert [a["code"] for a in areas] == [str(i) for i in range(1, 8)]
    assert all(a["kind"] == "normal" for a in areas)
    assert [len(a["children"]) for a in areas] == EXPECTED[data["key"]]["criteria"]
    assert sum(len(a["children"]) for a in areas) == 39


def test_criteria_codes_are_in_order(data: dict[str, Any]) -> None:
    for area in data["indicators"]:
        assert [c["code"] for c in area["children"]] == [
            f"{area['code']}.{i}" for i in range(1, len(area["children"]) + 1)
        ]
        for criterion in area["children"]:
            assert [leaf["code"] for leaf in criterion["children"]] == [
                f"{criterion['code']}.{i}" for i in range(1, len(criterion["children"]) + 1)
            ]


def test_every_criterion_has_leaves_at_level_three(data: dict[str, Any]) -> None:
    for area in data["indicators"]:
        for criterion in area["children"]:
            assert criterion.get("children"), criterion["code"]
            for leaf in criterion["children"]:
                assert not leaf.get("children"), f"{leaf['code']} must be a leaf (level 3)"
    assert {level for node, _p, level in _all_nodes(data) if not node.get("children")} == {3}


def test_codes_unique_and_prefixed_by_parent(data: dict[str, Any]) -> None:
    codes = [node["code"] for node, _p, _l in _all_nodes(data)]
    assert len(codes) == len(set(codes))
    for node, parent, _level in _all_nodes(data):
        if parent is not None:
            assert node["code"].startswith(parent["code"] + "."), node["code"]
            assert "." not in node["code"][len(parent["code"]) + 1 :], node["code"]


def test_normal_parent_max_is_sum_of_normal_children(data: dict[str, Any]) -> None:
    for node, _parent, _level in _all_nodes(data):
        children = node.get("children") or []
        if node["kind"] != "normal" or not children:
            continue
        total = sum((Decimal(c["max_points"]) for c in children if c["kind"] == "normal"), Decimal(0))
        assert Decimal(node["max_points"]) == total, node["code"]


def test_area_maxima_sum_to_standard_and_weights_are_plausible(data: dict[str, Any]) -> None:
    areas = data["indicators"]
    assert sum(Decimal(a["max_points"]) for a in areas) == Decimal("100") == Decimal(data["standard_max"])
    for area in areas:
        low, high = AREA_WEIGHT_RANGES[area["code"]]
        assert low <= Decimal(area["max_points"]) <= high, area["code"]


def test_points_are_quarters(data: dict[str, Any]) -> None:
    for node, _parent, _level in _all_nodes(data):
        for field in ("max_points", "floor"):
            if field in node:
                assert Decimal(node[field]) % QUARTER == 0, (node["code"], field)


def test_coordinating_departments(data: dict[str, Any]) -> None:
    for area in data["indicators"]:
        assert area["coordinating_department"] == AREA_DEPARTMENTS[area["code"]]
    iso = data["indicators"][6]["children"][1]
    assert "ISO 9001" in iso["name"]
    assert iso["coordinating_department"] == "Sở Khoa học và Công nghệ"


def test_bonus_and_penalty_criteria_are_inside_areas_and_match_the_caps(data: dict[str, Any]) -> None:
    criteria = [c for area in data["indicators"] for c in area["children"]]
    bonus = [c for c in criteria if c["kind"] == "bonus"]
    penalty = [c for c in criteria if c["kind"] == "penalty"]
    assert bonus and penalty
    for criterion in bonus + penalty:
        # Every descendant shares the kind; the children can reach the criterion's cap.
        assert all(leaf["kind"] == criterion["kind"] for leaf in criterion["children"]), criterion["code"]
        children_sum = sum(Decimal(leaf["max_points"]) for leaf in criterion["children"])
        assert children_sum >= Decimal(criterion["max_points"]), criterion["code"]
    assert sum(Decimal(c["max_points"]) for c in bonus) == Decimal(data["bonus_cap"])
    assert sum(Decimal(c["max_points"]) for c in penalty) == Decimal(data["penalty_cap"])


# --- leaves -------------------------------------------------------------------------------------------


def test_every_leaf_has_method_params_and_guidance(data: dict[str, Any]) -> None:
    for leaf in _leaves(data):
        code = leaf["code"]
        assert leaf.get("method") in NON_SURVEY_METHODS, code
        assert isinstance(leaf.get("params"), dict), code
        assert isinstance(leaf.get("guidance"), str) and len(leaf["guidance"].strip()) >= 20, code
        assert leaf.get("source") == "self", code
        assert isinstance(leaf.get("evidence_required"), bool), code
        assert isinstance(leaf.get("allow_not_applicable"), bool), code


def test_only_leaves_carry_scoring_fields(data: dict[str, Any]) -> None:
    for node, _parent, _level in _all_nodes(data):
        if node.get("children"):
            for field in ("method", "params", "guidance", "floor", "source"):
                assert field not in node, (node["code"], field)


def test_most_leaves_need_evidence_and_few_allow_not_applicable(data: dict[str, Any]) -> None:
    leaves = _leaves(data)
    assert sum(leaf["evidence_required"] for leaf in leaves) / len(leaves) >= 0.8
    not_applicable = [leaf for leaf in leaves if leaf["allow_not_applicable"]]
    assert 0 < len(not_applicable) <= len(leaves) // 3


def test_all_non_survey_methods_are_used(data: dict[str, Any]) -> None:
    used = {leaf["method"] for leaf in _leaves(data)}
    assert used == NON_SURVEY_METHODS


def test_real_tien_giang_patterns_are_present(data: dict[str, Any]) -> None:
    leaves = {leaf["code"]: leaf for leaf in _leaves(data)}
    plan = leaves["1.1.1"]
    assert plan["method"] == "levels" and plan["floor"] == "-1"
    assert [o["points"] for o in plan["params"]["options"]] == ["1", "0", "-1"]
    # Only that leaf goes below zero.
    assert [c for c, leaf in leaves.items() if Decimal(leaf.get("floor", "0")) < 0] == ["1.1.1"]

    self_report = leaves["1.2.2"]
    assert "tự đánh giá" in self_report["name"] and self_report["max_points"] == "0.5"

    inspected = leaves["1.3.2"]["params"]["bands"]
    assert [(b["min"], b["points"]) for b in inspected] == [("30", "1"), ("20", "0.5"), ("0", "0")]

    completion = leaves["1.1.3"]
    assert completion["method"] == "proportional" and completion["params"]["threshold"] == "80"

    issues = leaves["1.3.3"]
    assert issues["method"] == "formula" and issues["allow_not_applicable"]
    assert [v["name"] for v in issues["params"]["variables"]] == ["a", "b", "c"]
    assert issues["params"]["on_zero_division"] == issues["max_points"]

    reports = leaves["1.2.1"]
    assert reports["method"] == "per_occurrence" and reports["params"]["base"] == reports["max_points"]
    assert sorted(i["points"] for i in reports["params"]["items"]) == ["-0.25", "-0.5", "-1"]

    per_occurrence_kinds = {leaf["kind"] for leaf in leaves.values() if leaf["method"] == "per_occurrence"}
    assert per_occurrence_kinds == {"normal", "bonus", "penalty"}


def test_all_strings_are_nfc(data: dict[str, Any]) -> None:
    for text in _strings(data):
        assert unicodedata.is_normalized("NFC", text), text


def test_file_is_nfc_utf8_without_escapes() -> None:
    for key in EXPECTED:
        raw = (SETS_DIR / f"{key}.json").read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", raw)
        assert "\\u" not in raw


# --- the engine ---------------------------------------------------------------------------------------


def test_engine_accepts_every_leaf(data: dict[str, Any]) -> None:
    problems = []
    for leaf in _leaves(data):
        try:
            validate_params(_rule(leaf))
        except ParamsError as err:
            problems.append(f"{leaf['code']}: {err.message}")
    assert problems == []


def test_engine_accepts_the_tree(data: dict[str, Any]) -> None:
    assert validate_tree(_set_rules(data)) == []


def test_full_marks_with_all_bonus_and_penalty_reach_the_caps(data: dict[str, Any]) -> None:
    rules = _set_rules(data)
    leaves = {leaf["code"]: LeafScore(score=Decimal(leaf["max_points"])) for leaf in _leaves(data)}
    result = compute_index(rules, leaves)
    assert result.normal_total == Decimal("100")
    assert result.bonus == Decimal(data["bonus_cap"])
    assert result.penalty == Decimal(data["penalty_cap"])
    assert result.missing == ()


def test_sample_scores(data: dict[str, Any]) -> None:
    leaves = {leaf["code"]: leaf for leaf in _leaves(data)}
    assert score_leaf(_rule(leaves["1.1.1"]), {"option": "none"}) == Decimal("-1.00")
    assert score_leaf(_rule(leaves["1.1.3"]), {"numerator": 85, "denominator": 100}) == Decimal("1.70")
    assert score_leaf(_rule(leaves["1.1.3"]), {"numerator": 79, "denominator": 100}) == Decimal("0.00")
    assert score_leaf(_rule(leaves["1.2.1"]), {"counts": {"late_or_incomplete": 2}}) == Decimal("1.00")
    assert score_leaf(_rule(leaves["1.2.1"]), {"counts": {"missing_annual": 3}}) == Decimal("0.00")
    assert score_leaf(_rule(leaves["1.3.2"]), {"numerator": 1, "denominator": 4}) == Decimal("0.50")
    issues = _rule(leaves["1.3.3"])
    assert score_leaf(issues, {"counts": {"a": 4, "b": 3, "c": 1}}) == Decimal("0.88")
    assert score_leaf(issues, {"counts": {"a": 0, "b": 0, "c": 0}}) == Decimal("1.00")
    assert score_leaf(_rule(leaves["1.6.1"]), {"counts": {"provincial": 5}}) == Decimal("3.00")


def test_every_formula_bounds_its_counts_by_the_count_they_are_part_of(data: dict[str, Any]) -> None:
    # Issues handled (b) and being handled (c) are part of the issues found (a); recommendations carried out
    # (b) are part of those made (a): counts beyond that cannot be true, and are refused rather than capped.
    formulas = [leaf for leaf in _leaves(data) if leaf["method"] == "formula"]
    assert formulas
    for leaf in formulas:
        names = [v["name"] for v in leaf["params"]["variables"]]
        over = {name: 1 for name in names} | {names[0]: 0}  # every part 1, the whole 0
        with pytest.raises(ScoringInputError) as refused:
            score_leaf(_rule(leaf), {"counts": over})
        assert refused.value.code == "limit_exceeded", leaf["code"]
        within = {name: 1 for name in names} | {names[0]: len(names) - 1}
        assert score_leaf(_rule(leaf), {"counts": within}) <= Decimal(leaf["max_points"])
