"""Shared by the administration services: text and number clean-up, the frozen-set rule, set audits."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.errors import StaleVersion, StateConflict, ValidationFailed
from scoring.models import (
    Assessment,
    IndicatorSet,
)
from scoring.services import audit_record
from scoring.services.common import POINTS_LIMIT, has_at_most_two_decimals
from scoring.text import MSG_HIDDEN_CHARACTERS, hidden_character_at, shows_nothing, user_text

_Row = TypeVar("_Row")


def locked_at_version(
    queryset: Any, pk: Any, *, expected: str, version_of: Callable[[_Row], str], missing: Any, changed: Any,
) -> _Row:
    """The row `pk` of `queryset`, read again under a lock (a colleague's save waits for this one), when its version
    is still `expected`, the one the page was drawn with; refused (nothing written) when `expected` is empty
    (`version_required`, `missing`) or when the row changed since (`stale`, `changed`)."""
    if not expected:
        raise ValidationFailed(missing, code="version_required")
    row = queryset.select_for_update(of=("self",)).get(pk=pk)
    if version_of(row) != expected:
        raise StaleVersion(changed, code="stale")
    return row


MSG_FROZEN = gettext_lazy(  # lazy: translated when raised, in the language of the request
    "Bộ chỉ số «%(key)s» đang được kỳ đánh giá sử dụng nên không sửa trực tiếp được; "
    "hãy nhân bản thành phiên bản mới rồi sửa bản đó."
)
INDICATOR_FIELDS = (
    "code",
    "name",
    "kind",
    "max_points",
    "floor",
    "method",
    "params",
    "evidence_required",
    "allow_not_applicable",
    "on_time_submission",
    "guidance",
    "source",
    "coordinating_department",
)
SET_FIELDS = ("name", "decision_ref", "standard_max", "index_mode", "bonus_cap", "penalty_cap", "source_note")


def nfc(value: Any) -> str:
    """A name, code or reason as stored: NFC, trimmed; refused (ValidationFailed) when it holds a control or
    bidirectional-override character (a NUL, «\x01», an invisible name), as `user_text` refuses them."""
    text = unicodedata.normalize("NFC", str(value if value is not None else "")).strip()
    if shows_nothing(text):  # an invisible name is no name
        return ""
    at = hidden_character_at(text)
    if at is not None:
        raise ValidationFailed(MSG_HIDDEN_CHARACTERS % {"at": at}, code="hidden_characters")
    return text


REASON_LIMIT = 2000  # as the API's reasons: a reason goes into the append-only audit record


def reason_text(value: Any) -> str:
    """A reason an administrator gives (a step back, a unit stopped or merged, a participant removed, a deadline
    taken away) as stored: `user_text` within REASON_LIMIT, refused whole beyond it (ValidationFailed `too_long`,
    field «reason») as the API refuses it, never stored at any length."""
    return user_text(value, limit=REASON_LIMIT, field="reason")


def to_points(raw: Any, *, label: str, field: str | None = None) -> Decimal:
    """Points typed by a person ("0,5" or "0.5") as stored: at most 2 decimals and less than 100,000 in size;
    a clear refusal otherwise (never a value the database would round or refuse)."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = nfc(raw).replace(",", ".")
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValidationFailed(
                _("%(label)s «%(raw)s» không phải là số.") % {"label": label, "raw": raw}, code="not_a_number",
                details={"field": field} if field else None,
            ) from None
    if not value.is_finite() or abs(value) >= POINTS_LIMIT:
        raise ValidationFailed(
            _("%(label)s phải là số nhỏ hơn 100.000 điểm (về độ lớn).") % {"label": label}, code="not_a_number",
            details={"field": field} if field else None,
        )
    if not has_at_most_two_decimals(value):
        raise ValidationFailed(
            _("%(label)s chỉ được có tối đa 2 chữ số thập phân (ví dụ 0,25).") % {"label": label},
            code="too_many_decimals", details={"field": field} if field else None,
        )
    return value.quantize(Decimal("0.01"))


def _display(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def set_is_frozen(indicator_set: IndicatorSet) -> bool:
    return (
        indicator_set.status != IndicatorSet.Status.DRAFT
        or indicator_set.cycle_sets.exists()
        or Assessment.objects.filter(indicator_set=indicator_set).exists()
    )


def _ensure_editable(indicator_set: IndicatorSet) -> None:
    if set_is_frozen(indicator_set):
        raise StateConflict(MSG_FROZEN % {"key": indicator_set.key}, code="set_frozen")


def _audit_set(
    actor: Any, action: str, indicator_set: IndicatorSet, changes: Mapping[str, Any], reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="IndicatorSet",
        object_id=indicator_set.pk,
        changes=changes,
        reason=reason,
    )
