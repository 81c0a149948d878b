"""Helpers shared by the appraisal pages: JSON answers, domain errors → HTTP, safe redirects."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from appraisal.permissions import AssignmentRefused, OwnUnitRefused
from appraisal.selectors import SORTS, WORK_STATES, ReviewSummary
from appraisal.selectors.review import last_appraisal, line_decided, na_credited, na_pending
from scoring.errors import DomainError, StaleVersion
from scoring.forms import value_summary
from scoring.models import Indicator, ScoreLine
from scoring.selectors import not_applicable_shown
from scoring.templatetags.scoring_tags import dmy, full_name, score, signed_score
from scoring.views._common import refuse, script_refusals

EVIDENCE_PARTIAL = "evidence/_line_evidence.html"
DETAILS_SHOWN = 20  # of a refusal's list (the leaves missing a score): the page names so many, then counts
AREA_CODE = re.compile(r"[0-9A-Za-z._-]{1,20}")
NUMBER = re.compile(r"[0-9]{1,9}")
QUEUE_QUERY_MAX = 500  # characters of a `tu` read at all
# The queue's own parameters, each with what a value must look like; `tu` keeps these and nothing else.
QUEUE_PARAMS = {
    "ky": NUMBER.fullmatch,
    "nhom": NUMBER.fullmatch,
    "trang-thai": lambda value: value in WORK_STATES,
    "linh-vuc": AREA_CODE.fullmatch,
    "trang": NUMBER.fullmatch,
    "giai-trinh-moi": lambda value: value == "1",
    "chua-xong": lambda value: value == "1",
    "sap-xep": lambda value: value in SORTS,
}


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def score_text(value: Any) -> str:
    """A score as the pages write it (`scoring_tags.score`): two decimals in the active language, a negative one
    with the true minus sign («−1,00»), so that a script's update reads as the page did on load; "—" for none."""
    return score(value)


def leaf_score_text(value: Any, indicator: Any) -> str:
    """A leaf's score as the pages write it (`appraisal_tags.leaf_score`): a penalty leaf's as the deduction it is
    («−0,50»), any other with two decimals; "—" for none."""
    if value is None:
        return "—"
    if getattr(indicator, "kind", None) == Indicator.Kind.PENALTY:
        return signed_score(value, "-")
    return score_text(value)


def line_json(line: ScoreLine, *, state: str | None = None, index_mode: str | None = None) -> dict[str, Any]:
    """What the review page's script needs to show a leaf after a save or a conflict. An accepted «không phát
    sinh» reads as the unit side shows it, with the points it is credited; one waiting for the team is pending.
    `state` and `index_mode` are the assessment's and its set's (read from the line when not given)."""
    if state is None:
        state = line.assessment.state
    credited = na_credited(line, state)
    if credited and index_mode is None:
        index_mode = line.assessment.indicator_set.index_mode
    display = (not_applicable_shown(indicator=line.indicator, index_mode=index_mode or "") if credited
               else leaf_score_text(line.appraised_score, line.indicator))
    summary = value_summary(line.indicator, line.appraised_value)
    return {
        "id": line.pk,
        "version": line.version,
        "value": line.appraised_value,
        "appraised_score": None if line.appraised_score is None else f"{line.appraised_score:.2f}",
        "display": display,
        "self_display": leaf_score_text(line.self_score, line.indicator),
        "summary": summary,
        "stored": stored_text(line, state=state, display=display, summary=summary),
        "note": line.appraised_note,
        "na_overruled": line.na_overruled,
        "explanation": line.explanation,
        "differs": line.appraised_score is not None and line.appraised_score != line.self_score,
        "done": line_decided(line, state),
        "na_pending": na_pending(line, state),
    }


def stored_text(line: ScoreLine, *, state: str, display: str, summary: str) -> str:
    """The team's decision stored on a leaf, in words, for a conflict box: an accepted «không phát sinh» with the
    points it is credited, one waiting for the team, no appraisal yet, or the input with its points."""
    if na_credited(line, state):
        return _("Chấp nhận «không phát sinh» — %(shown)s") % {"shown": display}
    if na_pending(line, state):
        return _("Chờ thẩm định")
    if line.appraised_score is None:
        return summary
    return _("%(value)s (%(points)s điểm)") % {"value": summary, "points": display}


def last_appraised_text(line: ScoreLine, user: Any) -> str:
    """Who set the leaf's stored appraisal and when, in words, for a conflict box (the audit's latest appraisal
    entry; the user's own in another tab said as such); empty when the audit names nobody. One query."""
    entry = last_appraisal(line_id=line.pk)
    if entry is None or entry.actor is None:
        return ""
    at = dmy(entry.at)
    if entry.actor_id == getattr(user, "pk", None):
        return _("Giá trị đang lưu do chính anh/chị lưu lúc %(at)s (ở một thẻ khác).") % {"at": at}
    return _("Giá trị đang lưu do %(who)s lưu lúc %(at)s.") % {"who": full_name(entry.actor), "at": at}


def appraised_totals_shown(
    *, comp: Any, areas: list[tuple[Any, int, int]], extras: dict[str, tuple[int, int]], done: int, total: int,
) -> dict[str, Any]:
    """The review page's «Thẩm định» column as it writes it, the page and its script alike: an area none of whose
    leaves the team has decided yet, and the bonus or the penalty while none of its leaves is, read «chưa thẩm
    định» (not a 0,00 nobody gave); the index reads so before any decision, and is marked «tạm tính» while some
    leaves are still to decide (they count 0 in it). "—" where the engine gives none. `areas`: (area, decided,
    leaves)."""
    not_yet = _("chưa thẩm định")
    totals = comp.area_totals if comp is not None else {}

    def extra(kind: str, value: Any, text: Callable[[Any], str]) -> str:
        decided, leaves = extras.get(kind, (0, 0))
        return not_yet if leaves and not decided else text(value)

    index = score_text(comp.index if comp is not None else None)
    if not done and total:
        index = not_yet
    elif done < total and comp is not None:
        index = _("%(index)s (tạm tính)") % {"index": index}
    return {
        "areas": {area.pk: score_text(totals.get(area.code)) if area_done else not_yet
                  for area, area_done, _leaves in areas},
        "bonus": extra("bonus", comp.bonus if comp is not None else None, score_text),
        # a deduction, as the page's row and the unit's sheet write it («−0,50»)
        "penalty": extra("penalty", comp.penalty if comp is not None else None,
                         lambda value: signed_score(value, "-")),
        "index": index,
    }


def review_json(summary: ReviewSummary) -> dict[str, Any]:
    """What the review page's script updates above the leaves after a per-leaf save: the state, the progress
    per area and in all, the appraised totals (as the page writes them: `appraised_totals_shown`)."""
    shown = appraised_totals_shown(comp=summary.appraised_comp, areas=summary.areas, extras=summary.extras,
                                   done=summary.done, total=summary.total)
    return {
        "state": summary.state,
        "state_display": summary.state_display,
        "done": summary.done,
        "total": summary.total,
        "first_pending": summary.first_pending,
        # its area's code: the page, filtered to another area, links there
        "first_pending_area": next((area.code for area, done, total in summary.areas if done < total), None),
        "areas": [
            {"id": area.pk, "done": done, "total": total, "appraised": shown["areas"][area.pk]}
            for area, done, total in summary.areas
        ],
        "bonus": shown["bonus"],
        "penalty": shown["penalty"],
        "index": shown["index"],
    }


def _refused_page(request: HttpRequest, exc: PermissionDenied) -> HttpResponse | None:
    """One's own unit or a missing assignment refused with its reason (`refusal_text`): the site's 403 page says no
    why."""
    if isinstance(exc, OwnUnitRefused | AssignmentRefused):
        return refuse(request, refusal_text(request, exc), status=403)
    return None


# For the review page's script requests, a refusal for permission (403) or a missing object (404) answers JSON with
# the reason (`permissions`' messages: an assignment changed since the page was loaded, one's own unit, a leaf or
# area of another appraiser), which the page shows where the save was made; only a real signed-out answer (401,
# `login_required_or_401`) offers to sign in again. Plain requests keep the site's pages, but for one's own unit or
# a missing assignment, refused with its reason (`refusal_text`), as the review page says it.
answers_json = script_refusals(
    not_found=gettext_lazy(
        "Không tìm thấy bản đánh giá hoặc tiêu chí này (có thể đã bị thay đổi). Hãy tải lại trang."),
    forbidden=gettext_lazy(
        "Anh/chị không có quyền thực hiện thao tác này (phân công thẩm định có thể vừa thay đổi). Hãy tải lại trang."),
    code_of=lambda exc: "own_unit" if isinstance(exc, OwnUnitRefused) else "forbidden",
    page=_refused_page,
)


def refusal_text(request: HttpRequest, exc: OwnUnitRefused | AssignmentRefused) -> str:
    """A page's refusal in words: one's own unit (a conflict of interest), or the assignment missing, said for a
    page being opened (GET: nothing was being saved) or for a form sent without the page's script."""
    if isinstance(exc, AssignmentRefused) and request.method in ("GET", "HEAD"):
        return exc.page_message
    return str(exc)


def error_json(exc: DomainError) -> JsonResponse:
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    body: dict[str, Any] = {"ok": False, "code": exc.code, "message": str(exc.message), "field": field}
    if isinstance(exc, StaleVersion) and isinstance(exc.details, ScoreLine):
        body["current"] = line_json(exc.details)
    elif isinstance(exc.details, list):
        body["details"] = [str(d) for d in exc.details]
    return JsonResponse(body, status=exc.status)


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to `next` when it is one of our own URLs, else to `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


def domain_error_text(exc: DomainError) -> str:
    """A refusal's message for a page, with the leaf codes it concerns: the first ones, and how many more."""
    text = str(exc.message)
    if isinstance(exc.details, list) and exc.details:
        shown = ", ".join(str(d) for d in exc.details[:DETAILS_SHOWN])
        more = len(exc.details) - DETAILS_SHOWN
        if more > 0:
            text += " " + ngettext("%(shown)s và %(n)s tiêu chí khác.", "%(shown)s và %(n)s tiêu chí khác.",
                                   more) % {"shown": shown, "n": more}
        else:
            text += " " + shown
    return text


def domain_error(request: HttpRequest, exc: DomainError, default: str, *, follow_next: bool = True) -> HttpResponse:
    """A refused action: JSON for scripts; otherwise the message on the page the user came from (its ``next``, or
    `default`; only `default` when not `follow_next`). A refusal that names leaves (sign-off with leaves undecided)
    lands on the first of them where the page is the default."""
    if wants_json(request):
        return error_json(exc)
    text = domain_error_text(exc)
    if isinstance(exc.details, list) and exc.details:
        first = getattr(exc.details[0], "line_id", None)
        if first is not None and "#" not in default:
            default = f"{default}#line-{first}"
    messages.error(request, text)
    return back(request, default) if follow_next else redirect(default)


def queue_query(raw: str | None) -> str:
    """The queue's filters a review page carries (its `tu`) as a query string of the queue's own parameters, each
    checked and taken once: anything else is dropped, so a link built from it can only lead to the queue."""
    if not raw or len(raw) > QUEUE_QUERY_MAX:
        return ""
    try:
        pairs = parse_qsl(raw, max_num_fields=20)
    except ValueError:  # more fields than the queue has filters, many times over
        return ""
    kept: dict[str, str] = {}
    for key, value in pairs:
        check = QUEUE_PARAMS.get(key)
        if check is not None and key not in kept and check(value):
            kept[key] = value
    return urlencode(kept)


UNDECIDED_ONLY = "chua-tham-dinh"  # the review page's filter: only the leaves the team has not decided yet


def page_params(query: QueryDict) -> dict[str, str]:
    """The review page's own parameters worth keeping across its links and redirects, checked: the area shown
    (``linh-vuc``), the queue's filters (``tu``) and «chỉ tiêu chí chưa thẩm định» (`UNDECIDED_ONLY`)."""
    kept: dict[str, str] = {}
    area = query.get("linh-vuc", "")
    if area and AREA_CODE.fullmatch(area):
        kept["linh-vuc"] = area
    if tu := queue_query(query.get("tu")):
        kept["tu"] = tu
    if query.get(UNDECIDED_ONLY) == "1":
        kept[UNDECIDED_ONLY] = "1"
    return kept


def posted_page_params(request: HttpRequest, page: str) -> dict[str, str]:
    """The parameters of the page a form was posted from, read from its ``next`` (the page's address): none
    when ``next`` is not `page` itself."""
    parts = urlsplit(request.POST.get("next", ""))
    if parts.scheme or parts.netloc or parts.path != page:
        return {}
    return page_params(QueryDict(parts.query))


def review_page(assessment_id: int) -> str:
    return reverse("appraisal:review", args=[assessment_id])


def review_params(request: HttpRequest, assessment_id: int) -> dict[str, str]:
    """The review page's filters a request carries: for a form posted from the page (or from a page it links to
    with them), the ``next`` it posts; else its own address's (the page, or a page it links to)."""
    if request.method == "POST":
        return posted_page_params(request, review_page(assessment_id))
    return page_params(request.GET)


def review_url(request: HttpRequest, assessment_id: int, anchor: str = "") -> str:
    """The review page a request comes from, filtered as it was (`review_params`), at `anchor`: where the page's
    actions return."""
    return with_params(review_page(assessment_id), review_params(request, assessment_id), anchor)


def with_params(url: str, params: dict[str, str], anchor: str = "") -> str:
    query = urlencode(params)
    return f"{url}{'?' + query if query else ''}{'#' + anchor if anchor else ''}"


def evidence_ui_ready() -> bool:
    try:
        get_template(EVIDENCE_PARTIAL)
        reverse("evidence:preview", args=[1])
    except (TemplateDoesNotExist, NoReverseMatch):
        return False
    return True


def self_assessment_url(assessment_id: int) -> str | None:
    try:
        return reverse("scoring:assessment", args=[assessment_id])
    except NoReverseMatch:
        return None
