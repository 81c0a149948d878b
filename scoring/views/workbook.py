"""The Excel round trip: download the self-assessment sheet, upload it back, preview, apply all or nothing."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
        earlier = selectors.earlier_imports(assessment=assessment, actor=request.user)
        preview = imports.read_sheet(uploaded, sheet=sheet, earlier_imports=earlier)
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


MSG_PREVIEW_GONE = gettext_lazy("Bản xem trước đã hết hiệu lực hoặc đã được áp dụng; hãy tải tệp lên lại.")
MSG_JUST_APPLIED = gettext_lazy(
    "Tệp này vừa được áp dụng bởi một lần gửi khác cùng lúc (chẳng hạn nút áp dụng được bấm hai lần): các tiêu chí đã "
    "được cập nhật từ tệp, không cần áp dụng lại. Hãy mở bản tự đánh giá để xem."
)


def _preview_of(session: Any, assessment: Assessment, token: str) -> dict[str, Any] | None:
    """The preview of `assessment` that `session` holds under `token`, None without one."""
    pending = session.get(_session_key(assessment))
    if not pending or not secrets.compare_digest(str(pending.get("token")), token):
        return None
    return dict(pending)


def _claim_preview(request: HttpRequest, assessment: Assessment, token: str) -> dict[str, Any] | None:
    """Take the preview `token` out of the session, once. In the caller's transaction, the session's row is locked
    and read again: a request of the same session sent at the same moment (a double click) may have applied the
    preview while this one waited, and what it stored then (the preview gone, the import remembered) is what this
    request's session now holds, not what it read at its start. The one request of several that finds the preview
    gets it, taken out of the session; the others get None. The caller writes the session before its transaction
    ends (``request.session.save()``), so that the lock covers the whole claim. One query (the lock)."""
    session = request.session
    if session.session_key:
        model = session.model  # the database sessions' model (cchc.auth.SessionStore)
        stored = model.objects.select_for_update().filter(session_key=session.session_key).first()
        if stored is not None:
            current = session.decode(stored.session_data)
            session.clear()
            session.update(current)
    pending = _preview_of(session, assessment, token)
    if pending is not None:
        session.pop(_session_key(assessment), None)
    return pending


def _upload_page(assessment_id: int) -> str:
    return reverse("scoring:sheet_upload", args=[assessment_id])


@lands_on(_upload_page)
@login_required
@require_POST
def sheet_apply(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Write every previewed row in one transaction, or none (stale or invalid rows are listed). The preview applies
    once: of several requests sent with it at the same moment, one applies it and the others hear that it was just
    applied (`_claim_preview`), as a later one hears that it was applied or has expired."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    refusal = edit_refusal(request, assessment)
    if refusal is not None:
        return refusal
    token = request.POST.get("token", "")
    shown = _preview_of(request.session, assessment, token)
    if shown is None:
        return _render_upload(request, assessment, status=409, error=MSG_PREVIEW_GONE)
    chosen = set(request.POST.getlist("take"))
    if not shown["rows"] and not any(str(row["line_id"]) in chosen for row in shown.get("choosable", [])):
        return _render_upload(request, assessment, status=400, error=_(
            "Chưa chọn dòng nào để áp dụng: các giá trị đang lưu được giữ nguyên."))
    with transaction.atomic():
        pending = _claim_preview(request, assessment, token)
        if pending is None:  # the same preview applied by a request sent at the same moment (a double click)
            return _render_upload(request, assessment, status=409, error=MSG_JUST_APPLIED)
        rows = [*pending["rows"], *(row for row in pending.get("choosable", []) if str(row["line_id"]) in chosen)]
        download = str(pending.get("download") or "")
        try:
            services.score_lines_import_self(assessment=assessment, rows=rows, actor=request.user,
                                             download=download)
        except StaleVersion as exc:  # the preview is spent: its file must be uploaded again
            request.session.save()
            return _render_upload(request, assessment, status=409, error=exc.message, stale=list(exc.details or []))
        except ValidationFailed as exc:
            request.session.save()
            details = exc.details if isinstance(exc.details, dict) else {}
            return _render_upload(request, assessment, status=400, error=exc.message,
                                  stale=[f"{code}: {message}" for code, message in details.items()])
        except StateConflict as exc:
            # kept for later (the assessment's state may change back): as stored, nothing of this request written
            request.session[_session_key(assessment)] = pending
            return _render_upload(request, assessment, status=409, error=exc.message)
        request.session.save()  # the preview gone, before the lock is released
    if download:
        message = _("Đã cập nhật %(n)s tiêu chí từ tệp Excel. Có thể sửa tiếp chính tệp này và tải lên lại, cả ở "
                    "lần đăng nhập sau.")
    else:
        message = _("Đã cập nhật %(n)s tiêu chí từ tệp Excel. Tệp này nay đã cũ: hãy tải phiếu mới trước khi sửa "
                    "tiếp.")
    messages.success(request, message % {"n": len(rows)})
    return redirect("scoring:assessment", assessment.pk)
