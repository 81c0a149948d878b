"""Public pages and the role landing. Thin: parse, authorize, call a selector, render."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_safe

from cchc.collation import sort_key
from scoring import permissions, selectors
from scoring.forms import method_input_context
from scoring.models import Cycle, IndicatorSet
from scoring.publication import selectors as publication_selectors
from scoring.selectors.home import predecessor_assessments, unit_situation, units_overview
from scoring.selectors.rules import indicator_set_public


def _landing(user: object) -> str | None:
    """Where a logged-in user starts: a unit's people on their assessment of the open cycle (a person with several
    units has the home page list their units' assessments instead: `home`), the appraisal team on its queue, an
    administrator in the administration; None keeps the public home page."""
    units = permissions.unit_ids(user)
    if len(units) == 1:
        assessment = selectors.unit_assessment_in_open_cycle(unit_ids=units)
        if assessment is not None:
            return reverse("scoring:assessment", args=[assessment.pk])
    if permissions.is_appraiser(user):
        try:
            return reverse("appraisal:queue")
        except NoReverseMatch:
            return None
    if permissions.is_administrator(user):
        return reverse("administration:index")
    return None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    own_now = None
    inherited: list[object] = []
    if request.user.is_authenticated:
        # the signed-off assessments of the units merged into theirs, read-only (`permissions.reads_as_successor`)
        inherited = predecessor_assessments(unit_ids=permissions.predecessor_unit_ids(request.user))
    if request.user.is_authenticated and "cong-khai" not in request.GET:
        units = permissions.unit_ids(request.user)
        # several units: no one unit's sheet to jump to; their assessments are listed (the header links this page)
        overview = units_overview(unit_ids=units) if len(units) > 1 else None
        if overview is not None and not overview.empty:
            return render(request, "scoring/home_units.html", {"overview": overview, "inherited": inherited})
        if inherited and len(units) == 1:
            # the successor of a merger stays here, where its predecessors' records are, its own sheet linked first
            own_now = selectors.unit_assessment_in_open_cycle(unit_ids=units)
        target = None if own_now is not None else _landing(request.user)
        if target:
            return redirect(target)
    cycles = Cycle.objects.prefetch_related("cycle_sets__indicator_set", "cycle_sets__unit_kind")[:5]
    published = {p.cycle.year for p in publication_selectors.published_cycles()}
    # A unit's person who has no assessment to land on is told why, and whom to ask.
    situation = unit_situation(unit_ids=permissions.unit_ids(request.user)) if request.user.is_authenticated else None
    newest = cycles[0] if cycles else None
    return render(request, "scoring/home.html", {
        "cycles": cycles, "published_years": published, "sets": selectors.indicator_set_summaries(),
        "situation": situation, "inherited": inherited, "own_now": own_now,
        # whom the index measures, as the newest cycle's sets say (the kinds are data: the 2025 reform changed them)
        "lead_cycle": newest, "lead_kinds": _kind_names(newest),
    })


def _kind_names(cycle: Cycle | None) -> list[str]:
    """The unit kinds scored in `cycle` (its sets' kinds, by name; no query: prefetched with the cycle)."""
    if cycle is None:
        return []
    return sorted({cs.unit_kind.name for cs in cycle.cycle_sets.all()}, key=sort_key)


def _methods_in_words(tree: list[dict[str, object]]) -> dict[int, dict[str, object]]:
    """Each scored leaf's method as the unit's sheet states it (`forms.method_input_context`, nothing chosen): a levels
    or yes/no leaf's choices with their points, the others' parameters in words (bands, threshold, formula and its
    counts, points per occurrence, range and step), by the leaf's id. No query."""
    leaves = [row["node"] for row in tree if getattr(row["node"], "is_leaf", False)]
    return {leaf.pk: method_input_context(leaf, None, disabled=True, allow_clear=False) for leaf in leaves}


@require_GET
def indicator_set_detail(request: HttpRequest, key: str) -> HttpResponse:
    """The criteria of an issued set are public (they are part of a published decision). A draft is not, to
    anyone: the same 404 as an unknown key (a visitor cannot tell a draft's key from a wrong one), saying that a
    set is public once issued; an administrator is also linked to the draft's administration page."""
    indicator_set = indicator_set_public(key=key)
    if indicator_set is None:
        draft = (IndicatorSet.objects.filter(key=key).values_list("pk", flat=True).first()
                 if permissions.is_administrator(request.user) else None)
        return render(request, "scoring/indicator_set_not_public.html", {"admin_set_id": draft}, status=404)
    tree = selectors.indicator_tree(indicator_set=indicator_set)
    return render(
        request,
        "scoring/indicator_set_detail.html",
        {"set": indicator_set, "tree": tree, "methods": _methods_in_words(tree),
         "scales": publication_selectors.classification_scales({"sets": {indicator_set.key: {
             "name": indicator_set.name, "classification_bands": indicator_set.classification_bands}}})},
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The icon a browser asks for on a page that names none (a PDF or an image opened for preview). Its
    address is looked up per request: the static files' manifest exists only once they are collected."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
