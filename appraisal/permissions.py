"""Who may do what in the appraisal. Built on `scoring.permissions`; views and templates ask here.

- The appraisal team (appraisers and the lead) works on submitted assessments, never on its own unit
  (the unit of the member's appraiser/lead role): that is refused (403) and hidden from the queue, and the
  services refuse it too (`refuse_own_unit`), whoever calls them.
- A member appraises the areas of their assignment for the cycle (and only its units, when it lists
  some); the lead may appraise every area, returns assessments for explanation and signs off.
- Administrators (Sở Nội vụ) see everything, reopen a signed-off assessment and import survey scores.
- A unit sees the appraisal (scores and reasons) only once a round has ended: 404 before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from appraisal.models import AppraisalAssignment
from scoring.errors import DomainError
from scoring.models import Assessment, RoleAssignment
from scoring.permissions import (
    assessment_get_for_user,
    is_administrator,
    is_appraisal_lead,
    is_appraiser,
    is_unit_head,
    is_unit_member,
    person_unit_ids,
    team_may_see,
    unit_ids,
)

# Why a request of the appraisal pages is refused (403), said to the page's script (`views._common.answers_json`):
# an assignment changed since the page was loaded is the usual cause, which signing in again does not mend.
MSG_NOT_ON_TEAM = gettext_lazy("Tài khoản của anh/chị không thuộc Tổ thẩm định nên không thẩm định được.")
MSG_UNIT_NOT_ASSIGNED = gettext_lazy(
    "Anh/chị không (còn) được phân công thẩm định bản đánh giá của %(u)s: phân công thẩm định có thể vừa thay đổi. "
    "Thay đổi vừa rồi chưa được lưu; hãy tải lại trang, hoặc liên hệ quản trị viên nếu cần được phân công."
)
# The same refusal when the review page (or its workbook) is opened: nothing was being saved.
MSG_PAGE_UNIT_NOT_ASSIGNED = gettext_lazy(
    "Anh/chị không được phân công thẩm định bản đánh giá của %(u)s: đơn vị này (hoặc bộ chỉ số của nó) không thuộc "
    "phân công thẩm định của anh/chị trong kỳ. Nếu cần thẩm định đơn vị này, hãy đề nghị quản trị viên phân công tại "
    "trang phân công thẩm định của kỳ."
)
MSG_LEAF_NOT_ASSIGNED = gettext_lazy(
    "Tiêu chí %(code)s không (còn) thuộc lĩnh vực được phân công cho anh/chị: phân công thẩm định có thể vừa thay đổi. "
    "Thay đổi vừa rồi chưa được lưu; hãy tải lại trang, hoặc liên hệ quản trị viên nếu cần được phân công."
)
MSG_AREA_NOT_ASSIGNED = gettext_lazy(
    "Lĩnh vực %(code)s không (còn) có tiêu chí nào được phân công cho anh/chị: phân công thẩm định có thể vừa "
    "thay đổi. Hãy tải lại trang, hoặc liên hệ quản trị viên nếu cần được phân công."
)
MSG_NOTHING_ASSIGNED = gettext_lazy(
    "Anh/chị không (còn) được phân công tiêu chí nào của bản đánh giá này: phân công thẩm định có thể vừa thay đổi. "
    "Hãy tải lại trang."
)
# The same refusals as an API caller reads them: no page to reload; which assignment the request needs.
MSG_API_UNIT_NOT_ASSIGNED = gettext_lazy(
    "Tài khoản không được phân công thẩm định bản đánh giá của %(u)s: cần là Tổ trưởng, hoặc thành viên Tổ thẩm "
    "định được phân công đơn vị này trong kỳ. Không có gì thay đổi; quản trị viên phân công tại trang phân công "
    "thẩm định của kỳ."
)
MSG_API_LEAF_NOT_ASSIGNED = gettext_lazy(
    "Tiêu chí %(code)s không thuộc lĩnh vực hoặc tiêu chí được phân công cho tài khoản này: cần là Tổ trưởng, hoặc "
    "thành viên Tổ thẩm định được phân công lĩnh vực (hoặc tiêu chí) đó. Không có gì thay đổi."
)
MSG_API_AREA_NOT_ASSIGNED = gettext_lazy(
    "Lĩnh vực %(code)s không có tiêu chí nào được phân công cho tài khoản này: cần là Tổ trưởng, hoặc thành viên Tổ "
    "thẩm định được phân công lĩnh vực đó hoặc tiêu chí của nó. Không có gì thay đổi."
)
MSG_API_NOTHING_ASSIGNED = gettext_lazy(
    "Tài khoản không được phân công tiêu chí nào của bản đánh giá này: cần là Tổ trưởng, hoặc thành viên Tổ thẩm "
    "định được phân công ít nhất một lĩnh vực của bản đánh giá. Không có gì thay đổi."
)
MSG_NOT_LEAD = gettext_lazy(
    "Chỉ Tổ trưởng Tổ thẩm định (không thuộc đơn vị được thẩm định) thực hiện được thao tác này."
)

Role = RoleAssignment.Role
TEAM_ROLES = (Role.APPRAISER, Role.APPRAISAL_LEAD)
ALL_AREAS = None  # marker: every area of the set


def assignment_of(user: Any, cycle_id: int) -> AppraisalAssignment | None:
    """The user's assignment for the cycle with its areas and units (cached on the user per cycle)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, AppraisalAssignment | None] = user.__dict__.setdefault("_cchc_assignments", {})
    if cycle_id not in cache:
        cache[cycle_id] = (
            AppraisalAssignment.objects.filter(user=user, cycle_id=cycle_id)
            .prefetch_related("areas", "units")
            .first()
        )
    return cache[cycle_id]


def home_unit_ids(user: Any) -> set[int]:
    """The units the user belongs to as a team member: they never appraise those."""
    return unit_ids(user, *TEAM_ROLES)


def own_unit_ids(user: Any) -> set[int]:
    """The units whose assessments the user never appraises: their team roles' units and those they belong to,
    in any of the person's roles (a token limited to the lead's role still belongs to the person's own unit)."""
    return person_unit_ids(user, *TEAM_ROLES) | person_unit_ids(user)


def is_own_unit(user: Any, assessment: Assessment) -> bool:
    return assessment.unit_id in own_unit_ids(user)


def appraisal_hidden_from(user: Any, assessment: Assessment) -> bool:
    """Whether the team's work on the assessment (appraised scores, notes, their history) is kept from `user`: the
    unit's own people, even those on the team for other units (`is_own_unit`: the review page refuses them their
    own unit); administrators see it. Whether the assessment's state still hides it is the caller's rule."""
    if is_administrator(user):
        return False
    return is_unit_member(user, assessment.unit_id) or is_own_unit(user, assessment)


def is_lead(user: Any, cycle_id: int) -> bool:
    assignment = assignment_of(user, cycle_id)
    return is_appraisal_lead(user) or bool(assignment and assignment.is_lead and is_appraiser(user))


def can_use_workbench(user: Any) -> bool:
    """The queue and the review pages: the team, and administrators (read-only unless also on the team)."""
    return is_appraiser(user) or is_administrator(user)


@dataclass(frozen=True)
class Scope:
    """Where a user appraises in a cycle, whatever the assessment: not in `own` units; only in `units` when the
    assignment names some (None: any unit); per set, the nodes assigned (`areas`), or every area for a lead."""

    own: frozenset[int]
    units: frozenset[int] | None
    lead: bool
    areas: Mapping[int, frozenset[int]]  # set id → the assigned nodes of that set (areas, or criteria)

    def nodes_for(self, indicator_set_id: int) -> set[int] | None:
        """The nodes of the set the user may appraise below; None means all (a lead)."""
        return ALL_AREAS if self.lead else set(self.areas.get(indicator_set_id, ()))

    def set_ids(self) -> set[int] | None:
        """The sets with something assigned; None means any set (a lead)."""
        return None if self.lead else {pk for pk, nodes in self.areas.items() if nodes}


def appraisal_scope(user: Any, cycle_id: int) -> Scope | None:
    """The user's scope in the cycle; None when they appraise nothing in it (not on the team, or no assignment)."""
    if not is_appraiser(user):
        return None
    own = frozenset(own_unit_ids(user))
    if is_lead(user, cycle_id):
        return Scope(own=own, units=None, lead=True, areas={})
    assignment = assignment_of(user, cycle_id)
    if assignment is None:
        return None
    areas: dict[int, set[int]] = {}
    for area in assignment.areas.all():
        areas.setdefault(area.indicator_set_id, set()).add(area.pk)
    return Scope(own=own, units=frozenset(u.pk for u in assignment.units.all()) or None, lead=False,
                 areas={pk: frozenset(nodes) for pk, nodes in areas.items()})


def area_ids_for(user: Any, assessment: Assessment) -> set[int] | None:
    """Nodes of the assessment's set (areas, or criteria) the user may appraise below; None means all."""
    scope = appraisal_scope(user, assessment.cycle_id)
    if scope is None or assessment.unit_id in scope.own:
        return set()
    if scope.units is not None and assessment.unit_id not in scope.units:
        return set()
    return scope.nodes_for(assessment.indicator_set_id)


def may_appraise_area(allowed: set[int] | None, area_id: int) -> bool:
    """The whole area: assigned itself (criteria of it alone do not make the whole area)."""
    return allowed is ALL_AREAS or area_id in allowed


def may_appraise_node(allowed: set[int] | None, node_id: int, parent_of: Mapping[int, int | None]) -> bool:
    """A leaf (or node) whose area or one of whose criteria is assigned."""
    if allowed is ALL_AREAS:
        return True
    current: int | None = node_id
    while current is not None:
        if current in allowed:
            return True
        current = parent_of.get(current)
    return False


def is_assigned(user: Any, assessment: Assessment) -> bool:
    allowed = area_ids_for(user, assessment)
    return allowed is ALL_AREAS or bool(allowed)


def can_lead(user: Any, assessment: Assessment) -> bool:
    """Start, return for explanation, close a round, sign off: the lead, never on their own unit."""
    return is_lead(user, assessment.cycle_id) and not is_own_unit(user, assessment)


def can_reopen(user: Any) -> bool:
    return is_administrator(user)


def can_manage_assignments(user: Any) -> bool:
    """Change a cycle's team (assign, copy, delete): administrators only."""
    return is_administrator(user)


def can_view_assignments(user: Any, cycle_id: int) -> bool:
    """Read a cycle's team assignments: administrators, and the cycle's lead (`is_lead`), who divides the work among
    the team and asks the administrators for any change."""
    return is_administrator(user) or is_lead(user, cycle_id)


def can_import_survey(user: Any) -> bool:
    return is_administrator(user)


def led_cycle_ids(user: Any) -> set[int]:
    """The cycles whose team the user leads by assignment (`AppraisalAssignment.is_lead`, as `is_lead` counts it:
    only for a member of the team). One query, cached on the user."""
    if not getattr(user, "is_authenticated", False) or not is_appraiser(user):
        return set()
    cached: set[int] | None = user.__dict__.get("_cchc_led_cycles")
    if cached is None:
        cached = set(AppraisalAssignment.objects.filter(user=user, is_lead=True).values_list("cycle_id", flat=True))
        user.__dict__["_cchc_led_cycles"] = cached
    return set(cached)


def can_view_dashboard(user: Any, cycle_id: int | None = None) -> bool:
    """The oversight dashboard and the preliminary results table: administrators and the lead role, every cycle;
    a member made lead of a cycle by assignment, that cycle's only (`cycle_id`; without it: any cycle they lead,
    for the navigation link)."""
    if is_administrator(user) or is_appraisal_lead(user):
        return True
    led = led_cycle_ids(user)
    return cycle_id in led if cycle_id is not None else bool(led)


def dashboard_cycle_ids(user: Any) -> set[int] | None:
    """The cycles whose dashboard the user may open; None: every cycle."""
    if is_administrator(user) or is_appraisal_lead(user):
        return None
    return led_cycle_ids(user)


def round_ended(assessment: Assessment) -> bool:
    """A round has ended once the assessment was returned for explanation or signed off; every later round
    (after a resubmission, a closed round or a reopen) has a number above 1."""
    return assessment.state in (Assessment.State.EXPLANATION, Assessment.State.SIGNED_OFF) or (
        assessment.appraisal_round > 1
    )


def can_resubmit(user: Any, assessment: Assessment) -> bool:
    """The unit head, during the explanation round and before its deadline (then the lead closes it)."""
    deadline = assessment.explanation_deadline
    return (
        is_unit_head(user, assessment.unit_id)
        and assessment.state == Assessment.State.EXPLANATION
        and (deadline is None or timezone.now() <= deadline)
    )


def own_unit_text(assessment: Assessment) -> str:
    """Why one's own unit's assessment is refused: a conflict of interest, not a missing right; and what to do."""
    from django.utils.translation import gettext as _

    return _("Anh/chị là người của %(u)s nên không thẩm định bản đánh giá của đơn vị mình (tránh xung đột lợi ích). "
             "Bản đánh giá này cần Tổ trưởng và thành viên Tổ thẩm định thuộc đơn vị khác. Chỉ quản trị viên "
             "phân công thẩm định: hãy đề nghị quản trị viên chỉ định một Tổ trưởng (hoặc thành viên) khác cho "
             "đơn vị này tại trang phân công thẩm định của kỳ.") % {"u": assessment.unit.name}


class AssignmentRefused(PermissionDenied):
    """A 403 for an assignment the request needs: the pages' words (`message`: an assignment changed since the page
    was loaded, reload it), the same reason for an API caller (`api_message`, `appraisal.api`), and for a page
    being opened, where nothing was being saved (`page_message`; `message` when not given)."""

    def __init__(self, message: Any, *, api_message: Any, page_message: Any = None) -> None:
        super().__init__(str(message))
        self.api_message = str(api_message)
        self.page_message = str(page_message if page_message is not None else message)


class OwnUnitRefused(PermissionDenied):
    """The review of one's own unit: refused, and said why (a conflict of interest, not a missing right)."""

    def __init__(self, assessment: Assessment) -> None:
        super().__init__(own_unit_text(assessment))


class OwnUnitConflict(DomainError):
    """The services' refusal of a person acting on their own unit's assessment (`refuse_own_unit`): 403 with the
    pages' message, through the one domain-error mapping of the pages and the API."""

    status = 403
    code = "own_unit"


def refuse_own_unit(actor: Any, assessment: Assessment) -> None:
    """The conflict-of-interest rule as the services enforce it, mirroring the pages and the API: the appraisal of a
    leaf or an area, a lead's action (start, zero the unscored, explanation rounds, sign-off) is refused to a person
    whose own unit it is (`is_own_unit`, whatever their roles, administrators included: the pages refuse them too).
    Reopening is an administrator's act the pages allow on any unit, and does not ask here. A system actor (None,
    or no signed-in person) is exempt. Raises `OwnUnitConflict`."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    if is_own_unit(actor, assessment):
        raise OwnUnitConflict(own_unit_text(assessment))


def review_get_for_user(*, user: Any, assessment_id: int) -> Assessment:
    """The review page's assessment: 403 for the wrong role, one's own unit or an unassigned unit; 404 when
    it does not exist or is not submitted yet."""
    if not can_use_workbench(user):
        raise PermissionDenied(MSG_NOT_ON_TEAM)
    assessment = Assessment.objects.select_related("unit", "cycle", "indicator_set").filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404
    if not is_administrator(user):
        if is_own_unit(user, assessment):
            raise OwnUnitRefused(assessment)
        if not team_may_see(user, assessment):
            raise Http404
        if not is_assigned(user, assessment):
            values = {"u": assessment.unit.name}
            raise AssignmentRefused(MSG_UNIT_NOT_ASSIGNED % values, api_message=MSG_API_UNIT_NOT_ASSIGNED % values,
                                    page_message=MSG_PAGE_UNIT_NOT_ASSIGNED % values)
    elif assessment.state == Assessment.State.DRAFT:
        raise Http404
    return assessment


def feedback_get_for_user(*, user: Any, assessment_id: int) -> Assessment:
    """The unit's explanation page: its own people only (others: 404), and only after a round has ended."""
    assessment = assessment_get_for_user(user=user, assessment_id=assessment_id)
    if not is_unit_member(user, assessment.unit_id) and not is_administrator(user):
        raise Http404
    if not round_ended(assessment):
        raise Http404
    return assessment


def lead_get_for_user(*, user: Any, assessment_id: int) -> Assessment:
    """As `review_get_for_user`, and 403 unless the user leads the team (never on their own unit)."""
    assessment = review_get_for_user(user=user, assessment_id=assessment_id)
    if not can_lead(user, assessment):
        raise PermissionDenied(MSG_NOT_LEAD)
    return assessment



def team_visible_q(user: Any) -> Q:
    """`can_view_assessment`'s team part as a filter of assessments (one query with the rows): submitted, not of
    the person's own units, and in their scope: every unit for a lead (by role, or the cycle's assignment), else the
    units (all when none are named) and the sets of their assignment in that assessment's cycle."""
    if not is_appraiser(user):
        return Q(pk__in=[])
    submitted = ~Q(state=Assessment.State.DRAFT) & ~Q(unit_id__in=unit_ids(user, *TEAM_ROLES))
    if is_appraisal_lead(user):
        return submitted
    assigned = AppraisalAssignment.objects.filter(
        user=user, cycle_id=OuterRef("cycle_id"), areas__indicator_set_id=OuterRef("indicator_set_id"),
    ).filter(Q(units__isnull=True) | Q(units=OuterRef("unit_id")))
    return submitted & (Q(cycle_id__in=led_cycle_ids(user)) | Q(Exists(assigned)))
