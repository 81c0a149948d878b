"""The pre-submit check, submission and withdrawal by the unit head, and the report's free-text part."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from scoring import permissions, selectors, services
from scoring.errors import StaleVersion, StateConflict, ValidationFailed, cycle_closed_message, self_edit_refusal
from scoring.models import Assessment
from scoring.self_rating import SelfRating, sheet_rating
from scoring.views._common import json_error, lands_on, refuse, wants_json
from scoring.views.report import render_report
from scoring.views.sheet import edit_refusal, render_sheet


@dataclass
class _Summary:
    """What the head reads before signing, without opening every leaf: the figures he sends and what does not stop
    the submission but may surprise him (warnings, never blocks). Read from the sheet already loaded: no query."""

    not_applicable: int
    unscored: int  # leaves the unit scores and has not: the figures are provisional, counting them as 0
    rating: SelfRating  # the index, provisional while leaves are unscored, and the class: none until all are scored
    explained_only: list[selectors.LeafRow]  # evidence required, none attached: only an explanation
    difficulties_empty: bool

    @property
    def warnings(self) -> bool:
        return bool(self.explained_only) or self.difficulties_empty


def _summary(sheet: selectors.AssessmentSheet) -> _Summary:
    own = [r for r in sheet.leaves if r.self_scored]
    progress = sheet.progress
    return _Summary(
        not_applicable=sum(1 for r in own if r.line.not_applicable),
        unscored=progress.total - progress.scored,
        rating=sheet_rating(sheet),
        explained_only=[r for r in own if r.evidence_missing and not r.explanation_missing],
        difficulties_empty=not sheet.assessment.difficulties.strip(),
    )


def _render_check(
    request: HttpRequest, assessment: Assessment, *, status: int = 200, error: Any = None
) -> HttpResponse:
    sheet = selectors.assessment_sheet(assessment=assessment)
    problems = selectors.self_assessment_problems(sheet=sheet)
    context = {
        "assessment": assessment,
        "sheet": sheet,
        "problems": problems,
        "summary": _summary(sheet),
        "error": error,
        "can_submit": permissions.can_submit(request.user, assessment),
        "is_head": permissions.is_unit_head(request.user, assessment.unit_id),
        "deadline_passed": permissions.deadline_passed(assessment),
        "cycle_closed": cycle_closed_message(assessment.cycle),
    }
    response = render(request, "scoring/check.html", context, status=status)
    # Not kept by the browser: Back after submitting reloads the page (submitted, no «Gửi») instead of showing the
    # copy with an enabled button.
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def check(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """A summary of what is sent first (provisional while leaves are unscored); then every problem that stops
    submission, each with a link to its leaf; then the warnings that do not stop it (leaves with only an explanation
    for their evidence, the report's Part III empty)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    return _render_check(request, assessment)


def _sheet_page(assessment_id: int) -> str:
    return reverse("scoring:assessment", args=[assessment_id])


def _report_page(assessment_id: int) -> str:
    return reverse("scoring:report", args=[assessment_id])


# Refusals the check page states by itself when it is drawn (its note on the state, the cycle's phase, the deadline):
# a message on top would say the same thing twice.
_CHECK_PAGE_SAYS = frozenset({"already_submitted", "cycle_closed", "deadline_passed"})


def _submit_refused(request: HttpRequest, assessment: Assessment, exc: StateConflict) -> HttpResponse:
    """A «Gửi» the service refused because of the assessment's or the cycle's state (nothing changed): JSON 409
    with the code for scripts; for the page's form a redirect to the check page (reload or Back does not post
    again), which says why once: by its own note when it states that reason, else by the refusal's message."""
    if wants_json(request):
        return json_error(409, exc.code, exc.message)
    if exc.code not in _CHECK_PAGE_SAYS:
        messages.error(request, exc.message)
    return redirect("scoring:check", assessment.pk)


@lands_on(_sheet_page)
@login_required
@require_POST
def submit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.is_unit_head(request.user, assessment.unit_id):
        return refuse(request, _("Chỉ thủ trưởng đơn vị được gửi bản tự đánh giá."))
    try:
        services.assessment_submit(assessment=assessment, actor=request.user)
    except StateConflict as exc:
        # submitted meanwhile (another tab, or Back after submitting), the deadline passed, the cycle closed, …
        return _submit_refused(request, assessment, exc)
    except ValidationFailed as exc:
        return _render_check(request, assessment, status=400, error=exc.message)
    messages.success(request, _("Đã gửi bản tự đánh giá. Đơn vị không còn sửa được cho đến khi rút lại."))
    return redirect("scoring:assessment", assessment.pk)


WITHDRAW_REASON_LIMIT = 1000  # the API's limit and the form's maxlength


@lands_on(_sheet_page)
@login_required
@require_POST
def withdraw(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.is_unit_head(request.user, assessment.unit_id):
        return refuse(request, _("Chỉ thủ trưởng đơn vị được rút lại bản tự đánh giá."))
    reason = request.POST.get("reason", "")
    if len(reason) > WITHDRAW_REASON_LIMIT:  # as the API answers: refused whole, never cut without a word
        message = _("Lý do rút lại không được dài quá %(limit)s ký tự (đã nhập %(count)s); chưa rút lại. Hãy rút "
                    "gọn rồi bấm lại «Rút lại để chỉnh sửa».") % {"limit": WITHDRAW_REASON_LIMIT, "count": len(reason)}
        if wants_json(request):
            return json_error(400, "too_long", message, "reason")
        # the sheet again, the reason as typed in its box with the message beside it
        return render_sheet(request, assessment, status=400, withdraw={"reason": reason, "error": message})
    try:
        services.assessment_withdraw(assessment=assessment, actor=request.user, reason=reason)
    except StateConflict as exc:
        return refuse(request, exc.message, status=409)
    messages.success(request, _("Đã rút lại bản tự đánh giá; đơn vị có thể chỉnh sửa và gửi lại."))
    return redirect("scoring:assessment", assessment.pk)


@lands_on(_report_page)
@login_required
@require_POST
def difficulties(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Part III of the report. Posts the text and the text it was based on (no lost update).

    A refused save shows the report again with what was typed and the reason (nothing is lost): 400 for the
    text itself or a missing base text, 409 when the assessment no longer takes edits or a colleague changed
    the text meanwhile (then both texts are shown)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    text = request.POST.get("difficulties", "")
    previous = request.POST.get("previous")
    if permissions.is_unit_member(request.user, assessment.unit_id) and not permissions.can_edit_self_assessment(
        request.user, assessment
    ):
        message, _code = self_edit_refusal(assessment)
        return render_report(request, assessment, status=409, conflict={"message": message, "yours": text})
    refusal = edit_refusal(request, assessment)  # anyone else: 403
    if refusal is not None:
        return refusal
    if previous is None:
        # Without the text the form started from a colleague's save would be overwritten unseen.
        return render_report(request, assessment, status=400, conflict={
            "message": _("Thiếu nội dung ban đầu của biểu mẫu nên không biết có ai vừa sửa hay không; chưa lưu. "
                         "Hãy xem nội dung đang lưu dưới đây rồi lưu lại."),
            "yours": text, "stored": assessment.difficulties, "previous": assessment.difficulties,
        })
    try:
        services.assessment_difficulties_save(
            assessment=assessment, text=text, actor=request.user, expected_old=previous,
        )
    except StaleVersion as exc:
        return render_report(request, assessment, status=409, conflict={
            "message": exc.message, "yours": text, "stored": exc.details, "previous": exc.details,
        })
    except StateConflict as exc:
        assessment.refresh_from_db()
        return render_report(request, assessment, status=409, conflict={"message": exc.message, "yours": text})
    except ValidationFailed as exc:
        return render_report(request, assessment, status=400, conflict={
            "message": exc.message, "yours": text, "previous": previous,
        })
    messages.success(request, _("Đã lưu phần khó khăn, vướng mắc và kiến nghị."))
    return redirect("scoring:report", assessment.pk)
