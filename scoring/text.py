"""Free text typed by people (notes, explanations, reasons): stored in NFC, never with hidden characters.

Control characters (NUL cannot even be stored by PostgreSQL; ESC sequences rewrite a terminal that prints an
audit export) and the bidirectional overrides that make "gpj.exe" look like "exe.jpg" are refused with a
message rather than silently dropped, so what is stored is exactly what the person sees. Line breaks and tabs
are ordinary text; a line break is stored as "\n" whatever sent it (a browser's form sends CR+LF, a file may
hold a lone CR), so the same text typed twice, or read back from an export, compares equal.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from scoring.errors import ValidationFailed

MSG_HIDDEN_CHARACTERS = _(
    "Nội dung có ký tự điều khiển hoặc ký tự đảo chiều văn bản không được phép (vị trí %(at)s); "
    "hãy xóa ký tự đó rồi lưu lại."
)
MSG_TOO_LONG = _("Nội dung quá dài (%(n)s ký tự, tối đa %(limit)s).")
ALLOWED_CONTROLS = frozenset("\n\r\t")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hidden_character_at(text: str) -> int | None:
    """1-based position of the first control or bidirectional-override character, or None."""
    for index, ch in enumerate(text, start=1):
        if ch in BIDI_CONTROLS or (unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS):
            return index
    return None


# Characters that show nothing though they are not white space to `str.strip`: the format characters (zero-width
# space and joiners, word joiner, byte-order mark, Mongolian vowel separator) and the fillers drawn blank.
BLANK_FILLERS = frozenset("\u2800\u3164\u115f\u1160\uffa0")


def shows_nothing(text: str) -> bool:
    """Whether `text` would look empty on the page: only white space, format characters and blank fillers (a
    reason of three zero-width spaces is no reason)."""
    return all(ch.isspace() or ch in BLANK_FILLERS or unicodedata.category(ch) == "Cf" for ch in text)


MSG_INVISIBLE_CHARACTER = _(
    "Có ký tự ẩn ở vị trí %(at)s (ký tự không nhìn thấy, ví dụ dấu cách độ rộng 0); hãy xóa ký tự đó."
)


def invisible_character_at(text: str) -> int | None:
    """1-based position of the first character a reader cannot see or tell apart, or None: what
    `hidden_character_at` finds, and also the format characters (zero-width space and joiners, soft hyphen,
    byte-order mark) and the blank fillers. Free text may hold a zero-width joiner; a code, a username, an e-mail
    address or a person's name may not: two values that look the same would differ."""
    at = hidden_character_at(text)
    for index, ch in enumerate(text[: (at or len(text) + 1) - 1], start=1):
        if ch in BLANK_FILLERS or unicodedata.category(ch) == "Cf":
            return index
    return at


MSG_LINE_BREAK = _(
    "Nội dung này chỉ được viết trên một dòng: có dấu xuống dòng hoặc dấu tab ở vị trí %(at)s; hãy thay bằng dấu "
    "cách rồi lưu lại."
)


def line_break_at(text: str) -> int | None:
    """1-based position of the first line break or tab, or None: a one-line text (a name, a code) holds neither."""
    return next((index for index, ch in enumerate(text, start=1) if ch in ALLOWED_CONTROLS), None)


def visible_text(value: Any, *, field: str | None = None) -> str:
    """A code, a name, a username or an e-mail address as stored (NFC, trimmed; "" when it would look empty);
    raises ValidationFailed (`hidden_characters`, naming the position) for a control or direction character, as
    `user_text` does, and for one that cannot be seen (`invisible_character_at`): «Sở Y tế» and «Sở Y» + U+200B +
    « tế» would look the same and differ; and (`line_break`) for a line break or a tab inside: such a text is one
    line on every page and in every list («Sở KH\nCN» would be stored as typed, shown as «Sở KH CN»). The one
    rule of the administration pages, the API and the imports."""
    text = unicodedata.normalize("NFC", str(value if value is not None else "")).strip()
    if shows_nothing(text):
        return ""
    details = {"field": field} if field else None
    at = line_break_at(text)
    if at is not None:
        raise ValidationFailed(MSG_LINE_BREAK % {"at": at}, code="line_break", details=details)
    at = hidden_character_at(text)
    if at is not None:
        raise ValidationFailed(MSG_HIDDEN_CHARACTERS % {"at": at}, code="hidden_characters", details=details)
    at = invisible_character_at(text)
    if at is not None:
        raise ValidationFailed(MSG_INVISIBLE_CHARACTER % {"at": at}, code="hidden_characters", details=details)
    return text


def normalize_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def user_text(value: Any, *, limit: int | None = None, field: str | None = None) -> str:
    """`value` as stored text (NFC, line breaks as "\n", trimmed; "" when it would look empty); raises
    ValidationFailed for hidden characters or too much text."""
    text = normalize_line_breaks(unicodedata.normalize("NFC", str(value or ""))).strip()
    if shows_nothing(text):
        return ""
    at = hidden_character_at(text)
    if at is not None:
        raise ValidationFailed(MSG_HIDDEN_CHARACTERS % {"at": at}, code="hidden_characters",
                               details={"field": field})
    if limit is not None and len(text) > limit:
        raise ValidationFailed(MSG_TOO_LONG % {"n": len(text), "limit": limit}, code="too_long",
                               details={"field": field})
    return text


def posted_id(raw: Any) -> int | None:
    """An id from a form or a query: ASCII digits within the ids' range (a larger number matches no row, and
    SQLite cannot compare it), else None."""
    text = str(raw if raw is not None else "").strip()
    number = int(text) if text.isascii() and text.isdigit() else 0
    return number if 0 < number < 2**63 else None
