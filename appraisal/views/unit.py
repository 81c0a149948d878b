"""The unit's side of the appraisal: the appraisal of ended rounds, explanations and new evidence, resubmission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from appraisal import forms, permissions, selectors, services
from appraisal.selectors.explanation import (
    agreed_in_round,
    answered_in_round,
    answers_left,
    documented_in_round,
    documents_asked,
    explained_in_round,
    feedback_answers,
    withdrawn_round,
)
from appraisal.services.rounds import (
    MSG_AGREE_WITHOUT_TEXT,
    explanation_agree_remaining,
    line_agree,
    round_withdrawn_text,
    unanswered_without_result,
)
from appraisal.views._common import (
    back,
    domain_error,
    evidence_ui_ready,
    line_json,
    self_assessment_url,
    wants_json,
)
from scoring.errors import DomainError, StaleVersion, ValidationFailed
from scoring.models import Assessment, ScoreLine
from scoring.permissions import can_attach_evidence, can_explain_line, is_unit_head, is_unit_member
from scoring.views._common import json_refusals, lands_on, login_required_or_401


def _explain_url(assessment: Assessment, line: ScoreLine | None = None) -> str:
    url = reverse("appraisal:explain", args=[assessment.pk])
    return f"{url}#line-{line.pk}" if line is not None else url


# Where a login whose ``next`` is one of this page's POST-only actions lands (see scoring.views._common.lands_on).
def _explain_page(assessment_id: int) -> str:
    return reverse("appraisal:explain", args=[assessment_id])


def _explain_leaf_page(assessment_id: int, line_id: int) -> str:
    return f"{_explain_page(assessment_id)}#line-{line_id}"


@require_http_methods(["GET", "POST"])
@login_required
def explain(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The unit's page once a round has ended: the appraisal and its reasons, the flagged leaves to explain
    (with new evidence) or to agree with, the resubmission, and after sign-off the final scores and the result.
    Posted (its one action): the unit agrees with the appraisal of every flagged leaf it has not answered yet."""
    assessment = permissions.feedback_get_for_user(user=request.user, assessment_id=assessment_id)
    if request.method == "POST":
        return _agree_remaining_post(request, assessment)
    return _explain_response(request, assessment)


def _explain_response(
    request: HttpRequest, assessment: Assessment, *, refusal: DomainError | None = None,
) -> HttpResponse:
    """The explanation page; with `refusal` (a resubmission refused for leaves not answered), drawn with it at the
    top, focused, each leaf named linked to its place on the page."""
    explaining = assessment.state == Assessment.State.EXPLANATION
    flagged_only = explaining and request.GET.get("tat-ca") != "1"
    open_round = selectors.open_round(assessment=assessment)
    rows = selectors.feedback_lines(assessment=assessment, flagged_only=flagged_only, current_round=open_round)
    evidence_ready = evidence_ui_ready()
    member = is_unit_member(request.user, assessment.unit_id)
    rounds = selectors.explanation_rounds(assessment=assessment)
    # the answers, questions and agreements as the API's feedback gives them too
    feedback_answers(rows, open_round=open_round, rounds=rounds)
    unanswered = 0
    agreeable_left = 0  # of the unanswered, those with a result of the team to agree with (`agreeable`)
    for row in rows:
        row.can_explain = can_explain_line(request.user, row.line)  # type: ignore[attr-defined]
        row.can_attach = can_attach_evidence(request.user, row.line)  # type: ignore[attr-defined]
        if open_round is None or not row.line.explanation_requested:
            continue
        open_answer = not answered_in_round(row.line, open_round, {row.line.pk} if row.documented else ())
        unanswered += open_answer
        agreeable_left += open_answer and row.can_agree
    withdrawn = withdrawn_round(assessment=assessment)
    # said at the top while the team appraises the round that followed (not once signed off or reopened since)
    if withdrawn is not None and (assessment.state != Assessment.State.IN_APPRAISAL
                                  or withdrawn.round != assessment.appraisal_round - 1):
        withdrawn = None
    remaining = _agree_remaining(unanswered, agreeable_left)
    index_result = selectors.result_of(assessment)
    deadline_passed = (explaining and assessment.explanation_deadline is not None
                       and timezone.now() > assessment.explanation_deadline)
    return render(request, "appraisal/explain.html", {
        "assessment": assessment,
        "rows": rows,
        "rounds": rounds,
        "current_round": rounds[-1] if rounds and explaining else None,
        "flagged_only": flagged_only,
        "withdrawn": round_withdrawn_text(withdrawn) if withdrawn is not None else "",
        "explaining": explaining,
        "can_resubmit": permissions.can_resubmit(request.user, assessment),
        "deadline_passed": deadline_passed,
        # every flagged leaf is on the page whichever view of it is shown: the counts are the round's (and each
        # save's answer carries them again, `_agree_remaining`)
        "unanswered": unanswered,
        "agreeable_left": agreeable_left,
        "remaining": remaining,
        "can_agree_remaining": explaining and not deadline_passed and member and agreeable_left > 0,
        "evidence_ready": evidence_ready,
        "result": index_result if not selectors.result_pending(assessment, index_result) else None,
        "pending": selectors.result_pending(assessment, index_result),
        "self_url": self_assessment_url(assessment.pk),
        "next": _explain_url(assessment) if refusal is not None else request.get_full_path(),
        "refusal": refusal,
        "refused_leaves": _refused_leaves(refusal, rows),
    }, status=refusal.status if refusal is not None else 200)


def _refused_leaves(refusal: DomainError | None, rows: list[Any]) -> list[dict[str, Any]]:
    """The leaves a refused resubmission names, each with its name and why, to link to its place on the page."""
    if refusal is None or not isinstance(refusal.details, list):
        return []
    names = {row.line.pk: row.indicator.name for row in rows}
    return [{"line_id": problem.line_id, "code": str(problem), "name": names.get(problem.line_id, ""),
             "message": getattr(problem, "message", "")}
            for problem in refusal.details if getattr(problem, "line_id", None) is not None]


def _agree_remaining(unanswered: int, agreeable_left: int) -> dict[str, Any]:
    """What the page says of the flagged leaves not answered yet, beside «Đồng ý … ở N tiêu chí còn lại»: the
    paragraph, the button and its confirmation, with the counts they are made of. Rendered with the page and sent
    again in each save's answer, so that the page's script keeps them true as the unit answers."""
    explain_only = unanswered - agreeable_left  # no result of the team to agree with: an explanation only
    text = ngettext(
        "Còn %(n)s tiêu chí chưa giải trình và chưa chọn «Đồng ý với kết quả thẩm định». Mỗi tiêu chí cần giải "
        "trình hoặc đồng ý trước khi gửi.",
        "Còn %(n)s tiêu chí chưa giải trình và chưa chọn «Đồng ý với kết quả thẩm định». Mỗi tiêu chí cần giải "
        "trình hoặc đồng ý trước khi gửi.",
        unanswered,
    ) % {"n": unanswered}
    confirm = ngettext(
        "Ghi nhận đơn vị đồng ý với kết quả thẩm định ở %(n)s tiêu chí chưa giải trình? Các tiêu chí đã giải trình "
        "giữ nguyên.",
        "Ghi nhận đơn vị đồng ý với kết quả thẩm định ở %(n)s tiêu chí chưa giải trình? Các tiêu chí đã giải trình "
        "giữ nguyên.",
        agreeable_left,
    ) % {"n": agreeable_left}
    if explain_only:
        text += " " + ngettext(
            "Trong đó %(n)s tiêu chí chưa có kết quả thẩm định: không đồng ý được, hãy giải trình.",
            "Trong đó %(n)s tiêu chí chưa có kết quả thẩm định: không đồng ý được, hãy giải trình.",
            explain_only,
        ) % {"n": explain_only}
        confirm += " " + ngettext(
            "%(n)s tiêu chí chưa có kết quả thẩm định vẫn cần giải trình.",
            "%(n)s tiêu chí chưa có kết quả thẩm định vẫn cần giải trình.",
            explain_only,
        ) % {"n": explain_only}
    button = ngettext(
        "Đồng ý với kết quả thẩm định ở %(n)s tiêu chí còn lại",
        "Đồng ý với kết quả thẩm định ở %(n)s tiêu chí còn lại",
        agreeable_left,
    ) % {"n": agreeable_left}
    return {"unanswered": unanswered, "agreeable": agreeable_left, "explain_only": explain_only,
            "text": text, "confirm": confirm, "button": button}


def _agree_remaining_post(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    """«Đồng ý với kết quả thẩm định» for every flagged leaf not answered yet, by a person of the unit."""
    if not is_unit_member(request.user, assessment.unit_id):
        raise PermissionDenied
    if request.POST.get("agree_remaining") != "1":  # the page's one action not asked for: nothing to do
        return redirect(_explain_url(assessment))
    try:
        agreed = explanation_agree_remaining(assessment=assessment, actor=request.user)
    except DomainError as exc:
        return domain_error(request, exc, _explain_url(assessment))
    messages.success(request, ngettext(
        "Đã ghi nhận đơn vị đồng ý với kết quả thẩm định ở %(n)s tiêu chí.",
        "Đã ghi nhận đơn vị đồng ý với kết quả thẩm định ở %(n)s tiêu chí.",
        len(agreed),
    ) % {"n": len(agreed)})
    skipped = unanswered_without_result(assessment)
    if skipped:
        messages.warning(request, ngettext(
            "%(n)s tiêu chí chưa có kết quả thẩm định nên không thể đồng ý: hãy giải trình các tiêu chí này "
            "(%(codes)s).",
            "%(n)s tiêu chí chưa có kết quả thẩm định nên không thể đồng ý: hãy giải trình các tiêu chí này "
            "(%(codes)s).",
            len(skipped),
        ) % {"n": len(skipped), "codes": ", ".join(skipped)})
    return back(request, _explain_url(assessment))  # the page as it was shown (all leaves, or the flagged ones)


@lands_on(_explain_leaf_page)
@login_required_or_401
@require_POST
@json_refusals
def explain_line(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    """Save the unit's answer on one flagged leaf: its explanation, or (``agree``) its agreement with the appraisal.
    The page's script hears a missing leaf, or an assessment not the user's, as a JSON 404 (`json_refusals`)."""
    assessment = permissions.feedback_get_for_user(user=request.user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    line.assessment = assessment
    if not is_unit_member(request.user, assessment.unit_id):
        raise PermissionDenied(_("Chỉ cán bộ của đơn vị được giải trình."))
    agree = request.POST.get("agree") == "1"
    explanation = request.POST.get("explanation", "")
    try:
        version = forms.base_version(request.POST.get("base_version"))
        if agree and explanation.strip():  # one answer per leaf: agreeing needs no text, and drops none typed
            raise ValidationFailed(MSG_AGREE_WITHOUT_TEXT, code="agree_with_text", details={"field": "explanation"})
        if agree:
            saved = line_agree(line=line, actor=request.user, base_version=version)
        else:
            saved = services.line_explain(line=line, actor=request.user, base_version=version, explanation=explanation)
    except StaleVersion as exc:
        if wants_json(request) and isinstance(exc.details, ScoreLine):
            # the leaf as stored, drawn as the page draws it: an agreement given elsewhere is no text to take
            return JsonResponse({"ok": False, "code": exc.code, "message": str(exc.message), "field": None,
                                 "current": _answer_json(exc.details, selectors.open_round(assessment=assessment))},
                                status=exc.status)
        return domain_error(request, exc, _explain_url(assessment, line))
    except DomainError as exc:
        return domain_error(request, exc, _explain_url(assessment, line))
    current = selectors.open_round(assessment=assessment)
    shown = _answer_json(saved, current)
    agreed = shown["agreed"]
    if wants_json(request):
        body: dict[str, Any] = {"ok": True, "line": shown}
        if saved.version != version:
            # when it was saved by the server's clock, in the site's time zone: the page says «Đã lưu hh:mm» with it
            at = timezone.localtime(saved.updated_at or timezone.now(), timezone.get_default_timezone())
            body["saved_time"] = at.strftime("%H:%M")
        if current is not None:  # the page's «Còn N tiêu chí…», its button and confirmation, as they stand now
            body["remaining"] = _agree_remaining(*answers_left(assessment=assessment, explanation_round=current))
        return JsonResponse(body)
    if agreed:
        messages.success(request, _("Đã ghi nhận đơn vị đồng ý với kết quả thẩm định tiêu chí %(code)s.")
                         % {"code": line.indicator.code})
    else:
        messages.success(request, _("Đã lưu giải trình tiêu chí %(code)s.") % {"code": line.indicator.code})
    return redirect(_explain_url(assessment, line))


def _answer_json(line: ScoreLine, open_round: Any) -> dict[str, Any]:
    """A leaf's answer as the explanation page draws it: its agreement (the box ticked, no text to edit), or the
    explanation written in the round (`FeedbackLine.explanation_draft`: an emptied note beside documents puts the
    text of before the round back, which the page shows apart, not in the box)."""
    agreed = agreed_in_round(line, open_round)
    at_start = open_round.explanations_at_start if open_round is not None else {}
    written = open_round is None or explained_in_round(line, at_start or {})
    return {**line_json(line), "agreed": agreed, "explanation": line.explanation if written and not agreed else ""}


def explanation_answer_json(*, user: Any, assessment: Assessment, line: ScoreLine) -> dict[str, Any] | None:
    """After the unit linked or removed a document on a leaf of the open round (the evidence block's refresh): what
    the explanation page says of it as it stands, for the page's script: whether a document linked in the round
    answers the leaf («Đã bổ sung tài liệu», `documented`) and the page's «Còn N tiêu chí…» (`remaining`). None
    outside a round, on a leaf the round did not flag, or for anyone but the unit's people. Two queries."""
    if not line.explanation_requested or not is_unit_member(user, assessment.unit_id):
        return None
    current = selectors.open_round(assessment=assessment)
    if current is None:
        return None
    return {"documented": line.pk in documented_in_round(current) and documents_asked(line, current),
            "remaining": _agree_remaining(*answers_left(assessment=assessment, explanation_round=current))}


@lands_on(_explain_page)
@login_required
@require_POST
def resubmit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The unit head sends the explanations back to the appraisal team."""
    assessment = permissions.feedback_get_for_user(user=request.user, assessment_id=assessment_id)
    if not is_unit_head(request.user, assessment.unit_id):
        raise PermissionDenied
    try:
        services.explanation_resubmit(assessment=assessment, actor=request.user)
    except ValidationFailed as exc:
        if exc.code != "explanations_missing" or wants_json(request):
            return domain_error(request, exc, _explain_url(assessment))
        # the leaves still to answer, each linked to its place on the page: said on the page itself
        return _explain_response(request, assessment, refusal=exc)
    except DomainError as exc:
        return domain_error(request, exc, _explain_url(assessment))
    messages.success(request, _("Đã gửi giải trình cho Tổ thẩm định."))
    return redirect(_explain_url(assessment))
