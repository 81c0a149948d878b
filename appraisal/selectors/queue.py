"""The appraisal queue: the assessments a user reviews, with their progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Q,
)

from appraisal import permissions
from appraisal.selectors.tree import WORK_STATES, _area_case, set_tree
from scoring.models import Assessment, Cycle, Indicator, IndicatorSet, RankingGroup, ScoreLine


@dataclass
class AreaProgress:
    area: Indicator
    done: int = 0
    total: int = 0
    mine: bool = False

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@dataclass
class QueueRow:
    assessment: Assessment
    areas: list[AreaProgress]
    can_lead: bool = False

    @property
    def done(self) -> int:
        return sum(a.done for a in self.areas if a.mine)

    @property
    def total(self) -> int:
        return sum(a.total for a in self.areas if a.mine)


@dataclass
class Queue:
    rows: list[QueueRow]  # the page's, when paginated
    area_choices: list[tuple[str, str]]
    groups: list[RankingGroup]
    cycle: Cycle | None
    page: Page[QueueRow] | None = None  # when paginated: the page shown (its paginator counts every row)


def current_cycle() -> Cycle | None:
    return Cycle.objects.order_by("-year").first()


def queue_for_user(
    *, user: Any, cycle: Cycle | None = None, group_id: int | None = None, state: str = "", area_code: str = "",
    per_page: int | None = None, page: str | int | None = None,
) -> Queue:
    """Submitted assessments the user may review, with progress per area they may appraise.

    Hidden: the user's own unit, units outside their assignment, drafts. Administrators see all.
    Queries: assessments, their sets, the sets' trees (one per set, normally one or two), one aggregate. With
    `per_page`, the rows of page `page` only (a national cycle's team sees thousands), and the progress is
    counted for those only.
    """
    cycle = cycle or current_cycle()
    groups = list(RankingGroup.objects.order_by("order", "name"))
    if cycle is None:
        return Queue(rows=[], area_choices=[], groups=groups, cycle=None)
    # The unit, its kind and group per row; the cycle and the (one or two) sets are shared, attached below: a national
    # cycle's thousands of rows each made four objects more.
    qs = Assessment.objects.filter(cycle=cycle, state__in=WORK_STATES).select_related(
        "unit", "unit__kind", "unit__ranking_group"
    )
    if state in Assessment.State.values:
        qs = qs.filter(state=state)
    if group_id:
        qs = qs.filter(unit__ranking_group_id=group_id)
    admin = permissions.is_administrator(user)
    rows: list[QueueRow] = []
    allowed_by_assessment: dict[int, set[int] | None] = {}
    for assessment in qs.order_by("unit__ranking_group__order", "unit__name"):
        allowed = None if admin and not permissions.is_appraiser(user) else permissions.area_ids_for(user, assessment)
        if allowed is not None and not allowed:
            continue
        allowed_by_assessment[assessment.pk] = allowed
        rows.append(QueueRow(assessment=assessment, areas=[], can_lead=permissions.can_lead(user, assessment)))
    sets = IndicatorSet.objects.in_bulk({r.assessment.indicator_set_id for r in rows})
    for row in rows:
        row.assessment.cycle = cycle
        row.assessment.indicator_set = sets[row.assessment.indicator_set_id]
    trees = {s: set_tree(s) for s in sets}
    area_choices: dict[str, str] = {}
    for row in rows:
        tree = trees[row.assessment.indicator_set_id]
        allowed = allowed_by_assessment[row.assessment.pk]
        for area in tree.areas:
            mine = tree.area_has_assigned(allowed, area.pk)
            if mine:
                area_choices.setdefault(area.code, area.name)
            if area_code and area.code != area_code:
                continue
            row.areas.append(AreaProgress(area=area, mine=mine))
    if area_code:
        rows = [r for r in rows if any(a.mine for a in r.areas)]
    shown: Page[QueueRow] | None = None
    if per_page is not None:
        shown = Paginator(rows, per_page).get_page(page)
        rows = list(shown.object_list)
    if rows:
        counts = (
            ScoreLine.objects.filter(assessment_id__in=[r.assessment.pk for r in rows])
            .annotate(area_id=_area_case(trees.values()))
            .values("assessment_id", "area_id")
            .annotate(
                total=Count("id"),
                done=Count("id", filter=Q(appraised_score__isnull=False) | Q(not_applicable=True)),
            )
        )
        by_key = {(c["assessment_id"], c["area_id"]): c for c in counts}
        for row in rows:
            for progress in row.areas:
                c = by_key.get((row.assessment.pk, progress.area.pk))
                if c:
                    progress.done, progress.total = c["done"], c["total"]
    choices = sorted(area_choices.items(), key=lambda kv: [int(p) if p.isdigit() else p for p in kv[0].split(".")])
    return Queue(rows=rows, area_choices=choices, groups=groups, cycle=cycle, page=shown)
