"""Evidence pages and endpoints. Thin: parse, authorize (``evidence.permissions``), call a service, answer.

POST endpoints answer JSON when the request accepts ``application/json`` (the page's script), otherwise
they redirect to a safe ``next`` with a message (plain forms, no JavaScript needed).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from appraisal.services.common import MSG_NOT_FLAGGED
from evidence import permissions, selectors, services, storage, validation
from evidence.models import EvidenceFile, EvidenceLink
from evidence.selectors import DeletedLink
from evidence.templatetags.evidence_tags import max_upload_files, max_upload_mb
from evidence.uploads import EvidenceUploadHandler, StreamedUpload
from scoring.dates import local_moment
from scoring.errors import DomainError, StateConflict, self_edit_refusal
from scoring.models import Assessment, ScoreLine
from scoring.permissions import (
    assessment_get_for_user,
    can_attach_evidence,
    can_edit_self_assessment,
    is_unit_member,
)
from scoring.selectors import LeafRow, assessment_totals, score_lines_of_assessment
from scoring.views._common import lands_on, login_required_or_401, totals_payload

logger = logging.getLogger(__name__)

MSG_TOO_MANY_FILES = gettext_lazy(
    "Mỗi lần tải lên chỉ nhận tối đa %(n)d tệp; yêu cầu này có nhiều hơn nên chưa tệp nào được lưu. Hãy chọn tối đa "
    "%(n)d tệp mỗi lần rồi tải lên lại (khi trình duyệt bật JavaScript, trang tự chia các tệp đã chọn thành nhiều "
    "lượt)."
)
MSG_NO_FILE = gettext_lazy("Hãy chọn ít nhất một tệp để tải lên.")
MSG_NO_FILE_TO_LINK = gettext_lazy("Hãy chọn ít nhất một tệp trong thư viện để gắn vào tiêu chí.")


# --- helpers -------------------------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request: HttpRequest, default: str) -> str:
    return _safe_url(request, request.POST.get("next") or request.GET.get("next") or "") or default


def _safe_url(request: HttpRequest, candidate: str) -> str:
    """`candidate` when it is an address of this site, else ""."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _int(raw: Any) -> int:
    """An id from the request; anything that is not a positive integer is simply not found."""
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        raise Http404 from None
    if value <= 0:
        raise Http404
    return value


def _error_json(status: int, code: str, message: Any, **extra: Any) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": str(message), **extra}, status=status)


def _answers_json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For script requests, turn 404/403 into JSON; plain requests keep Django's pages."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            if _wants_json(request):
                return _error_json(404, "not_found", _("Không tìm thấy."))
            raise
        except PermissionDenied:
            if _wants_json(request):
                return _error_json(403, "forbidden", _("Anh/chị không có quyền thực hiện thao tác này."))
            raise

    return wrapped


def _domain_error(request: HttpRequest, exc: DomainError, next_url: str) -> HttpResponse:
    if _wants_json(request):
        return _error_json(exc.status, exc.code, exc.message)
    messages.error(request, str(exc.message))
    return HttpResponseRedirect(next_url)


def _state_refusal(request: HttpRequest, assessment: Assessment, line: ScoreLine | None = None) -> HttpResponse:
    """A unit's own people refused because of the assessment's state or deadline hear that (409, as the
    autosave says it), not that they lack the right; during an open explanation round, evidence for a leaf the round
    does not flag (`line`) is refused as that leaf's explanation is (409 `not_flagged`). Anyone else is refused as
    before (403)."""
    user = request.user
    if not is_unit_member(user, assessment.unit_id) or can_edit_self_assessment(user, assessment):
        raise PermissionDenied  # the refusal was about the right, not the state
    if permissions.explanation_open(assessment):
        if line is None or line.explanation_requested:
            raise PermissionDenied
        message, code = MSG_NOT_FLAGGED, "not_flagged"
    else:
        message, code = self_edit_refusal(assessment)
    if _wants_json(request):
        return _error_json(409, code, message)
    messages.error(request, message)
    return HttpResponseRedirect(_safe_next(request, _library_url(assessment)))


def _file_json(evidence_file: EvidenceFile) -> dict[str, Any]:
    return {
        "id": evidence_file.pk,
        "name": evidence_file.original_name,
        "size": evidence_file.blob.size,
        "preview_url": reverse("evidence:preview", args=[evidence_file.pk]) if evidence_file.is_previewable else None,
        "download_url": reverse("evidence:download", args=[evidence_file.pk]),
        "already_present": bool(getattr(evidence_file, "already_present", False)),
    }


def _library_url(assessment: Assessment) -> str:
    return reverse("evidence:library", args=[assessment.pk])


def _self_assessment_url(assessment: Assessment) -> str:
    """The self-assessment page when the project has one, else the home page."""
    try:
        return reverse("scoring:assessment", args=[assessment.pk])
    except NoReverseMatch:
        return reverse("home")


def _library_page(assessment_id: int) -> str:
    return reverse("evidence:library", args=[assessment_id])


def _home_page(file_id: int) -> str:
    return reverse("home")


def _line_of(assessment: Assessment, raw_id: Any) -> ScoreLine:
    line = (
        ScoreLine.objects.select_related("indicator").filter(pk=_int(raw_id), assessment_id=assessment.pk).first()
    )
    if line is None:
        raise Http404
    line.assessment = assessment
    return line


def _file_of(request: HttpRequest, assessment: Assessment, raw_id: Any) -> EvidenceFile:
    evidence_file = permissions.evidence_get_for_user(user=request.user, file_id=_int(raw_id))
    if evidence_file.unit_id != assessment.unit_id or evidence_file.cycle_id != assessment.cycle_id:
        raise Http404
    return evidence_file


def _ascii_fallback(name: str) -> str:
    text = name.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9._()+-]+", "_", text.encode("ascii", "ignore").decode("ascii")).strip("._")
    extension = validation.extension_of(name)
    if not text or text == extension:
        text = f"{validation.FALLBACK_NAME}.{extension}" if extension else validation.FALLBACK_NAME
    return text


def content_disposition(name: str, *, inline: bool) -> str:
    """RFC 6266 with an ASCII fallback and the real (Vietnamese) name as RFC 5987 ``filename*``."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def _stream(evidence_file: EvidenceFile, *, inline: bool) -> FileResponse:
    try:
        handle = storage.open_blob(evidence_file.blob.sha256)
    except FileNotFoundError:
        logger.error("evidence content missing for file %s", evidence_file.pk, extra={"file_id": evidence_file.pk})
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence_file.blob.content_type)
    response["Content-Disposition"] = content_disposition(evidence_file.original_name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- pages ---------------------------------------------------------------------------------------------------


@require_GET
@login_required
def library(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The unit's evidence library for the assessment's cycle (read-only for the appraisal team, who see the files
    linked to the assessment's leaves only). Listed by name in Vietnamese order (``sap_xep=moi-nhat``: newest first),
    filtered by a name typed with or without accents (``q``); ``tieu_chi`` opens one leaf: its files, the upload to
    it and the library's files to link to it (the page a leaf's «Gắn tài liệu có sẵn» leads to without the script;
    ``tro_ve`` is the page to go back to)."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    manage = permissions.can_manage_library(request.user, assessment)
    lines = list(score_lines_of_assessment(assessment=assessment))
    for line in lines:
        line.assessment = assessment
    attachable = [line for line in lines if can_attach_evidence(request.user, line)]
    order = request.GET.get("sap_xep")
    order = order if order in selectors.ORDERS else selectors.ORDER_BY_NAME
    query = " ".join(request.GET.get("q", "").split())[:200]
    every_row = selectors.evidence_library_rows(assessment=assessment, user=request.user, order=order)
    _ask_before_delete(every_row)
    rows = selectors.rows_matching(every_row, query)
    selected = None
    raw_line = request.GET.get("tieu_chi")
    if raw_line:
        selected_line = next((line for line in lines if str(line.pk) == raw_line), None)
        if selected_line is not None:
            by_line = selectors.evidence_by_line(assessment=assessment, line_ids=[selected_line.pk])
            editable = can_attach_evidence(request.user, selected_line)
            selected = {
                "line": selected_line,
                "files": by_line.get(selected_line.pk, []),
                "editable": editable,
                "choices": selectors.picker_choices(rows=rows, line=selected_line) if editable else [],
                "back": _safe_url(request, request.GET.get("tro_ve", "")),
            }
    here = request.get_full_path()
    return render(
        request,
        "evidence/library.html",
        {
            "assessment": assessment,
            "rows": rows,
            "total": len(every_row),
            "query": query,
            "order": order,
            "orders": {"name": selectors.ORDER_BY_NAME, "newest": selectors.ORDER_NEWEST},
            "manage": manage,
            "attachable_lines": attachable,
            "can_link": bool(attachable) and bool(every_row),
            "selected": selected,
            "next": here,
            "self_assessment_url": _self_assessment_url(assessment),
            "max_upload_mb": max_upload_mb(),
            "max_files": max_upload_files(),
            "accept": ",".join(f".{ext}" for ext in [*validation.FILE_TYPES, *validation.EXTENSION_ALIASES]),
        },
    )


@require_GET
@login_required_or_401
@_answers_json_errors
def line_evidence(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    """One leaf's evidence block, for the page's script after a link, an unlink or an upload (JSON): its HTML (the
    same template as the page's), how many files it has, whether the leaf now needs an explanation for lack of
    evidence, and with ``totals=1`` the sheet's running totals, with ``answers=1`` (the explanation page) whether
    a document answers the leaf in the open round and what is left to answer (`explanation_answer_json`); ``next``
    is the page the block's forms come back to. Read by whoever may see the assessment; a plain request lands on
    the library page for the leaf."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    line = _line_of(assessment, line_id)
    leaf_page = _library_url(assessment) + f"?tieu_chi={line.pk}"
    if not _wants_json(request):
        return HttpResponseRedirect(leaf_page + "#tieu-chi")
    files = selectors.evidence_by_line(assessment=assessment, line_ids=[line.pk]).get(line.pk, [])
    html = render_to_string(
        "evidence/_line_evidence.html",
        {"line": line, "assessment": assessment, "files": files, "next": _safe_next(request, leaf_page),
         "editable": can_attach_evidence(request.user, line)},
        request=request,
    )
    payload: dict[str, Any] = {
        "ok": True, "line_id": line.pk, "html": html, "evidence_count": len(files),
        "explanation_required": LeafRow(indicator=line.indicator, line=line, files=files, depth=0).explanation_required,
    }
    if request.GET.get("totals") == "1":
        payload["totals"] = totals_payload(assessment_totals(assessment=assessment))
    if request.GET.get("answers") == "1":  # the explanation page: a document may be the leaf's answer of the round
        from appraisal.views.unit import explanation_answer_json

        answer = explanation_answer_json(user=request.user, assessment=assessment, line=line)
        if answer is not None:
            payload["answer"] = answer
    return JsonResponse(payload)


@require_GET
@login_required_or_401
@_answers_json_errors
def picker(request: HttpRequest, assessment_id: int, line_id: int) -> HttpResponse:
    """The library's files to link to one leaf, as a fragment for the page's one dialog (static/js/evidence.js):
    every file once, by name in Vietnamese order, those already linked to the leaf marked, each with the key the
    dialog's filter compares. Only for whoever may link files to the leaf now."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    line = _line_of(assessment, line_id)
    if not can_attach_evidence(request.user, line):
        raise PermissionDenied
    rows = selectors.evidence_library_rows(assessment=assessment, user=request.user, order=selectors.ORDER_BY_NAME)
    return render(request, "evidence/_picker.html", {
        "assessment": assessment, "line": line, "choices": selectors.picker_choices(rows=rows, line=line),
        "next": _safe_next(request, _library_url(assessment) + f"?tieu_chi={line.pk}"), "dialog": True,
    })


def _ask_before_delete(rows: list[selectors.LibraryRow]) -> None:
    """Each deletable row's question (``row.delete_question``): the leaves it is linked to, from the rows themselves
    (every file of the library is a row, so a leaf's files are counted without a query)."""
    files_of_line: dict[int, int] = {}
    for row in rows:
        for line_id in {link.line_id for link in row.links}:
            files_of_line[line_id] = files_of_line.get(line_id, 0) + 1
    for row in rows:
        if not row.deletable:
            continue
        links: list[DeletedLink] = []
        seen: set[int] = set()
        for link in row.links:
            if link.line_id not in seen:
                seen.add(link.line_id)
                links.append(DeletedLink(code=link.code, name=link.name, sole=files_of_line[link.line_id] == 1))
        row.delete_question = delete_question(row.file.original_name, links)  # type: ignore[attr-defined]


@require_GET
@login_required
def download(request: HttpRequest, file_id: int) -> HttpResponseBase:
    evidence_file = permissions.evidence_get_for_user(user=request.user, file_id=file_id)
    return _stream(evidence_file, inline=False)


@require_GET
@login_required
@xframe_options_sameorigin
def preview(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """PDF and images shown inline: sandboxed, never sniffed, framable by our own pages only."""
    evidence_file = permissions.evidence_get_for_user(user=request.user, file_id=file_id)
    if not evidence_file.is_previewable:
        raise Http404
    response = _stream(evidence_file, inline=True)
    response["Content-Security-Policy"] = "sandbox"
    return response


# --- actions -------------------------------------------------------------------------------------------------


@lands_on(_library_page)
@csrf_exempt  # the upload handler must be set before the body is read; CSRF is checked by csrf_protect below
@require_POST
@login_required_or_401
@_answers_json_errors
def upload(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Several files at once (field ``files``); optional ``line_id`` links each stored file to that leaf."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.can_manage_library(request.user, assessment):
        return _state_refusal(request, assessment)
    handler = EvidenceUploadHandler(request)
    request.upload_handlers = [handler]
    try:
        return _upload_checked(request, assessment)
    except TooManyFilesSent:
        # More files than one request may carry: refused whole, before any was kept (the parser stops there; the
        # files streamed before it are removed below). The page's script sends its batches under the limit.
        return _too_many_files(request, assessment)
    finally:
        handler.cleanup()


def _too_many_files(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    message = MSG_TOO_MANY_FILES % {"n": limit}
    if _wants_json(request):
        return _error_json(400, "too_many_files", message, max_files=limit, files=[], errors=[])
    messages.error(request, str(message))
    # the form's fields were never read (its `next` among them): the library, where the files are chosen again
    return HttpResponseRedirect(_library_url(assessment))


@csrf_protect
def _upload_checked(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    next_url = _safe_next(request, _library_url(assessment))
    line = None
    if request.POST.get("line_id"):
        line = _line_of(assessment, request.POST["line_id"])
        if not can_attach_evidence(request.user, line):
            return _state_refusal(request, assessment, line)
    uploaded = request.FILES.getlist("files")
    if not uploaded:
        if _wants_json(request):
            return _error_json(400, "no_file", MSG_NO_FILE, files=[], errors=[])
        messages.error(request, str(MSG_NO_FILE))
        return HttpResponseRedirect(next_url)
    stored: list[EvidenceFile] = []
    errors: list[dict[str, str]] = []
    # The files this upload added to the library (a second copy of one is the upload's): this batch's, and those
    # of the same choice's earlier batches, which the page's script names (`batch_ids`; only the wording uses them).
    created: set[int] = set(_ids(request.POST.getlist("batch_ids")))
    status = 400  # a refused batch; a storage fault of the server (5xx) is not the sender's to fix
    for item in uploaded:
        try:
            evidence_file = services.evidence_upload(
                unit=assessment.unit, cycle=assessment.cycle, uploaded_file=item, actor=request.user
            )
            if not getattr(evidence_file, "already_present", False):
                created.add(evidence_file.pk)
            elif evidence_file.pk in created:
                evidence_file.chosen_twice = True  # type: ignore[attr-defined]
            if line is not None:
                link = services.evidence_link(evidence_file=evidence_file, line=line, actor=request.user)
                # What the answer says of a copy already in the library: attached now, or attached before.
                evidence_file.attached_to = line.indicator.code  # type: ignore[attr-defined]
                evidence_file.attached_before = getattr(link, "already_linked", False)  # type: ignore[attr-defined]
            # A copy already in the library keeps its own name: the answer names the file sent beside it.
            evidence_file.uploaded_name = validation.client_name(item.name)  # type: ignore[attr-defined]
            stored.append(evidence_file)
        except DomainError as exc:
            message = str(exc.message)
            if exc.code == "bad_type" and getattr(item, "content_refusal", ""):
                message = item.content_refusal  # type: ignore[attr-defined]  # what the bytes really are
            errors.append({"name": validation.client_name(item.name), "code": exc.code, "message": message})
            status = max(status, exc.status) if exc.status >= 500 else status
        finally:
            if isinstance(item, StreamedUpload):
                item.close()
    same_names = _same_names(assessment, [f for f in stored if not getattr(f, "already_present", False)])
    notes = _upload_notes(stored, same_names)
    summary = _upload_summary(stored, errors, notes)
    if _wants_json(request):
        payload = {
            "files": [_file_json(f) for f in stored], "errors": errors, "message": summary,
            # for the script that sends a large choice in batches and says it in one summary at the end
            "saved": sum(1 for f in stored if not getattr(f, "already_present", False)), "notes": notes,
            "same_name": [_same_name_json(same) for same in same_names],
        }
        if stored:
            return JsonResponse({"ok": True, **payload})
        return JsonResponse({"ok": False, "code": errors[0]["code"], **payload}, status=status)
    if stored:
        messages.success(request, summary)
    for error in errors:
        messages.error(request, error["message"])
    return HttpResponseRedirect(next_url)


def _ids(raw: list[str]) -> list[int]:
    """The positive integers among `raw` (anything else is ignored)."""
    return [int(value) for value in raw if value.isdigit() and int(value) > 0]


@dataclass
class SameNameUpload:
    """A file just stored whose name an older file of the library has (with other content)."""

    new: EvidenceFile
    old_id: int
    old_name: str
    old_uploaded_at: datetime
    locked: bool  # the older file is locked by a submission: it stays, beside the new one


def _same_names(assessment: Assessment, new_files: list[EvidenceFile]) -> list[SameNameUpload]:
    """For each new file, the newest older file of the library with its name (`selectors.same_name_key`), if any, and
    whether that one is locked by a submission (then it cannot be replaced). Two queries, none without new files."""
    if not new_files:
        return []
    library = list(
        EvidenceFile.objects.filter(unit_id=assessment.unit_id, cycle_id=assessment.cycle_id)
        .order_by("uploaded_at", "pk").values_list("pk", "original_name", "uploaded_at")
    )
    found: list[tuple[EvidenceFile, tuple[int, str, Any]]] = []
    for new in new_files:
        key = selectors.same_name_key(new.original_name)
        older = [row for row in library if row[0] < new.pk and selectors.same_name_key(row[1]) == key]
        if older:
            found.append((new, older[-1]))
    rounds: dict[int, list[int | None]] = {}
    for file_id, explanation_round in EvidenceLink.objects.filter(
        evidence_file_id__in={old[0] for _new, old in found}
    ).values_list("evidence_file_id", "explanation_round"):
        rounds.setdefault(file_id, []).append(explanation_round)
    return [
        SameNameUpload(new, old_id, old_name, old_at, permissions.file_is_locked(
            link_rounds=rounds.get(old_id, []), assessment=assessment))
        for new, (old_id, old_name, old_at) in found
    ]


def _when(moment: Any) -> str:
    return local_moment(moment)


def _same_name_note(same: SameNameUpload) -> str:
    values = {"name": same.new.original_name, "old": same.old_name, "at": _when(same.old_uploaded_at)}
    if same.locked:
        return _("«%(name)s» trùng tên với «%(old)s» đã có trong thư viện (tải lên lúc %(at)s) nhưng khác nội dung; "
                 "tệp cũ đã nộp kèm bản đánh giá nên không thay được: đã giữ cả hai tệp.") % values
    return _("«%(name)s» trùng tên với «%(old)s» đã có trong thư viện (tải lên lúc %(at)s) nhưng khác nội dung; "
             "đã lưu cả hai. Có thể thay tệp cũ bằng tệp mới (tệp mới nhận các tiêu chí tệp cũ đang gắn) bằng nút "
             "«Thay tệp cũ» ở dòng của tệp mới trong thư viện.") % values


def _same_name_json(same: SameNameUpload) -> dict[str, Any]:
    return {
        "new_id": same.new.pk, "old_id": same.old_id, "name": same.new.original_name, "old_name": same.old_name,
        "old_uploaded_at": _when(same.old_uploaded_at), "replaceable": not same.locked,
        "replace_url": reverse("evidence:replace", args=[same.new.pk]),
        "button": _("Thay tệp cũ «%(old)s» (tải lên lúc %(at)s) bằng tệp mới") % {
            "old": same.old_name, "at": _when(same.old_uploaded_at)},
    }


def _upload_notes(stored: list[EvidenceFile], same_names: list[SameNameUpload]) -> list[str]:
    """What is said of single files of an upload: a name the library already has, a content it already has."""
    notes = [_same_name_note(same) for same in same_names]
    for f in stored:
        if not getattr(f, "already_present", False):
            continue
        sent = getattr(f, "uploaded_name", f.original_name)
        names = {"name": sent, "existing": f.original_name, "code": getattr(f, "attached_to", None)}
        if getattr(f, "chosen_twice", False):
            notes.append(_chosen_twice(names, same_name=sent == f.original_name))
        else:
            notes.append(_already_in_library(f, names, same_name=sent == f.original_name))
    return notes


def _upload_summary(stored: list[EvidenceFile], errors: list[dict[str, str]], notes: list[str]) -> str:
    parts = []
    new = [f for f in stored if not getattr(f, "already_present", False)]
    if new:
        parts.append(ngettext("Đã lưu %(n)d tệp.", "Đã lưu %(n)d tệp.", len(new)) % {"n": len(new)})
    parts.extend(notes)
    if errors:
        refused = ngettext("%(n)d tệp bị từ chối", "%(n)d tệp bị từ chối", len(errors)) % {"n": len(errors)}
        if new:
            parts.append(_("%(refused)s; các tệp hợp lệ khác vẫn được lưu.") % {"refused": refused})
        elif stored:  # the others were copies the library holds: nothing new stored
            parts.append(_("%(refused)s; không có tệp mới nào được lưu.") % {"refused": refused})
        else:
            parts.append(_("%(refused)s, không tệp nào được lưu.") % {"refused": refused})
    return " ".join(parts)


def _chosen_twice(names: dict[str, Any], *, same_name: bool) -> str:
    """A file whose content an earlier file of the same batch brought: chosen twice, kept once."""
    if same_name:
        return _("«%(name)s» được chọn hai lần trong lần tải lên này; chỉ lưu một bản.") % names
    return _("«%(name)s» trùng nội dung với «%(existing)s» cũng được chọn trong lần tải lên này; chỉ lưu một "
             "bản.") % names


def _already_in_library(f: EvidenceFile, names: dict[str, Any], *, same_name: bool) -> str:
    """A file sent whose content the library already holds: not kept twice; attached to the leaf it was sent from
    (said only when it was: a batch sent to the library alone attaches nothing)."""
    if names["code"] is None:
        if same_name:
            return _("«%(name)s» đã có trong thư viện (không lưu lại).") % names
        return _("«%(name)s» trùng nội dung với «%(existing)s» đã có trong thư viện (không lưu lại).") % names
    if getattr(f, "attached_before", False):
        if same_name:
            return _("«%(name)s» đã có trong thư viện và đã được gắn với tiêu chí %(code)s từ trước.") % names
        return _("«%(name)s» trùng nội dung với «%(existing)s» đã có trong thư viện và đã được gắn với tiêu chí "
                 "%(code)s từ trước.") % names
    if same_name:
        return _("«%(name)s» đã có trong thư viện; đã gắn vào tiêu chí %(code)s.") % names
    return _("«%(name)s» trùng nội dung với «%(existing)s» đã có trong thư viện; đã gắn «%(existing)s» vào tiêu chí "
             "%(code)s.") % names


def _link_action(request: HttpRequest, assessment_id: int, *, unlink: bool) -> HttpResponse:
    """Link (or unlink) the files named by ``file_id`` to the leaf ``line_id``. A link may name several files (the
    picker's ticks): all are linked, or none when one is refused."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    next_url = _safe_next(request, _library_url(assessment))
    raw_ids = list(dict.fromkeys(request.POST.getlist("file_id")))
    if unlink:
        raw_ids = raw_ids[:1] or [""]  # one file; none named is none found
    files = [_file_of(request, assessment, raw) for raw in raw_ids]
    line = _line_of(assessment, request.POST.get("line_id"))
    if not can_attach_evidence(request.user, line):
        return _state_refusal(request, assessment, line)
    if not files:
        if _wants_json(request):
            return _error_json(400, "no_file", MSG_NO_FILE_TO_LINK)
        messages.error(request, str(MSG_NO_FILE_TO_LINK))
        return HttpResponseRedirect(next_url)
    evidence_file = files[0]
    try:
        if unlink:
            services.evidence_unlink(evidence_file=evidence_file, line=line, actor=request.user)
            message = _("Đã gỡ «%(name)s» khỏi tiêu chí %(code)s.") % {
                "name": evidence_file.original_name, "code": line.indicator.code}
        elif len(files) == 1:
            services.evidence_link(evidence_file=evidence_file, line=line, actor=request.user)
            message = _("Đã gắn «%(name)s» vào tiêu chí %(code)s.") % {
                "name": evidence_file.original_name, "code": line.indicator.code}
        else:
            links = services.evidence_link_files(files=files, line=line, actor=request.user)
            message = _linked_message(files, links, line)
    except DomainError as exc:
        return _domain_error(request, exc, next_url)
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "line_id": line.pk, "file": _file_json(evidence_file),
                             "files": [_file_json(f) for f in files]})
    messages.success(request, message)
    return HttpResponseRedirect(next_url)


def _names(files: list[EvidenceFile]) -> str:
    return ", ".join(f"«{f.original_name}»" for f in files)


def _linked_message(files: list[EvidenceFile], links: list[EvidenceLink], line: ScoreLine) -> str:
    """What linking several files to a leaf did: those linked now, and those linked before (nothing new for them)."""
    code = line.indicator.code
    new = [f for f, link in zip(files, links, strict=True) if not getattr(link, "already_linked", False)]
    before = [f for f, link in zip(files, links, strict=True) if getattr(link, "already_linked", False)]
    if not new:
        return _("Các tệp đã chọn đều đã gắn với tiêu chí %(code)s từ trước; không có thay đổi nào.") % {"code": code}
    parts = [ngettext("Đã gắn %(n)d tệp vào tiêu chí %(code)s: %(names)s.",
                      "Đã gắn %(n)d tệp vào tiêu chí %(code)s: %(names)s.", len(new))
             % {"n": len(new), "code": code, "names": _names(new)}]
    if before:
        parts.append(ngettext("%(names)s đã gắn với tiêu chí này từ trước.",
                              "%(names)s đã gắn với tiêu chí này từ trước.", len(before)) % {"names": _names(before)})
    return " ".join(parts)


@lands_on(_library_page)
@require_POST
@login_required_or_401
@_answers_json_errors
def link(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _link_action(request, assessment_id, unlink=False)


@lands_on(_library_page)
@require_POST
@login_required_or_401
@_answers_json_errors
def unlink(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _link_action(request, assessment_id, unlink=True)


CONFIRM_FIELD = "xac_nhan"  # a delete is done only when the person confirmed it: the dialog or the page below


def _codes(links: list[DeletedLink], *, sole_only: bool = False) -> str:
    return ", ".join(link.code for link in links if link.sole or not sole_only)


def delete_question(name: str, links: list[DeletedLink]) -> str:
    """What the person is asked before a delete: the leaves the file leaves, and those left with no evidence."""
    if not links:
        return _("Xoá «%(name)s» khỏi thư viện?") % {"name": name}
    question = ngettext(
        "Xoá «%(name)s» khỏi thư viện? Tệp đang gắn với tiêu chí %(codes)s và sẽ được gỡ khỏi tiêu chí này.",
        "Xoá «%(name)s» khỏi thư viện? Tệp đang gắn với %(n)d tiêu chí: %(codes)s và sẽ được gỡ khỏi các tiêu chí "
        "này.",
        len(links),
    ) % {"name": name, "codes": _codes(links), "n": len(links)}
    return " ".join([question, *_left_without(links)])


def _left_without(links: list[DeletedLink], *, done: bool = False) -> list[str]:
    sole = [link for link in links if link.sole]
    if not sole:
        return []
    values = {"codes": _codes(links, sole_only=True)}
    if done:
        return [ngettext("Tiêu chí %(codes)s nay không còn tài liệu kiểm chứng nào.",
                         "Các tiêu chí %(codes)s nay không còn tài liệu kiểm chứng nào.", len(sole)) % values]
    return [ngettext("Tiêu chí %(codes)s sẽ không còn tài liệu kiểm chứng nào.",
                     "Các tiêu chí %(codes)s sẽ không còn tài liệu kiểm chứng nào.", len(sole)) % values]


def _deleted_message(name: str, links: list[DeletedLink]) -> str:
    if not links:
        return _("Đã xoá «%(name)s» khỏi thư viện.") % {"name": name}
    done = _("Đã xoá «%(name)s» khỏi thư viện và gỡ khỏi tiêu chí %(codes)s.") % {
        "name": name, "codes": _codes(links),
    }
    return " ".join([done, *_left_without(links, done=True)])


@lands_on(_home_page)
@require_POST
@login_required_or_401
@_answers_json_errors
def delete(request: HttpRequest, file_id: int) -> HttpResponse:
    """Delete a library file, once confirmed (field ``xac_nhan``). Unconfirmed, nothing changes: a plain form gets
    a page that names the leaves the file is linked to and asks again; the page's script gets a 400."""
    evidence_file = permissions.evidence_get_for_user(user=request.user, file_id=file_id)
    assessment = permissions.library_assessment(evidence_file)
    if assessment is None:
        raise PermissionDenied
    if not permissions.can_manage_library(request.user, assessment):
        return _state_refusal(request, assessment)  # as upload, link and unlink: 409 for the unit's own people
    next_url = _safe_next(request, _library_url(assessment))
    links = selectors.delete_consequences(evidence_file)
    name = evidence_file.original_name
    if request.POST.get(CONFIRM_FIELD) != "1":
        if permissions.file_is_locked(link_rounds=[link.explanation_round for link in links], assessment=assessment):
            # the refusal the delete itself would give: no question for what cannot be done
            locked = StateConflict(services.MSG_FILE_LOCKED % {"name": name, "codes": _codes(links)},
                                   code="file_locked")
            return _domain_error(request, locked, next_url)
        question = delete_question(name, links)
        if _wants_json(request):
            return _error_json(400, "confirm", question, links=[link.code for link in links])
        return render(
            request,
            "evidence/delete_confirm.html",
            {"file": evidence_file, "assessment": assessment, "links": links, "question": question,
             "sole": [link for link in links if link.sole], "next": next_url, "confirm_field": CONFIRM_FIELD},
        )
    try:
        services.evidence_delete(evidence_file=evidence_file, actor=request.user)
    except DomainError as exc:
        return _domain_error(request, exc, next_url)
    message = _deleted_message(name, links)
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "id": file_id})
    messages.success(request, message)
    return HttpResponseRedirect(next_url)


@lands_on(_home_page)
@require_POST
@login_required_or_401
@_answers_json_errors
def replace(request: HttpRequest, file_id: int) -> HttpResponse:
    """Replace the older file ``old_id`` of the same name by this one (a corrected scan uploaded again): this file
    takes its leaves and the old one leaves the library (``services.evidence_replace``: refused while the old one
    is locked by a submission). For the unit's people while the library accepts changes."""
    new_file = permissions.evidence_get_for_user(user=request.user, file_id=file_id)
    assessment = permissions.library_assessment(new_file)
    if assessment is None:
        raise PermissionDenied
    if not permissions.can_manage_library(request.user, assessment):
        return _state_refusal(request, assessment)
    old_file = permissions.evidence_get_for_user(user=request.user, file_id=_int(request.POST.get("old_id")))
    next_url = _safe_next(request, _library_url(assessment))
    try:
        lines = services.evidence_replace(old_file=old_file, new_file=new_file, actor=request.user)
    except DomainError as exc:
        return _domain_error(request, exc, next_url)
    codes = [line.indicator.code for line in lines]
    values = {"name": old_file.original_name, "at": _when(old_file.uploaded_at), "codes": ", ".join(codes)}
    if codes:
        message = _("Đã thay «%(name)s» (tải lên lúc %(at)s) bằng tệp mới cùng tên; tệp mới được gắn với tiêu chí "
                    "%(codes)s.") % values
    else:
        message = _("Đã thay «%(name)s» (tải lên lúc %(at)s) bằng tệp mới cùng tên.") % values
    if _wants_json(request):
        # the leaves whose evidence changed: a page showing them draws each again
        return JsonResponse({"ok": True, "message": message, "id": new_file.pk, "replaced": old_file.pk,
                             "line_ids": [line.pk for line in lines]})
    messages.success(request, message)
    return HttpResponseRedirect(next_url)
