"""The reviewer's workbench: the queue, the review page and its per-leaf actions, the result status."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from appraisal import forms, permissions, selectors, services
from appraisal.selectors.explanation import leaves_to_mark_seen, new_explanations_for
from appraisal.selectors.review import previous_decision, previous_round_decision
from appraisal.selectors.rounds import shown_number
from appraisal.selectors.tree import set_tree
from appraisal.services.common import LEAF_APPRAISING_STATES
from appraisal.views._common import (
    UNDECIDED_ONLY,
    answers_json,
    appraised_totals_shown,
    domain_error,
    error_json,
    last_appraised_text,
    line_json,
    queue_query,
    refusal_text,
    review_json,
    review_params,
    review_url,
    score_text,
    self_assessment_url,
    wants_json,
    with_params,
)
from scoring.dates import local_day, local_moment
from scoring.errors import DomainError, StaleVersion, ValidationFailed
from scoring.models import Assessment, Cycle, Indicator, ScoreLine
from scoring.permissions import assessment_get_for_user, self_assessment_deadline
from scoring.selectors import not_applicable_shown
from scoring.selectors.handover import handover_entries
from scoring.views._common import lands_on, login_required_or_401, refuse

QUEUE_PER_PAGE = 50
# The queue's orders (`selectors.SORTS`) as its «Sắp xếp» offers them; the first is the default.
SORT_CHOICES = [
    (selectors.SORT_GROUP, gettext_lazy("Theo khối, rồi tên đơn vị (A–Z)")),
    (selectors.SORT_NAME, gettext_lazy("Tên đơn vị (A–Z)")),
    (selectors.SORT_MOST_OPEN, gettext_lazy("Còn nhiều tiêu chí chưa thẩm định nhất (lĩnh vực của tôi)")),
    (selectors.SORT_LEAST_OPEN, gettext_lazy("Còn ít tiêu chí chưa thẩm định nhất (lĩnh vực của tôi)")),
    (selectors.SORT_SUBMITTED_FIRST, gettext_lazy("Gửi sớm nhất trước")),
    (selectors.SORT_SUBMITTED_LAST, gettext_lazy("Gửi muộn nhất trước")),
    (selectors.SORT_SELF_HIGH, gettext_lazy("Chỉ số tự đánh giá cao nhất trước")),
    (selectors.SORT_SELF_LOW, gettext_lazy("Chỉ số tự đánh giá thấp nhất trước")),
]
# `linh-vuc` for every area, chosen: without `linh-vuc`, an appraiser limited to some areas sees theirs only
ALL_AREAS = "tat-ca"


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Submitted assessments with progress per assigned area; filters: group (its id or code), state, area, cycle,
    new explanations, «lĩnh vực của tôi chưa xong» (`chua-xong`: a leaf of the areas shown still undecided). A
    filter that names nothing is named on the page and left out (the queue as if it were not given)."""
    if not permissions.can_use_workbench(request.user):
        raise PermissionDenied
    raw_cycle = request.GET.get("ky", "").strip()
    cycle_id = forms.whole_number(raw_cycle)
    cycle = Cycle.objects.filter(pk=cycle_id).first() if cycle_id else None  # any number: no row, or its cycle
    unknown_cycle = raw_cycle if raw_cycle and cycle is None else ""
    state = request.GET.get("trang-thai", "")
    area = request.GET.get("linh-vuc", "")
    new_explanations = request.GET.get("giai-trinh-moi") == "1"
    open_areas = request.GET.get("chua-xong") == "1"
    data = selectors.queue_for_user(user=request.user, cycle=cycle, group=request.GET.get("nhom", ""), state=state,
                                    area_code=area, per_page=QUEUE_PER_PAGE, page=request.GET.get("trang"),
                                    new_explanations=new_explanations, open_areas=open_areas,
                                    sort=request.GET.get("sap-xep", ""))
    group_id = data.group.pk if data.group is not None else None
    # the order applied: the default (by group, then name) goes without saying
    sort = data.sort if data.sort != selectors.SORT_GROUP else ""
    # the filters as applied: an unknown one left out, a group named by its code kept as its id, the cycle shown
    # named even when none was chosen (the queue as it first loads is the latest cycle's)
    applied = {"ky": str(data.cycle.pk) if data.cycle is not None else "", "nhom": str(group_id or ""),
               "trang-thai": "" if data.unknown_state else state, "linh-vuc": "" if data.unknown_area else area,
               "sap-xep": sort}
    kept = {"ky": data.cycle.pk if data.cycle else "", "nhom": group_id or "", "trang-thai": applied["trang-thai"],
            "linh-vuc": applied["linh-vuc"], "giai-trinh-moi": "1" if new_explanations else "",
            "chua-xong": "1" if open_areas else "", "sap-xep": sort}
    # The review pages opened from here show the area chosen and carry the queue's filters (`tu`) back to it: always
    # at least the cycle shown, so that a page opened from the queue as it first loads has its «Đơn vị tiếp theo».
    given = [(k, applied.get(k, v)) for k, v in request.GET.items() if applied.get(k, v)]
    given += [(k, v) for k, v in applied.items() if v and k not in request.GET]
    carried = {"linh-vuc": applied["linh-vuc"], "tu": queue_query(urlencode(given))}
    user = request.user
    # a team member with no assignment in the cycle sees nothing: say so, rather than blame the filters
    unassigned = data.cycle is not None and not permissions.is_administrator(user) and not (
        permissions.is_appraisal_lead(user) or permissions.assignment_of(user, data.cycle.pk))
    return render(request, "appraisal/queue.html", {
        "queue": data,
        # a unit that never submitted: its «Gửi lúc» is when the administrators handed it over (one query)
        "handed_over": set(handover_entries(row.assessment.pk for row in data.rows)),
        "unknown_cycle": unknown_cycle,
        "unassigned": unassigned,
        # the cycle's preliminary table, for those who see its dashboard (a lead by assignment: their cycles')
        "can_cycle_workbook": data.cycle is not None and permissions.can_view_dashboard(user, cycle_id=data.cycle.pk),
        "appraisal_deadline": selectors.appraisal_deadline_standing(cycle=data.cycle),
        "page": data.page,
        "query": urlencode({k: v for k, v in kept.items() if v}),  # the pager keeps the filters
        "review_query": with_params("", {k: v for k, v in carried.items() if v}),
        "cycles": Cycle.objects.order_by("-year")[:10],
        "states": [(v, label) for v, label in Assessment.State.choices if v in selectors.WORK_STATES],
        "sorts": SORT_CHOICES,
        "selected": {"state": applied["trang-thai"], "area": applied["linh-vuc"], "group": group_id,
                     "cycle": data.cycle.pk if data.cycle else None, "new_explanations": new_explanations,
                     "open_areas": open_areas, "sort": data.sort},
    })


def review_context(
    request: HttpRequest, assessment: Assessment, *, errors: dict[int, dict[str, Any]] | None = None,
    zero_error: dict[str, Any] | None = None, signoff_error: str = "",
) -> dict[str, Any]:
    """The review page's context; drawn again after a refused form post with its error (a leaf's `errors`, the
    «chấm 0 điểm» form's `zero_error`, the sign-off's unread-explanations confirmation: `signoff_error`)."""
    user = request.user
    allowed = permissions.area_ids_for(user, assessment)
    # leaves are decided during an explanation round too, those the round did not flag (`selectors.review`)
    writable = assessment.state in LEAF_APPRAISING_STATES
    data = selectors.review(assessment=assessment, allowed=allowed, writable=writable)
    params = review_params(request, assessment.pk)
    area_code = params.get("linh-vuc", "")
    shown = _areas_shown(data, allowed, area_code)
    if area_code == ALL_AREAS:
        area_code = ""
    # «chỉ tiêu chí chưa thẩm định»: the decided leaves of the areas shown are left out (counted as they are)
    undecided_only = params.get(UNDECIDED_ONLY) == "1"
    index_mode = assessment.indicator_set.index_mode
    can_lead = permissions.can_lead(user, assessment)
    is_admin = permissions.is_administrator(user)
    handover = selectors.assessment_handover(assessment)
    late = _submission_late(assessment, handover)
    unscored_total = 0
    for area in data.areas:
        area.unscored = sum(1 for row in area.lines if selectors.line_unscored(row.line, row.indicator))  # type: ignore[attr-defined]
        unscored_total += area.unscored  # type: ignore[attr-defined]
        for row in area.lines:
            # The unit's KPS with the points the engine credits it, so the self-scores add up to the totals shown.
            row.na_shown = (  # type: ignore[attr-defined]
                not_applicable_shown(indicator=row.indicator, index_mode=index_mode) if row.line.not_applicable else ""
            )
            error = (errors or {}).get(row.line.pk)
            row.ctx = forms.leaf_contexts(  # type: ignore[attr-defined]
                row.line, row.indicator, editable=row.editable,
                posted=error["posted"] if error else None, error_field=error["field"] if error else None,
            )
            row.error = error  # type: ignore[attr-defined]
            # the leaf scoring the on-time submission, of a unit that sent late or never did: said with the dates;
            # accepting a self-score worth points on it asks first (the page's script)
            row.submission_late = late if row.indicator.on_time_submission else ""  # type: ignore[attr-defined]
            row.late_asks = bool(row.submission_late) and (row.line.self_score or 0) > 0  # type: ignore[attr-defined]
            # a new round: the reason box starts empty, the previous round's reason shown beside it (read-only);
            # a reason saved in this round stays in the box
            previous = previous_decision(row.history, assessment.appraisal_round)
            row.previous = previous  # type: ignore[attr-defined]
            row.note_shown = (  # type: ignore[attr-defined]
                "" if previous is not None and row.line.appraised_note.strip() == previous.note.strip()
                else row.line.appraised_note)
    result = selectors.result_of(assessment)
    rounds = selectors.explanation_rounds(assessment=assessment)
    page = _review_page(assessment.pk)
    tu = params.get("tu", "")
    queue_url = reverse("appraisal:queue")
    return {
        "assessment": assessment,
        "review": data,
        "appraised_shown": appraised_totals_shown(
            comp=data.appraised_comp, areas=[(a.area, a.done, a.total) for a in data.areas], extras=data.extras,
            done=data.done, total=data.total),
        "extra_max": _extra_max(data, assessment),
        "shown": shown,
        "area_code": area_code,
        # opened without `linh-vuc` by an appraiser limited to some areas: theirs only, with a way to all of them
        "own_areas_only": not params.get("linh-vuc") and len(shown) < len(data.areas),
        "all_areas_url": with_params("", {**params, "linh-vuc": ALL_AREAS}),
        "all_areas_chosen": params.get("linh-vuc") == ALL_AREAS,
        "has_own_areas": bool(allowed) and len(_areas_shown(data, allowed, "")) < len(data.areas),
        "rounds": rounds,
        # the current appraisal round as numbered for people: withdrawn rounds take no number
        "round_shown": shown_number(assessment.appraisal_round, [r.round for r in rounds if r.withdrawn]),
        # during an explanation round the header names it by its own number (`selectors.rounds`), which a reopen
        # (a new appraisal round without an explanation round) sets apart from the appraisal round's
        "open_round": next((r for r in rounds if r.round == assessment.appraisal_round), None)
        if assessment.state == Assessment.State.EXPLANATION else None,
        "result": result,
        "pending": selectors.result_pending(assessment, result),
        "can_lead": can_lead,
        # submitted, not started: anyone's first decision starts the appraisal, which ends the unit's withdrawal
        "start_notice": assessment.state == Assessment.State.SUBMITTED and any(a.editable for a in data.areas),
        "handover": handover,
        "undecided_only": undecided_only,
        "undecided_shown": sum(1 for area in shown for row in area.lines if not row.done),
        "without_undecided_url": with_params("", {k: v for k, v in params.items() if k != UNDECIDED_ONLY}),
        # reopened after a sign-off: the team sees when, by whom and why (the reason is otherwise in the audit only)
        "reopened": selectors.assessment_reopened(assessment),
        # the lead's «chấm 0 điểm» of the whole assessment: not during an explanation round (`assessment_zero_unscored`)
        "unscored": unscored_total if can_lead and assessment.state in services.APPRAISING_STATES else 0,
        "zero_error": zero_error,
        "signoff_error": signoff_error,
        "zero_reason": (zero_error or {}).get("reason") or (
            _("Đơn vị không gửi bản tự đánh giá đúng hạn") if handover else _("Đơn vị không tự chấm tiêu chí này")),
        "is_admin": is_admin,
        "no_lead": selectors.assessment_has_no_lead(assessment) if is_admin else False,
        # the new explanations nobody of the team has looked at: the sign-off names them and asks to confirm
        "unread": [row for area in data.areas for row in area.lines if row.new_explanation],
        # during an explanation round: the leaves waiting for the unit (the others are appraised meanwhile)
        "awaiting": data.awaiting_explanation if assessment.state == Assessment.State.EXPLANATION else 0,
        "awaiting_documents": data.awaiting_documents if assessment.state == Assessment.State.EXPLANATION else 0,
        "can_close_round": services.explanation_overdue(assessment),
        "can_reopen": permissions.can_reopen(user) and assessment.state == Assessment.State.SIGNED_OFF,
        "writable": writable,
        "self_url": self_assessment_url(assessment.pk),
        "next": with_params(page, params),  # where the page's forms come back to, as filtered
        "filters": with_params("", params),  # carried by the links to the lead's pages, which come back here
        "tu": tu,
        "back_url": f"{queue_url}?{tu}" if tu else queue_url,
        "next_unit_url": _next_in_queue(user, assessment, tu) if tu else None,
        "first_pending_url": _first_pending_url(data, params, shown),
        # the «được phân công» tag means something only to someone limited to some areas
        "restricted": allowed is not None,
    }


def _submission_late(assessment: Assessment, handover: dict[str, Any] | None) -> str:
    """In words, with the dates, that the unit never sent its self-assessment (handed over to the team by the
    administrators) or sent it after the deadline that applied to it (its own, when extended); "" when it sent it in
    time or no deadline was set. No query."""
    deadline = self_assessment_deadline(assessment)
    if handover is not None:
        if deadline is None:
            return _("Đơn vị không gửi báo cáo tự đánh giá.")
        return _("Đơn vị không gửi báo cáo tự đánh giá (thời hạn %(deadline)s).") % {"deadline": local_day(deadline)}
    sent = assessment.submitted_at
    if sent is None or deadline is None or sent <= deadline:
        return ""
    # late on the deadline's own day: the hours tell the two apart
    shown = local_moment if local_day(sent) == local_day(deadline) else local_day
    return _("Đơn vị gửi báo cáo ngày %(sent)s, sau thời hạn %(deadline)s.") % {
        "sent": shown(sent), "deadline": shown(deadline)}


def _areas_shown(data: Any, allowed: set[int] | None, area_code: str) -> list[Any]:
    """The areas the review page shows: the one `linh-vuc` names, every one for «tất cả» (`ALL_AREAS`); without
    `linh-vuc`, the user's own (an area assigned to them or one of whose criteria is, as the queue's area column
    counts them) when they are limited to some areas, every one otherwise (the lead, an administrator, someone
    assigned none of this set). No query: the leaves' paths are read with the page."""
    if area_code == ALL_AREAS:
        return list(data.areas)
    if area_code:
        return [a for a in data.areas if a.area.code == area_code]
    if not allowed:  # None: every area is theirs; empty: none is, so nothing to narrow to
        return list(data.areas)
    own = [
        a for a in data.areas
        if a.area.pk in allowed or any(
            node.pk in allowed for row in a.lines for node in (row.indicator, *row.path))
    ]
    return own or list(data.areas)


def _first_pending_url(data: Any, params: dict[str, str], shown: list[Any]) -> str:
    """The link to the first leaf yet to decide: its anchor when the page shows its area, else the page filtered
    to its area."""
    first = data.first_pending
    if first is None:
        return ""
    area = next(a.area for a in data.areas if any(row is first for row in a.lines))
    if any(a.area.pk == area.pk for a in shown):
        return f"#line-{first.line.pk}"
    return with_params("", {**params, "linh-vuc": area.code}, f"line-{first.line.pk}")


def _next_in_queue(user: Any, assessment: Assessment, tu: str) -> str | None:
    """The review page of the unit after this one in the queue filtered as `tu` says (`selectors.queue_next`),
    carrying the queue's filters with that unit's page of the queue. None at the queue's end, or for a queue of
    another cycle."""
    filters = dict(parse_qsl(tu))
    cycle_id = forms.whole_number(filters.get("ky"))
    cycle = Cycle.objects.filter(pk=cycle_id).first() if cycle_id else None
    if cycle_id and cycle is None:
        return None
    found = selectors.queue_next(
        user=user, assessment=assessment, cycle=cycle, group=filters.get("nhom", ""),
        state=filters.get("trang-thai", ""), area_code=filters.get("linh-vuc", ""),
        page=forms.whole_number(filters.get("trang")) or 1, per_page=QUEUE_PER_PAGE,
        new_explanations=filters.get("giai-trinh-moi") == "1", open_areas=filters.get("chua-xong") == "1",
        sort=filters.get("sap-xep", ""),
    )
    if found is None:
        return None
    following, page = found
    if page > 1:
        filters["trang"] = str(page)
    # as the queue's own link to it: the queue's area shown, the queue's filters carried
    area = {"linh-vuc": filters["linh-vuc"]} if filters.get("linh-vuc") else {}
    return with_params(_review_page(following.pk), {**area, "tu": urlencode(filters)})


def _extra_max(data: Any, assessment: Assessment) -> dict[str, Decimal | None]:
    """The most the bonus and the penalty can count (None: the set has none), as the engine caps them: each
    top bonus/penalty criterion at its maximum, their sum at the set's cap. The summary's bonus and penalty
    rows show it where the areas show theirs."""
    tops: dict[str, dict[int, Decimal]] = {Indicator.Kind.BONUS: {}, Indicator.Kind.PENALTY: {}}
    for area in data.areas:
        for row in area.lines:
            kind = row.indicator.kind
            if kind in tops:
                top = next(n for n in (area.area, *row.path, row.indicator) if n.kind == kind)
                tops[kind][top.pk] = top.max_points
    caps = {Indicator.Kind.BONUS: assessment.indicator_set.bonus_cap,
            Indicator.Kind.PENALTY: assessment.indicator_set.penalty_cap}
    shown: dict[str, Decimal | None] = {}
    for kind, nodes in tops.items():
        total = sum(nodes.values(), Decimal(0)) if nodes else None
        cap = caps[kind]
        shown[str(kind)] = total if total is None or cap is None else min(total, max(cap, Decimal(0)))
    return shown


@require_GET
@login_required
def review(request: HttpRequest, assessment_id: int) -> HttpResponse:
    try:
        assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    except (permissions.OwnUnitRefused, permissions.AssignmentRefused) as exc:
        return refuse(request, refusal_text(request, exc), status=403)
    return render(request, "appraisal/review.html", review_context(request, assessment))


def _review_url(request: HttpRequest, assessment: Assessment, anchor: str = "") -> str:
    """The review page a form was posted from, filtered as it was (its posted ``next``), at `anchor`."""
    return review_url(request, assessment.pk, anchor)


# Where a login whose ``next`` is one of this page's POST-only actions lands (see scoring.views._common.lands_on).
def _review_page(assessment_id: int) -> str:
    return reverse("appraisal:review", args=[assessment_id])


def _leaf_page(assessment_id: int, line_id: int) -> str:
    return f"{_review_page(assessment_id)}#line-{line_id}"


def _area_page(assessment_id: int, area_id: int) -> str:
    return f"{_review_page(assessment_id)}#area-{area_id}"


def _new_explanations_json(user: Any, assessment: Assessment) -> dict[str, Any]:
    """The page's «giải trình mới» as they now stand, for its script (after a per-leaf save, a conflict, a «Đã
    xem»): the lines still tagged; the user's count for the whole assessment and per area (areas with none left
    out), each with the words the page shows it in (the template's, in the request's language)."""
    found = new_explanations_for(user=user, assessment=assessment)
    total = found.total
    return {
        "lines": found.lines,
        "total": total,
        "note": ngettext("%(n)s tiêu chí có giải trình mới chưa xem (đánh dấu «Giải trình mới»).",
                         "%(n)s tiêu chí có giải trình mới chưa xem (đánh dấu «Giải trình mới»).", total)
        % {"n": total},
        "button": ngettext("Đánh dấu đã xem %(n)s giải trình mới", "Đánh dấu đã xem %(n)s giải trình mới", total)
        % {"n": total},
        "areas": [
            {"id": area_id, "count": count,
             "button": ngettext("Đã xem %(n)s giải trình mới của lĩnh vực này",
                                "Đã xem %(n)s giải trình mới của lĩnh vực này", count) % {"n": count}}
            for area_id, count in found.areas.items()
        ],
    }


def _saved_json(request: HttpRequest, assessment: Assessment, line: ScoreLine) -> JsonResponse:
    """A per-leaf save's answer to the page's script: the leaf, the summary above the leaves as it now is (the
    first save of a submitted assessment starts its appraisal: `started` says so in words, empty otherwise), and
    the new explanations left (the save marked the leaf's read). `assessment`: as read before the save."""
    summary = selectors.review_summary(assessment_id=line.assessment_id)
    started = _started_text(line)
    shown = line_json(line, state=summary.state, index_mode=summary.index_mode)
    # a new round's reason box holds this round's reason only: the previous round's kept stays beside it
    previous = (previous_round_decision(line=line, current_round=assessment.appraisal_round)
                if assessment.appraisal_round > 1 else None)
    if previous is not None and line.appraised_note.strip() == previous.note.strip():
        shown["note"] = ""
    return JsonResponse({"ok": True, "line": shown, "review": review_json(summary), "started": started,
                         "new_explanations": _new_explanations_json(request.user, assessment)})


MSG_STARTED = gettext_lazy(
    "Bản đánh giá chuyển sang «Đang thẩm định»: quyết định này bắt đầu thẩm định, đơn vị không còn rút lại được bản "
    "đánh giá đã gửi.")


def _started_text(saved: Any) -> str:
    """The words of a first decision that started the appraisal; empty for any other decision, and for a colleague's
    sent at the same moment that found it started (the service says which: `started_appraisal` of the leaf saved,
    `started` of an area's accept). No query."""
    started = saved.get("started") if isinstance(saved, dict) else getattr(saved, "started_appraisal", False)
    return str(MSG_STARTED) if started else ""


def _refused_json(request: HttpRequest, assessment: Assessment, exc: DomainError) -> JsonResponse:
    """A per-leaf save refused, for the page's script; a stale one (the leaf saved elsewhere, which marks its
    explanation read) also carries the new explanations left."""
    response = error_json(exc)
    if not isinstance(exc, StaleVersion):
        return response
    body = json.loads(response.content)
    body["new_explanations"] = _new_explanations_json(request.user, assessment)
    if isinstance(exc.details, ScoreLine) and isinstance(body.get("current"), dict):
        # who set the stored value, and when: the conflict box names them
        body["current"]["appraised_by"] = last_appraised_text(exc.details, request.user)
    return JsonResponse(body, status=response.status_code)


@lands_on(_leaf_page)
@login_required_or_401
@require_POST
@answers_json
def appraise_line(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    """Save the appraiser's input for one leaf (JSON for the page script; a plain form post otherwise)."""
    assessment, line = selectors.line_to_appraise(request.user, assessment_id, line_id)
    posted = forms.method_value_from_post(line.indicator, request.POST, forms.appraise_prefix(line))
    note = request.POST.get("note", "")
    try:
        version = forms.base_version(request.POST.get("base_version"))
        saved = services.line_appraise(line=line, actor=request.user, base_version=version, value=posted, note=note)
    except DomainError as exc:
        if wants_json(request):
            return _refused_json(request, assessment, exc)
        field = exc.details.get("field") if isinstance(exc.details, dict) else None
        error = {"message": exc.message, "field": field, "posted": posted, "note": note, "code": exc.code}
        if isinstance(exc, StaleVersion):
            error["current"] = exc.details
            error["current_stored"] = line_json(exc.details, state=assessment.state,
                                                index_mode=assessment.indicator_set.index_mode)["stored"]
            error["current_by"] = last_appraised_text(exc.details, request.user)
        context = review_context(request, assessment, errors={line.pk: error})
        return render(request, "appraisal/review.html", context, status=exc.status)
    if wants_json(request):
        return _saved_json(request, assessment, saved)
    messages.success(request, " ".join(filter(None, [
        _("Đã lưu điểm thẩm định tiêu chí %(code)s.") % {"code": line.indicator.code}, _started_text(saved)])))
    return redirect(_review_url(request, assessment, f"line-{line.pk}"))


@lands_on(_leaf_page)
@login_required_or_401
@require_POST
@answers_json
def accept_line(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    assessment, line = selectors.line_to_appraise(request.user, assessment_id, line_id)
    try:
        version = forms.base_version(request.POST.get("base_version"))
        saved = services.line_accept_self(line=line, actor=request.user, base_version=version)
    except DomainError as exc:
        if wants_json(request):
            return _refused_json(request, assessment, exc)
        return domain_error(request, exc, _review_url(request, assessment, f"line-{line.pk}"))
    if wants_json(request):
        return _saved_json(request, assessment, saved)
    messages.success(request, " ".join(filter(None, [
        _("Đã chấp nhận điểm tự chấm tiêu chí %(code)s.") % {"code": line.indicator.code},
        _started_text(saved)])))
    return redirect(_review_url(request, assessment, f"line-{line.pk}"))


# the area's list of leaves missing evidence the unit wrote about (kept on paper): the form's marker, and its
# checkboxes (line ids), one per leaf the appraiser accepts on the unit's word
NOTED_EVIDENCE_FIELD = "tai-lieu-ban-giay"
NOTED_LINES_FIELD = "dong"


def _chosen_lines(values: list[str]) -> set[int]:
    """The line ids ticked in the area's list (refused, nothing accepted, if one is not a number)."""
    if not all(value.isdigit() for value in values):
        raise ValidationFailed(_("Tiêu chí đã chọn không hợp lệ."), code="invalid_line")
    return {int(value) for value in values}


@lands_on(_area_page)
@login_required_or_401
@require_POST
@answers_json
def accept_area(request: HttpRequest, assessment_id: int, area_id: int) -> HttpResponse:
    """Accept what the unit declared (self-score or «không phát sinh») for every undecided leaf of one area (each
    leaf audited), but the leaves needing evidence the unit did not send and, during an explanation round, those
    waiting for the unit's explanation: named, for a decision of their own. With the form's NOTED_EVIDENCE_FIELD,
    only the leaves ticked in the area's list of those missing evidence the unit wrote about (`area_accept_noted`:
    its word for evidence kept on paper, one decision per leaf). JSON for the page's script (the leaves
    accepted, the summary, the new explanations left, the result's words); a plain form post otherwise."""
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    area, mine = selectors.area_to_accept(request.user, assessment, area_id)
    try:
        if request.POST.get(NOTED_EVIDENCE_FIELD) == "1":
            counts = services.area_accept_noted(
                assessment=assessment, area=area, actor=request.user, leaf_ids=mine,
                line_ids=_chosen_lines(request.POST.getlist(NOTED_LINES_FIELD)))
        else:
            counts = services.area_accept_self(assessment=assessment, area=area, actor=request.user, leaf_ids=mine)
    except DomainError as exc:
        return domain_error(request, exc, _review_url(request, assessment, f"area-{area.pk}"))
    done, left_out = _area_accepted_text(area, counts)
    started = _started_text(counts)
    if wants_json(request):
        summary = selectors.review_summary(assessment_id=assessment.pk)
        area_lines = list(ScoreLine.objects.filter(
            assessment=assessment, indicator_id__in=set_tree(assessment.indicator_set_id).leaves_by_area[area.pk],
        ).select_related("indicator").order_by("indicator__order"))
        accepted = set(counts["accepted_ids"])
        lines = [line for line in area_lines if line.pk in accepted]
        return JsonResponse({
            "ok": True, "message": " ".join([done, *left_out]), "done": done, "left_out": left_out,
            "accepted": counts["accepted"], "skipped": counts["skipped"],
            "evidence_missing": counts["evidence_missing"], "awaiting_explanation": counts["awaiting_explanation"],
            "evidence_noted": counts["evidence_noted"], "started": started,
            "lines": [line_json(line, state=summary.state, index_mode=summary.index_mode) for line in lines],
            # every leaf of the area as stored: the page redraws those saved elsewhere since it was loaded
            "area_lines": [line_json(line, state=summary.state, index_mode=summary.index_mode)
                           for line in area_lines],
            "review": review_json(summary),
            "new_explanations": _new_explanations_json(request.user, assessment),
        })
    messages.success(request, " ".join(filter(None, [done, started])))
    for text in left_out:
        messages.warning(request, text)
    return redirect(_review_url(request, assessment, f"area-{area.pk}"))


def _area_accepted_text(area: Indicator, counts: dict[str, Any]) -> tuple[str, list[str]]:
    """What an area's bulk accept did, in words: how many leaves it accepted and skipped; and, apart, the leaves it
    left for a decision of their own (evidence missing, waiting for the unit's explanation), named."""
    said = {"code": area.code, "n": counts["accepted"], "m": counts["skipped"], "k": counts["not_applicable"]}
    if counts["not_applicable"]:
        done = _(
            "Lĩnh vực %(code)s: đã chấp nhận %(n)s tiêu chí (trong đó %(k)s tiêu chí «không phát sinh» của đơn vị), "
            "bỏ qua %(m)s tiêu chí."
        ) % said
    else:
        done = _("Lĩnh vực %(code)s: đã chấp nhận %(n)s tiêu chí, bỏ qua %(m)s tiêu chí.") % said
    left_out = []
    if noted := counts.get("evidence_noted"):
        done += " " + ngettext(
            "Trong đó %(n)s tiêu chí không có tài liệu kiểm chứng được chấp nhận theo ghi chú, giải trình của đơn vị "
            "về tài liệu (bản giấy): %(codes)s.",
            "Trong đó %(n)s tiêu chí không có tài liệu kiểm chứng được chấp nhận theo ghi chú, giải trình của đơn vị "
            "về tài liệu (bản giấy): %(codes)s.",
            len(noted),
        ) % {"n": len(noted), "codes": ", ".join(noted)}
    if missing := counts["evidence_missing"]:
        left_out.append(ngettext(
            "Chưa chấp nhận %(n)s tiêu chí «Cần tài liệu kiểm chứng» mà đơn vị không gửi tài liệu: %(codes)s. Hãy "
            "xem giải trình của đơn vị và quyết định từng tiêu chí.",
            "Chưa chấp nhận %(n)s tiêu chí «Cần tài liệu kiểm chứng» mà đơn vị không gửi tài liệu: %(codes)s. Hãy "
            "xem giải trình của đơn vị và quyết định từng tiêu chí.",
            len(missing),
        ) % {"n": len(missing), "codes": ", ".join(missing)})
    if waiting := counts["awaiting_explanation"]:
        left_out.append(ngettext(
            "%(n)s tiêu chí đang chờ đơn vị giải trình nên chưa được chấp nhận: %(codes)s.",
            "%(n)s tiêu chí đang chờ đơn vị giải trình nên chưa được chấp nhận: %(codes)s.",
            len(waiting),
        ) % {"n": len(waiting), "codes": ", ".join(waiting)})
    return done, left_out


@lands_on(_leaf_page)
@login_required_or_401
@require_POST
@answers_json
def explanation_seen_line(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    """Mark the leaf's new explanation read without changing its score («Đã xem giải trình»; audited)."""
    assessment, line = selectors.line_to_appraise(request.user, assessment_id, line_id)
    try:
        marked = services.explanations_mark_seen(assessment=assessment, actor=request.user,
                                                 leaf_ids={line.indicator_id})
    except DomainError as exc:
        return domain_error(request, exc, _review_url(request, assessment, f"line-{line.pk}"))
    if wants_json(request):
        return JsonResponse({"ok": True, "marked": marked,
                             "new_explanations": _new_explanations_json(request.user, assessment)})
    said = {"code": line.indicator.code}
    if marked:
        messages.success(request, _("Đã đánh dấu đã xem giải trình của tiêu chí %(code)s.") % said)
    else:  # sent twice, or decided meanwhile: nothing left to mark
        messages.info(request, _("Tiêu chí %(code)s không có giải trình mới chưa xem.") % said)
    return redirect(_review_url(request, assessment, f"line-{line.pk}"))


@lands_on(_review_page)
@login_required_or_401
@require_POST
@answers_json
def explanations_seen(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Mark read every new explanation of the leaves the user appraises: of the whole assessment, or of the area
    posted as ``linh-vuc`` (its id). No score changes; each leaf audited."""
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    raw_area = request.POST.get("linh-vuc", "")
    area = None
    try:
        area_id = None
        if raw_area:
            area_id = forms.whole_number(raw_area)
            if area_id is None:
                raise ValidationFailed(_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá."), code="wrong_area")
        area, leaves = leaves_to_mark_seen(user=request.user, assessment=assessment, area_id=area_id)
        marked = services.explanations_mark_seen(assessment=assessment, actor=request.user, leaf_ids=leaves)
    except DomainError as exc:
        return domain_error(request, exc, _review_url(request, assessment, f"area-{area.pk}" if area else ""))
    if wants_json(request):
        return JsonResponse({"ok": True, "marked": marked,
                             "new_explanations": _new_explanations_json(request.user, assessment)})
    said = {"n": len(marked), "codes": ", ".join(marked), "code": area.code if area else ""}
    if marked:
        messages.success(request, (
            _("Lĩnh vực %(code)s: đã đánh dấu đã xem giải trình của %(n)s tiêu chí (%(codes)s).") if area
            else _("Đã đánh dấu đã xem giải trình của %(n)s tiêu chí (%(codes)s).")) % said)
    else:
        messages.info(request, (_("Lĩnh vực %(code)s không còn giải trình mới chưa xem.") if area
                                else _("Không còn giải trình mới chưa xem.")) % said)
    return redirect(_review_url(request, assessment, f"area-{area.pk}" if area else ""))


@lands_on(_review_page)
@login_required_or_401
@require_POST
@answers_json
def zero_unscored(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The lead scores 0 every leaf the unit did not score and the team has not decided (the whole assessment, or
    the area posted as ``linh-vuc``), with a reason: each leaf appraised and audited on its own."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    reason = request.POST.get("reason", "")
    raw_area = request.POST.get("linh-vuc", "")
    area = None
    if raw_area:
        area_id = forms.whole_number(raw_area)
        area = Indicator.objects.filter(pk=area_id).first() if area_id else None
    try:
        if raw_area and area is None:
            raise ValidationFailed(_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá."), code="wrong_area")
        done = services.assessment_zero_unscored(assessment=assessment, actor=request.user, reason=reason,
                                                 area=area)
    except DomainError as exc:
        if wants_json(request):
            return error_json(exc)
        # shown by the area's form, or above the leaves when the area itself was refused (not one of the page's)
        error = {"message": exc.message, "reason": reason,
                 "area": area.pk if area is not None and exc.code != "wrong_area" else None}
        fresh = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
        return render(request, "appraisal/review.html", review_context(request, fresh, zero_error=error),
                      status=exc.status)
    if wants_json(request):
        return JsonResponse({"ok": True, **done})
    said = {"code": area.code if area else "", "n": done["zeroed"], "m": len(done["skipped"]),
            "codes": ", ".join(done["skipped"])}
    if done["zeroed"]:
        messages.success(request, (_("Lĩnh vực %(code)s: đã chấm 0 điểm %(n)s tiêu chí đơn vị không tự chấm.") if area
                                   else _("Đã chấm 0 điểm %(n)s tiêu chí đơn vị không tự chấm.")) % said)
    elif not done["skipped"]:  # sent twice, or nothing left: nothing changed
        messages.info(request, (_("Lĩnh vực %(code)s không còn tiêu chí nào đơn vị không tự chấm mà chưa thẩm định.")
                                if area else _("Không còn tiêu chí nào đơn vị không tự chấm mà chưa thẩm định."))
                      % said)
    if done["skipped"]:
        messages.warning(request, _(
            "%(m)s tiêu chí không có số liệu nào cho 0 điểm nên chưa được chấm, hãy thẩm định từng tiêu chí: "
            "%(codes)s.") % said)
    return redirect(_review_url(request, assessment, f"area-{area.pk}" if area else ""))


@lands_on(_review_page)
@login_required_or_401
@require_POST
@answers_json
def start(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The lead starts the appraisal explicitly (the unit can no longer withdraw)."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    try:
        services.appraisal_start(assessment=assessment, actor=request.user)
    except DomainError as exc:
        return domain_error(request, exc, _review_url(request, assessment))
    messages.success(request, _("Đã bắt đầu thẩm định."))
    return redirect(_review_url(request, assessment))


@require_GET
@login_required_or_401
@answers_json
def result(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The index result or «đang tính» (JSON for polling). A unit sees it once the assessment is signed off."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    if assessment.state == Assessment.State.DRAFT:
        raise Http404
    index_result = selectors.result_of(assessment)
    pending = selectors.result_pending(assessment, index_result)
    visible = assessment.state == Assessment.State.SIGNED_OFF and not pending and index_result is not None
    if wants_json(request):
        payload: dict[str, Any] = {"state": assessment.state, "pending": pending, "ready": visible}
        if visible and index_result is not None:
            payload.update(index=score_text(index_result.index), rank=index_result.rank,
                           classification=index_result.classification)
            standing = selectors.rank_standing(assessment) if index_result.rank is not None else None
            # until the year is published the rank is provisional, among the group's units signed off so far
            payload["rank_provisional"] = standing.provisional if standing is not None else False
            if standing is not None:
                payload.update(rank_signed_off=standing.signed_off, rank_group_total=standing.total)
        return JsonResponse(payload)
    return render(request, "appraisal/result.html", {
        "assessment": assessment, "result": index_result if visible else None, "pending": pending,
    })
