"""Units, unit kinds and ranking groups: create, rename, deactivate, merge, import from Excel."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cchc.collation import vietnamese
from scoring.administration import selectors, services
from scoring.administration.forms import CodeNameForm, MergeForm, UnitForm, UploadForm
from scoring.administration.services.imports import (
    MSG_PREVIEW_GONE,
    MSG_PREVIEW_REPLACED,
    UNIT_COLUMN_HEADERS,
    read_units_sheet,
    unit_import_confirm,
    unit_import_preview_drop,
    unit_import_preview_hold,
    units_import_plan,
    units_xlsx,
)
from scoring.administration.services.units import (
    MSG_NO_GROUP,
    NAMED_ACCOUNTS,
    coded_version,
    merge_group_change,
    unit_active_accounts,
    unit_busy_assessments,
    unit_stopped_namesake,
    unit_version,
)
from scoring.administration.views._common import (
    administrator_required,
    form_errors,
    report_error,
    upload_refusal,
)
from scoring.administration.xlsx import FileRefused
from scoring.errors import DomainError, StaleVersion
from scoring.exports import xlsx_response
from scoring.models import RankingGroup, RoleAssignment, Unit, UnitKind, UnitSuccession
from scoring.text import posted_id
from scoring.views._common import lands_on

PENDING_IMPORT = "administration.unit_import"  # the session key of a checked units file's preview: {"key": ...}


def _filtered(request: HttpRequest) -> tuple[str, str, Any]:
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("loai", "")
    return query, kind, selectors.units_for_admin(query=query, kind_id=posted_id(kind))


def _versioned(queryset: Any) -> list[Any]:
    """Unit kinds or ranking groups, each with the version its rename form carries (`coded_version`)."""
    rows = list(queryset)
    for row in rows:
        row.version = coded_version(row)
    return rows


def _list_page(
    request: HttpRequest, *, form: UnitForm | None = None, status: int = 200, **extra: object
) -> HttpResponse:
    """The units' list; after a refused rename (`renaming`), the kind's or group's row with the name as typed, the
    version it was based on and, after a colleague's rename, the name stored now."""
    query, kind, units = _filtered(request)
    page = Paginator(units, 50).get_page(request.GET.get("trang"))
    return render(
        request,
        "scoring/administration/unit_list.html",
        {
            "page": page,
            "q": query,
            "kind": kind,
            "kinds": _versioned(UnitKind.objects.all()),
            "groups": _versioned(RankingGroup.objects.all()),
            "form": form or UnitForm(),
            "kind_form": CodeNameForm(prefix="kind"),
            "group_form": CodeNameForm(prefix="group"),
            "upload_form": UploadForm(),
            "columns": [str(header) for header in UNIT_COLUMN_HEADERS],
            **extra,
        },
        status=status,
    )


@require_GET
@administrator_required
def unit_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@require_GET
@administrator_required
def unit_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, in Excel: the import's file (Vietnamese headers, kinds and groups by their
    names, the state as Có / Không), to edit and import back, here or elsewhere."""
    _query, _kind, units = _filtered(request)
    return xlsx_response(units_xlsx(rows=selectors.unit_export_rows(units)), "don-vi.xlsx")


@lands_on("administration:unit_list")
@require_POST
@administrator_required
def unit_create(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return _list_page(request, form=form, status=400)
    try:
        unit = services.unit_create(data=form.cleaned_data, actor=request.user)
    except DomainError as exc:
        report_error(request, exc)
        return _list_page(request, form=form, status=exc.status)
    messages.success(request, _("Đã thêm đơn vị «%(u)s».") % {"u": unit.name})
    _say_stopped_namesake(request, unit)
    return redirect("administration:unit_list")


def _say_stopped_namesake(request: HttpRequest, unit: Unit) -> None:
    """A unit saved with the name of a stopped unit (allowed: a department re-established after a reorganisation):
    the administrator is told how the lists tell the two apart."""
    namesake = unit_stopped_namesake(name=unit.name, exclude=unit)
    if namesake is not None:
        messages.info(request, _(
            "Đơn vị «%(name)s» (mã %(code)s) đã ngừng hoạt động cũng mang tên này; các danh sách ghi «(ngừng hoạt "
            "động)» sau tên đơn vị đó."
        ) % {"name": namesake.name, "code": namesake.code})


def _edit_page(
    request: HttpRequest, unit: Unit, *, form: UnitForm | None = None, merge_form: MergeForm | None = None,
    reason: str = "", version: str | None = None, stored: list[tuple[Any, str]] | None = None, status: int = 200,
    group_change: dict[str, str] | None = None, refusal: DomainError | None = None,
) -> HttpResponse:
    """The unit's page; after a refusal, with the form that was refused as it was typed and the version it was
    based on (`version`; the unit's current one on a fresh page), and after a colleague's save, the values stored
    now where they differ from the typed ones (`stored`); after a merge into another ranking group not yet
    confirmed, the groups it goes from and to (`group_change`), beside the box that confirms it."""
    if form is None:
        form = UnitForm(unit=unit, initial={
            "code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
            "ranking_group": unit.ranking_group, "parent": unit.parent, "superior_body": unit.superior_body,
        })
    merge_form = merge_form or MergeForm()
    into = merge_form.fields["into"]
    assert isinstance(into, ModelChoiceField)
    # offered: the units of its kind (a merge into another kind is refused), in Vietnamese alphabetical order
    into.queryset = (
        Unit.objects.filter(active=True, kind_id=unit.kind_id).exclude(pk=unit.pk).select_related("ranking_group")
        .order_by(vietnamese("name"), "code")
    )
    refused_busy = refusal is not None and refusal.code == "unit_busy" and isinstance(refusal.details, dict)
    busy = refusal.details.get("assessments", []) if refused_busy else []
    # what blocks a stop or a merge, said before the page asks to confirm anything (unless the refusal lists it)
    stop_blocked = unit_busy_assessments(unit=unit) if unit.active and not busy else []
    accounts = list(unit_active_accounts(unit=unit)[:NAMED_ACCOUNTS + 1]) if unit.active else []
    accounts_count = unit_active_accounts(unit=unit).count() if len(accounts) > NAMED_ACCOUNTS else len(accounts)
    return render(
        request,
        "scoring/administration/unit_edit.html",
        {
            "unit": unit,
            "form": form,
            "version": unit_version(unit) if version is None else version,
            "stored": stored or [],
            "merge_form": merge_form,
            "group_change": group_change,
            # a refusal while the unit has assessments under way (`unit_busy`): they are listed, linking their cycles
            "busy": busy,
            "stop_blocked": stop_blocked,
            "reason": reason,
            "active_accounts": accounts[:NAMED_ACCOUNTS],
            "active_accounts_count": accounts_count,
            "active_accounts_more": accounts_count - len(accounts[:NAMED_ACCOUNTS]),
            "predecessors": unit.predecessors.select_related("predecessor"),
            "succession": UnitSuccession.objects.filter(predecessor=unit).select_related("successor").first(),
            "assessments": unit.assessments.select_related("cycle").order_by("-cycle__year"),
        "people": RoleAssignment.objects.filter(unit=unit).select_related("user").order_by("role", "user__username"),
        },
        status=status,
    )


def _unit(unit_id: int) -> Unit:
    return get_object_or_404(Unit.objects.select_related("kind", "ranking_group", "parent"), pk=unit_id)


def _stored_differences(form: UnitForm, unit: Unit) -> list[tuple[Any, str]]:
    """The fields whose stored value is not the one typed: (label, stored value as shown)."""
    return [
        (field.label, str(getattr(unit, name) or "—"))
        for name, field in form.fields.items()
        if name in form.cleaned_data and form.cleaned_data[name] != getattr(unit, name)
    ]


@require_http_methods(["GET", "POST"])
@administrator_required
def unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The unit's page and its edit form. The form carries the version of the unit it was drawn from: a save based
    on a version a colleague's save replaced (or on none) is refused, showing what was typed and what is stored."""
    unit = _unit(unit_id)
    if request.method != "POST":
        return _edit_page(request, unit)
    version, old_name, old_group_id = request.POST.get("version", ""), unit.name, unit.ranking_group_id
    form = UnitForm(request.POST, unit=unit)
    if not form.is_valid():
        form_errors(request, form)
        return _edit_page(request, unit, form=form, version=version, status=400)
    try:
        saved = services.unit_update(unit=unit, data=form.cleaned_data, actor=request.user,
                                     expected_version=version)
    except StaleVersion as exc:
        report_error(request, exc)
        current = _unit(unit_id)
        return _edit_page(request, current, form=form, stored=_stored_differences(form, current), status=exc.status)
    except DomainError as exc:
        report_error(request, exc)
        return _edit_page(request, unit, form=form, version=version, status=exc.status, refusal=exc)
    said = _("Đã lưu đơn vị.")
    if saved.ranking_group_id != old_group_id:
        said = f"{said} {_group_years_text(saved)}"
    messages.success(request, said)
    if saved.name != old_name:
        _say_stopped_namesake(request, saved)
    return redirect("administration:unit_edit", unit.pk)


def _group_years_text(unit: Unit) -> str:
    """After a unit changed group: which years' ranking followed it (not published) and which kept the group the
    unit was ranked in that year (published)."""
    years = selectors.unit_group_years(unit=unit)
    texts = []
    if not years.followed:
        texts.append(_("Khối xếp hạng mới áp dụng từ kỳ đánh giá tiếp theo."))
    elif unit.ranking_group is None:
        texts.append(_("Kỳ đánh giá chưa công bố kết quả (năm %(years)s): đơn vị không còn được xếp hạng.")
                     % {"years": ", ".join(map(str, years.followed))})
    else:
        texts.append(_("Kỳ đánh giá chưa công bố kết quả (năm %(years)s) xếp hạng đơn vị trong khối «%(group)s»; "
                       "thứ hạng trong khối cũ và khối mới được tính lại.")
                     % {"years": ", ".join(map(str, years.followed)), "group": unit.ranking_group.name})
    if years.kept:
        texts.append(_("Kỳ đánh giá đã công bố kết quả giữ khối xếp hạng của năm đó: %(list)s.") % {"list": "; ".join(
            _("năm %(y)s: «%(g)s»") % {"y": year, "g": group if group is not None else MSG_NO_GROUP}
            for year, group in years.kept
        )})
    return " ".join(texts)


def _accounts_seen(posted: str) -> int:
    """The count of active accounts the administrator confirmed stopping the unit with; anything else: none."""
    return int(posted) if posted.isascii() and posted.isdigit() and len(posted) <= 6 else 0


@lands_on("administration:unit_edit", "unit_id")
@require_POST
@administrator_required
def unit_toggle(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Stop a unit (a reason; its active accounts, if any, confirmed by the count shown) or start it again."""
    unit = _unit(unit_id)
    reason = request.POST.get("reason", "")
    try:
        services.unit_set_active(unit=unit, active=request.POST.get("active") == "1", actor=request.user,
                                 reason=reason, accounts_seen=_accounts_seen(request.POST.get("accounts_seen", "")))
    except DomainError as exc:
        report_error(request, exc)
        return _edit_page(request, unit, reason=reason, status=exc.status, refusal=exc)
    messages.success(request, _("Đã cập nhật trạng thái đơn vị."))
    return redirect("administration:unit_edit", unit.pk)


@lands_on("administration:unit_edit", "unit_id")
@require_POST
@administrator_required
def unit_merge(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit(unit_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return _edit_page(request, unit, merge_form=form, status=400)
    into = form.cleaned_data["into"]
    try:
        services.unit_merge(
            unit=unit, into=into, reason=form.cleaned_data["reason"], actor=request.user,
            group_change_seen=form.cleaned_data["group_change_seen"],
        )
    except DomainError as exc:
        report_error(request, exc)
        asked = merge_group_change(unit=unit, into=into) if exc.code == "merge_changes_group" else None
        return _edit_page(request, unit, merge_form=form, status=exc.status, group_change=asked, refusal=exc)
    done = _("Đã sáp nhập «%(a)s» vào «%(b)s»; lịch sử đánh giá được giữ nguyên.") % {"a": unit.name, "b": into.name}
    change = merge_group_change(unit=unit, into=into)
    if change is not None:
        done += " " + _("Người dùng của «%(a)s» nay thuộc đơn vị được xếp hạng trong khối «%(new)s» (trước đây: "
                        "khối «%(old)s»).") % change
    messages.success(request, done)
    return redirect("administration:unit_edit", into.pk)


def _coded_create(request: HttpRequest, *, prefix: str, create: Any, done: str) -> HttpResponse:
    """A new unit kind or ranking group; a refusal shows the list again with what was typed."""
    form = CodeNameForm(request.POST, prefix=prefix)
    if not form.is_valid():
        form_errors(request, form)
        return _list_page(request, status=400, **{f"{prefix}_form": form})
    try:
        create(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        report_error(request, exc)
        return _list_page(request, status=exc.status, **{f"{prefix}_form": form})
    messages.success(request, done)
    return redirect(reverse("administration:unit_list") + "#kinds-and-groups")


@lands_on("administration:unit_list", fragment="kinds-and-groups")
@require_POST
@administrator_required
def kind_create(request: HttpRequest) -> HttpResponse:
    return _coded_create(request, prefix="kind", create=services.unit_kind_create, done=_("Đã thêm loại đơn vị."))


@lands_on("administration:unit_list", fragment="kinds-and-groups")
@require_POST
@administrator_required
def group_create(request: HttpRequest) -> HttpResponse:
    return _coded_create(
        request, prefix="group", create=services.ranking_group_create, done=_("Đã thêm khối xếp hạng.")
    )


def _coded_rename(request: HttpRequest, rename: Callable[..., Any], done: str, *, what: str, pk: int) -> HttpResponse:
    """A kind's or a group's new name, from a form carrying the version of the name it was typed against: a rename
    based on a name a colleague's rename replaced (or on none) is refused. A refusal shows the list again with the
    name as typed in its row (and, after a colleague's rename, the name stored now, the form then based on it)."""
    typed = request.POST.get("name", "")
    version = request.POST.get("version", "")
    try:
        renamed = rename(name=typed, actor=request.user, expected_version=version)
    except StaleVersion as exc:
        report_error(request, exc)
        model = UnitKind if what == "kind" else RankingGroup
        stored = model.objects.get(pk=pk)
        return _list_page(request, renaming={"what": what, "pk": pk, "name": typed, "stored": stored.name,
                                             "version": coded_version(stored)}, status=exc.status)
    except DomainError as exc:
        report_error(request, exc)
        return _list_page(request, renaming={"what": what, "pk": pk, "name": typed, "version": version},
                          status=exc.status)
    messages.success(request, done % {"name": renamed.name})
    return redirect(reverse("administration:unit_list") + "#kinds-and-groups")


@lands_on("administration:unit_list", fragment="kinds-and-groups")
@require_POST
@administrator_required
def kind_rename(request: HttpRequest, kind_id: int) -> HttpResponse:
    kind = get_object_or_404(UnitKind, pk=kind_id)
    return _coded_rename(request, partial(services.unit_kind_rename, kind=kind), _("Đã đổi tên loại đơn vị: %(name)s."),
                         what="kind", pk=kind.pk)


@lands_on("administration:unit_list", fragment="kinds-and-groups")
@require_POST
@administrator_required
def group_rename(request: HttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(RankingGroup, pk=group_id)
    return _coded_rename(
        request, partial(services.ranking_group_rename, group=group), _("Đã đổi tên khối xếp hạng: %(name)s."),
        what="group", pk=group.pk,
    )


@lands_on("administration:unit_list")
@require_POST
@administrator_required
def unit_import(request: HttpRequest) -> HttpResponse:
    """Two steps, as the users import. A file: every row checked (each bad row's problems listed, nothing kept),
    else a preview of what each row changes (new units, an existing unit's fields, stopped or started again), the
    rows held on the server under a random key kept in the session. Then `confirm`: the held rows, checked again,
    are written through the units page's services."""
    if "confirm" in request.POST:
        pending = request.session.get(PENDING_IMPORT)
        key = pending.get("key") if isinstance(pending, dict) else None
        if key is None or key != request.POST.get("confirm"):
            refusal = MSG_PREVIEW_REPLACED if key is not None and request.POST.get("confirm") else MSG_PREVIEW_GONE
            return _list_page(request, status=400, import_refused=str(refusal))
        try:
            done = unit_import_confirm(key=key, actor=request.user)
        except DomainError as exc:
            return _list_page(request, import_refused=str(exc.message), import_rows=exc.details, status=exc.status)
        del request.session[PENDING_IMPORT]
        messages.success(request, _(
            "Đã nhập từ Excel: %(c)s đơn vị mới, %(u)s đơn vị sửa thông tin, %(s)s đơn vị ngừng hoạt động, "
            "%(r)s đơn vị hoạt động trở lại."
        ) % {"c": done.created, "u": done.updated, "s": done.stopped, "r": done.restarted})
        return redirect("administration:unit_list")
    replaced = request.session.pop(PENDING_IMPORT, None)
    if isinstance(replaced, dict):
        unit_import_preview_drop(key=replaced.get("key"))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, import_refused=upload_refusal(form), status=400)
    try:
        name = form.cleaned_data["file"].name
        sheet = read_units_sheet(form.cleaned_data["file"])
        plans = units_import_plan(rows=sheet.rows, actor=request.user, columns=sheet.headers, file_name=name)
        changed = [plan for plan in plans if plan.changes]
        key = unit_import_preview_hold(rows=sheet.rows, columns=sheet.headers, file_name=name) if changed else ""
    except FileRefused as exc:
        return _list_page(request, import_refused=exc.message, status=400)
    except DomainError as exc:
        return _list_page(request, import_refused=str(exc.message), import_rows=exc.details, status=exc.status)
    if key:
        request.session[PENDING_IMPORT] = {"key": key}
    return _list_page(request, import_preview={"key": key, "rows": changed, "total": len(plans),
                                               "unchanged": len(plans) - len(changed)})
