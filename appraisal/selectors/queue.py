"""The appraisal queue: the assessments a user reviews, with their progress."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from appraisal import permissions
from appraisal.models import ExplanationRound, ExplanationSeen
from appraisal.selectors.explanation import agreed_in_round, documents_asked, explained_in_round
from appraisal.selectors.review import REOPENED
from appraisal.selectors.rounds import appraisal_round_shown_expression
from appraisal.selectors.tree import WORK_STATES, SetTree, set_tree
from cchc.collation import sort_key, vietnamese
from scoring import engine
from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    CycleSet,
    Indicator,
    IndicatorSet,
    RankingGroup,
    ScoreLine,
)
from scoring.selectors import set_rules


@dataclass
class AreaProgress:
    area: Indicator
    done: int = 0
    total: int = 0
    mine: bool = False
    # the user's leaves (`SetTree.leaf_is_theirs`) with an explanation the team has not looked at
    # (`unseen_explanations`): as the review page and the API's `explanation_new` count them
    new_explanations: int = 0
    # the leaves still undecided marked «Cần tài liệu kiểm chứng» the unit sent no evidence for: the area's bulk
    # accept leaves them for a decision of their own (`ReviewLine.evidence_missing`)
    evidence_missing: int = 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@dataclass
class QueueRow:
    assessment: Assessment
    areas: list[AreaProgress]
    can_lead: bool = False
    # in an explanation round whose deadline has passed: the lead closes it (`explanation_overdue`)
    deadline_passed: bool = False
    # reopened after its sign-off and not signed off again (`review.reopened_ids`)
    reopened: bool = False
    # the engine's index of the unit's self-scores, as its own sheet says it (`self_indices`); None when the engine
    # gives none (percent mode with nothing applicable)
    self_index: Decimal | None = None

    @property
    def open_explanation_deadline(self) -> datetime | None:
        """The deadline of the explanation round the unit is in; None outside a round."""
        a = self.assessment
        return a.explanation_deadline if a.state == Assessment.State.EXPLANATION else None

    @property
    def done(self) -> int:
        return sum(a.done for a in self.areas if a.mine)

    @property
    def total(self) -> int:
        return sum(a.total for a in self.areas if a.mine)

    @property
    def new_explanations(self) -> int:
        return sum(a.new_explanations for a in self.areas if a.mine)

    @property
    def evidence_missing(self) -> int:
        return sum(a.evidence_missing for a in self.areas if a.mine)


@dataclass
class Queue:
    rows: list[QueueRow]  # the page's, when paginated
    area_choices: list[tuple[str, str]]
    groups: list[RankingGroup]
    cycle: Cycle | None
    page: Page[Assessment] | None = None  # when paginated: the page shown (its paginator counts every row)
    # Filters that name nothing, as given (the page says so), each left out (the queue as if it were not given): a
    # state not in the queue, an area none of the cycle's sets has, a group that is neither a group's id nor its code.
    unknown_state: str = ""
    unknown_area: str = ""
    unknown_group: str = ""
    group: RankingGroup | None = None  # the group filtered by, found by its id or its code
    sort: str = ""  # the order applied (one of SORTS; the default when not given or not one of them)


# The queue's orders, by the value of its `sap-xep` parameter: by ranking group, then the units by name (the
# default); the units by name across the groups (one list A–Z); the user's undecided leaves (of the areas their rows
# show) most or fewest first; the submission oldest or latest first; the self-assessed index highest or lowest first
# (none last). Ties by group and name (under A–Z: by name).
SORT_GROUP = "khoi"
SORT_NAME = "ten"
SORT_MOST_OPEN = "con-nhieu"
SORT_LEAST_OPEN = "con-it"
SORT_SUBMITTED_FIRST = "gui-som"
SORT_SUBMITTED_LAST = "gui-muon"
SORT_SELF_HIGH = "tu-danh-gia-cao"
SORT_SELF_LOW = "tu-danh-gia-thap"
SORTS = (SORT_GROUP, SORT_NAME, SORT_MOST_OPEN, SORT_LEAST_OPEN, SORT_SUBMITTED_FIRST, SORT_SUBMITTED_LAST,
         SORT_SELF_HIGH, SORT_SELF_LOW)
PROGRESS_SORTS = (SORT_MOST_OPEN, SORT_LEAST_OPEN)
SELF_INDEX_SORTS = (SORT_SELF_HIGH, SORT_SELF_LOW)


# A leaf the team has decided, as the progress column counts it (`review.line_decided`): a score, or a «không phát
# sinh» the team accepted. A «không phát sinh» neither accepted nor overruled (`_NA_OPEN`) counts as decided on a
# signed-off assessment (signed off before acceptance was recorded) and waits otherwise.
_DECIDED = Q(appraised_score__isnull=False) | Q(not_applicable=True, na_overruled=False, na_accepted=True)
_NA_OPEN = Q(appraised_score__isnull=True, not_applicable=True, na_overruled=False, na_accepted=False)


def current_cycle() -> Cycle | None:
    return Cycle.objects.order_by("-year").first()


def _group_named(groups: list[RankingGroup], value: int | str | None) -> RankingGroup | None:
    """The group `value` names: its code, or (as the API takes them) its id. None when it names none."""
    text = str(value if value is not None else "").strip()
    found = next((g for g in groups if g.code == text), None)
    if found is None and text.isascii() and text.isdigit():
        found = next((g for g in groups if g.pk == int(text)), None)
    return found


def queue_for_user(
    *, user: Any, cycle: Cycle | None = None, group: int | str | None = None, state: str = "", area_code: str = "",
    per_page: int | None = None, page: str | int | None = None, new_explanations: bool = False,
    open_areas: bool = False, sort: str = "",
) -> Queue:
    """Submitted assessments the user may review, with progress per area they may appraise.

    Hidden: the user's own unit, units outside their assignment, drafts. Administrators see all.
    Who sees a row depends on the unit and the set only (`permissions.appraisal_scope`), so the rows are chosen,
    counted and paged by the database: with `per_page`, only the rows of page `page` are read (a national
    cycle's team sees thousands), and the progress is counted for those only. Queries: the groups, the sets in
    the queue, their trees (one per set, normally one or two), the count, the page (its rows' reopening with them),
    the page's lines (each row's progress and self index), and two for the explanations not looked at
    (`unseen_explanations`) when a row is back from an explanation round.
    `new_explanations`: only the rows with such an explanation on a leaf the user appraises. Those explanations are
    counted per row and area by the review page's rule (`SetTree.leaf_is_theirs`: a leaf of a criterion assigned,
    or of an area assigned; every leaf for the lead, and for an administrator outside the team, to whom every area
    of every row is theirs here; never a survey leaf), so the queue says the number the review page and the API's
    `explanation_new` say. `group`: a ranking group's code or id. `open_areas`: only the rows where a leaf of the
    areas shown as the user's (those assigned to them, or the one of `area_code`) is not decided yet, by the
    progress column's rule (`_DECIDED`), or has a new explanation the user has not looked at (as `new_explanations`
    counts them): one condition on the rows' query and the two queries of `unseen_explanations`. A filter that names
    nothing is left out and named (`Queue.unknown_*`). `sort`: one of SORTS (an unknown one is the default, by
    group and name); the progress sorts count the undecided leaves as the open-areas filter does, in the rows' query.
    Each area's `evidence_missing` is counted with the progress (no query of its own).
    Each row's `self_index` is the engine's index of its self-scores (`self_indices`), from the lines the progress
    reads. The self-index sorts compute it for every row of the filtered queue instead (one query for their ids, one
    for their lines, one for the page's rows; no count), as the index is no column of the database: each unit's
    self-scores once, as the cycle's preliminary table reads them.
    """
    sort = sort if sort in SORTS else SORT_GROUP
    cycle = cycle or current_cycle()
    groups = list(RankingGroup.objects.order_by("order", vietnamese("name"), "pk"))
    given_group = str(group if group is not None else "").strip()
    chosen_group = _group_named(groups, given_group) if given_group else None
    unknown_group = given_group if given_group and chosen_group is None else ""
    unknown_state = state if state and state not in WORK_STATES else ""
    if cycle is None:  # no cycle at all: an empty queue, paged as any other when asked to be
        empty = Paginator(Assessment.objects.none(), per_page).get_page(page) if per_page is not None else None
        return Queue(rows=[], area_choices=[], groups=groups, cycle=None, page=empty, unknown_state=unknown_state,
                     unknown_group=unknown_group, group=chosen_group, sort=sort)
    unknown_area = area_code if area_code and not _cycle_has_area(cycle, area_code) else ""
    if unknown_area:
        area_code = ""
    qs = Assessment.objects.filter(cycle=cycle, state__in=WORK_STATES)
    if state and not unknown_state:
        qs = qs.filter(state=state)
    if chosen_group is not None:
        qs = qs.filter(ranking_group_id=chosen_group.pk)  # the group of that year (`Assessment.ranking_group`)
    scope = None
    if not (permissions.is_administrator(user) and not permissions.is_appraiser(user)):  # those see every row
        scope = permissions.appraisal_scope(user, cycle.pk)
        if scope is None:
            qs = qs.none()
        else:
            qs = qs.exclude(unit_id__in=scope.own)
            if scope.units is not None:
                qs = qs.filter(unit_id__in=scope.units)
            if (assigned := scope.set_ids()) is not None:
                qs = qs.filter(indicator_set_id__in=assigned)

    def allowed_of(set_id: int) -> set[int] | None:
        return None if scope is None else scope.nodes_for(set_id)

    sets = IndicatorSet.objects.in_bulk(set(qs.order_by().values_list("indicator_set_id", flat=True).distinct()))
    trees = {pk: set_tree(pk) for pk in sets}
    area_choices: dict[str, str] = {}
    for pk, tree in trees.items():
        for area in tree.areas:
            if tree.area_has_assigned(allowed_of(pk), area.pk):
                area_choices.setdefault(area.code, area.name)
    if area_code:  # only the rows where that area is theirs
        qs = qs.filter(indicator_set_id__in=[
            pk for pk, tree in trees.items()
            if any(a.code == area_code and tree.area_has_assigned(allowed_of(pk), a.pk) for a in tree.areas)
        ])
    leaf_area = {
        leaf: area for tree in trees.values() for area, leaves in tree.leaves_by_area.items() for leaf in leaves
    }
    area_set = {area.pk: (pk, area) for pk, tree in trees.items() for area in tree.areas}

    def counted(area_id: int) -> bool:  # an area shown as the user's on the row (its column of the queue)
        set_id, area = area_set[area_id]
        return trees[set_id].area_has_assigned(allowed_of(set_id), area_id) and (
            not area_code or area.code == area_code)

    # The leaves whose new explanation counts for the user (`unseen_explanations`): theirs to appraise, by the one rule
    # of the review page and the API (`SetTree.leaf_is_theirs`: with criteria assigned, not the area's other
    # criteria; never a survey leaf), in the areas their rows show. No query: the trees are read.
    new_counted = {leaf for pk, tree in trees.items() for leaf in tree.leaves_theirs(allowed_of(pk))
                   if counted(tree.area_of[leaf])}

    # the leaves of the user's areas (those their row shows) still to decide: a «không phát sinh» nobody decided
    # counts as decided on a signed-off assessment (`_NA_OPEN`)
    mine = [leaf for tree in trees.values() for area_id, area_leaves in tree.leaves_by_area.items()
            if counted(area_id) for leaf in area_leaves]
    open_lines = ScoreLine.objects.filter(assessment_id=OuterRef("pk"), indicator_id__in=mine).exclude(_DECIDED)
    is_signed_off = Q(state=Assessment.State.SIGNED_OFF)
    unseen: dict[int, list[int]] | None = None
    if open_areas or new_explanations:  # chosen before paging
        unseen = unseen_explanations(assessments=qs.order_by().values("pk"))
    with_new = [pk for pk, leaves in (unseen or {}).items() if any(leaf in new_counted for leaf in leaves)]
    if open_areas:
        # a leaf decided but back with a new explanation nobody has read is work left too (the row says «giải
        # trình mới»): the unit asked the team to look at it again
        qs = qs.filter((~is_signed_off & Exists(open_lines)) | (is_signed_off & Exists(open_lines.exclude(_NA_OPEN)))
                       | Q(pk__in=with_new))
    if new_explanations:  # only the rows with an explanation for this user to look at
        qs = qs.filter(pk__in=with_new)
    # The unit and its kind per row, the group the row is ranked in that year (`Assessment.ranking_group`: the
    # unit's own for a cycle not yet published, the one it had then for a past year) and the unit's current group
    # (the API's `unit`, as the unit is now), joined; the cycle and the (one or two) sets are shared, attached below.
    # `round_shown`: the round as numbered for people, withdrawn rounds not counted (`selectors.rounds`)
    # The unit's parent is the API's `unit.parent_code`; `reopened`: a sign-off undone, as `review.reopened_ids`
    # reads it (no query of its own: the state is checked with the row).
    ordered: QuerySet[Assessment] = qs.select_related(
        "unit", "unit__kind", "unit__ranking_group", "unit__parent", "ranking_group",
    ).annotate(round_shown=appraisal_round_shown_expression(),
               ever_reopened=Exists(AuditEntry.objects.filter(REOPENED, assessment_id=OuterRef("pk"))))
    by_name = ("ranking_group__order", vietnamese("unit__name"), "pk")  # names in Vietnamese order
    if sort == SORT_NAME:  # one list by name, whatever the groups
        ordered = ordered.order_by(vietnamese("unit__name"), "pk")
    elif sort in PROGRESS_SORTS:
        ordered = ordered.annotate(undecided=Case(
            When(is_signed_off, then=_count_of(open_lines.exclude(_NA_OPEN))), default=_count_of(open_lines),
            output_field=IntegerField(),
        ))
        ordered = ordered.order_by("-undecided" if sort == SORT_MOST_OPEN else "undecided", *by_name)
    elif sort == SORT_SUBMITTED_FIRST:
        ordered = ordered.order_by(F("submitted_at").asc(nulls_last=True), *by_name)
    elif sort == SORT_SUBMITTED_LAST:
        ordered = ordered.order_by(F("submitted_at").desc(nulls_last=True), *by_name)
    else:
        ordered = ordered.order_by(*by_name)
    shown: Page[Assessment] | None = None
    rules = _rules_of(sets, trees)
    indices: dict[int, Decimal | None] | None = None
    if sort in SELF_INDEX_SORTS:
        # every row's index, then the page of the rows in that order (by group and name among equal ones)
        placed = list(qs.order_by(*by_name).values_list("pk", "indicator_set_id"))
        indices = self_indices(assessments=qs.order_by().values("pk"), set_of=dict(placed), rules=rules)
        high = sort == SORT_SELF_HIGH

        def index_key(pk: int) -> tuple[bool, Decimal]:
            value = indices.get(pk) if indices is not None else None
            return (value is None, Decimal(0) if value is None else -value if high else value)

        ids = sorted((pk for pk, _set_id in placed), key=index_key)  # stable: the name order kept among equals
        if per_page is not None:
            id_page = Paginator(ids, per_page).get_page(page)
            ids = list(id_page.object_list)
        found = (ordered.filter(pk__in=ids) if per_page is not None else ordered).in_bulk()
        assessments = [found[pk] for pk in ids if pk in found]
        if per_page is not None:
            shown = Page(assessments, id_page.number, cast("Paginator[Assessment]", id_page.paginator))
    elif per_page is not None:
        shown = Paginator(ordered, per_page).get_page(page)
        assessments = list(shown.object_list)
    else:
        assessments = list(ordered)
    rows: list[QueueRow] = []
    now = timezone.now()
    for assessment in assessments:
        assessment.cycle = cycle
        assessment.indicator_set = sets[assessment.indicator_set_id]
        tree = trees[assessment.indicator_set_id]
        allowed = allowed_of(assessment.indicator_set_id)
        deadline = assessment.explanation_deadline
        rows.append(QueueRow(
            assessment=assessment,  # as `permissions.can_lead`: the lead, never on their own unit
            can_lead=scope is not None and scope.lead and assessment.unit_id not in scope.own,
            deadline_passed=assessment.state == Assessment.State.EXPLANATION and deadline is not None
            and now > deadline,
            reopened=getattr(assessment, "ever_reopened", False) and assessment.state != Assessment.State.SIGNED_OFF,
            areas=[AreaProgress(area=area, mine=tree.area_has_assigned(allowed, area.pk)) for area in tree.areas
                   if not area_code or area.code == area_code],
        ))
    if rows:
        from evidence.selectors import files_per_line  # the evidence app's count of a line's files

        needs_evidence = [pk for tree in trees.values() for pk, node in tree.nodes.items()
                          if node.is_leaf and node.evidence_required and node.source != Indicator.Source.SURVEY]
        # as `ReviewLine.evidence_missing`, for a leaf still undecided the bulk accept would otherwise take
        no_evidence = (Q(indicator_id__in=needs_evidence, not_applicable=False, self_value__isnull=False)
                       & ~_DECIDED & Q(Exact(files_per_line(), 0)))
        # The page's lines, read once: each row's self index (unless the self-index sort computed it for every row)
        # and its progress per area, counted here (a leaf's area from the trees), where an aggregate of its own and
        # the index's read were a query each.
        lines = (
            ScoreLine.objects.filter(assessment_id__in=[r.assessment.pk for r in rows]).order_by("assessment_id")
            .annotate(decided=_flag(_DECIDED), na_open=_flag(_NA_OPEN), evidence_missing=_flag(no_evidence))
            .values_list("assessment_id", "indicator_id", "self_score", "not_applicable", "decided", "na_open",
                         "evidence_missing")
            .iterator(chunk_size=SELF_LINES_CHUNK)
        )
        by_row = {row.assessment.pk: row for row in rows}
        set_of = {pk: row.assessment.indicator_set_id for pk, row in by_row.items()}
        page_indices: dict[int, Decimal | None] = {}
        for assessment_id, its_lines in itertools.groupby(lines, key=lambda line: line[0]):
            row = by_row[assessment_id]
            signed_off = row.assessment.state == Assessment.State.SIGNED_OFF
            by_area = {p.area.pk: p for p in row.areas}
            scores: list[tuple[int, Decimal | None, bool]] = []
            for _id, leaf, self_score, not_applicable, decided, na_open, evidence_missing in its_lines:
                scores.append((leaf, self_score, not_applicable))
                progress = by_area.get(leaf_area.get(leaf, 0))
                if progress is None:
                    continue
                progress.total += 1
                # a «không phát sinh» nobody decided counts as decided once signed off, waits otherwise
                if decided or (signed_off and na_open):
                    progress.done += 1
                if evidence_missing and not signed_off:
                    progress.evidence_missing += 1
            if indices is None:
                page_indices[assessment_id] = _index_of(scores, *rules[set_of[assessment_id]])
        for row in rows:
            row.self_index = (indices if indices is not None else page_indices).get(row.assessment.pk)
        if unseen is None:
            unseen = unseen_explanations(assessments=[
                r.assessment.pk for r in rows if r.assessment.state == Assessment.State.IN_APPRAISAL
            ])
        for row in rows:
            by_area = {p.area.pk: p for p in row.areas}
            for leaf in unseen.get(row.assessment.pk, []):
                if leaf in new_counted and (shown_area := by_area.get(leaf_area[leaf])) is not None:
                    shown_area.new_explanations += 1
    choices = sorted(area_choices.items(), key=lambda kv: [int(p) if p.isdigit() else p for p in kv[0].split(".")])
    return Queue(rows=rows, area_choices=choices, groups=groups, cycle=cycle, page=shown, unknown_state=unknown_state,
                 unknown_area=unknown_area, unknown_group=unknown_group, group=chosen_group, sort=sort)


_RulesOf = dict[int, tuple[engine.SetRules, dict[int, str]]]  # set id → (the engine's rules, leaf id → its code)


def _rules_of(sets: dict[int, IndicatorSet], trees: dict[int, SetTree]) -> _RulesOf:
    """The engine's view of each set, from the trees already read. No query."""
    return {
        pk: (set_rules(sets[pk], sorted(tree.nodes.values(), key=lambda n: n.order)),
             {node.pk: node.code for node in tree.nodes.values() if node.is_leaf})
        for pk, tree in trees.items()
    }


SELF_LINES_CHUNK = 5000  # lines read at a time by `self_indices`: memory holds one assessment's leaves


def self_indices(
    *, assessments: QuerySet[Any] | list[int], set_of: dict[int, int], rules: _RulesOf,
) -> dict[int, Decimal | None]:
    """{assessment id: the engine's index of its self-scores}, as the unit's own sheet computes it (every leaf with
    its self-score or «không phát sinh», a leaf without either counting 0); None where the engine gives no index (a
    percent-mode set with nothing applicable). `set_of`: each assessment's set; `rules`: `_rules_of` those sets.
    The scores cannot change once submitted (the unit writes them in a draft only), and no column keeps the index,
    so it is computed from the lines: one query, read in assessment order a chunk at a time."""
    lines = (ScoreLine.objects.filter(assessment_id__in=assessments).order_by("assessment_id")
             .values_list("assessment_id", "indicator_id", "self_score", "not_applicable")
             .iterator(chunk_size=SELF_LINES_CHUNK))
    return {
        assessment_id: _index_of([line[1:] for line in group], *rules[set_of[assessment_id]])
        for assessment_id, group in itertools.groupby(lines, key=lambda line: line[0])
    }


def _index_of(
    scores: list[tuple[int, Decimal | None, bool]], set_rules_: engine.SetRules, codes: dict[int, str],
) -> Decimal | None:
    """The engine's index of one assessment's self-scores, from its lines' (leaf id, self score, «không phát sinh»);
    None where the engine gives none (a percent-mode set with nothing applicable). No query."""
    leaves = {codes[leaf]: engine.LeafScore(score=score, not_applicable=not_applicable)
              for leaf, score, not_applicable in scores if leaf in codes}
    try:
        return engine.compute_index(set_rules_, leaves).index
    except engine.EngineError:  # percent mode with nothing applicable: no index
        return None


def _flag(condition: Q) -> ExpressionWrapper:
    """SQL: whether a line meets `condition`, as a column of its row."""
    return ExpressionWrapper(condition, output_field=BooleanField())


def _count_of(lines: QuerySet[ScoreLine]) -> Coalesce:
    """SQL: how many of `lines` (a queryset on the outer assessment) there are, 0 for none."""
    counted = lines.order_by().values("assessment_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def unseen_explanations(*, assessments: QuerySet[Any] | list[int]) -> dict[int, list[int]]:
    """{assessment id: the leaves (indicator ids) whose explanation, sent in the round that just ended, the team has
    not looked at yet}, for the given assessments back in appraisal after an explanation round.

    «Not looked at»: a leaf flagged in the assessment's last round (the round before its current appraisal round,
    ended by the unit's resubmission or by the lead), whose explanation was written during that round
    (`explained_in_round`), whose line nobody has written since the round ended, and that nobody of the team has
    marked read (`ExplanationSeen`, for that round). The unit cannot write a line once the round has ended; every
    decision of the team on it (a score, the self-score accepted, a «không phát sinh» accepted or overruled) saves
    it, so a line last written before the end is one the team has not decided again. A reopened or returned-again
    assessment has moved to a later round and counts none. The unit's «Đồng ý với kết quả thẩm định» on a leaf
    (`ExplanationRound.agreed_lines`) is no text and asks nothing of the team: not counted. On a leaf the round asked
    documents of (`documents_asked`), a document linked during the round is the unit's answer: counted as an
    explanation is. Two queries.
    """
    from evidence.models import EvidenceLink  # the evidence app records the round a link was added in

    rounds = {
        r.assessment_id: r
        for r in ExplanationRound.objects.filter(
            assessment__in=assessments, assessment__state=Assessment.State.IN_APPRAISAL,
            round=F("assessment__appraisal_round") - 1,
        ).filter(Q(resubmitted_at__isnull=False) | Q(closed_at__isnull=False))
        .only("assessment_id", "explanations_at_start", "agreed_lines", "documents_requested", "resubmitted_at",
              "closed_at")
    }
    if not rounds:
        return {}
    lines = (
        ScoreLine.objects.filter(assessment_id__in=list(rounds), explanation_requested=True)
        .annotate(documented=Exists(EvidenceLink.objects.filter(
            score_line=OuterRef("pk"), explanation_round=OuterRef("assessment__appraisal_round") - 1)))
        .filter(~Q(explanation="") | Q(documented=True))
        .filter(~Exists(ExplanationSeen.objects.filter(line=OuterRef("pk"),
                                                       round=OuterRef("assessment__appraisal_round") - 1)))
        .order_by().only("assessment_id", "indicator_id", "explanation", "updated_at")
    )
    unseen: dict[int, list[int]] = {}
    for line in lines:
        last = rounds[line.assessment_id]
        ended = last.resubmitted_at or last.closed_at
        assert ended is not None
        answered = (explained_in_round(line, last.explanations_at_start or {})
                    or (line.documented and documents_asked(line, last)))  # type: ignore[attr-defined]
        if line.updated_at <= ended and answered and not agreed_in_round(line, last):
            unseen.setdefault(line.assessment_id, []).append(line.indicator_id)
    return unseen


def _cycle_has_area(cycle: Cycle, code: str) -> bool:
    """Whether an area of that code is in a set the cycle uses or one of its assessments was opened on (as the
    API's `area` filter). One query."""
    if "\x00" in code:  # no code has one (and the database takes no NUL in a query)
        return False
    used = Q(indicator_set_id__in=CycleSet.objects.filter(cycle=cycle).values("indicator_set_id")) | Q(
        indicator_set_id__in=Assessment.objects.filter(cycle=cycle).order_by().values("indicator_set_id")
    )
    return Indicator.objects.filter(used, parent__isnull=True, code=code).exists()


def queue_next(
    *, user: Any, assessment: Assessment, cycle: Cycle | None, group: int | str | None, state: str, area_code: str,
    page: int, per_page: int, new_explanations: bool, open_areas: bool = False, sort: str = "",
) -> tuple[Assessment, int] | None:
    """The assessment after `assessment` in the queue `queue_for_user` shows with these filters and `sort`, from the
    queue's `page` (and the next page when this one ends it), with the page it is on. An assessment no longer in the
    filtered queue (its appraisal started while the queue showed «Đã gửi», its areas finished under «Lĩnh vực của
    tôi chưa xong») is placed by the queue's order; under a progress sort, whose place its own decisions change,
    the next is then the first of the page (the next to work on); under a self-index sort, by its own self index (one
    query more). None at the queue's end, or for a queue of another cycle."""

    def rows_of(number: int) -> Queue:
        return queue_for_user(user=user, cycle=cycle, group=group, state=state, area_code=area_code,
                              per_page=per_page, page=number, new_explanations=new_explanations,
                              open_areas=open_areas, sort=sort)

    data = rows_of(page)
    if data.cycle is None or data.cycle.pk != assessment.cycle_id or data.page is None:
        return None
    rows = [row.assessment for row in data.rows]
    here = next((i for i, row in enumerate(rows) if row.pk == assessment.pk), None)
    if here is None and data.sort in PROGRESS_SORTS:
        here = -1
    elif here is None:
        own_index = None
        if data.sort in SELF_INDEX_SORTS:  # its set's tree and its lines: a query each (its set with it)
            set_id = assessment.indicator_set_id
            own_index = self_indices(
                assessments=[assessment.pk], set_of={assessment.pk: set_id},
                rules=_rules_of({set_id: assessment.indicator_set}, {set_id: set_tree(set_id)}),
            ).get(assessment.pk)
        orders = {g.pk: g.order for g in data.groups}
        key = _queue_key(assessment, orders, data.sort, own_index)
        here = next((i for i, row in enumerate(data.rows)
                     if _queue_key(row.assessment, orders, data.sort, row.self_index) > key), len(rows)) - 1
    if here + 1 < len(rows):
        return rows[here + 1], page
    if not data.page.has_next():
        return None
    page = data.page.next_page_number()
    following_rows = rows_of(page).rows
    return (following_rows[0].assessment, page) if following_rows else None


def _queue_key(
    assessment: Assessment, orders: dict[int, int], sort: str = SORT_GROUP, self_index: Decimal | None = None,
) -> tuple[Any, ...]:
    """An assessment's place in the queue's order (`queue_for_user`): the group it is ranked in that year
    (`Assessment.ranking_group`, its order in `orders`, by id: no query; none last, as PostgreSQL sorts), the unit's
    name (in Vietnamese alphabetical order, as `cchc.collation` orders the queue), the id; under
    A–Z, the name and the id only; under a submission-time sort, that time first (none last); under a self-index
    sort, `self_index` first (none last)."""
    if sort == SORT_NAME:
        return (sort_key(assessment.unit.name), assessment.pk)
    order = orders.get(assessment.ranking_group_id) if assessment.ranking_group_id is not None else None
    key: tuple[Any, ...] = (order is None, order if order is not None else 0, sort_key(assessment.unit.name),
                            assessment.pk)
    if sort in SELF_INDEX_SORTS:
        value = Decimal(0) if self_index is None else self_index
        return (self_index is None, -value if sort == SORT_SELF_HIGH else value, *key)
    if sort in (SORT_SUBMITTED_FIRST, SORT_SUBMITTED_LAST):
        at = assessment.submitted_at
        stamp = at.timestamp() if at is not None else 0.0
        return (at is None, stamp if sort == SORT_SUBMITTED_FIRST else -stamp, *key)
    return key
