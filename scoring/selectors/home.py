"""The home page's reads for a signed-in unit person who has no assessment to land on."""

from __future__ import annotations

from dataclasses import dataclass, field

from cchc.collation import vietnamese
from scoring.models import Assessment, Cycle, Unit
from scoring.selectors.sheet import open_cycle


@dataclass(frozen=True)
class UnitSituation:
    """Why a unit's person has nothing to work on: their units (names), the cycle under way that has no
    assessment of theirs (None: no cycle is under way) and their units' assessments of other cycles."""

    unit_names: list[str]
    cycle: Cycle | None
    earlier: list[Assessment] = field(default_factory=list)


def unit_situation(*, unit_ids: set[int]) -> UnitSituation | None:
    """The situation of a person whose units (`unit_ids`, their unit roles) have no assessment in the open cycle:
    a unit added or formed by a merger after the cycle's assessments were opened, or no cycle open yet. None when
    they have no unit, or one of their units has an assessment in the open cycle (the home page sends them to it).
    A published cycle is not under way: nothing is opened in it any more. Four queries at most."""
    if not unit_ids:
        return None
    cycle = open_cycle()
    if cycle is not None and Assessment.objects.filter(cycle=cycle, unit_id__in=unit_ids).exists():
        return None
    if cycle is not None and cycle.phase == Cycle.Phase.PUBLISHED:
        cycle = None
    names = list(Unit.objects.filter(pk__in=unit_ids).order_by(vietnamese("name")).values_list("name", flat=True))
    earlier = list(
        Assessment.objects.filter(unit_id__in=unit_ids).select_related("cycle", "unit")
        .only("pk", "state", "cycle__year", "cycle__name", "unit__name")
        .order_by("-cycle__year", vietnamese("unit__name"))
    )
    return UnitSituation(unit_names=names, cycle=cycle, earlier=earlier)
