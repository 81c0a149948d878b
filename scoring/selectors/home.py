"""The home page's reads for a signed-in unit person: where a person with several units starts (their units'
assessments), the note for one who has no assessment to land on, and an assessment's state as its unit reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.collation import vietnamese
from scoring import permissions
from scoring.models import Assessment, Cycle, Unit
from scoring.selectors.sheet import open_cycle

# A draft of a cycle still in «Chuẩn bị»: opened early, it takes no self-score until the Sở Nội vụ opens the cycle
# (`permissions.self_assessment_open`), so «Đang tự đánh giá» would not be true.
NOT_OPEN_YET = gettext_lazy("Chưa mở — kỳ đang chuẩn bị")


# A draft whose self-assessment deadline has passed: the unit can no longer edit it and never submitted it, so
# «Đang tự đánh giá» would not be true (it waits to be handed over to the appraisal team, or for an extension).
OVERDUE_NOT_SUBMITTED = gettext_lazy("Quá hạn, chưa gửi")
# The drafts of a cycle past its self-assessment, counted together (some may still be within a unit's own deadline).
NOT_SUBMITTED = gettext_lazy("Chưa gửi")
PAST_SELF_ASSESSMENT = (Cycle.Phase.APPRAISAL, Cycle.Phase.EXPLANATION, Cycle.Phase.FINALISATION,
                        Cycle.Phase.PUBLISHED)


def state_shown(*, state: str, phase: str, overdue: bool | None = False) -> str:
    """An assessment's state as the pages show it, given its cycle's phase: the state's name, except a draft whose
    cycle is still in «Chuẩn bị» (`NOT_OPEN_YET`), and a draft whose deadline has passed (`overdue` True:
    `OVERDUE_NOT_SUBMITTED`). `overdue` None (drafts counted together, their deadlines not read): once the cycle is
    past its self-assessment, `NOT_SUBMITTED`."""
    if state != Assessment.State.DRAFT:
        return str(Assessment.State(state).label)
    if phase == Cycle.Phase.SETUP:
        return str(NOT_OPEN_YET)
    if overdue:
        return str(OVERDUE_NOT_SUBMITTED)
    if overdue is None and phase in PAST_SELF_ASSESSMENT:
        return str(NOT_SUBMITTED)
    return str(Assessment.State(state).label)


def assessment_state_shown(assessment: Assessment) -> str:
    """`state_shown` of an assessment (its cycle's phase read: load the cycle with it)."""
    return state_shown(state=assessment.state, phase=assessment.cycle.phase)


@dataclass(frozen=True)
class UnitAssessmentRow:
    """One of a person's units' assessments as their pages list it: its state as the unit reads it, and the
    deadline the unit works to now (the self-assessment's while it drafts, the explanation's while it explains;
    None when it has none or waits for the appraisal team)."""

    assessment: Assessment
    state: str
    deadline: datetime | None = None
    deadline_label: str = ""

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and timezone.now() > self.deadline


def _row(assessment: Assessment) -> UnitAssessmentRow:
    state = assessment_state_shown(assessment)
    if assessment.state == Assessment.State.DRAFT:
        return UnitAssessmentRow(assessment, state, permissions.self_assessment_deadline(assessment),
                                 _("Hạn tự đánh giá"))
    if assessment.state == Assessment.State.EXPLANATION and assessment.explanation_deadline is not None:
        return UnitAssessmentRow(assessment, state, assessment.explanation_deadline, _("Hạn giải trình"))
    return UnitAssessmentRow(assessment, state)


def _units_assessments(unit_ids: set[int]) -> list[Assessment]:
    """The units' assessments of every cycle, newest cycle first, the units in Vietnamese alphabetical order (one
    query, with what a row shows)."""
    return list(
        Assessment.objects.filter(unit_id__in=unit_ids).select_related("cycle", "unit")
        .only("pk", "state", "deadline_override", "explanation_deadline", "unit__name",
              "cycle__year", "cycle__name", "cycle__phase", "cycle__self_assessment_deadline")
        .order_by("-cycle__year", vietnamese("unit__name"), "pk")
    )


@dataclass(frozen=True)
class UnitsOverview:
    """Where a person with several units starts: their units' assessments of the cycles under way (not yet
    published; one still in «Chuẩn bị» included, its drafts «Chưa mở»), those of the published cycles, and the
    names of their units in activity that have no assessment in the cycle units work in now (`cycle`)."""

    current: list[UnitAssessmentRow]
    earlier: list[UnitAssessmentRow]
    cycle: Cycle | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.current and not self.earlier


def units_overview(*, unit_ids: set[int]) -> UnitsOverview | None:
    """The overview of a person's units (`unit_ids`, their unit roles: pass `permissions.unit_ids(user)`, so that it
    lists their own units only); None when they have none. Three queries."""
    if not unit_ids:
        return None
    cycle = open_cycle()
    if cycle is not None and cycle.phase == Cycle.Phase.PUBLISHED:
        cycle = None  # nothing is opened in a published cycle any more
    found = _units_assessments(unit_ids)
    current = [_row(a) for a in found if a.cycle.phase != Cycle.Phase.PUBLISHED]
    earlier = [_row(a) for a in found if a.cycle.phase == Cycle.Phase.PUBLISHED]
    missing: list[str] = []
    if cycle is not None:
        opened = {a.unit_id for a in found if a.cycle_id == cycle.pk}
        missing = list(
            Unit.objects.filter(pk__in=unit_ids - opened, active=True).order_by(vietnamese("name"))
            .values_list("name", flat=True)
        )
    return UnitsOverview(current=current, earlier=earlier, cycle=cycle, missing=missing)


@dataclass(frozen=True)
class UnitSituation:
    """Why a unit's person has nothing to work on: their units (names), the cycle under way that has no
    assessment of theirs (None: no cycle is under way) and their units' assessments of other cycles."""

    unit_names: list[str]
    cycle: Cycle | None
    earlier: list[UnitAssessmentRow] = field(default_factory=list)


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
    earlier = [_row(a) for a in _units_assessments(unit_ids)]
    return UnitSituation(unit_names=names, cycle=cycle, earlier=earlier)


def predecessor_assessments(*, unit_ids: set[int]) -> list[Assessment]:
    """The signed-off assessments of the units merged into a person's units, which they read (never change): pass
    `permissions.predecessor_unit_ids(user)`, the rule `permissions.reads_as_successor` applies to each. Newest
    cycle first, the former units in Vietnamese alphabetical order; one query, none without such units."""
    if not unit_ids:
        return []
    return list(
        Assessment.objects.filter(unit_id__in=unit_ids, state=Assessment.State.SIGNED_OFF)
        .select_related("cycle", "unit").only("pk", "state", "unit__name", "cycle__year", "cycle__name")
        .order_by("-cycle__year", vietnamese("unit__name"), "pk")
    )
