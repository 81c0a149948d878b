"""Pages of the scoring app. Thin: parse, authorize, call a selector, render."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from scoring import selectors
from scoring.models import Cycle, IndicatorSet


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    cycles = Cycle.objects.prefetch_related("cycle_sets__indicator_set", "cycle_sets__unit_kind")[:5]
    return render(request, "scoring/home.html", {"cycles": cycles, "sets": selectors.indicator_set_summaries()})


@require_GET
def indicator_set_detail(request: HttpRequest, key: str) -> HttpResponse:
    """The criteria of a set are public (they are part of a published decision)."""
    indicator_set = get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), key=key)
    return render(
        request,
        "scoring/indicator_set_detail.html",
        {"set": indicator_set, "tree": selectors.indicator_tree(indicator_set=indicator_set)},
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
