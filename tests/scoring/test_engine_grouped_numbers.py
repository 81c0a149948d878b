"""A unit's typed numbers with their thousands grouped as they can only be read are read so: «15.000.000.000»
(several identical marks can only group), «1.234.567,89» and «1,234,567.89» (a last mark unlike the others is the
decimal mark). One mark followed by exactly three digits («15,525», «1.000») stays refused as unclear, and the
refusal names what was typed and writes out both readings to type instead. Counts and whole-number terms still
refuse fractions. A ratio's refusal of a numerator above the denominator says what to do when a target was exceeded;
a count's refusal says «số nguyên không âm» naming the count as the form labels it, not «Số lần»."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import LeafRule, ScoringInputError, score_and_normalize
from scoring.engine.base import to_count, to_decimal

D = Decimal

# 6.4.1: capital disbursed against the capital plan, in VND: its terms are not declared whole numbers.
DISBURSEMENT = LeafRule(method="proportional", params={"threshold": "80"}, max_points=D("2"))
# 5.5.2: training places against the plan's target, whole numbers.
TRAINING = LeafRule(
    method="ratio_bands",
    params={"whole_numbers": True, "bands": [{"min": "90", "inclusive": False, "points": "1.5"},
                                              {"min": "70", "inclusive": True, "points": "0.75"},
                                              {"min": "0", "inclusive": True, "points": "0"}]},
    max_points=D("1.5"),
)
# 1.3.3: issues found, fixed, being fixed.
ISSUES = LeafRule(
    method="formula",
    params={"variables": [{"name": "a", "label": "Số tồn tại, hạn chế phát hiện qua kiểm tra"},
                          {"name": "b", "label": "Số tồn tại, hạn chế đã khắc phục, xử lý xong"},
                          {"name": "c", "label": "Số tồn tại, hạn chế đang khắc phục, xử lý"}],
            "expression": "(b / a) * 1 + (c / a) * 0.5", "on_zero_division": "1", "limits": ["b + c <= a"]},
    max_points=D("1"),
)
LATE_REPORTS = LeafRule(
    method="per_occurrence",
    params={"base": "1", "items": [{"key": "late", "label": "Báo cáo trễ hạn", "points": "-0.25"}]},
    max_points=D("1"),
)


def _refused(call: Any) -> ScoringInputError:
    with pytest.raises(ScoringInputError) as info:
        call()
    return info.value


# --- grouped thousands ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "number"), [
    ("15.000.000.000", D("15000000000")),
    ("15,000,000,000", D("15000000000")),
    ("1.234.567,89", D("1234567.89")),
    ("1,234,567.89", D("1234567.89")),
    ("1.000,5", D("1000.5")),
    ("1,000.5", D("1000.5")),
    ("1.234,567", D("1234.567")),
    ("12.000.000,000000", D("12000000")),
    ("-1.000.000", D("-1000000")),
    ("1.000.000", D("1000000")),
])
def test_thousands_grouped_as_they_can_only_be_read_are_read(typed: str, number: Decimal) -> None:
    assert to_decimal(typed, field="numerator", refuse_groups=True) == number
    assert to_decimal(typed, field="points") == number  # without `refuse_groups` alike


def test_a_disbursement_typed_the_vietnamese_way_is_scored() -> None:
    score, value = score_and_normalize(DISBURSEMENT, {"numerator": "14.250.000.000,5", "denominator": "15.000.000.000"})
    assert value == {"numerator": "14250000000.5", "denominator": "15000000000"}
    assert score == D("1.90")


@pytest.mark.parametrize(("typed", "code"), [
    ("1.000.5", "not_a_number"),  # the same mark ending it
    ("1.00.000", "not_a_number"),  # a group of two
    ("1.000,000.5", "not_a_number"),  # the decimal mark twice
    ("0.000.000", "not_a_number"),  # a leading 0 is never a group
    ("1.234,", "trailing_decimal_mark"),
    ("1.000.000,", "trailing_decimal_mark"),
    ("1.000,1234567", "too_many_decimals"),
    ("1.000.000.000.000.000", "too_large"),
])
def test_badly_grouped_numbers_are_still_refused(typed: str, code: str) -> None:
    refused = _refused(lambda: to_decimal(typed, field="numerator", refuse_groups=True))
    assert (refused.code, refused.field) == (code, "numerator")
    if code == "trailing_decimal_mark":
        assert f"«{typed}»" in refused.message


def test_a_single_mark_before_three_digits_is_still_unclear_and_the_refusal_says_what_to_type() -> None:
    refused = _refused(lambda: score_and_normalize(DISBURSEMENT, {"numerator": "15,525", "denominator": "20"}))
    assert (refused.code, refused.field) == ("ambiguous_separator", "numerator")
    assert refused.message == (
        "Không rõ dấu phẩy trong «15,525» tách hàng nghìn hay là dấu thập phân: hãy viết 15525 nếu đó là dấu tách "
        "hàng nghìn, hoặc 15,5250 nếu đó là dấu thập phân."
    )
    assert refused.message_en == (
        "It is unclear whether the comma in «15,525» separates thousands or is the decimal mark: write 15525 if it "
        "separates thousands, or 15.5250 if it is the decimal mark."
    )
    # both suggestions are read as meant
    assert to_decimal("15525", field="x", refuse_groups=True) == D("15525")
    assert to_decimal("15,5250", field="x", refuse_groups=True) == D("15.525")
    assert to_decimal("15.5250", field="x", refuse_groups=True) == D("15.525")
    dotted = _refused(lambda: to_decimal("1.000", field="points", refuse_groups=True))
    assert "dấu chấm trong «1.000»" in dotted.message and "hãy viết 1000" in dotted.message
    assert "1,0000 nếu đó là dấu thập phân" in dotted.message
    assert to_decimal("1.000", field="points") == D(1)  # without `refuse_groups`: the decimal mark, as before


def test_a_count_or_a_whole_term_offers_only_its_whole_readings() -> None:
    count = _refused(lambda: to_count("1.500", field="counts.a"))
    assert count.code == "ambiguous_separator"
    assert count.message == (
        "Không rõ dấu chấm trong «1.500» tách hàng nghìn hay là dấu thập phân; số này phải là số nguyên: hãy viết "
        "1500 nếu đó là dấu tách hàng nghìn."
    )
    two = _refused(lambda: to_count("2,000", field="counts.a"))
    assert two.message.endswith("hãy viết 2000 nếu đó là dấu tách hàng nghìn, hoặc 2 nếu đó là dấu thập phân.")
    assert two.message_en.endswith("write 2000 if it separates thousands, or 2 if it is the decimal mark.")
    term = _refused(lambda: score_and_normalize(TRAINING, {"numerator": "90", "denominator": "1.200"}))
    assert (term.code, term.field) == ("ambiguous_separator", "denominator")
    assert "số này phải là số nguyên: hãy viết 1200" in term.message


def test_counts_and_whole_terms_still_refuse_fractions_written_with_groups() -> None:
    assert to_count("1.000.000", field="counts.a") == 1_000_000
    assert to_count("1.000,0", field="counts.a") == 1000
    assert _refused(lambda: to_count("1.000,5", field="counts.a")).code == "not_an_integer"
    term = _refused(lambda: score_and_normalize(TRAINING, {"numerator": "1.000,5", "denominator": "1.100.000"}))
    assert (term.code, term.field) == ("not_whole_number", "numerator")
    assert score_and_normalize(TRAINING, {"numerator": "1.000.000", "denominator": "1.100.000"})[0] == D("1.5")


# hypothesis: any number written with its thousands grouped the Vietnamese or the English way reads back as itself,
# unless it is a single group without decimals (unclear, refused)


@settings(max_examples=300, deadline=None)
@given(
    whole=st.integers(min_value=1000, max_value=10**15 - 1),
    decimals=st.one_of(st.none(), st.text(alphabet="0123456789", min_size=1, max_size=6)),
    vietnamese=st.booleans(),
    negative=st.booleans(),
)
def test_grouped_numbers_read_back_as_written(
    whole: int, decimals: str | None, vietnamese: bool, negative: bool
) -> None:
    group, point = (".", ",") if vietnamese else (",", ".")
    text = ("-" if negative else "") + f"{whole:,}".replace(",", group) + (f"{point}{decimals}" if decimals else "")
    expected = D(("-" if negative else "") + str(whole) + (f".{decimals}" if decimals else ""))
    if whole < 1_000_000 and decimals is None:
        assert _refused(lambda: to_decimal(text, field="x", refuse_groups=True)).code == "ambiguous_separator"
        return
    assert to_decimal(text, field="x", refuse_groups=True) == expected
    assert to_decimal(text, field="x") == expected


# --- a numerator above a target -----------------------------------------------------------------------------------


def test_a_numerator_above_the_target_is_refused_saying_to_write_the_target() -> None:
    refused = _refused(lambda: score_and_normalize(TRAINING, {"numerator": "120", "denominator": "100"}))
    assert (refused.code, refused.field) == ("numerator_above_denominator", "numerator")
    assert refused.message == (
        "Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, hãy ghi tử số "
        "bằng mẫu số."
    )
    assert refused.message_en == (
        "The numerator must not exceed the denominator. If the denominator is a target or plan and the result "
        "exceeded it, write the numerator equal to the denominator."
    )
    assert score_and_normalize(TRAINING, {"numerator": "100", "denominator": "100"})[0] == D("1.5")


# --- a count that is not a whole number -----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "code"), [("-1", "negative_count"), ("\u22121", "negative_count"),
                                             ("1,5", "not_an_integer"), (-1, "negative_count")])
def test_a_formula_count_is_named_as_the_form_labels_it(typed: Any, code: str) -> None:
    refused = _refused(lambda: score_and_normalize(ISSUES, {"counts": {"a": "3", "b": typed, "c": "0"}}))
    assert (refused.code, refused.field) == (code, "counts.b")
    assert refused.message == "«b: Số tồn tại, hạn chế đã khắc phục, xử lý xong» phải là số nguyên không âm (0, 1, 2…)."
    assert refused.message_en == (
        "'b: Số tồn tại, hạn chế đã khắc phục, xử lý xong' must be a non-negative whole number (0, 1, 2…)."
    )


def test_an_occurrence_count_is_named_by_its_label_and_a_count_without_one_generically() -> None:
    refused = _refused(lambda: score_and_normalize(LATE_REPORTS, {"counts": {"late": "0,5"}}))
    assert (refused.code, refused.message) == (
        "not_an_integer", "«Báo cáo trễ hạn» phải là số nguyên không âm (0, 1, 2…).")
    plain = _refused(lambda: to_count("-2", field="counts.a"))
    assert plain.message == "Giá trị phải là số nguyên không âm (0, 1, 2…)."
    assert plain.message_en == "The value must be a non-negative whole number (0, 1, 2…)."
    assert "Số lần" not in plain.message
