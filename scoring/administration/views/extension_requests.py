"""The units' extension requests of a cycle (Sở Nội vụ): the pending ones, each granted (the requested date or
another) or refused with a reason; the latest decisions below."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from scoring import permissions
from scoring.administration.services.cycles import extension_limit
from scoring.administration.views._common import administrator_required
from scoring.errors import DomainError
from scoring.models import Assessment, Cycle
from scoring.selectors.extension_requests import (
    extension_request_of,
    extension_requests_decided,
    extension_requests_pending,
)
from scoring.services.extension_requests import (
    extends_nothing,
    extension_request_grant,
    extension_request_refuse,
    grant_refusal,
)
from scoring.templatetags.scoring_tags import dmy
from scoring.text import posted_id
from scoring.views._common import lands_on


class GrantForm(forms.Form):
    deadline = forms.DateField(label=_l("Gia hạn đến ngày"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_l("Ý kiến"), required=False, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].validators = []  # hidden characters (a NUL among them) are the service's to word


def _list_page(
    request: HttpRequest, cycle: Cycle, *, status: int = 200, deciding: int | None = None,
    posted: dict[str, Any] | None = None,
) -> HttpResponse:
    """The cycle's pending requests; after a refused decision, that request's forms as they were typed."""
    pending = list(extension_requests_pending(cycle=cycle))
    limit = extension_limit(cycle)  # the latest day a grant may give (the rule the grant applies)
    for row in pending:  # what the decision depends on: the deadline that applies now, the assessment's state
        current = permissions.self_assessment_deadline(row.assessment)
        row.current_deadline = current  # type: ignore[attr-defined]
        # the deadline already reaches the requested day (set meanwhile from the cycle's page, or the cycle's
        # moved): granting it as asked would give no day more or shorten it, and is refused
        row.covered = extends_nothing(deadline=row.requested_deadline, current=current)  # type: ignore[attr-defined]
        refusal = grant_refusal(row.assessment)  # not a draft, or the cycle takes no self-scores now
        row.grantable = refusal is None  # type: ignore[attr-defined]
        row.not_grantable = refusal[0] if refusal is not None else ""  # type: ignore[attr-defined]
        # asked before requests were held to that day, or the cycle's next deadline moved earlier since
        row.past_limit = limit is not None and row.requested_deadline > limit.bound  # type: ignore[attr-defined]
    return render(
        request,
        "scoring/administration/extension_requests.html",
        {
            "cycle": cycle,
            "pending": pending,
            "decided": extension_requests_decided(cycle=cycle),
            "deciding": deciding,
            "posted": posted or {},
            "limit": limit,
        },
        status=status,
    )


@require_GET
@administrator_required
def extension_list(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _list_page(request, get_object_or_404(Cycle, pk=cycle_id))


def _decided(request: HttpRequest, cycle_id: int, assessment_id: int) -> tuple[Cycle, Any]:
    """The cycle, and the request of the assessment named by the form (the one the page showed), or None."""
    assessment = get_object_or_404(Assessment.objects.select_related("cycle"), pk=assessment_id, cycle_id=cycle_id)
    found = extension_request_of(assessment=assessment, request_id=posted_id(request.POST.get("request")))
    return assessment.cycle, found


def _missing(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    messages.error(request, _("Không tìm thấy đề nghị gia hạn này; hãy tải lại trang."))
    return _list_page(request, cycle, status=400)


@lands_on("administration:extension_requests", "cycle_id")
@require_POST
@administrator_required
def extension_grant(request: HttpRequest, cycle_id: int, assessment_id: int) -> HttpResponse:
    """Grant the request: the requested date, or the one typed. A refusal keeps what was typed."""
    cycle, found = _decided(request, cycle_id, assessment_id)
    if found is None:
        return _missing(request, cycle)
    posted = {"deadline": request.POST.get("deadline", ""), "note": request.POST.get("note", ""), "form": "grant"}
    form = GrantForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[name].label}: {error}" if name in form.fields else str(error))
        return _list_page(request, cycle, status=400, deciding=found.pk, posted=posted)
    try:
        granted = extension_request_grant(extension_request=found, actor=request.user,
                                          deadline_date=form.cleaned_data["deadline"], note=form.cleaned_data["note"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        if isinstance(exc.details, dict):  # the date refused is marked on the form as typed
            posted["error_field"] = exc.details.get("field") or ""
        return _list_page(request, cycle, status=exc.status, deciding=found.pk, posted=posted)
    messages.success(request, _("Đã chấp thuận: %(u)s được gia hạn tự đánh giá đến %(d)s.")
                     % {"u": granted.assessment.unit.name, "d": dmy(granted.granted_deadline)})
    return redirect("administration:extension_requests", cycle.pk)


@lands_on("administration:extension_requests", "cycle_id")
@require_POST
@administrator_required
def extension_refuse(request: HttpRequest, cycle_id: int, assessment_id: int) -> HttpResponse:
    """Refuse the request with a reason the unit reads. A refusal keeps what was typed."""
    cycle, found = _decided(request, cycle_id, assessment_id)
    if found is None:
        return _missing(request, cycle)
    reason = request.POST.get("reason", "")
    try:
        refused = extension_request_refuse(extension_request=found, actor=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _list_page(request, cycle, status=exc.status, deciding=found.pk,
                          posted={"reason": reason, "form": "refuse"})
    messages.success(request, _("Đã trả lời không chấp thuận đề nghị gia hạn của %(u)s.")
                     % {"u": refused.assessment.unit.name})
    return redirect("administration:extension_requests", cycle.pk)
