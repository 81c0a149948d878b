"""Renumbered criteria: the administrator's mapping of a criterion's old code to its new one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from scoring.administration.services.common import nfc
from scoring.errors import ValidationFailed
from scoring.models import (
    IndicatorMapping,
    IndicatorSet,
)
from scoring.services import audit_record


@transaction.atomic
def indicator_mapping_save(
    *, from_set: IndicatorSet, to_set: IndicatorSet, from_code: str, to_code: str, actor: Any
) -> IndicatorMapping:
    """Record that criterion `from_code` of the old set is `to_code` in the new one (replacing an earlier pairing)."""
    from_code, to_code = nfc(from_code), nfc(to_code)
    if from_set.pk == to_set.pk:
        raise ValidationFailed(_("Hãy chọn hai bộ chỉ số khác nhau."))
    if not from_set.indicators.filter(code=from_code).exists():
        raise ValidationFailed(_("Bộ «%(set)s» không có mã «%(code)s».") % {"set": from_set.key, "code": from_code})
    if not to_set.indicators.filter(code=to_code).exists():
        raise ValidationFailed(_("Bộ «%(set)s» không có mã «%(code)s».") % {"set": to_set.key, "code": to_code})
    existing = IndicatorMapping.objects.filter(from_set=from_set, to_set=to_set)
    old = existing.filter(from_code=from_code).first()
    existing.filter(from_code=from_code).delete()
    existing.filter(to_code=to_code).delete()
    mapping = IndicatorMapping.objects.create(from_set=from_set, to_set=to_set, from_code=from_code, to_code=to_code)
    audit_record(
        actor=actor,
        action="indicator_mapping.save",
        object_type="IndicatorMapping",
        object_id=mapping.pk,
        changes={
            "from": {"old": None, "new": f"{from_set.key}:{from_code}"},
            "to": {"old": old.to_code if old else None, "new": f"{to_set.key}:{to_code}"},
        },
    )
    return mapping


@transaction.atomic
def indicator_mapping_delete(*, mapping: IndicatorMapping, actor: Any) -> None:
    pk, text = mapping.pk, str(mapping)
    mapping.delete()
    audit_record(
        actor=actor,
        action="indicator_mapping.delete",
        object_type="IndicatorMapping",
        object_id=pk,
        changes={"mapping": {"old": text, "new": None}},
    )
