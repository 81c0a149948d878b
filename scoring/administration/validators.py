"""Checks shared by the administration forms and the Excel imports, with Vietnamese messages: a row of an
import is held to the same rules as the form that makes one record (codes used in URLs, usernames, e-mail
addresses, lengths, passwords)."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from scoring import engine
from scoring.engine.base import DEFAULT_STEP

USERNAME_MAX = 150  # Django's User.username
FULL_NAME_MAX = 150  # Django's first_name and last_name each hold 150
EMAIL_MAX = 254  # Django's User.email

MSG_CODE = _l(
    "Mã chỉ gồm chữ cái không dấu (a–z), chữ số, dấu gạch ngang (-) và gạch dưới (_), không có dấu cách "
    "(ví dụ: so-noi-vu)."
)
MSG_USERNAME = _l(
    "Tên đăng nhập chỉ gồm chữ thường không dấu (a–z), chữ số và các ký tự . _ - (không có dấu cách), ví dụ: "
    "nguyen.van.a."
)
MSG_USERNAME_SUGGESTED = _l(
    "Tên đăng nhập «%(u)s» không dùng được: chỉ gồm chữ thường không dấu (a–z), chữ số và các ký tự . _ - (không "
    "có dấu cách). Có thể dùng «%(s)s»."
)
MSG_EMAIL = _l("Địa chỉ thư điện tử không hợp lệ.")

# The codes of records named in public URLs (<slug:…>): Django's slug rule, with a Vietnamese message.
validate_code = RegexValidator(r"^[-a-zA-Z0-9_]+\Z", MSG_CODE, code="invalid")
# A new username is typed at every login, on any keyboard: unaccented lower case (an account made before keeps its
# name: the rule is checked where an account is made, not where one signs in).
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]+")
validate_email = EmailValidator(message=MSG_EMAIL)

CODE_ERRORS = {"invalid": MSG_CODE}
USERNAME_ERRORS = {"invalid": MSG_USERNAME}
EMAIL_ERRORS = {"invalid": MSG_EMAIL}


def _password_message(error: ValidationError) -> str:
    """Django's password validators' refusal, in Vietnamese for the known ones (their own text otherwise)."""
    params: dict[str, Any] = dict(error.params or {})
    if error.code == "password_too_short":
        return _("Mật khẩu quá ngắn: cần ít nhất %(n)s ký tự.") % {"n": params.get("min_length", "")}
    if error.code == "password_too_common":
        return _("Mật khẩu quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.")
    if error.code == "password_entirely_numeric":
        return _("Mật khẩu không được chỉ gồm chữ số.")
    if error.code == "password_too_similar":
        return _("Mật khẩu quá giống thông tin của tài khoản (tên đăng nhập, họ tên hoặc thư điện tử).")
    return " ".join(error.messages)


def password_problems(password: str, user: Any = None) -> list[str]:
    """The refusals of the configured password validators, in Vietnamese; empty when the password is fine."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [_password_message(error) for error in exc.error_list]
    return []


def suggested_username(username: str) -> str:
    """`username` in the characters a username takes: accents dropped («lê.văn.c»: «le.van.c»; «đ»: «d»), lower
    case, spaces as dots, anything else left out."""
    text = unicodedata.normalize("NFKD", username.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = ".".join(text.split())
    return "".join(ch for ch in text if USERNAME_PATTERN.fullmatch(ch))


def username_problem(username: str) -> str | None:
    """Why a new username's characters are refused, with its unaccented form when there is one; None when fine.
    `username` as the account stores it (NFKC: «qa²» is «qa2»)."""
    if USERNAME_PATTERN.fullmatch(username):
        return None
    suggestion = suggested_username(username)
    if suggestion and suggestion != username:
        return str(MSG_USERNAME_SUGGESTED) % {"u": username, "s": suggestion}
    return str(MSG_USERNAME)


def username_problems(username: str) -> list[str]:
    if not username:
        return [_("Hãy nhập tên đăng nhập.")]
    problems = []
    if len(username) > USERNAME_MAX:
        problems.append(_("Tên đăng nhập dài quá %(n)s ký tự.") % {"n": USERNAME_MAX})
    problem = username_problem(username)
    if problem:
        problems.append(problem)
    return problems


def full_name_problems(full_name: str) -> list[str]:
    if len(full_name) > FULL_NAME_MAX:
        return [_("Họ và tên dài quá %(n)s ký tự.") % {"n": FULL_NAME_MAX}]
    return []


def email_problems(email: str) -> list[str]:
    if not email:
        return []
    if len(email) > EMAIL_MAX:
        return [_("Địa chỉ thư điện tử dài quá %(n)s ký tự.") % {"n": EMAIL_MAX}]
    try:
        validate_email(email)
    except ValidationError:
        return [_("Địa chỉ thư điện tử «%(e)s» không hợp lệ.") % {"e": email}]
    return []


def code_problems(code: str) -> list[str]:
    try:
        validate_code(code)
    except ValidationError:
        return [_("Mã «%(code)s» không hợp lệ: %(rule)s") % {"code": code, "rule": MSG_CODE}]
    return []


# steps offered when the maximum is not a multiple of the chosen one, the largest first
_STEPS_DIVIDING = tuple(Decimal(s) for s in ("1", "0.5", "0.25", "0.2", "0.1", "0.05", "0.01"))


def _points(value: Decimal) -> str:
    """Points as a message shows them: decimal comma, no trailing zeros (0,25; 10)."""
    text = format(value.normalize(), "f") if value else "0"
    return text.replace(".", ",")


def step_problem(*, max_points: Decimal, floor: Decimal, step: Any) -> str | None:
    """Why a direct-points leaf's maximum can never be given, or None. The engine takes only multiples of the step
    (the parameter `step`, 0,25 when left out) between the floor and the maximum, so a maximum that is not one is
    out of every unit's reach; the message says which values are reachable and how to mend it. A step the engine
    refuses itself (not a number, not above 0) is left to the engine's message."""
    try:
        size = engine.to_decimal(DEFAULT_STEP if step in (None, "") else step, field="step")
        maximum, lowest = Decimal(max_points), Decimal(floor)
        if size <= 0 or not maximum.is_finite() or not lowest.is_finite() or maximum % size == 0:
            return None
    except (engine.EngineError, InvalidOperation, ValueError, TypeError):
        return None
    first = (lowest / size).to_integral_value(rounding=ROUND_CEILING) * size
    last = (maximum / size).to_integral_value(rounding=ROUND_FLOOR) * size
    if first > last:
        reachable = _("không có mức nào")
    else:
        values = [first + size * n for n in range(int((last - first) / size) + 1)] if (last - first) / size < 6 else [
            first, first + size, first + 2 * size, None, last
        ]
        reachable = "; ".join("…" if v is None else _points(v) for v in values)
    dividing = next((s for s in _STEPS_DIVIDING if s < size and maximum % s == 0), Decimal("0.01"))
    return _(
        "Điểm tối đa %(max)s không phải là bội số của bước điểm %(step)s nên không đơn vị nào đạt được: chỉ chấm "
        "được các mức %(reachable)s. Hãy đặt điểm tối đa là bội số của bước điểm (%(below)s hoặc %(above)s), hoặc "
        "chọn bước điểm chia hết điểm tối đa (ví dụ %(dividing)s)."
    ) % {
        "max": _points(maximum), "step": _points(size), "reachable": reachable,
        "below": _points(last), "above": _points(last + size), "dividing": _points(dividing),
    }
