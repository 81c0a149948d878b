"""The engine's vocabulary: constants, decimal contexts and rounding, errors, methods and kinds, number parsing."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import (
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
from typing import Any

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
# «1.000» or «2,500»: a Vietnamese writer groups thousands with a dot, an English one with a comma, and either
# may be a decimal mark: with one mark followed by exactly three digits, which one the writer meant cannot be known
# (a leading 0 is never a group: «0,500» is a half).
_MAYBE_GROUPED_RE = re.compile(r"[+-]?[1-9][0-9]{0,2}[.,][0-9]{3}")
# Thousands grouped by one mark, then perhaps the other mark, once, as the decimal mark: «1.000.000», «1,000,000»,
# «1.234.567,89», «1,234,567.89», «1.000,5». The same mark twice can only group, and a last mark unlike the others
# can only be the decimal mark: such text has one reading. (The same mark ending it, «1.000.5», is no number.)
_GROUPED_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<lead>[1-9][0-9]{0,2})(?P<groups>(?P<mark>[.,])[0-9]{3}(?:(?P=mark)[0-9]{3})*)"
    r"(?:(?P<point>[.,])(?P<decimals>[0-9]*))?"
)
MAX_TYPED_DECIMALS = 6  # a typed number's digits after its separator (a count, a ratio's terms, points)
# «1 300», «12 345 678»: a whole number with its thousands grouped by spaces (NFKC makes the no-break and thin spaces
# a word processor or a spreadsheet pastes plain ones). A space is never a decimal mark, so such a number can only be
# a whole one: read without its spaces. Any other space between digits («13 00», «1 300,5») is refused, named.
_SPACE_GROUPED_RE = re.compile(r"[+-]?[1-9][0-9]{0,2}(?: [0-9]{3})+")
_SPACED_DIGITS_RE = re.compile(r"[0-9.,]\s+[0-9]")


def _canonical(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: Decimal("0.50") -> "0.5", 1E+2 -> "100"."""
    if value.is_zero():
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class Said(str):
    """A problem of a set, in Vietnamese (the text itself) and in English (`en`): the engine is plain Python, so a
    caller picks the wording for the page it is shown on (`scoring.errors.in_language`)."""

    en: str

    def __new__(cls, vietnamese: str, english: str) -> Said:
        said = super().__new__(cls, vietnamese)
        said.en = english
        return said

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.en))

    def prefixed(self, prefix: str) -> Said:
        """The same problem with a prefix ("1.1.2: …") in both languages."""
        return Said(f"{prefix}{self}", f"{prefix}{self.en}")


def _en(value: Decimal) -> str:
    """A number as English users write it: Decimal("1.50") -> "1.5"."""
    return _canonical(value)


def _vn(value: Decimal) -> str:
    """A number as Vietnamese users write it (decimal comma): Decimal("1.50") -> "1,5"."""
    return _canonical(value).replace(".", ",")


def _not_a_number(field: str) -> ScoringInputError:
    return ScoringInputError(
        "not_a_number", "Giá trị phải là một số.", "The value must be a number.", field=field
    )


def to_decimal(raw: object, *, field: str, refuse_groups: bool = False, whole: bool = False) -> Decimal:
    """A finite `Decimal` from an int, a Decimal, a finite float (via its shortest text, `repr`) or a string.

    Strings may use a decimal comma ("0,5"), surrounding spaces, and spaces (plain, no-break or thin) grouping a
    whole number's thousands ("1 300": a space is never a decimal mark); other spaces between digits are refused
    (`spaced_digits`). Refuses bool, None, empty or other
    text (`not_a_number`), NaN and infinities (`not_finite`) and absurdly large numbers (`too_large`); typed
    text with more than `MAX_TYPED_DECIMALS` decimals (`too_many_decimals`). Thousands grouped as they can only
    be read are read so («15.000.000.000», «1.234.567,89», «1,234.5»: `_ungrouped`). With `refuse_groups` (counts
    and the quantities of a ratio, where "1.000" is far more likely a thousand than a one, and the points a person
    types), text that may group thousands or hold decimals, one mark then three digits («15,525»), is refused
    (`ambiguous_separator`) with both readings written out to type instead (without it, such a mark is the decimal
    mark); `whole` (a count, a term declared a whole number) offers the whole readings only.
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
        # repr is the shortest text that reads back as the same float: 0.1 is "0.1", 1e-07 has seven decimals
        value = Decimal(repr(raw))
        if -int(value.as_tuple().exponent) > MAX_TYPED_DECIMALS:
            # a JSON number is typed like a string: the same rule, else it is stored and refused when read again
            raise _too_many_decimals(field)
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace("\u2212", "-")
        if text.lstrip("+-").casefold() in _NON_FINITE_WORDS:
            raise _not_finite(field)
        # NFKC makes full-width digits (０-９) plain ones, and also ², ①, ₃ …: those are not numbers one types
        if any(ch.isdigit() and not ("0" <= ch <= "9" or "\uff10" <= ch <= "\uff19") for ch in raw):
            raise _not_a_number(field)
        if _SPACE_GROUPED_RE.fullmatch(text):
            text = text.replace(" ", "")
        elif _SPACED_DIGITS_RE.search(text):
            raise _spaced_digits(text, field)
        if refuse_groups and _MAYBE_GROUPED_RE.fullmatch(text):
            raise _ambiguous(text, field, whole=whole)
        text = _ungrouped(text, field)
        if text.count(",") + text.count(".") > 1:
            raise _not_a_number(field)
        if text[-1:] in {",", "."} and _NUMBER_RE.fullmatch(text[:-1].replace(",", ".")):
            # «33,»: maybe a «33,5» half typed; taken as 33 it would be stored as something nobody meant
            raise _trailing_mark(text, field)
        text = text.replace(",", ".")
        if not _NUMBER_RE.fullmatch(text):
            raise _not_a_number(field)
        if len(text.partition(".")[2]) > MAX_TYPED_DECIMALS:
            raise _too_many_decimals(field)
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


def _ungrouped(text: str, field: str) -> str:
    """Text whose thousands are grouped as they can only be read, without its groups and with a decimal point:
    «15.000.000.000» -> «15000000000», «1.234.567,89» -> «1234567.89», «1,000.5» -> «1000.5». Other text comes back
    as it is, and so does a single group without decimals, «1.000», a thousand or a one (refused as unclear where
    `refuse_groups`, else read as a one); groups followed by their other mark alone («1.234,») are refused as a
    number not finished typing."""
    match = _GROUPED_RE.fullmatch(text)
    if match is None:
        return text
    mark, point = match["mark"], match["point"]
    if point is None:
        if len(match["groups"]) == 4:
            return text  # «1.000»: a thousand or a one (`_MAYBE_GROUPED_RE`), the caller decides
        return f"{match['sign']}{match['lead']}{match['groups'].replace(mark, '')}"
    if point == mark:
        return text  # «1.000.5»: not a number
    if not match["decimals"]:
        raise _trailing_mark(text, field)
    return f"{match['sign']}{match['lead']}{match['groups'].replace(mark, '')}.{match['decimals']}"


def _ambiguous(text: str, field: str, *, whole: bool) -> ScoringInputError:
    """The refusal of «15,525»: fifteen thousand five hundred and twenty-five, or fifteen and a fraction; each
    reading written out as it can be typed without doubt (the decimal one with a fourth decimal, «15,5250»)."""
    comma = "," in text
    mark_vi, mark_en = ("phẩy", "comma") if comma else ("chấm", "point")
    thousands = _canonical(Decimal(text.replace(",", "").replace(".", "")))
    decimal = Decimal(text.replace(",", "."))
    unclear_vi = f"Không rõ dấu {mark_vi} trong «{text}» tách hàng nghìn hay là dấu thập phân"
    unclear_en = f"It is unclear whether the {mark_en} in «{text}» separates thousands or is the decimal mark"
    if_thousands_vi = f"hãy viết {thousands} nếu đó là dấu tách hàng nghìn"
    if_thousands_en = f"write {thousands} if it separates thousands"
    if whole:
        # a count, a whole term: the decimal reading is only a number it may be when it is whole («2,000» is 2)
        integral = decimal == decimal.to_integral_value()
        also_vi = f", hoặc {_canonical(decimal)} nếu đó là dấu thập phân" if integral else ""
        also_en = f", or {_canonical(decimal)} if it is the decimal mark" if integral else ""
        return ScoringInputError(
            "ambiguous_separator",
            f"{unclear_vi}; số này phải là số nguyên: {if_thousands_vi}{also_vi}.",
            f"{unclear_en}; this number must be whole: {if_thousands_en}{also_en}.",
            field=field,
        )
    digits = text.lstrip("+")
    return ScoringInputError(
        "ambiguous_separator",
        f"{unclear_vi}: {if_thousands_vi}, hoặc {digits.replace('.', ',')}0 nếu đó là dấu thập phân.",
        f"{unclear_en}: {if_thousands_en}, or {digits.replace(',', '.')}0 if it is the decimal mark.",
        field=field,
    )


def _spaced_digits(text: str, field: str) -> ScoringInputError:
    joined = "".join(text.split())
    return ScoringInputError(
        "spaced_digits",
        f"Số «{text}» có dấu cách giữa các chữ số: hãy xoá dấu cách (viết «{joined}» nếu đó là số muốn nhập), không "
        "dùng dấu tách hàng nghìn và ghi phần thập phân sau dấu phẩy (0,25).",
        f"The number «{text}» has spaces between its digits: remove them (write «{joined}» if that is the number "
        "meant), without a thousands separator and with its decimals after the decimal point (0.25).",
        field=field,
    )


def _trailing_mark(text: str, field: str) -> ScoringInputError:
    comma = text.endswith(",")
    return ScoringInputError(
        "trailing_decimal_mark",
        f"Số «{text}» chưa đủ: bỏ dấu {'phẩy' if comma else 'chấm'} ở cuối hoặc gõ tiếp phần thập phân.",
        f"The number «{text}» is incomplete: remove the {'comma' if comma else 'point'} at its end or type its "
        "decimals.",
        field=field,
    )


def _not_finite(field: str) -> ScoringInputError:
    return ScoringInputError(
        "not_finite", "Giá trị phải là một số hữu hạn.", "The value must be a finite number.", field=field
    )


def _too_many_decimals(field: str) -> ScoringInputError:
    return ScoringInputError(
        "too_many_decimals",
        f"Giá trị có quá nhiều chữ số thập phân (tối đa {MAX_TYPED_DECIMALS}).",
        f"The value has too many decimal places (at most {MAX_TYPED_DECIMALS}).",
        field=field,
    )


def _too_large(field: str) -> ScoringInputError:
    return ScoringInputError("too_large", "Giá trị quá lớn.", "The value is too large.", field=field)


def to_count(raw: object, *, field: str, label: str | None = None) -> int:
    """A non-negative integer from an int or an integral string/Decimal ("3", "3.0", Decimal(3)); a refusal of a
    negative or fractional count names it by `label` (as the form labels it) when given."""
    if isinstance(raw, bool):
        raise _not_a_number(field)
    if isinstance(raw, int):
        if raw >= 10**MAX_INTEGER_DIGITS:
            raise _too_large(field)
        count = raw
    else:
        value = to_decimal(raw, field=field, refuse_groups=True, whole=True)
        if value != value.to_integral_value():
            raise _not_a_count("not_an_integer", field, label)
        count = int(value)
    if count < 0:
        raise _not_a_count("negative_count", field, label)
    return count


def _not_a_count(code: str, field: str, label: str | None) -> ScoringInputError:
    """«1,5» or «-1» typed as a count (of issues, documents, occurrences…), named as the form names it."""
    if label:
        return ScoringInputError(
            code,
            f"«{label}» phải là số nguyên không âm (0, 1, 2…).",
            f"'{label}' must be a non-negative whole number (0, 1, 2…).",
            field=field,
        )
    return ScoringInputError(
        code,
        "Giá trị phải là số nguyên không âm (0, 1, 2…).",
        "The value must be a non-negative whole number (0, 1, 2…).",
        field=field,
    )
