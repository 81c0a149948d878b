"""The formula method's expression: only declared names, numbers, + - * / and parentheses get through."""

from __future__ import annotations

import ast
import math
from functools import lru_cache

from scoring.engine.base import MAX_EXPRESSION_DEPTH, ParamsError


def _params_error(code: str, message: str, message_en: str, field: str | None = None) -> ParamsError:
    return ParamsError(code, message, message_en, field=field)


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
