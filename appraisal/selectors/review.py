"""The review page: every leaf with its self-score, appraisal, evidence and history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from appraisal import permissions
from appraisal.models import AppraisalAssignment, ExplanationRound, LineHistory
from appraisal.selectors.rounds import (
    explanation_number_expression,
    number_rounds,
    round_withdrawn_expression,
    withdrawn_before_expression,
)
from appraisal.selectors.tree import WORK_STATES, set_tree
from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.models import Assessment, AuditEntry, Indicator, RoleAssignment, ScoreLine
from scoring.selectors.handover import handover_entries


def na_pending(line: ScoreLine, state: str) -> bool:
    """A unit's «không phát sinh» waiting for the team's decision: neither accepted nor overruled. One signed off
    before the team had to decide (no acceptance recorded) was decided by that sign-off; reopened, it waits."""
    return (line.not_applicable and not line.na_overruled and not line.na_accepted
            and state != Assessment.State.SIGNED_OFF)


def na_credited(line: ScoreLine, state: str) -> bool:
    """A unit's «không phát sinh» the team accepted: the leaf earns what the engine credits a KPS."""
    return line.appraised_not_applicable and not na_pending(line, state)


def line_decided(line: ScoreLine, state: str) -> bool:
    """The team has decided the leaf: an appraised score (an overruled «không phát sinh» has one), or an accepted
    «không phát sinh». What the progress counts and what sign-off requires of every leaf."""
    return line.appraised_score is not None or na_credited(line, state)


def credited_scores(line: ScoreLine, *, state: str, index_mode: str) -> tuple[Decimal | None, Decimal | None]:
    """(self, appraised): the points the leaf counts for in the totals of the self-assessment and of the appraisal
    of an assessment in `state` whose set has `index_mode`: the one rule of the API (`credited_*_score`) and of the
    team's workbook (`appraisal.exports`). A «không phát sinh» (KPS) is credited what the engine credits
    it (`scoring.selectors.not_applicable_credit`: its maximum in points mode; None in percent mode, where it leaves
    the maximum instead); on the appraisal's side only once the team has accepted it (`na_credited`; None while it
    waits for the team), an overruled one counts its appraised score. Any other leaf counts its score (None: not
    scored yet, counts 0). No query: the line's indicator is read with it."""
    credit: Decimal | None = None
    if line.not_applicable:
        indicator = line.indicator
        credit = scoring_selectors.not_applicable_credit(kind=indicator.kind, max_points=indicator.max_points,
                                                         index_mode=index_mode)
    own = credit if line.not_applicable else line.self_score
    if line.appraised_not_applicable:  # a KPS the team did not overrule: credited once accepted, else waiting
        appraised = credit if na_credited(line, state) else None
    else:
        appraised = line.appraised_score
    return own, appraised


@dataclass
class ReviewLine:
    line: ScoreLine
    indicator: Indicator
    path: list[Indicator]
    files: list[Any]
    history: list[LineHistory]
    editable: bool
    differs: bool
    # the unit's explanation, sent in the round that just ended, the team has not looked at (`unseen_explanations`)
    new_explanation: bool = False
    # flagged in the explanation round now open: it waits for the unit's explanation (not editable meanwhile)
    awaiting_explanation: bool = False
    # flagged in the assessment's last explanation round (open or ended): the unit's answer there was its agreement
    # with the appraisal, and the team's own question on the leaf in that round (empty: none)
    agreed: bool = False
    question: str = ""
    # the last round asked evidence documents of the leaf («Bổ sung tài liệu kiểm chứng») rather than an
    # explanation, and whether the unit linked one to it during that round (its answer there)
    documents_asked: bool = False
    documented: bool = False

    @property
    def evidence_missing(self) -> bool:
        """Marked «Cần tài liệu kiểm chứng», and the unit linked no file (a «không phát sinh» needs none; a survey
        leaf is not the unit's): the area's bulk accept leaves it for a decision of its own
        (`appraisal.services.review.evidence_missing`, the same rule)."""
        indicator = self.indicator
        return (indicator.evidence_required and not self.line.not_applicable and not self.files
                and indicator.source != Indicator.Source.SURVEY)

    @property
    def evidence_noted(self) -> bool:
        """Its evidence missing, the unit wrote a note or an explanation on it (what it says of its evidence, kept
        on paper): the area's list of such leaves offers it, for the appraiser to accept on the unit's word
        (`evidence_noted`, the service's rule, `area_accept_noted`)."""
        return self.evidence_missing and evidence_noted(self.line)

    @property
    def done(self) -> bool:
        return line_decided(self.line, self.line.assessment.state)

    @property
    def na_pending(self) -> bool:
        return na_pending(self.line, self.line.assessment.state)

    @property
    def na_credited(self) -> bool:
        return na_credited(self.line, self.line.assessment.state)


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
    def new_explanations(self) -> int:
        """The user's leaves of the area with a new explanation: what its «Đã xem» mark would mark."""
        return sum(1 for rl in self.lines if rl.editable and rl.new_explanation)

    @property
    def acceptable(self) -> int:
        """Lines an "accept the whole area" would set (`area_accept_self`): the user's, unappraised, not survey,
        self-scored (with its evidence when it needs some) or a «không phát sinh» waiting for the team; never a
        leaf waiting for the unit's explanation (not editable then)."""
        return sum(1 for rl in self.lines if _acceptable(rl))

    @property
    def evidence_missing(self) -> list[ReviewLine]:
        """The user's undecided leaves the bulk accept leaves out for their missing evidence (named by its
        confirmation)."""
        return [rl for rl in self.lines if rl.editable and not rl.done and rl.evidence_missing
                and rl.line.self_value is not None]

    @property
    def evidence_noted(self) -> list[ReviewLine]:
        """Those of `evidence_missing` the unit wrote a note or explanation on: the area's list the appraiser ticks
        one by one to accept on the unit's word (`area_accept_noted`)."""
        return [rl for rl in self.evidence_missing if rl.evidence_noted and not rl.awaiting_explanation]


def evidence_noted(line: ScoreLine) -> bool:
    """The unit wrote something on the leaf (its note or its explanation): for a leaf whose evidence is missing,
    what it says of it (typically kept on paper at the unit), which the team may take at its word."""
    return bool(line.self_note.strip() or line.explanation.strip())


def _acceptable(rl: ReviewLine) -> bool:
    """The leaf is one the area's bulk accept takes (`area_accept_self`'s rule for a leaf read with its files)."""
    if not rl.editable or rl.line.appraised_score is not None or rl.indicator.source == Indicator.Source.SURVEY:
        return False
    if rl.line.not_applicable:
        return rl.na_pending
    return rl.line.self_value is not None and not rl.evidence_missing


def evidence_files_by_line(assessment: Assessment) -> dict[int, list[Any]]:
    """Line id → linked evidence files (from the evidence app; empty when it is not installed)."""
    try:
        from evidence.selectors import evidence_by_line
    except ImportError:  # pragma: no cover - the evidence app is part of the project
        return {}
    return evidence_by_line(assessment=assessment)


def round_answers(*, assessment: Assessment) -> dict[int, ExplanationRound]:
    """Stored round number → the assessment's explanation round, with only what its leaves' records read of it: the
    team's questions, the unit's agreements, the leaves asked for documents. One query."""
    return {r.round: r for r in ExplanationRound.objects.filter(assessment=assessment)
            .only("pk", "assessment_id", "round", "questions", "agreed_lines", "documents_requested")}


def history_by_line(
    *, assessment: Assessment, rounds: dict[int, ExplanationRound] | None = None
) -> dict[int, list[LineHistory]]:
    """Line id → its history, oldest first. Each entry carries `round_withdrawn` (its round was withdrawn: shown
    as such, without a number) and `round_shown` (the round's number as people see it, `selectors.rounds`: an
    explanation's, the explanation round's; another step's, the appraisal round's); an appraisal the team asked the
    unit to explain, the team's `question` on the leaf (empty: none); an explanation, whether the unit's answer was
    its agreement (`agreed`), both as the round records them (`rounds`, `round_answers`). Two queries (one when
    `rounds` is given)."""
    if rounds is None:
        rounds = round_answers(assessment=assessment)
    out: dict[int, list[LineHistory]] = defaultdict(list)
    entries = LineHistory.objects.filter(assessment=assessment).annotate(
        round_withdrawn=round_withdrawn_expression(assessment="assessment_id", stored="round"),
        withdrawn_before=withdrawn_before_expression(assessment="assessment_id", stored="round"),
        explanation_number=explanation_number_expression(assessment="assessment_id", stored="round"),
    ).order_by("id")
    for entry in entries:
        entry.round_shown = (  # type: ignore[attr-defined]
            entry.explanation_number if entry.stage == LineHistory.Stage.EXPLANATION
            else entry.round - entry.withdrawn_before
        )
        asked = rounds.get(entry.round)
        entry.question = ""  # type: ignore[attr-defined]
        entry.agreed = False  # type: ignore[attr-defined]
        if asked is not None and entry.stage == LineHistory.Stage.APPRAISAL:
            entry.question = (asked.questions or {}).get(str(entry.line_id), "")  # type: ignore[attr-defined]
        elif asked is not None and entry.stage == LineHistory.Stage.EXPLANATION:
            entry.agreed = entry.line_id in (asked.agreed_lines or [])  # type: ignore[attr-defined]
        out[entry.line_id].append(entry)
    return out


# The steps of a leaf's history that record the team's decision at a round's end (its request for explanations,
# its sign-off): what a later round starts from.
TEAM_STAGES = (LineHistory.Stage.APPRAISAL, LineHistory.Stage.FINAL)


def previous_decision(entries: Iterable[Any], current_round: int) -> Any | None:
    """The team's decision on a leaf as an earlier round ended (the latest APPRAISAL or FINAL step of its history
    before `current_round`, `history_by_line`'s entries), whose reason a new round shows beside its empty reason box;
    None in the leaf's first round, when no earlier round recorded it, or when the team had not decided it then. No
    query."""
    found = None
    for entry in entries:
        if getattr(entry, "stage", None) in TEAM_STAGES and entry.round < current_round:
            found = entry
    if found is not None and found.score is None and not found.not_applicable:  # nothing decided then
        return None
    return found


def previous_round_decision(*, line: ScoreLine, current_round: int) -> LineHistory | None:
    """`previous_decision` of one leaf, read from the database (for the services). One query."""
    return (LineHistory.objects.filter(line=line, stage__in=TEAM_STAGES, round__lt=current_round)
            .order_by("-round", "-id").first())


# The audit's actions that set a leaf's appraisal (a score, or the acceptance of a «không phát sinh»).
APPRAISAL_ACTIONS = ("score_line.appraise", "score_line.accept_not_applicable")


def last_appraisal(*, line_id: int) -> AuditEntry | None:
    """The audit entry of the leaf's stored appraisal (who set it, when), with its actor; None when the team has
    not decided it. One query."""
    return (AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line_id), action__in=APPRAISAL_ACTIONS)
            .select_related("actor").order_by("-at", "-id").first())


@dataclass
class OverwrittenAppraisal:
    """A colleague's appraisal of a leaf that another person replaced within the same round (no round boundary
    recorded it in `LineHistory`), read from the audit: listed in the leaf's «Quá trình chấm điểm» on the review
    page with the score (or the «không phát sinh» accepted), the reason, who set it and who replaced it."""

    recorded_at: Any
    recorded_by: Any
    replaced_at: Any
    replaced_by: Any
    score: Decimal | None
    not_applicable: bool
    note: str
    stage: str = "overwritten"
    overwritten: bool = True
    value: Any = None
    explanation: str = ""
    evidence: list[Any] = field(default_factory=list)
    question: str = ""
    agreed: bool = False
    round_withdrawn: bool = False


def overwritten_by_line(
    *, assessment: Assessment, history: dict[int, list[LineHistory]]
) -> dict[int, list[OverwrittenAppraisal]]:
    """Line id → the appraisals of one person that another replaced before any round boundary recorded them (no
    `history` entry of the leaf between the two), oldest first. One query (the assessment's appraisal entries)."""
    entries = (AuditEntry.objects.filter(assessment=assessment, object_type="ScoreLine", action__in=APPRAISAL_ACTIONS)
               .select_related("actor").order_by("at", "id"))
    by_line: dict[int, list[AuditEntry]] = defaultdict(list)
    for entry in entries:
        if entry.object_id.isdigit():
            by_line[int(entry.object_id)].append(entry)
    out: dict[int, list[OverwrittenAppraisal]] = {}
    for line_id, steps in by_line.items():
        recorded = [h.recorded_at for h in history.get(line_id, [])]
        for before, after in pairwise(steps):
            if before.actor_id is None or before.actor_id == after.actor_id:
                continue
            if any(before.at <= at < after.at for at in recorded):
                continue
            out.setdefault(line_id, []).append(_overwritten(before, after))
    return out


def _overwritten(before: AuditEntry, after: AuditEntry) -> OverwrittenAppraisal:
    changes = before.changes if isinstance(before.changes, dict) else {}
    new = (changes.get("appraised_score") or {}).get("new") if isinstance(changes.get("appraised_score"), dict) \
        else None
    try:
        score = None if new is None else Decimal(str(new))
    except ArithmeticError:
        score = None
    return OverwrittenAppraisal(
        recorded_at=before.at, recorded_by=before.actor, replaced_at=after.at, replaced_by=after.actor, score=score,
        not_applicable=before.action == "score_line.accept_not_applicable", note=before.reason,
    )


_TEAM_STAGES = (LineHistory.Stage.APPRAISAL, LineHistory.Stage.FINAL)


def _same_snapshot(a: LineHistory, b: LineHistory) -> bool:
    """Both recorded by the same side (the team's appraisal and final, or the unit's self-score and explanation)
    with the same values, note, explanation and evidence, the same question of the team and the same agreement."""
    if getattr(a, "overwritten", False) or getattr(b, "overwritten", False):  # a colleague's value, never folded
        return False
    return ((a.stage in _TEAM_STAGES) == (b.stage in _TEAM_STAGES)
            and (a.value, a.score, a.not_applicable, a.note.strip(), a.explanation.strip())
            == (b.value, b.score, b.not_applicable, b.note.strip(), b.explanation.strip())
            and (getattr(a, "question", ""), getattr(a, "agreed", False))
            == (getattr(b, "question", ""), getattr(b, "agreed", False))
            and [f.get("name") for f in a.evidence or [] if isinstance(f, dict)]
            == [f.get("name") for f in b.evidence or [] if isinstance(f, dict)])


def history_shown(entries: list[LineHistory]) -> list[LineHistory]:
    """The entries a leaf's «Quá trình chấm điểm» lists: those where something changed. An entry identical to the
    one just before it (`_same_snapshot`: a sign-off's «Kết quả cuối cùng» after its round's appraisal, a reopened
    round signed off unchanged) is folded into that one, whose `same_until` is the last entry folded into it (None:
    none). The rows stay; only the display is shorter. No query."""
    shown: list[LineHistory] = []
    for entry in entries:
        entry.same_until = None  # type: ignore[attr-defined]
        if shown and _same_snapshot(shown[-1], entry):
            shown[-1].same_until = entry  # type: ignore[attr-defined]
            continue
        shown.append(entry)
    return shown


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

    @property
    def new_explanations(self) -> int:
        return sum(a.new_explanations for a in self.areas)

    @property
    def awaiting_explanation(self) -> int:
        """The leaves an open explanation round flagged: they wait for the unit's explanation."""
        return sum(1 for a in self.areas for rl in a.lines if rl.awaiting_explanation)

    @property
    def awaiting_documents(self) -> int:
        """Of `awaiting_explanation`, the leaves the round asked evidence documents of rather than an explanation."""
        return sum(1 for a in self.areas for rl in a.lines if rl.awaiting_explanation and rl.documents_asked)

    @property
    def first_pending(self) -> ReviewLine | None:
        """The first leaf (in the set's order) the team has yet to decide: where the sign-off hint leads."""
        return next((rl for a in self.areas for rl in a.lines if not rl.done), None)

    @property
    def extras(self) -> dict[str, tuple[int, int]]:
        """The bonus and the penalty leaves: (decided, leaves) of each kind the set has."""
        return extras_progress((rl.indicator.kind, rl.done) for a in self.areas for rl in a.lines)


def extras_progress(leaves: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """(decided, leaves) of the bonus and of the penalty leaves, from each leaf's (kind, decided); a kind the set
    has no leaf of is left out."""
    counts: dict[str, list[int]] = {}
    for kind, decided in leaves:
        if kind in (Indicator.Kind.BONUS, Indicator.Kind.PENALTY):
            count = counts.setdefault(str(kind), [0, 0])
            count[0] += decided
            count[1] += 1
    return {kind: (done, total) for kind, (done, total) in counts.items()}


def _computation(
    rules: engine.SetRules, lines: list[ScoreLine], field_name: str, state: str
) -> engine.IndexComputation | None:
    """The engine's totals of the self-scores, or of the appraisal so far: a «không phát sinh» counts as not
    applicable there once the team accepted it; until then it is a leaf not yet appraised (0 points)."""
    appraised = field_name == "appraised_score"
    leaves = {
        line.indicator.code: engine.LeafScore(
            score=getattr(line, field_name),
            not_applicable=na_credited(line, state) if appraised else line.not_applicable,
        )
        for line in lines
    }
    try:
        return engine.compute_index(rules, leaves)
    except engine.EngineError:
        return None


def review(*, assessment: Assessment, allowed: set[int] | None, writable: bool = True) -> Review:
    """The review page: leaves grouped by area with evidence and history, and the engine's totals of the
    self-scores and of the appraised scores so far; each leaf whose explanation is new to the team is marked, and
    during an explanation round each leaf the round flagged (`awaiting_explanation`, never editable then); each
    leaf the last round flagged, the unit's agreement given in it and the team's question. Eight queries, whatever
    the number of leaves."""
    from appraisal.selectors.queue import unseen_explanations  # the queue's module reads this one's

    tree = set_tree(assessment.indicator_set_id)
    unseen = set(unseen_explanations(assessments=[assessment.pk]).get(assessment.pk, []))
    lines = list(scoring_selectors.score_lines_of_assessment(assessment=assessment))
    files = evidence_files_by_line(assessment)
    rounds = round_answers(assessment=assessment)
    history = history_by_line(assessment=assessment, rounds=rounds)
    # a colleague's appraisal replaced within a round stays in the leaf's history, in its place in time
    for line_id, replaced in overwritten_by_line(assessment=assessment, history=history).items():
        merged: list[Any] = [*history.get(line_id, []), *replaced]
        history[line_id] = sorted(merged, key=lambda entry: entry.recorded_at)
    # the flags on the leaves are the last round's, open or ended (a new request sets them again)
    last = rounds[max(rounds)] if rounds else None
    areas = {a.pk: ReviewArea(area=a, editable=writable and tree.area_has_assigned(allowed, a.pk))
             for a in tree.areas}
    explaining = assessment.state == Assessment.State.EXPLANATION
    for line in lines:
        line.assessment = assessment  # the same object: no query per line for permission checks
        area = areas[tree.area_of[line.indicator_id]]
        waiting = explaining and line.explanation_requested  # as `services.common.awaiting_explanation`
        leaf_files = files.get(line.pk, [])
        # as `explanation.documents_asked`, of the last round
        asked_documents = (line.explanation_requested and last is not None
                           and line.pk in (last.documents_requested or []))
        area.lines.append(
            ReviewLine(
                line=line,
                indicator=line.indicator,
                path=tree.path_of(line.indicator),
                files=leaf_files,
                history=history.get(line.pk, []),
                # the user's leaf (`SetTree.leaf_is_theirs`): what the area's «Đã xem» and every count of new
                # explanations count (`ReviewArea.new_explanations`, the queue's, the API's); not while the unit is
                # explaining it (an explanation round open on it)
                editable=writable and tree.leaf_is_theirs(allowed, line.indicator_id) and not waiting,
                differs=line.appraised_score is not None and line.appraised_score != line.self_score,
                new_explanation=line.indicator_id in unseen,
                awaiting_explanation=waiting,
                agreed=line.explanation_requested and last is not None and line.pk in (last.agreed_lines or []),
                question=str((last.questions or {}).get(str(line.pk), ""))
                if line.explanation_requested and last is not None else "",
                documents_asked=asked_documents,
                # a document linked in that round answers the leaf (`documented_in_round`, read from its files)
                documented=asked_documents and last is not None and any(
                    getattr(f, "added_round", None) == last.round for f in leaf_files),
            )
        )
    rules = scoring_selectors.set_rules(
        assessment.indicator_set, sorted(tree.nodes.values(), key=lambda n: n.order)
    )
    return Review(
        areas=list(areas.values()),
        self_comp=_computation(rules, lines, "self_score", assessment.state),
        appraised_comp=_computation(rules, lines, "appraised_score", assessment.state),
    )


@dataclass
class ReviewSummary:
    """What the review page shows above its leaves: the state, each area's progress, the appraised totals."""

    state: str
    state_display: str
    areas: list[tuple[Indicator, int, int]]  # area, leaves done, leaves
    appraised_comp: engine.IndexComputation | None
    first_pending: int | None = None  # the line id of the first leaf yet to decide
    index_mode: str = ""  # the set's, for a «không phát sinh» shown with the points it is credited
    extras: dict[str, tuple[int, int]] = field(default_factory=dict)  # as `Review.extras`

    @property
    def done(self) -> int:
        return sum(done for _area, done, _total in self.areas)

    @property
    def total(self) -> int:
        return sum(total for _area, _done, total in self.areas)


def review_summary(*, assessment_id: int) -> ReviewSummary:
    """The review page's summary as it stands now (after a per-leaf save, for the page's script to update it in
    place): counted as `review` counts it. Three queries, whatever the number of leaves."""
    assessment = Assessment.objects.select_related("indicator_set").get(pk=assessment_id)
    tree = set_tree(assessment.indicator_set_id)
    lines = list(scoring_selectors.score_lines_of_assessment(assessment=assessment))
    counts = {a.pk: [0, 0] for a in tree.areas}
    pending: dict[int, list[ScoreLine]] = {a.pk: [] for a in tree.areas}
    kinds: list[tuple[str, bool]] = []
    for line in lines:
        area_id = tree.area_of[line.indicator_id]
        count = counts[area_id]
        decided = line_decided(line, assessment.state)
        count[0] += decided
        count[1] += 1
        kinds.append((line.indicator.kind, decided))
        if not decided:
            pending[area_id].append(line)
    first = next((area_lines[0] for area_lines in pending.values() if area_lines), None)  # as `Review.first_pending`
    rules = scoring_selectors.set_rules(
        assessment.indicator_set, sorted(tree.nodes.values(), key=lambda n: n.order)
    )
    return ReviewSummary(
        state=assessment.state,
        state_display=str(assessment.get_state_display()),
        areas=[(a, counts[a.pk][0], counts[a.pk][1]) for a in tree.areas],
        appraised_comp=_computation(rules, lines, "appraised_score", assessment.state),
        first_pending=first.pk if first is not None else None,
        index_mode=assessment.indicator_set.index_mode,
        extras=extras_progress(kinds),
    )


def explanation_rounds(*, assessment: Assessment) -> list[ExplanationRound]:
    """The assessment's rounds, oldest first, each with `number`: the number shown, None for a withdrawn round
    (`selectors.rounds.number_rounds`). One query."""
    return number_rounds(list(
        ExplanationRound.objects.filter(assessment=assessment).select_related("requested_by").order_by("round")
    ))


# A leaf the unit did not score (no self-score, no «không phát sinh») and the team has not decided: what «chấm 0
# điểm» sets (survey leaves are the survey import's). The query and the row test are the one rule in two forms.
UNSCORED = Q(appraised_score__isnull=True, self_score__isnull=True, self_value__isnull=True,
             not_applicable=False) & ~Q(indicator__source=Indicator.Source.SURVEY)


def line_unscored(line: ScoreLine, indicator: Indicator) -> bool:
    """`UNSCORED` for a line already read."""
    return (line.appraised_score is None and line.self_score is None and line.self_value is None
            and not line.not_applicable and indicator.source != Indicator.Source.SURVEY)


def assessment_handover(assessment: Assessment) -> dict[str, Any] | None:
    """How an assessment the unit never submitted reached the team: sent on by someone outside the unit (the
    administrator's «quá hạn, chưa gửi: chuyển Tổ thẩm định»), with when, by whom and the reason recorded with
    that state change. None when the unit submitted it (or nobody is recorded)."""
    entry = handover_entries([assessment.pk]).get(assessment.pk)
    if entry is None:
        return None
    return {"at": assessment.submitted_at or entry.at, "by": entry.actor, "reason": entry.reason}


REOPENED = Q(action="assessment.state", object_type="Assessment", changes__state__old="signed_off")


def reopened_ids(assessment_ids: list[int]) -> set[int]:
    """The assessments among these reopened since their last sign-off (not signed off again yet). One query."""
    if not assessment_ids:
        return set()
    return set(AuditEntry.objects.filter(REOPENED, assessment_id__in=assessment_ids)
               .exclude(assessment__state=Assessment.State.SIGNED_OFF)
               .values_list("assessment_id", flat=True).distinct())


def assessment_reopened(assessment: Assessment) -> dict[str, Any] | None:
    """The reopening of a signed-off assessment not signed off again since: when, by whom, why (from its state
    change's audit record). None otherwise."""
    # a reopen starts a new round: an assessment in its first round was never reopened (no query)
    if assessment.state == Assessment.State.SIGNED_OFF or assessment.appraisal_round <= 1:
        return None
    entry = AuditEntry.objects.filter(REOPENED, assessment=assessment).select_related("actor").order_by("-id").first()
    if entry is None:
        return None
    return {"at": entry.at, "by": entry.actor, "reason": entry.reason}


STARTED = Q(action="assessment.state", object_type="Assessment", changes__state__old="submitted",
            changes__state__new="in_appraisal")


def appraisal_started(assessment: Assessment) -> dict[str, Any] | None:
    """When and by whom the appraisal of the assessment as submitted started (the lead's «Bắt đầu thẩm định» or
    the first decision of anyone of the team on a leaf, which ends the unit's right to withdraw it), from that
    state change's audit record. None before it started (no query then) or when nothing is recorded. One query."""
    if assessment.state in (Assessment.State.DRAFT, Assessment.State.SUBMITTED):
        return None
    entry = AuditEntry.objects.filter(STARTED, assessment=assessment).select_related("actor").order_by("-id").first()
    if entry is None:
        return None
    return {"at": entry.at, "by": entry.actor}


def assessment_has_no_lead(assessment: Assessment) -> bool:
    """Nobody can lead this assessment's appraisal (start it, return it, sign it off): every lead of the cycle
    belongs to its unit (Sở Nội vụ's own assessment), or there is none. The administrator is told where to name
    another."""
    if assessment.state not in WORK_STATES:
        return False
    leads = set(RoleAssignment.objects.filter(role=RoleAssignment.Role.APPRAISAL_LEAD)
                .values_list("user_id", flat=True))
    leads |= set(AppraisalAssignment.objects.filter(cycle_id=assessment.cycle_id, is_lead=True)
                 .values_list("user_id", flat=True))
    people = get_user_model().objects.filter(pk__in=leads, is_active=True)
    return not any(permissions.can_lead(person, assessment) for person in people)


def line_area_code(*, assessment: Assessment, line_id: int) -> str | None:
    """The code of the area the assessment's line `line_id` is in (where the review page, filtered by area, shows
    it); None for a line not of the assessment. Two queries."""
    indicator_id = (ScoreLine.objects.filter(pk=line_id, assessment_id=assessment.pk)
                    .values_list("indicator_id", flat=True).first())
    if indicator_id is None:
        return None
    tree = set_tree(assessment.indicator_set_id)
    area = tree.nodes.get(tree.area_of.get(indicator_id, 0))
    return area.code if area is not None else None
