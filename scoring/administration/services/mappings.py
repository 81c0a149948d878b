"""Renumbered criteria: the administrator's mapping of a criterion's old code to its new one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def clone_source(indicator_set: IndicatorSet) -> IndicatorSet | None:
    """The set `indicator_set` was cloned from, when its mappings to `indicator_set` follow the clone's code changes
    (`_follow_code_in_clone`): an older set, as the comparison orders them. None otherwise."""
    from scoring.administration.selectors import older_and_newer

    source = indicator_set.cloned_from
    if source is None or older_and_newer(source, indicator_set)[0].pk != source.pk:
        return None
    return source


def clone_origins(indicator_set: IndicatorSet, source: IndicatorSet) -> dict[str, str]:
    """Each criterion of the clone (by its code) with the code, in `source`, of the criterion it was copied as: the
    code a mapping gives it, else its own code when the source has it and no mapping sends it elsewhere (the rule
    of `_follow_code_in_clone`). A criterion added in the clone has none."""
    mappings = list(IndicatorMapping.objects.filter(from_set=source, to_set=indicator_set)
                    .values_list("from_code", "to_code"))
    given = {to_code: from_code for from_code, to_code in mappings}
    sent = {from_code for from_code, _to in mappings}
    source_codes = set(source.indicators.values_list("code", flat=True))
    origins: dict[str, str] = {}
    for code in indicator_set.indicators.values_list("code", flat=True):
        if code in given:
            origins[code] = given[code]
        elif code in source_codes and code not in sent:
            origins[code] = code
    return origins


def clone_mappings_follow(
    indicator_set: IndicatorSet, *, source: IndicatorSet, origins: Mapping[str, str], codes: Iterable[str], actor: Any
) -> int:
    """Bring the mappings `source` → `indicator_set` to what the clone's criteria now are: `origins` gives, for each
    criterion of the source that is still in the clone, its code there. A criterion under its source code needs no
    mapping (the codes pair it); one under another code gets its mapping. A mapping that says otherwise is deleted:
    one from a code of `origins`, or onto a code the criteria had or have (`codes`), as the criteria it paired are
    gone or renumbered; others are left. Each mapping deleted or recorded is audited as the administrator's
    (`indicator_mapping.delete` / `.save`). Returns the number recorded."""
    wanted = {origin: code for origin, code in origins.items() if origin != code}
    targets, touched = set(wanted.values()), set(codes)
    for mapping in IndicatorMapping.objects.filter(from_set=source, to_set=indicator_set).order_by("pk"):
        if wanted.get(mapping.from_code) == mapping.to_code:
            del wanted[mapping.from_code]
            continue
        if mapping.from_code in origins or mapping.to_code in targets or mapping.to_code in touched:
            text, pk = str(mapping), mapping.pk
            mapping.delete()
            audit_record(actor=actor, action="indicator_mapping.delete", object_type="IndicatorMapping",
                         object_id=pk, changes={"mapping": {"old": text, "new": None}})
    for origin, code in wanted.items():
        mapping = IndicatorMapping.objects.create(from_set=source, to_set=indicator_set, from_code=origin,
                                                  to_code=code)
        audit_record(actor=actor, action="indicator_mapping.save", object_type="IndicatorMapping",
                     object_id=mapping.pk, changes={"from": {"old": None, "new": f"{source.key}:{origin}"},
                                                    "to": {"old": None, "new": f"{indicator_set.key}:{code}"}})
    return len(wanted)
