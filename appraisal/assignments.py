"""The appraisal team of a cycle: who appraises which areas (or criteria) of which units.

Writes go through `appraisal_assignment_save` / `appraisal_assignment_delete` (audited).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from appraisal.models import AppraisalAssignment
from cchc.collation import sort_key
from scoring.errors import ValidationFailed
from scoring.models import Cycle, Indicator, IndicatorSet, RoleAssignment, Unit
from scoring.services import audit_record

TEAM_ROLES = (RoleAssignment.Role.APPRAISER, RoleAssignment.Role.APPRAISAL_LEAD)


def team_candidates() -> QuerySet[Any]:
    """Active users holding an appraiser or lead role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, roles__role__in=TEAM_ROLES)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def assignable_nodes(*, cycle: Cycle) -> QuerySet[Indicator]:
    """Areas and criteria (levels 1 and 2) of the sets the cycle uses."""
    return (
        Indicator.objects.filter(indicator_set__cycle_sets__cycle=cycle, level__lte=2)
        .distinct()  # a set serving several unit kinds appears once
        .select_related("indicator_set")
        .order_by("indicator_set__key", "order")
    )


def assignments_of_cycle(*, cycle: Cycle) -> QuerySet[AppraisalAssignment]:
    """The cycle's assignments, each with its areas (and their sets, in the sets' and the tree's order) and units."""
    return (
        AppraisalAssignment.objects.filter(cycle=cycle)
        .select_related("user")
        .prefetch_related(
            Prefetch("areas", queryset=Indicator.objects.select_related("indicator_set")
                     .order_by("indicator_set__key", "order")),
            "units",
        )
        .order_by("-is_lead", "user__last_name", "user__username")
    )


def areas_by_set(assignment: AppraisalAssignment) -> list[tuple[IndicatorSet, list[str]]]:
    """The assignment's areas and criteria as (set, codes) in the sets' and the tree's order: the same code
    («1», «2») names a different area in each set, so a code means nothing without its set."""
    groups: dict[int, tuple[IndicatorSet, list[Indicator]]] = {}
    for node in assignment.areas.all():
        groups.setdefault(node.indicator_set_id, (node.indicator_set, []))[1].append(node)
    ordered = sorted(groups.values(), key=lambda group: group[0].key)
    return [(indicator_set, [n.code for n in sorted(nodes, key=lambda n: n.order)]) for indicator_set, nodes in ordered]


@dataclass
class Gap:
    """An area (or a criterion of an area partly assigned) that no assignment covers: for every unit of its set in
    the cycle (`units` empty), or for the `units` named."""

    code: str
    units: list[Unit] = field(default_factory=list)


def uncovered_nodes(*, cycle: Cycle) -> list[tuple[IndicatorSet, list[Gap]]]:
    """What nobody appraises in the cycle, set by set (in the sets' order; a set with nothing uncovered is left
    out): each area that no assignment names, for some unit of the set, as its criteria (level 2) are covered.

    A criterion is covered for a unit by an assignment naming it or its area, with no units or that unit among
    them; an area without criteria stands for itself. An area all of whose criteria miss the same units is named
    by its code; otherwise its criteria that miss some are. The units of a set are those taking part in the cycle
    on it (before any takes part: a node is uncovered when no assignment names it). A lead's general right to
    appraise any area is not a cover: only the areas an assignment names are. Five queries, whatever the size."""
    nodes = list(assignable_nodes(cycle=cycle))
    taking_part: dict[int, dict[int, Unit]] = {}
    for assessment in cycle.assessments.select_related("unit"):
        taking_part.setdefault(assessment.indicator_set_id, {})[assessment.unit_id] = assessment.unit
    covers: dict[int, list[frozenset[int] | None]] = {}  # node id → per assignment naming it: its units (None: all)
    for assignment in AppraisalAssignment.objects.filter(cycle=cycle).prefetch_related("areas", "units"):
        units = frozenset(u.pk for u in assignment.units.all()) or None
        for node in assignment.areas.all():
            covers.setdefault(node.pk, []).append(units)
    children: dict[int, list[Indicator]] = {}
    for node in nodes:
        if node.level == 2 and node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)

    def missing(node: Indicator, area: Indicator, everyone: dict[int, Unit]) -> frozenset[int] | None:
        """The units of the set no assignment covers `node` for (None: every unit, nobody names it at all)."""
        named = covers.get(node.pk, []) + (covers.get(area.pk, []) if node is not area else [])
        if not named:
            return None
        if any(units is None for units in named):
            return frozenset()
        covered = frozenset().union(*[units for units in named if units is not None])
        left = frozenset(everyone) - covered
        return None if left and left == frozenset(everyone) else left  # none of its units: as if nobody named it

    found: dict[int, tuple[IndicatorSet, list[Gap]]] = {}
    for area in (node for node in nodes if node.level == 1):
        everyone = taking_part.get(area.indicator_set_id, {})
        targets = sorted(children.get(area.pk, []), key=lambda n: n.order) or [area]
        gaps = [(target, missing(target, area, everyone)) for target in targets]
        gaps = [(target, units) for target, units in gaps if units is None or units]
        if not gaps:
            continue
        shown: list[tuple[Indicator, frozenset[int] | None]]
        if len(gaps) == len(targets) and len({units for _target, units in gaps}) == 1:
            shown = [(area, gaps[0][1])]  # the whole area, for the same units
        else:
            shown = gaps
        said = found.setdefault(area.indicator_set_id, (area.indicator_set, []))[1]
        for node, units in shown:
            named = [] if units is None else sorted((everyone[pk] for pk in units), key=lambda u: sort_key(u.name))
            said.append(Gap(code=node.code, units=named))
    return sorted(found.values(), key=lambda group: group[0].key)


@transaction.atomic
def appraisal_assignment_save(
    *,
    cycle: Cycle,
    user: Any,
    is_lead: bool,
    node_ids: Iterable[int],
    unit_ids: Iterable[int],
    actor: Any,
) -> AppraisalAssignment:
    """Create or replace a member's assignment in the cycle. Areas/criteria must belong to the cycle's sets;
    units must be active. Side effects: one audit entry with the old and new assignment."""
    if not RoleAssignment.objects.filter(user=user, role__in=TEAM_ROLES).exists():
        raise ValidationFailed(
            _("Người dùng này chưa có vai trò thành viên hoặc tổ trưởng Tổ thẩm định."), code="not_team_member"
        )
    wanted_nodes = set(node_ids)
    nodes = list(assignable_nodes(cycle=cycle).filter(pk__in=wanted_nodes))
    if len(nodes) != len(wanted_nodes):
        raise ValidationFailed(
            _("Có lĩnh vực hoặc tiêu chí không thuộc bộ chỉ số của kỳ đánh giá này."), code="foreign_node"
        )
    if not nodes and not is_lead:
        raise ValidationFailed(_("Hãy chọn ít nhất một lĩnh vực hoặc tiêu chí."), code="no_area")
    wanted_units = set(unit_ids)
    units = list(Unit.objects.filter(pk__in=wanted_units, active=True))
    if len(units) != len(wanted_units):
        raise ValidationFailed(_("Có đơn vị không tồn tại hoặc đã ngừng hoạt động."), code="unknown_unit")
    taking_part = set(cycle.assessments.filter(unit__in=units).values_list("unit_id", flat=True))
    outside = sorted(u.name for u in units if u.pk not in taking_part)
    if outside:
        raise ValidationFailed(
            _("Đơn vị không tham gia kỳ đánh giá này: %(units)s.") % {"units": ", ".join(outside)},
            code="unit_not_in_cycle",
        )
    assignment = AppraisalAssignment.objects.select_for_update(of=("self",)).filter(cycle=cycle, user=user).first()
    old: dict[str, Any] = {"is_lead": None, "areas": [], "units": []}
    if assignment is None:
        assignment = AppraisalAssignment.objects.create(cycle=cycle, user=user, is_lead=is_lead)
    else:
        old = {
            "is_lead": assignment.is_lead,
            "areas": sorted(a.code for a in assignment.areas.all()),
            "units": sorted(u.code for u in assignment.units.all()),
        }
        assignment.is_lead = is_lead
        assignment.save(update_fields=["is_lead"])
    assignment.areas.set(nodes)
    assignment.units.set(units)
    new = {"is_lead": is_lead, "areas": sorted(n.code for n in nodes), "units": sorted(u.code for u in units)}
    audit_record(
        actor=actor, action="appraisal_assignment.save", object_type="AppraisalAssignment",
        object_id=assignment.pk, changes={k: {"old": old[k], "new": new[k]} for k in new if old[k] != new[k]},
    )
    return assignment


@transaction.atomic
def appraisal_assignment_delete(*, assignment: AppraisalAssignment, actor: Any) -> None:
    audit_record(
        actor=actor, action="appraisal_assignment.delete", object_type="AppraisalAssignment",
        object_id=assignment.pk,
        changes={"user": {"old": assignment.user.get_username(), "new": None},
                 "areas": {"old": sorted(a.code for a in assignment.areas.all()), "new": []}},
    )
    assignment.delete()
