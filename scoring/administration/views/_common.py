"""The administrator check shared by every administration page, and small helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from scoring import permissions
from scoring.errors import DomainError
from scoring.views._common import refuse

View = Callable[..., HttpResponse]


def administrator_required(view: View) -> View:
    """Anonymous: to the login page. Logged in without the administrator role: 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_administrator(request.user):
            from django.utils.translation import gettext as _

            return refuse(request, _("Chỉ quản trị viên (Sở Nội vụ) được dùng trang này."), status=403)
        return view(request, *args, **kwargs)

    return wrapper


def sentences(parts: Any) -> str:
    """Messages that are each a sentence, joined as sentences ("… giá trị. Mã …", never "… giá trị.; Mã …")."""
    out = []
    for part in parts:
        text = str(part).strip()
        if text:
            out.append(text if text[-1] in ".!?…" else text + ".")
    return " ".join(out)


def report_error(request: HttpRequest, exc: DomainError) -> None:
    """Show a refused service call as a message; list details when the service gave several."""
    messages.error(request, str(exc.message))
    if isinstance(exc.details, list):
        for item in exc.details[:20]:
            if isinstance(item, dict):
                messages.error(request, f"{item.get('row', '')}: " + sentences(item.get("messages", [])))
            else:
                messages.error(request, str(item))


def form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def error_items(form: Any, *, after: dict[str, list[tuple[str, str]]] | None = None) -> list[tuple[str, str]]:
    """A refused form's problems for its error summary, as (link, text): what concerns no field first (no link),
    then each field's, in the form's order, linking to the field and led by its label; `after`: more problems to
    list after a field's (the inputs a form draws itself, each with its own link)."""
    after = after or {}
    shown_after = {text for items in after.values() for _href, text in items}
    items = [("", str(e)) for e in form.non_field_errors() if str(e) not in shown_after]
    for field in form:
        if not field.is_hidden:
            items += [(f"#{field.id_for_label}", f"{field.label}: {e}") for e in field.errors]
        items += after.get(field.name, [])
    return items


def focus_first_invalid(form: Any) -> None:
    """A refused form drawn again takes the keyboard to its first field in error (`autofocus`), not to the page's
    top: the field says what is wrong (aria-invalid, described by its message)."""
    for name, field in form.fields.items():
        if name in form.errors and not field.widget.is_hidden:
            field.widget.attrs["autofocus"] = True
            return


def upload_refusal(form: Any) -> str:
    """Why an Excel upload form was refused: no file chosen, or a chosen file that is empty (0 bytes)."""
    from django.utils.translation import gettext as _

    if "empty" in {error.code for error in form.errors.as_data().get("file", [])}:
        return _("Tệp Excel đã chọn rỗng (0 byte); hãy chọn đúng tệp.")
    return _("Hãy chọn tệp Excel.")

