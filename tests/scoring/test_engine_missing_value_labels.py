"""A missing input is named as the scoring form names it («Tử số», not «numerator»), in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from scoring.engine import LeafRule, ScoringInputError, score_leaf


def rule(method: str, params: Mapping[str, Any] | None = None) -> LeafRule:
    return LeafRule(method=method, params=params or {}, max_points=Decimal("1"), floor=Decimal("0"), kind="normal")


def missing(leaf: LeafRule, value: Mapping[str, Any]) -> ScoringInputError:
    with pytest.raises(ScoringInputError) as info:
        score_leaf(leaf, value)
    assert info.value.code == "missing_value"
    return info.value


BANDS = {"bands": [{"min": "90", "points": "1"}, {"min": "0", "inclusive": True, "points": "0"}]}
LABELLED = rule("formula", {
    "variables": [{"name": "a", "label": "Tổng số văn bản"}, {"name": "b", "label": "Số văn bản đúng hạn"}],
    "expression": "b / a",
})
UNLABELLED = rule("formula", {"variables": [{"name": "a"}, {"name": "b"}], "expression": "b / a"})


@pytest.mark.parametrize(("leaf", "value", "field", "message", "message_en"), [
    (rule("ratio_bands", BANDS), {"denominator": "10"}, "numerator",
     "Thiếu giá trị «Tử số».", "The value 'Numerator' is missing."),
    (rule("proportional", {"threshold": "80"}), {"numerator": "3"}, "denominator",
     "Thiếu giá trị «Mẫu số».", "The value 'Denominator' is missing."),
    (rule("manual"), {}, "points", "Thiếu giá trị «Điểm».", "The value 'Points' is missing."),
    (rule("levels", {"options": [{"key": "x", "points": "1"}]}), {}, "option",
     "Thiếu giá trị «Mức».", "The value 'Level' is missing."),
    (rule("yes_no"), {"value": None}, "value", "Thiếu giá trị «Có / Không».", "The value 'Yes / No' is missing."),
    (LABELLED, {}, "counts", "Thiếu giá trị «Số liệu».", "The value 'Counts' is missing."),
    (LABELLED, {"counts": {"a": 3}}, "counts.b",
     "Thiếu giá trị «Số văn bản đúng hạn».", "The value 'Số văn bản đúng hạn' is missing."),
    (UNLABELLED, {"counts": {"b": 3}}, "counts.a", "Thiếu giá trị «Số liệu a».", "The value 'Count a' is missing."),
])
def test_a_missing_value_is_named_by_its_label_in_both_languages(
    leaf: LeafRule, value: Mapping[str, Any], field: str, message: str, message_en: str
) -> None:
    err = missing(leaf, value)
    assert (err.field, err.message, err.message_en) == (field, message, message_en)
