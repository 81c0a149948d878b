"""Tiền Giang's two 2020 sets: every ratio leaf whose terms are counts (tasks, documents, dossiers, procedures,
units, people) says so (`whole_numbers: true`), so «3,5» documents is refused; the public-investment disbursement
rate, whose terms are money, keeps its decimals. Plain pytest, no database: the JSON files as they are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scoring.engine import LeafRule, ScoringInputError, score_leaf, validate_params

SETS_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "sets"
RATIO_METHODS = {"ratio_bands", "proportional"}
# The ratio leaves whose terms are amounts of money: VND disbursed of the capital plan.
MONEY = {("tg-2020-so", "6.4.1"), ("tg-2020-huyen", "6.3.3")}


def _ratio_leaves() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(SETS_DIR.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))

        def walk(nodes: list[dict[str, Any]], key: str = data["key"]) -> Iterator[tuple[str, dict[str, Any]]]:
            for node in nodes:
                if node.get("method") in RATIO_METHODS:
                    yield key, node
                yield from walk(node.get("children", []))

        yield from walk(data["indicators"])


LEAVES = list(_ratio_leaves())


def _rule(node: dict[str, Any]) -> LeafRule:
    return LeafRule(method=node["method"], params=node["params"], max_points=Decimal(node["max_points"]),
                    floor=Decimal(node.get("floor", "0")), kind=node["kind"])


def test_both_sets_have_their_ratio_leaves_and_the_money_ones() -> None:
    found = {(key, node["code"]) for key, node in LEAVES}
    assert found >= MONEY
    assert len(found) == 59  # 26 in the departments' set, 33 in the districts'


@pytest.mark.parametrize(("key", "node"), LEAVES, ids=[f"{k}:{n['code']}" for k, n in LEAVES])
def test_count_leaves_refuse_a_fractional_term_and_money_leaves_keep_decimals(key: str, node: dict[str, Any]) -> None:
    rule = _rule(node)
    validate_params(rule)
    value = {"numerator": "3,5", "denominator": "4"}
    if (key, node["code"]) in MONEY:
        assert "whole_numbers" not in node["params"]
        assert "vốn" in node["guidance"]
        assert score_leaf(rule, {"numerator": "12,75", "denominator": "13,5"}) >= 0
        return
    assert node["params"].get("whole_numbers") is True, f"{key} {node['code']}: {node['guidance']}"
    with pytest.raises(ScoringInputError) as refused:
        score_leaf(rule, value)
    assert (refused.value.code, refused.value.field) == ("not_whole_number", "numerator")
    assert score_leaf(rule, {"numerator": "4", "denominator": "4"}) == Decimal(node["max_points"])
