"""The self-assessment sheet: its rows, totals per area, problems before submitting, the report."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cchc.collation import vietnamese
from scoring import engine
from scoring.models import Assessment, AuditEntry, Cycle, Indicator, ScoreLine
from scoring.selectors.rules import indicators_of_set, set_rules


def open_cycle() -> Cycle | None:
    """The cycle units work in now: the newest one whose phase is past setup."""
    return Cycle.objects.exclude(phase=Cycle.Phase.SETUP).order_by("-year").first()


def unit_assessment_in_open_cycle(*, unit_ids: set[int]) -> Assessment | None:
    """The first of the user's units' assessments in the open cycle (a unit person normally has one unit)."""
    cycle = open_cycle()
    if cycle is None or not unit_ids:
        return None
    return (
        Assessment.objects.filter(cycle=cycle, unit_id__in=unit_ids)
        .select_related("unit")
        .order_by(vietnamese("unit__name"))
        .first()
    )


def other_years_of(*, assessment: Assessment) -> list[Assessment]:
    """The unit's assessments of the other cycles, newest first (one still open included): the home page opens
    the newest, so the sheet links the others."""
    return list(
        Assessment.objects.filter(unit_id=assessment.unit_id).exclude(pk=assessment.pk)
        .select_related("cycle").only("pk", "state", "cycle__year", "cycle__name", "cycle__phase")
        .order_by("-cycle__year")
    )


def predecessor_years_of(*, assessment: Assessment, user: Any) -> list[Assessment]:
    """The signed-off assessments of the units merged into the assessment's unit (through every chain of mergers)
    that `user` reads as its successor's person (`permissions.reads_as_successor`): the sheet links them beside the
    unit's other years, named by the former unit. Newest first, then the former units in Vietnamese order. One query
    per step of the chain (one without mergers), then one for the assessments."""
    from scoring import permissions

    merged = permissions.units_merged_into({assessment.unit_id})
    readable = merged & permissions.predecessor_unit_ids(user) if merged else set()
    if not readable:
        return []
    return list(
        Assessment.objects.filter(unit_id__in=readable, state=Assessment.State.SIGNED_OFF)
        .select_related("cycle", "unit").only("pk", "state", "unit__name", "cycle__year", "cycle__name", "cycle__phase")
        .order_by("-cycle__year", vietnamese("unit__name"), "pk")
    )


def _evidence_reader(name: str) -> Any:
    """A selector of the evidence app, or None while that app does not provide it yet."""
    try:
        module = importlib.import_module("evidence.selectors")
    except ImportError:
        return None
    return getattr(module, name, None)


def _evidence_by_line(assessment: Assessment) -> dict[int, list[Any]]:
    """Linked evidence files per line (one query in the evidence app); empty until the app provides it."""
    reader = _evidence_reader("evidence_by_line")
    return {} if reader is None else dict(reader(assessment=assessment))


def evidence_library_of(*, assessment: Assessment) -> list[Any]:
    """The unit's evidence library for the assessment's cycle (one query); empty until the app provides it."""
    reader = _evidence_reader("evidence_library")
    return [] if reader is None else list(reader(unit=assessment.unit, cycle=assessment.cycle))


@lru_cache(maxsize=1024)
def not_applicable_credit(*, kind: str, max_points: Decimal, index_mode: str) -> Decimal | None:
    """The points the engine credits a leaf declared «không phát sinh» (KPS): computed by the engine on the leaf
    alone, as it counts the leaf within the whole set (a leaf's credit depends on its kind, its maximum and the
    set's index mode only). None when the engine leaves the leaf out instead (percent mode: out of the points and
    of the applicable maximum)."""
    code = "kps"
    rules = engine.SetRules(nodes=(engine.Node(code=code, parent_code=None, kind=kind, max_points=max_points),),
                            index_mode=index_mode)
    try:
        comp = engine.compute_index(rules, {code: engine.LeafScore(score=None, not_applicable=True)})
    except engine.ScoringInputError as exc:
        if exc.code == "nothing_applicable":
            return None
        raise
    if kind == engine.Kind.BONUS:
        return comp.bonus
    if kind == engine.Kind.PENALTY:
        return comp.penalty
    return comp.area_totals[code]


def not_applicable_shown(*, indicator: Indicator, index_mode: str) -> str:
    """A KPS leaf's score as the pages show it: «KPS» with the points it counts for, so that the leaves add up to
    the totals shown («KPS (tính 1,50 điểm)»), or that it is left out of the maximum (percent mode)."""
    credit = not_applicable_credit(kind=indicator.kind, max_points=indicator.max_points, index_mode=index_mode)
    if credit is None:
        return _("KPS (không tính vào điểm tối đa)")
    return _("KPS (tính %(points)s điểm)") % {"points": number_format(credit, 2)}


@dataclass
class LeafRow:
    """One scored leaf of an assessment, with what the page and the checks need to know about it."""

    indicator: Indicator
    line: ScoreLine
    files: list[Any]
    depth: int
    na_shown: str = ""  # a KPS leaf's score as shown, with the points the engine credits it (`not_applicable_shown`)

    @property
    def self_scored(self) -> bool:
        return self.indicator.source != Indicator.Source.SURVEY

    @property
    def scored(self) -> bool:
        return self.line.not_applicable or self.line.self_score is not None

    @property
    def has_evidence(self) -> bool:
        return bool(self.files)

    @property
    def evidence_answered_for(self) -> bool:
        """Whether the unit answers for this leaf's evidence: a leaf it scores itself, not declared «không phát sinh»
        (a KPS leaf needs no evidence). The one condition of the pre-submit check (`evidence_missing`) and of the
        report's Part II (`report_explanations`)."""
        return self.self_scored and not self.line.not_applicable

    @property
    def evidence_missing(self) -> bool:
        """An evidence-required leaf with no linked file (N/A leaves need none)."""
        return self.evidence_answered_for and self.indicator.evidence_required and not self.files

    @property
    def explanation_required(self) -> bool:
        return self.evidence_missing

    @property
    def explanation_missing(self) -> bool:
        return self.evidence_missing and not self.line.explanation.strip()


@dataclass
class TreeRow:
    """A node of the tree in display order: a heading (criterion) or a leaf."""

    indicator: Indicator
    depth: int
    leaf: LeafRow | None = None


@dataclass
class AreaBlock:
    area: Indicator
    rows: list[TreeRow]
    total: Decimal
    max_points: Decimal

    @property
    def leaves(self) -> list[LeafRow]:
        return [r.leaf for r in self.rows if r.leaf is not None]


@dataclass
class Progress:
    total: int
    scored: int
    evidence_missing: int
    explanation_missing: int

    @property
    def percent(self) -> int:
        return int(self.scored * 100 / self.total) if self.total else 100


@dataclass
class Problem:
    line_id: int
    code: str
    name: str
    kind: str
    message: str


@dataclass
class AssessmentSheet:
    """Everything the self-assessment page shows, read with a fixed number of queries."""

    assessment: Assessment
    indicators: list[Indicator]
    rules: engine.SetRules
    leaves: list[LeafRow]
    areas: list[AreaBlock]
    computation: engine.IndexComputation
    progress: Progress
    by_line: dict[int, LeafRow] = field(default_factory=dict)


def _leaf_scores(rows: list[LeafRow]) -> dict[str, engine.LeafScore]:
    return {
        r.indicator.code: engine.LeafScore(score=r.line.self_score, not_applicable=r.line.not_applicable)
        for r in rows
    }


def subtree_total(rules: engine.SetRules, code: str, leaves: Mapping[str, engine.LeafScore]) -> tuple[Decimal, Decimal]:
    """(points obtained, applicable maximum) of one node, computed by the engine on the node's subtree.

    A normal node counts its normal leaves (bonus/penalty children are shown on their own rows); a bonus or
    penalty node is its capped sum. The set's bonus and penalty caps apply to the whole only.
    """
    nodes = {n.code: n for n in rules.nodes}
    root = nodes[code]
    wanted = {code}
    for node in rules.nodes:  # a parent precedes its children in set order
        if node.parent_code in wanted:
            wanted.add(node.code)
    sub = engine.SetRules(
        nodes=tuple(
            engine.Node(code=n.code, parent_code=None if n.code == code else n.parent_code, kind=n.kind,
                        max_points=n.max_points, name=n.name)
            for n in rules.nodes if n.code in wanted
        ),
        standard_max=rules.standard_max,
        index_mode=rules.index_mode,
    )
    own = {c: s for c, s in leaves.items() if c in wanted}
    try:
        comp = engine.compute_index(sub, own)
    except engine.ScoringInputError:  # percent mode with nothing applicable in this subtree
        return Decimal("0"), Decimal("0")
    if root.kind == engine.Kind.BONUS:
        return comp.bonus, root.max_points
    if root.kind == engine.Kind.PENALTY:
        return comp.penalty, root.max_points
    return comp.area_totals[code], comp.area_max[code]


def assessment_sheet(*, assessment: Assessment) -> AssessmentSheet:
    """The assessment's tree with its lines, evidence, totals and progress.

    Queries: indicators (1), lines (1), evidence links (1): constant in the number of leaves. The engine
    computes the totals once from the stored leaf scores.
    """
    indicator_set = assessment.indicator_set
    indicators = list(indicators_of_set(indicator_set=indicator_set))
    lines = {line.indicator_id: line for line in assessment.lines.all()}
    files = _evidence_by_line(assessment)
    areas: list[AreaBlock] = []
    leaves: list[LeafRow] = []
    current: AreaBlock | None = None
    for ind in indicators:
        if ind.parent_id is None:
            current = AreaBlock(area=ind, rows=[], total=Decimal("0"), max_points=ind.max_points)
            areas.append(current)
            if not ind.is_leaf:
                continue
        row = TreeRow(indicator=ind, depth=ind.level)
        if ind.is_leaf and ind.id in lines:
            line = lines[ind.id]
            line.indicator = ind
            line.assessment = assessment
            row.leaf = LeafRow(indicator=ind, line=line, files=list(files.get(line.id, [])), depth=ind.level)
            if line.not_applicable:
                row.leaf.na_shown = not_applicable_shown(indicator=ind, index_mode=indicator_set.index_mode)
            leaves.append(row.leaf)
        if current is not None:
            current.rows.append(row)
    rules = set_rules(indicator_set, indicators)
    scores = _leaf_scores(leaves)
    computation = engine.compute_index(rules, scores)
    for block in areas:
        if block.area.code in computation.area_totals:
            block.total = computation.area_totals[block.area.code]
            block.max_points = computation.area_max[block.area.code]
        else:
            block.total, block.max_points = subtree_total(rules, block.area.code, scores)
    own = [r for r in leaves if r.self_scored]
    progress = Progress(
        total=len(own),
        scored=sum(1 for r in own if r.scored),
        evidence_missing=sum(1 for r in own if r.evidence_missing),
        explanation_missing=sum(1 for r in own if r.explanation_missing),
    )
    return AssessmentSheet(
        assessment=assessment, indicators=indicators, rules=rules, leaves=leaves, areas=areas,
        computation=computation, progress=progress, by_line={r.line.id: r for r in leaves},
    )


def self_assessment_problems(*, sheet: AssessmentSheet) -> list[Problem]:
    """Everything that stops submission, leaf by leaf, in set order."""
    problems: list[Problem] = []
    for row in sheet.leaves:
        if not row.self_scored:
            continue
        ind, line = row.indicator, row.line

        def add(kind: str, message: str, ind: Indicator = ind, line: ScoreLine = line) -> None:
            problems.append(Problem(line_id=line.id, code=ind.code, name=ind.name, kind=kind, message=message))

        if line.not_applicable:
            if not ind.allow_not_applicable:
                add("na_not_allowed", _("Tiêu chí này không cho phép chọn «không phát sinh»."))
            if not line.not_applicable_reason.strip():
                add("na_reason_missing", _("Chọn «không phát sinh» nhưng chưa nêu lý do."))
        elif line.self_score is None:
            add("unscored", _("Chưa chấm điểm."))
            continue  # its evidence is asked for once it is scored: one problem per leaf not scored yet
        elif not ind.floor <= line.self_score <= ind.max_points:
            add("out_of_range", _("Điểm %(score)s nằm ngoài khoảng %(floor)s – %(max)s.") % {
                "score": number_format(line.self_score, 2), "floor": number_format(ind.floor, 2),
                "max": number_format(ind.max_points, 2),
            })
        if row.explanation_missing:
            add("evidence_missing", _("Chưa có tài liệu kiểm chứng và chưa giải trình."))
    return problems


def earlier_imports(*, assessment: Assessment, actor: Any) -> dict[str, dict[int, set[int]]]:
    """What `actor`'s imports of each Excel file of `assessment` wrote, by the file's download id: line id → the
    versions those imports left (their audit entries' `download` and `versions`, `score_lines_import_self`), so that
    the same file uploaded again, in this session or a later one, knows which stored values were its own doing.
    Another person's imports are not counted: a copy of the file sent around before an import must not undo it.
    One query."""
    found: dict[str, dict[int, set[int]]] = {}
    entries = AuditEntry.objects.filter(object_type="Assessment", object_id=str(assessment.pk),
                                        action="assessment.import_self", actor=actor).order_by("pk")
    for changes in entries.values_list("changes", flat=True):
        download = ((changes or {}).get("download") or {}).get("new")
        versions = ((changes or {}).get("versions") or {}).get("new") or {}
        if not download or not isinstance(versions, dict):
            continue
        lines = found.setdefault(str(download), {})
        for line_id, version in versions.items():
            lines.setdefault(int(line_id), set()).add(int(version))
    return found


def line_history(*, line: ScoreLine) -> list[AuditEntry]:
    """The audit entries of one line, newest first (one query)."""
    return list(
        AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )


@dataclass
class ReportRow:
    """A node of the report's summary table: its self-score subtotal (leaves: the leaf's score) and maximum."""

    indicator: Indicator
    depth: int
    obtained: Decimal | None
    max_points: Decimal
    leaf: LeafRow | None = None


def report_rows(*, sheet: AssessmentSheet) -> list[ReportRow]:
    """Part I of the self-assessment report: every node with the engine's subtotal of its self-scores."""
    scores = _leaf_scores(sheet.leaves)
    leaves = {r.indicator.pk: r for r in sheet.leaves}
    rows: list[ReportRow] = []
    for ind in sheet.indicators:
        if ind.is_leaf and ind.pk in leaves:
            leaf = leaves[ind.pk]
            rows.append(ReportRow(indicator=ind, depth=ind.level, obtained=leaf.line.self_score,
                                  max_points=ind.max_points, leaf=leaf))
            continue
        obtained, maximum = subtree_total(sheet.rules, ind.code, scores)
        rows.append(ReportRow(indicator=ind, depth=ind.level, obtained=obtained, max_points=maximum))
    return rows


def report_rounds_since_submission(*, assessment: Assessment) -> list[Any]:
    """The explanation rounds begun since the assessment's last submission, first first (one query; none for a
    draft or an assessment never submitted). From the first of them on, the explanation round writes the unit's
    answers in the leaves' explanations and links its documents: the report then reads the leaves as submitted."""
    from appraisal.models import ExplanationRound  # the appraisal app builds on this one

    if assessment.state == Assessment.State.DRAFT or assessment.submitted_at is None:
        return []
    return list(ExplanationRound.objects.filter(assessment=assessment, requested_at__gte=assessment.submitted_at)
                .only("pk", "round", "requested_at", "explanations_at_start").order_by("round"))


def _as_submitted(row: LeafRow, submitted_at: Any, rounds: list[Any]) -> LeafRow:
    """The leaf as the head submitted it: its explanation when the first round since the submission that returned it
    began (`ExplanationRound.explanations_at_start`; a leaf no round returned was not written since), and the files
    linked by the submission (a link made before it cannot be removed after it: `evidence.permissions.
    link_is_locked`). Copies: the sheet's own rows stay as stored."""
    line = copy.copy(row.line)
    for explanation_round in rounds:
        at_start = explanation_round.explanations_at_start or {}
        if str(line.pk) in at_start:
            line.explanation = str(at_start[str(line.pk)])
            break
    files = [f for f in row.files if getattr(f, "linked_at", None) is None or f.linked_at <= submitted_at]
    return replace(row, line=line, files=files)


def report_explanations(*, sheet: AssessmentSheet) -> list[LeafRow]:
    """Part II: leaves scored without evidence, or with an explanation of incomplete evidence. Only the leaves whose
    evidence the unit answers for, by the pre-submit check's rule (`LeafRow.evidence_answered_for`): a «không phát
    sinh» leaf needs none, whatever explanation it carries.

    The report is the one submitted: once an explanation round has begun since the submission
    (`report_rounds_since_submission`, one query), each leaf reads as submitted (`_as_submitted`), its explanations
    and documents of the rounds left to the review and explanation pages. The self-scores need no such care: the
    unit changes them only in a draft, which a new submission ends."""
    rounds = report_rounds_since_submission(assessment=sheet.assessment)
    leaves = sheet.leaves
    if rounds:
        leaves = [_as_submitted(r, sheet.assessment.submitted_at, rounds) for r in leaves]
    return [
        r for r in leaves
        if r.evidence_answered_for and (r.evidence_missing or r.line.explanation.strip())
    ]
