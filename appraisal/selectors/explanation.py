"""The unit's explanation page: the leaves returned to it in the open round. The team's side of the explanations
sent: which are new to it, and which a «Đã xem» marks."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from appraisal import permissions
from appraisal.models import ExplanationRound, LineHistory
from appraisal.selectors.review import evidence_files_by_line, history_by_line, line_decided
from appraisal.selectors.tree import area_to_accept, leaves_to_appraise, set_tree
from scoring import selectors as scoring_selectors
from scoring.models import Assessment, AuditEntry, Indicator, ScoreLine

WITHDRAW_ACTION = "assessment.explanation_withdraw"  # the audit record of a round the lead withdrew


@dataclass
class FeedbackLine:
    line: ScoreLine
    indicator: Indicator
    files: list[Any]
    history: list[LineHistory]
    last_appraisal: LineHistory | None
    final: LineHistory | None
    # During an explanation round: the text written in this round (the form starts from it, empty until the unit
    # writes one) and the text the leaf had when the round began (shown apart, never taken as this round's).
    explanation_draft: str = ""
    earlier_explanation: str = ""
    # A unit's «không phát sinh» as the pages show it, with the points the engine credits it once the team
    # accepted it («KPS (tính 1,50 điểm)», `scoring.selectors.not_applicable_shown`); empty for other leaves.
    na_shown: str = ""
    # On a leaf the open round flagged (`feedback_answers`): the unit's answer of the round is its agreement
    # (`agreed`; after the round, its agreement given in the last one), what the team asks there (`question`), and
    # whether there is a result of the team to agree with (`can_agree`, `agreeable`).
    agreed: bool = False
    question: str = ""
    can_agree: bool = False
    # What the open round asks on the leaf: evidence documents («Bổ sung tài liệu kiểm chứng», `documents_asked`)
    # rather than an explanation; and whether the unit linked a document to it during the round (its answer then).
    documents_asked: bool = False
    documented: bool = False

    @property
    def shown(self) -> LineHistory | None:
        """The team's last recorded decision: the final score once signed off, else the last round's appraisal.
        Its ``not_applicable`` is a «không phát sinh» the team accepted (as `na_credited` decides it when the
        round ends); no score and not accepted on a leaf the unit declared «không phát sinh» is a claim the team
        had not decided yet («Chờ thẩm định»)."""
        return self.final or self.last_appraisal


def explained_in_round(line: ScoreLine, at_start: Mapping[str, str]) -> bool:
    """Whether the leaf's explanation was written during the round whose start texts are `at_start`: not empty,
    and not the text it had when the round began (the self-assessment's or an earlier round's). A round begun
    before the start texts were recorded has none: any text counts, as it did then."""
    text = line.explanation.strip()
    key = str(line.pk)
    return bool(text) and (key not in at_start or text != at_start[key].strip())


def agreed_in_round(line: ScoreLine, explanation_round: ExplanationRound | None) -> bool:
    """Whether the unit's answer on the leaf in `explanation_round` is its «Đồng ý với kết quả thẩm định»
    (`ExplanationRound.agreed_lines`). No query."""
    return explanation_round is not None and line.pk in (explanation_round.agreed_lines or [])


def evidence_still_missing(line: ScoreLine, indicator: Indicator, has_files: bool) -> bool:
    """A leaf marked «Cần tài liệu kiểm chứng» the unit has linked no file to (a «không phát sinh» needs none, a
    survey leaf is not the unit's): `ReviewLine.evidence_missing`'s rule, the area's bulk accept leaving it out.
    No query."""
    return (indicator.evidence_required and not line.not_applicable and not has_files
            and indicator.source != Indicator.Source.SURVEY)


def documents_asked(line: ScoreLine, explanation_round: ExplanationRound | None) -> bool:
    """Whether `explanation_round` asks for evidence documents on the leaf («Bổ sung tài liệu kiểm chứng») rather
    than an explanation (`ExplanationRound.documents_requested`; a round requested before there was such a choice
    asks for explanations only). No query."""
    return explanation_round is not None and line.pk in (explanation_round.documents_requested or [])


def documented_in_round(explanation_round: ExplanationRound | None) -> set[int]:
    """The ids of the leaves `explanation_round` asks documents of (`documents_asked`) that the unit linked a
    document to during it (`EvidenceLink.explanation_round`, the round's stored number): their answer. One query,
    none when the round asks no documents."""
    if explanation_round is None or not explanation_round.documents_requested:
        return set()
    from evidence.models import EvidenceLink  # the evidence app records when a link was added

    return set(EvidenceLink.objects.filter(
        score_line_id__in=list(explanation_round.documents_requested), explanation_round=explanation_round.round,
        score_line__assessment_id=explanation_round.assessment_id,
    ).values_list("score_line_id", flat=True))


def documents_linked_in_round(explanation_round: ExplanationRound | None) -> dict[int, list[str]]:
    """`documented_in_round` with what answers each leaf: {line id: the names of the documents the unit linked to
    it during `explanation_round`, in the order linked}, for the leaves the round asks documents of. One query, none
    when the round asks no documents."""
    if explanation_round is None or not explanation_round.documents_requested:
        return {}
    from evidence.models import EvidenceLink  # the evidence app records when a link was added

    linked: dict[int, list[str]] = {}
    for line_id, name in EvidenceLink.objects.filter(
        score_line_id__in=list(explanation_round.documents_requested), explanation_round=explanation_round.round,
        score_line__assessment_id=explanation_round.assessment_id,
    ).order_by("linked_at", "pk").values_list("score_line_id", "evidence_file__original_name"):
        linked.setdefault(line_id, []).append(name)
    return linked


def answered_in_round(
    line: ScoreLine, explanation_round: ExplanationRound | None, documented: Collection[int] = ()
) -> bool:
    """Whether the leaf has the unit's answer of `explanation_round`: its agreement, an explanation written in the
    round (`explained_in_round`), or, on a leaf the round asks documents of (`documents_asked`), a document linked
    during it (`documented`: the ids of such leaves, `documented_in_round`). On such a leaf a text written in the
    round answers too (why the unit has no document to add); on a leaf asked to explain, a document alone does not.
    No query."""
    at_start = explanation_round.explanations_at_start if explanation_round is not None else {}
    return (agreed_in_round(line, explanation_round) or explained_in_round(line, at_start or {})
            or (line.pk in documented and documents_asked(line, explanation_round)))


def question_for(line: ScoreLine, explanation_round: ExplanationRound, *, reason_shown: bool) -> str:
    """What the unit reads beside a leaf the round flagged, as what to explain: the team's question on that leaf,
    else, when the leaf's appraisal shows no reason (`reason_shown` false), the request's message. No query."""
    own = (explanation_round.questions or {}).get(str(line.pk), "")
    if own:
        return str(own)
    return "" if reason_shown else explanation_round.message


def agreeable(line: ScoreLine) -> bool:
    """Whether the unit may answer the flagged leaf with «Đồng ý với kết quả thẩm định»: the team has a result on it
    (a score, or the unit's «không phát sinh» accepted; the flagged leaves keep theirs through the round). A leaf
    returned undecided comes with a question, which an agreement would not answer. No query."""
    return line_decided(line, Assessment.State.EXPLANATION)


def feedback_answers(
    rows: list[FeedbackLine], *, open_round: ExplanationRound | None, rounds: list[ExplanationRound]
) -> None:
    """Set on each row what the unit's page says of its answers (`FeedbackLine.agreed`, `question`, `can_agree`; an
    agreement has no draft text to edit): in the open round, for the leaves it flagged; once it has ended, the
    agreement given in the last round (`rounds`, oldest first). No query."""
    for row in rows:
        if open_round is None or not row.line.explanation_requested:
            continue
        row.can_agree = agreeable(row.line)
        row.agreed = agreed_in_round(row.line, open_round)
        row.documents_asked = documents_asked(row.line, open_round)
        # a file linked in the open round is one whose link can still be removed (`link_is_locked`)
        row.documented = any(getattr(f, "added_in_round", False) and not getattr(f, "link_locked", True)
                             for f in row.files)
        if row.agreed:
            row.explanation_draft = ""
        # what to explain: the team's question on the leaf, else its appraisal's reason shown with it, else the
        # request's general question
        reason_shown = row.last_appraisal is not None and bool(row.last_appraisal.note.strip())
        row.question = question_for(row.line, open_round, reason_shown=reason_shown)
    if open_round is None and rounds:
        for row in rows:
            row.agreed = row.line.explanation_requested and agreed_in_round(row.line, rounds[-1])


def answers_left(*, assessment: Assessment, explanation_round: ExplanationRound) -> tuple[int, int]:
    """(unanswered, agreeable): how many of the leaves the open round flagged have no answer of the round yet
    (`answered_in_round`), and how many of those have a result of the team to agree with (`agreeable`): the counts
    the unit's page gives beside «Đồng ý … ở N tiêu chí còn lại», as they stand after each save. One query, two
    when the round asks documents of some leaves."""
    unanswered = agreeable_left = 0
    documented = documented_in_round(explanation_round)
    for line in ScoreLine.objects.filter(assessment_id=assessment.pk, explanation_requested=True).only(
        "pk", "explanation", "appraised_score", "not_applicable", "na_overruled", "na_accepted",
    ):
        if not answered_in_round(line, explanation_round, documented):
            unanswered += 1
            agreeable_left += agreeable(line)
    return unanswered, agreeable_left


@dataclass
class RoundAnswer:
    """A leaf the open round flagged, as the lead's page of the round lists it: what the round asks there
    (`documents_asked`: evidence documents, else an explanation) and the unit's answer so far (`answer`: «agreed»,
    «explained», «documented», or empty: none yet)."""

    line_id: int
    code: str
    documents_asked: bool
    answer: str


def round_answers_so_far(*, assessment: Assessment, explanation_round: ExplanationRound) -> list[RoundAnswer]:
    """Each leaf `explanation_round` flagged, in the set's order, with what it asks there and the unit's answer so far
    (`answered_in_round`: a leaf asked for documents with a document linked in the round is «documented», whatever
    note beside it; without one, its text written in the round explains why). Two queries, one when the round asks
    no documents."""
    documented = documented_in_round(explanation_round)
    at_start = explanation_round.explanations_at_start or {}
    rows: list[RoundAnswer] = []
    for line in (ScoreLine.objects.filter(assessment_id=assessment.pk, explanation_requested=True)
                 .select_related("indicator").only("pk", "explanation", "indicator__code")
                 .order_by("indicator__order")):
        asked = documents_asked(line, explanation_round)
        if agreed_in_round(line, explanation_round):
            answer = "agreed"
        elif asked and line.pk in documented:
            answer = "documented"
        elif explained_in_round(line, at_start):
            answer = "explained"
        else:
            answer = ""
        rows.append(RoundAnswer(line_id=line.pk, code=line.indicator.code, documents_asked=asked, answer=answer))
    return rows


def open_round(*, assessment: Assessment) -> ExplanationRound | None:
    """The explanation round in progress (the assessment is in «explanation»), else None. One query."""
    if assessment.state != Assessment.State.EXPLANATION:
        return None
    return ExplanationRound.objects.filter(assessment=assessment, round=assessment.appraisal_round).first()


def withdrawn_round(*, assessment: Assessment) -> ExplanationRound | None:
    """The assessment's latest explanation round when the lead withdrew it (`explanation_withdraw`: ended by the
    lead, not resubmitted, the withdrawal audited) and no round has been opened since; else None. At most two
    queries."""
    if assessment.state == Assessment.State.EXPLANATION:
        return None
    last = ExplanationRound.objects.filter(assessment=assessment).order_by("-round").first()
    if last is None or last.resubmitted_at is not None or last.closed_at is None:
        return None
    withdrawn = AuditEntry.objects.filter(
        assessment=assessment, action=WITHDRAW_ACTION, at__gte=last.requested_at
    ).exists()
    return last if withdrawn else None


def feedback_lines(
    *, assessment: Assessment, flagged_only: bool = False, current_round: ExplanationRound | None = None
) -> list[FeedbackLine]:
    """What the unit may see of the appraisal: only records of rounds that have ended (history snapshots),
    never the live scores and notes of a round in progress. Five queries. With `current_round` (the open
    explanation round), each flagged leaf's draft is the text written in that round only."""
    at_start = current_round.explanations_at_start if current_round is not None else {}
    lines = list(scoring_selectors.score_lines_of_assessment(assessment=assessment))
    files = evidence_files_by_line(assessment)
    history = history_by_line(assessment=assessment)
    index_mode = assessment.indicator_set.index_mode
    out: list[FeedbackLine] = []
    for line in lines:
        line.assessment = assessment
        if flagged_only and not line.explanation_requested:
            continue
        entries = history.get(line.pk, [])
        appraisals = [e for e in entries if e.stage == LineHistory.Stage.APPRAISAL]
        finals = [e for e in entries if e.stage == LineHistory.Stage.FINAL]
        draft, earlier = line.explanation, ""
        if current_round is not None and line.explanation_requested:
            written = explained_in_round(line, at_start)
            draft = line.explanation if written else ""
            earlier = at_start.get(str(line.pk), "" if written else line.explanation)
        out.append(
            FeedbackLine(
                line=line,
                indicator=line.indicator,
                files=files.get(line.pk, []),
                history=entries,
                last_appraisal=appraisals[-1] if appraisals else None,
                final=finals[-1] if finals else None,
                explanation_draft=draft,
                earlier_explanation=earlier,
                na_shown=scoring_selectors.not_applicable_shown(indicator=line.indicator, index_mode=index_mode)
                if line.not_applicable else "",
            )
        )
    return out


def leaves_to_mark_seen(*, user: Any, assessment: Assessment, area_id: int | None) -> tuple[Indicator | None,
                                                                                             set[int] | None]:
    """What a «Đã xem» of the whole assessment (`area_id` None) or of one area marks for the user (the review page's
    and the API's): the area, and the leaves (indicator ids) of it or of the assessment that the user appraises
    (None: every leaf of the assessment). Http404 for an area not of the assessment's set; PermissionDenied when none
    of its leaves, or of the assessment's, is the user's. At most three queries."""
    if area_id is None:
        return None, leaves_to_appraise(user, assessment)
    area, leaves = area_to_accept(user, assessment, area_id)
    if leaves is None:
        leaves = set(set_tree(assessment.indicator_set_id).leaves_by_area.get(area.pk, []))
    return area, leaves


@dataclass
class NewExplanations:
    """The review page's «giải trình mới» as they stand: `lines`, the lines whose explanation is new to the team
    (each tagged «Giải trình mới»), in the set's order; `mine`, those of them the user appraises (what their «Đã
    xem» marks; the API's `explanation_new`); `areas`, per area id, how many of them the user appraises (what the
    area's «Đã xem» marks, `ReviewArea.new_explanations`), areas with none left out."""

    lines: list[int] = field(default_factory=list)
    mine: list[int] = field(default_factory=list)
    areas: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """The user's leaves with a new explanation in the whole assessment (`Review.new_explanations`)."""
        return sum(self.areas.values())


def new_explanations_for(*, user: Any, assessment: Assessment) -> NewExplanations:
    """The assessment's new explanations (`unseen_explanations`) as the review page counts them for `user`: a leaf
    counts for the user when it is theirs to appraise (`SetTree.leaf_is_theirs`: the rule of the queue's counts too,
    and of what `selectors.review` makes editable; there are new explanations only while the assessment is in
    appraisal). One query when there are none, at most five otherwise, whatever the number of leaves."""
    from appraisal.selectors.queue import unseen_explanations  # the queue's module reads this one's

    unseen = set(unseen_explanations(assessments=[assessment.pk]).get(assessment.pk, []))
    if not unseen:
        return NewExplanations()
    tree = set_tree(assessment.indicator_set_id)
    allowed = permissions.area_ids_for(user, assessment)
    found = NewExplanations()
    rows = (ScoreLine.objects.filter(assessment_id=assessment.pk, indicator_id__in=unseen)
            .order_by("indicator__order").values_list("pk", "indicator_id"))
    for line_id, indicator_id in rows:
        found.lines.append(line_id)
        if tree.leaf_is_theirs(allowed, indicator_id):
            found.mine.append(line_id)
            area_id = tree.area_of[indicator_id]
            found.areas[area_id] = found.areas.get(area_id, 0) + 1
    return found


def new_explanation_lines_for(*, user: Any, assessment: Assessment) -> set[int]:
    """The ids of the lines whose explanation is new to the team and that `user` appraises (`NewExplanations.mine`:
    what the review page tags and counts for them, the API's `explanation_new`). No query outside appraisal (there
    are new explanations only then), at most five in it, whatever the number of leaves."""
    if assessment.state != Assessment.State.IN_APPRAISAL:
        return set()
    return set(new_explanations_for(user=user, assessment=assessment).mine)
