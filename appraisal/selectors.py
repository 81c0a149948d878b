"""Appraisal reads. Each returns plain rows with the number of queries fixed, whatever the amount of data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from appraisal import permissions
from appraisal.models import ExplanationRound, LineHistory, SurveyImport
from appraisal.setwise import GroupSums, SetShape, shape_of
from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.models import Assessment, Cycle, IndexResult, Indicator, IndicatorSet, RankingGroup, ScoreLine

WORK_STATES = (
    Assessment.State.SUBMITTED,
    Assessment.State.IN_APPRAISAL,
    Assessment.State.EXPLANATION,
    Assessment.State.SIGNED_OFF,
)


# --- the tree of a set ----------------------------------------------------------------------------------


@dataclass
class SetTree:
    """A set's nodes with each node's area, each leaf's criterion and the leaves of each area (one query)."""

    nodes: dict[int, Indicator]
    areas: list[Indicator]
    area_of: dict[int, int]
    leaves_by_area: dict[int, list[int]]

    @property
    def parent_of(self) -> dict[int, int | None]:
        return {pk: node.parent_id for pk, node in self.nodes.items()}

    def area_has_assigned(self, allowed: set[int] | None, area_id: int) -> bool:
        """The area, or one of its criteria, is assigned."""
        return allowed is None or any(self.area_of.get(node) == area_id for node in allowed)

    def criterion_of(self, leaf: Indicator) -> Indicator | None:
        return self.nodes.get(leaf.parent_id) if leaf.parent_id else None

    def path_of(self, leaf: Indicator) -> list[Indicator]:
        """The leaf's ancestors below its area, top first (criterion, sub-criterion groups…)."""
        path: list[Indicator] = []
        current = self.nodes.get(leaf.parent_id) if leaf.parent_id else None
        while current is not None and current.parent_id is not None:
            path.append(current)
            current = self.nodes.get(current.parent_id)
        return list(reversed(path))


def line_to_appraise(user: Any, assessment_id: int, line_id: int) -> tuple[Assessment, ScoreLine]:
    """The assessment under review and one of its lines; 403 unless the user may appraise the line's area."""
    assessment = permissions.review_get_for_user(user=user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    allowed = permissions.area_ids_for(user, assessment)
    if not permissions.may_appraise_node(allowed, line.indicator_id, set_tree(assessment.indicator_set_id).parent_of):
        raise PermissionDenied
    return assessment, line


def area_to_accept(user: Any, assessment: Assessment, area_id: int) -> tuple[Indicator, set[int] | None]:
    """The area of the assessment's set a reviewer accepts at once, and the leaves of it they may accept (None:
    all of them). 404 for an area not of this set; PermissionDenied when none of its criteria is theirs."""
    area = get_object_or_404(Indicator, pk=area_id, indicator_set_id=assessment.indicator_set_id, parent__isnull=True)
    allowed = permissions.area_ids_for(user, assessment)
    tree = set_tree(assessment.indicator_set_id)
    if not tree.area_has_assigned(allowed, area.pk):
        raise PermissionDenied
    if permissions.may_appraise_area(allowed, area.pk):
        return area, None
    leaves = tree.leaves_by_area.get(area.pk, [])
    return area, {leaf for leaf in leaves if permissions.may_appraise_node(allowed, leaf, tree.parent_of)}


def set_tree(indicator_set: IndicatorSet | int) -> SetTree:
    set_id = indicator_set if isinstance(indicator_set, int) else indicator_set.pk
    nodes = {n.pk: n for n in Indicator.objects.filter(indicator_set_id=set_id).order_by("level", "order")}
    area_of: dict[int, int] = {}
    for node in nodes.values():  # ordered by level: a parent's area is known before its children's
        area_of[node.pk] = node.pk if node.parent_id is None else area_of[node.parent_id]
    areas = sorted((n for n in nodes.values() if n.parent_id is None), key=lambda n: n.order)
    leaves_by_area: dict[int, list[int]] = {a.pk: [] for a in areas}
    for node in sorted(nodes.values(), key=lambda n: n.order):
        if node.is_leaf:
            leaves_by_area[area_of[node.pk]].append(node.pk)
    return SetTree(nodes=nodes, areas=areas, area_of=area_of, leaves_by_area=leaves_by_area)


def _area_case(trees: Iterable[SetTree]) -> Case:
    """SQL: a score line's area id, from its indicator id (one WHEN per area)."""
    whens = [
        When(indicator_id__in=leaf_ids, then=Value(area_id))
        for tree in trees
        for area_id, leaf_ids in tree.leaves_by_area.items()
        if leaf_ids
    ]
    return Case(*whens, default=Value(0), output_field=BigIntegerField())


# --- the queue ------------------------------------------------------------------------------------------


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
    rows: list[QueueRow]
    area_choices: list[tuple[str, str]]
    groups: list[RankingGroup]
    cycle: Cycle | None


def current_cycle() -> Cycle | None:
    return Cycle.objects.order_by("-year").first()


def queue_for_user(
    *, user: Any, cycle: Cycle | None = None, group_id: int | None = None, state: str = "", area_code: str = ""
) -> Queue:
    """Submitted assessments the user may review, with progress per area they may appraise.

    Hidden: the user's own unit, units outside their assignment, drafts. Administrators see all.
    Queries: assessments, the trees of their sets (one per set, normally one or two), one aggregate.
    """
    cycle = cycle or current_cycle()
    groups = list(RankingGroup.objects.order_by("order", "name"))
    if cycle is None:
        return Queue(rows=[], area_choices=[], groups=groups, cycle=None)
    qs = Assessment.objects.filter(cycle=cycle, state__in=WORK_STATES).select_related(
        "unit", "unit__ranking_group", "indicator_set", "cycle"
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
    trees = {s: set_tree(s) for s in {r.assessment.indicator_set_id for r in rows}}
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
    return Queue(rows=rows, area_choices=choices, groups=groups, cycle=cycle)


# --- the review page ------------------------------------------------------------------------------------


@dataclass
class ReviewLine:
    line: ScoreLine
    indicator: Indicator
    path: list[Indicator]
    files: list[Any]
    history: list[LineHistory]
    editable: bool
    differs: bool

    @property
    def done(self) -> bool:
        return self.line.appraised_score is not None or self.line.not_applicable


@dataclass
class ReviewArea:
    area: Indicator
    lines: list[ReviewLine] = field(default_factory=list)
    editable: bool = False

    @property
    def done(self) -> int:
        return sum(1 for rl in self.lines if rl.done)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def acceptable(self) -> int:
        """Lines an "accept the whole area" would set: the user's, unappraised, self-scored, not survey."""
        return sum(
            1
            for rl in self.lines
            if rl.editable
            and rl.line.appraised_score is None
            and not rl.line.not_applicable
            and rl.line.self_value is not None
            and rl.indicator.source != Indicator.Source.SURVEY
        )


def evidence_files_by_line(assessment: Assessment) -> dict[int, list[Any]]:
    """Line id → linked evidence files (from the evidence app; empty when it is not installed)."""
    try:
        from evidence.selectors import evidence_by_line
    except ImportError:  # pragma: no cover - the evidence app is part of the project
        return {}
    return evidence_by_line(assessment=assessment)


def history_by_line(*, assessment: Assessment) -> dict[int, list[LineHistory]]:
    out: dict[int, list[LineHistory]] = defaultdict(list)
    for entry in LineHistory.objects.filter(assessment=assessment).order_by("id"):
        out[entry.line_id].append(entry)
    return out


@dataclass
class Review:
    areas: list[ReviewArea]
    self_comp: engine.IndexComputation | None
    appraised_comp: engine.IndexComputation | None

    @property
    def done(self) -> int:
        return sum(a.done for a in self.areas)

    @property
    def total(self) -> int:
        return sum(a.total for a in self.areas)


def _computation(
    rules: engine.SetRules, lines: list[ScoreLine], field_name: str
) -> engine.IndexComputation | None:
    leaves = {
        line.indicator.code: engine.LeafScore(score=getattr(line, field_name), not_applicable=line.not_applicable)
        for line in lines
    }
    try:
        return engine.compute_index(rules, leaves)
    except engine.EngineError:
        return None


def review(*, assessment: Assessment, allowed: set[int] | None, writable: bool = True) -> Review:
    """The review page: leaves grouped by area with evidence and history, and the engine's totals of the
    self-scores and of the appraised scores so far. Five queries, whatever the number of leaves."""
    tree = set_tree(assessment.indicator_set_id)
    lines = list(scoring_selectors.score_lines_of_assessment(assessment=assessment))
    files = evidence_files_by_line(assessment)
    history = history_by_line(assessment=assessment)
    areas = {a.pk: ReviewArea(area=a, editable=writable and tree.area_has_assigned(allowed, a.pk))
             for a in tree.areas}
    parent_of = tree.parent_of
    for line in lines:
        line.assessment = assessment  # the same object: no query per line for permission checks
        area = areas[tree.area_of[line.indicator_id]]
        area.lines.append(
            ReviewLine(
                line=line,
                indicator=line.indicator,
                path=tree.path_of(line.indicator),
                files=files.get(line.pk, []),
                history=history.get(line.pk, []),
                editable=writable
                and permissions.may_appraise_node(allowed, line.indicator_id, parent_of)
                and line.indicator.source != Indicator.Source.SURVEY,
                differs=line.appraised_score is not None and line.appraised_score != line.self_score,
            )
        )
    rules = scoring_selectors.set_rules(
        assessment.indicator_set, sorted(tree.nodes.values(), key=lambda n: n.order)
    )
    return Review(
        areas=list(areas.values()),
        self_comp=_computation(rules, lines, "self_score"),
        appraised_comp=_computation(rules, lines, "appraised_score"),
    )


def explanation_rounds(*, assessment: Assessment) -> list[ExplanationRound]:
    return list(ExplanationRound.objects.filter(assessment=assessment).select_related("requested_by").order_by("round"))


# --- the unit's explanation page ---------------------------------------------------------------------------


@dataclass
class FeedbackLine:
    line: ScoreLine
    indicator: Indicator
    files: list[Any]
    history: list[LineHistory]
    last_appraisal: LineHistory | None
    final: LineHistory | None


def feedback_lines(*, assessment: Assessment, flagged_only: bool = False) -> list[FeedbackLine]:
    """What the unit may see of the appraisal: only records of rounds that have ended (history snapshots),
    never the live scores and notes of a round in progress. Four queries."""
    lines = list(scoring_selectors.score_lines_of_assessment(assessment=assessment))
    files = evidence_files_by_line(assessment)
    history = history_by_line(assessment=assessment)
    out: list[FeedbackLine] = []
    for line in lines:
        line.assessment = assessment
        if flagged_only and not line.explanation_requested:
            continue
        entries = history.get(line.pk, [])
        appraisals = [e for e in entries if e.stage == LineHistory.Stage.APPRAISAL]
        finals = [e for e in entries if e.stage == LineHistory.Stage.FINAL]
        out.append(
            FeedbackLine(
                line=line,
                indicator=line.indicator,
                files=files.get(line.pk, []),
                history=entries,
                last_appraisal=appraisals[-1] if appraisals else None,
                final=finals[-1] if finals else None,
            )
        )
    return out


# --- results ----------------------------------------------------------------------------------------------


def result_pending(assessment: Assessment, result: IndexResult | None) -> bool:
    """"Đang tính": signed off, and the result is missing, stale or older than the assessment."""
    if assessment.state != Assessment.State.SIGNED_OFF:
        return False
    return result is None or result.stale or result.computed_from_version < assessment.version


def result_of(assessment: Assessment) -> IndexResult | None:
    return IndexResult.objects.filter(assessment=assessment).first()


# --- oversight --------------------------------------------------------------------------------------------


@dataclass
class GroupRanking:
    group: RankingGroup | None
    results: list[IndexResult] = field(default_factory=list)
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
    indicator: Indicator
    appraised: int
    differing: int
    lowered: int
    average_change: Decimal


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


def _deadline_of(assessment: Assessment) -> Any:
    return assessment.deadline_override or assessment.cycle.self_assessment_deadline


def dashboard(*, cycle: Cycle, top: int = 10) -> Dashboard:
    """Sở Nội vụ's overview of a cycle. Seven queries whatever the number of units."""
    now = timezone.now()
    assessments = list(
        Assessment.objects.filter(cycle=cycle).select_related("unit", "unit__ranking_group", "cycle", "indicator_set")
    )
    counts: dict[str, int] = defaultdict(int)
    for a in assessments:
        counts[a.state] += 1
    states = [(value, label, counts.get(value, 0)) for value, label in Assessment.State.choices]
    overdue_drafts = [
        a for a in assessments if a.state == Assessment.State.DRAFT and _deadline_of(a) and _deadline_of(a) < now
    ]
    overdue_explanations = [
        a for a in assessments
        if a.state == Assessment.State.EXPLANATION and a.explanation_deadline and a.explanation_deadline < now
    ]
    results = {
        r.assessment_id: r
        for r in IndexResult.objects.filter(assessment__cycle=cycle).order_by("rank", "-index")
    }
    groups: dict[int | None, GroupRanking] = {}
    for group in RankingGroup.objects.order_by("order", "name"):
        groups[group.pk] = GroupRanking(group=group)
    for a in sorted(assessments, key=lambda a: a.unit.name):
        if a.state != Assessment.State.SIGNED_OFF:
            continue
        ranking = groups.setdefault(a.unit.ranking_group_id, GroupRanking(group=a.unit.ranking_group))
        result = results.get(a.pk)
        if result is None or result_pending(a, result):
            ranking.pending.append(a)
        else:
            result.assessment = a
            ranking.results.append(result)
    for ranking in groups.values():
        ranking.results.sort(key=lambda r: (r.rank or 10**9, -r.index, r.assessment.unit.name))
    rankings = [g for g in groups.values() if g.results or g.pending]

    signed = [a.pk for a in assessments if a.state == Assessment.State.SIGNED_OFF]
    set_ids = {a.indicator_set_id for a in assessments}
    sets = {s.pk: s for s in IndicatorSet.objects.filter(pk__in=set_ids)}
    nodes = list(Indicator.objects.filter(indicator_set_id__in=set_ids).order_by("level", "order"))
    by_id = {n.pk: n for n in nodes}
    area_of: dict[int, int] = {}
    for n in nodes:
        area_of[n.pk] = n.pk if n.parent_id is None else area_of[n.parent_id]
    per_leaf = list(
        ScoreLine.objects.filter(assessment__cycle=cycle, assessment__state__in=WORK_STATES)
        .values("indicator_id")
        .annotate(
            self_sum=Sum("self_score", filter=Q(assessment_id__in=signed)),
            appraised_sum=Sum("appraised_score", filter=Q(assessment_id__in=signed)),
            appraised=Count("id", filter=Q(appraised_score__isnull=False, self_score__isnull=False)),
            differing=Count(
                "id",
                filter=Q(appraised_score__isnull=False, self_score__isnull=False)
                & ~Q(appraised_score=F("self_score")),
            ),
            lowered=Count("id", filter=Q(appraised_score__lt=F("self_score"))),
            change=Sum(F("appraised_score") - F("self_score"), filter=~Q(appraised_score=F("self_score"))),
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
        if row["differing"]:
            differing.append(
                DifferingLeaf(
                    indicator=leaf,
                    appraised=row["appraised"],
                    differing=row["differing"],
                    lowered=row["lowered"],
                    average_change=(Decimal(str(row["change"] or 0)) / row["differing"]).quantize(Decimal("0.01")),
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
                self_avg=(self_sum / count).quantize(Decimal("0.01")) if count else None,
                appraised_avg=(appraised_sum / count).quantize(Decimal("0.01")) if count else None,
            )
        )
    averages.sort(key=lambda a: (a.indicator_set.pk, a.area.order))
    differing.sort(key=lambda d: (-d.differing, d.average_change, d.indicator.indicator_set_id, d.indicator.order))
    return Dashboard(
        cycle=cycle,
        states=states,
        overdue_drafts=overdue_drafts,
        overdue_explanations=overdue_explanations,
        rankings=rankings,
        averages=averages,
        differing=differing[:top],
        total=len(assessments),
    )


# --- set-wise recompute ----------------------------------------------------------------------------------


def set_shapes(set_ids: Iterable[int]) -> dict[int, tuple[SetShape, dict[int, str]]]:
    """Each set's grouping for the set-wise recompute, with its indicator ids → codes. Two queries."""
    sets = {s.pk: s for s in IndicatorSet.objects.filter(pk__in=list(set_ids))}
    nodes: dict[int, list[Indicator]] = defaultdict(list)
    for ind in Indicator.objects.filter(indicator_set_id__in=list(sets)).order_by("order"):
        nodes[ind.indicator_set_id].append(ind)
    out: dict[int, tuple[SetShape, dict[int, str]]] = {}
    for set_id, indicator_set in sets.items():
        rules = scoring_selectors.set_rules(indicator_set, nodes[set_id])
        out[set_id] = (shape_of(rules), {ind.pk: ind.code for ind in nodes[set_id]})
    return out


_GROUP_SUMS_SQL = """
WITH g (indicator_id, grp, max_cents, normal) AS (VALUES {values})
SELECT l.assessment_id, g.grp,
  CAST(ROUND(SUM({least}(l.appraised_score * 100, g.max_cents))
             FILTER (WHERE l.appraised_score IS NOT NULL AND NOT l.not_applicable
                     AND (g.normal OR l.appraised_score >= 0))) AS BIGINT),
  SUM(g.max_cents) FILTER (WHERE l.not_applicable AND g.normal)
FROM {line} l JOIN g ON g.indicator_id = l.indicator_id{join}
WHERE {where}
GROUP BY l.assessment_id, g.grp
"""


def group_sums(
    *, assessment_ids: list[int] | None = None, cycle_id: int | None = None,
    shapes: dict[int, tuple[SetShape, dict[int, str]]],
) -> dict[int, dict[str, GroupSums]]:
    """ONE `GROUP BY (assessment, group)` over the stored appraised leaf scores, clamped as the engine does.

    Select by `cycle_id` (signed-off assessments) or by `assessment_ids`. Each leaf's group, maximum and
    kind come in as a `VALUES` table joined on the indicator (a hash join: cheaper than a `CASE` over
    id lists). A normal leaf counts `min(score, max)`, a bonus/penalty leaf `min(max(score, 0), max)`
    (maximums are never negative), missing and not-applicable scores 0. Sums are integer cents: maximums are
    passed as cents, and the sum (not each score) is rounded, exact on SQLite's floats too.
    """
    values: list[Any] = []
    code_of_group: dict[int, str] = {}  # SQL group number → group code (numbers are unique across sets)
    for shape, codes in shapes.values():
        number_of: dict[str, int] = {}
        for ind_id, code in codes.items():
            group = shape.group_of_leaf.get(code)
            if group is None:
                continue
            if group not in number_of:
                number_of[group] = len(code_of_group) + 1
                code_of_group[number_of[group]] = group
            max_cents = int(shape.leaf_max[code] * 100)  # two decimal places: exact
            values.append((ind_id, number_of[group], max_cents, shape.kind_of_leaf[code] == "normal"))
    if not values or (assessment_ids is not None and not assessment_ids):
        return {}
    params: list[Any] = [v for row in values for v in row]
    join, where = "", []
    if cycle_id is not None:
        join = f" JOIN {Assessment._meta.db_table} a ON a.id = l.assessment_id"
        where.append("a.cycle_id = %s AND a.state = %s")
        params += [cycle_id, Assessment.State.SIGNED_OFF]
    if assessment_ids is not None:
        where.append(f"l.assessment_id IN ({', '.join(['%s'] * len(assessment_ids))})")
        params += assessment_ids
    sql = _GROUP_SUMS_SQL.format(
        values=", ".join(["(%s, %s, %s, %s)"] * len(values)), line=ScoreLine._meta.db_table, join=join,
        where=" AND ".join(where) or "TRUE", least="LEAST" if connection.vendor == "postgresql" else "MIN",
    )
    out: dict[int, dict[str, GroupSums]] = defaultdict(dict)
    with connection.cursor() as cursor:
        if cycle_id is not None and connection.vendor == "postgresql" and connection.in_atomic_block:
            # A nation's cycle is ~40,000 (assessment, group) sums: with the default work_mem the hash aggregate
            # spills to disk in batches. For this transaction only.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        for assessment_id, number, scored, na in cursor.fetchall():
            out[assessment_id][code_of_group[number]] = GroupSums(scored_cents=int(scored or 0),
                                                                  na_max_cents=int(na or 0))
    return out


def survey_imports(*, limit: int = 10) -> list[SurveyImport]:
    return list(SurveyImport.objects.select_related("cycle", "created_by", "applied_by")[:limit])
