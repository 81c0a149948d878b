"""Vietnamese alphabetical order for names (units, people): «Sở Kế hoạch…» before «Sở Khoa học…», «Sở Nội vụ»
before «Sở Nông nghiệp…», «UBND huyện Cái Bè» before «UBND huyện Chợ Gạo», which the code-point order of the
database gets wrong (an accented letter sorts after «z» there).

`vietnamese(expression)` is the one entry point: an expression to order by (`.order_by(vietnamese("name"))`) that
compiles, on each connection, to the order the database can give:

- PostgreSQL: the ICU collation «vi-x-icu» (`COLLATE "vi-x-icu"`), when the server has it (built with ICU);
- SQLite through `cchc.sqlite`: the collation «vi» that backend registers on each connection, computed in Python
  by `sort_key`, which follows the same rules as ICU's Vietnamese collation (CLDR), so the embedded default and
  production list names in one order;
- anything else (the plain SQLite backend, a PostgreSQL without ICU): the column as it is (code-point order).

The rules (CLDR, Vietnamese): the letters are a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z,
each a letter of its own (primary difference); the tones (ngang, huyền, hỏi, ngã, sắc, nặng) are secondary: they
count only between names that have the same letters («ca sĩ» after «cá heo»); case is tertiary (lower case
first); white space, then punctuation and symbols, then digits come before the letters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from django.db.models import Expression, F
from django.db.models.functions import Collate

SQLITE_COLLATION = "vi"  # registered by cchc.sqlite on each connection
POSTGRESQL_COLLATIONS = ("vi-x-icu", "vi-VN-x-icu")  # ICU's Vietnamese, as initdb names it

LETTERS = (
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ô", "ơ", "p",
    "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
)
_LETTER_RANK = {letter: rank for rank, letter in enumerate(LETTERS)}
# The marks that make a letter of its own (ă â ê ô ơ ư), after NFD
_SHAPES = {"\u0306", "\u0302", "\u031b"}
# The tones, in the order of the alphabet books: ngang (none), huyền, hỏi, ngã, sắc, nặng
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Punctuation and symbols in ICU's root order (as PostgreSQL's «vi-x-icu» sorts them); others follow, by code point
_PUNCTUATION = " _-–—,;:!?….·'‘’\"“”«»()[]{}§@*/\\&#%•`^°+÷×<=>|~$№"
_PUNCTUATION_RANK = {ch: rank for rank, ch in enumerate(_PUNCTUATION)}

_SPACE, _SYMBOL, _DIGIT, _LETTER, _OTHER = range(5)


def _primary(base: str) -> tuple[int, int]:
    lower = base.lower()
    if lower in _LETTER_RANK:
        return (_LETTER, _LETTER_RANK[lower])
    if base.isspace():
        return (_SPACE, 0)
    if base in _PUNCTUATION_RANK:
        return (_SYMBOL, _PUNCTUATION_RANK[base])
    if base.isdigit():
        return (_DIGIT, unicodedata.digit(base, 0))
    if base.isalpha():
        return (_OTHER, ord(lower))
    return (_SYMBOL, len(_PUNCTUATION) + ord(base))


@lru_cache(maxsize=8192)
def sort_key(text: str) -> tuple[Any, ...]:
    """The key that sorts `text` in Vietnamese alphabetical order: letters first, then tones and other accents,
    then case (lower case first), then the code points (two different texts never compare equal)."""
    primary: list[tuple[int, int]] = []
    secondary: list[tuple[int, ...]] = []
    tertiary: list[int] = []
    for cluster in _clusters(unicodedata.normalize("NFD", text)):
        base, marks = cluster[0], cluster[1:]
        shape = "".join(mark for mark in marks if mark in _SHAPES)
        letter = unicodedata.normalize("NFC", base.lower() + shape)
        if shape and letter in _LETTER_RANK:
            accents = [mark for mark in marks if mark not in _SHAPES]
        else:  # a shape mark on another letter (ŏ) is an accent, as any other mark
            letter, accents = base, list(marks)
        primary.append(_primary(letter))
        tone = [_TONES[mark] for mark in accents if mark in _TONES]
        other = [10 + ord(mark) for mark in accents if mark not in _TONES]
        secondary.append((*tone, *other))
        tertiary.append(0 if base == base.lower() else 1)
    return (primary, secondary, tertiary, text)


def _clusters(text: str) -> list[str]:
    """`text` (NFD) cut into letters with their combining marks."""
    clusters: list[str] = []
    for ch in text:
        if clusters and unicodedata.combining(ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def compare(left: str, right: str) -> int:
    """The SQLite collation: -1, 0 or 1 as `left` sorts before, with or after `right`."""
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


def _postgresql_collation(connection: Any) -> str | None:
    """The Vietnamese ICU collation the server has, looked up once per connection object; None without ICU."""
    if not hasattr(connection, "_cchc_vietnamese_collation"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT collname FROM pg_collation WHERE collname = ANY(%s)", [list(POSTGRESQL_COLLATIONS)])
            names = {row[0] for row in cursor.fetchall()}
        connection._cchc_vietnamese_collation = next((name for name in POSTGRESQL_COLLATIONS if name in names), None)
    found: str | None = connection._cchc_vietnamese_collation
    return found


class Vietnamese(Collate):
    """`expression` in Vietnamese alphabetical order where the connection can give it (see the module's note)."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, SQLITE_COLLATION)

    def _plain(self, compiler: Any, connection: Any) -> Any:
        return compiler.compile(self.get_source_expressions()[0])

    def as_sql(  # another database: the column as it is
        self, compiler: Any, connection: Any, function: Any = None, template: Any = None, arg_joiner: Any = None,
        **extra_context: Any,
    ) -> Any:
        return self._plain(compiler, connection)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        if getattr(connection, "vietnamese_collation", None) != SQLITE_COLLATION:
            return self._plain(compiler, connection)
        extra_context["collation"] = connection.ops.quote_name(SQLITE_COLLATION)
        return super().as_sql(compiler, connection, **extra_context)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        name = _postgresql_collation(connection)
        if name is None:
            return self._plain(compiler, connection)
        extra_context["collation"] = connection.ops.quote_name(name)
        return super().as_sql(compiler, connection, **extra_context)


def vietnamese(expression: str | Expression | F) -> Vietnamese:
    """An expression to order by in Vietnamese alphabetical order: `.order_by("kind__order", vietnamese("name"))`;
    `vietnamese("name").desc()` for the reverse."""
    return Vietnamese(expression)
