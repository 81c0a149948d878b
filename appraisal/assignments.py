"""The appraisal team of a cycle: who appraises which areas (or criteria) of which units.

Writes go through `appraisal_assignment_save` / `appraisal_assignment_delete` (audited).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
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


@dataclass
class SetCover:
    """What a set of the cycle lacks: `nobody`, what nobody at all may appraise (a real gap); `leads_only`, what only
    the lead(s) of the cycle may appraise (their right to appraise every area), naming those `leads`."""

    indicator_set: IndicatorSet
    nobody: list[Gap] = field(default_factory=list)
    leads_only: list[Gap] = field(default_factory=list)
    leads: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class _Person:
    """A team member as the cover counts them: the units they never appraise (`appraisal.permissions.own_unit_ids`:
    the units of their team and unit roles)."""

    user: Any
    own: frozenset[int]


NOT_OPEN_YET = 0  # the one "unit" of a set no unit takes part on yet (no real unit has the id 0)
OWN_UNIT_ROLES = (*TEAM_ROLES, RoleAssignment.Role.UNIT_EDITOR, RoleAssignment.Role.UNIT_HEAD)


def _team_of(cycle: Cycle) -> tuple[list[_Person], list[tuple[_Person, AppraisalAssignment]]]:
    """The cycle's leads, and its other members with their assignments, as `appraisal.permissions` decides who may
    appraise: a lead is an active holder of the lead role, or an active team member whose assignment for the cycle
    makes them lead (`is_lead`); a member appraises only through their assignment and only with a team role
    (`appraisal_scope`). An account locked, or left without a team role, appraises nothing. Four queries at most."""
    roles: dict[int, set[str]] = {}
    own: dict[int, set[int]] = {}
    users: dict[int, Any] = {}
    assignments = list(
        AppraisalAssignment.objects.filter(cycle=cycle, user__is_active=True)
        .select_related("user").prefetch_related("areas", "units")
    )
    people = get_user_model().objects.filter(is_active=True).filter(
        Q(appraisal_assignments__cycle=cycle) | Q(roles__role=RoleAssignment.Role.APPRAISAL_LEAD))
    for held in RoleAssignment.objects.filter(user__in=people).select_related("user"):
        users[held.user_id] = held.user
        roles.setdefault(held.user_id, set()).add(held.role)
        if held.unit_id is not None and held.role in OWN_UNIT_ROLES:
            own.setdefault(held.user_id, set()).add(held.unit_id)

    def person(user_id: int) -> _Person:
        return _Person(user=users[user_id], own=frozenset(own.get(user_id, ())))

    on_team = {pk for pk, held in roles.items() if held & set(TEAM_ROLES)}
    lead_ids = {pk for pk, held in roles.items() if RoleAssignment.Role.APPRAISAL_LEAD in held}
    lead_ids |= {a.user_id for a in assignments if a.is_lead and a.user_id in on_team}
    leads = sorted((person(pk) for pk in lead_ids), key=lambda p: (  # as `team_candidates`: given name first
        sort_key(p.user.last_name), sort_key(p.user.first_name), p.user.username))
    members = [(person(a.user_id), a) for a in assignments if a.user_id in on_team and a.user_id not in lead_ids]
    return leads, members


def _shown(targets: list[Indicator], area: Indicator, missing: dict[int, frozenset[int]],
           everyone: frozenset[int]) -> list[tuple[Indicator, frozenset[int] | None]]:
    """The nodes to name for what `missing` (node id → units) says of an area's targets: the area itself when all of
    them miss the same units, else each target that misses some; None for every unit of the set."""
    gaps = [(t, None if missing[t.pk] == everyone else missing[t.pk]) for t in targets if missing[t.pk]]
    if gaps and len(gaps) == len(targets) and len({units for _t, units in gaps}) == 1:
        return [(area, gaps[0][1])]
    return gaps


def units_without_lead(*, cycle: Cycle) -> list[Unit]:
    """The units taking part in the cycle that no lead of its team may run and sign off (`_team_of`: a lead never
    of their own unit): every lead belongs to them, or the cycle has no lead. Their assessments would wait in the
    queue with nobody able to sign them off. In Vietnamese name order. Five queries at most."""
    leads, _members = _team_of(cycle)
    units = [a.unit for a in cycle.assessments.select_related("unit")]
    return sorted((u for u in units if not any(u.pk not in lead.own for lead in leads)), key=lambda u: sort_key(u.name))


def coverage(*, cycle: Cycle) -> list[SetCover]:
    """What the cycle's team leaves uncovered, set by set (in the sets' order; a set lacking nothing is left out).

    A criterion (level 2) is covered for a unit by a member's assignment naming it or its area, with no units or that
    unit among them, unless it is the member's own unit; an area without criteria stands for itself. What no member
    covers is only the lead(s)' (`leads_only`: a lead may appraise every area, but never of their own unit) or, when
    no lead may either, nobody's (`nobody`). A lead's assignment adds nothing to their right to every area. An area
    all of whose criteria miss the same units is named by its code; otherwise its criteria that miss some are. The
    units of a set are those taking part in the cycle on it (before any takes part, a node is uncovered when no
    member's assignment names it). Six queries at most, whatever the size."""
    nodes = list(assignable_nodes(cycle=cycle))
    taking_part: dict[int, dict[int, Unit]] = {}
    for assessment in cycle.assessments.select_related("unit"):
        taking_part.setdefault(assessment.indicator_set_id, {})[assessment.unit_id] = assessment.unit
    leads, members = _team_of(cycle)
    covers: dict[int, list[tuple[frozenset[int] | None, frozenset[int]]]] = {}  # node id → (units or None: all, own)
    for member, assignment in members:
        units = frozenset(u.pk for u in assignment.units.all()) or None
        for node in assignment.areas.all():
            covers.setdefault(node.pk, []).append((units, member.own))
    children: dict[int, list[Indicator]] = {}
    for node in nodes:
        if node.level == 2 and node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)

    def member_covers(node: Indicator, area: Indicator, unit_id: int) -> bool:
        named = covers.get(node.pk, []) + (covers.get(area.pk, []) if node is not area else [])
        if unit_id == NOT_OPEN_YET:
            return bool(named)
        return any((units is None or unit_id in units) and unit_id not in own for units, own in named)

    found: dict[int, SetCover] = {}
    for area in (node for node in nodes if node.level == 1):
        units_of_set = taking_part.get(area.indicator_set_id, {})
        everyone = frozenset(units_of_set) or frozenset({NOT_OPEN_YET})
        targets = sorted(children.get(area.pk, []), key=lambda n: n.order) or [area]
        nobody: dict[int, frozenset[int]] = {}
        leads_only: dict[int, frozenset[int]] = {}
        covering: set[int] = set()  # the leads covering something of the area no member does
        for target in targets:
            left = [u for u in sorted(everyone) if not member_covers(target, area, u)]
            by_lead = {u: [lead for lead in leads if u not in lead.own] for u in left}
            nobody[target.pk] = frozenset(u for u in left if not by_lead[u])
            leads_only[target.pk] = frozenset(u for u in left if by_lead[u])
            covering.update(lead.user.pk for u in left for lead in by_lead[u])
        for kind, missing in (("nobody", nobody), ("leads_only", leads_only)):
            for node, units in _shown(targets, area, missing, everyone):
                said = found.setdefault(area.indicator_set_id, SetCover(indicator_set=area.indicator_set))
                named = [] if units is None else sorted((units_of_set[pk] for pk in units),
                                                        key=lambda u: sort_key(u.name))
                getattr(said, kind).append(Gap(code=node.code, units=named))
                if kind == "leads_only":
                    said.leads = [lead.user for lead in leads  # in the leads' (name) order
                                  if lead.user.pk in covering or lead.user in said.leads]
    return sorted(found.values(), key=lambda cover: cover.indicator_set.key)


def uncovered_nodes(*, cycle: Cycle) -> list[tuple[IndicatorSet, list[Gap]]]:
    """What nobody at all may appraise in the cycle, set by set (`coverage`'s real gaps; the lead's areas are not)."""
    return [(cover.indicator_set, cover.nobody) for cover in coverage(cycle=cycle) if cover.nobody]


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
