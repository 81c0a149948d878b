"""The Excel round trip: download the self-assessment sheet, upload it back, preview, apply all or nothing."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scoring import exports, imports, permissions, selectors, services
from scoring.errors import StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment
from scoring.views._common import lands_on
from scoring.views.sheet import edit_refusal


def _session_key(assessment: Assessment) -> str:
    return f"cchc-import-{assessment.pk}"


@login_required
@require_GET
def sheet_download(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    content = exports.self_assessment_workbook(sheet=selectors.assessment_sheet(assessment=assessment))
    return exports.xlsx_response(content, f"phieu-tu-cham-{assessment.unit.code}-{assessment.cycle.year}.xlsx")


def _render_upload(
    request: HttpRequest, assessment: Assessment, *, status: int = 200, preview: imports.ImportPreview | None = None,
    token: str = "", error: Any = None, stale: list[str] | None = None,
) -> HttpResponse:
    context = {
        "assessment": assessment,
        "preview": preview,
        "token": token,
        "error": error,
        "stale": stale or [],
        "max_mb": imports.MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_rows": imports.MAX_ROWS,
    }
    return render(request, "scoring/sheet_upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_upload(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """GET: the upload form. POST: read the file and show the preview (nothing is written yet)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    refusal = edit_refusal(request, assessment)
    if refusal is not None:
        return refusal
    if request.method == "GET":
        return _render_upload(request, assessment)
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > imports.MAX_UPLOAD_BYTES + 64 * 1024:  # refused before the body is read
        message = _("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": imports.MAX_UPLOAD_BYTES // (1024 * 1024)}
        return _render_upload(request, assessment, status=413, error=message)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _render_upload(request, assessment, status=400, error=_("Hãy chọn tệp Excel để tải lên."))
    sheet = selectors.assessment_sheet(assessment=assessment)
    try:
        preview = imports.read_sheet(uploaded, sheet=sheet)
    except imports.SheetRefused as exc:
        return _render_upload(request, assessment, status=400, error=exc.message)
    token = secrets.token_urlsafe(16)
    if not preview.error_count and preview.rows:
        request.session[_session_key(assessment)] = {
            "token": token, "rows": [row.service_row() for row in preview.rows],
        }
    else:
        request.session.pop(_session_key(assessment), None)
    return _render_upload(request, assessment, status=400 if preview.error_count else 200, preview=preview,
                          token=token)


def _upload_page(assessment_id: int) -> str:
    return reverse("scoring:sheet_upload", args=[assessment_id])


@lands_on(_upload_page)
@login_required
@require_POST
def sheet_apply(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Write every previewed row in one transaction, or none (stale or invalid rows are listed)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    refusal = edit_refusal(request, assessment)
    if refusal is not None:
        return refusal
    pending = request.session.get(_session_key(assessment))
    if not pending or not secrets.compare_digest(str(pending.get("token")), request.POST.get("token", "")):
        return _render_upload(request, assessment, status=409,
                              error=_("Bản xem trước đã hết hiệu lực hoặc đã được áp dụng; hãy tải tệp lên lại."))
    try:
        written = services.score_lines_import_self(assessment=assessment, rows=pending["rows"], actor=request.user)
    except StaleVersion as exc:
        request.session.pop(_session_key(assessment), None)
        return _render_upload(request, assessment, status=409, error=exc.message, stale=list(exc.details or []))
    except ValidationFailed as exc:
        request.session.pop(_session_key(assessment), None)
        details = exc.details if isinstance(exc.details, dict) else {}
        return _render_upload(request, assessment, status=400, error=exc.message,
                              stale=[f"{code}: {message}" for code, message in details.items()])
    except StateConflict as exc:
        return _render_upload(request, assessment, status=409, error=exc.message)
    request.session.pop(_session_key(assessment), None)
    messages.success(request, _("Đã cập nhật %(n)s tiêu chí từ tệp Excel.") % {"n": written})
    return redirect("scoring:assessment", assessment.pk)
