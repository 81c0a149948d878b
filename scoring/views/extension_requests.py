"""A unit's extension requests (đề nghị gia hạn): the page with its requests and the form, the request, the
withdrawal. The unit's head asks and withdraws; its other people and the administrators see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST

from scoring import permissions
from scoring.administration.services.cycles import DEADLINE_YEARS_AFTER
from scoring.errors import DomainError
from scoring.models import Assessment
from scoring.selectors.extension_requests import extension_request_of, extension_requests_of
from scoring.services.extension_requests import (
    extension_limit,
    extension_request_create,
    extension_request_withdraw,
)
from scoring.templatetags.extension_requests import grant_applies
from scoring.templatetags.scoring_tags import dmy
from scoring.text import posted_id
from scoring.views._common import lands_on, refuse


class ExtensionRequestForm(forms.Form):
    """The date is parsed here; the service checks it and the reason (so its messages name what is wrong)."""

    requested_date = forms.DateField(
        label=_l("Đề nghị gia hạn đến ngày"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_l("Lý do đề nghị gia hạn"), required=False, strip=False,
        # no maxlength: a browser would cut a longer reason without a word; the service refuses it whole (the
        # reason kept in its box, the limit said)
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a NUL is one of the hidden characters the service refuses, with its message on the reason (Django's own
        # check would refuse it first, in English, as a form error of no field the page shows)
        self.fields["reason"].validators = []


def _render(
    request: HttpRequest, assessment: Assessment, form: ExtensionRequestForm, *, status: int = 200, error: Any = None,
    error_field: str | None = None,
) -> HttpResponse:
    requests = list(extension_requests_of(assessment=assessment))
    for made in requests:  # a grant the cycle's page removed or changed since no longer gives the deadline
        made.grant_applies = grant_applies(made, assessment)  # type: ignore[attr-defined]
    deadline = permissions.self_assessment_deadline(assessment)
    limit = extension_limit(assessment.cycle)
    context = {
        "assessment": assessment,
        "form": form,
        "requests": requests,
        "pending": next((r for r in requests if r.pending), None),
        "can_request": permissions.can_request_extension(request.user, assessment),
        "is_head": permissions.is_unit_head(request.user, assessment.unit_id),
        "deadline": deadline,
        # the first day a request may name: the day after the current deadline's (the same day extends nothing)
        "first_day": timezone.localdate(deadline) + timedelta(days=1) if deadline is not None else None,
        # the last: the day before the cycle's next deadline (a grant may give no later), else the years' bound
        "limit": limit,
        "last_day": limit.last_day if limit is not None
        else date(assessment.cycle.year + DEADLINE_YEARS_AFTER, 12, 31),
        "error": error,
        "error_field": error_field,
    }
    return render(request, "scoring/extension_request.html", context, status=status)


def _field_of(exc: DomainError) -> str | None:
    return exc.details.get("field") if isinstance(exc.details, dict) else None


@login_required
@require_http_methods(["GET", "POST"])
def extension_page(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """GET: the unit's requests and their answers, with the form while one may be made. POST: the head's request;
    a refusal shows the page again with what was typed and why."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.can_view_extension_requests(request.user, assessment):
        return refuse(request, _("Chỉ cán bộ của đơn vị và quản trị viên xem được các đề nghị gia hạn."), status=403)
    if request.method == "GET":
        return _render(request, assessment, ExtensionRequestForm())
    if not permissions.is_unit_head(request.user, assessment.unit_id):
        return refuse(request, _("Chỉ thủ trưởng đơn vị được đề nghị gia hạn."), status=403)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():  # only the date is checked by the form (the reason by the service)
        errors = form.errors.get("requested_date") or [_("Ngày đề nghị không hợp lệ.")]
        return _render(request, assessment, form, status=400, error=errors[0], error_field="requested_date")
    try:
        made = extension_request_create(
            assessment=assessment, actor=request.user, requested_date=form.cleaned_data["requested_date"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        assessment.refresh_from_db()
        return _render(request, assessment, form, status=exc.status, error=exc.message, error_field=_field_of(exc))
    messages.success(request, _("Đã gửi đề nghị gia hạn đến %(d)s; Sở Nội vụ sẽ xem xét và trả lời trên hệ thống.")
                     % {"d": dmy(made.requested_deadline, False)})
    return redirect("scoring:assessment", assessment.pk)


def _extension_page(assessment_id: int) -> str:
    return reverse("scoring:extension_request", args=[assessment_id])


@lands_on(_extension_page)
@login_required
@require_POST
def extension_withdraw(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The head takes back the unit's pending request (the form posts its id: the one the page showed)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.is_unit_head(request.user, assessment.unit_id):
        return refuse(request, _("Chỉ thủ trưởng đơn vị được rút đề nghị gia hạn."), status=403)
    found = extension_request_of(assessment=assessment, request_id=posted_id(request.POST.get("request")))
    if found is None:
        return _render(request, assessment, ExtensionRequestForm(), status=400,
                       error=_("Không tìm thấy đề nghị gia hạn cần rút; hãy tải lại trang."))
    try:
        extension_request_withdraw(extension_request=found, actor=request.user)
    except DomainError as exc:
        return _render(request, assessment, ExtensionRequestForm(), status=exc.status, error=exc.message)
    messages.success(request, _("Đã rút đề nghị gia hạn."))
    return redirect("scoring:extension_request", assessment.pk)
