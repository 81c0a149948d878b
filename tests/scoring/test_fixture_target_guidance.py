"""Tiền Giang's two 2020 sets: every ratio leaf whose result is measured against a target or a plan's figure that it
may exceed (training places, staff cuts, procedures reviewed, capital disbursed, communes recognised) says in its
guidance to write the numerator equal to the denominator when the target was exceeded, as the engine's refusal of a
numerator above the denominator says. Plain pytest, no database: the JSON files as they are (a database loaded
before keeps the guidance it was loaded with)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SETS_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "sets"
ABOVE_TARGET = "thì tử số ghi bằng mẫu số"
AGAINST_A_TARGET = {
    "tg-2020-so": ["3.1.2", "4.2.2", "5.5.2", "6.4.1"],
    "tg-2020-huyen": ["2.3.4", "3.1.2", "4.2.2", "5.5.2", "6.3.3"],
}


def _leaves(key: str) -> dict[str, dict[str, Any]]:
    data = json.loads((SETS_DIR / f"{key}.json").read_text("utf-8"))
    found: dict[str, dict[str, Any]] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if node.get("method"):
                found[node["code"]] = node
            walk(node.get("children", []))

    walk(data["indicators"])
    return found


@pytest.mark.parametrize(("key", "code"), [(key, code) for key, codes in AGAINST_A_TARGET.items() for code in codes])
def test_a_ratio_against_a_target_says_what_to_write_when_it_was_exceeded(key: str, code: str) -> None:
    leaf = _leaves(key)[code]
    assert leaf["method"] in {"ratio_bands", "proportional"}
    assert ABOVE_TARGET in leaf["guidance"], leaf["guidance"]


@pytest.mark.parametrize("key", sorted(AGAINST_A_TARGET))
def test_every_ratio_whose_denominator_is_a_target_is_listed(key: str) -> None:
    ratios = {code: leaf for code, leaf in _leaves(key).items() if leaf["method"] in {"ratio_bands", "proportional"}}
    with_target = {code for code, leaf in ratios.items()
                   if "chỉ tiêu" in leaf["guidance"] or "kế hoạch vốn" in leaf["guidance"]}
    assert with_target <= set(AGAINST_A_TARGET[key])
    assert {code for code, leaf in ratios.items() if ABOVE_TARGET in leaf["guidance"]} == set(AGAINST_A_TARGET[key])
