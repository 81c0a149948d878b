"""A ratio leaf whose terms are counts (documents, dossiers, procedures, people) refuses a fractional term when its
parameters say so (`whole_numbers: true`): «3,5» documents handled of 4 is a typo, not 87,5 %. Without the parameter
(the default, and every set stored before it) fractions are read as before: a disbursement rate in billion VND has
fractional terms. A term equal to a whole number («3,0», Decimal("3.00")) is whole."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import (
    LeafRule,
    ParamsError,
    ScoringInputError,
    normalize_value,
    score_leaf,
    validate_params,
)

D = Decimal

NUMERATOR_NOT_WHOLE = "Tử số phải là số nguyên (số văn bản, hồ sơ…), không có phần thập phân."
DENOMINATOR_NOT_WHOLE = "Mẫu số phải là số nguyên (số văn bản, hồ sơ…), không có phần thập phân."

BANDS = [
    {"min": "90", "inclusive": False, "points": "2"},
    {"min": "70", "inclusive": True, "points": "1"},
    {"min": "0", "inclusive": True, "points": "0"},
]


def proportional(**extra: Any) -> LeafRule:
    """The testers' leaf: documents handled of those to handle, 1,5 points, from 80 %."""
    return LeafRule(method="proportional", params={"threshold": "80", **extra}, max_points=D("1.5"))


def bands(**extra: Any) -> LeafRule:
    return LeafRule(method="ratio_bands", params={"bands": BANDS, **extra}, max_points=D("2"))


RULES = [pytest.param(proportional, id="proportional"), pytest.param(bands, id="ratio_bands")]


# --- the default: fractions are read as before --------------------------------------------------------------


def test_without_the_parameter_a_fractional_numerator_is_scored_as_before() -> None:
    assert score_leaf(proportional(), {"numerator": "3,5", "denominator": "4"}) == D("1.31")
    assert score_leaf(proportional(whole_numbers=False), {"numerator": "3,5", "denominator": "4"}) == D("1.31")


@pytest.mark.parametrize("make", RULES)
def test_without_the_parameter_money_amounts_keep_their_decimals(make: Any) -> None:
    value = {"numerator": "12,75", "denominator": "13,5"}  # billion VND disbursed of the plan: 94,4 %
    assert normalize_value(make(), value) == {"numerator": "12.75", "denominator": "13.5"}
    assert normalize_value(make(whole_numbers=False), value) == {"numerator": "12.75", "denominator": "13.5"}


# --- whole_numbers: true ------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", RULES)
@pytest.mark.parametrize("typed", ["3,5", "3.5", "8,7", "0,5", D("3.5"), 3.5, "3,000001"])
def test_a_fractional_numerator_is_refused_on_the_numerator(make: Any, typed: Any) -> None:
    with pytest.raises(ScoringInputError) as refused:
        score_leaf(make(whole_numbers=True), {"numerator": typed, "denominator": "10"})
    assert refused.value.code == "not_whole_number"
    assert refused.value.field == "numerator"
    assert refused.value.message == NUMERATOR_NOT_WHOLE
    assert refused.value.message_en == (
        "The numerator must be a whole number (a count of documents, dossiers…), without decimals."
    )


@pytest.mark.parametrize("make", RULES)
@pytest.mark.parametrize("typed", ["4,5", D("10.25"), 9.5])
def test_a_fractional_denominator_is_refused_on_the_denominator(make: Any, typed: Any) -> None:
    with pytest.raises(ScoringInputError) as refused:
        normalize_value(make(whole_numbers=True), {"numerator": "3", "denominator": typed})
    assert (refused.value.code, refused.value.field) == ("not_whole_number", "denominator")
    assert refused.value.message == DENOMINATOR_NOT_WHOLE
    assert refused.value.message_en == (
        "The denominator must be a whole number (a count of documents, dossiers…), without decimals."
    )


def test_the_testers_eight_point_seven_documents_are_refused_before_the_ratio_is_read() -> None:
    # 8,7 of 4 is also above the denominator: the fraction is what was mistyped, so it is what the unit is told
    with pytest.raises(ScoringInputError) as refused:
        score_leaf(proportional(whole_numbers=True), {"numerator": "8,7", "denominator": "4"})
    assert (refused.value.code, refused.value.field) == ("not_whole_number", "numerator")


@pytest.mark.parametrize("make", RULES)
def test_a_negative_term_is_still_refused_as_negative(make: Any) -> None:
    with pytest.raises(ScoringInputError) as refused:
        score_leaf(make(whole_numbers=True), {"numerator": "-1,5", "denominator": "4"})
    assert refused.value.code == "negative_value"


@pytest.mark.parametrize("make", RULES)
@pytest.mark.parametrize(("numerator", "denominator"), [
    ("3", "4"), (3, 4), ("3,0", "4"), ("3.00", "4,0"), (D("3.00"), D("4")), (3.0, 4.0), ("0", "7"), ("4", "4"),
])
def test_a_term_equal_to_a_whole_number_is_whole(make: Any, numerator: Any, denominator: Any) -> None:
    whole = make(whole_numbers=True)
    value = {"numerator": numerator, "denominator": denominator}
    assert score_leaf(whole, value) == score_leaf(make(), value)
    canonical = normalize_value(whole, value)
    assert D(canonical["numerator"]) == D(str(numerator).replace(",", "."))
    assert "." not in canonical["numerator"] and "." not in canonical["denominator"]


def test_whole_terms_score_as_without_the_parameter() -> None:
    assert score_leaf(proportional(whole_numbers=True), {"numerator": "3", "denominator": "4"}) == D("0")  # 75 %
    assert score_leaf(proportional(whole_numbers=True), {"numerator": "7", "denominator": "8"}) == D("1.31")
    assert score_leaf(bands(whole_numbers=True), {"numerator": 45, "denominator": 50}) == D("1")


@given(
    denominator=st.integers(min_value=1, max_value=10**6),
    share=st.fractions(min_value=0, max_value=1),
    proportional_method=st.booleans(),
)
def test_whole_terms_always_score_as_without_the_parameter(
    denominator: int, share: Any, proportional_method: bool
) -> None:
    numerator = min(denominator, int(share * denominator))
    make = proportional if proportional_method else bands
    value = {"numerator": str(numerator), "denominator": str(denominator)}
    assert score_leaf(make(whole_numbers=True), value) == score_leaf(make(), value)


# --- the parameter itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", RULES)
@pytest.mark.parametrize("flag", [True, False])
def test_the_parameter_is_a_boolean_of_both_ratio_methods(make: Any, flag: bool) -> None:
    validate_params(make(whole_numbers=flag))
    validate_params(make(whole_numbers=flag), stored=True)


@pytest.mark.parametrize("make", RULES)
@pytest.mark.parametrize("raw", ["true", "1", 1, 0, None, "có", []])
def test_a_parameter_that_is_not_a_boolean_is_refused(make: Any, raw: Any) -> None:
    with pytest.raises(ParamsError) as refused:
        validate_params(make(whole_numbers=raw))
    assert (refused.value.code, refused.value.field) == ("invalid_whole_numbers", "whole_numbers")
    assert refused.value.message == "Tham số «whole_numbers» phải là true hoặc false."


@pytest.mark.parametrize(("method", "params"), [
    ("manual", {"step": "0.25"}),
    ("yes_no", {}),
    ("formula", {"variables": [{"name": "a"}], "expression": "a"}),
])
def test_other_methods_do_not_take_the_parameter(method: str, params: dict[str, Any]) -> None:
    with pytest.raises(ParamsError) as refused:
        validate_params(LeafRule(method=method, params={**params, "whole_numbers": True}, max_points=D("1")))
    assert refused.value.code == "unknown_param"
