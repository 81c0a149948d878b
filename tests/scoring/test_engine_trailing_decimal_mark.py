"""A number typed with its decimal mark last («33,») may be a «33,5» half typed: the engine refuses it, saying
what to do, wherever points, counts and ratios are read (the sheet, the review, the API and the Excel round trip all
pass through it)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring import engine
from scoring.engine.base import to_count, to_decimal


@pytest.mark.parametrize(("typed", "mark"), [("33,", "phẩy"), ("33.", "chấm"), (" 2, ", "phẩy"), ("-1,", "phẩy")])
def test_a_number_ending_in_its_decimal_mark_is_refused_naming_the_mark(typed: str, mark: str) -> None:
    with pytest.raises(engine.ScoringInputError) as refused:
        to_decimal(typed, field="points")
    assert refused.value.code == "trailing_decimal_mark"
    assert refused.value.field == "points"
    assert str(refused.value) == (
        f"Số «{typed.strip()}» chưa đủ: bỏ dấu {mark} ở cuối hoặc gõ tiếp phần thập phân."
    )


def test_a_count_ending_in_a_comma_is_refused_too() -> None:
    with pytest.raises(engine.ScoringInputError) as refused:
        to_count("33,", field="counts.a")
    assert refused.value.code == "trailing_decimal_mark"


@pytest.mark.parametrize(("typed", "read"), [("33", "33"), ("33,5", "33.5"), ("33,0", "33"), ("0,5", "0.5")])
def test_complete_numbers_are_still_read(typed: str, read: str) -> None:
    assert to_decimal(typed, field="points") == Decimal(read)


def test_a_ratio_term_ending_in_a_comma_is_refused_by_the_leaf_rule() -> None:
    rule = engine.LeafRule(method=engine.Method.PROPORTIONAL, max_points=Decimal(2),
                           params={"threshold": "80"})
    with pytest.raises(engine.ScoringInputError) as refused:
        engine.score_leaf(rule, {"numerator": "33,", "denominator": "100"})
    assert refused.value.code == "trailing_decimal_mark" and refused.value.field == "numerator"
