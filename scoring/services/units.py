"""The unit catalogue (units, kinds, ranking groups) loaded from its fixture form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from scoring.errors import (
    ValidationFailed,
)
from scoring.models import (
    RankingGroup,
    Unit,
    UnitKind,
)
from scoring.services.common import _nfc, audit_record


@transaction.atomic
def unit_catalogue_load(*, data: Mapping[str, Any], actor: Any) -> dict[str, int]:
    """Create the unit kinds, ranking groups and units of a catalogue file that do not exist yet (by code).

    Existing rows are left as an administrator may have changed them. Returns counts of created rows.
    """
    created = {"unit_kinds": 0, "ranking_groups": 0, "units": 0}
    for row in data.get("unit_kinds", []):
        _kind, new = UnitKind.objects.get_or_create(
            code=row["code"], defaults={"name": _nfc(row["name"]), "order": row.get("order", 0)}
        )
        created["unit_kinds"] += new
    for row in data.get("ranking_groups", []):
        _group, new = RankingGroup.objects.get_or_create(
            code=row["code"], defaults={"name": _nfc(row["name"]), "order": row.get("order", 0)}
        )
        created["ranking_groups"] += new
    kinds = {k.code: k for k in UnitKind.objects.all()}
    groups = {g.code: g for g in RankingGroup.objects.all()}
    for row in data.get("units", []):
        if row["kind"] not in kinds:
            raise ValidationFailed(_("Loại đơn vị «%(kind)s» không tồn tại.") % {"kind": row["kind"]})
        unit, new = Unit.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": _nfc(row["name"]),
                "short_name": _nfc(row.get("short_name", "")),
                "kind": kinds[row["kind"]],
                "ranking_group": groups.get(row.get("group", "")),
                "superior_body": _nfc(row.get("superior_body", "")),
            },
        )
        if new:
            created["units"] += 1
            audit_record(
                actor=actor, action="unit.create", object_type="Unit", object_id=unit.pk, unit=unit,
                changes={"name": {"old": None, "new": unit.name}},
            )
    return created
