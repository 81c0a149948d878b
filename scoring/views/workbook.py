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


def _written_key(assessment: Assessment) -> str:
    return f"cchc-import-written-{assessment.pk}"


KEPT_DOWNLOADS = 5  # the files whose imports this session remembers, per assessment (the latest ones)


def _earlier_imports(request: HttpRequest, assessment: Assessment) -> dict[str, dict[int, set[int]]]:
    """What this person's imports of each file (by its download id) wrote in this session: line id -> versions."""
    kept = request.session.get(_written_key(assessment)) or {}
    return {download: {int(line): set(versions) for line, versions in lines.items()}
            for download, lines in kept.items() if isinstance(lines, dict)}


def _remember_import(request: HttpRequest, assessment: Assessment, download: str, written: dict[int, int]) -> None:
    kept = dict(request.session.get(_written_key(assessment)) or {})
    lines = dict(kept.pop(download, {}))
    for line_id, version in written.items():
        lines[str(line_id)] = sorted({*lines.get(str(line_id), []), version})
    kept[download] = lines  # last: the most recent file
    request.session[_written_key(assessment)] = dict(list(kept.items())[-KEPT_DOWNLOADS:])


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
        preview = imports.read_sheet(uploaded, sheet=sheet, earlier_imports=_earlier_imports(request, assessment))
    except imports.SheetRefused as exc:
        return _render_upload(request, assessment, status=400, error=exc.message)
    token = secrets.token_urlsafe(16)
    if not preview.error_count and (preview.rows or preview.choosable):
        request.session[_session_key(assessment)] = {
            "token": token, "rows": [row.service_row() for row in preview.rows],
            "choosable": [row.service_row() for row in preview.choosable], "download": preview.download_id,
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
    chosen = set(request.POST.getlist("take"))
    rows = [*pending["rows"], *(row for row in pending.get("choosable", []) if str(row["line_id"]) in chosen)]
    if not rows:
        return _render_upload(request, assessment, status=400, error=_(
            "Chưa chọn dòng nào để áp dụng: các giá trị đang lưu được giữ nguyên."))
    try:
        written = services.score_lines_import_self(assessment=assessment, rows=rows, actor=request.user)
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
    download = str(pending.get("download") or "")
    if download:
        _remember_import(request, assessment, download, written)
        message = _("Đã cập nhật %(n)s tiêu chí từ tệp Excel. Có thể sửa tiếp chính tệp này và tải lên lại trong "
                    "phiên đăng nhập này; sau khi đăng xuất, hãy tải phiếu mới trước khi sửa tiếp.")
    else:
        message = _("Đã cập nhật %(n)s tiêu chí từ tệp Excel. Tệp này nay đã cũ: hãy tải phiếu mới trước khi sửa "
                    "tiếp.")
    messages.success(request, message % {"n": len(rows)})
    return redirect("scoring:assessment", assessment.pk)
