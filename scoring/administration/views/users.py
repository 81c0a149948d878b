"""Users and roles: create, deactivate, assign a role with its unit, bulk import from Excel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scoring.administration import selectors, services
from scoring.administration.forms import PasswordSetForm, RoleForm, UploadForm, UserCreateForm, UserEditForm
from scoring.administration.services.imports import (
    MSG_PREVIEW_GONE,
    MSG_PREVIEW_REPLACED,
    USER_COLUMN_HEADERS,
    read_users_sheet,
    roles_text,
    user_import_confirm,
    user_import_preview_drop,
    user_import_preview_hold,
    users_xlsx,
)
from scoring.administration.services.users import full_name_of, password_change_required, user_version
from scoring.administration.views._common import (
    administrator_required,
    focus_first_invalid,
    form_errors,
    report_error,
    upload_refusal,
)
from scoring.administration.xlsx import FileRefused
from scoring.errors import DomainError, StaleVersion
from scoring.exports import xlsx_response
from scoring.models import RoleAssignment, UserImport
from scoring.views._common import lands_on

USER_COLUMNS = services.USER_COLUMNS
PENDING_IMPORT = "administration.user_import"  # the session key of a checked file's preview: {"key": ...} only


def _filtered(request: HttpRequest) -> tuple[str, str, str, bool, Any]:
    """The list's filters: a text, a role, a unit by its code (an unknown code matches nobody), only roles at
    stopped units."""
    query, role = request.GET.get("q", "").strip(), request.GET.get("vai_tro", "")
    unit = request.GET.get("don_vi", "").strip().lower()
    stopped = request.GET.get("don_vi_ngung") == "1"
    users = selectors.users_for_admin(query=query, role=role, unit_code=unit, at_stopped_unit=stopped)
    return query, role, unit, stopped, users


def _list_page(
    request: HttpRequest, *, form: UserCreateForm | None = None, status: int = 200, **extra: object
) -> HttpResponse:
    query, role, unit, stopped, users = _filtered(request)
    return render(
        request,
        "scoring/administration/user_list.html",
        {
            "page": Paginator(users, 50).get_page(request.GET.get("trang")),
            "q": query,
            "role": role,
            "unit": unit,
            "stopped": stopped,
            "roles": RoleAssignment.Role.choices,
            "form": form or UserCreateForm(),
            "upload_form": UploadForm(),
            "columns": [str(header) for header in USER_COLUMN_HEADERS],
            "roles_text": roles_text(),
            **extra,
        },
        status=status,
    )


@require_GET
@administrator_required
def user_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@require_GET
@administrator_required
def user_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, in Excel: the import's columns with Vietnamese headers, the roles by their
    labels and the state as Có / Không, each with a drop-down (the file imports back as it is), one row per role,
    the password cell empty."""
    *_filters, users = _filtered(request)
    content = users_xlsx(rows=selectors.user_export_rows(users))
    return xlsx_response(content, "nguoi-dung.xlsx")


@lands_on("administration:user_list")
@require_POST
@administrator_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        focus_first_invalid(form)
        return _list_page(request, form=form, status=400)
    try:
        user = services.user_create(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        report_error(request, exc)
        return _list_page(request, form=form, status=exc.status)
    messages.success(request, _("Đã tạo tài khoản «%(u)s».") % {"u": user.username})
    return redirect("administration:user_detail", user.pk)


@require_http_methods(["GET", "POST"])
@administrator_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """The user's page; a POST is its password reset form (a new password typed twice by the administrator:
    the user's sessions end with the old one)."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    password_form = PasswordSetForm(request.POST or None)
    status, version = 200, None
    if request.method == "POST":
        version = request.POST.get("version", "")  # a refused form stays based on the account it was drawn from
        if password_form.is_valid():
            try:  # based on the account as the page showed it: a colleague's reset since is not replaced
                person = services.user_set_password(
                    user=person, password=password_form.cleaned_data["password1"], actor=request.user,
                    expected_version=version,
                )
            except DomainError as exc:
                report_error(request, exc)
                status = exc.status
                if isinstance(exc, StaleVersion):  # told so: the page shows the account as it is now
                    person, version = get_object_or_404(get_user_model(), pk=user_id), None
            else:
                if person.pk == request.user.pk:  # an administrator resetting their own password stays signed in
                    update_session_auth_hash(request, person)
                messages.success(request, _("Đã đặt mật khẩu mới cho «%(u)s».") % {"u": person.username})
                return redirect("administration:user_detail", person.pk)
        else:
            form_errors(request, password_form)
            status = 400
    return _detail_page(request, person, version=version, status=status)


def _detail_page(request: HttpRequest, person: Any, *, role_form: RoleForm | None = None, version: str | None = None,
                 edit_form: UserEditForm | None = None, stored: list[tuple[Any, str]] | None = None,
                 status: int = 200) -> HttpResponse:
    """The user's page; after a refused role or edit, with that form as it was typed. The edit and password forms
    carry the account's version (`user_version`) as the page shows it, or after a refusal, the one the refused form
    was based on; after a colleague's change, the stored name and address where they differ from the typed ones
    (`stored`)."""
    return render(
        request,
        "scoring/administration/user_detail.html",
        {
            "person": person,
            "version": user_version(person) if version is None else version,
            "roles": selectors.role_assignments_of(user=person),
            "role_form": role_form or RoleForm(),
            "edit_form": edit_form or UserEditForm(initial={"full_name": full_name_of(person), "email": person.email}),
            "stored": stored or [],
            "password_form": PasswordSetForm(),  # never sent back with what was typed
            "must_change_password": password_change_required(person),
        },
        status=status,
    )


def _stored_differences(form: UserEditForm, person: Any) -> list[tuple[Any, str]]:
    """The fields whose stored value is not the one typed: (label, stored value as shown)."""
    stored = {"full_name": full_name_of(person), "email": person.email}
    return [
        (form.fields[name].label, stored[name] or "—")
        for name in stored
        if " ".join(str(form.cleaned_data.get(name, "")).split()) != stored[name]
    ]


@lands_on("administration:user_detail", "user_id")
@require_POST
@administrator_required
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    """The account's full name and e-mail address, corrected. The form carries the version of the account it was
    drawn from: a save based on a version a colleague's change replaced (or on none) is refused, showing what was
    typed and what is stored."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    version = request.POST.get("version", "")
    form = UserEditForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return _detail_page(request, person, edit_form=form, version=version, status=400)
    try:
        services.user_update(user=person, actor=request.user, expected_version=version, **form.cleaned_data)
    except StaleVersion as exc:
        report_error(request, exc)
        current = get_object_or_404(get_user_model(), pk=user_id)
        return _detail_page(request, current, edit_form=form, stored=_stored_differences(form, current),
                            status=exc.status)
    except DomainError as exc:
        report_error(request, exc)
        return _detail_page(request, person, edit_form=form, version=version, status=exc.status)
    messages.success(request, _("Đã lưu thông tin tài khoản «%(u)s».") % {"u": person.username})
    return redirect("administration:user_detail", person.pk)


@lands_on("administration:user_detail", "user_id")
@require_POST
@administrator_required
def user_toggle(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(get_user_model(), pk=user_id)
    try:
        services.user_set_active(user=person, active=request.POST.get("active") == "1", actor=request.user)
    except DomainError as exc:
        report_error(request, exc)
    else:
        messages.success(request, _("Đã mở khoá tài khoản.") if person.is_active else _("Đã khoá tài khoản."))
    return redirect("administration:user_detail", person.pk)


@lands_on("administration:user_detail", "user_id")
@require_POST
@administrator_required
def role_add(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        focus_first_invalid(form)
        return _detail_page(request, person, role_form=form, status=400)
    try:
        services.role_assign(user=person, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        report_error(request, exc)
        return _detail_page(request, person, role_form=form, status=exc.status)
    messages.success(request, _("Đã gán vai trò."))
    return redirect("administration:user_detail", person.pk)


@lands_on("administration:user_detail", "user_id")
@require_POST
@administrator_required
def role_delete(request: HttpRequest, user_id: int, role_id: int) -> HttpResponse:
    assignment = get_object_or_404(RoleAssignment, pk=role_id, user_id=user_id)
    try:
        services.role_remove(assignment=assignment, actor=request.user)
    except DomainError as exc:
        report_error(request, exc)
    else:
        messages.success(request, _("Đã bỏ vai trò."))
    return redirect("administration:user_detail", user_id)


@lands_on("administration:user_list")
@require_POST
@administrator_required
def user_import(request: HttpRequest) -> HttpResponse:
    """Two steps. A file: every row checked (each bad row's problems listed, nothing kept), else a preview of what
    each row changes, the rows held in a private file on the server (they hold the initial passwords: never sent
    to the browser nor kept in the session, which holds only the preview's random key). Then `confirm`: the held
    rows, checked again, are handed to a worker."""
    if "confirm" in request.POST:
        pending = request.session.get(PENDING_IMPORT)
        key = pending.get("key") if isinstance(pending, dict) else None
        if key is None or key != request.POST.get("confirm"):
            # a newer upload (another tab) replaced the preview confirmed here: its rows were dropped then
            refusal = MSG_PREVIEW_REPLACED if key is not None and request.POST.get("confirm") else MSG_PREVIEW_GONE
            return _list_page(request, status=400, import_refused=str(refusal))
        try:
            job = user_import_confirm(key=key, actor=request.user)
        except DomainError as exc:
            return _list_page(request, import_refused=str(exc.message), import_rows=exc.details, status=exc.status)
        del request.session[PENDING_IMPORT]
        return redirect("administration:user_import_job", job.pk)
    replaced = request.session.pop(PENDING_IMPORT, None)
    if isinstance(replaced, dict):
        user_import_preview_drop(key=replaced.get("key"))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, import_refused=upload_refusal(form), status=400)
    try:
        sheet = read_users_sheet(form.cleaned_data["file"])
        plans = services.users_import_plan(rows=sheet.rows, actor=request.user)
        changed = [plan for plan in plans if plan.changes]
        key = (  # nothing to confirm: nothing held
            user_import_preview_hold(rows=sheet.rows, file_name=form.cleaned_data["file"].name) if changed else ""
        )
    except FileRefused as exc:
        return _list_page(request, import_refused=exc.message, status=400)
    except DomainError as exc:
        return _list_page(request, import_refused=str(exc.message), import_rows=exc.details, status=exc.status)
    if key:
        request.session[PENDING_IMPORT] = {"key": key}
    return _list_page(request, import_preview={"key": key, "rows": changed, "total": len(plans),
                                               "unchanged": len(plans) - len(changed)})


@require_GET
@administrator_required
def user_import_job(request: HttpRequest, user_import_id: int) -> HttpResponse:
    """An import's progress: the page reloads itself until the worker is done."""
    job = get_object_or_404(UserImport.objects.select_related("requested_by"), pk=user_import_id)
    return render(request, "scoring/administration/user_import.html", {"job": job})
