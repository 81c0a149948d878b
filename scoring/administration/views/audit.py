"""The audit viewer: every recorded change, filterable by user, unit, object and date, paginated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from scoring.administration import selectors
from scoring.administration.audit_labels import action_choices, labelled, object_type_choices
from scoring.administration.forms import AuditFilterForm
from scoring.administration.views._common import administrator_required
from scoring.exports import list_workbook, xlsx_response
from scoring.models import AuditEntry
from scoring.templatetags.scoring_tags import dmy

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000  # rows of one Excel file built in memory; a longer log is filed in parts (by dates)


def _export_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    for chunk_start in range(0, EXPORT_LIMIT, 1000):
        chunk = labelled(entries[chunk_start : chunk_start + 1000])
        for e in chunk:
            yield [
                dmy(e.at),
                e.actor.get_full_name() if e.actor_id else "",
                e.actor.get_username() if e.actor_id else "",
                e.action_label,
                e.action,
                e.object_shown,
                e.unit.name if e.unit_id else "",
                "\n".join(f"{label}: {old} → {new}" for _name, label, old, new in e.change_rows),
                e.reason_shown,
            ]
        if len(chunk) < 1000:
            return


def _export(request: HttpRequest, entries: QuerySet[AuditEntry]) -> HttpResponse | None:
    """The filtered log as an Excel file (every page, oldest last as on screen), or None when too long."""
    if entries.count() > EXPORT_LIMIT:
        messages.error(
            request,
            _("Nhật ký lọc được quá %(n)s dòng; hãy thu hẹp bộ lọc (ví dụ theo khoảng ngày) rồi tải lại.")
            % {"n": f"{EXPORT_LIMIT:,}".replace(",", ".")},
        )
        return None
    headers = [
        _("Thời điểm"), _("Người thực hiện"), _("Tên đăng nhập"), _("Thao tác"), _("Mã thao tác"), _("Đối tượng"),
        _("Đơn vị"), _("Thay đổi"), _("Lý do"),
    ]
    # A list for people to read, not an import template: every text as typed (a reason written as «- …» bullets
    # shows no apostrophe), never a formula.
    content = list_workbook(title=_("Nhật ký thay đổi"), headers=headers, rows=_export_rows(entries))
    return xlsx_response(content, "nhat-ky-thay-doi.xlsx")


def _invalid_filters(form: AuditFilterForm) -> str:
    """What is wrong with the filters, each named («Đơn vị: Không có đơn vị mã «x».»); "" when nothing is."""
    if not form.is_bound or form.is_valid():
        return ""
    problems = [
        f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
        for name, errors in form.errors.items()
    ]
    return _("Bộ lọc không hợp lệ nên danh sách chưa được lọc. %(problems)s") % {"problems": " ".join(problems)}


@require_GET
@administrator_required
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(
        actor_id=filters["actor"].pk if filters.get("actor") else None,
        unit_id=filters["unit"].pk if filters.get("unit") else None,
        object_type=filters.get("object_type", ""),
        object_id=filters.get("object_id", ""),
        action=filters.get("action", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    if request.GET.get("xuat") == "xlsx" and not (form.is_bound and not form.is_valid()):
        exported = _export(request, entries)
        if exported is not None:
            return exported
    query = request.GET.copy()
    query.pop("trang", None)
    query.pop("xuat", None)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("trang"))
    page.object_list = labelled(page.object_list, html=True)
    return render(
        request,
        "scoring/administration/audit_list.html",
        {
            "form": form,
            "page": page,
            "object_types": object_type_choices(selectors.audit_object_types()),
            "actions": action_choices(),
            "query": query.urlencode(),
            "invalid": _invalid_filters(form),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
