"""The audit viewer: every recorded change, filterable by user, unit, object and date, paginated."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from scoring.administration import selectors
from scoring.administration.audit_labels import labelled, object_type_choices
from scoring.administration.forms import AuditFilterForm
from scoring.administration.views._common import administrator_required

PAGE_SIZE = 50


@require_GET
@administrator_required
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(
        actor_id=filters["actor"].pk if filters.get("actor") else None,
        unit_id=filters["unit"].pk if filters.get("unit") else None,
        object_type=filters.get("object_type", ""),
        object_id=filters.get("object_id", ""),
        action=filters.get("action", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    query = request.GET.copy()
    query.pop("trang", None)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("trang"))
    page.object_list = labelled(page.object_list)
    return render(
        request,
        "scoring/administration/audit_list.html",
        {
            "form": form,
            "page": page,
            "object_types": object_type_choices(selectors.audit_object_types()),
            "query": query.urlencode(),
            "invalid": form.is_bound and not form.is_valid(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
