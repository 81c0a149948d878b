"""The formula method's expression: only declared names, numbers, + - * / and parentheses get through.

Administrators write formulas as they write arithmetic: «b / a × 0,5», «(a − b) ÷ a». `normalize_expression`
turns that notation into the one the engine evaluates (× · → *, − – → -, ÷ → /, a decimal comma between digits →
a point), one character for one, so every position in a refusal is the same in both. A formula already written
that way is left as it is: stored formulas evaluate exactly as before. Refusals say what is wrong in the
administrator's terms (a missing parenthesis, a comma that is no decimal mark), never in the parser's."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from scoring.engine.base import MAX_EXPRESSION_DEPTH, ParamsError, _canonical, _vn


def _params_error(code: str, message: str, message_en: str, field: str | None = None) -> ParamsError:
    return ParamsError(code, message, message_en, field=field)


# One character for one (positions are kept): the operators as people type them, and spaces of any width.
_NOTATION = str.maketrans({
    "×": "*", "·": "*", "⋅": "*", "∙": "*",  # multiplication
    "−": "-", "–": "-",  # U+2212 minus sign, U+2013 en dash
    "÷": "/",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u3000": " ", "\t": " ",
})
# A decimal comma: between the digits of a number (not after a name's digits, «a1,5», nor inside «1.5,3»).
_DECIMAL_COMMA = re.compile(r"(?<![A-Za-z_0-9.])(\d+),(?=\d)")


def normalize_expression(expression: str) -> str:
    """The formula in the engine's notation: × · as *, − – as -, ÷ as /, «0,5» as 0.5 (other commas are kept,
    and refused by the check). Idempotent; a formula in the engine's notation comes back unchanged."""
    return _DECIMAL_COMMA.sub(r"\1.", expression.translate(_NOTATION))


# A number as typed (not a name's digits, «a1»), with its marks: «1.000», «0,5», «1.000.000».
_TYPED_NUMBER = re.compile(r"(?<![A-Za-z_0-9.,])\d+(?:[.,]\d+)*(?![A-Za-z_0-9])")
# One mark then exactly three digits after one to three digits: a thousand («1.000») or a decimal («1,000» = 1)?
_MAYBE_GROUPED = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")
# The same mark between groups of three digits, more than once: only thousands («1.000.000»).
_GROUPED = re.compile(r"[1-9]\d{0,2}(?P<mark>[.,])\d{3}(?:(?P=mark)\d{3})+")


def check_typed_numbers(expression: str) -> None:
    """Refuse a number typed in a formula that may group thousands, as the score sheet and the import refuse it
    (`to_decimal(refuse_groups=True)`): «1.000 × b» was read as one times b where a thousand was likely meant.
    Only for a formula being entered: stored formulas keep «1.000» and score it as 1, as they always did, so the
    engine's own check (`_check_expression`) does not call this. «0,125», «0,5», «1.5», «1000» pass."""
    for match in _TYPED_NUMBER.finditer(expression):
        text = match.group()
        if _GROUPED.fullmatch(text):
            whole = re.sub(r"[.,]", "", text)
            raise _params_error(
                "ambiguous_separator",
                f"Số «{text}» trong công thức dùng dấu tách hàng nghìn: hãy viết {whole} (không có dấu tách hàng "
                "nghìn).",
                f"The number '{text}' in the formula uses thousands separators: write {whole} (without "
                "separators).",
                "expression",
            )
        if _MAYBE_GROUPED.fullmatch(text):
            thousands = text.replace(".", "").replace(",", "")
            decimal = Decimal(text.replace(",", "."))
            raise _params_error(
                "ambiguous_separator",
                f"Số «{text}» trong công thức có thể là {thousands} hoặc {_vn(decimal)}: hãy viết {thousands} hoặc "
                f"{_vn(decimal)} (không dùng dấu tách hàng nghìn; phần thập phân sau dấu phẩy, ví dụ 0,5).",
                f"The number '{text}' in the formula may be {thousands} or {_canonical(decimal)}: write {thousands} "
                f"or {_canonical(decimal)} (no thousands separator; decimals after the decimal mark, e.g. 0.5).",
                "expression",
            )


def _names_text(names: Iterable[str]) -> str:
    listed = ", ".join(names)
    return listed or "—"


def _allowed_vi(names: Iterable[str]) -> str:
    return f"Chỉ dùng các biến đã khai báo ({_names_text(names)}), số, các phép + − × / và dấu ngoặc."


def _allowed_en(names: Iterable[str]) -> str:
    return f"Use only the declared variables ({_names_text(names)}), numbers, + − × / and parentheses."


def _formula_disallowed(what_vi: str, what_en: str, names: Iterable[str] = ()) -> ParamsError:
    names = tuple(names)
    return _params_error(
        "formula_disallowed",
        f"Công thức không được dùng {what_vi}. {_allowed_vi(names)}",
        f"The formula may not use {what_en}. {_allowed_en(names)}",
        "expression",
    )


def _syntax(message: str, message_en: str) -> ParamsError:
    return _params_error("formula_syntax", message, message_en, "expression")


def _shown(token: str) -> str:
    """An operator as the administrator writes it."""
    return {"*": "×", "-": "−"}.get(token, token)


_TOKEN = re.compile(r"\s*(?:(?P<number>[0-9.]+(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)|(?P<op>\*\*|//|[-+*/])"
                    r"|(?P<open>\()|(?P<close>\))|(?P<other>\S))")
_ALLOWED_CHARACTERS = re.compile(r"[A-Za-z0-9_.+\-*/() ]")


def _malformed_number(text: str) -> ParamsError:
    return _syntax(
        f"Số «{text}» viết sai: một số chỉ có một dấu thập phân (dấu phẩy hoặc dấu chấm) và không dùng dấu phân "
        "cách hàng nghìn.",
        f"The number '{text}' is malformed: a number has one decimal mark and no thousands separators.",
    )


# A number written with more than one mark («1.000,5», «1,000,000» once the first comma became a point).
_MANY_MARKS = re.compile(r"(?<![A-Za-z_0-9.,])\d*[.,]\d+(?:[.,]\d+)+")


def _explain_syntax_error(expression: str, names: tuple[str, ...]) -> ParamsError:
    """What is wrong with a formula the parser refused, in the administrator's terms."""
    if ":" in expression:
        return _syntax(
            "Công thức có dấu «:»; phép chia viết bằng dấu «/» (hoặc «÷»).",
            "The formula contains ':'; write division with '/' (or '÷').",
        )
    for character in expression:
        if not _ALLOWED_CHARACTERS.fullmatch(character):
            character = character if character.isprintable() else f"U+{ord(character):04X}"
            return _syntax(
                f"Công thức có ký tự «{character}» không dùng được. {_allowed_vi(names)}",
                f"The formula contains the character '{character}', which cannot be used. {_allowed_en(names)}",
            )
    depth = opened = 0
    previous: tuple[str, str] | None = None  # (kind, text) of the token before
    for match in _TOKEN.finditer(expression):
        kind = match.lastgroup or "other"
        text = match.group(kind)
        if kind == "number" and text.count(".") > 1:
            return _malformed_number(text)
        operand = kind in ("number", "name")
        prev_kind, prev_text = previous or ("start", "")
        if (operand or kind == "open") and prev_kind in ("number", "name", "close"):
            return _syntax(
                f"Thiếu phép tính giữa «{prev_text}» và «{text}».",
                f"An operator is missing between '{prev_text}' and '{text}'.",
            )
        if kind == "op" and text in ("*", "/", "**", "//") and prev_kind in ("start", "open", "op"):
            if prev_kind == "op":
                return _syntax(
                    f"Hai phép tính «{_shown(prev_text)}» và «{_shown(text)}» đứng liền nhau; giữa chúng phải có "
                    "một số hoặc một biến.",
                    f"The operators '{prev_text}' and '{text}' follow each other; a number or a variable must "
                    "stand between them.",
                )
            return _syntax(
                f"Phép «{_shown(text)}» thiếu số hạng đứng trước nó.",
                f"The operator '{text}' has nothing before it.",
            )
        if kind == "close":
            if prev_kind == "open":
                return _syntax("Công thức có cặp ngoặc «()» trống.", "The formula has empty parentheses '()'.")
            if prev_kind == "op":
                return _syntax(
                    f"Phép «{_shown(prev_text)}» thiếu số hạng đứng sau nó (trước dấu ngoặc đóng).",
                    f"The operator '{prev_text}' has nothing after it (before a closing parenthesis).",
                )
            if depth == 0:
                return _syntax(
                    "Thừa dấu ngoặc đóng «)»: không có dấu ngoặc mở tương ứng.",
                    "There is a closing parenthesis ')' without a matching opening one.",
                )
            depth -= 1
        if kind == "open":
            depth += 1
            opened += 1
        previous = (kind, text)
    if previous is not None and previous[0] == "op":
        return _syntax(
            f"Phép «{_shown(previous[1])}» ở cuối công thức thiếu số hạng đứng sau nó.",
            f"The operator '{previous[1]}' at the end of the formula has nothing after it.",
        )
    if depth > 0:
        return _syntax(
            f"Thiếu dấu ngoặc đóng «)»: công thức mở {opened} dấu ngoặc nhưng chỉ đóng {opened - depth}.",
            f"A closing parenthesis ')' is missing: the formula opens {opened} and closes {opened - depth}.",
        )
    return _syntax(
        f"Công thức viết chưa đúng; hãy kiểm tra các phép tính và dấu ngoặc (ví dụ: (b + c) / a × 0,5). "
        f"{_allowed_vi(names)}",
        f"The formula is not well formed; check its operators and parentheses (e.g. (b + c) / a × 0.5). "
        f"{_allowed_en(names)}",
    )


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

# What a formula may not use, in the administrator's terms (never the parser's names for it).
_FORBIDDEN_DESCRIPTIONS: dict[type[ast.AST], tuple[str, str]] = {
    ast.Call: ("hàm (tên đặt trước dấu ngoặc, như «abs(a)»)", "functions (a name before parentheses, as 'abs(a)')"),
    ast.Attribute: (
        "dấu chấm sau tên (dấu chấm chỉ dùng làm dấu thập phân giữa hai chữ số)",
        "a point after a name (a point is only a decimal mark between two digits)",
    ),
    ast.Subscript: ("dấu ngoặc vuông [ ]", "square brackets [ ]"),
    ast.List: ("dấu ngoặc vuông [ ]", "square brackets [ ]"),
    ast.Compare: ("phép so sánh (<, >, =)", "comparisons (<, >, =)"),
    ast.BoolOp: ("các từ and, or", "the words and, or"),
    ast.Not: ("từ not", "the word not"),
    ast.IfExp: ("các từ if, else", "the words if, else"),
    ast.Pow: ("lũy thừa **", "the power operator **"),
    ast.FloorDiv: ("phép chia lấy phần nguyên //", "floor division //"),
    ast.Mod: ("phép chia lấy dư %", "the modulo operator %"),
    ast.Lambda: ("từ lambda", "the word lambda"),
}


def _part(expression: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(expression, node) if hasattr(node, "lineno") else None
    return segment or expression


def _a_product_meant(func: ast.AST, names: tuple[str, ...]) -> bool:
    """Whether what stands before the parentheses of a «call» is an operand: a number, a declared variable or a
    parenthesised sum, not a function's name."""
    if isinstance(func, ast.Name):
        return func.id in names
    return isinstance(func, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Tuple))


@lru_cache(maxsize=1024)
def _check_expression(expression: str, names: tuple[str, ...]) -> None:
    """Refuse anything but numbers, declared names, + - * / and parentheses (cached on success). `expression` is
    in the engine's notation (`normalize_expression`); `names` are the declared variables, in their order."""
    if "," in expression:  # never in a formula: there are no functions, so no argument lists
        if number := _MANY_MARKS.search(expression):
            raise _malformed_number(number.group())
        raise _syntax(
            "Công thức có dấu phẩy không nằm giữa hai chữ số: dấu phẩy chỉ dùng làm dấu thập phân (ví dụ 0,5).",
            "The formula has a comma that is not between two digits: a comma is only a decimal mark (e.g. 0,5).",
        )
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError) as err:
        raise _explain_syntax_error(expression, names) from err
    except (RecursionError, MemoryError) as err:
        raise _params_error(
            "formula_too_complex", "Công thức quá phức tạp.", "The formula is nested too deeply.", "expression"
        ) from err
    stack: list[tuple[ast.AST, int, str]] = [(tree, 0, expression)]
    while stack:
        node, depth, around = stack.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            raise _params_error(
                "formula_too_complex",
                "Công thức quá phức tạp.",
                "The formula is nested too deeply.",
                "expression",
            )
        part = _part(expression, node) if hasattr(node, "lineno") else around
        if isinstance(node, ast.Tuple) or (isinstance(node, ast.Call) and _a_product_meant(node.func, names)):
            # «()», or «2(a + b)», «a(b)», «(a + b)(c)»: a product was meant, an operator is missing
            raise _explain_syntax_error(expression, names)
        if not isinstance(node, _ALLOWED_FORMULA_NODES):
            described = _FORBIDDEN_DESCRIPTIONS.get(type(node))
            if described is None:
                raise _params_error(
                    "formula_disallowed",
                    f"Phần «{part}» của công thức không phải là phép tính với số. {_allowed_vi(names)}",
                    f"The part '{part}' of the formula is not arithmetic on numbers. {_allowed_en(names)}",
                    "expression",
                )
            raise _formula_disallowed(*described, names)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _params_error(
                    "formula_disallowed",
                    f"«{part}» không phải là một số hay một biến đã khai báo. {_allowed_vi(names)}",
                    f"'{part}' is neither a number nor a declared variable. {_allowed_en(names)}",
                    "expression",
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise _formula_disallowed("số quá lớn", "numbers this large", names)
        if isinstance(node, ast.Name) and node.id not in names:
            raise _params_error(
                "formula_unknown_name",
                f"Công thức dùng biến «{node.id}» chưa được khai báo.",
                f"The formula uses the undeclared variable '{node.id}'.",
                "expression",
            )
        stack.extend((child, depth + 1, part) for child in ast.iter_child_nodes(node))
