"""The pure scoring engine of the CCHC index (see docs/scoring-methods.md, the specification).

Plain dataclasses and `Decimal` in, results out: no Django, no ORM, no I/O. Every number is a `Decimal`
(floats are converted through their decimal text, never used in arithmetic). Leaf scores have two
decimals; aggregates are exact sums; the index is rounded half-up to two decimals once, at the end.

Errors carry a stable `code`, a Vietnamese `message` (shown to users), an English `message_en` (logs)
and the `field` concerned, if any.
"""

from __future__ import annotations

import ast
import itertools
import keyword
import math
import operator
import re
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from functools import lru_cache
from typing import Any

from simpleeval import InvalidExpression, SimpleEval

__all__ = [
    "TWO_PLACES",
    "Band",
    "EngineError",
    "IndexComputation",
    "IndexMode",
    "Kind",
    "LeafRule",
    "LeafScore",
    "Method",
    "Node",
    "ParamsError",
    "RankEntry",
    "Ranked",
    "ScoringInputError",
    "SetRules",
    "classify",
    "compute_index",
    "input_fields",
    "normalize_value",
    "rank",
    "round_half_up",
    "score_leaf",
    "to_count",
    "to_decimal",
    "validate_params",
    "validate_tree",
]

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
DEFAULT_STEP = Decimal("0.25")
MAX_EXPRESSION_LENGTH = 500
MAX_EXPRESSION_DEPTH = 60
# Numbers whose integer part has more than this many digits are refused: no real count or score comes
# near, and the bound keeps every computation far from the decimal context's limits.
MAX_INTEGER_DIGITS = 15


def _context(rounding: str = ROUND_HALF_EVEN) -> Context:
    """The engine's own decimal context: results never depend on the caller's global context."""
    return Context(
        prec=28,
        rounding=rounding,
        Emax=999_999,
        Emin=-999_999,
        capitals=1,
        clamp=0,
        flags=[],
        traps=[InvalidOperation, DivisionByZero, Overflow],
    )


def round_half_up(value: Decimal) -> Decimal:
    """`value` rounded half-up (away from zero on ties) to two decimals; never returns -0.00."""
    with localcontext(_context()):
        result = value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return result if result != 0 else Decimal("0.00")


# --- errors ----------------------------------------------------------------------------------------


class EngineError(ValueError):
    """A refusal with a stable code; `str(err)` is the Vietnamese message."""

    def __init__(self, code: str, message: str, message_en: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_en = message_en or message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message, self.message_en), {"field": self.field})

    def as_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "field": self.field,
        }


class ScoringInputError(EngineError):
    """A unit's input is outside the method's domain."""


class ParamsError(EngineError):
    """A leaf's or a set's configuration is invalid."""


# --- vocabulary ------------------------------------------------------------------------------------


class Method(StrEnum):
    MANUAL = "manual"
    LEVELS = "levels"
    YES_NO = "yes_no"
    RATIO_BANDS = "ratio_bands"
    PROPORTIONAL = "proportional"
    FORMULA = "formula"
    PER_OCCURRENCE = "per_occurrence"
    SURVEY = "survey"


class Kind(StrEnum):
    NORMAL = "normal"
    BONUS = "bonus"
    PENALTY = "penalty"


class IndexMode(StrEnum):
    POINTS = "points"
    PERCENT = "percent"


_KIND_LABELS: dict[str, str] = {"normal": "thường", "bonus": "điểm cộng", "penalty": "điểm trừ"}


# --- numbers -----------------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NON_FINITE_WORDS = frozenset({"nan", "snan", "inf", "infinity"})


def _canonical(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: Decimal("0.50") -> "0.5", 1E+2 -> "100"."""
    if value.is_zero():
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _vn(value: Decimal) -> str:
    """A number as Vietnamese users write it (decimal comma): Decimal("1.50") -> "1,5"."""
    return _canonical(value).replace(".", ",")


def _not_a_number(field: str) -> ScoringInputError:
    return ScoringInputError(
        "not_a_number", "Giá trị phải là một số.", "The value must be a number.", field=field
    )


def to_decimal(raw: object, *, field: str) -> Decimal:
    """A finite `Decimal` from an int, a Decimal, a finite float (via its text) or a string.

    Strings may use a decimal comma ("0,5") and surrounding spaces. Refuses bool, None, empty or other
    text (`not_a_number`), NaN and infinities (`not_finite`) and absurdly large numbers (`too_large`).
    """
    value: Decimal
    if isinstance(raw, bool) or raw is None:
        raise _not_a_number(field)
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        if abs(raw) >= 10**MAX_INTEGER_DIGITS:
            raise _too_large(field)
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise _not_finite(field)
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace("\u2212", "-")
        if text.lstrip("+-").casefold() in _NON_FINITE_WORDS:
            raise _not_finite(field)
        if text.count(",") + text.count(".") > 1:
            raise _not_a_number(field)
        text = text.replace(",", ".")
        if not _NUMBER_RE.fullmatch(text):
            raise _not_a_number(field)
        value = Decimal(text)
    else:
        raise _not_a_number(field)
    if not value.is_finite():
        raise _not_finite(field)
    if value.is_zero():
        return Decimal(0)
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise _too_large(field)
    return value


def _not_finite(field: str) -> ScoringInputError:
    return ScoringInputError(
        "not_finite", "Giá trị phải là một số hữu hạn.", "The value must be a finite number.", field=field
    )


def _too_large(field: str) -> ScoringInputError:
    return ScoringInputError("too_large", "Giá trị quá lớn.", "The value is too large.", field=field)


def to_count(raw: object, *, field: str) -> int:
    """A non-negative integer from an int or an integral string/Decimal ("3", "3.0", Decimal(3))."""
    if isinstance(raw, bool):
        raise _not_a_number(field)
    if isinstance(raw, int):
        if raw >= 10**MAX_INTEGER_DIGITS:
            raise _too_large(field)
        count = raw
    else:
        value = to_decimal(raw, field=field)
        if value != value.to_integral_value():
            raise ScoringInputError(
                "not_an_integer",
                "Số lần phải là số nguyên không âm.",
                "A count must be a non-negative whole number.",
                field=field,
            )
        count = int(value)
    if count < 0:
        raise ScoringInputError(
            "negative_count",
            "Số lần phải là số nguyên không âm.",
            "A count must be a non-negative whole number.",
            field=field,
        )
    return count


# --- leaf rules and their parameters -----------------------------------------------------------------


@dataclass(frozen=True)
class LeafRule:
    method: str
    params: Mapping[str, Any]
    max_points: Decimal
    floor: Decimal = Decimal("0")
    kind: str = "normal"


@dataclass(frozen=True)
class _Option:
    key: str
    points: Decimal


@dataclass(frozen=True)
class _BandRule:
    min: Decimal
    inclusive: bool
    points: Decimal


@dataclass(frozen=True)
class _Plan:
    """A leaf rule checked and parsed once: everything `score_leaf` needs, as Decimals."""

    method: Method
    max_points: Decimal
    floor: Decimal
    step: Decimal = DEFAULT_STEP
    options: tuple[_Option, ...] = ()  # levels options; per_occurrence items
    yes_points: Decimal = ZERO
    no_points: Decimal = ZERO
    bands: tuple[_BandRule, ...] = ()
    threshold: Decimal = ZERO
    below_points: Decimal = ZERO
    variables: tuple[str, ...] = ()
    expression: str = ""
    on_zero_division: Decimal | None = None
    base: Decimal = ZERO


_ALLOWED_PARAMS: dict[Method, frozenset[str]] = {
    Method.MANUAL: frozenset({"step"}),
    Method.LEVELS: frozenset({"options"}),
    Method.YES_NO: frozenset({"yes_points", "no_points"}),
    Method.RATIO_BANDS: frozenset({"bands"}),
    Method.PROPORTIONAL: frozenset({"threshold", "below_points"}),
    Method.FORMULA: frozenset({"variables", "expression", "on_zero_division"}),
    Method.PER_OCCURRENCE: frozenset({"items", "base"}),
    Method.SURVEY: frozenset(),
}


def _params_error(code: str, message: str, message_en: str, field: str | None = None) -> ParamsError:
    return ParamsError(code, message, message_en, field=field)


def _param_decimal(raw: object, *, field: str, points: bool = True) -> Decimal:
    """A number in a configuration; points have at most two decimals."""
    try:
        value = to_decimal(raw, field=field)
    except ScoringInputError as err:
        raise _params_error(
            "param_not_a_number",
            f"Tham số «{field}» phải là một số.",
            f"Parameter '{field}' must be a number.",
            field,
        ) from err
    if points and value != value.quantize(TWO_PLACES, context=_context()):
        raise _params_error(
            "too_many_decimals",
            f"Tham số «{field}» chỉ được có tối đa hai chữ số thập phân.",
            f"Parameter '{field}' may have at most two decimals.",
            field,
        )
    return value


def _check_in_range(value: Decimal, floor: Decimal, maximum: Decimal, *, field: str) -> None:
    if not floor <= value <= maximum:
        raise _params_error(
            "points_out_of_range",
            f"Tham số «{field}» = {_vn(value)} nằm ngoài khoảng điểm từ {_vn(floor)} đến {_vn(maximum)}.",
            f"Parameter '{field}' = {_canonical(value)} is outside the range {_canonical(floor)}"
            f"..{_canonical(maximum)}.",
            field,
        )


def _list_param(params: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    raw = params.get(name)
    if not isinstance(raw, (list, tuple)):
        raise _params_error(
            f"no_{name}",
            f"Tham số «{name}» phải là một danh sách.",
            f"Parameter '{name}' must be a list.",
            name,
        )
    for position, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            raise _params_error(
                f"invalid_{name}",
                f"Mục thứ {position} của «{name}» không hợp lệ.",
                f"Entry {position} of '{name}' is not an object.",
                f"{name}[{position - 1}]",
            )
    return list(raw)


def _check_entry_keys(entry: Mapping[str, Any], allowed: frozenset[str], *, field: str) -> None:
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise _params_error(
            "unknown_param",
            f"Khóa «{unknown[0]}» không được hỗ trợ trong «{field}».",
            f"Key '{unknown[0]}' is not supported in '{field}'.",
            field,
        )


def _keyed_entries(
    params: Mapping[str, Any], name: str, floor: Decimal | None, maximum: Decimal | None
) -> tuple[_Option, ...]:
    """`options` of levels or `items` of per_occurrence: unique non-empty keys with points."""
    entries = _list_param(params, name)
    if not entries:
        if name == "options":
            raise _params_error(
                "no_options", "Phải có ít nhất một phương án.", "At least one option is required.", name
            )
        raise _params_error("no_items", "Phải có ít nhất một mục.", "At least one item is required.", name)
    result: list[_Option] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries):
        field = f"{name}[{position}]"
        _check_entry_keys(entry, frozenset({"key", "label", "points"}), field=field)
        key = entry.get("key")
        if isinstance(key, bool) or not isinstance(key, (str, int)) or not str(key).strip():
            raise _params_error(
                "missing_key",
                f"Mục thứ {position + 1} của «{name}» thiếu mã (key).",
                f"Entry {position + 1} of '{name}' has no key.",
                f"{field}.key",
            )
        key = str(key).strip()
        if key in seen:
            raise _params_error(
                "duplicate_key",
                f"Mã «{key}» bị trùng trong «{name}».",
                f"Key '{key}' is duplicated in '{name}'.",
                f"{field}.key",
            )
        seen.add(key)
        if "points" not in entry:
            raise _params_error(
                "param_not_a_number",
                f"Mục «{key}» thiếu điểm (points).",
                f"Entry '{key}' has no points.",
                f"{field}.points",
            )
        points = _param_decimal(entry["points"], field=f"{field}.points")
        if maximum is not None and points > maximum:
            raise _params_error(
                "option_above_max",
                f"Phương án «{key}» có điểm {_vn(points)} vượt quá điểm tối đa {_vn(maximum)}.",
                f"Option '{key}' is worth {_canonical(points)}, above the maximum {_canonical(maximum)}.",
                f"{field}.points",
            )
        if floor is not None and points < floor:
            raise _params_error(
                "option_below_floor",
                f"Phương án «{key}» có điểm {_vn(points)} thấp hơn điểm sàn {_vn(floor)}.",
                f"Option '{key}' is worth {_canonical(points)}, below the floor {_canonical(floor)}.",
                f"{field}.points",
            )
        result.append(_Option(key, points))
    return tuple(result)


def _percent_param(raw: object, *, field: str) -> Decimal:
    value = _param_decimal(raw, field=field, points=False)
    if not ZERO <= value <= HUNDRED:
        raise _params_error(
            "threshold_out_of_range",
            f"Ngưỡng «{field}» = {_vn(value)} phải nằm trong khoảng 0 đến 100 (%).",
            f"Threshold '{field}' = {_canonical(value)} must be between 0 and 100 (%).",
            field,
        )
    return value


def _bands(params: Mapping[str, Any], floor: Decimal, maximum: Decimal) -> tuple[_BandRule, ...]:
    entries = _list_param(params, "bands")
    if not entries:
        raise _params_error(
            "no_bands", "Phải có ít nhất một mức tỷ lệ.", "At least one band is required.", "bands"
        )
    result: list[_BandRule] = []
    for position, entry in enumerate(entries):
        field = f"bands[{position}]"
        _check_entry_keys(entry, frozenset({"min", "inclusive", "points", "label"}), field=field)
        if "min" not in entry or "points" not in entry:
            raise _params_error(
                "param_not_a_number",
                f"Mức thứ {position + 1} phải có ngưỡng (min) và điểm (points).",
                f"Band {position + 1} needs 'min' and 'points'.",
                field,
            )
        minimum = _percent_param(entry["min"], field=f"{field}.min")
        inclusive = entry.get("inclusive", False)
        if not isinstance(inclusive, bool):
            raise _params_error(
                "invalid_inclusive",
                f"«{field}.inclusive» phải là true hoặc false.",
                f"'{field}.inclusive' must be true or false.",
                f"{field}.inclusive",
            )
        points = _param_decimal(entry["points"], field=f"{field}.points")
        _check_in_range(points, floor, maximum, field=f"{field}.points")
        if result:
            previous = result[-1].min
            if minimum == previous:
                raise _params_error(
                    "duplicate_band_threshold",
                    f"Ngưỡng {_vn(minimum)} % xuất hiện hai lần trong các mức tỷ lệ.",
                    f"Threshold {_canonical(minimum)} % appears twice in the bands.",
                    f"{field}.min",
                )
            if minimum > previous:
                raise _params_error(
                    "bands_not_descending",
                    "Các mức tỷ lệ phải xếp từ ngưỡng cao xuống ngưỡng thấp, không chồng lấn nhau "
                    f"(ngưỡng {_vn(minimum)} % đứng sau ngưỡng {_vn(previous)} %).",
                    "Bands must be listed from the highest threshold down without overlapping "
                    f"({_canonical(minimum)} % follows {_canonical(previous)} %).",
                    f"{field}.min",
                )
        result.append(_BandRule(minimum, inclusive, points))
    last = result[-1]
    if last.min != 0 or not last.inclusive:
        raise _params_error(
            "last_band_not_zero",
            "Mức tỷ lệ cuối cùng phải có ngưỡng 0 % và bao gồm ngưỡng (inclusive), để mọi tỷ lệ đều có điểm.",
            "The last band must have min 0 % and be inclusive, so that every ratio gets points.",
            f"bands[{len(result) - 1}]",
        )
    return tuple(result)


def _variables(params: Mapping[str, Any]) -> tuple[str, ...]:
    entries = _list_param(params, "variables")
    names: list[str] = []
    for position, entry in enumerate(entries):
        field = f"variables[{position}]"
        _check_entry_keys(entry, frozenset({"name", "label"}), field=field)
        name = entry.get("name")
        if (
            not isinstance(name, str)
            or not name.isascii()
            or not name.isidentifier()
            or keyword.iskeyword(name)
            or name.startswith("_")
        ):
            raise _params_error(
                "invalid_variable_name",
                f"Tên biến «{name}» không hợp lệ: chỉ dùng chữ cái không dấu, chữ số và dấu gạch dưới, "
                "bắt đầu bằng chữ cái.",
                f"Variable name '{name}' is invalid: use ASCII letters, digits and underscores, "
                "starting with a letter.",
                f"{field}.name",
            )
        if name in names:
            raise _params_error(
                "duplicate_variable",
                f"Biến «{name}» được khai báo hai lần.",
                f"Variable '{name}' is declared twice.",
                f"{field}.name",
            )
        names.append(name)
    return tuple(names)


_ALLOWED_FORMULA_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Constant,
    ast.Name,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.UAdd,
    ast.USub,
    ast.Load,
)

_FORBIDDEN_DESCRIPTIONS: dict[type[ast.AST], tuple[str, str]] = {
    ast.Call: ("gọi hàm", "function calls"),
    ast.Attribute: ("thuộc tính (dấu chấm sau tên)", "attributes"),
    ast.Subscript: ("chỉ số [ ]", "subscripts"),
    ast.Compare: ("phép so sánh", "comparisons"),
    ast.BoolOp: ("phép and/or", "boolean operators"),
    ast.IfExp: ("biểu thức điều kiện", "conditional expressions"),
    ast.Pow: ("lũy thừa **", "the power operator **"),
    ast.FloorDiv: ("phép chia lấy phần nguyên //", "floor division //"),
    ast.Mod: ("phép chia lấy dư %", "the modulo operator %"),
    ast.Lambda: ("hàm lambda", "lambdas"),
}


def _formula_disallowed(what_vi: str, what_en: str) -> ParamsError:
    return _params_error(
        "formula_disallowed",
        f"Công thức không được dùng {what_vi}; chỉ được dùng các biến đã khai báo, số, "
        "các phép + - * / và dấu ngoặc.",
        f"The formula may not use {what_en}; only declared variables, numbers, + - * / and parentheses.",
        "expression",
    )


@lru_cache(maxsize=1024)
def _check_expression(expression: str, names: frozenset[str]) -> None:
    """Refuse anything but numbers, declared names, + - * / and parentheses (cached on success)."""
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        raise _params_error(
            "formula_syntax",
            "Công thức viết sai cú pháp.",
            f"The formula has a syntax error: {err.__class__.__name__}.",
            "expression",
        ) from err
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            raise _params_error(
                "formula_too_complex",
                "Công thức quá phức tạp.",
                "The formula is nested too deeply.",
                "expression",
            )
        if not isinstance(node, _ALLOWED_FORMULA_NODES):
            name = type(node).__name__
            vi, en = _FORBIDDEN_DESCRIPTIONS.get(type(node), (f"cấu trúc «{name}»", name))
            raise _formula_disallowed(vi, en)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _formula_disallowed(f"hằng «{value!r}»", f"the constant {value!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise _formula_disallowed("số vô hạn", "infinite numbers")
        if isinstance(node, ast.Name) and node.id not in names:
            raise _params_error(
                "formula_unknown_name",
                f"Công thức dùng biến «{node.id}» chưa được khai báo.",
                f"The formula uses the undeclared variable '{node.id}'.",
                "expression",
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _compile(rule: LeafRule) -> _Plan:
    try:
        method = Method(rule.method)
    except ValueError:
        raise _params_error(
            "unknown_method",
            f"Phương pháp chấm điểm «{rule.method}» không được hỗ trợ.",
            f"Unknown scoring method '{rule.method}'.",
            "method",
        ) from None
    if rule.kind not in set(Kind):
        raise _params_error(
            "unknown_kind",
            f"Loại tiêu chí «{rule.kind}» không hợp lệ.",
            f"Unknown node kind '{rule.kind}'.",
            "kind",
        )
    maximum = _param_decimal(rule.max_points, field="max_points")
    floor = _param_decimal(rule.floor, field="floor")
    if maximum < 0:
        raise _params_error(
            "negative_max",
            "Điểm tối đa không được âm.",
            "The maximum points must not be negative.",
            "max_points",
        )
    if floor > maximum:
        raise _params_error(
            "floor_above_max",
            f"Điểm sàn {_vn(floor)} lớn hơn điểm tối đa {_vn(maximum)}.",
            f"The floor {_canonical(floor)} is above the maximum {_canonical(maximum)}.",
            "floor",
        )
    if rule.kind != Kind.NORMAL and floor < 0:
        raise _params_error(
            "negative_floor_not_allowed",
            "Tiêu chí điểm cộng hoặc điểm trừ không được có điểm sàn âm.",
            "A bonus or penalty leaf may not have a negative floor.",
            "floor",
        )
    params = rule.params
    if not isinstance(params, Mapping):
        raise _params_error(
            "params_not_mapping", "Tham số phải là một đối tượng.", "Params must be an object.", "params"
        )
    unknown = sorted(str(k) for k in params if k not in _ALLOWED_PARAMS[method])
    if unknown:
        raise _params_error(
            "unknown_param",
            f"Tham số «{unknown[0]}» không dùng được với phương pháp «{method.value}».",
            f"Parameter '{unknown[0]}' is not supported by method '{method.value}'.",
            unknown[0],
        )

    if method is Method.MANUAL:
        step = _param_decimal(params.get("step", DEFAULT_STEP), field="step")
        if step <= 0:
            raise _params_error(
                "invalid_step", "Bước điểm phải lớn hơn 0.", "The step must be above 0.", "step"
            )
        return _Plan(method, maximum, floor, step=step)
    if method is Method.LEVELS:
        return _Plan(method, maximum, floor, options=_keyed_entries(params, "options", floor, maximum))
    if method is Method.YES_NO:
        yes = _param_decimal(params.get("yes_points", maximum), field="yes_points")
        no = _param_decimal(params.get("no_points", ZERO), field="no_points")
        _check_in_range(yes, floor, maximum, field="yes_points")
        _check_in_range(no, floor, maximum, field="no_points")
        return _Plan(method, maximum, floor, yes_points=yes, no_points=no)
    if method is Method.RATIO_BANDS:
        return _Plan(method, maximum, floor, bands=_bands(params, floor, maximum))
    if method is Method.PROPORTIONAL:
        threshold = _percent_param(params.get("threshold", ZERO), field="threshold")
        below = _param_decimal(params.get("below_points", ZERO), field="below_points")
        _check_in_range(below, floor, maximum, field="below_points")
        return _Plan(method, maximum, floor, threshold=threshold, below_points=below)
    if method is Method.FORMULA:
        names = _variables(params)
        expression = params.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise _params_error(
                "formula_empty", "Chưa nhập công thức.", "The formula expression is missing.", "expression"
            )
        expression = expression.strip()
        if len(expression) > MAX_EXPRESSION_LENGTH:
            raise _params_error(
                "formula_too_long",
                f"Công thức dài quá {MAX_EXPRESSION_LENGTH} ký tự.",
                f"The formula is longer than {MAX_EXPRESSION_LENGTH} characters.",
                "expression",
            )
        _check_expression(expression, frozenset(names))
        on_zero: Decimal | None = None
        if params.get("on_zero_division") is not None:
            on_zero = _param_decimal(params["on_zero_division"], field="on_zero_division")
            _check_in_range(on_zero, floor, maximum, field="on_zero_division")
        return _Plan(method, maximum, floor, variables=names, expression=expression, on_zero_division=on_zero)
    if method is Method.PER_OCCURRENCE:
        items = _keyed_entries(params, "items", None, None)
        base = _param_decimal(params.get("base", ZERO), field="base")
        _check_in_range(base, floor, maximum, field="base")
        return _Plan(method, maximum, floor, options=items, base=base)
    return _Plan(method, maximum, floor)  # survey


def validate_params(rule: LeafRule) -> None:
    """Raise `ParamsError` when the leaf's method, params, maximum, floor or kind are invalid."""
    _compile(rule)


def input_fields(rule: LeafRule) -> list[str]:
    """The value keys the method expects, for forms ("counts.a" is key "a" of the mapping "counts")."""
    plan = _compile(rule)
    match plan.method:
        case Method.MANUAL | Method.SURVEY:
            return ["points"]
        case Method.LEVELS:
            return ["option"]
        case Method.YES_NO:
            return ["value"]
        case Method.RATIO_BANDS | Method.PROPORTIONAL:
            return ["numerator", "denominator"]
        case Method.FORMULA:
            return [f"counts.{name}" for name in plan.variables]
        case Method.PER_OCCURRENCE:
            return [f"counts.{item.key}" for item in plan.options]
    raise AssertionError(plan.method)  # pragma: no cover


# --- scoring a leaf ----------------------------------------------------------------------------------


def _missing(field: str) -> ScoringInputError:
    return ScoringInputError(
        "missing_value", f"Thiếu giá trị «{field}».", f"The value '{field}' is missing.", field=field
    )


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


def _ratio(value: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    numerator = to_decimal(_get(value, "numerator"), field="numerator")
    denominator = to_decimal(_get(value, "denominator"), field="denominator")
    for name, number in (("numerator", numerator), ("denominator", denominator)):
        if number < 0:
            raise ScoringInputError(
                "negative_value",
                "Giá trị không được âm.",
                f"The {name} must not be negative.",
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
        raise ScoringInputError(
            "numerator_above_denominator",
            "Tử số không được lớn hơn mẫu số.",
            "The numerator must not exceed the denominator.",
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


def _counts(value: Mapping[str, Any], keys: Sequence[str], *, default_zero: bool) -> dict[str, int]:
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
                raise _missing(field)
            counts[key] = 0
        else:
            counts[key] = to_count(raw[key], field=field)
    return counts


def _div_half_up(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator rounded half-up to 0.01 exactly: the quotient is truncated (never rounded
    across a .005 boundary) before the single half-up rounding."""
    with localcontext(_context(ROUND_DOWN)):
        quotient = numerator / denominator
    return round_half_up(quotient)


def _divide(left: Decimal, right: Decimal) -> Decimal:
    if right == 0:  # 0/0 included: decimal reports it as InvalidOperation, not as a division by zero
        raise ZeroDivisionError("division by zero")
    return left / right


_FORMULA_OPERATORS: dict[type[ast.AST], Callable[..., Decimal]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _divide,
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _decimal_constant(node: ast.Constant) -> Decimal:
    return Decimal(str(node.value))


def _evaluate_formula(expression: str, names: Mapping[str, Decimal]) -> Decimal:
    """The expression's exact-as-possible Decimal value (simpleeval, numbers as Decimal, no functions)."""
    evaluator = SimpleEval(operators=dict(_FORMULA_OPERATORS), functions={}, names=dict(names))
    evaluator.nodes[ast.Constant] = _decimal_constant
    try:
        with localcontext(_context()):
            result = evaluator.eval(expression)
    except InvalidExpression as err:  # pragma: no cover - the AST was checked before
        raise _formula_disallowed("cấu trúc này", str(err)) from err
    if not isinstance(result, Decimal):  # pragma: no cover - every leaf of the AST is a Decimal
        raise _formula_disallowed("giá trị không phải số", "non-numeric values")
    return result


def _score(plan: _Plan, value: Mapping[str, Any]) -> tuple[Decimal, dict[str, Any]]:
    """The leaf score (two decimals, in range) and the canonical value."""
    if not isinstance(value, Mapping):
        raise ScoringInputError(
            "invalid_value", "Dữ liệu chấm điểm không hợp lệ.", "The value must be a mapping.", field=None
        )
    match plan.method:
        case Method.MANUAL:
            points = to_decimal(_get(value, "points"), field="points")
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
            numerator, denominator = _ratio(value)
            canonical = {"numerator": _canonical(numerator), "denominator": _canonical(denominator)}
            with localcontext(_context()):
                percent_times_den = numerator * HUNDRED
                for band in plan.bands:
                    limit = band.min * denominator
                    if percent_times_den > limit or (band.inclusive and percent_times_den == limit):
                        return _clamp(band.points, plan), canonical
            return _clamp(plan.bands[-1].points, plan), canonical  # pragma: no cover - last band is 0 %
        case Method.PROPORTIONAL:
            numerator, denominator = _ratio(value)
            canonical = {"numerator": _canonical(numerator), "denominator": _canonical(denominator)}
            with localcontext(_context()):
                reached = numerator * HUNDRED >= plan.threshold * denominator
                product = numerator * plan.max_points
            if not reached:
                return _clamp(plan.below_points, plan), canonical
            return _clamp(_div_half_up(product, denominator), plan), canonical
        case Method.FORMULA:
            counts = _counts(value, plan.variables, default_zero=False)
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
            counts = _counts(value, [item.key for item in plan.options], default_zero=True)
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


def normalize_value(rule: LeafRule, value: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical JSON-safe form of a valid value (decimals as plain strings, counts as ints, the
    option key as str, yes_no as bool); raises exactly as `score_leaf` does."""
    return _score(_compile(rule), value)[1]


# --- the tree and the index --------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    code: str
    parent_code: str | None
    kind: str
    max_points: Decimal
    name: str = ""


@dataclass(frozen=True)
class Band:
    min: Decimal
    label: str


@dataclass(frozen=True)
class SetRules:
    nodes: tuple[Node, ...]
    standard_max: Decimal = Decimal("100")
    index_mode: str = "points"
    bonus_cap: Decimal | None = None
    penalty_cap: Decimal | None = None
    classification_bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class LeafScore:
    score: Decimal | None
    not_applicable: bool = False


@dataclass(frozen=True)
class IndexComputation:
    area_totals: dict[str, Decimal]
    area_max: dict[str, Decimal]
    normal_total: Decimal
    bonus: Decimal
    penalty: Decimal
    applicable_max: Decimal
    total: Decimal
    index: Decimal
    classification: str | None
    missing: tuple[str, ...]


@dataclass(frozen=True)
class _Structure:
    """The tree's shape as far as it could be read (complete when there is no structural problem)."""

    nodes: dict[str, Node]
    children: dict[str, list[str]]
    roots: list[str]


def _structural_problems(rules: SetRules) -> tuple[list[str], _Structure]:
    """Problems that make the tree impossible to compute on, and the shape as far as it is known."""
    problems: list[str] = []
    nodes: dict[str, Node] = {}
    duplicates: list[str] = []
    for node in rules.nodes:
        if not node.code:
            problems.append("Có tiêu chí thiếu mã.")
            continue
        if node.code in nodes:
            if node.code not in duplicates:
                duplicates.append(node.code)
            continue
        nodes[node.code] = node
    problems.extend(f"Mã tiêu chí «{code}» bị trùng." for code in duplicates)
    children: dict[str, list[str]] = {code: [] for code in nodes}
    roots: list[str] = []
    for node in nodes.values():
        if node.kind not in set(Kind):
            problems.append(f"Tiêu chí «{node.code}» có loại «{node.kind}» không hợp lệ.")
        if not isinstance(node.max_points, Decimal) or not node.max_points.is_finite():
            problems.append(f"Điểm tối đa của «{node.code}» không phải là một số.")
        elif node.max_points < 0:
            problems.append(f"Điểm tối đa của «{node.code}» không được âm.")
        if node.parent_code is None:
            roots.append(node.code)
        elif node.parent_code not in nodes:
            problems.append(f"Tiêu chí «{node.code}» có mã cha «{node.parent_code}» không tồn tại.")
        else:
            children[node.parent_code].append(node.code)
    # Cycles: nodes with a known parent that no root reaches.
    reached: set[str] = set()
    stack = list(roots)
    while stack:
        code = stack.pop()
        reached.add(code)
        stack.extend(children[code])
    reported: set[str] = set()
    for code in nodes:
        if code in reached or code in reported or nodes[code].parent_code not in nodes:
            continue
        path: list[str] = []
        current: str | None = code
        while current is not None and current in nodes and current not in path and current not in reported:
            path.append(current)
            current = nodes[current].parent_code
        if current is not None and current in path:
            cycle = path[path.index(current) :]
            reported.update(cycle)
            problems.append(
                "Các tiêu chí " + ", ".join(f"«{c}»" for c in cycle) + " tạo thành vòng lặp cha – con."
            )
    # A bonus or penalty node's descendants share its kind.
    for code, node in nodes.items():
        if node.kind not in (Kind.BONUS, Kind.PENALTY):
            continue
        for child in children[code]:
            child_kind = nodes[child].kind
            if child_kind != node.kind:
                problems.append(
                    f"Tiêu chí «{child}» (loại {_KIND_LABELS.get(child_kind, child_kind)}) nằm trong "
                    f"«{code}» ({_KIND_LABELS[node.kind]}): phải cùng loại {_KIND_LABELS[node.kind]}."
                )
    return problems, _Structure(nodes, children, roots)


def validate_tree(rules: SetRules) -> list[str]:
    """Every problem of the set's tree and set-level rules, in Vietnamese; empty when the set is fine."""
    with localcontext(_context()):
        return _tree_problems(rules)


def _tree_problems(rules: SetRules) -> list[str]:
    problems, shape = _structural_problems(rules)
    nodes, children = shape.nodes, shape.children
    if rules.index_mode not in set(IndexMode):
        problems.append(f"Cách tính chỉ số «{rules.index_mode}» không hợp lệ (points hoặc percent).")
    numeric = {
        code
        for code, node in nodes.items()
        if isinstance(node.max_points, Decimal) and node.max_points.is_finite()
    }
    for code, node in nodes.items():
        kids = [c for c in children[code] if nodes[c].kind == Kind.NORMAL]
        if node.kind != Kind.NORMAL or not children[code] or code not in numeric:
            continue
        if any(c not in numeric for c in kids):
            continue
        total = sum((nodes[c].max_points for c in kids), ZERO)
        if total != node.max_points:
            problems.append(
                f"Điểm tối đa của «{code}» là {_vn(node.max_points)} nhưng tổng điểm tối đa các tiêu chí con "
                f"(không kể điểm cộng, điểm trừ) là {_vn(total)}."
            )
    areas = [c for c in shape.roots if nodes[c].kind == Kind.NORMAL]
    if all(c in numeric for c in areas):
        area_sum = sum((nodes[c].max_points for c in areas), ZERO)
        if area_sum != rules.standard_max:
            problems.append(
                f"Tổng điểm tối đa các lĩnh vực là {_vn(area_sum)}, "
                f"khác điểm chuẩn {_vn(rules.standard_max)}."
            )
    if rules.standard_max <= 0:
        problems.append("Điểm chuẩn của bộ chỉ số phải lớn hơn 0.")
    kinds = {node.kind for node in nodes.values()}
    if Kind.BONUS in kinds and rules.bonus_cap is None:
        problems.append("Bộ chỉ số có điểm cộng nhưng chưa đặt mức trần điểm cộng (bonus_cap).")
    if Kind.PENALTY in kinds and rules.penalty_cap is None:
        problems.append("Bộ chỉ số có điểm trừ nhưng chưa đặt mức trần điểm trừ (penalty_cap).")
    for name, cap in (("điểm cộng", rules.bonus_cap), ("điểm trừ", rules.penalty_cap)):
        if cap is not None and cap < 0:
            problems.append(f"Mức trần {name} không được âm.")
    bands = rules.classification_bands
    for previous, band in itertools.pairwise(bands):
        if band.min >= previous.min:
            problems.append(
                "Các mức xếp loại phải xếp theo ngưỡng giảm dần "
                f"(«{band.label}» {_vn(band.min)} đứng sau «{previous.label}» {_vn(previous.min)})."
            )
            break
    labels = [band.label for band in bands]
    if len(set(labels)) != len(labels):
        problems.append("Tên các mức xếp loại bị trùng.")
    return problems


def classify(index: Decimal, bands: Sequence[Band]) -> str | None:
    """The label of the first band (highest first) whose `min` the index reaches; None below them all."""
    for band in bands:
        if index >= band.min:
            return band.label
    return None


@dataclass(frozen=True)
class _Step:
    """One node of the post-order walk, with everything the walk needs precomputed."""

    code: str
    normal: bool
    leaf: bool
    kids: tuple[str, ...]  # normal node: its normal children; bonus/penalty node: all its children
    max_points: Decimal
    bonus: bool  # bonus/penalty: True for bonus
    top: bool  # bonus/penalty: adds to the set's bonus/penalty total (no bonus/penalty parent)


@dataclass(frozen=True)
class _Compiled:
    """What `compute_index` needs from a set's rules, independent of the scores: read once per rules value."""

    problems: tuple[str, ...]
    mode: IndexMode | None
    nodes: Mapping[str, Node]
    leaf_codes: frozenset[str]
    steps: tuple[_Step, ...]
    areas: tuple[str, ...]
    order_index: Mapping[str, int]


def _compile_rules(rules: SetRules) -> _Compiled:
    problems, shape = _structural_problems(rules)
    try:
        mode: IndexMode | None = IndexMode(rules.index_mode)
    except ValueError:
        mode = None
    if problems:
        return _Compiled(tuple(problems), mode, shape.nodes, frozenset(), (), (), {})
    nodes, children = shape.nodes, shape.children
    order: list[str] = []  # post-order without recursion: children before parents
    stack = list(reversed(shape.roots))
    while stack:
        code = stack.pop()
        order.append(code)
        stack.extend(reversed(children[code]))
    order.reverse()
    steps = []
    for code in order:
        node, kids = nodes[code], children[code]
        normal = node.kind == Kind.NORMAL
        parent = node.parent_code
        steps.append(_Step(
            code=code,
            normal=normal,
            leaf=not kids,
            kids=tuple(c for c in kids if nodes[c].kind == Kind.NORMAL) if normal else tuple(kids),
            max_points=node.max_points,
            bonus=node.kind == Kind.BONUS,
            top=parent is None or nodes[parent].kind == Kind.NORMAL,
        ))
    return _Compiled(
        problems=(),
        mode=mode,
        nodes=nodes,
        leaf_codes=frozenset(code for code in nodes if not children[code]),
        steps=tuple(steps),
        areas=tuple(c for c in shape.roots if nodes[c].kind == Kind.NORMAL),
        order_index={node.code: position for position, node in enumerate(rules.nodes)},
    )


# The compiled structure is cached by the rules' VALUE (every node's code, parent, kind, maximum and name,
# and the set-level fields): an edited set builds different rules and so can never meet a stale entry. The
# identity map in front saves hashing the whole tree when the caller passes the same rules object again.
_compiled_by_value = lru_cache(maxsize=128)(_compile_rules)
_compiled_by_id: dict[int, tuple[weakref.ref[SetRules], _Compiled]] = {}


def _compiled(rules: SetRules) -> _Compiled:
    key = id(rules)
    entry = _compiled_by_id.get(key)
    if entry is not None and entry[0]() is rules:
        return entry[1]
    try:
        compiled = _compiled_by_value(rules)
    except TypeError:  # unhashable parts (e.g. a list given for a tuple): no caching
        return _compile_rules(rules)

    def forget(_dead: weakref.ref[SetRules]) -> None:
        _compiled_by_id.pop(key, None)

    try:
        ref = weakref.ref(rules, forget)
    except TypeError:
        return compiled
    if len(_compiled_by_id) > 1024:
        _compiled_by_id.clear()
    _compiled_by_id[key] = (ref, compiled)
    return compiled


def compute_index(rules: SetRules, leaves: Mapping[str, LeafScore]) -> IndexComputation:
    """The unit's index from its leaf scores (keyed by leaf code).

    - A leaf absent from `leaves`, or with no score and not N/A, counts 0 and is listed in `missing`.
    - Normal leaves: a score above the leaf's max is taken as the max. N/A: points mode grants the max;
      percent mode removes the leaf from both the obtained points and the applicable maximum.
    - Bonus/penalty leaves are clamped to [0, max] (N/A counts 0); a bonus/penalty parent caps the exact
      sum of its children at its max, bottom-up; the set's bonus_cap/penalty_cap cap the totals.
    - Nothing is rounded except the index, once.
    Raises `ParamsError` (code `invalid_tree`) for a structurally broken tree and `ScoringInputError` for
    scores of unknown codes or, in percent mode, when nothing is applicable.

    The tree's structure is read once per rules value and cached (see `_compiled`); only the scores are
    walked on each call.
    """
    compiled = _compiled(rules)
    if compiled.problems:
        raise ParamsError(
            "invalid_tree",
            "Cây tiêu chí không hợp lệ: " + " ".join(compiled.problems),
            "The indicator tree is invalid.",
        )
    mode = compiled.mode
    if mode is None:
        raise ParamsError(
            "unknown_index_mode",
            f"Cách tính chỉ số «{rules.index_mode}» không hợp lệ.",
            f"Unknown index mode '{rules.index_mode}'.",
            field="index_mode",
        )
    if not compiled.leaf_codes.issuperset(leaves):
        for code in leaves:
            if code not in compiled.nodes:
                raise ScoringInputError(
                    "unknown_leaf",
                    f"Không có tiêu chí mã «{code}» trong bộ chỉ số.",
                    f"No indicator '{code}' in the set.",
                    field=code,
                )
            if code not in compiled.leaf_codes:
                raise ScoringInputError(
                    "not_a_leaf",
                    f"Tiêu chí «{code}» không phải là tiêu chí chấm điểm.",
                    f"Indicator '{code}' is not a scored leaf.",
                    field=code,
                )

    points = mode is IndexMode.POINTS
    obtained: dict[str, Decimal] = {}  # normal nodes: exact normal points obtained
    applicable: dict[str, Decimal] = {}  # normal nodes: applicable max
    extra: dict[str, Decimal] = {}  # bonus/penalty nodes: capped value
    bonus_sum = ZERO
    penalty_sum = ZERO
    missing: list[str] = []
    get = leaves.get
    with localcontext(_context()):
        for step in compiled.steps:
            code = step.code
            if step.normal:
                if not step.leaf:
                    obtained[code] = sum([obtained[c] for c in step.kids], ZERO)
                    applicable[code] = sum([applicable[c] for c in step.kids], ZERO)
                    continue
                entry = get(code)
                if entry is None or (entry.score is None and not entry.not_applicable):
                    missing.append(code)
                    obtained[code], applicable[code] = ZERO, step.max_points
                elif entry.not_applicable:
                    granted = step.max_points if points else ZERO
                    obtained[code], applicable[code] = granted, granted
                else:
                    score = entry.score
                    assert score is not None
                    obtained[code] = step.max_points if step.max_points < score else score  # as min()
                    applicable[code] = step.max_points
                continue
            if not step.leaf:
                value = sum([extra[c] for c in step.kids], ZERO)
            else:
                entry = get(code)
                not_applicable = entry is not None and entry.not_applicable
                score = None if entry is None or not_applicable else entry.score
                if score is None and not not_applicable:
                    missing.append(code)
                value = ZERO if score is None else max(score, ZERO)  # N/A bonus/penalty counts 0
            capped = min(value, step.max_points)
            extra[code] = capped
            if step.top:
                if step.bonus:
                    bonus_sum += capped
                else:
                    penalty_sum += capped

        area_totals = {c: obtained[c] for c in compiled.areas}
        area_max = {c: applicable[c] for c in compiled.areas}
        normal_total = sum(area_totals.values(), ZERO)
        applicable_max = sum(area_max.values(), ZERO)
        bonus = bonus_sum if rules.bonus_cap is None else min(bonus_sum, max(rules.bonus_cap, ZERO))
        penalty = penalty_sum if rules.penalty_cap is None else min(penalty_sum, max(rules.penalty_cap, ZERO))
        total = normal_total + bonus - penalty
        if points:
            index = round_half_up(total)
        else:
            if applicable_max == 0:
                raise ScoringInputError(
                    "nothing_applicable",
                    "Không tính được chỉ số vì mọi tiêu chí đều không phát sinh.",
                    "The index cannot be computed: no criterion is applicable.",
                )
            index = _div_half_up(total * HUNDRED, applicable_max)
    if len(missing) > 1:
        order_index = compiled.order_index
        missing.sort(key=order_index.__getitem__)
    return IndexComputation(
        area_totals=area_totals,
        area_max=area_max,
        normal_total=normal_total,
        bonus=bonus,
        penalty=penalty,
        applicable_max=applicable_max,
        total=total,
        index=index,
        classification=classify(index, rules.classification_bands),
        missing=tuple(missing),
    )


# --- ranking -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankEntry:
    key: int | str
    name: str
    index: Decimal


@dataclass(frozen=True)
class Ranked:
    key: int | str
    name: str
    index: Decimal
    rank: int


def rank(entries: Iterable[RankEntry]) -> list[Ranked]:
    """Competition ranking (1, 2, 2, 4) by index, high to low; equal indexes listed by name.

    The order is total (name casefolded, then name, then the key), so the result does not depend on the
    input order.
    """
    ordered = sorted(
        entries,
        key=lambda e: (e.index.copy_negate(), e.name.casefold(), e.name, type(e.key).__name__, str(e.key)),
    )
    result: list[Ranked] = []
    for position, entry in enumerate(ordered):
        tied = position > 0 and entry.index == ordered[position - 1].index
        current = result[-1].rank if tied else position + 1
        result.append(Ranked(key=entry.key, name=entry.name, index=entry.index, rank=current))
    return result
