"""Sở Nội vụ's pages: the oversight dashboard, the set-wise recompute of a cycle, the survey import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal import forms, permissions, selectors
from appraisal.models import SurveyImport
from appraisal.selectors.oversight import published_ranking
from appraisal.survey import (
    MAX_BYTES,
    MSG_TOO_LARGE,
    problem_text,
    survey_import_apply,
    survey_import_preview,
    survey_newer_previews,
)
from appraisal.views._common import domain_error, wants_json
from scoring.errors import DomainError, StateConflict, ValidationFailed
from scoring.models import Cycle
from scoring.views._common import lands_on


def _cycle_from(request: HttpRequest) -> Cycle | None:
    cycle_id = forms.whole_number(request.GET.get("ky") or request.POST.get("ky"))
    if cycle_id is not None:  # however large: an unknown cycle, a 404
        return get_object_or_404(Cycle, pk=cycle_id)
    return selectors.current_cycle()


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Units per state, overdue units, ranking preview per group, averages per area, most adjusted leaves."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    cycle, cycles = _dashboard_cycle(request)
    data = selectors.dashboard(cycle=cycle) if cycle else None
    return render(request, "appraisal/dashboard.html", {
        "data": data,
        # once published, the rankings are named by the decision that published them, and said changed since
        "published": published_ranking(data=data) if data else None,
        "is_admin": permissions.is_administrator(request.user),  # drafts are followed on the cycle's page
        "cycles": cycles,
        "can_recompute": permissions.is_administrator(request.user),
        # «Đang tự đánh giá N» opens the list of the units that have not submitted
        "show_not_submitted": request.GET.get("chua-gui") == "1",
    })


def _dashboard_cycle(request: HttpRequest) -> tuple[Cycle | None, list[Cycle]]:
    """The cycle the dashboard shows and the cycles it offers. A lead by assignment sees the cycles they lead only:
    another one asked for is refused (403, before looking it up, as for anyone without the dashboard); without a
    choice, the current cycle when they lead it, else the latest they lead."""
    allowed = permissions.dashboard_cycle_ids(request.user)
    cycles = Cycle.objects.order_by("-year")
    if allowed is None:
        return _cycle_from(request), list(cycles[:10])
    offered = list(cycles.filter(pk__in=allowed)[:10])
    cycle_id = forms.whole_number(request.GET.get("ky"))
    if cycle_id is not None:
        if cycle_id not in allowed:
            raise PermissionDenied
        return get_object_or_404(Cycle, pk=cycle_id), offered
    current = selectors.current_cycle()
    if current is not None and current.pk in allowed:
        return current, offered
    return (offered[0] if offered else None), offered


def _dashboard_page(cycle_id: int) -> str:
    return reverse("appraisal:dashboard") + f"?ky={cycle_id}"


def _preview_page(import_id: int) -> str:
    return reverse("appraisal:survey_preview", args=[import_id])


@lands_on(_dashboard_page)
@login_required
@require_POST
def cycle_recompute(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """An administrator asks for the set-wise recompute of every signed-off result of a cycle."""
    if not permissions.is_administrator(request.user):
        raise PermissionDenied
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    from appraisal.tasks import recompute_cycle_task

    transaction.on_commit(lambda: recompute_cycle_task.delay(cycle.pk))
    messages.success(request, _("Đã yêu cầu tính lại toàn bộ kết quả kỳ %(year)s.") % {"year": cycle.year})
    return redirect(reverse("appraisal:dashboard") + f"?ky={cycle.pk}")


@require_http_methods(["GET", "POST"])
@login_required
def survey_import(request: HttpRequest) -> HttpResponse:
    """Upload a survey result file; it is checked and shown as a preview before anything is scored."""
    if not permissions.can_import_survey(request.user):
        raise PermissionDenied
    cycle = _cycle_from(request)
    form = forms.SurveyUploadForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid() and cycle is not None:
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:  # refused before the file is read into memory
                raise ValidationFailed(MSG_TOO_LARGE, code="too_large")
            created = survey_import_preview(
                cycle=cycle, file_name=upload.name, content=upload.read(), actor=request.user
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect("appraisal:survey_preview", import_id=created.pk)
    status = 200 if request.method == "GET" else (error.status if error else 400)
    return render(request, "appraisal/survey_import.html", {
        "form": form, "error": error, "cycle": cycle, "cycles": Cycle.objects.order_by("-year")[:10],
        "imports": selectors.survey_imports(),
    }, status=status)


@require_GET
@login_required
def survey_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    if not permissions.can_import_survey(request.user):
        raise PermissionDenied
    survey = get_object_or_404(SurveyImport.objects.select_related("cycle"), pk=import_id)
    return _survey_preview_page(request, survey)


def _survey_preview_page(request: HttpRequest, survey: SurveyImport, *, refusal: DomainError | None = None,
                         status: int = 200) -> HttpResponse:
    """The preview, with the newer previews of the same leaves (this one is then stale: not applied) and the
    refusal of an apply, if any."""
    newer = survey_newer_previews(survey_import=survey) if survey.status == SurveyImport.Status.PREVIEWED else []
    return render(request, "appraisal/survey_preview.html", {
        "survey": survey, "newer": newer, "refusal": refusal,
        "problems": [problem_text(p) for p in survey.problems],  # in the reader's language
    }, status=status)


@lands_on(_preview_page)
@login_required
@require_POST
def survey_apply(request: HttpRequest, import_id: int) -> HttpResponse:
    """Apply a previewed file: every row, or none when any row is refused."""
    if not permissions.can_import_survey(request.user):
        raise PermissionDenied
    survey = get_object_or_404(SurveyImport, pk=import_id)
    preview_url = reverse("appraisal:survey_preview", args=[survey.pk])
    try:
        count = survey_import_apply(survey_import=survey, actor=request.user)
    except StateConflict as exc:
        if exc.code != "stale_preview" or wants_json(request):
            return domain_error(request, exc, preview_url)
        # a stale preview: the page again, saying why and which previews are newer (nothing was applied)
        return _survey_preview_page(request, SurveyImport.objects.select_related("cycle").get(pk=survey.pk),
                                    refusal=exc, status=exc.status)
    except DomainError as exc:
        return domain_error(request, exc, preview_url)
    messages.success(request, _("Đã nhập điểm điều tra xã hội học cho %(n)s tiêu chí.") % {"n": count})
    return redirect(preview_url)
