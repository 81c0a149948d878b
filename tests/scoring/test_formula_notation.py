"""The formula method reads formulas as administrators write them (× · for times, − – for minus, ÷ for divide, a
decimal comma), refuses the rest in their terms (never the parser's), and scores stored formulas as before."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from scoring.engine import LeafRule, ParamsError, normalize_expression, score_leaf, validate_params

VARIABLES = [
    {"name": "a", "label": "Số vấn đề"}, {"name": "b", "label": "Đã xử lý"}, {"name": "c", "label": "Đang xử lý"},
]
# the parser's names for what it read: none may reach an administrator, in either language
PARSER_WORDS = re.compile(r"SyntaxError|Tuple|Call|Name\b|BinOp|Constant|Attribute|Subscript|ast\b|cú pháp")


def formula(expression: str, max_points: str = "1.5") -> LeafRule:
    return LeafRule(method="formula", params={"variables": VARIABLES, "expression": expression},
                    max_points=Decimal(max_points))


def refusal(expression: str) -> ParamsError:
    with pytest.raises(ParamsError) as caught:
        validate_params(formula(expression))
    err = caught.value
    assert err.field == "expression"
    assert not PARSER_WORDS.search(err.message), err.message
    assert not PARSER_WORDS.search(err.message_en), err.message_en
    return err


COUNTS: dict[str, Any] = {"counts": {"a": 4, "b": 2, "c": 1}}


@pytest.mark.parametrize(("typed", "stored_form"), [
    ("b / a × 1", "b / a * 1"),
    ("b / a · 1", "b / a * 1"),
    ("(a − b) / a", "(a - b) / a"),
    ("(a – b) / a", "(a - b) / a"),
    ("b ÷ a", "b / a"),
    ("b / a * 1 + c / a * 0,5", "b / a * 1 + c / a * 0.5"),
    ("b / a\u00a0× 1,25", "b / a * 1.25"),
])
def test_the_notation_the_editor_promises_is_accepted(typed: str, stored_form: str) -> None:
    validate_params(formula(typed))
    assert normalize_expression(typed) == stored_form
    assert score_leaf(formula(typed), COUNTS) == score_leaf(formula(stored_form), COUNTS)


def test_the_qa_formula_with_a_decimal_comma_scores_as_the_one_with_a_point() -> None:
    assert score_leaf(formula("b / a * 1 + c / a * 0,5"), COUNTS) == Decimal("0.63")  # 2/4 + 1/4 × 0,5 = 0,625


@pytest.mark.parametrize("stored", [
    "(b / a) * 1.5 + (c / a) * 0.5",  # the small set's formula
    "b / a * 0.5",
    "-a + 2 * b - (c / 3)",
    "1e0 * b / a",
    ".5 * b / a",
])
def test_formulas_written_in_the_engines_notation_are_unchanged_and_score_as_before(stored: str) -> None:
    assert normalize_expression(stored) == stored
    assert normalize_expression(normalize_expression("b × 0,5")) == "b * 0.5"


def test_a_stored_formula_still_computes_the_same_scores() -> None:
    rule = formula("(b / a) * 1.5 + (c / a) * 0.5")
    assert score_leaf(rule, COUNTS) == Decimal("0.88")
    assert score_leaf(rule, {"counts": {"a": 3, "b": 3, "c": 0}}) == Decimal("1.5")
    assert score_leaf(rule, {"counts": {"a": 7, "b": 1, "c": 5}}) == Decimal("0.57")


@pytest.mark.parametrize(("expression", "code", "says"), [
    ("b / a * 1 + c / a, 5", "formula_syntax", "dấu phẩy không nằm giữa hai chữ số"),
    ("b, a", "formula_syntax", "dấu phẩy không nằm giữa hai chữ số"),
    ("a1,5 * b", "formula_syntax", "dấu phẩy không nằm giữa hai chữ số"),
    ("(a - b / a", "formula_syntax", "Thiếu dấu ngoặc đóng «)»: công thức mở 1 dấu ngoặc nhưng chỉ đóng 0"),
    ("a - b) / a", "formula_syntax", "Thừa dấu ngoặc đóng «)»"),
    ("b / a ×", "formula_syntax", "Phép «×» ở cuối công thức thiếu số hạng đứng sau nó"),
    ("b × / a", "formula_syntax", "Hai phép tính «×» và «/» đứng liền nhau"),
    ("× b", "formula_syntax", "Phép «×» thiếu số hạng đứng trước nó"),
    ("b a", "formula_syntax", "Thiếu phép tính giữa «b» và «a»"),
    ("2(a + b)", "formula_syntax", "Thiếu phép tính giữa «2» và «(»"),
    ("b / ()", "formula_syntax", "cặp ngoặc «()» trống"),
    ("b : a", "formula_syntax", "phép chia viết bằng dấu «/»"),
    ("b / a; c", "formula_syntax", "ký tự «;» không dùng được. Chỉ dùng các biến đã khai báo (a, b, c)"),
    ("1.000,5 * b", "formula_syntax", "Số «1.000,5» viết sai"),
    ("1.000.5 * b", "formula_syntax", "Số «1.000.5» viết sai"),
    ("b = a", "formula_syntax", "ký tự «=» không dùng được"),
    ("b / a % 2", "formula_disallowed", "phép chia lấy dư %"),
    ("b & a", "formula_disallowed", "Phần «b & a» của công thức không phải là phép tính với số"),
    ("round(b / a)", "formula_disallowed", "hàm"),
    ("(b, a)", "formula_syntax", "dấu phẩy"),
    ("a.real", "formula_disallowed", "dấu chấm sau tên"),
    ("b ** a", "formula_disallowed", "lũy thừa"),
    ("not a", "formula_disallowed", "từ not"),
    ("a * True", "formula_disallowed", "«True» không phải là một số hay một biến đã khai báo"),
    ("b / x", "formula_unknown_name", "Công thức dùng biến «x» chưa được khai báo."),
])
def test_each_refusal_says_what_is_wrong_in_the_administrators_terms(expression: str, code: str, says: str) -> None:
    err = refusal(expression)
    assert err.code == code
    assert says in err.message
    assert err.message_en and err.message_en != err.message


def test_the_english_refusals_are_worded_for_people_too() -> None:
    assert "A closing parenthesis ')' is missing" in refusal("(a - b / a").message_en
    assert "comma that is not between two digits" in refusal("b, a").message_en
    assert "Use only the declared variables (a, b, c)" in refusal("b / a; c").message_en
