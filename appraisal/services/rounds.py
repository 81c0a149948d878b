"""Explanation rounds: return chosen leaves to the unit, its explanations, closing the round."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from appraisal.models import ExplanationRound, LineHistory, Notification
from appraisal.notifications import notify, team_for, unit_people
from appraisal.permissions import refuse_own_unit
from appraisal.selectors.explanation import (
    WITHDRAW_ACTION,
    agreeable,
    agreed_in_round,
    answered_in_round,
    documented_in_round,
    documents_asked,
    feedback_answers,
    feedback_lines,
    withdrawn_round,
)
from appraisal.selectors.review import line_decided
from appraisal.selectors.rounds import appraisal_round_shown
from appraisal.selectors.tree import set_tree
from appraisal.services.common import (
    MSG_ALREADY_RESUBMITTED,
    MSG_DEADLINE_AFTER_CYCLE,
    MSG_DEADLINE_IN_PAST,
    MSG_DEADLINE_NOT_PASSED,
    MSG_DEADLINE_PASSED,
    MSG_DEADLINE_TOO_LATE,
    MSG_EXPLANATION_REQUIRED,
    MSG_EXPLANATION_UNCHANGED,
    MSG_EXPLANATIONS_MISSING,
    MSG_NO_OPEN_ROUND,
    MSG_NOT_APPRAISING,
    MSG_NOT_FLAGGED,
    MSG_NOTHING_FLAGGED,
    MSG_ROUND_ENDED,
    MSG_UNKNOWN_LINE,
    _lock,
    _nfc,
)
from appraisal.services.history import _snapshot
from appraisal.services.review import _start
from scoring.dates import local_day, local_moment
from scoring.errors import LeafProblem, StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, Cycle, Indicator, ScoreLine
from scoring.services import (
    assessment_transition,
    audit_record,
    audit_records,
)
from scoring.services.common import AuditFields
from scoring.text import posted_id, user_text

MSG_REASON_FOR_WITHDRAW = gettext_lazy("Hãy nêu lý do rút lại yêu cầu giải trình.")

MSG_WITHDRAW_OVERDUE = gettext_lazy(
    "Đã hết hạn giải trình nên không rút lại yêu cầu được nữa: hãy kết thúc vòng giải trình."
)

MSG_ROUND_WITHDRAWN = gettext_lazy(
    "Tổ thẩm định đã rút lại yêu cầu giải trình lúc %(at)s; không cần giải trình nữa."
)

MSG_EXPLANATION_STALE = gettext_lazy(
    "Giải trình của tiêu chí này vừa được lưu ở nơi khác (người khác hoặc một thẻ khác của anh/chị). Hãy xem "
    "giải trình đang lưu rồi chọn giữ bản nào."
)

MSG_REASON_FOR_DEADLINE_CHANGE = gettext_lazy("Hãy nêu lý do đổi hạn giải trình.")

MSG_DEADLINE_UNCHANGED = gettext_lazy("Hạn giải trình mới (%(date)s) trùng với hạn hiện tại.")

LATE_CYCLE_DAYS = 365  # the latest deadline, from today, in an assessment of a cycle whose following year has ended

MSG_AGREE_WITHOUT_TEXT = gettext_lazy(
    "Đã chọn «Đồng ý với kết quả thẩm định»: đồng ý thì không cần giải trình. Hãy xoá nội dung giải trình, hoặc bỏ "
    "chọn «Đồng ý» để lưu giải trình."
)

MSG_NOTHING_TO_AGREE = gettext_lazy("Mọi tiêu chí được yêu cầu đã được giải trình hoặc đồng ý: không còn tiêu chí nào.")

QUESTION_LIMIT = 2000  # characters of the team's question on one leaf, as of a reason given on one

MSG_QUESTION_TOO_LONG = gettext_lazy(
    "Câu hỏi cho tiêu chí %(code)s quá dài (%(n)s ký tự, tối đa %(limit)s): hãy rút gọn, hoặc đưa phần chung cho "
    "nhiều tiêu chí vào «Nội dung yêu cầu»."
)

MSG_QUESTION_NOT_FLAGGED = gettext_lazy(
    "Đã ghi câu hỏi cho tiêu chí %(code)s nhưng tiêu chí này không được chọn để giải trình: hãy chọn tiêu chí đó, "
    "hoặc xoá câu hỏi."
)

MSG_DOCUMENTS_NOT_FLAGGED = gettext_lazy(
    "Đã đề nghị bổ sung tài liệu kiểm chứng cho tiêu chí %(code)s nhưng tiêu chí này không được chọn: hãy chọn tiêu "
    "chí đó, hoặc bỏ đề nghị bổ sung tài liệu."
)


def _answers_missing(n: int) -> str:
    """The resubmission refused in a round that asks documents of some leaves: what answers each kind of leaf."""
    return ngettext(
        "Còn %(n)s tiêu chí chưa được trả lời trong vòng này. Tiêu chí được yêu cầu giải trình cần có nội dung giải "
        "trình; tiêu chí được đề nghị bổ sung tài liệu kiểm chứng cần có tài liệu bổ sung trong vòng này (hoặc giải "
        "trình vì sao không có); hoặc chọn «Đồng ý với kết quả thẩm định».",
        "Còn %(n)s tiêu chí chưa được trả lời trong vòng này. Tiêu chí được yêu cầu giải trình cần có nội dung giải "
        "trình; tiêu chí được đề nghị bổ sung tài liệu kiểm chứng cần có tài liệu bổ sung trong vòng này (hoặc giải "
        "trình vì sao không có); hoặc chọn «Đồng ý với kết quả thẩm định».",
        n,
    ) % {"n": n}


AGREE_ACTION = "score_line.agree"  # the audit record of the unit's «Đồng ý với kết quả thẩm định» on a leaf


def _question_required(n: int) -> str:
    return ngettext(
        "%(n)s tiêu chí được chọn chưa được thẩm định hoặc chưa có lý do thẩm định, nên đơn vị không biết cần giải "
        "trình điều gì: hãy ghi câu hỏi cho từng tiêu chí đó, hoặc «Nội dung yêu cầu» chung (đơn vị đọc nội dung "
        "này bên cạnh các tiêu chí không có câu hỏi riêng), hoặc thẩm định và nêu lý do trước.",
        "%(n)s tiêu chí được chọn chưa được thẩm định hoặc chưa có lý do thẩm định, nên đơn vị không biết cần giải "
        "trình điều gì: hãy ghi câu hỏi cho từng tiêu chí đó, hoặc «Nội dung yêu cầu» chung (đơn vị đọc nội dung "
        "này bên cạnh các tiêu chí không có câu hỏi riêng), hoặc thẩm định và nêu lý do trước.",
        n,
    ) % {"n": n}


def _undecided_not_confirmed(n: int, total: int, areas: str) -> str:
    return ngettext(
        "Còn %(n)s trong %(total)s tiêu chí Tổ thẩm định chưa thẩm định (%(areas)s): hãy xác nhận vẫn trả đơn vị "
        "giải trình.",
        "Còn %(n)s trong %(total)s tiêu chí Tổ thẩm định chưa thẩm định (%(areas)s): hãy xác nhận vẫn trả đơn vị "
        "giải trình.",
        n,
    ) % {"n": n, "total": total, "areas": areas}


MSG_NOTHING_TO_AGREE_WITH = gettext_lazy(
    "Tiêu chí %(code)s chưa có kết quả thẩm định nên chưa thể «Đồng ý với kết quả thẩm định»: hãy giải trình theo câu "
    "hỏi của Tổ thẩm định."
)


def _only_undecided_left(n: int) -> str:
    return ngettext(
        "Không còn tiêu chí nào để đồng ý: %(n)s tiêu chí còn lại chưa có kết quả thẩm định nên cần giải trình theo "
        "câu hỏi của Tổ thẩm định.",
        "Không còn tiêu chí nào để đồng ý: %(n)s tiêu chí còn lại chưa có kết quả thẩm định nên cần giải trình theo "
        "câu hỏi của Tổ thẩm định.",
        n,
    ) % {"n": n}


def unanswered_without_result(assessment: Assessment) -> list[str]:
    """The codes of the leaves flagged in the open round, not answered yet, that have no result of the team to agree
    with (`agreeable`): the unit explains them. Two queries."""
    current = _current_round(assessment)
    if current is None:
        return []
    flagged = assessment.lines.filter(explanation_requested=True).select_related("indicator").order_by(
        "indicator__order")
    documented = documented_in_round(current)
    return [line.indicator.code for line in flagged
            if not answered_in_round(line, current, documented) and not agreeable(line)]


def reason_given(line: ScoreLine, state: str) -> bool:
    """Whether the team's appraisal tells the unit what to explain on the leaf: decided, with a reason."""
    return bool(line.appraised_note.strip()) and line_decided(line, state)


def round_withdrawn_text(explanation_round: ExplanationRound) -> str:
    """What the unit is told of a round the team withdrew (the unit's page, and a save or a resubmission sent
    after it): when, and that nothing more is asked."""
    assert explanation_round.closed_at is not None
    return str(MSG_ROUND_WITHDRAWN % {"at": local_moment(explanation_round.closed_at, time_first=True)})


def _refuse_if_withdrawn(assessment: Assessment) -> None:
    """A save or a resubmission the unit sends after the team withdrew the round (its page still open): say so,
    rather than that the leaf is not asked for or that the round ended."""
    withdrawn = withdrawn_round(assessment=assessment)
    if withdrawn is not None:
        raise StateConflict(round_withdrawn_text(withdrawn), code="round_withdrawn")


def _leaf_ids(raw_ids: Iterable[Any]) -> set[int]:
    """The ids asked for; any value that cannot be a leaf's id (malformed, zero, negative) refuses the whole
    request, as a leaf of another assessment does: a request never silently flags fewer leaves than it named."""
    wanted: set[int] = set()
    for raw in raw_ids:
        number = posted_id(raw) if not isinstance(raw, bool) else None
        if number is None:
            raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line")
        wanted.add(number)
    return wanted


def _check_deadline_within_cycle(cycle: Cycle, deadline: datetime) -> None:
    """The unit's deadline is not after the cycle's explanation deadline, or when the cycle has none, not after
    the end of the year following the year assessed (when results are published at the latest). An older
    cycle's assessment reopened after that year may still be explained: then within a year from today."""
    day = timezone.localtime(deadline).date()
    if cycle.explanation_deadline is not None:
        limit = timezone.localtime(cycle.explanation_deadline).date()
        message = MSG_DEADLINE_AFTER_CYCLE
    else:
        limit = max(date(cycle.year + 1, 12, 31), timezone.localdate() + timedelta(days=LATE_CYCLE_DAYS))
        message = MSG_DEADLINE_TOO_LATE
    if day > limit:
        raise ValidationFailed(
            message % {"date": local_day(day), "limit": local_day(limit)},
            code="deadline_too_late", details={"field": "deadline"},
        )


@transaction.atomic
def explanation_request(
    *,
    assessment: Assessment,
    actor: Any,
    deadline: datetime,
    line_ids: Iterable[int] | None = None,
    message: str = "",
    questions: Mapping[Any, Any] | None = None,
    documents: Iterable[Any] = (),
    require_questions: bool = False,
    undecided_ok: bool = True,
) -> ExplanationRound:
    """Return the assessment (all leaves, or the chosen ones) to the unit for explanation until `deadline`.

    Records every leaf's appraisal of the round that ends here, flags the chosen leaves, moves the
    assessment to «explanation», and e-mails the unit (after commit). Refused to a person of the assessment's unit
    (`refuse_own_unit`), as are the lead's other round services below.

    The request must tell the unit what to explain on each leaf: its appraisal with a reason (`reason_given`), the
    team's question on that leaf (`questions`, {line id: text}, each optional, at most `QUESTION_LIMIT` characters,
    only on a chosen leaf: stored with the round), or `message`, the request's general question, which the unit
    reads next to the leaves with neither. `documents` (line ids, each a chosen leaf, else `documents_not_flagged`)
    are the leaves on which the team asks for evidence documents («Bổ sung tài liệu kiểm chứng») instead of an
    explanation: a document the unit links to such a leaf in the round answers it (`answered_in_round`), and the
    request itself says what is asked there. With `require_questions` (the request page, the API) a request that gives
    none of them for some leaves asked to explain is refused (`question_required`, naming them). A question refused
    (too long, hidden characters, on a leaf not chosen: `question_not_flagged`) refuses the request, naming its
    leaf. Without
    `undecided_ok` (the page, when its user has not confirmed going ahead) it is refused while leaves are still
    undecided (`undecided_not_confirmed`, counted per area)."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    if locked.state == Assessment.State.SUBMITTED:
        locked = _start(locked, actor)
    if locked.state != Assessment.State.IN_APPRAISAL:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_appraising")
    if deadline <= timezone.now():
        raise ValidationFailed(MSG_DEADLINE_IN_PAST, code="deadline_in_past", details={"field": "deadline"})
    _check_deadline_within_cycle(locked.cycle, deadline)
    lines = list(locked.lines.select_related("indicator").order_by("indicator__order"))
    if line_ids is None:
        chosen = [line for line in lines if line.indicator.source != Indicator.Source.SURVEY]
    else:
        wanted = _leaf_ids(line_ids)
        chosen = [line for line in lines if line.pk in wanted]
        if len(chosen) != len(wanted):
            raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line")
    if not chosen:
        raise ValidationFailed(MSG_NOTHING_FLAGGED, code="nothing_flagged")
    text = _nfc(message, field="message")
    asked = _questions(questions or {}, lines, chosen)
    wants_documents = _documents(documents, lines, chosen)
    if require_questions and not text:
        unasked = [line for line in chosen if str(line.pk) not in asked and line.pk not in wants_documents
                   and not reason_given(line, locked.state)]
        if unasked:
            raise ValidationFailed(
                _question_required(len(unasked)), code="question_required",
                details=[LeafProblem(line.indicator.code, line_id=line.pk, kind="question_required",
                                     message=_("Chưa có điểm thẩm định kèm lý do, chưa có câu hỏi cho tiêu chí, và "
                                               "yêu cầu không có nội dung chung."))
                         for line in unasked],
            )
    if not undecided_ok:
        _refuse_undecided(locked, lines)
    round_no = locked.appraisal_round
    _snapshot(assessment=locked, stage=LineHistory.Stage.APPRAISAL, round_no=round_no, actor=actor, lines=lines)
    ScoreLine.objects.filter(assessment=locked).update(explanation_requested=False)
    ScoreLine.objects.filter(pk__in=[line.pk for line in chosen]).update(explanation_requested=True)
    old_deadline = locked.explanation_deadline
    Assessment.objects.filter(pk=locked.pk).update(explanation_deadline=deadline)
    returned = assessment_transition(
        assessment=locked, to_state=Assessment.State.EXPLANATION, actor=actor, reason=text
    )
    explanation_round = ExplanationRound.objects.create(
        assessment=returned, round=round_no, requested_by=actor, deadline=deadline, message=text,
        line_count=len(chosen), explanations_at_start={str(line.pk): line.explanation for line in chosen},
        questions=asked, documents_requested=wants_documents,
    )
    changes: dict[str, Any] = {
        "explanation_deadline": {"old": old_deadline.isoformat() if old_deadline else None,
                                 "new": deadline.isoformat()},
        "explanation_requested": {"old": None, "new": [line.indicator.code for line in chosen]},
    }
    if asked:
        codes = {str(line.pk): line.indicator.code for line in chosen}
        changes["questions"] = {"old": None, "new": {codes[key]: question for key, question in asked.items()}}
    if wants_documents:
        changes["documents_requested"] = {"old": None, "new": [line.indicator.code for line in chosen
                                                               if line.pk in wants_documents]}
    audit_record(
        actor=actor, action="assessment.explanation_request", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, reason=text, changes=changes,
    )
    # each flagged leaf as the unit's explanation page shows it: the appraisal and its reason recorded for the round,
    # and what to explain there (the team's question on the leaf)
    leaves = feedback_lines(assessment=returned, flagged_only=True, current_round=explanation_round)
    feedback_answers(leaves, open_round=explanation_round, rounds=[])
    notify(
        kind=Notification.Kind.EXPLANATION_REQUESTED, assessment=returned, recipients=unit_people(returned.unit_id),
        context={"round": explanation_round, "codes": [line.indicator.code for line in chosen], "leaves": leaves},
    )
    return explanation_round


def _questions(raw: Mapping[Any, Any], lines: list[ScoreLine], chosen: list[ScoreLine]) -> dict[str, str]:
    """The team's questions on chosen leaves as stored ({line id: text}, the empty ones left out, in the set's order).
    Refused, naming the leaf: a key that is no leaf of the assessment (`unknown_line`), a question on a leaf not
    chosen (`question_not_flagged`), one too long or with hidden characters."""
    by_id = {line.pk: line for line in lines}
    wanted: dict[int, Any] = {}
    for key, value in raw.items():
        number = posted_id(key) if not isinstance(key, bool) else None
        if number is None or number not in by_id:
            raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line", details={"field": "questions"})
        wanted[number] = value
    chosen_ids = {line.pk for line in chosen}
    asked: dict[str, str] = {}
    for line in lines:
        if line.pk not in wanted:
            continue
        code = line.indicator.code
        try:
            text = user_text(wanted[line.pk], limit=QUESTION_LIMIT, field="questions")
        except ValidationFailed as exc:
            problem = (MSG_QUESTION_TOO_LONG % {"code": code, "n": len(str(wanted[line.pk]).strip()),
                                                "limit": QUESTION_LIMIT}
                       if exc.code == "too_long" else _("Câu hỏi cho tiêu chí %(code)s: %(problem)s")
                       % {"code": code, "problem": exc.message})
            raise ValidationFailed(problem, code="question_invalid", details=[
                LeafProblem(code, line_id=line.pk, kind="question_invalid", message=problem)]) from None
        if not text:
            continue
        if line.pk not in chosen_ids:
            problem = str(MSG_QUESTION_NOT_FLAGGED % {"code": code})
            raise ValidationFailed(problem, code="question_not_flagged", details=[
                LeafProblem(code, line_id=line.pk, kind="question_not_flagged", message=problem)])
        asked[str(line.pk)] = text
    return asked


def _documents(raw: Iterable[Any], lines: list[ScoreLine], chosen: list[ScoreLine]) -> list[int]:
    """The chosen leaves asked for documents, as stored (line ids, in the set's order). Refused: a value that is no
    leaf of the assessment (`unknown_line`), a leaf not chosen (`documents_not_flagged`, naming it)."""
    wanted = _leaf_ids(raw)
    by_id = {line.pk: line for line in lines}
    if any(number not in by_id for number in wanted):
        raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line", details={"field": "documents"})
    chosen_ids = {line.pk for line in chosen}
    for line in lines:
        if line.pk in wanted and line.pk not in chosen_ids:
            problem = str(MSG_DOCUMENTS_NOT_FLAGGED % {"code": line.indicator.code})
            raise ValidationFailed(problem, code="documents_not_flagged", details=[
                LeafProblem(line.indicator.code, line_id=line.pk, kind="documents_not_flagged", message=problem)])
    return [line.pk for line in chosen if line.pk in wanted]


def _undecided_by_area(assessment: Assessment, lines: Iterable[ScoreLine]) -> list[tuple[Indicator, int, int]]:
    """(area, leaves the team has not decided, leaves) for each area of the assessment's set with undecided leaves,
    in the set's order (`line_decided`: what the progress counts and sign-off requires). One query (the set's
    tree)."""
    tree = set_tree(assessment.indicator_set_id)
    counts = {area.pk: [0, 0] for area in tree.areas}
    for line in lines:
        count = counts[tree.area_of[line.indicator_id]]
        count[0] += not line_decided(line, assessment.state)
        count[1] += 1
    return [(area, counts[area.pk][0], counts[area.pk][1]) for area in tree.areas if counts[area.pk][0]]


def _refuse_undecided(assessment: Assessment, lines: list[ScoreLine]) -> None:
    areas = _undecided_by_area(assessment, lines)
    if areas:
        undecided = sum(n for _area, n, _total in areas)
        named = "; ".join(_("%(code)s. %(name)s: %(n)s/%(total)s tiêu chí")
                          % {"code": area.code, "name": area.name, "n": n, "total": total} for area, n, total in areas)
        raise ValidationFailed(_undecided_not_confirmed(undecided, len(lines), named),
                               code="undecided_not_confirmed", details={"field": "confirm_undecided"})


def _explaining_line(line: ScoreLine) -> tuple[ScoreLine, Assessment]:
    """The line and its assessment, both locked: the assessment first, as every writer of its lines and its state
    takes it (a resubmission, the lead's decisions, an agreement with every remaining leaf), so that none of them
    runs on a state or an explanation another is changing."""
    assessment = _lock(line.assessment_id)
    fresh = ScoreLine.objects.select_for_update(of=("self",)).select_related("indicator").get(pk=line.pk)
    fresh.assessment = assessment
    return fresh, assessment


def _refuse_unless_explaining(line: ScoreLine, assessment: Assessment) -> None:
    """The leaf is flagged in the open round, before its deadline."""
    if assessment.state != Assessment.State.EXPLANATION and line.explanation_requested:
        # Flags stay on the leaves of the last round once it has ended (resubmitted or closed by the lead).
        raise StateConflict(MSG_ROUND_ENDED, code="round_ended")
    if not line.explanation_requested:
        raise StateConflict(MSG_NOT_FLAGGED, code="not_flagged")
    if assessment.explanation_deadline and timezone.now() > assessment.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")


def _current_round(assessment: Assessment) -> ExplanationRound | None:
    return ExplanationRound.objects.filter(assessment=assessment, round=assessment.appraisal_round).first()


def _write_explanation(
    line: ScoreLine, assessment: Assessment, actor: Any, text: str, current: ExplanationRound | None
) -> ScoreLine:
    """Store the unit's explanation of the leaf: its answer of the round, in place of an agreement given in it."""
    old = line.explanation
    line.explanation = text
    line.version += 1
    line.updated_by = actor if getattr(actor, "pk", None) else None
    line.save(update_fields=["explanation", "version", "updated_by", "updated_at"])
    Assessment.objects.filter(pk=assessment.pk).update(version=F("version") + 1)
    changes: dict[str, Any] = {"explanation": {"old": old, "new": text}}
    if current is not None and agreed_in_round(line, current):
        _set_agreed(current, remove=[line.pk])
        changes["agreed"] = {"old": True, "new": False}
    audit_record(
        actor=actor, action="score_line.explain", object_type="ScoreLine", object_id=line.pk,
        unit=assessment.unit, assessment=assessment, changes=changes,
    )
    return line


def _set_agreed(current: ExplanationRound, *, add: Iterable[int] = (), remove: Iterable[int] = ()) -> None:
    """The round's agreements (`ExplanationRound.agreed_lines`) with `add` given and `remove` withdrawn; its writers
    hold the assessment's lock, so none of them overwrites another's."""
    gone = set(remove)
    agreed = [pk for pk in current.agreed_lines or [] if pk not in gone]
    agreed += [pk for pk in add if pk not in agreed]
    current.agreed_lines = agreed
    ExplanationRound.objects.filter(pk=current.pk).update(agreed_lines=agreed)


def _agreement_changes(line: ScoreLine, restored: str) -> dict[str, Any]:
    """An agreement as audited: the answer given, and the text of the round put back (an explanation written in the
    round gives way to the agreement: the leaf's text is again the one it had when the round began)."""
    changes: dict[str, Any] = {"agreed": {"old": False, "new": True}}
    if restored != line.explanation:
        changes["explanation"] = {"old": line.explanation, "new": restored}
    return changes


def _text_at_start(line: ScoreLine, current: ExplanationRound) -> str:
    """The leaf's text when the round began (a round begun before they were recorded: the text it has)."""
    return str((current.explanations_at_start or {}).get(str(line.pk), line.explanation))


@transaction.atomic
def line_explain(*, line: ScoreLine, actor: Any, base_version: int, explanation: str) -> ScoreLine:
    """The unit's explanation of one flagged leaf during its explanation round (before the deadline): its answer of
    the round, replacing the agreement given in the round if any (audited with it).

    An explanation equal to the one stored is answered as saved with the stored leaf, writing nothing and recording
    nothing, even from a stale version: a save whose answer was lost, sent again, is no conflict with itself.

    On a leaf the round asks documents of (`documents_asked`) the text is the unit's optional note beside its
    documents: an empty one (or the text of before the round) is no note, and puts the leaf's text of before the
    round back (an agreement given in the round withdrawn with it, the documents then the answer)."""
    fresh, assessment = _explaining_line(line)
    _refuse_if_withdrawn(assessment)
    if fresh.version != base_version:
        if _stored_already(fresh, explanation):
            return fresh
        raise StaleVersion(MSG_EXPLANATION_STALE, details=fresh)
    _refuse_unless_explaining(fresh, assessment)
    text = _nfc(explanation, field="explanation")
    current = _current_round(assessment)
    at_start = current.explanations_at_start if current is not None else {}
    if current is not None and documents_asked(fresh, current) and (
            not text or (str(fresh.pk) in at_start and text == at_start[str(fresh.pk)].strip())):
        restored = _text_at_start(fresh, current)
        if restored == fresh.explanation and not agreed_in_round(fresh, current):
            return fresh
        return _write_explanation(fresh, assessment, actor, restored, current)
    if not text:
        raise ValidationFailed(MSG_EXPLANATION_REQUIRED, code="explanation_required", details={"field": "explanation"})
    if str(fresh.pk) in at_start and text == at_start[str(fresh.pk)].strip():
        raise ValidationFailed(MSG_EXPLANATION_UNCHANGED, code="explanation_unchanged",
                               details={"field": "explanation"})
    if text == fresh.explanation and not agreed_in_round(fresh, current):  # nothing to change: no version, no audit
        return fresh
    return _write_explanation(fresh, assessment, actor, text, current)


@transaction.atomic
def line_agree(*, line: ScoreLine, actor: Any, base_version: int) -> ScoreLine:
    """The unit agrees with the team's appraisal of one flagged leaf (before the round's deadline): its answer for
    the leaf, no text needed. Recorded in the round (`ExplanationRound.agreed_lines`); an explanation written in the
    round gives way to it (the leaf's text is again the one it had when the round began). A new version of the line
    and of the assessment, audited (`score_line.agree`). Agreeing again, even from a stale version (an answer lost),
    writes nothing."""
    fresh, assessment = _explaining_line(line)
    _refuse_if_withdrawn(assessment)
    current = _current_round(assessment)
    if assessment.state == Assessment.State.EXPLANATION and agreed_in_round(fresh, current):
        return fresh
    if fresh.version != base_version:
        raise StaleVersion(MSG_EXPLANATION_STALE, details=fresh)
    _refuse_unless_explaining(fresh, assessment)
    if current is None:  # a round in progress always has its record; said as for no round, never written around
        raise StateConflict(MSG_NO_OPEN_ROUND % {"state": assessment.get_state_display()}, code="not_explaining")
    if not agreeable(fresh):
        raise ValidationFailed(MSG_NOTHING_TO_AGREE_WITH % {"code": fresh.indicator.code}, code="not_appraised",
                               details={"field": "agree"})
    restored = _text_at_start(fresh, current)
    changes = _agreement_changes(fresh, restored)
    fresh.explanation = restored
    fresh.version += 1
    fresh.updated_by = actor if getattr(actor, "pk", None) else None
    fresh.save(update_fields=["explanation", "version", "updated_by", "updated_at"])
    _set_agreed(current, add=[fresh.pk])
    Assessment.objects.filter(pk=assessment.pk).update(version=F("version") + 1)
    audit_record(
        actor=actor, action=AGREE_ACTION, object_type="ScoreLine", object_id=fresh.pk,
        unit=assessment.unit, assessment=assessment, changes=changes,
    )
    return fresh


@transaction.atomic
def explanation_agree_remaining(*, assessment: Assessment, actor: Any) -> list[ScoreLine]:
    """The unit agrees with the team's appraisal of every flagged leaf it has not answered yet in the open round
    (no explanation written in it, no agreement given in it), before the deadline: as `line_agree` for each of them,
    each audited on its own. The leaves explained in the round are left as they are, and so are those without a
    result of the team (`agreeable`), which need an explanation. Refused when none is left. Returns the lines
    agreed."""
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.EXPLANATION:
        _refuse_no_open_round(locked)
    if locked.explanation_deadline and timezone.now() > locked.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    current = _current_round(locked)
    if current is None:
        raise StateConflict(MSG_NO_OPEN_ROUND % {"state": locked.get_state_display()}, code="not_explaining")
    flagged = locked.lines.filter(explanation_requested=True).select_related("indicator").order_by("indicator__order")
    documented = documented_in_round(current)
    unanswered = [line for line in flagged if not answered_in_round(line, current, documented)]
    remaining = [line for line in unanswered if agreeable(line)]
    if not remaining:
        if unanswered:  # only leaves without a result are left: each needs its explanation
            raise StateConflict(_only_undecided_left(len(unanswered)), code="nothing_to_agree")
        raise StateConflict(MSG_NOTHING_TO_AGREE, code="nothing_to_agree")
    by = actor if getattr(actor, "pk", None) else None
    now = timezone.now()
    entries: list[AuditFields] = []
    for line in remaining:
        restored = _text_at_start(line, current)
        entries.append({
            "action": AGREE_ACTION, "object_type": "ScoreLine", "object_id": line.pk, "unit": locked.unit,
            "assessment": locked, "changes": _agreement_changes(line, restored),
        })
        line.explanation = restored
        line.version += 1
        line.updated_by = by
        line.updated_at = now  # not set by a bulk update; the queue's «giải trình mới» compares it
    ScoreLine.objects.bulk_update(remaining, ["explanation", "version", "updated_by", "updated_at"])
    _set_agreed(current, add=[line.pk for line in remaining])
    Assessment.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    audit_records(actor=actor, entries=entries)
    return remaining


def _stored_already(line: ScoreLine, explanation: Any) -> bool:
    """Whether `explanation`, as it would be stored, is the explanation the unit saved for the leaf in this round:
    the stored one, when it is not the one the round started with (that one was never saved in the round: sent
    again it is refused as unchanged). Text that would be refused is not."""
    try:
        text = _nfc(explanation, field="explanation")
    except ValidationFailed:
        return False
    if not text or text != line.explanation:
        return False
    assessment = line.assessment
    current = ExplanationRound.objects.filter(assessment=assessment, round=assessment.appraisal_round).first()
    if agreed_in_round(line, current):  # agreed since (another tab): the text is not this round's answer
        return False
    at_start = current.explanations_at_start if current is not None else {}
    return not (str(line.pk) in at_start and text == at_start[str(line.pk)].strip())


def _end_explanation(
    locked: Assessment, actor: Any, *, resubmitted: bool, reason: str = "", at: datetime | None = None
) -> Assessment:
    """End the open round (`at`: when, now by default) and move to the next stored round."""
    round_no = locked.appraisal_round
    flagged = list(locked.lines.filter(explanation_requested=True))
    _snapshot(assessment=locked, stage=LineHistory.Stage.EXPLANATION, round_no=round_no, actor=actor, lines=flagged)
    Assessment.objects.filter(pk=locked.pk).update(appraisal_round=F("appraisal_round") + 1)
    audit_record(
        actor=actor, action="assessment.round", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, changes={"appraisal_round": {"old": round_no, "new": round_no + 1}},
        reason=reason,
    )
    back = assessment_transition(assessment=locked, to_state=Assessment.State.IN_APPRAISAL, actor=actor, reason=reason)
    now = at or timezone.now()
    ended = {"resubmitted_at": now, "resubmitted_by": actor} if resubmitted else {"closed_at": now, "closed_by": actor}
    ExplanationRound.objects.filter(assessment=locked, round=round_no).update(**ended)
    return back


def _refuse_no_open_round(locked: Assessment) -> None:
    """The unit sends explanations while no round is open: say why (already sent, withdrawn by the team, the round
    closed, none asked)."""
    _refuse_if_withdrawn(locked)
    last = ExplanationRound.objects.filter(assessment=locked).order_by("-round").first()
    if last is not None and last.resubmitted_at is not None:
        at = local_moment(last.resubmitted_at, time_first=True)
        raise StateConflict(MSG_ALREADY_RESUBMITTED % {"at": at}, code="already_resubmitted")
    if last is not None and last.closed_at is not None:
        raise StateConflict(MSG_ROUND_ENDED, code="round_ended")
    raise StateConflict(MSG_NO_OPEN_ROUND % {"state": locked.get_state_display()}, code="not_explaining")


@transaction.atomic
def explanation_resubmit(*, assessment: Assessment, actor: Any) -> Assessment:
    """The unit sends its explanations back: explanation → in_appraisal, round + 1; the team is e-mailed.

    Every flagged leaf needs its answer of the round: an explanation (on a leaf asked for documents, a document
    linked in the round), or the unit's agreement (`line_agree`); after the deadline the lead closes the round
    instead.
    """
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.EXPLANATION:
        _refuse_no_open_round(locked)
    if locked.explanation_deadline and timezone.now() > locked.explanation_deadline:
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    current = ExplanationRound.objects.filter(assessment=locked, round=locked.appraisal_round).first()
    flagged = locked.lines.filter(explanation_requested=True).select_related("indicator").order_by("indicator__order")
    answered_by_documents = documented_in_round(current)
    unanswered = [line for line in flagged if not answered_in_round(line, current, answered_by_documents)]
    # a leaf whose only answer is a document added in this round: said so, the unit thought it had answered
    documented = set(ScoreLine.objects.filter(
        pk__in=[line.pk for line in unanswered], evidence_links__explanation_round=locked.appraisal_round,
    ).values_list("pk", flat=True)) if unanswered else set()
    missing = [LeafProblem(line.indicator.code, line_id=line.pk, kind="explanations_missing",
                           message=_unanswered_why(line, current, documented)) for line in unanswered]
    if missing:
        asks_documents = current is not None and bool(current.documents_requested)
        raise ValidationFailed(_answers_missing(len(missing)) if asks_documents
                               else MSG_EXPLANATIONS_MISSING % {"n": len(missing)}, code="explanations_missing",
                               details=missing)
    flagged_lines = list(flagged)
    agreed = {int(pk) for pk in (current.agreed_lines if current is not None else []) or []}
    back = _end_explanation(locked, actor, resubmitted=True)
    # the e-mail names the appraisal round that starts, as numbered for people (withdrawn rounds not counted), and
    # the leaves answered; it goes to those who appraise them (and the leads), not to the whole team of the set
    notify(kind=Notification.Kind.RESUBMITTED, assessment=back,
           recipients=team_for(back, leaf_ids=[line.indicator_id for line in flagged_lines]),
           context={"round_shown": appraisal_round_shown(back), "answered": len(flagged_lines),
                    "explained": [line.indicator.code for line in flagged_lines
                                  if line.pk not in agreed and line.pk not in answered_by_documents],
                    "documented": [line.indicator.code for line in flagged_lines
                                   if line.pk not in agreed and line.pk in answered_by_documents],
                    "agreed": [line.indicator.code for line in flagged_lines if line.pk in agreed]})
    return back


def _unanswered_why(line: ScoreLine, current: ExplanationRound | None, documented: set[int]) -> str:
    """Why a flagged leaf is not answered yet, as the refused resubmission says it beside the leaf. `documented`:
    the leaves a document was linked to in the round."""
    if documents_asked(line, current):
        return _("Được đề nghị bổ sung tài liệu kiểm chứng nhưng chưa bổ sung tài liệu nào trong vòng này, chưa giải "
                 "trình vì sao không có, cũng chưa chọn «Đồng ý với kết quả thẩm định».")
    if line.pk in documented:
        return _("Đã bổ sung tài liệu kiểm chứng nhưng chưa có nội dung giải trình: hãy ghi giải trình (có thể nêu "
                 "tài liệu đã bổ sung) hoặc chọn «Đồng ý với kết quả thẩm định».")
    return _("Chưa giải trình, cũng chưa chọn «Đồng ý với kết quả thẩm định», trong vòng này.")


def explanation_overdue(assessment: Assessment, *, now: datetime | None = None) -> bool:
    """The assessment is in an explanation round the lead may close: its deadline (if any) has passed (at `now`,
    by default the present)."""
    deadline = assessment.explanation_deadline
    now = now or timezone.now()
    return assessment.state == Assessment.State.EXPLANATION and (deadline is None or now > deadline)


@transaction.atomic
def explanation_close(*, assessment: Assessment, actor: Any, reason: str = "") -> Assessment:
    """The lead ends an explanation round whose deadline has passed without a resubmission. The unit's people are
    e-mailed (after commit) that the round is over, which leaves were answered (those asked for documents and
    answered with one named apart), and that the team appraises on with
    the answers saved."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    if locked.state != Assessment.State.EXPLANATION:
        raise StateConflict(MSG_NO_OPEN_ROUND % {"state": locked.get_state_display()}, code="not_explaining")
    if not explanation_overdue(locked):
        raise StateConflict(MSG_DEADLINE_NOT_PASSED, code="deadline_not_passed")
    current = ExplanationRound.objects.filter(assessment=locked, round=locked.appraisal_round).first()
    flagged = list(locked.lines.filter(explanation_requested=True).select_related("indicator")
                   .order_by("indicator__order"))
    documented = documented_in_round(current)
    answered = [line.indicator.code for line in flagged if answered_in_round(line, current, documented)]
    unanswered = [line.indicator.code for line in flagged if line.indicator.code not in answered]
    # a leaf asked for documents and answered with one is named as such, not as explained
    by_documents = [line.indicator.code for line in flagged if line.pk in documented
                    and documents_asked(line, current) and not agreed_in_round(line, current)]
    text = _nfc(reason)
    back = _end_explanation(locked, actor, resubmitted=False, reason=text or _("Hết hạn giải trình."))
    # the unit learns that it can no longer answer and what the team goes on with (as a withdrawal tells it)
    notify(
        kind=Notification.Kind.EXPLANATION_CLOSED, assessment=back, recipients=unit_people(back.unit_id),
        context={"round": current, "reason": text, "unanswered": unanswered,
                 "answered": [code for code in answered if code not in by_documents], "documented": by_documents},
    )
    return back


def _open_round_locked(assessment: Assessment, actor: Any) -> tuple[Assessment, ExplanationRound]:
    """The assessment locked and its open round; refused to a person of its unit (`refuse_own_unit`), and (the
    state named) when no round is open, so a second click of the same decision, checked under the lock, changes
    nothing."""
    locked = _lock(assessment.pk)
    refuse_own_unit(actor, locked)
    current = None
    if locked.state == Assessment.State.EXPLANATION:
        current = ExplanationRound.objects.filter(assessment=locked, round=locked.appraisal_round).first()
    if current is None:
        raise StateConflict(MSG_NO_OPEN_ROUND % {"state": locked.get_state_display()}, code="not_explaining")
    return locked, current


def _required_reason(reason: Any, message: Any) -> str:
    text = _nfc(reason, field="reason")
    if not text:
        raise ValidationFailed(message, code="reason_required", details={"field": "reason"})
    return text


@transaction.atomic
def explanation_withdraw(*, assessment: Assessment, actor: Any, reason: str) -> Assessment:
    """The lead withdraws the open explanation round before its deadline (requested by mistake, or nobody at
    the unit can resubmit): explanation → in_appraisal, round + 1, as a round the lead closes.

    The round stays in the history, ended by the lead before its deadline (closed_at < deadline tells a
    withdrawn round from one closed when overdue) with the reason in the audit log. Explanations already
    written stay on their leaves; the leaves answered in this round (explained, or agreed with) keep their flag and
    their answer is recorded for the round (LineHistory, `agreed_lines`), as a resubmission records it; the other
    leaves are unflagged, as
    if never asked. The unit's people are e-mailed (after commit; a refused or rolled-back withdrawal sends
    nothing) that the round was withdrawn, why, and that they need do nothing more: the appraisal goes on and
    the explanations written are kept (the unit's page says so too).
    """
    locked, current = _open_round_locked(assessment, actor)
    # The round ends at the moment checked here, never after its deadline: a round ended by the team no later than
    # its deadline is a withdrawn one (`ExplanationRound.withdrawn`), one it closes is overdue.
    now = timezone.now()
    if explanation_overdue(locked, now=now):
        raise StateConflict(MSG_WITHDRAW_OVERDUE, code="deadline_passed")
    text = _required_reason(reason, MSG_REASON_FOR_WITHDRAW)
    flagged = list(locked.lines.filter(explanation_requested=True).select_related("indicator")
                   .order_by("indicator__order"))
    documented = documented_in_round(current)
    kept = [line for line in flagged if answered_in_round(line, current, documented)]
    dropped = [line for line in flagged if line not in kept]
    ScoreLine.objects.filter(pk__in=[line.pk for line in dropped]).update(explanation_requested=False)
    audit_record(
        actor=actor, action=WITHDRAW_ACTION, object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, reason=text,
        changes={
            "explanation_requested": {"old": [line.indicator.code for line in flagged],
                                      "new": [line.indicator.code for line in kept]},
        },
    )
    back = _end_explanation(locked, actor, resubmitted=False, reason=text, at=now)
    notify(
        kind=Notification.Kind.EXPLANATION_WITHDRAWN, assessment=back, recipients=unit_people(back.unit_id),
        context={"round": current, "reason": text, "kept": [line.indicator.code for line in kept]},
    )
    return back


@transaction.atomic
def explanation_deadline_change(
    *, assessment: Assessment, actor: Any, deadline: datetime, reason: str
) -> ExplanationRound:
    """The lead moves the open round's deadline (shortens it, or gives more time, also once it has passed),
    never into the past nor beyond the cycle's limits. Side effects: the round's and the assessment's deadline,
    an audit entry with the reason, and an e-mail to the unit's people stating the new deadline (after commit).
    """
    locked, current = _open_round_locked(assessment, actor)
    text = _required_reason(reason, MSG_REASON_FOR_DEADLINE_CHANGE)
    if deadline <= timezone.now():
        raise ValidationFailed(MSG_DEADLINE_IN_PAST, code="deadline_in_past", details={"field": "deadline"})
    _check_deadline_within_cycle(locked.cycle, deadline)
    old = locked.explanation_deadline
    if old is not None and deadline == old:
        raise ValidationFailed(MSG_DEADLINE_UNCHANGED % {"date": local_day(deadline)}, code="deadline_unchanged",
                               details={"field": "deadline"})
    Assessment.objects.filter(pk=locked.pk).update(explanation_deadline=deadline, version=F("version") + 1)
    ExplanationRound.objects.filter(pk=current.pk).update(deadline=deadline)
    current.deadline = deadline
    locked.explanation_deadline = deadline
    audit_record(
        actor=actor, action="assessment.explanation_deadline", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, reason=text,
        changes={"explanation_deadline": {"old": old.isoformat() if old else None, "new": deadline.isoformat()}},
    )
    # The reminder's e-mail says the deadline and that nothing can be added after it: what the unit must know.
    notify(
        kind=Notification.Kind.EXPLANATION_REMINDER, assessment=locked, recipients=unit_people(locked.unit_id),
        context={"deadline": deadline},
    )
    return current
