"""Who may see and do what. Every rule is expressed here once; views, the API and templates ask it.

A unit's people see their own unit only, and read (never change) the signed-off assessments of the units merged into
it; appraisers see what is submitted; administrators see all.
Objects a user may not see are answered with 404 (never a hint that they exist).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from scoring import compiled
from scoring.models import Assessment, Cycle, RoleAssignment, ScoreLine, UnitSuccession
from scoring.selectors.totals import line_for_save

Role = RoleAssignment.Role
UNIT_ROLES = (Role.UNIT_EDITOR, Role.UNIT_HEAD)


def limit_to_role(user: Any, role: str) -> None:
    """Limit this request's user to one of their roles (an API token's scope). Every check below goes through
    `roles_of` and `is_administrator`, so the limit holds everywhere; a session user is never limited."""
    user._cchc_scope = role
    user.__dict__.pop("_cchc_roles", None)
    user.__dict__.pop("_cchc_person_roles", None)
    user.__dict__.pop("_cchc_predecessors", None)


def role_scope(user: Any) -> str | None:
    """The one role this request may use, or None when the user acts with all their roles."""
    return getattr(user, "_cchc_scope", None)


class Held(NamedTuple):
    """One role the user holds, and in which unit (None for province-wide roles)."""

    role: str
    unit_id: int | None


def roles_of(user: Any) -> list[Held]:
    """The user's effective roles, read once per request (cached on the user object) by a query compiled once
    per process; only those of the token's role when the request came with a role-scoped token."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_cchc_roles", None)
    if cached is None:
        cached = _read_roles(user)
    return cached


def _read_roles(user: Any) -> list[Held]:
    """Read the user's roles (a query compiled once per process) and keep them on the user object."""
    return _remember_roles(user, compiled.rows(
        "roles_of", lambda user_id: RoleAssignment.objects.filter(user_id=user_id).order_by()
        .values_list("role", "unit_id"), user.pk,
    ))


def _remember_roles(user: Any, held: Iterable[Sequence[Any]]) -> list[Held]:
    """Keep on the user object, for this request, the roles read of them ((role, unit id) pairs): those a
    role-scoped token leaves (`_cchc_roles`) and all of the person's (`_cchc_person_roles`)."""
    scope = role_scope(user)
    everything = [Held(role, unit_id) for role, unit_id in held]
    cached = [r for r in everything if scope is None or r.role == scope]
    user._cchc_roles = cached
    user._cchc_person_roles = everything
    return cached


def person_unit_ids(user: Any, *roles: str) -> set[int]:
    """Units the person belongs to in the given roles (default: editor or head), whatever role a token limits
    the request to: a conflict of interest is the person's, not the token's."""
    if not getattr(user, "is_authenticated", False):
        return set()
    held = getattr(user, "_cchc_person_roles", None)
    if held is None:  # never taken as "no roles": read them
        _read_roles(user)
        held = user._cchc_person_roles
    wanted = roles or UNIT_ROLES
    return {r.unit_id for r in held if r.role in wanted and r.unit_id}


def has_role(user: Any, *roles: str) -> bool:
    return any(r.role in roles for r in roles_of(user))


def is_administrator(user: Any) -> bool:
    scope = role_scope(user)
    if scope is not None and scope != Role.ADMINISTRATOR:
        return False  # a superuser's token limited to another role has that role's rights only
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.ADMINISTRATOR)


def is_appraisal_lead(user: Any) -> bool:
    return has_role(user, Role.APPRAISAL_LEAD)


def is_appraiser(user: Any) -> bool:
    return has_role(user, Role.APPRAISER, Role.APPRAISAL_LEAD)


def unit_ids(user: Any, *roles: str) -> set[int]:
    """Units the user belongs to in the given roles (default: editor or head)."""
    wanted = roles or UNIT_ROLES
    return {r.unit_id for r in roles_of(user) if r.role in wanted and r.unit_id}


def is_unit_member(user: Any, unit_id: int) -> bool:
    return unit_id in unit_ids(user)


def is_unit_head(user: Any, unit_id: int) -> bool:
    return unit_id in unit_ids(user, Role.UNIT_HEAD)


def predecessor_unit_ids(user: Any) -> set[int]:
    """The units merged into one of the user's units (editor or head), directly or through a chain of merges (A
    into B, B later into C: C's people have both), read once per request. Never the units merged into the same
    successor as the user's own unit, nor the unit it was merged into: a merger hands a unit's records down only.
    A loop of records (impossible through the merge, which deactivates the merged unit) ends the walk."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_cchc_predecessors", None)
    if cached is not None:
        return set(cached)
    found = units_merged_into(unit_ids(user))
    user._cchc_predecessors = frozenset(found)
    return found


def units_merged_into(units: set[int]) -> set[int]:
    """The units merged into one of `units`, directly or through a chain of merges (A into B, B later into C: both
    for C), `units` themselves left out. One query per step of the longest chain (one without mergers); a loop of
    records ends the walk."""
    found: set[int] = set()
    frontier = set(units)
    while frontier:
        older = set(UnitSuccession.objects.filter(successor_id__in=frontier).values_list("predecessor_id", flat=True))
        frontier = older - found - units
        found |= frontier
    return found


def reads_as_successor(user: Any, assessment: Assessment) -> bool:
    """The user reads the assessment as one of the people of a unit it was merged into (`predecessor_unit_ids`):
    once signed off, the record the merger keeps, read-only. Every change stays its own unit's (editing,
    submitting, explaining and evidence ask `is_unit_member`), and an assessment reopened for a correction is
    the team's again until signed off anew (the successor's people are not its unit's, whose appraisal in progress
    stays hidden)."""
    return assessment.state == Assessment.State.SIGNED_OFF and assessment.unit_id in predecessor_unit_ids(user)


def can_view_assessment(user: Any, assessment: Assessment) -> bool:
    if is_administrator(user) or is_unit_member(user, assessment.unit_id):
        return True
    # The appraisal team sees an assessment once the unit has submitted it, never its own unit's, and only where
    # the person appraises: the lead every unit, a member the units and sets of their assignment in that cycle
    # (as the review page and the queue).
    from appraisal.permissions import is_assigned

    if team_may_see(user, assessment) and is_assigned(user, assessment):
        return True
    return reads_as_successor(user, assessment)


def team_may_see(user: Any, assessment: Assessment) -> bool:
    """The team's rule before the assignment: a member of the team, an assessment the unit has submitted, not one
    of their own units' (the review page answers an unassigned unit apart, naming it)."""
    return (
        is_appraiser(user)
        and assessment.state != Assessment.State.DRAFT
        and assessment.unit_id not in unit_ids(user, Role.APPRAISER, Role.APPRAISAL_LEAD)
    )


def self_assessment_deadline(assessment: Assessment) -> Any:
    """The deadline that applies to this unit: the later of its own (an extension) and the cycle's. A unit's own
    deadline extends the cycle's, never shortens it: when the cycle's is later moved past it, the cycle's applies
    to that unit as to every other."""
    own, common = assessment.deadline_override, assessment.cycle.self_assessment_deadline
    if own is None or common is None:
        return own if common is None else common
    return max(own, common)


def own_deadline_applies(assessment: Assessment) -> bool:
    """Whether the unit's own deadline is the one that applies (it is later than the cycle's)."""
    own, common = assessment.deadline_override, assessment.cycle.self_assessment_deadline
    return own is not None and (common is None or own > common)


def self_assessment_deadline_expression() -> Any:
    """`self_assessment_deadline` as a query expression on Assessment (NULL when neither deadline is set)."""
    own, common = "deadline_override", "cycle__self_assessment_deadline"
    return Greatest(Coalesce(own, common), Coalesce(common, own))


def deadline_passed(assessment: Assessment) -> bool:
    deadline = self_assessment_deadline(assessment)
    return deadline is not None and timezone.now() > deadline


def self_assessment_open(assessment: Assessment) -> bool:
    """The cycle takes self-scores: it has left its setup (the Sở Nội vụ has opened it) and is not published.
    The phases in between overlap in practice (a unit given more time scores while others are appraised), so
    within them the assessment's state and deadline decide."""
    return assessment.cycle.phase not in (Cycle.Phase.SETUP, Cycle.Phase.PUBLISHED)


def can_edit_self_assessment(user: Any, assessment: Assessment) -> bool:
    """The unit's editors and head, while the cycle takes self-scores, the assessment is a draft and the
    deadline has not passed."""
    return (
        is_unit_member(user, assessment.unit_id)
        and assessment.state == Assessment.State.DRAFT
        and self_assessment_open(assessment)
        and not deadline_passed(assessment)
    )


def can_explain_line(user: Any, line: ScoreLine) -> bool:
    """During an explanation round the unit may explain (and add evidence to) the flagged leaves only."""
    assessment = line.assessment
    deadline = assessment.explanation_deadline
    return (
        is_unit_member(user, assessment.unit_id)
        and assessment.state == Assessment.State.EXPLANATION
        and line.explanation_requested
        and (deadline is None or timezone.now() <= deadline)
    )


def can_attach_evidence(user: Any, line: ScoreLine) -> bool:
    """Link or unlink evidence on a line: while self-assessing, or on a flagged line while explaining."""
    return can_edit_self_assessment(user, line.assessment) or can_explain_line(user, line)


def can_submit(user: Any, assessment: Assessment) -> bool:
    return (
        is_unit_head(user, assessment.unit_id)
        and assessment.state == Assessment.State.DRAFT
        and self_assessment_open(assessment)
    )


def can_request_extension(user: Any, assessment: Assessment) -> bool:
    """Ask for more time to self-assess (or withdraw the request): the unit's head, the one who submits, while the
    assessment is a draft of a cycle that takes self-scores (its deadline may already have passed)."""
    return (
        is_unit_head(user, assessment.unit_id)
        and assessment.state == Assessment.State.DRAFT
        and self_assessment_open(assessment)
    )


def can_view_extension_requests(user: Any, assessment: Assessment) -> bool:
    """A unit's extension requests and their decisions: its own people and the administrators."""
    return is_administrator(user) or is_unit_member(user, assessment.unit_id)


def can_decide_extension(user: Any) -> bool:
    """Grant or refuse a unit's extension request: the administrators (Sở Nội vụ), who set deadlines."""
    return is_administrator(user)


def assessment_get_for_user(*, user: Any, assessment_id: int) -> Assessment:
    """Fetch and authorize in one call: 404 when the assessment does not exist or the user may not see it."""
    found = compiled.instances(
        "assessment_for_user",
        lambda pk: Assessment.objects.select_related("unit", "cycle", "indicator_set").filter(pk=pk).order_by(),
        assessment_id,
    )
    assessment = found[0] if found else None
    if assessment is None or not can_view_assessment(user, assessment):
        raise Http404
    return assessment


def line_get_for_save(*, user: Any, assessment_id: int, line_id: int) -> ScoreLine:
    """A line of an assessment, for a unit's save, with its assessment, by one query: 404 when the line is not one
    of the assessment's or the user may not see the assessment (whether they may edit it is the caller's check)."""
    line = line_for_save(assessment_id=assessment_id, line_id=line_id, user_id=user.pk or 0)
    if line is not None and getattr(user, "is_authenticated", False) and getattr(user, "_cchc_roles", None) is None:
        _remember_roles(user, json.loads(line.roles_json))  # type: ignore[attr-defined]  # read with the line: `roles_of` need not ask
    if line is None or not can_view_assessment(user, line.assessment):
        raise Http404
    return line


# --- publication -----------------------------------------------------------------------------------------


def can_publish(user: Any) -> bool:
    """Preview, publish and correct a cycle's results: the administrators (Sở Nội vụ)."""
    return is_administrator(user)


def can_view_published_notes(user: Any, unit_id: int) -> bool:
    """After publication a unit's own people (and administrators) see its appraisers' notes and evidence pack."""
    return is_administrator(user) or is_unit_member(user, unit_id)
