"""The pure scoring engine (scoring/engine.py) against docs/scoring-methods.md and the real sheets of
docs/domain.md. No database: plain pytest functions."""

from __future__ import annotations

import decimal
import itertools
import pickle
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest

from scoring.engine import (
    TWO_PLACES,
    Band,
    EngineError,
    IndexMode,
    Kind,
    LeafRule,
    LeafScore,
    Method,
    Node,
    ParamsError,
    RankEntry,
    ScoringInputError,
    SetRules,
    classify,
    compute_index,
    input_fields,
    normalize_value,
    rank,
    round_half_up,
    score_leaf,
    to_count,
    to_decimal,
    validate_params,
    validate_tree,
)

D = Decimal


def rule(
    method: str,
    params: Mapping[str, Any] | None = None,
    max_points: str = "1",
    floor: str = "0",
    kind: str = "normal",
) -> LeafRule:
    return LeafRule(method=method, params=params or {}, max_points=D(max_points), floor=D(floor), kind=kind)


def refusal(call: Callable[[], object], error: type[EngineError] = ScoringInputError) -> EngineError:
    with pytest.raises(error) as info:
        call()
    return info.value


# Real leaves (domain.md) --------------------------------------------------------------------------------

CA_MAU_PLAN = rule(
    "levels",
    {
        "options": [
            {"key": "on_time", "label": "Ban hành đúng hạn", "points": "1"},
            {"key": "late", "label": "Ban hành trễ hạn", "points": "0.5"},
            {"key": "none", "label": "Không ban hành", "points": "0"},
        ]
    },
)
TIEN_GIANG_PLAN = rule(
    "levels",
    {
        "options": [
            {"key": "on_time", "label": "Ban hành đúng hạn, đầy đủ", "points": "1"},
            {"key": "late", "label": "Ban hành trễ hạn", "points": "0"},
            {"key": "none", "label": "Không ban hành", "points": "-1"},
        ]
    },
    floor="-1",
)
PLAN_COMPLETION_BANDS = rule(
    "ratio_bands",
    {
        "bands": [
            {"min": "90", "inclusive": False, "points": "2"},
            {"min": "70", "inclusive": True, "points": "1"},
            {"min": "0", "inclusive": True, "points": "0"},
        ]
    },
    max_points="2",
)
INSPECTED_SHARE_BANDS = rule(
    "ratio_bands",
    {
        "bands": [
            {"min": "30", "inclusive": True, "points": "1"},
            {"min": "20", "inclusive": True, "points": "0.5"},
            {"min": "0", "inclusive": True, "points": "0"},
        ]
    },
)
PLAN_PROPORTIONAL = rule("proportional", {"threshold": "80"}, max_points="2")
ISSUES_FORMULA = rule(
    "formula",
    {
        "variables": [
            {"name": "a", "label": "Số vấn đề phát hiện qua kiểm tra"},
            {"name": "b", "label": "Đã xử lý xong"},
            {"name": "c", "label": "Đang xử lý"},
        ],
        "expression": "(b/a) * 1 + (c/a) * 0.5",
    },
)
REPORT_DEDUCTIONS = rule(
    "per_occurrence",
    {
        "base": "1",
        "items": [
            {"key": "late_report", "label": "Báo cáo trễ hạn, không đầy đủ", "points": "-0.25"},
            {"key": "missing_quarterly", "label": "Thiếu báo cáo quý, 6 tháng", "points": "-0.5"},
            {"key": "missing_annual", "label": "Thiếu báo cáo năm", "points": "-1"},
        ],
    },
)
INITIATIVE_BONUS = rule(
    "per_occurrence",
    {"items": [{"key": "initiative", "label": "Sáng kiến CCHC được công nhận", "points": "0.5"}]},
    max_points="2",
    kind="bonus",
)
DISCIPLINE_PENALTY = rule(
    "per_occurrence",
    {"items": [{"key": "disciplined", "label": "Công chức bị kỷ luật", "points": "1"}]},
    max_points="3",
    kind="penalty",
)
MANUAL_QUARTERS = rule("manual", {"step": "0.25"})


# Numbers ------------------------------------------------------------------------------------------------


def test_round_half_up_rounds_ties_away_from_zero_to_two_places() -> None:
    assert round_half_up(D("0.625")) == D("0.63")
    assert round_half_up(D("0.635")) == D("0.64")
    assert round_half_up(D("-0.625")) == D("-0.63")
    assert round_half_up(D("0.624999")) == D("0.62")
    assert round_half_up(D("2")).as_tuple().exponent == -2
    assert D("0.01") == TWO_PLACES


def test_round_half_up_never_returns_negative_zero() -> None:
    assert str(round_half_up(D("-0.001"))) == "0.00"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, D("3")),
        (D("0.75"), D("0.75")),
        ("0.5", D("0.5")),
        ("0,5", D("0.5")),
        (" 2 ", D("2")),
        ("-1", D("-1")),
        ("\u22121,25", D("-1.25")),
        (0.1, D("0.1")),
        (2.675, D("2.675")),
    ],
)
def test_to_decimal_accepts_ints_decimals_strings_with_a_decimal_comma_and_finite_floats(
    raw: object, expected: Decimal
) -> None:
    assert to_decimal(raw, field="x") == expected


def test_to_decimal_converts_floats_through_their_text_not_their_binary_value() -> None:
    assert to_decimal(0.1, field="x") == D("0.1")
    assert to_decimal(0.1, field="x") != D(0.1)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (True, "not_a_number"),
        (False, "not_a_number"),
        (None, "not_a_number"),
        ("", "not_a_number"),
        ("   ", "not_a_number"),
        ("abc", "not_a_number"),
        ("1.000.5", "not_a_number"),
        ("1e5", "not_a_number"),
        ([1], "not_a_number"),
        (float("nan"), "not_finite"),
        (float("inf"), "not_finite"),
        (float("-inf"), "not_finite"),
        ("NaN", "not_finite"),
        ("-Infinity", "not_finite"),
        (D("NaN"), "not_finite"),
        (D("Infinity"), "not_finite"),
        (10**20, "too_large"),
        (D("1E+30"), "too_large"),
    ],
)
def test_to_decimal_refuses_bools_none_text_non_finite_and_absurd_numbers(raw: object, code: str) -> None:
    err = refusal(lambda: to_decimal(raw, field="points"))
    assert err.code == code
    assert err.field == "points"


def test_to_decimal_refusal_says_in_vietnamese_that_a_number_is_expected() -> None:
    err = refusal(lambda: to_decimal("mười", field="points"))
    assert err.message == "Giá trị phải là một số."
    assert str(err) == err.message
    assert err.message_en == "The value must be a number."


@pytest.mark.parametrize(
    ("raw", "expected"), [(0, 0), (3, 3), ("3", 3), (" 4 ", 4), (D("3.0"), 3), ("5,0", 5)]
)
def test_to_count_accepts_non_negative_integers_and_integral_text(raw: object, expected: int) -> None:
    assert to_count(raw, field="counts.a") == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (-1, "negative_count"),
        ("-2", "negative_count"),
        (1.5, "not_an_integer"),
        ("0,5", "not_an_integer"),
        ("ba", "not_a_number"),
        (True, "not_a_number"),
        (float("nan"), "not_finite"),
    ],
)
def test_to_count_refuses_negatives_fractions_and_text(raw: object, code: str) -> None:
    err = refusal(lambda: to_count(raw, field="counts.a"))
    assert err.code == code
    assert err.field == "counts.a"


def test_negative_count_message_is_vietnamese() -> None:
    assert refusal(lambda: to_count(-1, field="n")).message == "Giá trị phải là số nguyên không âm (0, 1, 2…)."


# Errors -------------------------------------------------------------------------------------------------


def test_engine_errors_are_value_errors_with_code_messages_and_field() -> None:
    err = ScoringInputError("zero_denominator", "Mẫu số phải lớn hơn 0.", "Denominator", field="denominator")
    assert isinstance(err, ValueError)
    assert isinstance(err, EngineError)
    assert (err.code, err.message, err.message_en, err.field) == (
        "zero_denominator",
        "Mẫu số phải lớn hơn 0.",
        "Denominator",
        "denominator",
    )
    assert str(err) == "Mẫu số phải lớn hơn 0."
    assert issubclass(ParamsError, EngineError)
    assert not issubclass(ParamsError, ScoringInputError)


def test_engine_errors_survive_pickling() -> None:
    err = ParamsError("unknown_method", "Phương pháp không hợp lệ.", "Unknown method.", field="method")
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), copy.code, copy.message, copy.message_en, copy.field) == (
        ParamsError,
        "unknown_method",
        "Phương pháp không hợp lệ.",
        "Unknown method.",
        "method",
    )


def test_enums_hold_the_documented_values() -> None:
    assert [m.value for m in Method] == [
        "manual",
        "levels",
        "yes_no",
        "ratio_bands",
        "proportional",
        "formula",
        "per_occurrence",
        "survey",
    ]
    assert [k.value for k in Kind] == ["normal", "bonus", "penalty"]
    assert [m.value for m in IndexMode] == ["points", "percent"]


# levels -------------------------------------------------------------------------------------------------


def test_levels_gives_the_chosen_options_points_ca_mau_annual_plan() -> None:
    assert score_leaf(CA_MAU_PLAN, {"option": "on_time"}) == D("1.00")
    assert score_leaf(CA_MAU_PLAN, {"option": "late"}) == D("0.50")
    assert score_leaf(CA_MAU_PLAN, {"option": "none"}) == D("0.00")


def test_levels_option_may_be_negative_with_a_floor_of_minus_one_tien_giang_2022() -> None:
    assert score_leaf(TIEN_GIANG_PLAN, {"option": "late"}) == D("0.00")
    assert score_leaf(TIEN_GIANG_PLAN, {"option": "none"}) == D("-1.00")


def test_levels_negative_option_without_a_negative_floor_is_a_params_error() -> None:
    bad = rule("levels", {"options": [{"key": "none", "label": "Không", "points": "-1"}]})
    assert refusal(lambda: validate_params(bad), ParamsError).code == "option_below_floor"


def test_levels_refuses_an_option_not_in_the_list_in_vietnamese() -> None:
    err = refusal(lambda: score_leaf(CA_MAU_PLAN, {"option": "x"}))
    assert err.code == "unknown_option"
    assert err.message == "Phương án «x» không có trong danh sách."
    assert err.field == "option"


def test_levels_refuses_a_value_without_the_option_key() -> None:
    err = refusal(lambda: score_leaf(CA_MAU_PLAN, {}))
    assert (err.code, err.field) == ("missing_value", "option")


def test_levels_accepts_integer_keys_given_as_numbers() -> None:
    numbered = rule("levels", {"options": [{"key": "1", "points": "1"}, {"key": "2", "points": "0"}]})
    assert score_leaf(numbered, {"option": 1}) == D("1.00")
    assert normalize_value(numbered, {"option": 2}) == {"option": "2"}


# yes_no -------------------------------------------------------------------------------------------------


def test_yes_no_reports_sent_on_time_scores_one_otherwise_zero() -> None:
    reports = rule("yes_no")
    assert score_leaf(reports, {"value": True}) == D("1.00")
    assert score_leaf(reports, {"value": False}) == D("0.00")


def test_yes_no_custom_points_self_assessment_submitted_on_time_is_worth_half_a_point() -> None:
    submitted = rule("yes_no", {"yes_points": "0.5"}, max_points="0.5")
    assert score_leaf(submitted, {"value": True}) == D("0.50")
    assert score_leaf(rule("yes_no", max_points="0.5"), {"value": True}) == D("0.50")


def test_yes_no_accepts_yes_and_no_words_and_normalizes_to_a_bool() -> None:
    reports = rule("yes_no")
    assert normalize_value(reports, {"value": "Có"}) == {"value": True}
    assert normalize_value(reports, {"value": "không"}) == {"value": False}
    assert normalize_value(reports, {"value": 1}) == {"value": True}


def test_yes_no_refuses_anything_else() -> None:
    for raw in ("maybe", 2, None, "", 0.5):
        err = refusal(lambda raw=raw: score_leaf(rule("yes_no"), {"value": raw}))
        assert err.code in {"not_a_boolean", "missing_value"}
    assert (
        refusal(lambda: score_leaf(rule("yes_no"), {"value": "maybe"})).message
        == "Giá trị phải là Có hoặc Không."
    )


# ratio_bands --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (100, 100, "2"),
        (9001, 10000, "2"),  # 90.01 % > 90 %
        (90, 100, "1"),  # exactly 90 % is not above 90 %
        (45, 50, "1"),
        (80, 100, "1"),
        (70, 100, "1"),  # 70 % inclusive
        (6999, 10000, "0"),  # 69.99 %
        ("69,99", 100, "0"),
        (0, 100, "0"),
    ],
)
def test_ratio_bands_plan_completion_above_90_is_2_from_70_to_90_is_1_below_70_is_0(
    numerator: object, denominator: object, expected: str
) -> None:
    value = {"numerator": numerator, "denominator": denominator}
    assert score_leaf(PLAN_COMPLETION_BANDS, value) == D(expected)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(3, 10, "1"), (4, 10, "1"), (2, 10, "0.5"), (29, 100, "0.5"), (19, 100, "0"), (0, 7, "0")],
)
def test_ratio_bands_share_inspected_at_least_30_is_1_from_20_to_30_is_half_below_20_is_0(
    numerator: int, denominator: int, expected: str
) -> None:
    assert score_leaf(INSPECTED_SHARE_BANDS, {"numerator": numerator, "denominator": denominator}) == D(
        expected
    )


def test_ratio_refuses_a_numerator_above_the_denominator() -> None:
    err = refusal(lambda: score_leaf(PLAN_COMPLETION_BANDS, {"numerator": 11, "denominator": 10}))
    assert (err.code, err.message, err.field) == (
        "numerator_above_denominator",
        "Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, hãy ghi tử số "
        "bằng mẫu số.",
        "numerator",
    )


def test_ratio_refuses_a_zero_denominator() -> None:
    err = refusal(lambda: score_leaf(PLAN_COMPLETION_BANDS, {"numerator": 0, "denominator": 0}))
    assert (err.code, err.message, err.field) == ("zero_denominator", "Mẫu số phải lớn hơn 0.", "denominator")


def test_ratio_refuses_negative_numbers() -> None:
    err = refusal(lambda: score_leaf(PLAN_COMPLETION_BANDS, {"numerator": -1, "denominator": 10}))
    assert (err.code, err.field, err.message) == ("negative_value", "numerator", "Tử số không được âm.")
    err = refusal(lambda: score_leaf(PLAN_COMPLETION_BANDS, {"numerator": 1, "denominator": -10}))
    assert (err.code, err.field, err.message) == ("negative_value", "denominator", "Mẫu số không được âm.")


def test_ratio_refuses_missing_nan_infinite_text_and_bool() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"numerator": 1}, "missing_value"),
        ({"numerator": float("nan"), "denominator": 2}, "not_finite"),
        ({"numerator": 1, "denominator": float("inf")}, "not_finite"),
        ({"numerator": "một", "denominator": 2}, "not_a_number"),
        ({"numerator": True, "denominator": 2}, "not_a_number"),
    ]
    for value, code in cases:
        assert refusal(lambda value=value: score_leaf(PLAN_COMPLETION_BANDS, value)).code == code


# proportional -------------------------------------------------------------------------------------------


def test_proportional_from_80_percent_gives_rate_times_max_points() -> None:
    assert score_leaf(PLAN_PROPORTIONAL, {"numerator": 85, "denominator": 100}) == D("1.70")
    assert score_leaf(PLAN_PROPORTIONAL, {"numerator": 80, "denominator": 100}) == D("1.60")
    assert score_leaf(PLAN_PROPORTIONAL, {"numerator": 100, "denominator": 100}) == D("2.00")


def test_proportional_below_80_percent_gives_zero() -> None:
    assert score_leaf(PLAN_PROPORTIONAL, {"numerator": 79, "denominator": 100}) == D("0.00")
    assert score_leaf(PLAN_PROPORTIONAL, {"numerator": "79,99", "denominator": 100}) == D("0.00")


def test_proportional_rounds_the_leaf_half_up_to_two_decimals() -> None:
    assert score_leaf(rule("proportional"), {"numerator": 2, "denominator": 3}) == D("0.67")
    assert score_leaf(rule("proportional"), {"numerator": 1, "denominator": 8}) == D("0.13")  # 0.125


def test_proportional_below_points_are_configurable() -> None:
    leaf = rule("proportional", {"threshold": "50", "below_points": "0.25"})
    assert score_leaf(leaf, {"numerator": 1, "denominator": 4}) == D("0.25")


# formula ------------------------------------------------------------------------------------------------


def test_formula_issues_handled_with_a_4_b_2_c_1_is_0_63() -> None:
    # (2/4) × 1 + (1/4) × 0.5 = 0.625, rounded half-up at the leaf.
    assert score_leaf(ISSUES_FORMULA, {"counts": {"a": 4, "b": 2, "c": 1}}) == D("0.63")


def test_formula_result_is_clamped_to_max_points() -> None:
    assert score_leaf(ISSUES_FORMULA, {"counts": {"a": 2, "b": 2, "c": 2}}) == D("1.00")


def test_formula_division_by_zero_is_an_input_error() -> None:
    err = refusal(lambda: score_leaf(ISSUES_FORMULA, {"counts": {"a": 0, "b": 0, "c": 0}}))
    assert err.code == "division_by_zero"
    assert "chia cho 0" in err.message


def test_formula_division_by_zero_gives_on_zero_division_points_when_configured() -> None:
    params = dict(ISSUES_FORMULA.params, on_zero_division="1")
    leaf = rule("formula", params)
    assert score_leaf(leaf, {"counts": {"a": 0, "b": 0, "c": 0}}) == D("1.00")
    assert score_leaf(leaf, {"counts": {"a": 0, "b": 3, "c": 0}}) == D("1.00")


def test_formula_refuses_missing_negative_and_unknown_counts() -> None:
    missing = refusal(lambda: score_leaf(ISSUES_FORMULA, {"counts": {"a": 4, "b": 2}}))
    assert (missing.code, missing.field) == ("missing_value", "counts.c")
    negative = refusal(lambda: score_leaf(ISSUES_FORMULA, {"counts": {"a": 4, "b": -2, "c": 1}}))
    assert (negative.code, negative.field) == ("negative_count", "counts.b")
    unknown = refusal(lambda: score_leaf(ISSUES_FORMULA, {"counts": {"a": 4, "b": 2, "c": 1, "d": 1}}))
    assert unknown.code == "unknown_key"
    assert refusal(lambda: score_leaf(ISSUES_FORMULA, {"counts": 3})).code == "invalid_value"


def test_formula_limits_refuse_counts_that_cannot_be_true_together() -> None:
    leaf = rule("formula", dict(ISSUES_FORMULA.params, limits=["b + c <= a"]))
    assert score_leaf(leaf, {"counts": {"a": 4, "b": 2, "c": 1}}) == D("0.63")
    assert score_leaf(leaf, {"counts": {"a": 4, "b": 3, "c": 1}}) == D("0.88")  # the sum equal to the bound
    err = refusal(lambda: score_leaf(leaf, {"counts": {"a": 2, "b": 2, "c": 2}}))  # clamped to 1.00 before
    assert (err.code, err.field) == ("limit_exceeded", "counts.b")
    assert err.message == "Tổng «Đã xử lý xong» + «Đang xử lý» không được lớn hơn «Số vấn đề phát hiện qua kiểm tra»."
    assert err.message_en == (
        "The sum 'Đã xử lý xong' + 'Đang xử lý' must not be greater than 'Số vấn đề phát hiện qua kiểm tra'."
    )
    single = rule("formula", {"variables": _FORMULA_VARS, "expression": "b / a", "limits": ["b ≤ a"]})
    assert refusal(lambda: score_leaf(single, {"counts": {"a": 2, "b": 5}})).message == "«b» không được lớn hơn «a»."


@pytest.mark.parametrize(("limits", "code"), [
    ("b <= a", "no_limits"),
    (["b < a"], "invalid_limit"),
    (["b + <= a"], "invalid_limit"),
    ([3], "invalid_limit"),
    (["b <= x"], "unknown_limit_variable"),
    (["a + b <= a"], "invalid_limit"),
])
def test_formula_limits_are_checked_with_the_set(limits: Any, code: str) -> None:
    leaf = rule("formula", {"variables": _FORMULA_VARS, "expression": "b / a", "limits": limits})
    err = refusal(lambda: validate_params(leaf), ParamsError)
    assert err.code == code and err.field is not None and err.field.startswith("limits")


def test_formula_ignores_the_callers_decimal_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = decimal.ROUND_FLOOR
        assert score_leaf(ISSUES_FORMULA, {"counts": {"a": 3, "b": 2, "c": 1}}) == D("0.83")
        assert score_leaf(rule("proportional"), {"numerator": 2, "denominator": 3}) == D("0.67")


def test_formula_numbers_are_decimals_not_floats() -> None:
    # 0.75 × 0.3 is 0.225 exactly (half-up 0.23); in floats it is 0.22499999999999998 (0.22).
    leaf = rule("formula", {"variables": [{"name": "a"}], "expression": "0.75 * 0.3 * a"})
    assert score_leaf(leaf, {"counts": {"a": 1}}) == D("0.23")


def test_formula_sums_of_repeating_quotients_round_their_exact_tie_half_up() -> None:
    # 1/12 + 7/24 = 9/24 = 0.375 exactly; as Decimal steps 0.0833… + 0.2916… = 0.37499… (0.37, a cent lost).
    assert score_leaf(ISSUES_FORMULA, {"counts": {"a": 12, "b": 1, "c": 7}}) == D("0.38")
    assert score_leaf(ISSUES_FORMULA, {"counts": {"a": 24, "b": 11, "c": 8}}) == D("0.63")  # 0.625
    # Just below a tie stays below: 1/3 + 1/3·0.5 … = 0.5 exactly is not a tie; (b/a)·1 for 1/3 → 0.33.
    assert score_leaf(ISSUES_FORMULA, {"counts": {"a": 3, "b": 1, "c": 0}}) == D("0.33")


def test_formula_scores_equal_the_exact_fraction_rounded_half_up_for_every_small_count() -> None:
    from fractions import Fraction

    for a, b in itertools.product(range(1, 25), range(25)):
        for c in range(a - b + 1):
            exact = min(Fraction(b, a) + Fraction(c, a) / 2, Fraction(1))
            cents, rest = divmod(exact * 100, 1)
            expected = D(int(cents) + (1 if rest >= Fraction(1, 2) else 0)) / 100
            got = score_leaf(ISSUES_FORMULA, {"counts": {"a": a, "b": b, "c": c}})
            assert got == expected, (a, b, c, got, expected)


def test_formula_rounds_a_negative_tie_away_from_zero() -> None:
    leaf = rule("formula", {"variables": [{"name": "a"}, {"name": "b"}], "expression": "a / 12 - b / 24 * 7"},
                "5", floor="-5")
    assert score_leaf(leaf, {"counts": {"a": 0, "b": 1}}) == D("-0.29")  # -7/24 = -0.2916…
    assert score_leaf(leaf, {"counts": {"a": 1, "b": 2}}) == D("-0.50")  # 1/12 - 14/24 = -0.5
    leaf_tie = rule("formula", {"variables": [{"name": "a"}], "expression": "-(a / 12 + a / 24 * 7)"}, "5",
                    floor="-5")
    assert score_leaf(leaf_tie, {"counts": {"a": 1}}) == D("-0.38")  # -0.375


def test_formula_allows_unary_minus_and_parentheses() -> None:
    leaf = rule("formula", {"variables": [{"name": "a"}, {"name": "b"}], "expression": "-(-a) - +b"}, "5")
    assert score_leaf(leaf, {"counts": {"a": 3, "b": 1}}) == D("2.00")


# per_occurrence ----------------------------------------------------------------------------------------


def test_per_occurrence_deductions_inside_a_normal_criterion() -> None:
    assert score_leaf(REPORT_DEDUCTIONS, {"counts": {}}) == D("1.00")
    assert score_leaf(REPORT_DEDUCTIONS, {"counts": {"late_report": 2}}) == D("0.50")
    assert score_leaf(REPORT_DEDUCTIONS, {"counts": {"late_report": 1, "missing_quarterly": 1}}) == D("0.25")


def test_per_occurrence_deductions_clamp_at_the_floor() -> None:
    assert score_leaf(REPORT_DEDUCTIONS, {"counts": {"missing_annual": 1, "missing_quarterly": 1}}) == D(
        "0.00"
    )


def test_per_occurrence_bonus_each_initiative_half_a_point_capped_at_two() -> None:
    assert score_leaf(INITIATIVE_BONUS, {"counts": {"initiative": 3}}) == D("1.50")
    assert score_leaf(INITIATIVE_BONUS, {"counts": {"initiative": 5}}) == D("2.00")


def test_per_occurrence_penalty_each_disciplined_official_one_point_capped_at_three() -> None:
    assert score_leaf(DISCIPLINE_PENALTY, {"counts": {"disciplined": 2}}) == D("2.00")
    assert score_leaf(DISCIPLINE_PENALTY, {"counts": {"disciplined": 7}}) == D("3.00")


def test_per_occurrence_refuses_negative_fractional_and_unknown_counts() -> None:
    assert (
        refusal(lambda: score_leaf(INITIATIVE_BONUS, {"counts": {"initiative": -1}})).code == "negative_count"
    )
    assert (
        refusal(lambda: score_leaf(INITIATIVE_BONUS, {"counts": {"initiative": "1,5"}})).code
        == "not_an_integer"
    )
    assert refusal(lambda: score_leaf(INITIATIVE_BONUS, {"counts": {"award": 1}})).code == "unknown_key"
    assert refusal(lambda: score_leaf(INITIATIVE_BONUS, {})).code == "missing_value"


def test_per_occurrence_normalized_value_lists_every_item() -> None:
    assert normalize_value(REPORT_DEDUCTIONS, {"counts": {"late_report": "2"}}) == {
        "counts": {"late_report": 2, "missing_quarterly": 0, "missing_annual": 0}
    }


# manual and survey --------------------------------------------------------------------------------------


def test_manual_accepts_a_multiple_of_the_step() -> None:
    assert score_leaf(MANUAL_QUARTERS, {"points": "0.75"}) == D("0.75")
    assert score_leaf(MANUAL_QUARTERS, {"points": "0,5"}) == D("0.50")
    assert score_leaf(rule("manual"), {"points": 1}) == D("1.00")  # default step 0.25


def test_manual_refuses_points_off_the_step() -> None:
    err = refusal(lambda: score_leaf(MANUAL_QUARTERS, {"points": "0.8"}))
    assert err.code == "not_multiple_of_step"
    assert err.message == "Điểm 0,8 phải là bội số của bước 0,25."


def test_manual_refuses_points_above_the_maximum_instead_of_clamping() -> None:
    err = refusal(lambda: score_leaf(MANUAL_QUARTERS, {"points": "1.25"}))
    assert (err.code, err.message) == ("above_max", "Điểm 1,25 vượt quá điểm tối đa 1.")
    assert refusal(lambda: score_leaf(MANUAL_QUARTERS, {"points": "1.5"})).message == (
        "Điểm 1,5 vượt quá điểm tối đa 1."
    )


def test_manual_refuses_points_below_the_floor_but_accepts_a_negative_floor() -> None:
    err = refusal(lambda: score_leaf(MANUAL_QUARTERS, {"points": "-0.25"}))
    assert (err.code, err.message) == ("below_floor", "Điểm -0,25 thấp hơn điểm sàn 0.")
    assert score_leaf(rule("manual", floor="-1"), {"points": "-0.75"}) == D("-0.75")


def test_survey_points_are_imported_inside_the_range() -> None:
    survey = rule("survey", max_points="4")
    assert score_leaf(survey, {"points": "3.5"}) == D("3.50")
    assert score_leaf(survey, {"points": "3,456"}) == D("3.46")
    assert refusal(lambda: score_leaf(survey, {"points": "4.5"})).code == "above_max"
    assert refusal(lambda: score_leaf(survey, {"points": "-1"})).code == "below_floor"


def test_a_value_that_is_not_a_mapping_is_refused() -> None:
    assert refusal(lambda: score_leaf(MANUAL_QUARTERS, "0.75")).code == "invalid_value"  # type: ignore[arg-type]


# normalize_value and input_fields -----------------------------------------------------------------------


def test_normalize_value_gives_canonical_json_safe_values() -> None:
    assert normalize_value(MANUAL_QUARTERS, {"points": "0,750"}) == {"points": "0.75"}
    assert normalize_value(CA_MAU_PLAN, {"option": " late "}) == {"option": "late"}
    assert normalize_value(rule("yes_no"), {"value": True}) == {"value": True}
    assert normalize_value(PLAN_COMPLETION_BANDS, {"numerator": 45, "denominator": "50,0"}) == {
        "numerator": "45",
        "denominator": "50",
    }
    assert normalize_value(PLAN_PROPORTIONAL, {"numerator": D("85.50"), "denominator": 100}) == {
        "numerator": "85.5",
        "denominator": "100",
    }
    assert normalize_value(ISSUES_FORMULA, {"counts": {"a": "4", "b": 2, "c": D("1")}}) == {
        "counts": {"a": 4, "b": 2, "c": 1}
    }
    assert normalize_value(rule("survey", max_points="4"), {"points": D("3.50")}) == {"points": "3.5"}


def test_normalize_value_refuses_exactly_like_score_leaf() -> None:
    err = refusal(lambda: normalize_value(ISSUES_FORMULA, {"counts": {"a": 0, "b": 0, "c": 0}}))
    assert err.code == "division_by_zero"
    assert refusal(lambda: normalize_value(CA_MAU_PLAN, {"option": "x"})).code == "unknown_option"


def test_normalized_value_scores_the_same_as_the_original() -> None:
    cases = [
        (MANUAL_QUARTERS, {"points": "0,75"}),
        (TIEN_GIANG_PLAN, {"option": "none"}),
        (PLAN_COMPLETION_BANDS, {"numerator": "9001", "denominator": 10000}),
        (PLAN_PROPORTIONAL, {"numerator": 85, "denominator": 100}),
        (ISSUES_FORMULA, {"counts": {"a": 4, "b": 2, "c": 1}}),
        (REPORT_DEDUCTIONS, {"counts": {"late_report": 1}}),
    ]
    for leaf, value in cases:
        assert score_leaf(leaf, normalize_value(leaf, value)) == score_leaf(leaf, value)


def test_input_fields_name_the_value_keys_each_method_expects() -> None:
    assert input_fields(MANUAL_QUARTERS) == ["points"]
    assert input_fields(rule("survey")) == ["points"]
    assert input_fields(CA_MAU_PLAN) == ["option"]
    assert input_fields(rule("yes_no")) == ["value"]
    assert input_fields(PLAN_COMPLETION_BANDS) == ["numerator", "denominator"]
    assert input_fields(PLAN_PROPORTIONAL) == ["numerator", "denominator"]
    assert input_fields(ISSUES_FORMULA) == ["counts.a", "counts.b", "counts.c"]
    assert input_fields(REPORT_DEDUCTIONS) == [
        "counts.late_report",
        "counts.missing_quarterly",
        "counts.missing_annual",
    ]


# validate_params ----------------------------------------------------------------------------------------


def test_every_real_leaf_has_valid_params() -> None:
    for leaf in (
        CA_MAU_PLAN,
        TIEN_GIANG_PLAN,
        PLAN_COMPLETION_BANDS,
        INSPECTED_SHARE_BANDS,
        PLAN_PROPORTIONAL,
        ISSUES_FORMULA,
        REPORT_DEDUCTIONS,
        INITIATIVE_BONUS,
        DISCIPLINE_PENALTY,
        MANUAL_QUARTERS,
        rule("yes_no"),
        rule("survey"),
    ):
        validate_params(leaf)


def _bands(*bands: tuple[str, bool, str]) -> dict[str, Any]:
    return {"bands": [{"min": m, "inclusive": inc, "points": p} for m, inc, p in bands]}


_FORMULA_VARS = [{"name": "a"}, {"name": "b"}]

INVALID_PARAMS: list[tuple[str, LeafRule, str]] = [
    ("unknown method", rule("guess"), "unknown_method"),
    ("unknown kind", rule("yes_no", kind="extra"), "unknown_kind"),
    ("unknown parameter", rule("proportional", {"treshold": "80"}), "unknown_param"),
    ("params not a mapping", LeafRule("yes_no", [], D("1")), "params_not_mapping"),  # type: ignore[arg-type]
    ("floor above max", rule("yes_no", floor="2"), "floor_above_max"),
    ("negative max", rule("yes_no", max_points="-1", floor="-2"), "negative_max"),
    ("max with three decimals", rule("yes_no", max_points="0.125"), "too_many_decimals"),
    ("bonus with negative floor", rule("manual", kind="bonus", floor="-1"), "negative_floor_not_allowed"),
    ("penalty with negative floor", rule("manual", kind="penalty", floor="-1"), "negative_floor_not_allowed"),
    ("levels without options", rule("levels", {"options": []}), "no_options"),
    ("levels options missing", rule("levels"), "no_options"),
    (
        "levels duplicate keys",
        rule("levels", {"options": [{"key": "a", "points": "1"}, {"key": "a", "points": "0"}]}),
        "duplicate_key",
    ),
    (
        "levels points not a number",
        rule("levels", {"options": [{"key": "a", "points": "một"}]}),
        "param_not_a_number",
    ),
    (
        "levels option above max",
        rule("levels", {"options": [{"key": "a", "points": "1.5"}]}),
        "option_above_max",
    ),
    (
        "levels option without key",
        rule("levels", {"options": [{"label": "x", "points": "1"}]}),
        "missing_key",
    ),
    ("yes points above max", rule("yes_no", {"yes_points": "2"}), "points_out_of_range"),
    (
        "bands not descending",
        rule("ratio_bands", _bands(("70", True, "1"), ("90", False, "1"), ("0", True, "0"))),
        "bands_not_descending",
    ),
    (
        "bands overlapping",
        rule("ratio_bands", _bands(("50", True, "1"), ("60", True, "1"), ("0", True, "0"))),
        "bands_not_descending",
    ),
    (
        "bands duplicate threshold",
        rule("ratio_bands", _bands(("90", False, "1"), ("90", True, "0.5"), ("0", True, "0"))),
        "duplicate_band_threshold",
    ),
    (
        "last band not zero",
        rule("ratio_bands", _bands(("90", False, "1"), ("10", True, "0"))),
        "last_band_not_zero",
    ),
    (
        "last band not inclusive",
        rule("ratio_bands", _bands(("90", False, "1"), ("0", False, "0"))),
        "last_band_not_zero",
    ),
    (
        "band threshold above 100",
        rule("ratio_bands", _bands(("120", True, "1"), ("0", True, "0"))),
        "threshold_out_of_range",
    ),
    (
        "band threshold negative",
        rule("ratio_bands", _bands(("90", True, "1"), ("-5", True, "0"))),
        "threshold_out_of_range",
    ),
    (
        "band points above max",
        rule("ratio_bands", _bands(("90", True, "2"), ("0", True, "0"))),
        "points_out_of_range",
    ),
    (
        "band inclusive not bool",
        rule("ratio_bands", {"bands": [{"min": "0", "inclusive": "yes", "points": "1"}]}),
        "invalid_inclusive",
    ),
    ("no bands", rule("ratio_bands", {"bands": []}), "no_bands"),
    (
        "proportional threshold above 100",
        rule("proportional", {"threshold": "150"}),
        "threshold_out_of_range",
    ),
    ("proportional threshold negative", rule("proportional", {"threshold": "-1"}), "threshold_out_of_range"),
    (
        "formula undeclared name",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a / x"}),
        "formula_unknown_name",
    ),
    (
        "formula syntax error",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "(a + b"}),
        "formula_syntax",
    ),
    (
        "formula two statements",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a; b"}),
        "formula_syntax",
    ),
    (
        "formula call",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "abs(a)"}),
        "formula_disallowed",
    ),
    (
        "formula attribute",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a.real"}),
        "formula_disallowed",
    ),
    (
        "formula power",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a ** b"}),
        "formula_disallowed",
    ),
    (
        "formula comparison",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a > b"}),
        "formula_disallowed",
    ),
    (
        "formula subscript",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a[0]"}),
        "formula_disallowed",
    ),
    (
        "formula string",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "'a'"}),
        "formula_disallowed",
    ),
    (
        "formula floor division",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a // b"}),
        "formula_disallowed",
    ),
    (
        "formula boolean constant",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a * True"}),
        "formula_disallowed",
    ),
    (
        "formula dunder escape",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "().__class__"}),
        "formula_disallowed",
    ),
    (
        "formula lambda",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "(lambda: 1)()"}),
        "formula_disallowed",
    ),
    (
        "formula too long",
        rule("formula", {"variables": _FORMULA_VARS, "expression": "a+" * 300 + "b"}),
        "formula_too_long",
    ),
    ("formula empty", rule("formula", {"variables": _FORMULA_VARS, "expression": "  "}), "formula_empty"),
    (
        "formula duplicate variable",
        rule("formula", {"variables": [{"name": "a"}, {"name": "a"}], "expression": "a"}),
        "duplicate_variable",
    ),
    (
        "formula non-identifier",
        rule("formula", {"variables": [{"name": "a b"}], "expression": "a"}),
        "invalid_variable_name",
    ),
    (
        "formula keyword name",
        rule("formula", {"variables": [{"name": "lambda"}], "expression": "1"}),
        "invalid_variable_name",
    ),
    (
        "formula accented name",
        rule("formula", {"variables": [{"name": "số"}], "expression": "số"}),
        "invalid_variable_name",
    ),
    ("formula without variables list", rule("formula", {"expression": "1"}), "no_variables"),
    (
        "per_occurrence item missing key",
        rule("per_occurrence", {"items": [{"label": "x", "points": "1"}]}),
        "missing_key",
    ),
    (
        "per_occurrence duplicate key",
        rule("per_occurrence", {"items": [{"key": "a", "points": "1"}, {"key": "a", "points": "2"}]}),
        "duplicate_key",
    ),
    ("per_occurrence no items", rule("per_occurrence", {"items": []}), "no_items"),
    (
        "per_occurrence base above max",
        rule("per_occurrence", {"base": "2", "items": [{"key": "a", "points": "1"}]}),
        "points_out_of_range",
    ),
    ("manual step zero", rule("manual", {"step": "0"}), "invalid_step"),
    ("manual step negative", rule("manual", {"step": "-0.25"}), "invalid_step"),
    ("manual step with three decimals", rule("manual", {"step": "0.125"}), "too_many_decimals"),
    ("survey with params", rule("survey", {"step": "1"}), "unknown_param"),
]


@pytest.mark.parametrize(("case", "leaf", "code"), INVALID_PARAMS, ids=[c[0] for c in INVALID_PARAMS])
def test_validate_params_detects_each_configuration_problem(case: str, leaf: LeafRule, code: str) -> None:
    err = refusal(lambda: validate_params(leaf), ParamsError)
    assert err.code == code, case
    assert err.message and err.message_en
    # score_leaf validates the params too.
    assert refusal(lambda: score_leaf(leaf, {}), ParamsError).code == code


def test_params_error_messages_are_vietnamese() -> None:
    err = refusal(lambda: validate_params(rule("guess")), ParamsError)
    assert err.message == "Phương pháp chấm điểm «guess» không được hỗ trợ."
    err = refusal(
        lambda: validate_params(rule("formula", {"variables": _FORMULA_VARS, "expression": "a / x"})),
        ParamsError,
    )
    assert err.message == "Công thức dùng biến «x» chưa được khai báo."


# compute_index -----------------------------------------------------------------------------------------


def node(code: str, parent: str | None, max_points: str, kind: str = "normal") -> Node:
    return Node(code=code, parent_code=parent, kind=kind, max_points=D(max_points), name=f"Tiêu chí {code}")


def scores(**by_code: str | None) -> dict[str, LeafScore]:
    return {code.replace("_", "."): LeafScore(None if s is None else D(s)) for code, s in by_code.items()}


BANDS = (Band(D("90"), "Tốt"), Band(D("80"), "Khá"), Band(D("65"), "Trung bình"), Band(D("0"), "Yếu"))

# Two areas (60 + 40), a bonus criterion at top level (cap 5) and a penalty criterion inside area 2.
TREE = (
    node("1", None, "60"),
    node("1.1", "1", "60"),
    node("1.1.1", "1.1", "30"),
    node("1.1.2", "1.1", "30"),
    node("2", None, "40"),
    node("2.1", "2", "40"),
    node("2.1.1", "2.1", "20"),
    node("2.1.2", "2.1", "20"),
    node("2.2", "2", "3", "penalty"),
    node("2.2.1", "2.2", "3", "penalty"),
    node("3", None, "5", "bonus"),
    node("3.1", "3", "2", "bonus"),
    node("3.2", "3", "4", "bonus"),
)


def tree_rules(**overrides: Any) -> SetRules:
    values: dict[str, Any] = {
        "nodes": TREE,
        "bonus_cap": D("5"),
        "penalty_cap": D("10"),
        "classification_bands": BANDS,
    }
    values.update(overrides)
    return SetRules(**values)


def test_the_example_tree_is_valid() -> None:
    assert validate_tree(tree_rules()) == []


def test_points_mode_bonus_lifts_the_index_above_100() -> None:
    leaves = scores(**{"1_1_1": "30", "1_1_2": "28.5", "2_1_1": "20", "2_1_2": "20", "2_2_1": "0"})
    leaves |= scores(**{"3_1": "2", "3_2": "2"})
    result = compute_index(tree_rules(), leaves)
    assert result.normal_total == D("98.50")
    assert result.bonus == D("4")
    assert result.penalty == D("0")
    assert result.total == D("102.50")
    assert result.index == D("102.50")
    assert result.classification == "Tốt"
    assert result.area_totals == {"1": D("58.5"), "2": D("40")}
    assert result.area_max == {"1": D("60"), "2": D("40")}
    assert result.applicable_max == D("100")
    assert result.missing == ()


def test_a_bonus_parent_caps_its_children_and_the_set_caps_the_whole_bonus() -> None:
    leaves = scores(**{"1_1_1": "30", "1_1_2": "30", "2_1_1": "20", "2_1_2": "20", "2_2_1": "0", "3_1": "2"})
    leaves |= scores(**{"3_2": "4"})
    assert compute_index(tree_rules(), leaves).bonus == D("5")  # parent 3 caps 6 at 5
    assert compute_index(tree_rules(bonus_cap=D("4.5")), leaves).bonus == D("4.5")  # set cap
    assert compute_index(tree_rules(), leaves).index == D("105.00")


def test_nested_bonus_caps_apply_bottom_up() -> None:
    nodes = (
        node("1", None, "100"),
        node("B", None, "3", "bonus"),
        node("B.1", "B", "1", "bonus"),
        node("B.1.1", "B.1", "1", "bonus"),
        node("B.1.2", "B.1", "1", "bonus"),
        node("B.2", "B", "1.5", "bonus"),
    )
    rules = SetRules(nodes=nodes, bonus_cap=D("10"))
    result = compute_index(rules, scores(**{"1": "90", "B_1_1": "1", "B_1_2": "1", "B_2": "1.5"}))
    assert result.bonus == D("2.5")  # min(1 + 1, 1) + 1.5
    assert result.total == D("92.5")


def test_penalty_inside_an_area_is_subtracted_once_and_not_from_the_area() -> None:
    leaves = scores(**{"1_1_1": "30", "1_1_2": "30", "2_1_1": "20", "2_1_2": "20", "3_1": "0", "3_2": "0"})
    leaves |= {"2.2.1": LeafScore(score_leaf(DISCIPLINE_PENALTY, {"counts": {"disciplined": 7}}))}
    result = compute_index(tree_rules(), leaves)
    assert result.penalty == D("3.00")
    assert result.area_totals == {"1": D("60"), "2": D("40")}
    assert result.normal_total == D("100")
    assert result.total == D("97.00")
    assert result.index == D("97.00")


def test_set_penalty_cap_limits_the_whole_penalty() -> None:
    nodes = (
        node("1", None, "100"),
        node("P", None, "20", "penalty"),
        node("P.1", "P", "10", "penalty"),
        node("P.2", "P", "10", "penalty"),
    )
    result = compute_index(
        SetRules(nodes=nodes, penalty_cap=D("5")), scores(**{"1": "80", "P_1": "4", "P_2": "3"})
    )
    assert result.penalty == D("5")
    assert result.index == D("75.00")


def test_points_mode_not_applicable_leaf_is_granted_its_max() -> None:
    leaves = scores(**{"1_1_1": "30", "1_1_2": "20", "2_1_1": "10", "2_2_1": "1", "3_1": "0", "3_2": "0"})
    leaves["2.1.2"] = LeafScore(None, not_applicable=True)
    result = compute_index(tree_rules(), leaves)
    assert result.area_totals == {"1": D("50"), "2": D("30")}
    assert result.applicable_max == D("100")
    assert result.index == D("79.00")
    assert result.classification == "Trung bình"


def test_missing_leaves_count_zero_and_are_reported_in_tree_order() -> None:
    leaves = scores(**{"1_1_2": "30", "2_1_1": "20", "2_1_2": None})
    result = compute_index(tree_rules(), leaves)
    assert result.missing == ("1.1.1", "2.1.2", "2.2.1", "3.1", "3.2")
    assert result.normal_total == D("50")
    assert result.index == D("50.00")
    assert result.classification == "Yếu"


def _percent_rules() -> SetRules:
    nodes = (
        node("1", None, "2"),
        node("1.1", "1", "1"),
        node("1.2", "1", "1"),
        node("2", None, "6"),
        node("2.1", "2", "3"),
        node("2.2", "2", "3"),
    )
    return SetRules(nodes=nodes, standard_max=D("8"), index_mode="percent", classification_bands=BANDS)


def test_percent_mode_not_applicable_leaves_leave_obtained_and_maximum_rounded_once() -> None:
    leaves = scores(**{"1_2": "0.25", "2_1": "0.25", "2_2": "0"})
    leaves["1.1"] = LeafScore(None, not_applicable=True)
    result = compute_index(_percent_rules(), leaves)
    assert result.area_totals == {"1": D("0.25"), "2": D("0.25")}
    assert result.area_max == {"1": D("1"), "2": D("6")}
    assert result.applicable_max == D("7")
    assert result.total == D("0.50")
    assert result.index == D("7.14")  # 0.5 / 7 × 100 = 7.142857…
    # Rounding each area's percentage first (25.00 % and 4.17 %) and weighting them would give 7.15.
    area_percents = {c: round_half_up(result.area_totals[c] / result.area_max[c] * 100) for c in ("1", "2")}
    weighted = sum(area_percents[c] * result.area_max[c] for c in ("1", "2")) / result.applicable_max
    assert round_half_up(weighted) == D("7.15")
    assert result.classification == "Yếu"


def test_percent_mode_with_every_leaf_not_applicable_is_refused() -> None:
    leaves = {c: LeafScore(None, not_applicable=True) for c in ("1.1", "1.2", "2.1", "2.2")}
    assert refusal(lambda: compute_index(_percent_rules(), leaves)).code == "nothing_applicable"


def test_percent_mode_counts_bonus_and_penalty_over_the_applicable_maximum() -> None:
    nodes = (node("1", None, "50"), node("2", None, "50"), node("B", None, "5", "bonus"))
    rules = SetRules(nodes=nodes, index_mode="percent", bonus_cap=D("5"))
    leaves = {"1": LeafScore(D("45")), "2": LeafScore(None, not_applicable=True), "B": LeafScore(D("5"))}
    result = compute_index(rules, leaves)
    assert result.applicable_max == D("50")
    assert result.index == D("100.00")  # (45 + 5) / 50 × 100


def test_compute_index_clamps_out_of_range_leaf_scores() -> None:
    leaves = scores(**{"1_1_1": "31", "1_1_2": "30", "2_1_1": "20", "2_1_2": "20", "2_2_1": "-2", "3_1": "9"})
    result = compute_index(tree_rules(), leaves | scores(**{"3_2": "-1"}))
    assert result.area_totals["1"] == D("60")
    assert result.penalty == D("0")
    assert result.bonus == D("2")


def test_compute_index_refuses_unknown_codes_and_scores_on_parents() -> None:
    assert refusal(lambda: compute_index(tree_rules(), scores(x="1"))).code == "unknown_leaf"
    assert refusal(lambda: compute_index(tree_rules(), scores(**{"1_1": "1"}))).code == "not_a_leaf"


def test_compute_index_refuses_a_structurally_broken_tree() -> None:
    broken = SetRules(nodes=(node("1", "2", "1"), node("2", "1", "1")))
    err = refusal(lambda: compute_index(broken, {}), ParamsError)
    assert err.code == "invalid_tree"


def test_classification_bands_90_80_65_0() -> None:
    assert classify(D("90.00"), BANDS) == "Tốt"
    assert classify(D("102.50"), BANDS) == "Tốt"
    assert classify(D("89.99"), BANDS) == "Khá"
    assert classify(D("80"), BANDS) == "Khá"
    assert classify(D("79.99"), BANDS) == "Trung bình"
    assert classify(D("65.00"), BANDS) == "Trung bình"
    assert classify(D("64.99"), BANDS) == "Yếu"
    assert classify(D("0"), BANDS) == "Yếu"
    assert classify(D("50"), ()) is None


def test_a_negative_index_gets_the_lowest_band_that_starts_at_0() -> None:
    """Negative options and penalties can take a unit below 0 (a unit handed over with nothing scored, then
    penalised): the lowest band, at 0, covers it as the published scale says («Yếu: chỉ số dưới 65,00»)."""
    assert classify(D("-0.01"), BANDS) == "Yếu"
    assert classify(D("-2"), BANDS) == "Yếu"
    assert classify(D("-150"), BANDS) == "Yếu"
    # A lowest band above 0 (published as «chỉ số dưới 50,00: không xếp loại») still leaves an index under it out.
    above = (Band(min=D("80"), label="Tốt"), Band(min=D("50"), label="Đạt"))
    assert classify(D("49.99"), above) is None
    assert classify(D("-2"), above) is None


def test_an_index_of_exactly_90_is_good_and_89_99_is_fair() -> None:
    base = {"1_1_2": "30", "2_1_1": "20", "2_1_2": "10", "2_2_1": "0", "3_1": "0", "3_2": "0"}
    assert compute_index(tree_rules(), scores(**base, **{"1_1_1": "30"})).classification == "Tốt"
    assert compute_index(tree_rules(), scores(**base, **{"1_1_1": "29.99"})).classification == "Khá"


def test_points_mode_rounds_the_index_once_not_each_leaf() -> None:
    nodes = (node("1", None, "3"), node("1.1", "1", "1"), node("1.2", "1", "1"), node("1.3", "1", "1"))
    leaves = {c: LeafScore(D("0.125")) for c in ("1.1", "1.2", "1.3")}
    result = compute_index(SetRules(nodes=nodes, standard_max=D("3")), leaves)
    assert result.total == D("0.375")
    assert result.index == D("0.38")  # rounding each leaf first would give 0.39
    assert sum(round_half_up(s.score or D(0)) for s in leaves.values()) == D("0.39")


def test_compute_index_ignores_the_callers_decimal_context() -> None:
    leaves = scores(**{"1_1_1": "30", "1_1_2": "28.5", "2_1_1": "20", "2_1_2": "20", "2_2_1": "0"})
    leaves |= scores(**{"3_1": "2", "3_2": "2"})
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        assert compute_index(tree_rules(), leaves).index == D("102.50")


# validate_tree ------------------------------------------------------------------------------------------


def _one_problem(rules: SetRules, fragment: str) -> None:
    problems = validate_tree(rules)
    assert problems, "expected a problem"
    assert any(fragment in p for p in problems), problems


def test_validate_tree_detects_an_unknown_parent() -> None:
    _one_problem(tree_rules(nodes=(*TREE, node("9.1", "9", "1"))), "mã cha «9» không tồn tại")


def test_validate_tree_detects_a_cycle() -> None:
    nodes = (*TREE, node("8", "9", "0"), node("9", "8", "0"))
    _one_problem(tree_rules(nodes=nodes), "vòng lặp")
    _one_problem(tree_rules(nodes=(*TREE, node("7", "7", "0"))), "vòng lặp")


def test_validate_tree_detects_duplicate_codes() -> None:
    _one_problem(tree_rules(nodes=(*TREE, node("1.1.1", "1.1", "30"))), "«1.1.1» bị trùng")


def test_validate_tree_detects_a_parent_max_not_equal_to_its_normal_children() -> None:
    nodes = tuple(node("1.1.2", "1.1", "29") if n.code == "1.1.2" else n for n in TREE)
    _one_problem(
        tree_rules(nodes=nodes), "Điểm tối đa của «1.1» là 60 nhưng tổng điểm tối đa các tiêu chí con"
    )


def test_validate_tree_detects_areas_not_summing_to_the_standard_max() -> None:
    _one_problem(tree_rules(standard_max=D("99")), "khác điểm chuẩn 99")


def test_validate_tree_ignores_bonus_and_penalty_children_in_parent_sums() -> None:
    assert validate_tree(tree_rules()) == []  # area 2: 40 = 2.1 (40); penalty 2.2 (3) does not count


def test_validate_tree_detects_missing_bonus_and_penalty_caps() -> None:
    _one_problem(tree_rules(bonus_cap=None), "trần điểm cộng")
    _one_problem(tree_rules(penalty_cap=None), "trần điểm trừ")


def test_validate_tree_detects_bands_not_descending() -> None:
    bands = (Band(D("80"), "Khá"), Band(D("90"), "Tốt"), Band(D("0"), "Yếu"))
    _one_problem(tree_rules(classification_bands=bands), "giảm dần")


def test_validate_tree_detects_a_normal_node_inside_a_bonus_criterion() -> None:
    _one_problem(tree_rules(nodes=(*TREE, node("3.3", "3", "1"))), "phải cùng loại")


def test_validate_tree_detects_an_unknown_kind_and_index_mode() -> None:
    _one_problem(tree_rules(nodes=(*TREE, node("4", None, "0", "extra"))), "loại «extra» không hợp lệ")
    _one_problem(tree_rules(index_mode="ratio"), "«ratio» không hợp lệ")


# rank ---------------------------------------------------------------------------------------------------


def test_rank_is_competition_ranking_with_ties_1_2_2_4() -> None:
    entries = [
        RankEntry(1, "Sở Nội vụ", D("95.50")),
        RankEntry(2, "Sở Tài chính", D("90.00")),
        RankEntry(3, "Sở Tư pháp", D("90.0")),
        RankEntry(4, "Sở Y tế", D("85.25")),
    ]
    assert [(r.key, r.rank) for r in rank(entries)] == [(1, 1), (2, 2), (3, 2), (4, 4)]


def test_rank_lists_equal_indexes_by_name() -> None:
    entries = [
        RankEntry("c", "sở Y tế", D("90")),
        RankEntry("a", "Sở Công Thương", D("90")),
        RankEntry("b", "Sở Nội vụ", D("90")),
    ]
    assert [r.name for r in rank(entries)] == ["Sở Công Thương", "Sở Nội vụ", "sở Y tế"]
    assert {r.rank for r in rank(entries)} == {1}


def test_rank_is_the_same_for_every_input_order() -> None:
    entries = [
        RankEntry(1, "TP Mỹ Tho", D("92.10")),
        RankEntry(2, "TX Gò Công", D("88.00")),
        RankEntry(3, "huyện Cái Bè", D("88.00")),
        RankEntry(4, "Huyện Cái Bè", D("88.00")),
        RankEntry(5, "huyện Tân Phước", D("70.45")),
    ]
    expected = rank(entries)
    for permutation in itertools.permutations(entries):
        assert rank(permutation) == expected


def test_rank_of_nothing_is_empty() -> None:
    assert rank([]) == []


@pytest.mark.parametrize("raw", ["²", "0,²5", "①", "₃", "1²"])
def test_digits_other_than_plain_or_full_width_ones_are_not_numbers(raw: str) -> None:
    """NFKC would read «²» as 2: a superscript typed by mistake must be refused, not stored as another number."""
    assert refusal(lambda: to_decimal(raw, field="points")).code == "not_a_number"
    assert to_decimal("０,５", field="points") == D("0.5")  # full-width digits (an input method's) still count


@pytest.mark.parametrize("raw", ["1.000", "2,500", "-1.000", "999.999", "+12,345"])
def test_a_count_or_a_ratios_term_that_may_group_thousands_is_refused_as_unclear(raw: str) -> None:
    """«1.000» is a thousand to a Vietnamese writer and a one to an English one: never guessed for a count or a
    ratio's terms (points keep their decimals: «3,456» is 3.456 there)."""
    err = refusal(lambda: to_count(raw, field="late"))
    assert err.code == "ambiguous_separator" and err.field == "late"
    assert f"«{raw}»" in err.message and "hãy viết " in err.message
    ratio = rule("proportional", max_points="2", params={"threshold": "80"})
    assert refusal(lambda: score_leaf(ratio, {"numerator": raw, "denominator": "1500"})).code == "ambiguous_separator"
    assert to_count("1000", field="late") == 1000 and to_count("0,000", field="late") == 0
    assert to_decimal(raw, field="points") == D(raw.replace(",", "."))


def test_too_many_decimals_are_refused_typed_as_text_or_sent_as_a_number() -> None:
    assert to_decimal("0,123456", field="points") == D("0.123456")
    assert refusal(lambda: to_decimal("0," + "1" * 7, field="points")).code == "too_many_decimals"
    assert refusal(lambda: to_decimal("0," + "1" * 100_000, field="points")).code == "too_many_decimals"
    # a JSON number is read as written (its shortest form): 0.1 is 0.1, and one with more decimals than allowed is
    # refused as its text is, not stored to block the appraisal later (a spreadsheet's floats arrive as text,
    # rounded as Excel shows them: `scoring.imports`)
    assert to_decimal(0.1, field="points") == D("0.1")
    assert refusal(lambda: to_decimal(0.1 + 0.2, field="points")).code == "too_many_decimals"
