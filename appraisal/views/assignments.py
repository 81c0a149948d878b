"""The administrator's page for the appraisal team of a cycle (who appraises which areas of which units); the cycle's
lead reads it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from appraisal import forms
from appraisal import permissions as appraisal_permissions
from appraisal.assignments import (
    CopyPlan,
    Gap,
    SetCover,
    appraisal_assignment_delete,
    appraisal_assignment_save,
    appraisal_assignments_copy,
    appraisal_assignments_copy_plan,
    areas_by_set,
    assignable_nodes,
    assignments_of_cycle,
    coverage,
    previous_cycle,
    team_candidates,
    units_without_lead,
)
from appraisal.models import AppraisalAssignment
from cchc.collation import vietnamese
from scoring import permissions
from scoring.errors import DomainError
from scoring.models import Cycle, Indicator, IndicatorSet, Unit
from scoring.views._common import lands_on


def _ids(values: list[str]) -> list[int]:
    return forms.ids_of(values)


def _sets_named(cycle: Cycle) -> bool:
    """Whether the cycle uses more than one set: then a code («2») is named with its set («Sở: 1, 2 · Huyện: 2»)."""
    return IndicatorSet.objects.filter(cycle_sets__cycle=cycle).distinct().count() > 1


def set_label(indicator_set: IndicatorSet) -> str:
    """A set as this page names it: its name and its key («Bộ Chỉ số CCHC của các sở (tg-2021-so)»), since two sets
    of a cycle may bear one name."""
    return f"{indicator_set.name} ({indicator_set.key})"


def _areas_text(assignment: AppraisalAssignment, *, named: bool) -> str:
    return " · ".join(f"{set_label(indicator_set)}: {', '.join(codes)}" if named else ", ".join(codes)
                      for indicator_set, codes in areas_by_set(assignment))


INLINE_UNITS = 3  # a gap's units named in its line up to this many; more are counted, and listed once under it


@dataclass(frozen=True)
class GapLine:
    """One set's line of what nobody (or only the lead) covers, and the unit lists too long for the line, each once
    (`unit_lists`: the codes they are missing at, and the units' names), for the page to fold away."""

    text: str
    unit_lists: list[tuple[str, list[str]]]


def _codes_text(gaps: list[Gap]) -> tuple[str, list[tuple[str, list[str]]]]:
    """The gaps' codes grouped by the units they miss: «6, 7» (every unit), «3.1, 3.2 (ở UBND huyện Cái Bè)», «1, 2
    (ở 23 đơn vị)» with those 23 units listed once beside the line, whatever the number of codes missing them."""
    groups: dict[tuple[int, ...], tuple[list[str], list[Unit]]] = {}
    for gap in gaps:
        groups.setdefault(tuple(u.pk for u in gap.units), ([], gap.units))[0].append(gap.code)
    parts: list[str] = []
    lists: list[tuple[str, list[str]]] = []
    for codes, units in groups.values():
        joined = ", ".join(codes)
        if not units:
            parts.append(joined)
        elif len(units) <= INLINE_UNITS:
            parts.append(_("%(code)s (ở %(units)s)") % {"code": joined, "units": "; ".join(u.name for u in units)})
        else:
            parts.append(_("%(code)s (ở %(n)s đơn vị)") % {"code": joined, "n": len(units)})
            lists.append((joined, [u.name for u in units]))
    return "; ".join(parts), lists


def _gaps_text(covers: list[SetCover]) -> list[GapLine]:
    """One line per set of the cycle with something nobody at all may appraise (not even a lead):
    «Chưa ai phụ trách: 6, 7 (tg-2021-huyen)»."""
    lines = []
    for cover in covers:
        if cover.nobody:
            codes, lists = _codes_text(cover.nobody)
            lines.append(GapLine(_("Chưa ai phụ trách: %(codes)s (%(key)s)") % {
                "codes": codes, "key": cover.indicator_set.key}, lists))
    return lines


def _leads_only_text(covers: list[SetCover]) -> list[GapLine]:
    """One line per set with something only the lead(s) may appraise, naming them: «Chỉ Tổ trưởng Nguyễn Thị Hoa
    thẩm định: 2 (tg-2021-so)»."""
    lines = []
    for cover in covers:
        if cover.leads_only:
            codes, lists = _codes_text(cover.leads_only)
            lines.append(GapLine(_("Chỉ Tổ trưởng %(leads)s thẩm định: %(codes)s (%(key)s)") % {
                "leads": ", ".join(user.get_full_name() or user.get_username() for user in cover.leads),
                "codes": codes, "key": cover.indicator_set.key}, lists))
    return lines


def _described(assignment: AppraisalAssignment) -> str:
    """An assignment in words: lead or not, its areas or criteria by code (by set), its units by name (or every
    unit)."""
    areas = _areas_text(assignment, named=_sets_named(assignment.cycle)) or "—"
    units = ", ".join(sorted(u.name for u in assignment.units.all())) or _("mọi đơn vị")
    lead = _("Tổ trưởng; ") if assignment.is_lead else ""
    return _("%(lead)slĩnh vực/tiêu chí %(areas)s; %(units)s") % {"lead": lead, "areas": areas, "units": units}


@login_required
@require_http_methods(["GET", "POST"])
def assignments(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The cycle's team: administrators change it; the cycle's lead reads it (no form, and a line says who changes
    it)."""
    editable = appraisal_permissions.can_manage_assignments(request.user)
    if not editable and (request.method != "GET"
                         or not appraisal_permissions.can_view_assignments(request.user, cycle_id)):
        raise PermissionDenied
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "copy":
        return _copy(request, cycle)
    if request.method == "POST":
        raw_user = request.POST.get("user", "")
        member_id = next(iter(forms.ids_of([raw_user])), None)
        member = get_user_model().objects.filter(pk=member_id).first() if member_id else None
        previous = AppraisalAssignment.objects.filter(cycle=cycle, user=member).prefetch_related(
            "areas", "units").first() if member is not None else None
        try:
            if member is None:
                raise DomainError(_("Hãy chọn thành viên Tổ thẩm định."))
            appraisal_assignment_save(
                cycle=cycle, user=member, is_lead=request.POST.get("is_lead") == "on",
                node_ids=_ids(request.POST.getlist("nodes")), unit_ids=_ids(request.POST.getlist("units")),
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = 400
        else:
            if previous is None:
                messages.success(request, _("Đã lưu phân công thẩm định."))
            else:  # one assignment per member and cycle: say what the new one replaced
                messages.success(request, _(
                    "Đã thay phân công của %(name)s. Phân công trước: %(before)s. Nếu cần giữ cả phân công trước, "
                    "hãy chọn lại các lĩnh vực và đơn vị đó cùng với phân công mới.") % {
                    "name": member.get_full_name() or member.get_username(), "before": _described(previous)})
            return redirect("appraisal:assignments", cycle_id=cycle.pk)
    return _assignments_page_response(request, cycle, editable=editable, status=status,
                                      copy_plan=_copy_preview(request, cycle) if editable else None)


def _assignments_page_response(request: HttpRequest, cycle: Cycle, *, editable: bool, status: int,
                               copy_plan: CopyPlan | None, copy_error: str = "") -> HttpResponse:
    """The page: the cycle's team, its gaps, the form, and a copy's preview when there is one (`copy_error`: why
    the copy was refused, said by the preview's form, on its field)."""
    rows = list(assignments_of_cycle(cycle=cycle))
    covers = coverage(cycle=cycle)
    named = _sets_named(cycle)
    for row in rows:
        row.areas_text = _areas_text(row, named=named)  # type: ignore[attr-defined]
    earlier = previous_cycle(cycle=cycle) if editable else None
    context = {
        "cycle": cycle,
        "editable": editable,
        # the other cycles' pages the user may open (a lead by assignment: the cycles they lead)
        "cycles": [c for c in Cycle.objects.order_by("-year")
                   if editable or appraisal_permissions.can_view_assignments(request.user, c.pk)],
        "assignments": rows,
        "candidates": team_candidates() if editable else [],
        "nodes": assignable_nodes(cycle=cycle),
        "gaps": _gaps_text(covers),
        # units whose assessment no lead may sign off (every lead belongs to it, or there is none for the cycle)
        "without_lead": units_without_lead(cycle=cycle),
        "leads_only": _leads_only_text(covers),
        # «nobody assigned» only while no member (other than a lead) has an area: else the lines say what is left
        "members_assigned": any(not row.is_lead and row.areas.all() for row in rows),
        "units": Unit.objects.filter(active=True).select_related("ranking_group").order_by("ranking_group__order",
                                                                                             vietnamese("name")),
        # the previous year's team, offered to copy when it had one; the copy's preview when asked (`?sao_chep=`)
        "previous": earlier if earlier is not None and earlier.appraisal_assignments.exists() else None,
        "copy_plan": copy_plan,
        "copy_rows": [(row, _nodes_text(row.nodes, named=named)) for row in copy_plan.rows] if copy_plan else [],
        "copy_error": copy_error,
    }
    return render(request, "appraisal/assignments.html", context, status=status)


COPY_FROM = "sao_chep"  # the query asking for the preview of a copy from that cycle (its id)


def _nodes_text(nodes: list[Indicator], *, named: bool) -> str:
    by_set: dict[int, tuple[IndicatorSet, list[Indicator]]] = {}
    for node in nodes:
        by_set.setdefault(node.indicator_set_id, (node.indicator_set, []))[1].append(node)
    return " · ".join(
        f"{set_label(indicator_set)}: {', '.join(n.code for n in sorted(group, key=lambda n: n.order))}" if named
        else ", ".join(n.code for n in sorted(group, key=lambda n: n.order))
        for indicator_set, group in sorted(by_set.values(), key=lambda item: item[0].key)
    )


def _copy_preview(request: HttpRequest, cycle: Cycle) -> CopyPlan | None:
    """The preview of copying another cycle's team into `cycle`, when the page is asked for one (`?sao_chep=<id>`)."""
    source_id = next(iter(forms.ids_of([request.GET.get(COPY_FROM, "")])), None)
    source = Cycle.objects.exclude(pk=cycle.pk).filter(pk=source_id).first() if source_id else None
    return appraisal_assignments_copy_plan(cycle=cycle, source=source) if source is not None else None


def _copy(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    """Apply the copy previewed (its plan's token), merging into the cycle's assignments only when confirmed."""
    source_id = next(iter(forms.ids_of([request.POST.get("source", "")])), None)
    source = Cycle.objects.exclude(pk=cycle.pk).filter(pk=source_id).first() if source_id else None
    if source is None:
        messages.error(request, _("Hãy chọn kỳ đánh giá để sao chép phân công."))
        return redirect("appraisal:assignments", cycle_id=cycle.pk)
    preview = f"{reverse('appraisal:assignments', args=[cycle.pk])}?{COPY_FROM}={source.pk}#sao-chep"
    try:
        plan = appraisal_assignments_copy(cycle=cycle, source=source, actor=request.user,
                                          token=request.POST.get("token", ""), merge=request.POST.get("merge") == "1")
    except DomainError as exc:
        if exc.code == "assignments_exist":
            # the merge not confirmed: the preview drawn again, its checkbox marked and the error summary focused on
            # it (a redirect would say it in the banner only, with nothing tied to the checkbox)
            return _assignments_page_response(
                request, cycle, editable=True, status=400, copy_error=str(exc.message),
                copy_plan=appraisal_assignments_copy_plan(cycle=cycle, source=source))
        messages.error(request, str(exc.message))
        return redirect(preview)
    messages.success(request, _("Đã sao chép %(n)s phân công từ kỳ %(year)s.") % {
        "n": len(plan.copied), "year": source.year})
    if plan.unmatched:
        messages.warning(request, _("Các lĩnh vực, tiêu chí sau không có trong bộ chỉ số của kỳ này nên không được "
                                    "sao chép: %(codes)s. Hãy phân công lại nếu cần.")
                         % {"codes": "; ".join(plan.unmatched)})
    skipped = [row for row in plan.rows if row.skipped]
    if skipped:
        messages.warning(request, _("Không sao chép: %(rows)s.") % {"rows": "; ".join(
            f"{row.user.get_full_name() or row.user.get_username()} ({row.skipped})" for row in skipped)})
    return redirect("appraisal:assignments", cycle_id=cycle.pk)


def _assignments_page(cycle_id: int, assignment_id: int) -> str:
    return reverse("appraisal:assignments", args=[cycle_id])


@lands_on(_assignments_page)
@login_required
@require_POST
def assignment_delete(request: HttpRequest, cycle_id: int, assignment_id: int) -> HttpResponse:
    if not permissions.is_administrator(request.user):
        raise PermissionDenied
    assignment = get_object_or_404(AppraisalAssignment, pk=assignment_id, cycle_id=cycle_id)
    appraisal_assignment_delete(assignment=assignment, actor=request.user)
    messages.success(request, _("Đã xoá phân công."))
    return redirect("appraisal:assignments", cycle_id=cycle_id)
