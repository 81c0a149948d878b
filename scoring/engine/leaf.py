"""Scoring one leaf: the unit's inputs checked against the compiled plan, the score computed."""

from __future__ import annotations

import ast
import operator
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import (
    ROUND_DOWN,
    Decimal,
    localcontext,
)
from fractions import Fraction
from typing import Any

from simpleeval import InvalidExpression, SimpleEval

from scoring.engine.base import (
    HUNDRED,
    ZERO,
    Method,
    ScoringInputError,
    _canonical,
    _context,
    _vn,
    round_half_up,
    to_count,
    to_decimal,
)
from scoring.engine.formula import _formula_disallowed
from scoring.engine.params import LeafRule, _compile, _Plan

# Each input as the scoring form labels it (`scoring.forms.method_input_context`), in both languages.
_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"),
    "points": ("Điểm", "Points"),
    "option": ("Mức", "Level"),
    "value": ("Có / Không", "Yes / No"),
    "counts": ("Số liệu", "Counts"),
}


def _missing(field: str, labels: Mapping[str, str] | None = None) -> ScoringInputError:
    """The refusal of an input left empty, naming it as the form does: a count by its label in the leaf's
    params (a formula's variable), else by its key («Số liệu a»)."""
    key = field.removeprefix("counts.")
    if key != field:
        label = (labels or {}).get(key, key)
        vi, en = (label, label) if label != key else (f"Số liệu {key}", f"Count {key}")
    else:
        vi, en = _FIELD_LABELS.get(field, (field, field))
    return ScoringInputError("missing_value", f"Thiếu giá trị «{vi}».", f"The value '{en}' is missing.", field=field)


def _get(value: Mapping[str, Any], key: str) -> Any:
    if key not in value or value[key] is None:
        raise _missing(key)
    return value[key]


def _check_range(points: Decimal, plan: _Plan, *, field: str) -> None:
    if points > plan.max_points:
        raise ScoringInputError(
            "above_max",
            f"Điểm {_vn(points)} vượt quá điểm tối đa {_vn(plan.max_points)}.",
            f"Points {_canonical(points)} exceed the maximum {_canonical(plan.max_points)}.",
            field=field,
        )
    if points < plan.floor:
        raise ScoringInputError(
            "below_floor",
            f"Điểm {_vn(points)} thấp hơn điểm sàn {_vn(plan.floor)}.",
            f"Points {_canonical(points)} are below the floor {_canonical(plan.floor)}.",
            field=field,
        )


def _clamp(points: Decimal, plan: _Plan) -> Decimal:
    """Clamp, then round: the same as round-then-clamp because floor and max have two decimals."""
    return round_half_up(min(max(points, plan.floor), plan.max_points))


def _ratio(value: Mapping[str, Any], *, whole: bool = False) -> tuple[Decimal, Decimal]:
    """The ratio's two terms, checked; with `whole` (the leaf's `whole_numbers`: its terms are counts) a term with a
    fractional part is refused. A term equal to a whole number («3,0») is whole, as a count is (`to_count`)."""
    numerator = to_decimal(_get(value, "numerator"), field="numerator", refuse_groups=True, whole=whole)
    denominator = to_decimal(_get(value, "denominator"), field="denominator", refuse_groups=True, whole=whole)
    for name, label, number in (("numerator", "Tử số", numerator), ("denominator", "Mẫu số", denominator)):
        if number < 0:
            raise ScoringInputError(
                "negative_value",
                f"{label} không được âm.",
                f"The {name} must not be negative.",
                field=name,
            )
        if whole and number != number.to_integral_value():
            raise ScoringInputError(
                "not_whole_number",
                f"{label} phải là số nguyên (số văn bản, hồ sơ…), không có phần thập phân.",
                f"The {name} must be a whole number (a count of documents, dossiers…), without decimals.",
                field=name,
            )
    if denominator == 0:
        raise ScoringInputError(
            "zero_denominator",
            "Mẫu số phải lớn hơn 0.",
            "The denominator must be greater than 0.",
            field="denominator",
        )
    if numerator > denominator:
        # most often a result against a plan's target (training places, staff cuts, capital disbursed): done more
        # than planned is 100 %, which the sets' guidance says is written as the denominator
        raise ScoringInputError(
            "numerator_above_denominator",
            "Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, hãy "
            "ghi tử số bằng mẫu số.",
            "The numerator must not exceed the denominator. If the denominator is a target or plan and the result "
            "exceeded it, write the numerator equal to the denominator.",
            field="numerator",
        )
    return numerator, denominator


_YES_WORDS = frozenset({"true", "yes", "y", "có", "co", "1", "on", "đạt", "dat"})
_NO_WORDS = frozenset({"false", "no", "n", "không", "khong", "0", "off", "không đạt", "khong dat"})


def _to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return raw == 1
    if isinstance(raw, str):
        word = unicodedata.normalize("NFC", raw).strip().casefold()
        if word in _YES_WORDS:
            return True
        if word in _NO_WORDS:
            return False
    raise ScoringInputError(
        "not_a_boolean", "Giá trị phải là Có hoặc Không.", "The value must be yes or no.", field="value"
    )


def _counts(
    value: Mapping[str, Any], keys: Sequence[str], *, default_zero: bool, labels: Mapping[str, str] | None = None,
    shown: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """The counts, each checked; `labels` (a formula's) name a missing one, `shown` (each count as the form labels
    it) one that is not a whole number."""
    raw = _get(value, "counts")
    if not isinstance(raw, Mapping):
        raise ScoringInputError(
            "invalid_value",
            "Số liệu «counts» phải là một bảng các số lần.",
            "'counts' must be a mapping of counts.",
            field="counts",
        )
    unknown = sorted(str(k) for k in raw if k not in keys)
    if unknown:
        raise ScoringInputError(
            "unknown_key",
            f"Mục «{unknown[0]}» không có trong danh sách.",
            f"'{unknown[0]}' is not in the list.",
            field=f"counts.{unknown[0]}",
        )
    counts: dict[str, int] = {}
    for key in keys:
        field = f"counts.{key}"
        if key not in raw or raw[key] is None:
            if not default_zero:
                raise _missing(field, labels)
            counts[key] = 0
        else:
            counts[key] = to_count(raw[key], field=field, label=(shown or {}).get(key))
    return counts


def _div_half_up(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator rounded half-up to 0.01 exactly: the quotient is truncated (never rounded
    across a .005 boundary) before the single half-up rounding."""
    with localcontext(_context(ROUND_DOWN)):
        quotient = numerator / denominator
    return round_half_up(quotient)


def _divide(left: Fraction, right: Fraction) -> Fraction:
    if right == 0:
        raise ZeroDivisionError("division by zero")
    return left / right


_FORMULA_OPERATORS: dict[type[ast.AST], Callable[..., Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _divide,
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _fraction_constant(node: ast.Constant) -> Fraction:
    return Fraction(str(node.value))


def _check_limits(plan: _Plan, counts: Mapping[str, Any]) -> None:
    """Refuse counts that cannot be true together: a formula's limit "b + c <= a" broken."""
    labels = dict(plan.labels)
    for parts, bound in plan.limits:
        if sum(counts[name] for name in parts) <= counts[bound]:
            continue
        left = " + ".join(f"«{labels.get(name, name)}»" for name in parts)
        left_en = " + ".join(f"'{labels.get(name, name)}'" for name in parts)
        raise ScoringInputError(
            "limit_exceeded",
            f"{'Tổng ' if len(parts) > 1 else ''}{left} không được lớn hơn «{labels.get(bound, bound)}».",
            f"{'The sum ' if len(parts) > 1 else ''}{left_en} must not be greater than '{labels.get(bound, bound)}'.",
            field=f"counts.{parts[0]}",
        )


def _evaluate_formula(expression: str, names: Mapping[str, Decimal]) -> Decimal:
    """The expression's value, computed exactly (simpleeval over fractions, no functions), as a Decimal truncated
    toward zero at 28 digits: a quotient such as 1/12 + 7/24 = 0.375 is a tie the single half-up rounding must see
    as one, which Decimal steps (0.0833… + 0.2916…) would leave at 0.37499…, and truncation never crosses a .005
    boundary (`_div_half_up`)."""
    evaluator = SimpleEval(operators=dict(_FORMULA_OPERATORS), functions={},
                           names={name: Fraction(value) for name, value in names.items()})
    evaluator.nodes[ast.Constant] = _fraction_constant
    try:
        result = evaluator.eval(expression)
    except InvalidExpression as err:  # pragma: no cover - the AST was checked before
        raise _formula_disallowed("cấu trúc này", str(err)) from err
    if not isinstance(result, Fraction):  # pragma: no cover - every leaf of the AST is a fraction
        raise _formula_disallowed("giá trị không phải số", "non-numeric values")
    with localcontext(_context(ROUND_DOWN)):
        return Decimal(result.numerator) / Decimal(result.denominator)


def _score(plan: _Plan, value: Mapping[str, Any]) -> tuple[Decimal, dict[str, Any]]:
    """The leaf score (two decimals, in range) and the canonical value."""
    if not isinstance(value, Mapping):
        raise ScoringInputError(
            "invalid_value", "Dữ liệu chấm điểm không hợp lệ.", "The value must be a mapping.", field=None
        )
    match plan.method:
        case Method.MANUAL:
            # typed by a person: «1,000» is one to a Vietnamese writer and a thousand to an English one
            points = to_decimal(_get(value, "points"), field="points", refuse_groups=True)
            with localcontext(_context()):
                off_step = points % plan.step != 0
            if off_step:
                raise ScoringInputError(
                    "not_multiple_of_step",
                    f"Điểm {_vn(points)} phải là bội số của bước {_vn(plan.step)}.",
                    f"Points {_canonical(points)} must be a multiple of the step {_canonical(plan.step)}.",
                    field="points",
                )
            _check_range(points, plan, field="points")
            return round_half_up(points), {"points": _canonical(points)}
        case Method.SURVEY:
            points = to_decimal(_get(value, "points"), field="points")
            rounded = round_half_up(points)
            _check_range(rounded, plan, field="points")
            return rounded, {"points": _canonical(points)}
        case Method.LEVELS:
            raw = _get(value, "option")
            key = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
            for option in plan.options:
                if option.key == key:
                    return _clamp(option.points, plan), {"option": option.key}
            raise ScoringInputError(
                "unknown_option",
                f"Phương án «{raw}» không có trong danh sách.",
                f"Option '{raw}' is not in the list.",
                field="option",
            )
        case Method.YES_NO:
            answer = _to_bool(_get(value, "value"))
            return _clamp(plan.yes_points if answer else plan.no_points, plan), {"value": answer}
        case Method.RATIO_BANDS:
            numerator, denominator = _ratio(value, whole=plan.whole_numbers)
            canonical = {"numerator": _canonical(numerator), "denominator": _canonical(denominator)}
            with localcontext(_context()):
                percent_times_den = numerator * HUNDRED
                for band in plan.bands:
                    limit = band.min * denominator
                    if percent_times_den > limit or (band.inclusive and percent_times_den == limit):
                        return _clamp(band.points, plan), canonical
            return _clamp(plan.bands[-1].points, plan), canonical  # pragma: no cover - last band is 0 %
        case Method.PROPORTIONAL:
            numerator, denominator = _ratio(value, whole=plan.whole_numbers)
            canonical = {"numerator": _canonical(numerator), "denominator": _canonical(denominator)}
            with localcontext(_context()):
                reached = numerator * HUNDRED >= plan.threshold * denominator
                product = numerator * plan.max_points
            if not reached:
                return _clamp(plan.below_points, plan), canonical
            return _clamp(_div_half_up(product, denominator), plan), canonical
        case Method.FORMULA:
            labels = dict(plan.labels)
            # the form labels a formula's count with its variable: «b: Số tồn tại, hạn chế đã khắc phục»
            shown = {name: f"{name}: {label}" for name, label in labels.items()}
            counts = _counts(value, plan.variables, default_zero=False, labels=labels, shown=shown)
            _check_limits(plan, counts)
            names = {name: Decimal(count) for name, count in counts.items()}
            try:
                result = _evaluate_formula(plan.expression, names)
            except ZeroDivisionError:
                if plan.on_zero_division is None:
                    raise ScoringInputError(
                        "division_by_zero",
                        "Không tính được công thức vì có phép chia cho 0 với số liệu đã nhập.",
                        "The formula divides by zero with the entered counts.",
                        field="counts",
                    ) from None
                result = plan.on_zero_division
            except ArithmeticError as err:
                raise ScoringInputError(
                    "formula_error",
                    "Không tính được công thức với số liệu đã nhập.",
                    f"The formula cannot be computed with the entered counts ({err.__class__.__name__}).",
                    field="counts",
                ) from err
            return _clamp(result, plan), {"counts": counts}
        case Method.PER_OCCURRENCE:
            counts = _counts(value, [item.key for item in plan.options], default_zero=True, shown=dict(plan.labels))
            with localcontext(_context()):
                total = plan.base + sum((item.points * counts[item.key] for item in plan.options), ZERO)
            return _clamp(total, plan), {"counts": counts}
    raise AssertionError(plan.method)  # pragma: no cover


def score_leaf(rule: LeafRule, value: Mapping[str, Any]) -> Decimal:
    """The leaf's score: two decimals, inside [floor, max_points].

    Computed methods are clamped to the range; manual and survey points outside it are refused.
    Raises `ParamsError` for an invalid rule and `ScoringInputError` for an invalid value.
    """
    return _score(_compile(rule), value)[0]


def score_and_normalize(rule: LeafRule, value: Mapping[str, Any]) -> tuple[Decimal, dict[str, Any]]:
    """`score_leaf` and `normalize_value` of the same value, the rule read and the value checked once."""
    return _score(_compile(rule), value)


def normalize_value(rule: LeafRule, value: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical JSON-safe form of a valid value (decimals as plain strings, counts as ints, the
    option key as str, yes_no as bool); raises exactly as `score_leaf` does."""
    return _score(_compile(rule), value)[1]
