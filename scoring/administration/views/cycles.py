"""Cycles: create with a set per unit kind, deadlines, open and close phases, participants, one unit's extension."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scoring.administration import selectors, services
from scoring.administration.forms import CycleForm, DeadlinesForm, ExtendForm
from scoring.administration.services import cycles as cycle_services
from scoring.administration.services.cycles import (
    CUT_UNCONFIRMED,
    MSG_PHASE_ALREADY,
    PhaseMoveConfirmation,
    assessments_with_work,
    cycle_phase_move_leaves,
)
from scoring.administration.views._common import administrator_required, form_errors, report_error
from scoring.errors import DomainError, StaleVersion
from scoring.models import Assessment, Cycle, Unit
from scoring.permissions import deadline_passed
from scoring.publication.selectors import latest_revision
from scoring.publication.services import cycle_overdue_drafts_hand_over
from scoring.selectors.extension_requests import pending_extension_requests_by_assessment
from scoring.selectors.home import state_shown
from scoring.services import assessments_open
from scoring.templatetags.scoring_tags import dmy
from scoring.text import posted_id
from scoring.views._common import lands_on

PHASES = list(Cycle.Phase.values)
NAMED_OVERDUE = 10  # the overdue drafts the cycle's page names above its hand-over; the rest are counted
HAND_OVER_REASON = gettext_lazy("Đơn vị không gửi bản tự đánh giá đúng hạn")
MSG_CLOSE_UNCONFIRMED = gettext_lazy(
    "Chưa chuyển: hãy đánh dấu ô «Xác nhận» bên cạnh nút chuyển (đơn vị sẽ không sửa được bản tự đánh giá nữa)."
)


def end_of_day(value: date | None) -> datetime | None:
    """A deadline date means the end of that day, local time."""
    if value is None:
        return None
    return datetime.combine(value, time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _deadlines(data: dict[str, Any]) -> dict[str, datetime | None]:
    return {name: end_of_day(data.get(name)) for name in services.DEADLINE_FIELDS}


def _deadlines_kept(cycle: Cycle, data: dict[str, Any]) -> dict[str, datetime | None]:
    """The form's dates as deadlines; a date left as it was keeps its stored time (the form holds dates only: a
    deadline at 17:00 was moved to 23:59 by saving another one)."""
    deadlines = _deadlines(data)
    for name in services.DEADLINE_FIELDS:
        stored = getattr(cycle, name)
        if stored is not None and data.get(name) == timezone.localtime(stored).date():
            deadlines[name] = stored
    return deadlines


def _tie_to_field(form: Any, exc: DomainError) -> None:
    """Show a refusal that names its field (`details["field"]`: a deadline out of order…) beside that field too."""
    name = exc.details.get("field") if isinstance(exc.details, dict) else None
    if name and name in form.fields:
        form.add_error(name, str(exc.message))


def _year(text: Any) -> int | None:
    """A year as typed or asked for (`?nam=`); None when it is none."""
    text = str(text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _offer_sets_of_year(form: CycleForm, year: int) -> bool:
    """Each kind's set drop-down lists the sets of `year` first, the kind's own first, under headings
    (`cycle_set_offer`); whether there is any set of that year."""
    offer = cycle_services.cycle_set_offer(year=year, kinds=form.kinds.values())
    for kind_id, groups in offer.items():
        field = form.fields[f"set_{kind_id}"]
        assert isinstance(field, ModelChoiceField)
        field.choices = [("", field.empty_label), *[
            (group.label, [(s.pk, field.label_from_instance(s)) for s in group.sets]) for group in groups]]
    return any(s.year == year for groups in offer.values() for group in groups for s in group.sets)


@require_http_methods(["GET", "POST"])
@administrator_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    """The cycles, and the form creating one: for the year after the last cycle's (or the year asked for, `?nam=`;
    the year posted when the page is sent back), each kind's set drop-down listing that year's sets first."""
    year = _year(request.GET.get("nam")) or cycle_services.cycle_next_year()
    form = CycleForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        year = _year(request.POST.get("year")) or year
    year_has_sets = _offer_sets_of_year(form, year)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                cycle = services.cycle_open(
                    year=form.cleaned_data["year"],
                    name=form.cleaned_data["name"],
                    sets=form.chosen_sets(),
                    deadlines=_deadlines(form.cleaned_data),
                    actor=request.user,
                )
            except DomainError as exc:
                report_error(request, exc)
                _tie_to_field(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Đã tạo kỳ đánh giá %(name)s.") % {"name": cycle.name})
                # a kind left without a set is easy to miss in the form: said now, and kept on the cycle's page
                for missing in cycle_services.cycle_kinds_without_set(cycle=cycle):
                    messages.warning(request, _("%(problem)s Hãy chọn bộ chỉ số cho loại này (xem trang kỳ đánh giá).")
                                     % {"problem": missing.message})
                return redirect("administration:cycle_detail", cycle.pk)
        else:
            form_errors(request, form)
            status = 400
    return render(
        request,
        "scoring/administration/cycle_list.html",
        {"cycles": selectors.cycles_for_admin(), "form": form, "form_open": form.is_bound or "nam" in request.GET,
         "year": year, "year_has_sets": year_has_sets},
        status=status,
    )


PARTICIPANTS_PER_PAGE = 50
NAMED_ALREADY = 5  # the units already taking part a refusal names; the rest are counted
_FILTERS = ("q", "trang_thai", "trang")  # what the participants' table is filtered and paged by


def _filters(source: Any) -> dict[str, str]:
    """The participants table's filters from a query (or the `back` field of a form posted from the page): the
    known ones only, a state only when it is one."""
    found = {key: str(source.get(key, "")).strip() for key in _FILTERS}
    if found["trang_thai"] not in Assessment.State.values:
        found["trang_thai"] = ""
    if not found["trang"].isdigit():
        found["trang"] = ""
    return {key: value for key, value in found.items() if value}


def _back_to_detail(request: HttpRequest, cycle_id: int, anchor: str = "") -> HttpResponse:
    """To the cycle's page, on the participants' page and filters the form was posted from."""
    filters = _filters(QueryDict(request.POST.get("back", "")))
    url = reverse("administration:cycle_detail", args=[cycle_id])
    return redirect(f"{url}?{urlencode(filters)}{anchor}" if filters else f"{url}{anchor}")


def _by_kind(units: Any) -> list[tuple[Any, list[Unit]]]:
    """Units grouped by kind, in the kinds' order (the units come ordered by kind)."""
    groups: dict[int, tuple[Any, list[Unit]]] = {}
    for unit in units:
        groups.setdefault(unit.kind_id, (unit.kind, []))[1].append(unit)
    return list(groups.values())


@require_GET
@administrator_required
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The cycle: phase, sets, deadlines, and its participants, filtered by name or state and paginated (a
    national cycle has thousands), with each unit's extension form; units that could still take part."""
    return _detail_page(request, get_object_or_404(Cycle, pk=cycle_id), _filters(request.GET))


def _detail_page(
    request: HttpRequest, cycle: Cycle, filters: dict[str, str], *, deadlines_form: DeadlinesForm | None = None,
    extending: int | None = None, extend_form: ExtendForm | None = None, status: int = 200,
    refusal: DomainError | None = None, deadlines_version: str | None = None,
    deadlines_stored: list[tuple[Any, str]] | None = None, extend_version: str | None = None,
    hand_over_reason: str | None = None, hand_over_error: str = "",
) -> HttpResponse:
    """The cycle's page on the participants' page and filters given; after a refusal, with the refused form as
    it was typed (the deadlines, or the extension of the participant `extending`), and, when the refusal asks for
    a confirmation of the units a deadline cuts (`deadline_cut_unconfirmed`), its box beside that form. The
    deadlines' form carries the version it was based on (`deadlines_version`: the one posted after a refusal, the
    cycle's current one otherwise); after a colleague's save, the deadlines stored now where they differ from the
    typed ones (`deadlines_stored`). Each participant's extension form carries the version of the unit's own
    deadline (`own_version`; after a refusal other than a colleague's change, the one posted: `extend_version`)."""
    query, state = filters.get("q", ""), filters.get("trang_thai", "")
    counts = selectors.cycle_state_counts(cycle=cycle)
    participants = selectors.cycle_assessments(cycle=cycle, query=query, state=state)
    page = Paginator(participants, PARTICIPANTS_PER_PAGE).get_page(filters.get("trang"))
    # the cycle's waiting extension requests, by assessment (one query, whatever the page): such a unit's row
    # links to its request, and offers no «chuyển Tổ thẩm định» (refused while the request waits)
    waiting = pending_extension_requests_by_assessment(cycle=cycle)
    index = PHASES.index(cycle.phase)
    # published results are public: no step back before «Hoàn thiện kết quả» (the service refuses it too)
    published = latest_revision(cycle_id=cycle.pk)
    # the page's drafts nobody did anything on (one query): each may be taken out of the cycle, until publication
    drafts = {row.pk for row in page.object_list if row.state == Assessment.State.DRAFT}
    untouched: set[int] = set()
    if drafts and published is None:
        busy = assessments_with_work(Assessment.objects.filter(pk__in=drafts)).values_list("pk", flat=True)
        untouched = drafts - set(busy)
    for row in page.object_list:  # a draft past its own deadline: the unit did not submit in time
        row.cycle = cycle
        row.extension_pending = waiting.get(row.pk)
        row.overdue = row.state == Assessment.State.DRAFT and deadline_passed(row)
        row.removable = row.pk in untouched
        row.own_version = (extend_version if row.pk == extending and extend_version is not None
                           else cycle_services.own_deadline_version(row))
        row.state_label = state_shown(state=row.state, phase=cycle.phase, overdue=row.overdue)
    # the drafts past their deadline (none in «Chuẩn bị»): each keeps the year from being published; those whose unit
    # asks for no more time may be handed over to the appraisal team all at once from here, as from the publish page
    overdue = ([d for d in cycle_services.cycle_drafts_standing(cycle=cycle) if d.passed]
               if counts.get(Assessment.State.DRAFT) and cycle.phase != Cycle.Phase.SETUP else [])
    hand_over = [d for d in overdue if d.can_hand_over]
    candidates = selectors.cycle_candidates(cycle=cycle)
    next_phase = Cycle.Phase(PHASES[index + 1]) if index + 1 < len(PHASES) else None
    previous_phase = Cycle.Phase(PHASES[index - 1]) if index > 0 else None
    no_step_back = (published is not None and previous_phase is not None
                    and PHASES.index(previous_phase) < PHASES.index(Cycle.Phase.FINALISATION))
    kept = {key: value for key, value in filters.items() if key != "trang"}
    # the phase after the next, when the next may be passed over (`SKIPPABLE`: no explanation round left to open it
    # for), with what opening it would leave open, or why it may not be passed over now
    skip = cycle_services.phase_skip_target(cycle)
    skip_blocker = cycle_services.phase_skip_blocker(cycle) if skip is not None else None
    skip_leaves = cycle_phase_move_leaves(cycle=cycle, phase=skip) if skip is not None and not skip_blocker else None
    # what the next phase would leave open (not for publishing: its own page has its own checks)
    leaves = (cycle_phase_move_leaves(cycle=cycle, phase=next_phase)
              if next_phase is not None and next_phase != Cycle.Phase.PUBLISHED else None)
    return render(
        request,
        "scoring/administration/cycle_detail.html",
        {
            "cycle": cycle,
            "page": page,
            "q": query,
            "state": state,
            # a draft of a cycle still in «Chuẩn bị» is counted as what it is: not open yet
            # past the self-assessment, the drafts counted together read «Chưa gửi» (overdue or not: not read here)
            "states": [(value, state_shown(state=value, phase=cycle.phase, overdue=None), counts.get(value, 0))
                       for value in Assessment.State.values],
            "participants_total": sum(counts.values()),
            "drafts_left": counts.get(Assessment.State.DRAFT, 0),  # the status line of a self-assessment under way
            "query": urlencode(kept),  # the pager keeps the filters
            "back": urlencode({**kept, **({"trang": str(page.number)} if page.number > 1 else {})}),
            "candidates": candidates,
            "candidate_kinds": _by_kind(candidates),
            "cycle_sets": cycle.cycle_sets.select_related("indicator_set", "unit_kind"),
            # kinds with active units but no set: their units cannot take part, the year would lack their group
            "kinds_without_set": cycle_services.cycle_kinds_without_set(cycle=cycle),
            "deadlines_form": deadlines_form or DeadlinesForm(initial=DeadlinesForm.initial_for(cycle), cycle=cycle),
            "deadlines_version": cycle_services.cycle_deadlines_version(cycle)
            if deadlines_version is None else deadlines_version,
            "deadlines_stored": deadlines_stored or [],
            "extending": extending,
            "extensions_pending": len(waiting),
            # moving on with units behind or before a deadline: what is left, and the confirmation it needs
            "leaves": leaves,
            "left_rows": [(state, state_shown(state=state, phase=cycle.phase, overdue=None), n)
                          for state, n in leaves.left.items()]
            if leaves else [],
            "left_token": _left_token(leaves.left) if leaves else "",
            "deadline_token": timezone.localtime(leaves.latest_deadline).isoformat()
            if leaves and leaves.latest_deadline else "",
            "extend_form": extend_form or ExtendForm(),
            # a deadline brought to the past or within a day while units draft: the box confirming it, in the form
            "deadline_cut": refusal.details if refusal is not None and refusal.code == CUT_UNCONFIRMED else None,
            # asked as a question beside the deadlines' form (not an error): what the change cuts, and how to confirm
            "deadline_cut_question": str(refusal.message)
            if refusal is not None and refusal.code == CUT_UNCONFIRMED and extending is None else "",
            "next_phase": next_phase,
            "previous_phase": None if no_step_back else previous_phase,
            "no_step_back": no_step_back,
            "published": published,  # the latest publication: back to «Đã công bố» keeps it the public one
            "skip_phase": Cycle.Phase(skip) if skip is not None else None,
            "skipped_phase": next_phase if skip is not None else None,
            "skip_blocker": skip_blocker,
            "skip_leaves": skip_leaves,
            "skip_left_rows": [(state, state_shown(state=state, phase=cycle.phase, overdue=None), n)
                               for state, n in skip_leaves.left.items()] if skip_leaves else [],
            "skip_left_token": _left_token(skip_leaves.left) if skip_leaves else "",
            "hand_over": hand_over[:NAMED_OVERDUE],
            "hand_over_count": len(hand_over),
            "overdue_waiting": len(overdue) - len(hand_over),  # overdue, their extension request still waiting
            "hand_over_reason": HAND_OVER_REASON if hand_over_reason is None else hand_over_reason,
            "hand_over_error": hand_over_error,
        },
        status=status,
    )


def _left_token(left: dict[str, int]) -> str:
    """The counts by state a move leaves behind, as the confirmation box carries them: `draft:33,submitted:2`."""
    return ",".join(f"{state}:{n}" for state, n in left.items())


def _left_seen(posted: str) -> dict[str, int]:
    """The counts by state the administrator confirmed (`_left_token`); anything unreadable: none."""
    seen: dict[str, int] = {}
    for item in posted.split(",") if posted else []:
        state, _sep, n = item.partition(":")
        if state not in Assessment.State.values or not (n.isascii() and n.isdigit() and len(n) <= 6):
            return {}
        seen[state] = int(n)
    return seen


def _count_seen(posted: str) -> int | None:
    """The number of units the administrator confirmed a deadline cuts; anything unreadable: none."""
    return int(posted) if posted.isascii() and posted.isdigit() and len(posted) <= 6 else None


def _deadline_seen(posted: str) -> datetime | None:
    """The self-assessment deadline the administrator confirmed closing it before; anything unreadable: none."""
    try:
        moment = datetime.fromisoformat(posted) if posted and len(posted) <= 40 else None
    except ValueError:
        return None
    return moment if moment is not None and timezone.is_aware(moment) else None


MSG_BACK_TO_PUBLISHED = gettext_lazy(
    "Kỳ đánh giá trở lại giai đoạn «Đã công bố». Kết quả công khai vẫn là kết quả công bố lần %(rev)s (văn bản "
    "%(doc)s ngày %(date)s); nếu kết quả của đơn vị nào đã thay đổi, hãy công bố đính chính ở trang «Kết quả công bố»."
)


@lands_on("administration:cycle_detail", "cycle_id")
@require_POST
@administrator_required
def cycle_phase(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Open the next phase or go back one. Moving on with assessments left behind, or out of the self-assessment
    before its deadline, needs the page's confirmation of what it showed (refused if more were left since); going
    back needs its box ticked and a reason."""
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    phase = request.POST.get("phase", "")
    index = PHASES.index(cycle.phase)
    if phase == cycle.phase:  # the button pressed twice: what was asked is done
        messages.info(request, MSG_PHASE_ALREADY % {"p": cycle.get_phase_display()})
        return redirect("administration:cycle_detail", cycle.pk)
    skipping = phase == cycle_services.phase_skip_target(cycle)  # «Giải trình» passed over: the service's checks
    if not skipping and (phase not in PHASES or abs(PHASES.index(phase) - index) != 1):
        messages.error(request, _("Chỉ chuyển sang giai đoạn kế tiếp hoặc quay lại giai đoạn trước."))
        return redirect("administration:cycle_detail", cycle.pk)
    try:
        services.cycle_move_phase(cycle=cycle, phase=phase, actor=request.user, confirmed=PhaseMoveConfirmation(
            left=_left_seen(request.POST.get("left_seen", "")),
            deadline=_deadline_seen(request.POST.get("deadline_seen", "")),
            back=request.POST.get("back_confirmed") == "1",
            reason=request.POST.get("reason", ""),
        ))
    except DomainError as exc:
        report_error(request, exc)
    else:
        published = latest_revision(cycle_id=cycle.pk) if cycle.phase == Cycle.Phase.PUBLISHED else None
        if published is not None:  # back to «Đã công bố» after a step back: nothing new is published
            messages.success(request, MSG_BACK_TO_PUBLISHED % {
                "rev": published.revision, "doc": published.document_number,
                "date": dmy(published.document_date),
            })
        else:
            messages.success(request, _("Kỳ đánh giá chuyển sang giai đoạn «%(p)s».")
                             % {"p": cycle.get_phase_display()})
    return redirect("administration:cycle_detail", cycle.pk)


def _deadlines_stored(form: DeadlinesForm, cycle: Cycle) -> list[tuple[Any, str]]:
    """The deadlines whose stored date is not the one typed: (label, stored date as shown)."""
    stored = DeadlinesForm.initial_for(cycle)
    return [
        (form.fields[name].label, dmy(stored[name], False) if stored[name] else "—")
        for name in services.DEADLINE_FIELDS
        if name in form.cleaned_data and form.cleaned_data[name] != stored[name]
    ]


@lands_on("administration:cycle_detail", "cycle_id")
@require_POST
@administrator_required
def cycle_deadlines(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The cycle's deadlines. The form carries the version of the deadlines it was drawn from: a save based on
    deadlines a colleague's save replaced (or on none) is refused, showing what was typed and what is stored."""
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    version = request.POST.get("version", "")
    form = DeadlinesForm(request.POST, cycle=cycle)
    if not form.is_valid():
        form_errors(request, form)
        return _detail_page(request, cycle, {}, deadlines_form=form, status=400, deadlines_version=version)
    try:
        cycle_services.cycle_update_deadlines(
            cycle=cycle, deadlines=_deadlines_kept(cycle, form.cleaned_data), actor=request.user,
            confirmed=_count_seen(request.POST.get("cut_seen", "")), expected_version=version,
        )
    except StaleVersion as exc:
        report_error(request, exc)
        current = get_object_or_404(Cycle, pk=cycle_id)
        return _detail_page(request, current, {}, deadlines_form=form, status=exc.status,
                            deadlines_stored=_deadlines_stored(form, current))
    except DomainError as exc:
        if exc.code == CUT_UNCONFIRMED:
            # a question, not a failure: asked in the form, beside the date (no error message, no field in error)
            form.fields["self_assessment_deadline"].widget.attrs["aria-describedby"] = "deadline-cut-question"
        else:
            report_error(request, exc)
            _tie_to_field(form, exc)
        return _detail_page(request, cycle, {}, deadlines_form=form, status=exc.status, refusal=exc,
                            deadlines_version=version)
    messages.success(request, _("Đã lưu các hạn."))
    return redirect("administration:cycle_detail", cycle.pk)


@lands_on("administration:cycle_detail", "cycle_id")
@require_POST
@administrator_required
def cycle_participants(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    units = selectors.units_chosen(
        cycle=cycle, unit_ids=[n for n in map(posted_id, request.POST.getlist("units")) if n is not None],
        kind_ids=[n for n in map(posted_id, request.POST.getlist("kinds")) if n is not None],
    )
    if not units:
        messages.error(request, _("Hãy chọn ít nhất một đơn vị."))
        return redirect("administration:cycle_detail", cycle.pk)
    try:
        created = assessments_open(cycle=cycle, units=units, actor=request.user)
    except DomainError as exc:
        report_error(request, exc)
    else:
        if created:
            messages.success(request, _("Đã mở bản đánh giá cho %(n)s đơn vị.") % {"n": len(created)})
        opened = {a.unit_id for a in created}
        already = [unit.name for unit in units if unit.pk not in opened]
        if len(already) == 1:
            messages.warning(request, _("Đơn vị «%(u)s» đã tham gia kỳ đánh giá này; không mở thêm bản đánh giá.")
                             % {"u": already[0]})
        elif already:
            named = ", ".join(f"«{name}»" for name in already[:NAMED_ALREADY])
            more = len(already) - NAMED_ALREADY
            messages.warning(request, _("%(n)s đơn vị đã tham gia kỳ đánh giá này nên không mở thêm bản đánh giá: "
                                        "%(names)s%(more)s.") % {
                "n": len(already), "names": named,
                "more": _(" và %(m)s đơn vị khác") % {"m": more} if more > 0 else "",
            })
    return redirect("administration:cycle_detail", cycle.pk)


@lands_on("administration:cycle_detail", "cycle_id")
@require_POST
@administrator_required
def assessment_extend(request: HttpRequest, cycle_id: int, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(
        Assessment.objects.select_related("unit", "cycle"), pk=assessment_id, cycle_id=cycle_id
    )
    form = ExtendForm(request.POST)
    refused = 400
    refusal: DomainError | None = None
    unit = assessment.unit.name
    version: str | None = request.POST.get("version", "")
    if form.is_valid():
        old = assessment.deadline_override
        try:
            saved = cycle_services.assessment_extend_deadline(
                assessment=assessment,
                deadline=end_of_day(form.cleaned_data["deadline"]),
                reason=form.cleaned_data["reason"],
                actor=request.user,
                confirmed=request.POST.get("cut_confirmed") == "1",
                expected_version=version,
            )
        except DomainError as exc:
            messages.error(request, f"{unit}: {exc.message}")
            refused = exc.status
            refusal = exc
            if isinstance(exc, StaleVersion):  # the row shows the own deadline stored now, and is based on it
                version = None
        else:
            if saved.deadline_override == old:  # the deadline it already had, or no own deadline to remove
                if old is None:
                    messages.info(request, _("%(u)s không có hạn riêng; không có gì thay đổi.") % {"u": unit})
                else:
                    messages.info(request, _("Hạn riêng của %(u)s đã là %(d)s; không có gì thay đổi.")
                                  % {"u": unit, "d": dmy(old)})
            elif form.removing:
                messages.success(request, _("Đã bỏ hạn riêng của %(u)s: đơn vị theo hạn tự đánh giá của kỳ.")
                                 % {"u": unit})
            elif old is not None and saved.deadline_override is not None and saved.deadline_override < old:
                # an own deadline brought earlier (a cut, confirmed if it had to be) is no extension
                messages.success(request, _("Đã rút ngắn hạn riêng của %(u)s: từ %(old)s còn %(new)s.") % {
                    "u": unit, "old": dmy(old),
                    "new": dmy(saved.deadline_override),
                })
            else:
                messages.success(request, _("Đã gia hạn cho %(u)s.") % {"u": unit})
            return _back_to_detail(request, cycle_id, f"#participant-{assessment.pk}")
    else:
        # once, at the top of the page, naming the unit (its row keeps what was typed, marked invalid); a removal's
        # reason is the removal's, not an extension's
        for name, errors in form.errors.items():
            if form.removing and name == "reason" and form.has_error("reason", "required"):
                messages.error(request, f"{unit}: {_('Hãy ghi lý do bỏ hạn riêng.')}")
                continue
            label = form.fields[name].label if name in form.fields else ""
            if form.removing and name == "reason":
                label = _("Lý do bỏ hạn riêng")
            for error in errors:
                messages.error(request, f"{unit}: {label}: {error}" if label else f"{unit}: {error}")
    # The page it was posted from again, the refused row's form as typed.
    filters = _filters(QueryDict(request.POST.get("back", "")))
    return _detail_page(request, assessment.cycle, filters, extending=assessment.pk, extend_form=form, status=refused,
                        refusal=refusal, extend_version=version)


@lands_on("administration:cycle_detail", "cycle_id")
@require_POST
@administrator_required
def assessment_close_unsubmitted(request: HttpRequest, cycle_id: int, assessment_id: int) -> HttpResponse:
    """A unit past its deadline that never submitted: its assessment goes to the appraisal team as it stands, once
    the row's box confirms it (checked here: refused 400 without it, nothing done)."""
    assessment = get_object_or_404(
        Assessment.objects.select_related("unit", "cycle"), pk=assessment_id, cycle_id=cycle_id
    )
    if request.POST.get("confirmed") != "1":  # the row's box, checked here: without it nothing is handed over
        messages.error(request, f"{assessment.unit.name}: {MSG_CLOSE_UNCONFIRMED}")
        filters = _filters(QueryDict(request.POST.get("back", "")))
        return _detail_page(request, assessment.cycle, filters, status=400)
    try:
        services.assessment_close_unsubmitted(
            assessment=assessment, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        report_error(request, exc)
        filters = _filters(QueryDict(request.POST.get("back", "")))
        return _detail_page(request, assessment.cycle, filters, status=exc.status)
    messages.success(request, _("Đã chuyển bản đánh giá của %(u)s cho Tổ thẩm định (đơn vị không gửi đúng hạn).")
                     % {"u": assessment.unit.name})
    return _back_to_detail(request, cycle_id, f"#participant-{assessment.pk}")


@lands_on("administration:cycle_detail", "cycle_id")
@require_POST
@administrator_required
def cycle_hand_over_overdue(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The publish page's hand-over of every overdue draft, offered on the cycle's page too (the same service, the
    number shown, its box and a reason): all or nothing; refused, the cycle's page again with what was typed."""
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    reason = request.POST.get("reason", "")
    try:
        count = cycle_overdue_drafts_hand_over(
            cycle=cycle, actor=request.user, reason=reason, expected=posted_id(request.POST.get("count", "")) or 0,
            confirmed=request.POST.get("confirmed") == "1",
        )
    except DomainError as exc:
        return _detail_page(request, cycle, {}, status=exc.status, hand_over_reason=reason,
                            hand_over_error=str(exc.message))
    messages.success(request, ngettext(
        "Đã chuyển bản đánh giá của %(n)s đơn vị quá hạn chưa gửi cho Tổ thẩm định.",
        "Đã chuyển bản đánh giá của %(n)s đơn vị quá hạn chưa gửi cho Tổ thẩm định.", count) % {"n": count})
    return redirect("administration:cycle_detail", cycle.pk)


@lands_on("administration:cycle_detail", "cycle_id")
@require_POST
@administrator_required
def assessment_remove(request: HttpRequest, cycle_id: int, assessment_id: int) -> HttpResponse:
    """Take out of the cycle a unit opened by mistake, with a reason: only while nothing was done on its
    assessment (the service names what there is otherwise)."""
    assessment = get_object_or_404(
        Assessment.objects.select_related("unit", "cycle"), pk=assessment_id, cycle_id=cycle_id
    )
    unit = assessment.unit.name
    try:
        cycle_services.assessment_remove(
            assessment=assessment, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, f"{unit}: {exc.message}")
        filters = _filters(QueryDict(request.POST.get("back", "")))
        return _detail_page(request, assessment.cycle, filters, status=exc.status)
    messages.success(request, _("Đã gỡ %(u)s khỏi kỳ đánh giá; bản đánh giá (chưa có dữ liệu) đã được xoá. Có thể "
                                "mở lại cho đơn vị này ở mục «Thêm đơn vị tham gia».") % {"u": unit})
    return _back_to_detail(request, cycle_id, "#participants")
