"""Parsing the appraisal pages' posts, and the per-leaf method controls (shared with the self-assessment page)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.services.common import MSG_UNKNOWN_LINE, TEXT_LIMIT
from scoring.errors import ValidationFailed
from scoring.forms import method_input_context, method_value_from_post
from scoring.models import Indicator, ScoreLine
from scoring.text import posted_id

__all__ = [
    "ReopenForm",
    "SurveyUploadForm",
    "appraise_prefix",
    "base_version",
    "date_input_value",
    "deadline_from_post",
    "ids_of",
    "line_ids_of",
    "method_input_context",
    "method_value_from_post",
    "self_prefix",
    "whole_number",
]

def appraise_prefix(line: ScoreLine) -> str:
    return f"a{line.pk}-"


def self_prefix(line: ScoreLine) -> str:
    return f"s{line.pk}-"


def whole_number(raw: Any) -> int | None:
    """A query or form parameter as a whole number written in ASCII digits, of any size; None otherwise
    ("²" and "٣" are digits to `str.isdigit` but not to `int`)."""
    text = str(raw if raw is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def line_ids_of(values: Any) -> list[int]:
    """The posted leaf ids, all of them: one value that cannot be an id (malformed, zero, negative) refuses the
    request with the message of a leaf of another assessment, so nothing is flagged short of what was asked."""
    ids = [posted_id(value) for value in values]
    if any(n is None for n in ids):
        raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line")
    return [n for n in ids if n is not None]


def ids_of(values: Any) -> list[int]:
    """The posted values that can be ids; the others (not a number, out of range) match no row: left out."""
    return [n for n in map(posted_id, values) if n is not None]


def base_version(raw: Any) -> int:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Thiếu phiên bản dữ liệu: hãy tải lại trang."), code="missing_version") from None
    if value < 1:
        raise ValidationFailed(_("Thiếu phiên bản dữ liệu: hãy tải lại trang."), code="missing_version")
    return value


def _parse_date(raw: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()  # a calendar date; made aware by the caller
        except ValueError:
            continue
    return None


def deadline_from_post(raw: Any) -> datetime:
    """A date (yyyy-mm-dd from a date input, or dd/mm/yyyy typed) → the end of that day, local time."""
    text = str(raw or "").strip()
    if not text:
        raise ValidationFailed(_("Hãy chọn hạn giải trình."), code="deadline_required", details={"field": "deadline"})
    day = _parse_date(text)
    if day is None:
        raise ValidationFailed(
            _("Hạn giải trình «%(raw)s» không phải là một ngày: hãy ghi ngày dạng dd/mm/yyyy (hoặc yyyy-mm-dd), "
              "không kèm giờ.") % {"raw": text if len(text) <= 40 else text[:39] + "…"},
            code="bad_deadline", details={"field": "deadline"},
        )
    end = datetime.combine(day, time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def date_input_value(raw: Any) -> str:
    """A posted date as an <input type="date"> keeps it (yyyy-mm-dd): a browser drops a dd/mm/yyyy value."""
    text = str(raw or "").strip()
    day = _parse_date(text)
    return day.isoformat() if day is not None else text


def default_deadline_date(days: int = 7) -> date:
    return (timezone.localtime() + timedelta(days=days)).date()


class ReopenForm(forms.Form):
    # No max_length here: the service checks the length (TEXT_LIMIT) with the message every other text gets.
    reason = forms.CharField(
        label=gettext_lazy("Lý do mở lại"), widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
        error_messages={"required": gettext_lazy("Hãy nêu lý do mở lại bản đánh giá.")},
    )


class SurveyUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp kết quả điều tra (.xlsx hoặc .csv)"),
        error_messages={"required": gettext_lazy("Hãy chọn tệp kết quả điều tra.")},
    )


def leaf_contexts(line: ScoreLine, indicator: Indicator, *, editable: bool, posted: dict[str, Any] | None = None,
                  error_field: str | None = None) -> dict[str, Any]:
    """The unit's answer (its labels and figures, drawn as text: `_self_answer.html`) and the appraiser's input for one
    leaf, with the same method control.

    The appraiser's control starts from the appraised value, else from the unit's value, else empty.
    """
    start = posted if posted is not None else (line.appraised_value or line.self_value)
    contexts = {
        "self": method_input_context(indicator, line.self_value, self_prefix(line), disabled=True, allow_clear=False),
        "appraise": method_input_context(
            indicator, start, appraise_prefix(line), disabled=not editable, error_field=error_field,
            allow_clear=False,
        ),
    }
    return contexts  # a penalty leaf's controls read as deductions (`scoring.forms.as_deduction`)

