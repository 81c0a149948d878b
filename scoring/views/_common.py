"""Helpers shared by the scoring pages: JSON answers, refusals, and the JSON shapes of lines and totals."""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, Resolver404, ResolverMatch, resolve, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from scoring import selectors
from scoring.forms import value_summary
from scoring.models import Assessment, Indicator, ScoreLine
from scoring.self_rating import self_rating
from scoring.templatetags.scoring_tags import dmy, full_name, signed_score
from scoring.templatetags.scoring_tags import score as score_filter

View = TypeVar("View", bound=Callable[..., Any])
EVIDENCE_PARTIAL = "evidence/_line_evidence.html"
MSG_SIGNED_OUT = gettext_lazy(
    "Phiên đăng nhập đã hết hạn nên thay đổi vừa rồi chưa được lưu. Hãy đăng nhập lại; "
    "nội dung anh/chị đã nhập vẫn còn trên trang."
)


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or request.content_type == "application/json"


def json_error(status: int, code: str, message: Any, field: str | None = None, **extra: Any) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": str(message), "field": field, **extra}, status=status)


def refuse(request: HttpRequest, message: Any, *, status: int = 403) -> HttpResponse:
    """A refusal the user can read: JSON for scripts, a small page otherwise."""
    if wants_json(request):
        return json_error(status, "forbidden" if status == 403 else "conflict", message)
    return render(request, "scoring/refused.html", {"message": message}, status=status)


# A script's save refused for a missing object, or one the user may not see: the same words for both, so that the
# answer says nothing of whether the object exists.
MSG_NOT_FOUND = gettext_lazy(
    "Chưa lưu: không tìm thấy bản đánh giá hoặc tiêu chí này, hoặc tài khoản đang đăng nhập không được xem. Hãy tải "
    "lại trang."
)
MSG_FORBIDDEN = gettext_lazy("Chưa lưu: tài khoản đang đăng nhập không có quyền thực hiện thao tác này.")


def script_refusals(*, not_found: Any, forbidden: Any, code_of: Callable[[PermissionDenied], str] | None = None,
                    page: Callable[[HttpRequest, PermissionDenied], HttpResponse | None] | None = None,
                    ) -> Callable[[View], View]:
    """A decorator: for the pages' scripts (``wants_json``), a missing object (404) or a refusal for the right (403)
    answers in the saves' own JSON shape (``ok``, ``code``, ``message``, ``field``: null) in the request's language:
    the 404 always `not_found`'s words, whether the object is missing or not the user's to see; the 403 its own
    reason when it has one, else `forbidden`'s, under `code_of`'s code (``forbidden``). A plain request keeps the
    site's pages, or `page`'s answer to the refusal when it gives one. No query of its own."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Http404:
                if wants_json(request):
                    return json_error(404, "not_found", not_found)
                raise
            except PermissionDenied as exc:
                if wants_json(request):
                    reason = exc.args[0] if exc.args and exc.args[0] else forbidden
                    return json_error(403, code_of(exc) if code_of else "forbidden", reason)
                answer = page(request, exc) if page else None
                if answer is not None:
                    return answer
                raise

        return wrapped  # type: ignore[return-value]

    return decorate


# The sheet's and the explanation's saves: `MSG_NOT_FOUND`, `MSG_FORBIDDEN`.
json_refusals = script_refusals(not_found=MSG_NOT_FOUND, forbidden=MSG_FORBIDDEN)


def login_required_or_401(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``login_required`` for the endpoints the pages' scripts call: a signed-out script request gets a JSON 401
    (the page keeps what was typed and offers to sign in again) instead of a redirect that the browser would
    follow to the login page and then, after signing in, to this POST-only address."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if wants_json(request):
            return json_error(401, "signed_out", MSG_SIGNED_OUT, login_url=reverse("login"))
        return redirect_to_login(request.get_full_path())

    return wrapped


def lands_on(landing: Callable[..., str] | str, *args: str, fragment: str = "") -> Callable[[View], View]:
    """Mark a POST-only view with the page it belongs to, where a GET of the action lands instead of a bare 405:
    a login ``next``, the language switch's ``next`` and the address bar (a refused form drawn in place leaves
    the action's URL there) all lead to it (cchc.middleware.ActionLandingMiddleware).

    ``landing`` is a function of the view's URL arguments returning a URL, or a URL name reversed with the
    view's URL arguments named in ``args`` (and ``#fragment``). It must not read the database: the redirect says
    nothing about the object, whose page checks the permission (another unit's object stays a 404 there)."""

    def page(**kwargs: Any) -> str:
        url = reverse(landing, args=[kwargs[arg] for arg in args])  # type: ignore[arg-type]
        return f"{url}#{fragment}" if fragment else url

    def mark(view: View) -> View:
        view.login_landing = page if isinstance(landing, str) else landing  # type: ignore[attr-defined]
        return view

    return mark


def action_landing(match: ResolverMatch | None) -> str | None:
    """The landing page of the view `match` resolved to, None when it has none (see `lands_on`)."""
    landing = getattr(match.func, "login_landing", None) if match is not None else None
    return landing(**match.kwargs) if landing is not None and match is not None else None


def login_landing(url: str) -> str:
    """``url``, or the page to land on when it names a POST-only view marked with ``lands_on``."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return url
    return action_landing(match) or url


def evidence_ui_ready(assessment: Assessment) -> bool:
    """The evidence app's per-leaf partial and routes exist (they are built alongside this page)."""
    try:
        get_template(EVIDENCE_PARTIAL)
        reverse("evidence:library", args=[assessment.pk])
    except (TemplateDoesNotExist, NoReverseMatch):
        return False
    return True


def explain_url(assessment: Assessment) -> str | None:
    try:
        return reverse("appraisal:explain", args=[assessment.pk])
    except NoReverseMatch:
        return None


def score_text(value: Any) -> str:
    return "—" if value is None else _score_text(value, get_language())


@lru_cache(maxsize=8192)
def _score_text(value: Any, language: str | None) -> str:
    """A score in the language's format, kept per language: an autosave answers with some twenty of them, and
    Django's formatting reads the active locale's settings for each (scores are few: 0.00 to a few hundred). Written
    by the pages' `score` filter: a negative score with the minus sign, as the page it updates writes it."""
    return score_filter(value)


def leaf_score_text(indicator: Indicator, value: Any) -> str:
    """A leaf's self-score as the pages write it: a penalty leaf's, stored as the positive amount it deducts, with
    its minus sign («−2,50»: the engine subtracts it from the index), as the public pages write penalties; any
    other leaf's as `score_text`."""
    if value is not None and indicator.kind == Indicator.Kind.PENALTY:
        return signed_score(value, "-")
    return score_text(value)


def value_shown(indicator: Indicator, summary: str, score: Any) -> str:
    """A value in words with the score it gives («95 / 100 (0,50 điểm)»), the one way the conflict panel writes
    both sides: the score alone once when the value is the score already (points typed), the words alone when
    there is no score (nothing scored, not applicable)."""
    if score is None or indicator.method in (Indicator.Method.MANUAL, Indicator.Method.SURVEY):
        return summary
    return f"{summary} ({leaf_score_text(indicator, score)} {_('điểm')})"


def line_payload(line: ScoreLine, *, files: int) -> dict[str, Any]:
    indicator = line.indicator
    evidence_missing = (
        indicator.source != Indicator.Source.SURVEY and indicator.evidence_required and not line.not_applicable
        and not files
    )
    return {
        "id": line.pk,
        "code": indicator.code,
        "version": line.version,
        "self_score": None if line.self_score is None else f"{line.self_score:.2f}",
        "display": leaf_score_text(indicator, line.self_score),
        "value": line.self_value,
        "summary": value_summary(indicator, line.self_value),
        "not_applicable": line.not_applicable,
        "not_applicable_reason": line.not_applicable_reason,
        "note": line.self_note,
        "explanation": line.explanation,
        "explanation_required": bool(evidence_missing),
        "evidence_count": files,
        "updated_by": full_name(line.updated_by) if line.updated_by_id else "",
        "updated_at": dmy(line.updated_at),
    }


def not_applicable_payload(line: ScoreLine, *, index_mode: str) -> dict[str, Any]:
    """What a leaf declared «không phát sinh» counts for, as the engine credits it in the set's `index_mode`, to go
    with `line_payload` or `stored_payload`: the points (None when the leaf is left out of the maximum instead, or
    is not KPS) and the score as the page shows it («KPS (tính 1,50 điểm)»; empty when it is not KPS)."""
    if not line.not_applicable:
        return {"na_points": None, "na_display": ""}
    indicator = line.indicator
    credit = selectors.not_applicable_credit(kind=indicator.kind, max_points=indicator.max_points,
                                             index_mode=index_mode)
    return {
        "na_points": None if credit is None else f"{credit:.2f}",
        "na_display": selectors.not_applicable_shown(indicator=indicator, index_mode=index_mode),
    }


def totals_payload(totals: selectors.SheetTotals) -> dict[str, Any]:
    comp = totals.computation
    language = get_language()  # once: an autosave answers with some twenty figures

    def text(value: Any) -> str:
        return _score_text(value, language)

    progress = totals.progress
    rating = self_rating(index=comp.index, classification=comp.classification, scored=progress.scored,
                         total=progress.total)
    areas = {
        code: {
            "total": f"{total:.2f}", "display": text(total),
            "max": f"{maximum:.2f}", "max_display": text(maximum),
        }
        for code, total, maximum in totals.areas
    }
    overall = {
        "normal_total": text(comp.normal_total),
        "bonus": text(comp.bonus),
        "penalty": text(comp.penalty),
        "total": text(comp.total),
        "index": text(comp.index),
        "classification": rating.classification,
    }
    display = {f"area:{code}": a["display"] for code, a in areas.items()}
    display.update(overall)
    display.update(index=rating.index_shown)  # «tạm tính» while criteria are unscored, as the page draws it
    # On the page the bonus and the penalty are written with their signs, as the engine adds and subtracts them.
    display.update(bonus=signed_score(comp.bonus), penalty=signed_score(comp.penalty, "-"))
    display.update(
        scored=str(progress.scored), leaves=str(progress.total), evidence_missing=str(progress.evidence_missing),
        explanation_missing=str(progress.explanation_missing), percent=str(progress.percent),
    )
    return {
        "areas": areas,
        "overall": overall,
        "index": f"{comp.index:.2f}",
        "progress": {
            "scored": progress.scored, "total": progress.total, "percent": progress.percent,
            "evidence_missing": progress.evidence_missing, "explanation_missing": progress.explanation_missing,
        },
        "display": display,
    }


def stored_payload(line: ScoreLine) -> dict[str, Any]:
    """The stored state of a line another user changed (for the conflict panel)."""
    summary = value_summary(line.indicator, line.self_value) if not line.not_applicable else _("Không phát sinh")
    display = leaf_score_text(line.indicator, line.self_score)
    # What the panel shows: the value and its score (`value_shown`); a not applicable leaf has no score of its own.
    shown = value_shown(line.indicator, summary, None if line.not_applicable else line.self_score)
    return {
        "value": line.self_value,
        "summary": summary,
        "shown": shown,
        "score": None if line.self_score is None else f"{line.self_score:.2f}",
        "display": display,
        "note": line.self_note,
        "explanation": line.explanation,
        "not_applicable": line.not_applicable,
        "not_applicable_reason": line.not_applicable_reason,
        "version": line.version,
        "updated_by": full_name(line.updated_by) if line.updated_by_id else "",
        "updated_at": dmy(line.updated_at),
    }


def area_extra_nodes(indicators: list[Indicator]) -> dict[str, list[Indicator]]:
    """Per area code, the bonus and penalty criteria inside it that count on their own (no bonus or penalty
    parent), in set order: the engine leaves them out of the area's subtotal and adds or subtracts them in the
    set's bonus or penalty (capped there), so a page showing an area's subtotal says so and names them."""
    by_id = {ind.pk: ind for ind in indicators}
    out: dict[str, list[Indicator]] = {}
    for ind in indicators:
        parent = by_id.get(ind.parent_id) if ind.parent_id else None
        if ind.kind == Indicator.Kind.NORMAL or parent is None or parent.kind != Indicator.Kind.NORMAL:
            continue
        area = parent
        while area.parent_id and area.parent_id in by_id:
            area = by_id[area.parent_id]
        out.setdefault(area.code, []).append(ind)
    return out


def area_extras_said(indicators: list[Indicator], *, codes: bool = True) -> dict[str, str]:
    """Per area code with bonus or penalty criteria inside it (`area_extra_nodes`), what its subtotal leaves out:
    «không kể điểm cộng 1.6», «không kể điểm trừ 3.10», or both; without `codes` (a phone's sticky area heading has
    room for a few words only) «không kể điểm cộng», «không kể điểm trừ», «không kể điểm cộng, trừ»."""
    out: dict[str, str] = {}
    for code, nodes in area_extra_nodes(indicators).items():
        bonus = ", ".join(n.code for n in nodes if n.kind == Indicator.Kind.BONUS)
        penalty = ", ".join(n.code for n in nodes if n.kind == Indicator.Kind.PENALTY)
        if not codes:
            out[code] = (_("không kể điểm cộng, trừ") if bonus and penalty
                         else _("không kể điểm cộng") if bonus else _("không kể điểm trừ"))
        elif bonus and penalty:
            out[code] = _("không kể điểm cộng %(bonus)s, điểm trừ %(penalty)s") % {"bonus": bonus, "penalty": penalty}
        elif bonus:
            out[code] = _("không kể điểm cộng %(codes)s") % {"codes": bonus}
        else:
            out[code] = _("không kể điểm trừ %(codes)s") % {"codes": penalty}
    return out
