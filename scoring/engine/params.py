"""Leaf rules and their parameters: each method's parameters checked and compiled into a plan (the formula's
expression is checked in `formula`)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import (
    Decimal,
)
from typing import Any

from scoring.engine.base import (
    DEFAULT_STEP,
    HUNDRED,
    MAX_EXPRESSION_LENGTH,
    TWO_PLACES,
    ZERO,
    Kind,
    Method,
    ScoringInputError,
    _canonical,
    _context,
    _vn,
    to_decimal,
)
from scoring.engine.formula import _check_expression, _params_error, check_typed_numbers, normalize_expression


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
    # formula: "b + c <= a" as (("b", "c"), "a"): counts that cannot be true together (done more than asked)
    limits: tuple[tuple[tuple[str, ...], str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # formula, per_occurrence: (variable or item, its label), for the refusals
    whole_numbers: bool = False  # ratio_bands, proportional: both terms are counts (documents, dossiers, people)


_ALLOWED_PARAMS: dict[Method, frozenset[str]] = {
    Method.MANUAL: frozenset({"step"}),
    Method.LEVELS: frozenset({"options"}),
    Method.YES_NO: frozenset({"yes_points", "no_points"}),
    Method.RATIO_BANDS: frozenset({"bands", "whole_numbers"}),
    Method.PROPORTIONAL: frozenset({"threshold", "below_points", "whole_numbers"}),
    Method.FORMULA: frozenset({"variables", "expression", "on_zero_division", "limits"}),
    Method.PER_OCCURRENCE: frozenset({"items", "base"}),
    Method.SURVEY: frozenset(),
}


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


def _check_item_points(items: tuple[_Option, ...], kind: Kind, floor: Decimal, maximum: Decimal) -> None:
    """The points of each occurrence (per_occurrence `items`). A bonus or penalty leaf scores an amount, positive,
    that the kind adds or deducts: an item's points there are that amount per occurrence, above 0. In a normal
    criterion they may be negative (deductions from `base`) or positive. Either way, one occurrence cannot be
    worth more than the leaf's whole range (`max_points` − `floor`): the score is clamped to it."""
    span = maximum - floor
    for position, item in enumerate(items):
        field = f"items[{position}].points"
        if kind is not Kind.NORMAL and item.points <= 0:
            bonus = kind is Kind.BONUS
            raise _params_error(
                "item_points_not_positive",
                f"Mục «{item.key}» có điểm {_vn(item.points)}: ở tiêu chí {'điểm cộng' if bonus else 'điểm trừ'}, "
                f"điểm mỗi lần phát sinh là số điểm {'được cộng' if bonus else 'bị trừ'}, ghi bằng số dương "
                "(lớn hơn 0).",
                f"Item '{item.key}' is worth {_canonical(item.points)}: in a {'bonus' if bonus else 'penalty'} "
                f"criterion the points per occurrence are the points {'added' if bonus else 'deducted'}, written "
                "as a positive number (above 0).",
                field,
            )
        if abs(item.points) > span:
            raise _params_error(
                "item_points_above_range",
                f"Mục «{item.key}» có điểm {_vn(item.points)} mỗi lần, vượt quá khoảng điểm của tiêu chí "
                f"(từ {_vn(floor)} đến {_vn(maximum)}).",
                f"Item '{item.key}' is worth {_canonical(item.points)} per occurrence, more than the criterion's "
                f"whole range ({_canonical(floor)}..{_canonical(maximum)}).",
                field,
            )


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


def _whole_numbers(params: Mapping[str, Any]) -> bool:
    """A ratio's `whole_numbers`: true when both terms are counts, so a fractional term is a typo; false (the
    default) when they may be amounts (money, a share of a budget)."""
    raw = params.get("whole_numbers", False)
    if not isinstance(raw, bool):
        raise _params_error(
            "invalid_whole_numbers",
            "Tham số «whole_numbers» phải là true hoặc false.",
            "Parameter 'whole_numbers' must be true or false.",
            "whole_numbers",
        )
    return raw


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


_LIMIT = re.compile(r"^\s*([A-Za-z_]\w*(?:\s*\+\s*[A-Za-z_]\w*)*)\s*(?:<=|≤)\s*([A-Za-z_]\w*)\s*$")


def _limits(params: Mapping[str, Any], names: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], str], ...]:
    """A formula's limits: each "b + c <= a" says that the counts on the left cannot add up to more than the
    count on the right (recommendations carried out cannot outnumber those made)."""
    if params.get("limits") is None:
        return ()
    entries = params["limits"]
    if not isinstance(entries, list):
        raise _params_error(
            "no_limits", "Tham số «limits» phải là một danh sách.", "Parameter 'limits' must be a list.", "limits"
        )
    limits: list[tuple[tuple[str, ...], str]] = []
    for position, entry in enumerate(entries):
        field = f"limits[{position}]"
        match = _LIMIT.match(entry) if isinstance(entry, str) else None
        if match is None:
            raise _params_error(
                "invalid_limit",
                f"Giới hạn thứ {position + 1} phải có dạng «b + c <= a» (tên biến, dấu +, dấu <=).",
                f"Limit {position + 1} must read like 'b + c <= a' (variable names, +, <=).",
                field,
            )
        parts = tuple(part.strip() for part in match.group(1).split("+"))
        bound = match.group(2)
        unknown = [name for name in (*parts, bound) if name not in names]
        if unknown:
            raise _params_error(
                "unknown_limit_variable",
                f"Giới hạn thứ {position + 1} dùng biến «{unknown[0]}» chưa khai báo.",
                f"Limit {position + 1} uses the undeclared variable '{unknown[0]}'.",
                field,
            )
        if bound in parts or len(set(parts)) != len(parts):
            raise _params_error(
                "invalid_limit",
                f"Giới hạn thứ {position + 1} dùng một biến hai lần.",
                f"Limit {position + 1} uses a variable twice.",
                field,
            )
        limits.append((parts, bound))
    return tuple(limits)


def _compile(rule: LeafRule) -> _Plan:
    """`_compile_rule`, kept per process by the rule's VALUE: a plan is immutable and depends on nothing else, so
    an edited rule is a new key and never meets a stale plan. The key tells apart what equal-but-different values
    would blur (1, 1.0, True and "1"; Decimal("1.0") and Decimal("1.00")): each part by its type and repr. Only
    successes are kept (a refused rule raises each time)."""
    key = (rule.method, rule.kind, _value_key(rule.max_points), _value_key(rule.floor), repr(rule.params))
    try:
        plan = _PLANS.get(key)
    except TypeError:  # a method or kind that cannot be a key (not a text): compiled each time, refused as before
        return _compile_rule(rule)
    if plan is None:
        plan = _compile_rule(rule)
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _value_key(value: Any) -> tuple[type, str]:
    return type(value), repr(value)


_PLANS: dict[tuple[Any, ...], _Plan] = {}
_PLANS_KEPT = 4096


def _compile_rule(rule: LeafRule) -> _Plan:
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
        return _Plan(method, maximum, floor, bands=_bands(params, floor, maximum), whole_numbers=_whole_numbers(params))
    if method is Method.PROPORTIONAL:
        threshold = _percent_param(params.get("threshold", ZERO), field="threshold")
        below = _param_decimal(params.get("below_points", ZERO), field="below_points")
        _check_in_range(below, floor, maximum, field="below_points")
        return _Plan(method, maximum, floor, threshold=threshold, below_points=below,
                     whole_numbers=_whole_numbers(params))
    if method is Method.FORMULA:
        names = _variables(params)
        expression = params.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise _params_error(
                "formula_empty", "Chưa nhập công thức.", "The formula expression is missing.", "expression"
            )
        expression = normalize_expression(expression.strip())
        if len(expression) > MAX_EXPRESSION_LENGTH:
            raise _params_error(
                "formula_too_long",
                f"Công thức dài quá {MAX_EXPRESSION_LENGTH} ký tự.",
                f"The formula is longer than {MAX_EXPRESSION_LENGTH} characters.",
                "expression",
            )
        _check_expression(expression, names)
        on_zero: Decimal | None = None
        if params.get("on_zero_division") is not None:
            on_zero = _param_decimal(params["on_zero_division"], field="on_zero_division")
            _check_in_range(on_zero, floor, maximum, field="on_zero_division")
        labels = tuple(
            (entry["name"], str(entry.get("label") or entry["name"])) for entry in _list_param(params, "variables")
        )
        return _Plan(method, maximum, floor, variables=names, expression=expression, on_zero_division=on_zero,
                     limits=_limits(params, names), labels=labels)
    if method is Method.PER_OCCURRENCE:
        items = _keyed_entries(params, "items", None, None)
        _check_item_points(items, Kind(rule.kind), floor, maximum)
        base = _param_decimal(params.get("base", ZERO), field="base")
        _check_in_range(base, floor, maximum, field="base")
        labels = tuple(
            (item.key, str(entry.get("label") or item.key))
            for item, entry in zip(items, _list_param(params, "items"), strict=True)
        )
        return _Plan(method, maximum, floor, options=items, base=base, labels=labels)
    return _Plan(method, maximum, floor)  # survey


def validate_params(rule: LeafRule, *, stored: bool = False) -> None:
    """Raise `ParamsError` when the leaf's method, params, maximum, floor or kind are invalid.

    A rule being entered (the editor, its preview, the imports) is also refused a formula number that may group
    thousands («1.000»); `stored=True` checks a rule already saved as the engine scores it, where such a number
    is kept and read as it always was (a decimal), so a stored set stays valid."""
    expression = rule.params.get("expression") if isinstance(rule.params, Mapping) else None
    if not stored and rule.method == Method.FORMULA and isinstance(expression, str):
        check_typed_numbers(expression)
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
