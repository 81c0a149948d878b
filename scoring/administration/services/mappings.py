"""Renumbered criteria: the administrator's mapping of a criterion's old code to its new one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from scoring.administration.services.common import nfc
from scoring.errors import ValidationFailed
from scoring.models import (
    CycleSet,
    IndicatorMapping,
    IndicatorSet,
)
from scoring.services import audit_record


@transaction.atomic
def indicator_mapping_save(
    *, from_set: IndicatorSet, to_set: IndicatorSet, from_code: str, to_code: str, actor: Any
) -> IndicatorMapping:
    """Record that criterion `from_code` of the old set is `to_code` in the new one (replacing an earlier pairing).

    A mapping only says how a criterion was renumbered from one year's set to a later one for the same units (the
    diff page and the history across years read it), so it goes forward in time, between sets of one unit kind
    (or a kind and the set it was scored on, as the vertical agencies on the departments' set), and pairs a leaf
    with a leaf or a group with a group of the same level."""
    from_code, to_code = nfc(from_code), nfc(to_code)
    if from_set.pk == to_set.pk:
        raise ValidationFailed(_("Hãy chọn hai bộ chỉ số khác nhau."))
    from scoring.administration.selectors import older_and_newer

    if older_and_newer(from_set, to_set)[0].pk != from_set.pk:  # the order the comparison page shows them in
        raise ValidationFailed(
            _("Đối chiếu đi từ bộ cũ sang bộ mới: bộ «%(old)s» (năm %(y1)s) mới hơn bộ «%(new)s» (năm %(y2)s).")
            % {"old": from_set.key, "y1": from_set.year, "new": to_set.key, "y2": to_set.year},
            code="mapping_backwards",
        )
    if from_set.unit_kind_id != to_set.unit_kind_id and not _scored_for_kind(from_set, to_set):
        raise ValidationFailed(
            _("Hai bộ «%(old)s» (%(k1)s) và «%(new)s» (%(k2)s) dành cho hai loại đơn vị khác nhau.")
            % {"old": from_set.key, "k1": from_set.unit_kind, "new": to_set.key, "k2": to_set.unit_kind},
            code="mapping_other_kind",
        )
    old_node = from_set.indicators.filter(code=from_code).first()
    if old_node is None:
        raise ValidationFailed(_("Bộ «%(set)s» không có mã «%(code)s».") % {"set": from_set.key, "code": from_code})
    new_node = to_set.indicators.filter(code=to_code).first()
    if new_node is None:
        raise ValidationFailed(_("Bộ «%(set)s» không có mã «%(code)s».") % {"set": to_set.key, "code": to_code})
    if old_node.is_leaf != new_node.is_leaf or (not old_node.is_leaf and old_node.level != new_node.level):
        raise ValidationFailed(
            _(
                "Chỉ đối chiếu tiêu chí thành phần với tiêu chí thành phần, hoặc hai nhóm cùng cấp: «%(a)s» "
                "(%(ka)s, cấp %(la)s) và «%(b)s» (%(kb)s, cấp %(lb)s) không tương ứng."
            )
            % {
                "a": from_code,
                "ka": _("tiêu chí thành phần") if old_node.is_leaf else _("nhóm"),
                "la": old_node.level,
                "b": to_code,
                "kb": _("tiêu chí thành phần") if new_node.is_leaf else _("nhóm"),
                "lb": new_node.level,
            },
            code="mapping_levels",
        )
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


def _scored_for_kind(from_set: IndicatorSet, to_set: IndicatorSet) -> bool:
    """Whether one set was used by a cycle for the other's unit kind (a kind scored on another kind's set)."""
    return CycleSet.objects.filter(indicator_set=from_set, unit_kind_id=to_set.unit_kind_id).exists() or (
        CycleSet.objects.filter(indicator_set=to_set, unit_kind_id=from_set.unit_kind_id).exists()
    )


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
