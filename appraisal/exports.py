"""The appraisal team's Excel files before publication.

- `assessment_workbook`: one unit's «Bảng tổng hợp kết quả thẩm định», the sheet the team signs on paper: every
  node of the set in order with its maximum, the self-score, the appraised score, their difference, the team's
  reason, the «không phát sinh» (KPS) decision, the explanation or the evidence documents asked for (with the team's
  question on the leaf) and the unit's answer (explained, the documents linked in the round, or agreed with the
  appraisal), the evidence documents linked (none: whether the team accepted the leaf on the unit's note); the
  subtotals and the totals as the engine
  computes them; a signature block. «Tạm tính» until the assessment is signed off.
- `cycle_workbook`: the lead's preliminary table of a cycle («Kết quả chưa công bố»): per ranking group its units
  with their state, self total, appraised index and provisional rank among the signed-off units; a sheet of
  area points per unit, a block per ranking group (its units by provisional rank, with its set's area maxima: the
  sets of departments and of districts have different areas and maxima). Written in openpyxl's write-only mode,
  as the official workbook of a publication.

Every figure is the engine's (`scoring.engine.compute_index` on the stored leaf scores, the stored `IndexResult` of
a signed-off assessment, `scoring.engine.rank`): no formula is written, so that no spreadsheet computes a number
by a rule of its own. Texts are written as string cells (`scoring.exports.put_cell`, `scoring.publication.exports
._cell`), which no spreadsheet evaluates. Headers and labels follow the language of the request.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, NamedTuple, cast

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from appraisal.models import ExplanationRound
from appraisal.selectors.explanation import (
    agreed_in_round,
    documents_asked,
    documents_linked_in_round,
    evidence_still_missing,
    explained_in_round,
)
from appraisal.selectors.oversight import rank_standing
from appraisal.selectors.review import (
    credited_scores,
    evidence_files_by_line,
    evidence_noted,
    line_decided,
    na_credited,
    na_pending,
)
from appraisal.selectors.rounds import appraisal_round_shown, round_number
from cchc.collation import sort_key, vietnamese
from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.errors import StateConflict
from scoring.exports import (
    BOLD,
    HEAD_FILL,
    KPS_FILL,
    WRAP,
    Signer,
    _save,
    _widths,
    kps_number_format,
    print_setup,
    put_cell,
    put_signatures,
)
from scoring.models import Assessment, Cycle, IndexResult, Indicator, IndicatorSet, RankingGroup, ScoreLine
from scoring.publication.exports import _cell, _sheet_title
from scoring.templatetags.scoring_tags import band
from scoring.templatetags.scoring_tags import score as score_text

# The states in which the team's workbook means something: the appraisal has started.
WORKBOOK_STATES = (Assessment.State.IN_APPRAISAL, Assessment.State.EXPLANATION, Assessment.State.SIGNED_OFF)
TITLE = Font(bold=True, size=13)
WARNING = Font(bold=True, color="C00000")
NUMBER = "0.00"
LINES_CHUNK = 5000  # lines read at a time by the cycle table (a national cycle has 400,000)


def workbook_refusal(assessment: Assessment) -> StateConflict | None:
    """Why the appraisal workbook of `assessment` cannot be made yet (None: it can): the appraisal has not
    started, so there is no appraised score to write."""
    if assessment.state in WORKBOOK_STATES:
        return None
    return StateConflict(
        _("Bản đánh giá đang ở trạng thái «%(state)s»: bảng tổng hợp kết quả thẩm định có từ khi bắt đầu thẩm "
          "định.") % {"state": assessment.get_state_display()},
        code="appraisal_not_started",
    )


def _printed_at() -> str:
    return timezone.localtime().strftime("%d/%m/%Y %H:%M")


def _fresh(assessment: Assessment, result: IndexResult | None) -> bool:
    """A signed-off assessment's stored result computed from its current version (as `result_pending` decides)."""
    return (assessment.state == Assessment.State.SIGNED_OFF and result is not None and not result.stale
            and result.computed_from_version >= assessment.version)


def provisional_class_text(classification: str | None, unappraised: int, *, mark: bool = True,
                           index: Decimal | None = None) -> str | None:
    """The appraised classification of an assessment not signed off yet, as the team's files write it: not
    determined while `unappraised` leaves wait for the team (a leaf not appraised counts 0, so a class would only
    mislead); once every leaf is appraised, the engine's class, marked «tạm tính» (`mark`; the unit workbook's row
    label says it already) with the provisional `index` it comes from when given (the cycle table, whose index
    column holds signed-off results only: a class beside a blank index would not say what it grades); None when
    there is no index."""
    if unappraised:
        return ngettext("Chưa xếp loại (còn %(n)s tiêu chí chưa thẩm định)",
                        "Chưa xếp loại (còn %(n)s tiêu chí chưa thẩm định)", unappraised) % {"n": unappraised}
    if not classification:
        return None
    if not mark:
        return band(classification)
    if index is not None:
        return _("%(band)s (tạm tính, chỉ số thẩm định %(index)s)") % {"band": band(classification),
                                                                       "index": score_text(index)}
    return _("%(band)s (tạm tính)") % {"band": band(classification)}


# --- one unit: the appraisal workbook ------------------------------------------------------------------------


@dataclass
class _Node:
    """A row of the table: a node of the set with its two figures (the engine's) and, for a leaf, its line."""

    indicator: Indicator
    own: Decimal | None
    appraised: Decimal | None
    line: ScoreLine | None = None
    own_kps: bool = False  # the cell shows the points the engine credits a KPS (marked)
    appraised_kps: bool = False


def _compute(rules: engine.SetRules, leaves: dict[str, engine.LeafScore]) -> engine.IndexComputation | None:
    try:
        return engine.compute_index(rules, leaves)
    except engine.EngineError:  # percent mode with nothing applicable: no index
        return None


def _subtotal(rules: engine.SetRules, code: str, leaves: dict[str, engine.LeafScore],
              comp: engine.IndexComputation | None) -> Decimal:
    if comp is not None and code in comp.area_totals:
        return comp.area_totals[code]
    return scoring_selectors.subtree_total(rules, code, leaves)[0]


def _nodes(assessment: Assessment) -> tuple[list[_Node], engine.IndexComputation | None,
                                            engine.IndexComputation | None]:
    """Every node of the assessment's set in order with the engine's figures: the self-scores as the unit's report
    counts them, the appraisal as the review page counts it (a KPS counts once the team accepted it). Three
    queries."""
    indicator_set = assessment.indicator_set
    indicators = list(scoring_selectors.indicators_of_set(indicator_set=indicator_set))
    lines = {line.indicator_id: line for line in scoring_selectors.score_lines_of_assessment(assessment=assessment)}
    rules = scoring_selectors.set_rules(indicator_set, indicators)
    state = assessment.state
    own_leaves: dict[str, engine.LeafScore] = {}
    appraised_leaves: dict[str, engine.LeafScore] = {}
    for stored in lines.values():
        stored.assessment = assessment
        code = stored.indicator.code
        own_leaves[code] = engine.LeafScore(score=stored.self_score, not_applicable=stored.not_applicable)
        appraised_leaves[code] = engine.LeafScore(score=stored.appraised_score,
                                                  not_applicable=na_credited(stored, state))
    own_comp = _compute(rules, own_leaves)
    appraised_comp = _compute(rules, appraised_leaves)
    index_mode = indicator_set.index_mode
    nodes: list[_Node] = []
    for ind in indicators:
        line = lines.get(ind.pk) if ind.is_leaf else None
        if line is None:
            if ind.is_leaf:  # a leaf the assessment has no line for (never, once opened): nothing to show
                nodes.append(_Node(indicator=ind, own=None, appraised=None))
                continue
            nodes.append(_Node(indicator=ind, own=_subtotal(rules, ind.code, own_leaves, own_comp),
                               appraised=_subtotal(rules, ind.code, appraised_leaves, appraised_comp)))
            continue
        # The points the leaf counts for, by the review's one rule (the API's `credited_*_score`): a KPS marked.
        own, appraised = credited_scores(line, state=state, index_mode=index_mode)
        nodes.append(_Node(indicator=ind, line=line, own=own, appraised=appraised,
                           own_kps=line.not_applicable, appraised_kps=na_credited(line, state)))
    return nodes, own_comp, appraised_comp


def _evidence_text(line: ScoreLine, indicator: Indicator, documents: int, state: str) -> int | str | None:
    """The leaf's evidence column: how many documents the unit linked; for a leaf marked «Cần tài liệu kiểm chứng»
    without any, that there is none and, when the team accepted its self-score on what the unit wrote of it (kept on
    paper), that it was so accepted. Nothing for a «không phát sinh» or a survey leaf (no evidence of the unit's)."""
    if line.not_applicable or indicator.source == Indicator.Source.SURVEY:
        return None
    if documents or not indicator.evidence_required:
        return documents
    if (line_decided(line, state) and line.appraised_score is not None and line.appraised_score == line.self_score
            and evidence_noted(line)):
        return _("không có — chấp nhận theo ghi chú của đơn vị")
    return _("không có")


def _kps_text(line: ScoreLine, state: str) -> str:
    if not line.not_applicable:
        return ""
    if line.na_overruled:
        decision = _("KPS: Tổ thẩm định không chấp nhận")
    elif na_pending(line, state):
        decision = _("KPS: chờ Tổ thẩm định quyết định")
    else:
        decision = _("KPS: Tổ thẩm định chấp nhận")
    reason = line.not_applicable_reason.strip()
    return f"{decision}. {_('Lý do của đơn vị')}: {reason}" if reason else decision


def _explanation_text(
    line: ScoreLine, last_round: ExplanationRound | None, *, evidence_missing: bool = False,
    linked: list[str] | None = None,
) -> str:
    """A flagged leaf's «Giải trình» cell: what the last round (open or ended, whose flags the leaves carry) asked
    there, an explanation or evidence documents (`documents_asked`), and the unit's answer: an agreement told apart
    from an explanation (and said sent with no document when the leaf needs evidence the unit did not send,
    `evidence_missing`), on a leaf asked for documents the documents linked in the round (`linked`, their names),
    as the lead's page of the round says it; then the team's question on the leaf in that round."""
    if not line.explanation_requested:
        return ""
    if documents_asked(line, last_round):
        text = _documents_text(line, last_round, linked or [])
    elif agreed_in_round(line, last_round) and evidence_missing:
        text = _("Yêu cầu giải trình: đơn vị đồng ý, không bổ sung tài liệu (tiêu chí cần tài liệu kiểm chứng)")
    elif agreed_in_round(line, last_round):
        text = _("Yêu cầu giải trình: đơn vị đồng ý với kết quả thẩm định")
    else:
        given = (explained_in_round(line, last_round.explanations_at_start or {}) if last_round is not None
                 else bool(line.explanation.strip()))
        text = _("Yêu cầu giải trình: đã giải trình") if given else _("Yêu cầu giải trình: chưa giải trình")
    question = (last_round.questions or {}).get(str(line.pk), "") if last_round is not None else ""
    if question:
        text = "\n".join((text, _("Câu hỏi của Tổ thẩm định: %(question)s") % {"question": question}))
    return text


def _documents_text(line: ScoreLine, last_round: ExplanationRound | None, linked: list[str]) -> str:
    """The «Giải trình» cell's answer on a leaf the round asked evidence documents of: the documents the unit linked
    in the round, its agreement, a text saying why it has none (written in the round), or nothing yet."""
    if agreed_in_round(line, last_round):
        return _("Đề nghị bổ sung tài liệu kiểm chứng: đơn vị đồng ý với kết quả thẩm định")
    if linked:
        return _("Đề nghị bổ sung tài liệu kiểm chứng: đã bổ sung %(names)s") % {"names": ", ".join(linked)}
    assert last_round is not None  # a leaf asked for documents is one of a round's
    if explained_in_round(line, last_round.explanations_at_start or {}):
        return _("Đề nghị bổ sung tài liệu kiểm chứng: chưa bổ sung tài liệu, đơn vị giải trình vì sao")
    return _("Đề nghị bổ sung tài liệu kiểm chứng: chưa bổ sung tài liệu")


def _difference(appraised: Decimal | None, own: Decimal | None) -> Decimal | None:
    return None if appraised is None or own is None else appraised - own


def _deducted(value: Decimal | None) -> Decimal | None:
    """A penalty, stored as a positive amount, as the pages and files write it: a deduction («−0,50»), so that a
    column of areas, bonus and penalty adds up to its total. Zero stays 0 (never −0)."""
    return None if value is None else (-value if value else Decimal(0))


def _names_kind(indicator: Indicator) -> bool:
    """Whether a bonus or penalty criterion's name already says its kind («… (điểm cộng)»), in Vietnamese or in
    the language of the workbook, whatever the case: the workbook does not say it twice."""
    name = unicodedata.normalize("NFC", indicator.name).casefold()
    with translation.override("vi"):
        kinds = {str(indicator.get_kind_display())}
    kinds.add(str(indicator.get_kind_display()))
    return any(unicodedata.normalize("NFC", kind).casefold() in name for kind in kinds)


def _unit_columns() -> list[str]:
    return [_("Mã"), _("Lĩnh vực / tiêu chí / tiêu chí thành phần"), _("Điểm tối đa"), _("Điểm tự chấm"),
            _("Điểm thẩm định"), _("Chênh lệch (thẩm định − tự chấm)"), _("Ý kiến, lý do của Tổ thẩm định"),
            _("Không phát sinh (KPS)"), _("Giải trình"), _("Nội dung giải trình của đơn vị"),
            _("Tài liệu kiểm chứng (số tài liệu)"), _("Ghi chú")]


def _kind_note(indicator: Indicator) -> str | None:
    """The «Ghi chú» of a bonus or penalty node, group rows as their leaves, by the rule of the unit's
    self-assessment report (`scoring.exports.report_workbook`): «[Điểm cộng]», «[Điểm trừ]»; None for the others."""
    return f"[{indicator.get_kind_display()}]" if indicator.kind != Indicator.Kind.NORMAL else None


def _status_round(assessment: Assessment, open_round: ExplanationRound | None) -> str:
    """The state and the round as the review page's header names it (`selectors.rounds`): during an explanation
    round its own number («giải trình vòng N», which a reopen sets apart from the appraisal round's), else the
    appraisal round's («thẩm định vòng N»). One query."""
    state = assessment.get_state_display()
    number = round_number(open_round) if open_round is not None else None
    if number is not None:
        return _("%(state)s, giải trình vòng %(round)s") % {"state": state, "round": number}
    return _("%(state)s, thẩm định vòng %(round)s") % {"state": state, "round": appraisal_round_shown(assessment)}


def assessment_workbook(*, assessment: Assessment) -> bytes:
    """The unit's appraisal workbook (see the module's docstring). Reads: the set, the lines, the stored result,
    the open explanation round, the leaves' evidence once a round was asked, the documents linked in it when it asked
    some (about seven queries, whatever the number of leaves); writes nothing."""
    signed = assessment.state == Assessment.State.SIGNED_OFF
    nodes, own_comp, appraised_comp = _nodes(assessment)
    result = IndexResult.objects.filter(assessment=assessment).first() if signed else None
    fresh = _fresh(assessment, result)
    # the last round, open or ended: the leaves' flags are its own (a new request sets them again)
    last_round = ExplanationRound.objects.filter(assessment=assessment).order_by("-round").first()
    open_round = (last_round if assessment.state == Assessment.State.EXPLANATION and last_round is not None
                  and last_round.round == assessment.appraisal_round else None)
    indicator_set = assessment.indicator_set
    # which leaves have evidence, and how many documents (the evidence column; a flagged one needing some the unit
    # agreed on without sending any is said so)
    files = evidence_files_by_line(assessment)
    # a leaf the round asked documents of: the documents linked in the round are the unit's answer there
    linked = documents_linked_in_round(last_round)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(_("Kết quả thẩm định"))
    put_cell(ws, 1, 1, _("BẢNG TỔNG HỢP KẾT QUẢ THẨM ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM %(year)s")
              % {"year": assessment.cycle.year}).font = TITLE
    if not signed:
        status = " ".join((
            _("TẠM TÍNH: bản đánh giá chưa được Tổ thẩm định thông qua; điểm và chỉ số có thể còn thay đổi."),
            _("Chỉ số thẩm định tạm tính: tiêu chí chưa thẩm định được tính 0 điểm."),  # as the review page says
        ))
    elif not fresh:
        status = _("Đã thông qua; chỉ số và thứ hạng đang được tính lại.")
    else:
        status = _("Đã thông qua lúc %(at)s.") % {
            "at": timezone.localtime(assessment.signed_off_at).strftime("%d/%m/%Y %H:%M")
            if assessment.signed_off_at else ""}
    if assessment.cycle.phase != Cycle.Phase.PUBLISHED:
        unpublished = _("Kết quả chưa công bố.")
        status = f"{status} {unpublished}"
    put_cell(ws, 2, 1, status).font = WARNING if not (signed and fresh) else BOLD
    unit = assessment.unit
    head = [
        (_("Đơn vị"), f"{unit.name} ({unit.code})"),
        (_("Kỳ đánh giá"), assessment.cycle.name),
        (_("Bộ chỉ số"), f"{indicator_set.name} — {indicator_set.decision_ref}"),
        (_("Trạng thái"), _status_round(assessment, open_round)),
        (_("In lúc"), _printed_at()),
    ]
    for number, (label, value) in enumerate(head, start=3):
        put_cell(ws, number, 1, label).font = BOLD
        put_cell(ws, number, 2, value)
    header_row = 3 + len(head) + 1
    for column, title in enumerate(_unit_columns(), start=1):
        cell = put_cell(ws, header_row, column, title)
        cell.font, cell.fill, cell.alignment = BOLD, HEAD_FILL, WRAP
    kps_format = kps_number_format()
    state = assessment.state
    row = header_row + 1
    marked = False
    extra = False  # a bonus or penalty row: the legend says where they count
    for node in nodes:
        ind, line = node.indicator, node.line
        name = ("   " * (ind.level - 1)) + ind.name
        if ind.kind != Indicator.Kind.NORMAL and not _names_kind(ind):
            name = f"{name} [{ind.get_kind_display()}]"
        own, appraised, most = node.own, node.appraised, ind.max_points
        if ind.kind == Indicator.Kind.PENALTY:  # a deduction, as the unit's sheet and report write it
            own, appraised, most = _deducted(own), _deducted(appraised), _deducted(most)
        values: list[Any] = [ind.code, name, most, own, appraised, _difference(appraised, own)]
        if line is not None:
            values += [line.appraised_note, _kps_text(line, state),
                       _explanation_text(line, last_round, evidence_missing=evidence_still_missing(
                           line, ind, bool(files.get(line.pk))), linked=linked.get(line.pk)),
                       line.explanation, _evidence_text(line, ind, len(files.get(line.pk, [])), state)]
        else:
            values += [None] * 5
        values.append(_kind_note(ind))
        extra = extra or ind.kind != Indicator.Kind.NORMAL
        for column, value in enumerate(values, start=1):
            cell = put_cell(ws, row, column, value)
            cell.alignment = WRAP
            if ind.level == 1:
                cell.font = BOLD
            if 3 <= column <= 6:
                cell.number_format = NUMBER
        for column, kps in ((4, node.own_kps), (5, node.appraised_kps)):
            if kps:
                ws.cell(row=row, column=column).number_format = kps_format
                ws.cell(row=row, column=column).fill = KPS_FILL
                marked = True
        row += 1
    unappraised = 0 if signed else sum(1 for node in nodes
                                       if node.line is not None and not line_decided(node.line, state))
    row = _totals(ws, row + 1, assessment, own_comp, appraised_comp, result if fresh else None,
                  unappraised=unappraised)
    if marked:
        row += 1
        put_cell(ws, row, 4, None).fill = KPS_FILL
        percent = indicator_set.index_mode == IndicatorSet.IndexMode.PERCENT
        put_cell(ws, row, 2, _(
            "Ô tô nền vàng để trống: tiêu chí không phát sinh (KPS), không tính vào điểm đạt và điểm tối đa khi tính "
            "chỉ số.") if percent else _(
            "Ô tô nền vàng, ghi «KPS»: tiêu chí không phát sinh (cột tự chấm: đơn vị khai; cột thẩm định: Tổ thẩm "
            "định chấp nhận); số trong ô là điểm được tính cho tiêu chí khi tính chỉ số.")).alignment = WRAP
        row += 1
    if extra:
        row += 0 if marked else 1
        put_cell(ws, row, 2, _(
            "«[Điểm cộng]», «[Điểm trừ]» (cột Ghi chú): điểm cộng, điểm trừ không tính vào điểm của lĩnh vực chứa "
            "chúng; được cộng, trừ riêng ở dòng «Điểm cộng», «Điểm trừ» dưới bảng (điểm trừ ghi số âm).")
        ).alignment = WRAP
        row += 1
    _signatures(ws, row + 1)
    _widths(ws, [9, 60, 10, 11, 11, 13, 36, 30, 24, 40, 22, 14])
    print_setup(ws, landscape=True, fit_width=True, title_rows=(header_row, header_row), freeze=f"C{header_row + 1}")
    return _save(wb)


def _totals(ws: Worksheet, row: int, assessment: Assessment, own: engine.IndexComputation | None,
            appraised: engine.IndexComputation | None, result: IndexResult | None, *, unappraised: int = 0) -> int:
    """The totals block under the table, both columns as the engine computes them: the appraised one is the
    signed-off result as stored (the engine's, from the same leaves) when it is fresh, else the engine's
    computation of the appraisal so far, whose classification is not given while `unappraised` leaves wait
    (`provisional_class_text`). Returns the next free row."""
    provisional = assessment.state != Assessment.State.SIGNED_OFF
    source: Any = result if result is not None else appraised  # both have the engine's figures' names

    def label(text: str) -> str:
        return _("%(label)s (tạm tính)") % {"label": text} if provisional else text

    def figures(name: str) -> tuple[Any, Any]:
        return (None if own is None else getattr(own, name)), (None if source is None else getattr(source, name))

    own_penalty, appraised_penalty = figures("penalty")
    lines: list[tuple[str, tuple[Any, Any]]] = [
        (_("Tổng điểm các lĩnh vực"), figures("normal_total")),
        (_("Điểm cộng"), figures("bonus")),
        (_("Điểm trừ"), (_deducted(own_penalty), _deducted(appraised_penalty))),
        (_("Tổng điểm"), figures("total")),
    ]
    if assessment.indicator_set.index_mode == IndicatorSet.IndexMode.PERCENT:
        lines.append((_("Điểm tối đa áp dụng"), figures("applicable_max")))
    lines.append((label(_("Chỉ số CCHC")), figures("index")))
    for text, (own_value, appraised_value) in lines:
        put_cell(ws, row, 2, text).font = BOLD
        for column, value in ((4, own_value), (5, appraised_value), (6, _difference(appraised_value, own_value))):
            put_cell(ws, row, column, value).number_format = NUMBER
        row += 1
    own_class, appraised_class = figures("classification")
    put_cell(ws, row, 2, label(_("Xếp loại"))).font = BOLD
    put_cell(ws, row, 4, band(own_class) if own_class else None)
    if provisional:
        put_cell(ws, row, 5, provisional_class_text(appraised_class, unappraised, mark=False))
    else:
        put_cell(ws, row, 5, band(appraised_class) if appraised_class else None)
    row += 1
    if result is not None:
        put_cell(ws, row, 2, _("Thứ hạng trong khối")).font = BOLD
        put_cell(ws, row, 5, result.rank)
        standing = rank_standing(assessment) if result.rank is not None else None
        if standing is not None and standing.provisional:
            # before the year is published the rank moves as the group's other units are signed off
            put_cell(ws, row, 6, _("tạm thời (%(n)s/%(total)s đơn vị trong khối đã thông qua)")
                     % {"n": standing.signed_off, "total": standing.total})
        row += 1
    return row


def _signatures(ws: Worksheet, row: int) -> None:
    put_signatures(ws, row, [Signer(2, _("THÀNH VIÊN TỔ THẨM ĐỊNH"), _("(Ký, ghi rõ họ tên)")),
                             Signer(7, _("TỔ TRƯỞNG TỔ THẨM ĐỊNH"), _("(Ký, ghi rõ họ tên)"))],
                   dated=(7, _("........, ngày ...... tháng ...... năm ........")))


def assessment_workbook_name(assessment: Assessment) -> str:
    return f"bang-tong-hop-tham-dinh-{assessment.unit.code}-{assessment.cycle.year}.xlsx"


# --- one cycle: the preliminary table ------------------------------------------------------------------------


@dataclass
class _UnitRow:
    assessment_id: int
    unit_code: str
    unit_name: str
    group_id: int | None
    state: str
    set_id: int | None = None
    own_total: Decimal | None = None
    index: Decimal | None = None
    rank: int | None = None
    classification: str = ""
    bonus: Decimal | None = None
    penalty: Decimal | None = None
    area_totals: dict[str, str] | None = None
    pending: bool = False  # signed off, its result not computed from its current version yet
    provisional_class: str | None = None  # not signed off: `provisional_class_text`


class _Leaf(NamedTuple):
    """The fields of a stored line that decide whether the team has decided it (`review.line_decided`)."""

    appraised_score: Decimal | None
    not_applicable: bool
    na_overruled: bool
    na_accepted: bool

    @property
    def appraised_not_applicable(self) -> bool:  # as `ScoreLine.appraised_not_applicable`
        return self.not_applicable and not self.na_overruled


@dataclass
class _LineFigures:
    own_total: Decimal | None = None
    unappraised: int = 0  # leaves the team has not decided (not signed off)
    appraised_class: str | None = None  # the engine's class of the appraisal so far, once nothing is unappraised
    appraised_index: Decimal | None = None  # and the index it grades


def _line_figures(cycle: Cycle, set_ids: set[int]) -> dict[int, _LineFigures]:
    """Assessment id → the engine's total of its self-scores and, for an assessment not signed off, its leaves
    the team has not decided and (when none) the engine's classification of the appraisal so far; for the
    cycle's submitted assessments (not drafts: the team sees a unit's scores once submitted). One pass over the
    lines in assessment order, LINES_CHUNK rows at a time: memory holds one assessment's leaves, whatever the size
    of the cycle."""
    skeletons = {s.pk: scoring_selectors.set_skeleton(s) for s in IndicatorSet.objects.filter(pk__in=set_ids)}
    of = {pk: (set_id, state) for pk, set_id, state in Assessment.objects.filter(cycle=cycle)
          .exclude(state=Assessment.State.DRAFT).values_list("pk", "indicator_set_id", "state")}
    rows = (ScoreLine.objects.filter(assessment__cycle=cycle).exclude(assessment__state=Assessment.State.DRAFT)
            .order_by("assessment_id")
            .values_list("assessment_id", "indicator_id", "self_score", "not_applicable", "appraised_score",
                         "na_overruled", "na_accepted")
            .iterator(chunk_size=LINES_CHUNK))
    figures: dict[int, _LineFigures] = {}
    for assessment_id, lines in itertools.groupby(rows, key=lambda r: r[0]):
        set_id, state = of[assessment_id]
        skeleton = skeletons[set_id]
        provisional = state != Assessment.State.SIGNED_OFF
        own_leaves, appraised_leaves = {}, {}
        found = _LineFigures()
        for _id, indicator_id, score, not_applicable, appraised_score, na_overruled, na_accepted in lines:
            leaf = skeleton.leaves.get(indicator_id)
            if leaf is None:
                continue
            own_leaves[leaf[0]] = engine.LeafScore(score=score, not_applicable=not_applicable)
            if provisional:
                stored = cast(ScoreLine, _Leaf(appraised_score, not_applicable, na_overruled, na_accepted))
                found.unappraised += not line_decided(stored, state)
                appraised_leaves[leaf[0]] = engine.LeafScore(score=stored.appraised_score,
                                                             not_applicable=na_credited(stored, state))
        comp = _compute(skeleton.rules, own_leaves)
        found.own_total = comp.total if comp is not None else None
        if provisional and not found.unappraised:
            appraised = _compute(skeleton.rules, appraised_leaves)
            if appraised is not None:
                found.appraised_class, found.appraised_index = appraised.classification, appraised.index
        figures[assessment_id] = found
    return figures


def _cycle_rows(cycle: Cycle) -> tuple[list[_UnitRow], set[int]]:
    """The cycle's units with their figures, by unit name; provisional ranks within each group (the one each
    assessment is ranked in that year, `Assessment.ranking_group`, not its unit's of today) among the signed-off
    units whose result is fresh (`scoring.engine.rank`, as the stored ranking: ties share a rank)."""
    rows: list[_UnitRow] = []
    set_ids: set[int] = set()
    versions: dict[int, int] = {}
    for pk, code, name, group_id, state, set_id, version in (
        Assessment.objects.filter(cycle=cycle).order_by(vietnamese("unit__name"), "pk")
        .values_list("pk", "unit__code", "unit__name", "ranking_group_id", "state", "indicator_set_id",
                     "version")
    ):
        rows.append(_UnitRow(assessment_id=pk, unit_code=code, unit_name=name, group_id=group_id, state=state,
                             set_id=set_id))
        set_ids.add(set_id)
        versions[pk] = version
    figures = _line_figures(cycle, set_ids)
    results = {
        r[0]: r[1:] for r in IndexResult.objects.filter(
            assessment__cycle=cycle, assessment__state=Assessment.State.SIGNED_OFF,
        ).order_by().values_list("assessment_id", "index", "classification", "bonus", "penalty", "area_totals",
                                 "stale", "computed_from_version")
    }
    for row in rows:
        found_figures = figures.get(row.assessment_id)
        row.own_total = found_figures.own_total if found_figures is not None else None
        if row.state != Assessment.State.SIGNED_OFF:
            if found_figures is not None:  # submitted, not signed off: the class not determined, or provisional
                row.provisional_class = provisional_class_text(found_figures.appraised_class,
                                                               found_figures.unappraised,
                                                               index=found_figures.appraised_index)
            continue
        found = results.get(row.assessment_id)
        if found is None or found[5] or found[6] < versions[row.assessment_id]:
            row.pending = True
            continue
        row.index, row.classification, row.bonus, row.penalty, row.area_totals = found[:5]
    by_group: dict[int | None, list[_UnitRow]] = {}
    for row in rows:
        if row.index is not None:
            by_group.setdefault(row.group_id, []).append(row)
    for members in by_group.values():
        ranked = engine.rank(engine.RankEntry(key=r.assessment_id, name=r.unit_name, index=r.index)
                             for r in members if r.index is not None)
        rank_of = {entry.key: entry.rank for entry in ranked}
        for r in members:
            r.rank = rank_of[r.assessment_id]
    return rows, set_ids


class _Area(NamedTuple):
    set_id: int
    code: str
    name: str
    max_points: Decimal


def _area_nodes(set_ids: set[int]) -> list[_Area]:
    """The (normal) areas of the cycle's sets, each set's in its order. One query."""
    return [_Area(*row) for row in Indicator.objects.filter(
        indicator_set_id__in=set_ids, parent__isnull=True, kind=Indicator.Kind.NORMAL,
    ).order_by("indicator_set_id", "order").values_list("indicator_set_id", "code", "name", "max_points")]


def _areas(nodes: list[_Area], set_ids: set[int | None]) -> list[tuple[str, str, Any]]:
    """(code, «code. name», maximum) of the areas of the sets `set_ids` (a ranking group's units'), by code in the
    sets' order; the names of one code joined by « / » where the sets differ (each unit's figure is its own set's
    area of that code), and so the maxima (a text then; a number when the sets agree)."""
    names: dict[str, list[str]] = {}
    maxima: dict[str, list[Decimal]] = {}
    for node in nodes:
        if node.set_id not in set_ids:
            continue
        listed = names.setdefault(node.code, [])
        if node.name not in listed:
            listed.append(node.name)
        most = maxima.setdefault(node.code, [])
        if node.max_points not in most:
            most.append(node.max_points)
    return [
        (code, f"{code}. {' / '.join(listed)}",
         maxima[code][0] if len(maxima[code]) == 1 else " / ".join(score_text(m) for m in maxima[code]))
        for code, listed in names.items()
    ]


def _in_rank_order(members: list[_UnitRow]) -> list[_UnitRow]:
    """A group's units as its ranking lists them: the ranked first, by rank (then name, in Vietnamese alphabetical
    order, as the ranking lists equals); the others after them, by name."""
    return sorted(members, key=lambda r: (r.rank is None, r.rank or 0, sort_key(r.unit_name), r.assessment_id))


def _notice(cycle: Cycle) -> str:
    if cycle.phase == Cycle.Phase.PUBLISHED:
        return _("Bảng tính từ dữ liệu hiện tại của hệ thống, không phải văn bản công bố: kết quả chính thức là kết "
                 "quả đã công bố.")
    return _("KẾT QUẢ CHƯA CÔNG BỐ — chỉ dùng trong Tổ thẩm định. Chỉ số và thứ hạng tạm tính trong các đơn vị đã "
             "được thông qua; có thể thay đổi đến khi công bố.")


def _print_setup(ws: Any, *, header_row: int | None, first_column: str) -> None:
    """A sheet of the preliminary table read on screen and printed as the unit's workbook is: the header row (when
    the sheet has one) and the columns before `first_column` frozen, the header repeated on each printed page,
    landscape, fitted to the page's width. Set before the first row is written (write-only sheets)."""
    ws.freeze_panes = f"{first_column}{(header_row or 0) + 1}"
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def cycle_workbook(*, cycle: Cycle, out: IO[bytes]) -> None:
    """The preliminary table of `cycle` (see the module's docstring), written in write-only mode to `out`.
    Cost: five queries and one pass over the cycle's submitted lines (the engine once per assessment, for the
    self total); memory grows with the number of units, not of lines."""
    rows, set_ids = _cycle_rows(cycle)
    states = dict(Assessment.State.choices)
    year = cycle.year
    printed = _("In lúc %(at)s") % {"at": _printed_at()}
    notice = _notice(cycle)
    wb = Workbook(write_only=True)
    used: set[str] = set()
    groups = list(RankingGroup.objects.filter(pk__in={r.group_id for r in rows if r.group_id is not None})
                  .order_by("order", vietnamese("name"), "pk"))
    sheets: list[tuple[str, int | None]] = [(g.name, g.pk) for g in groups]
    if any(r.group_id is None for r in rows):
        sheets.append((str(_("Chưa xếp khối")), None))
    for name, group_id in sheets:
        ws = wb.create_sheet(_sheet_title(name, used))
        for letter, width in zip("ABCDEFGH", (6, 16, 44, 18, 14, 14, 12, 16), strict=True):
            ws.column_dimensions[letter].width = width
        _print_setup(ws, header_row=6, first_column="D")
        ws.append([_cell(ws, _("KẾT QUẢ SƠ BỘ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM %(year)s") % {"year": year}, font=TITLE)])
        ws.append([_cell(ws, name, font=BOLD)])
        ws.append([_cell(ws, notice, font=WARNING)])
        ws.append([_cell(ws, printed)])
        ws.append([])
        ws.append([_cell(ws, h, font=BOLD) for h in (
            _("STT"), _("Mã đơn vị"), _("Đơn vị"), _("Trạng thái"), _("Tổng điểm tự đánh giá"),
            _("Chỉ số thẩm định"), _("Xếp hạng tạm thời"), _("Xếp loại"))])
        for number, r in enumerate(_in_rank_order([r for r in rows if r.group_id == group_id]), start=1):
            state = str(states.get(r.state, r.state))
            if r.pending:
                state = _("%(state)s (đang tính chỉ số)") % {"state": state}
            ws.append([number, _cell(ws, r.unit_code), _cell(ws, r.unit_name), _cell(ws, state),
                       _cell(ws, r.own_total, number=True), _cell(ws, r.index, number=True), r.rank,
                       _cell(ws, band(r.classification) if r.classification else r.provisional_class)])
    # A block per ranking group (as the sheets above): a provisional rank means something within its group only,
    # and the groups' sets (departments', districts') have areas of their own maxima.
    nodes = _area_nodes(set_ids)
    ws = wb.create_sheet(_sheet_title(str(_("Theo lĩnh vực")), used))
    _print_setup(ws, header_row=None, first_column="C")  # a header per group: the units' code and name kept
    ws.append([_cell(ws, _("ĐIỂM THẨM ĐỊNH THEO LĨNH VỰC — CHỈ SỐ CCHC NĂM %(year)s") % {"year": year}, font=TITLE)])
    ws.append([_cell(ws, notice, font=WARNING)])
    ws.append([_cell(ws, printed)])
    # The one convention of the workbooks (the published one says it too): a penalty is a deduction, negative.
    ws.append([_cell(ws, _("Cột «Điểm trừ» ghi số âm (điểm bị trừ), như trên trang kết quả: điểm các lĩnh vực + "
                           "điểm cộng + điểm trừ = tổng điểm. Tệp dữ liệu mở (CSV, JSON) ghi điểm trừ là số "
                           "dương."))])
    for name, group_id in sheets:
        members = _in_rank_order([r for r in rows if r.group_id == group_id])
        areas = _areas(nodes, {r.set_id for r in members})
        ws.append([])
        ws.append([_cell(ws, name, font=BOLD)])
        ws.append([_cell(ws, h, font=BOLD) for h in (
            _("Mã đơn vị"), _("Đơn vị"), _("Trạng thái"), *[label for _code, label, _most in areas],
            _("Điểm cộng"), _("Điểm trừ"), _("Chỉ số thẩm định"), _("Xếp hạng tạm thời"))])
        ws.append([_cell(ws, ""), _cell(ws, _("Điểm tối đa"), font=BOLD), _cell(ws, ""),
                   *[_cell(ws, most, number=isinstance(most, Decimal)) for _code, _label, most in areas]])
        for r in members:
            totals = r.area_totals or {}
            ws.append([
                _cell(ws, r.unit_code), _cell(ws, r.unit_name), _cell(ws, str(states.get(r.state, r.state))),
                *[_cell(ws, Decimal(totals[code]) if code in totals else None, number=True)
                  for code, _label, _most in areas],
                _cell(ws, r.bonus, number=True), _cell(ws, _deducted(r.penalty), number=True),
                _cell(ws, r.index, number=True),
                r.rank,
            ])
    wb.save(out)


def cycle_workbook_name(cycle: Cycle) -> str:
    return f"ket-qua-so-bo-tham-dinh-cchc-{cycle.year}.xlsx"
