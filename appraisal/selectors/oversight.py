"""Results and oversight: the lead's view of a cycle's progress, deadlines and results."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    Q,
    Sum,
)
from django.db.models.functions import Abs
from django.utils import timezone

from appraisal.selectors.tree import WORK_STATES
from cchc.collation import sort_key, vietnamese
from scoring.engine import round_half_up
from scoring.models import (
    Assessment,
    Cycle,
    IndexResult,
    Indicator,
    IndicatorSet,
    Publication,
    RankingGroup,
    ScoreLine,
)
from scoring.permissions import self_assessment_deadline
from scoring.selectors.home import state_shown


def result_pending(assessment: Assessment, result: IndexResult | None) -> bool:
    """"Đang tính": signed off, and the result is missing, stale or older than the assessment."""
    if assessment.state != Assessment.State.SIGNED_OFF:
        return False
    return result is None or _outdated(assessment.version, result.stale, result.computed_from_version)


def _outdated(version: int, stale: bool, computed_from_version: int) -> bool:
    """A stored result waits for a recompute: marked stale, or computed from an older version of its assessment."""
    return stale or computed_from_version < version


def result_of(assessment: Assessment) -> IndexResult | None:
    return IndexResult.objects.filter(assessment=assessment).first()


@dataclass(frozen=True)
class RankStanding:
    """How final a signed-off assessment's rank in its group is: until the year's results are published it is
    provisional, among the `signed_off` of the group's `total` assessments of the cycle signed off so far."""

    provisional: bool
    signed_off: int
    total: int


def rank_standing(assessment: Assessment) -> RankStanding | None:
    """The rank's standing (`RankStanding`), None for a unit in no ranking group. Two queries."""
    group_id = assessment.ranking_group_id
    if group_id is None:
        return None
    counts = Assessment.objects.filter(cycle_id=assessment.cycle_id, ranking_group_id=group_id).aggregate(
        total=Count("pk"), signed_off=Count("pk", filter=Q(state=Assessment.State.SIGNED_OFF)))
    published = Publication.objects.filter(cycle_id=assessment.cycle_id).exists()
    return RankStanding(provisional=not published, signed_off=counts["signed_off"], total=counts["total"])


# --- oversight --------------------------------------------------------------------------------------------


@dataclass
class RankedResult:
    """A signed-off assessment's stored result, as the dashboard ranks it."""

    assessment: Assessment
    rank: int | None
    index: Decimal
    classification: str


@dataclass
class GroupRanking:
    group: RankingGroup | None
    results: list[RankedResult] = field(default_factory=list)
    pending: list[Assessment] = field(default_factory=list)


@dataclass
class AreaAverage:
    indicator_set: IndicatorSet
    area: Indicator
    assessments: int
    self_avg: Decimal | None
    appraised_avg: Decimal | None


@dataclass
class DifferingLeaf:
    """A leaf whose appraised score differs from the self-score: how often, how often raised and lowered, and by
    how much on average whatever the direction (a signed average lets +1.50 and −1.50 cancel out)."""

    indicator: Indicator
    indicator_set: IndicatorSet  # the leaf's: the sets of a cycle share their codes
    appraised: int
    differing: int
    raised: int
    lowered: int
    average_difference: Decimal


@dataclass
class DeadlineStanding:
    """The cycle's appraisal deadline as of now, in whole calendar days of the site's time zone: the days left (0: it
    ends today) or, once passed, the days overdue (at least 1). Once the cycle's results are published (`published`)
    the deadline is history: no days left, nothing overdue."""

    deadline: Any
    passed: bool
    days_left: int
    days_overdue: int
    published: bool = False


def appraisal_deadline_standing(*, cycle: Cycle | None, now: Any = None) -> DeadlineStanding | None:
    """The team's own deadline (`Cycle.appraisal_deadline`) and how far it is; None when the cycle has none. No
    query."""
    deadline = cycle.appraisal_deadline if cycle is not None else None
    if deadline is None:
        return None
    if cycle is not None and cycle.phase == Cycle.Phase.PUBLISHED:
        return DeadlineStanding(deadline=deadline, passed=False, days_left=0, days_overdue=0, published=True)
    now = now or timezone.now()
    days = (timezone.localdate(deadline) - timezone.localdate(now)).days
    passed = deadline < now
    return DeadlineStanding(deadline=deadline, passed=passed, days_left=max(days, 0),
                            days_overdue=max(-days, 1) if passed else 0)


@dataclass
class OverdueAppraisal:
    """A unit that submitted and is not signed off once the cycle's appraisal deadline has passed."""

    assessment: Assessment
    days_overdue: int


@dataclass
class Dashboard:
    cycle: Cycle
    states: list[tuple[str, Any, int]]
    overdue_drafts: list[Assessment]
    overdue_explanations: list[Assessment]
    rankings: list[GroupRanking]
    averages: list[AreaAverage]
    differing: list[DifferingLeaf]
    total: int
    # the team's own deadline, and the units it has not signed off once that deadline passed
    appraisal_deadline: DeadlineStanding | None = None
    overdue_appraisals: list[OverdueAppraisal] = field(default_factory=list)
    # every unit not submitted yet (drafts), by name: what «Đang tự đánh giá N» lists
    not_submitted: list[Assessment] = field(default_factory=list)


@dataclass
class PublishedRanking:
    """The cycle's latest publication, as the dashboard names its rankings once published: its decision, and whether
    the results shown now differ from those it published (a reopen and a new sign-off since, or a recompute)."""

    publication: Publication
    changed: bool


def published_ranking(*, data: Dashboard) -> PublishedRanking | None:
    """None while the cycle has not been published. Otherwise its latest revision and whether the dashboard's
    rankings still say what it published: the same units ranked, each with the same index, rank and class, and
    none waiting for its result. One query (the revision's snapshot)."""
    publication = (Publication.objects.filter(cycle=data.cycle).defer("scores", "notes")
                   .order_by("-revision").first())
    if publication is None:
        return None
    published = {
        row["unit_id"]: (Decimal(row["index"]), row["rank"], row["classification"] or "")
        for row in publication.snapshot.get("rows", [])
    }
    now = {
        r.assessment.unit_id: (r.index, r.rank, r.classification or "")
        for ranking in data.rankings for r in ranking.results
    }
    pending = any(ranking.pending for ranking in data.rankings)
    return PublishedRanking(publication=publication, changed=pending or now != published)


def _deadline_of(assessment: Assessment) -> Any:
    return self_assessment_deadline(assessment)  # the later of the unit's own and the cycle's


# What the dashboard reads of a national cycle's thousands of assessments (what its page shows of them): the
# rest would be made into objects for nothing.
_ASSESSMENT_FIELDS = ("cycle", "unit", "indicator_set", "state", "version", "deadline_override",
                      "explanation_deadline")
_GROUP_FIELDS = tuple(f"ranking_group__{f.name}" for f in RankingGroup._meta.concrete_fields)


def dashboard(*, cycle: Cycle, top: int = 10) -> Dashboard:
    """Sở Nội vụ's overview of a cycle. Seven queries whatever the number of units."""
    now = timezone.now()
    # The unit and its group per row; the cycle and the (one or two) sets are shared, attached below (a national
    # cycle's thousands of rows each made four objects more).
    assessments = list(
        Assessment.objects.filter(cycle=cycle).select_related("unit", "ranking_group")
        .only(*_ASSESSMENT_FIELDS, "unit__name", "ranking_group", *_GROUP_FIELDS)
    )
    # units by name in Vietnamese alphabetical order (`cchc.collation`), as the lists below show them
    assessments.sort(key=lambda a: (sort_key(a.unit.name), a.pk))
    set_ids = {a.indicator_set_id for a in assessments}
    sets = IndicatorSet.objects.in_bulk(set_ids)
    for a in assessments:
        a.cycle, a.indicator_set = cycle, sets[a.indicator_set_id]
    counts: dict[str, int] = defaultdict(int)
    for a in assessments:
        counts[a.state] += 1
    # a draft of a cycle still in «Chuẩn bị» is counted as what it is: not open yet (`state_shown`)
    states = [(value, state_shown(state=value, phase=cycle.phase), counts.get(value, 0))
              for value in Assessment.State.values]
    overdue_drafts = [
        a for a in assessments if a.state == Assessment.State.DRAFT and _deadline_of(a) and _deadline_of(a) < now
    ]
    overdue_explanations = [
        a for a in assessments
        if a.state == Assessment.State.EXPLANATION and a.explanation_deadline and a.explanation_deadline < now
    ]
    standing = appraisal_deadline_standing(cycle=cycle, now=now)
    overdue_appraisals = [
        OverdueAppraisal(assessment=a, days_overdue=standing.days_overdue) for a in assessments
        if a.state not in (Assessment.State.DRAFT, Assessment.State.SIGNED_OFF)
    ] if standing is not None and standing.passed else []
    not_submitted = [a for a in assessments if a.state == Assessment.State.DRAFT]
    # The signed-off ones' results only (the others' are not ranked), as plain rows: nationally, thousands.
    results: dict[int, tuple[Any, ...]] = {
        row[0]: tuple(row[1:]) for row in IndexResult.objects.filter(
            assessment__cycle=cycle, assessment__state=Assessment.State.SIGNED_OFF,
        ).order_by().values_list("assessment_id", "rank", "index", "classification", "stale", "computed_from_version")
    }
    groups: dict[int | None, GroupRanking] = {}
    for group in RankingGroup.objects.order_by("order", vietnamese("name"), "pk"):
        groups[group.pk] = GroupRanking(group=group)
    for a in assessments:
        if a.state != Assessment.State.SIGNED_OFF:
            continue
        # the group it was ranked in that year, not its unit's of today (a unit moved since keeps its past ranks)
        ranking = groups.setdefault(a.ranking_group_id, GroupRanking(group=a.ranking_group))
        found = results.get(a.pk)
        if found is None:  # as `result_pending`: missing, stale or older than the assessment
            ranking.pending.append(a)
            continue
        rank, index, classification, stale, computed_from_version = found
        if _outdated(a.version, stale, computed_from_version):
            ranking.pending.append(a)
        else:
            ranking.results.append(RankedResult(assessment=a, rank=rank, index=index, classification=classification))
    for ranking in groups.values():
        ranking.results.sort(key=lambda r: (r.rank or 10**9, -r.index, sort_key(r.assessment.unit.name),
                                            r.assessment.pk))
    rankings = [g for g in groups.values() if g.results or g.pending]

    # The signed-off ones' lines (the lines are the cycle's already): a condition, not thousands of ids.
    signed = Q(assessment__state=Assessment.State.SIGNED_OFF)
    # «Không phát sinh» as the index counts it (`scoring.engine.compute_index`): the unit's declaration for the
    # self-score, the team's (the declaration unless overruled) for the appraised one. Such a leaf's stored
    # score is not counted; in points mode it counts at its maximum, added below from the counts.
    self_na = Q(not_applicable=True)
    appraised_na = Q(not_applicable=True, na_overruled=False)
    nodes = list(Indicator.objects.filter(indicator_set_id__in=set_ids).order_by("level", "order"))
    by_id = {n.pk: n for n in nodes}
    area_of: dict[int, int] = {}
    for n in nodes:
        area_of[n.pk] = n.pk if n.parent_id is None else area_of[n.parent_id]
    per_leaf = list(
        # order_by(): the models' default orderings are not used by a GROUP BY, but their joins (the cycle, the
        # unit, the indicator of each of the 400,000 lines) would stay in the query
        ScoreLine.objects.filter(assessment__cycle=cycle, assessment__state__in=WORK_STATES).order_by()
        .values("indicator_id")
        .annotate(
            self_sum=Sum("self_score", filter=signed & ~self_na),
            appraised_sum=Sum("appraised_score", filter=signed & ~appraised_na),
            self_na=Count("id", filter=signed & self_na),
            appraised_na=Count("id", filter=signed & appraised_na),
            appraised=Count("id", filter=Q(appraised_score__isnull=False, self_score__isnull=False)),
            differing=Count(
                "id",
                filter=Q(appraised_score__isnull=False, self_score__isnull=False)
                & ~Q(appraised_score=F("self_score")),
            ),
            raised=Count("id", filter=Q(appraised_score__gt=F("self_score"))),
            lowered=Count("id", filter=Q(appraised_score__lt=F("self_score"))),
            difference=Sum(Abs(F("appraised_score") - F("self_score")),
                           filter=~Q(appraised_score=F("self_score"))),
        )
    )
    signed_per_set: dict[int, int] = defaultdict(int)
    for a in assessments:
        if a.state == Assessment.State.SIGNED_OFF:
            signed_per_set[a.indicator_set_id] += 1
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    differing: list[DifferingLeaf] = []
    for row in per_leaf:
        leaf = by_id[row["indicator_id"]]
        if leaf.kind == Indicator.Kind.NORMAL:
            acc = sums[area_of[leaf.pk]]
            acc[0] += Decimal(str(row["self_sum"] or 0))
            acc[1] += Decimal(str(row["appraised_sum"] or 0))
            if sets[leaf.indicator_set_id].index_mode == IndicatorSet.IndexMode.POINTS:
                acc[0] += leaf.max_points * row["self_na"]
                acc[1] += leaf.max_points * row["appraised_na"]
        if row["differing"]:
            differing.append(
                DifferingLeaf(
                    indicator=leaf,
                    indicator_set=sets[leaf.indicator_set_id],
                    appraised=row["appraised"],
                    differing=row["differing"],
                    raised=row["raised"],
                    lowered=row["lowered"],
                    average_difference=round_half_up(Decimal(str(row["difference"] or 0)) / row["differing"]),
                )
            )
    averages: list[AreaAverage] = []
    for n in nodes:
        if n.parent_id is not None or n.kind != Indicator.Kind.NORMAL:
            continue
        count = signed_per_set.get(n.indicator_set_id, 0)
        self_sum, appraised_sum = sums[n.pk]
        averages.append(
            AreaAverage(
                indicator_set=sets[n.indicator_set_id],
                area=n,
                assessments=count,
                self_avg=round_half_up(self_sum / count) if count else None,
                appraised_avg=round_half_up(appraised_sum / count) if count else None,
            )
        )
    averages.sort(key=lambda a: (a.indicator_set.pk, a.area.order))
    # As the table's title says: the leaves differing most often first; of those, the larger differences first.
    differing.sort(key=lambda d: (-d.differing, -d.average_difference, d.indicator.indicator_set_id,
                                  d.indicator.order))
    return Dashboard(
        cycle=cycle,
        states=states,
        overdue_drafts=overdue_drafts,
        overdue_explanations=overdue_explanations,
        rankings=rankings,
        averages=averages,
        differing=differing[:top],
        total=len(assessments),
        appraisal_deadline=standing,
        overdue_appraisals=overdue_appraisals,
        not_submitted=not_submitted,
    )
