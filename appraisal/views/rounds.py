"""The lead's and the administrator's decisions: return for explanation, close a round, sign off, reopen."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from appraisal import forms, permissions, selectors, services
from appraisal.selectors.explanation import round_answers_so_far
from appraisal.selectors.review import Review, line_area_code
from appraisal.selectors.rounds import decided_since_last_request, round_number
from appraisal.services.common import MSG_NOT_APPRAISING
from appraisal.services.signoff import (
    CHANGED_SINCE_SEEN,
    assessment_reopen_blocker,
    assessment_reopen_state_blocker,
)
from appraisal.views._common import (
    DETAILS_SHOWN,
    answers_json,
    domain_error,
    domain_error_text,
    review_page,
    review_params,
    review_url,
    wants_json,
    with_params,
)
from appraisal.views.review import review_context
from scoring.errors import DomainError, StateConflict
from scoring.models import Assessment, Indicator, ScoreLine
from scoring.publication.selectors import latest_revision
from scoring.templatetags.scoring_tags import dmy
from scoring.views._common import lands_on

# the refusals of a reopen that no reason would change: said without the form
REOPEN_BLOCKED = frozenset({"not_signed_off", "unit_inactive", "unit_merged"})
QUESTION_PREFIX = "question-"  # the request page's field of the team's question on one leaf
DOCUMENTS_PREFIX = "documents-"  # the id of the request page's box asking documents of one leaf (field `documents`)


def _review_page(assessment_id: int) -> str:
    """Where a login whose ``next`` is a POST-only decision lands: the review page."""
    return review_page(assessment_id)


@require_http_methods(["GET", "POST"])
@login_required
@answers_json
def request_explanation(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The lead returns the assessment, or chosen leaves, to the unit for explanation with a deadline, with a
    question on any leaf (optional) and a general one; on any chosen leaf the lead may ask for evidence documents
    («Bổ sung tài liệu kiểm chứng», field `documents`) instead of an explanation. The page says which chosen leaves
    need a question (no appraisal with a reason) and how many leaves, in which areas, the team has not decided yet:
    going ahead with those is confirmed on the form. A refused request comes back with what was typed."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    error = None
    chosen: set[int] = set()
    deadline_raw = forms.default_deadline_date().isoformat()
    message = ""
    whole = False
    questions: dict[str, str] = {}
    documents: set[int] = set()
    if request.method == "POST":
        whole = request.POST.get("all") == "1"
        chosen = set(forms.ids_of(request.POST.getlist("lines")))
        deadline_raw = request.POST.get("deadline", "")
        message = request.POST.get("message", "")
        # each leaf's question (`question-<line id>`): optional, the empty ones are left out by the service
        questions = {key.removeprefix(QUESTION_PREFIX): value for key, value in request.POST.items()
                     if key.startswith(QUESTION_PREFIX)}
        documents = set(forms.ids_of(request.POST.getlist("documents")))
        try:
            line_ids = None if whole else forms.line_ids_of(request.POST.getlist("lines"))
            documents_asked = forms.line_ids_of(request.POST.getlist("documents"))
            deadline = forms.deadline_from_post(deadline_raw)
            services.explanation_request(
                assessment=assessment, actor=request.user, deadline=deadline, line_ids=line_ids, message=message,
                questions=questions, documents=documents_asked, require_questions=True,
                undecided_ok=request.POST.get("confirm_undecided") == "1",
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Đã trả bản đánh giá cho đơn vị giải trình."))
            return redirect(review_url(request, assessment.pk))
    if assessment.state == Assessment.State.EXPLANATION:
        return _round_page(request, assessment, error=error)
    if assessment.state not in services.APPRAISING_STATES:
        # a draft or a signed-off assessment is not returned for explanation: said at once, with no form to fill
        refusal = error or StateConflict(MSG_NOT_APPRAISING % {"state": assessment.get_state_display()},
                                         code="not_appraising")
        return render(request, "appraisal/request_explanation.html",
                      {"assessment": assessment, "error": refusal, "blocked": True,
                       "next": review_url(request, assessment.pk)},
                      status=refusal.status if request.method == "POST" else 200)
    data = selectors.review(assessment=assessment, allowed=None, writable=False)
    noted = {row.line.pk: row.line.appraised_note.strip() for area in data.areas for row in area.lines
             if row.done and not row.differs and row.line.appraised_note.strip()}
    # asked before (a round ended, or a reopen): only what the team decided since is new to ask about
    since = decided_since_last_request(assessment=assessment)
    if since is not None:
        noted = {pk: note for pk, note in noted.items() if pk in since.line_ids}
    # ticked by default: the leaves scored against the unit (`_against_unit`), and, an appraiser's note on a leaf
    # kept at its self-score being a question for the unit (the score unchanged, the leaf reads as decided), those
    # with one, the note as its question; not those the team raised, which the unit would only have to agree with.
    # Each row says why it is ticked, or not.
    lowered = {row.line.pk for area in data.areas for row in area.lines if row.differs and _against_unit(row)
               and (since is None or row.line.pk in since.line_ids)}
    # marked by default «Bổ sung tài liệu kiểm chứng»: the leaves ticked whose evidence is required and missing (the
    # review page's «thiếu tài liệu»): what the unit has to send there is the document; the lead may untick it
    premarked: set[int] = set()
    if request.method == "GET":
        chosen = lowered | set(noted)
        questions = {str(pk): note for pk, note in noted.items()}
        premarked = {row.line.pk for area in data.areas for row in area.lines
                     if row.line.pk in chosen and row.evidence_missing}
        documents = set(premarked)
    for area in data.areas:
        for row in area.lines:
            row.asked = questions.get(str(row.line.pk), "")  # type: ignore[attr-defined]
            row.prefill_why = _prefill_why(row, lowered, noted)  # type: ignore[attr-defined]
            row.documents_why = (  # type: ignore[attr-defined]
                _("Đánh dấu sẵn «Bổ sung tài liệu kiểm chứng»: tiêu chí cần tài liệu kiểm chứng mà đơn vị chưa gửi.")
                if row.line.pk in premarked else "")
    # the leaves a refusal names (those without a reason when the request has no question): listed and marked
    problems = error.details if error is not None and isinstance(error.details, list) else []
    named = [str(problem) for problem in problems]
    return render(
        request,
        "appraisal/request_explanation.html",
        {"assessment": assessment, "review": data, "chosen": chosen, "documents": documents,
         "deadline": forms.date_input_value(deadline_raw),
         "message": message, "whole": whole, "error": error, "next": review_url(request, assessment.pk),
         "error_leaves": named[:DETAILS_SHOWN], "error_more": max(len(named) - DETAILS_SHOWN, 0),
         "unasked": {getattr(problem, "line_id", None) for problem in problems},
         "undecided": _undecided(data), "since": since, "error_target": _error_target(error)},
        status=error.status if error else 200,
    )


def _error_target(error: DomainError | None) -> dict[str, str] | None:
    """Where the request page's refusal links to, the place to put it right: the list of leaves when none was
    chosen, the field named, the question of the leaf named. None: the refusal has its own link, or no place."""
    if error is None:
        return None
    if error.code == "nothing_flagged":
        return {"id": "flag-lines", "label": _("Đến danh sách tiêu chí")}
    field = error.details.get("field") if isinstance(error.details, dict) else None
    if error.code == "question_required" or field == "message":
        return {"id": "message", "label": _("Đến ô «Nội dung yêu cầu»")}
    if field == "deadline":
        return {"id": "deadline", "label": _("Đến ô «Hạn giải trình»")}
    problems = error.details if isinstance(error.details, list) else []
    line_id = getattr(problems[0], "line_id", None) if problems else None
    if line_id is not None and error.code.startswith("question_"):
        return {"id": f"{QUESTION_PREFIX}{line_id}", "label": _("Đến câu hỏi của tiêu chí %(code)s")
                % {"code": problems[0]}}
    if line_id is not None and error.code == "documents_not_flagged":
        return {"id": f"flag-{line_id}", "label": _("Đến tiêu chí %(code)s") % {"code": problems[0]}}
    return None


def _against_unit(row: Any) -> bool:
    """A leaf the team scored against the unit: lower than its self-score, or for a penalty leaf (stored positive,
    the points deducted) higher; a «không phát sinh» the team overruled with a score, whatever it is. No query."""
    line = row.line
    if line.appraised_score is None:
        return False
    if line.self_score is None:
        return True
    if row.indicator.kind == Indicator.Kind.PENALTY:
        return bool(line.appraised_score > line.self_score)
    return bool(line.appraised_score < line.self_score)


def _prefill_why(row: Any, lowered: set[int], noted: dict[int, str]) -> str:
    """Why the request form ticks a leaf by default, or leaves a changed one unticked, in words; empty for a leaf
    it says nothing about."""
    pk = row.line.pk
    penalty = row.indicator.kind == Indicator.Kind.PENALTY
    if pk in lowered:
        return _("Chọn sẵn: Tổ thẩm định trừ nhiều hơn đơn vị tự chấm.") if penalty else _(
            "Chọn sẵn: điểm thẩm định thấp hơn điểm tự chấm.")
    if pk in noted:
        return _("Chọn sẵn: giữ điểm tự chấm, có ghi chú của Tổ thẩm định (câu hỏi cho đơn vị).")
    if row.differs and not _against_unit(row):
        return _("Không chọn sẵn: Tổ thẩm định trừ ít hơn đơn vị tự chấm.") if penalty else _(
            "Không chọn sẵn: điểm thẩm định cao hơn điểm tự chấm, có lợi cho đơn vị.")
    return ""


def _undecided(data: Review) -> dict[str, Any]:
    """The leaves the team has not decided yet, as the request page says them: how many of all, and per area."""
    areas = [(area.area, area.total - area.done, area.total) for area in data.areas if area.done < area.total]
    return {"count": data.total - data.done, "total": data.total, "areas": areas}


def _round_page(
    request: HttpRequest, assessment: Assessment, *, error: DomainError | None = None, form: str = "",
    deadline_raw: str | None = None, reason: str = "",
) -> HttpResponse:
    """The open round as the lead sees it at the request's address: change its deadline, withdraw it, or close
    it once overdue. A refused decision comes back here with what was typed (``form`` names the one sent)."""
    open_round = selectors.open_round(assessment=assessment)
    asked: list[tuple[str, str]] = []
    answers: list[Any] = []
    if open_round is not None:
        # each flagged leaf: what the round asks there, and the unit's answer so far
        answers = round_answers_so_far(assessment=assessment, explanation_round=open_round)
        open_round.number = round_number(open_round)  # type: ignore[attr-defined]
        # the team's questions on the leaves, in the set's order
        questions = open_round.questions or {}
        if questions:
            asked = [(code, questions[str(pk)]) for pk, code in ScoreLine.objects.filter(
                assessment=assessment, pk__in=[int(key) for key in questions]
            ).order_by("indicator__order").values_list("pk", "indicator__code")]
    if deadline_raw is None:
        current = assessment.explanation_deadline
        deadline_raw = timezone.localtime(current).date().isoformat() if current else ""
    return render(
        request,
        "appraisal/request_explanation.html",
        {"assessment": assessment, "open_round": open_round, "asked": asked, "answers": answers,
         "answered": sum(1 for answer in answers if answer.answer),
         "overdue": services.explanation_overdue(assessment),
         "error": error, "form": form, "deadline": forms.date_input_value(deadline_raw), "reason": reason,
         "next": review_url(request, assessment.pk)},
        status=error.status if error else 200,
    )


@lands_on(_review_page)
@login_required
@require_POST
@answers_json
def withdraw_explanation(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The lead withdraws the open explanation round before its deadline, with a reason."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    reason = request.POST.get("reason", "")
    try:
        services.explanation_withdraw(assessment=assessment, actor=request.user, reason=reason)
    except DomainError as exc:
        fresh = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
        if fresh.state != Assessment.State.EXPLANATION:  # already withdrawn or ended: say so on the review page
            return domain_error(request, exc, review_url(request, fresh.pk))
        return _round_page(request, fresh, error=exc, form="withdraw", reason=reason)
    messages.success(request, _("Đã rút lại yêu cầu giải trình; bản đánh giá trở lại «Đang thẩm định»."))
    return redirect(review_url(request, assessment.pk))


@lands_on(_review_page)
@login_required
@require_POST
@answers_json
def change_explanation_deadline(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The lead moves the open round's deadline (not into the past), with a reason; the unit is e-mailed."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    deadline_raw = request.POST.get("deadline", "")
    reason = request.POST.get("reason", "")
    try:
        deadline = forms.deadline_from_post(deadline_raw)
        services.explanation_deadline_change(
            assessment=assessment, actor=request.user, deadline=deadline, reason=reason,
        )
    except DomainError as exc:
        fresh = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
        if fresh.state != Assessment.State.EXPLANATION:
            return domain_error(request, exc, review_url(request, fresh.pk))
        return _round_page(request, fresh, error=exc, form="deadline", deadline_raw=deadline_raw, reason=reason)
    day = timezone.localtime(deadline).date()
    messages.success(request, _("Đã đổi hạn giải trình thành ngày %(date)s.") % {"date": dmy(day)})
    return redirect(review_url(request, assessment.pk))


@lands_on(_review_page)
@login_required
@require_POST
@answers_json
def close_explanation(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The lead ends an explanation round whose deadline passed without the unit's resubmission."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    try:
        services.explanation_close(assessment=assessment, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return domain_error(request, exc, review_url(request, assessment.pk))
    messages.success(request, _("Đã kết thúc vòng giải trình; bắt đầu thẩm định vòng tiếp theo."))
    return redirect(review_url(request, assessment.pk))


@lands_on(_review_page)
@login_required
@require_POST
@answers_json
def sign_off(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The lead signs off (locks) an assessment whose every leaf has an appraised score; new explanations nobody
    has looked at need the form's «Tôi đã đọc / vẫn thông qua» (``da-doc-giai-trinh``), else the refusal names them
    and the page is drawn again, focused on the confirmation."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    try:
        # the version the page showed (a form posted by a page of an older release carries none: not checked)
        raw_version = request.POST.get("base_version")
        services.assessment_sign_off(assessment=assessment, actor=request.user,
                                     unread_confirmed=request.POST.get("da-doc-giai-trinh") == "1",
                                     base_version=forms.base_version(raw_version) if raw_version else None)
    except DomainError as exc:
        if exc.code == "unread_explanations" and not wants_json(request):
            # the page drawn again with the unread leaves and the confirmation they need: its error summary, focused,
            # links to the checkbox (a redirect said it in the banner only, with nothing tied to the checkbox)
            fresh = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
            return render(request, "appraisal/review.html",
                          review_context(request, fresh, signoff_error=domain_error_text(exc)), status=exc.status)
        if exc.code == CHANGED_SINCE_SEEN and not wants_json(request):
            # the message names the leaves and who changed them; the page it lands on is the reloaded one
            messages.error(request, str(exc.message))
            return redirect(_refused_sign_off_url(request, assessment, exc))
        return domain_error(request, exc, _refused_sign_off_url(request, assessment, exc), follow_next=False)
    messages.success(request, _("Đã thông qua kết quả thẩm định. Chỉ số đang được tính."))
    return redirect(review_url(request, assessment.pk))


def _refused_sign_off_url(request: HttpRequest, assessment: Assessment, exc: DomainError) -> str:
    """Where a refused sign-off lands: the review page as filtered, on the first leaf still undecided when the
    refusal names one. A page filtered to another area than that leaf's would hide it: the area filter is dropped
    then, the queue's filters (`tu`) kept."""
    params = review_params(request, assessment.pk)
    first = getattr(exc.details[0], "line_id", None) if isinstance(exc.details, list) and exc.details else None
    if first is None:
        return with_params(review_page(assessment.pk), params)
    if "linh-vuc" in params and params["linh-vuc"] != line_area_code(assessment=assessment, line_id=first):
        del params["linh-vuc"]
    return with_params(review_page(assessment.pk), params, f"line-{first}")


@require_http_methods(["GET", "POST"])
@login_required
def reopen(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """An administrator reopens a signed-off assessment with a reason (recorded)."""
    if not permissions.can_reopen(request.user):
        raise PermissionDenied
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    form = forms.ReopenForm(request.POST or None)
    # said before the form is sent, and no form then: an assessment not signed off, or a stopped or merged unit's, is
    # not reopened (the service refuses it)
    blocker = (assessment_reopen_state_blocker(assessment=assessment)
               or assessment_reopen_blocker(assessment=assessment))
    error: DomainError | None = blocker
    if request.method == "POST" and blocker is None and form.is_valid():
        try:
            services.assessment_reopen(assessment=assessment, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Đã mở lại bản đánh giá; kết quả cũ không còn được xếp hạng."))
            return redirect(review_url(request, assessment.pk))
    status = 200 if request.method == "GET" else (error.status if error else 400)
    blocked = error is not None and error.code in REOPEN_BLOCKED
    # the reason refused (by the form, or by the service: too long): marked, and described by its message
    reason_error = " ".join(form.errors.get("reason", []))
    if not blocked and error is not None and isinstance(error.details, dict) and error.details.get("field") == "reason":
        reason_error = str(error.message)
    if reason_error:
        form.fields["reason"].widget.attrs.update({"aria-invalid": "true", "aria-describedby": "id_reason_error"})
    return render(request, "appraisal/reopen.html", {
        "assessment": assessment, "form": form, "error": error, "reason_error": reason_error,
        "blocked": blocked,
        "next": review_url(request, assessment.pk),
        # a published year: the public keeps the published figures until a correction is published
        "publication": latest_revision(cycle_id=assessment.cycle_id),
    }, status=status)
