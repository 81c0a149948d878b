"""The appraisal team of a cycle: who appraises which areas (or criteria) of which units.

Writes go through `appraisal_assignment_save` / `appraisal_assignment_delete` / `appraisal_assignments_copy` (the
previous cycle's team into a new one), all audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import AppraisalAssignment
from cchc.collation import sort_key
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Cycle, CycleSet, Indicator, IndicatorSet, RoleAssignment, Unit
from scoring.selectors.clones import clone_chains
from scoring.services import audit_record, audit_records

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


# --- copying the previous cycle's team ---


def previous_cycle(*, cycle: Cycle) -> Cycle | None:
    """The cycle of the latest year before `cycle`'s: the team a new year's assignments are copied from."""
    return Cycle.objects.filter(year__lt=cycle.year).order_by("-year").first()


@dataclass
class CopyRow:
    """One assignment of the source cycle as it would be copied: its member and lead flag; its areas and criteria
    mapped to the new cycle's sets (`nodes`: their copies, or by code in an older clone), those the new set lacks
    (`unmatched`, as «3.4 (tg-2022-so)»); its units that take part in the new cycle (`units`) and those that do
    not (`units_dropped`); and, when it is not copied, why (`skipped`)."""

    source_id: int
    user: Any
    is_lead: bool
    nodes: list[Indicator] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    units_dropped: list[Unit] = field(default_factory=list)
    skipped: str = ""


@dataclass
class CopyPlan:
    """What copying `source`'s team into a cycle would do, row by row; `existing`: the assignments the cycle has
    already (a copy then needs the merge confirmed, and keeps theirs)."""

    source: Cycle
    rows: list[CopyRow]
    existing: int

    @property
    def copied(self) -> list[CopyRow]:
        return [row for row in self.rows if not row.skipped]

    @property
    def unmatched(self) -> list[str]:
        return sorted({code for row in self.rows for code in row.unmatched})

    @property
    def token(self) -> str:
        """A fingerprint of the plan: applying it is refused when the plan shown is no longer the one applied."""
        shape = [self.source.pk, self.existing, [
            [row.source_id, row.user.pk, row.is_lead, sorted(n.pk for n in row.nodes), sorted(u.pk for u in row.units),
             row.skipped] for row in self.rows]]
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def _copied_from(nodes: list[Indicator], sets: set[int]) -> dict[int, tuple[int, int]]:
    """For each of `nodes` copied, through one clone or several, from a criterion of one of `sets`: the node's pk
    → (that criterion's pk, its set's pk), by `Indicator.cloned_from` followed back (`clone_chains`). One query per
    generation."""
    walked = clone_chains(nodes, stop_sets=sets)
    found: dict[int, tuple[int, int]] = {}
    for pk, chain in walked.chains.items():
        if chain and (set_id := walked.set_of.get(chain[-1])) in sets:
            found[pk] = (chain[-1], set_id)
    return found


def appraisal_assignments_copy_plan(*, cycle: Cycle, source: Cycle) -> CopyPlan:
    """What copying `source`'s assignments into `cycle` would do (`CopyPlan`), without doing it. An area or
    criterion follows the unit kinds whose set it belongs to in `source` to the sets those kinds use in `cycle`:
    to the criterion copied from it (`Indicator.cloned_from`, through a clone or a clone of a clone), whatever its
    code now; by code only into a set with no such link to its set at all (cloned before the link was kept, or not
    a clone of it), as the sets' comparison pairs them: a criterion whose copy was deleted is not carried to a new
    one that took its code. Not found (a kind with no set in `cycle`, or a set without it): reported,
    `unmatched`. A member is not copied (`skipped`) whose account is locked or holds no team role any more, who is
    already assigned in `cycle`, who has nothing left to appraise (not a lead), or whose units all stay out of
    `cycle` (copied without them, the assignment would reach every unit). Nine queries, the source's assignments
    with their areas and units counted; one more when the new sets are clones of the old ones, and one more per
    further generation of clones between them."""
    kinds_of: dict[int, set[int]] = {}
    for set_id, kind_id in CycleSet.objects.filter(cycle=source).values_list("indicator_set_id", "unit_kind_id"):
        kinds_of.setdefault(set_id, set()).add(kind_id)
    new_sets = {cs.unit_kind_id: cs.indicator_set for cs in CycleSet.objects.filter(cycle=cycle)
                .select_related("indicator_set")}
    candidates = list(assignable_nodes(cycle=cycle))
    targets = {(node.indicator_set_id, node.code): node for node in candidates}
    # the new sets' criteria by the old criterion each was copied from, and the pairs of sets (old, new) a link
    # joins: between those, a code alone matches nothing
    by_pk = {node.pk: node for node in candidates}
    copies: dict[tuple[int, int], Indicator] = {}
    linked: set[tuple[int, int]] = set()
    assignments = list(assignments_of_cycle(cycle=source))
    old_sets = set(kinds_of) | {node.indicator_set_id for a in assignments for node in a.areas.all()}
    for new_pk, (old_pk, old_set) in _copied_from(candidates, old_sets).items():
        node = by_pk[new_pk]
        copies.setdefault((node.indicator_set_id, old_pk), node)
        linked.add((old_set, node.indicator_set_id))
    taking_part = set(cycle.assessments.values_list("unit_id", flat=True))
    assigned = set(AppraisalAssignment.objects.filter(cycle=cycle).values_list("user_id", flat=True))
    on_team = set(RoleAssignment.objects.filter(role__in=TEAM_ROLES).values_list("user_id", flat=True))
    rows = []
    for assignment in assignments:
        row = CopyRow(source_id=assignment.pk, user=assignment.user, is_lead=assignment.is_lead)
        nodes: dict[int, Indicator] = {}
        for node in assignment.areas.all():
            kinds = kinds_of.get(node.indicator_set_id) or {node.indicator_set.unit_kind_id}
            sets = {new_sets[k].pk: new_sets[k] for k in sorted(kinds) if k in new_sets}
            if not sets:
                row.unmatched.append(_("%(code)s (%(key)s: loại đơn vị không có bộ chỉ số trong kỳ này)") % {
                    "code": node.code, "key": node.indicator_set.key})
            for target_set in sets.values():
                if (node.indicator_set_id, target_set.pk) in linked:
                    target = copies.get((target_set.pk, node.pk))
                else:
                    target = targets.get((target_set.pk, node.code))
                if target is None:
                    row.unmatched.append(_("%(code)s (không có trong %(key)s)") % {
                        "code": node.code, "key": target_set.key})
                else:
                    nodes[target.pk] = target
        row.nodes = list(nodes.values())
        restricted = list(assignment.units.all())
        row.units = [u for u in restricted if u.pk in taking_part]
        row.units_dropped = [u for u in restricted if u.pk not in taking_part]
        if not assignment.user.is_active:
            row.skipped = _("tài khoản đã bị khoá")
        elif assignment.user_id not in on_team:
            row.skipped = _("không còn vai trò thành viên hoặc tổ trưởng Tổ thẩm định")
        elif assignment.user_id in assigned:
            row.skipped = _("đã có phân công trong kỳ này: giữ nguyên")
        elif restricted and not row.units:
            row.skipped = _("các đơn vị được giao đều không tham gia kỳ này")
        elif not row.nodes and not row.is_lead:
            row.skipped = _("không còn lĩnh vực, tiêu chí nào có trong bộ chỉ số của kỳ này")
        rows.append(row)
    return CopyPlan(source=source, rows=rows, existing=len(assigned))


MSG_COPY_EXISTING = gettext_lazy(
    "Kỳ %(year)s đã có %(n)s phân công. Sao chép sẽ giữ nguyên các phân công đó và chỉ thêm thành viên chưa có phân "
    "công: hãy đánh dấu ô xác nhận gộp rồi sao chép lại.")
MSG_COPY_CHANGED = gettext_lazy(
    "Phân công của kỳ %(source)s hoặc của kỳ này đã thay đổi từ lúc xem trước: hãy xem lại bản xem trước rồi sao "
    "chép lại.")


@transaction.atomic
def appraisal_assignments_copy(
    *, cycle: Cycle, source: Cycle, actor: Any, token: str, merge: bool = False
) -> CopyPlan:
    """Copy `source`'s team into `cycle` as `appraisal_assignments_copy_plan` shows it (`token`: the plan shown;
    refused 409 `copy_plan_changed` when it is no longer the one applied). Refused (409 `assignments_exist`) while
    `cycle` has assignments, unless `merge`: theirs are kept, only members not yet assigned are added. Side effects:
    each assignment created is audited as `appraisal_assignment.save`, its source cycle recorded, the copy as its
    reason with what of the member's was not carried over. Returns the plan applied."""
    if source.pk == cycle.pk:
        raise ValidationFailed(_("Hãy chọn một kỳ đánh giá khác để sao chép phân công."), code="copy_same_cycle")
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()  # two copies at once do not both pass the checks
    plan = appraisal_assignments_copy_plan(cycle=cycle, source=source)
    if plan.existing and not merge:
        raise StateConflict(MSG_COPY_EXISTING % {"year": cycle.year, "n": plan.existing}, code="assignments_exist",
                            details={"existing": plan.existing})
    if token != plan.token:
        raise StateConflict(MSG_COPY_CHANGED % {"source": source.year}, code="copy_plan_changed")
    entries: list[Any] = []
    for row in plan.copied:
        assignment = AppraisalAssignment.objects.create(cycle=cycle, user=row.user, is_lead=row.is_lead)
        assignment.areas.set(row.nodes)
        assignment.units.set(row.units)
        reason = _("Sao chép phân công từ kỳ %(year)s.") % {"year": source.year}
        if row.unmatched:  # what the member had that the new sets lack, kept with the entry
            reason += " " + _("Không sao chép được: %(codes)s.") % {"codes": "; ".join(row.unmatched)}
        if row.units_dropped:
            reason += " " + _("Đơn vị không tham gia kỳ này: %(units)s.") % {
                "units": ", ".join(u.name for u in row.units_dropped)}
        entries.append({
            "action": "appraisal_assignment.save", "object_type": "AppraisalAssignment", "object_id": assignment.pk,
            "reason": reason, "changes": {
                "source": {"old": None, "new": source.name},
                "is_lead": {"old": None, "new": row.is_lead},
                "areas": {"old": [], "new": sorted(n.code for n in row.nodes)},
                "units": {"old": [], "new": sorted(u.code for u in row.units)},
            },
        })
    audit_records(actor=actor, entries=entries)
    return plan
