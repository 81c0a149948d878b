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
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from evidence import permissions, selectors, services, storage, validation
from evidence.models import EvidenceFile
from evidence.selectors import DeletedLink
from evidence.templatetags.evidence_tags import max_upload_mb
from evidence.uploads import EvidenceUploadHandler, StreamedUpload
from scoring.errors import DomainError, StateConflict, self_edit_refusal
from scoring.models import Assessment, ScoreLine
from scoring.permissions import (
    assessment_get_for_user,
    can_attach_evidence,
    can_edit_self_assessment,
    is_unit_member,
)
from scoring.selectors import score_lines_of_assessment
from scoring.views._common import lands_on, login_required_or_401

logger = logging.getLogger(__name__)


# --- helpers -------------------------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


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
                return _error_json(403, "forbidden", _("Bạn không có quyền thực hiện thao tác này."))
            raise

    return wrapped


def _domain_error(request: HttpRequest, exc: DomainError, next_url: str) -> HttpResponse:
    if _wants_json(request):
        return _error_json(exc.status, exc.code, exc.message)
    messages.error(request, str(exc.message))
    return HttpResponseRedirect(next_url)


def _state_refusal(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    """A unit's own people refused because of the assessment's state or deadline hear that (409, as the
    autosave says it), not that they lack the right; anyone else is refused as before."""
    user = request.user
    if (
        not is_unit_member(user, assessment.unit_id)
        or can_edit_self_assessment(user, assessment)  # then the refusal was about the right, not the state
        or permissions.explanation_open(assessment)
    ):
        raise PermissionDenied
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
    """The unit's evidence library for the assessment's cycle (read-only for the appraisal team)."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    manage = permissions.can_manage_library(request.user, assessment)
    lines = list(score_lines_of_assessment(assessment=assessment))
    for line in lines:
        line.assessment = assessment
    attachable = [line for line in lines if can_attach_evidence(request.user, line)]
    rows = selectors.evidence_library_rows(assessment=assessment, user=request.user)
    _ask_before_delete(rows)
    selected = None
    raw_line = request.GET.get("tieu_chi")
    if raw_line:
        selected_line = next((line for line in lines if str(line.pk) == raw_line), None)
        if selected_line is not None:
            by_line = selectors.evidence_by_line(assessment=assessment)
            selected = {
                "line": selected_line,
                "files": by_line.get(selected_line.pk, []),
                "editable": can_attach_evidence(request.user, selected_line),
            }
    here = request.get_full_path()
    return render(
        request,
        "evidence/library.html",
        {
            "assessment": assessment,
            "rows": rows,
            "library": [row.file for row in rows],
            "manage": manage,
            "attachable_lines": attachable,
            "selected": selected,
            "next": here,
            "self_assessment_url": _self_assessment_url(assessment),
            "max_upload_mb": max_upload_mb(),
            "accept": ",".join(f".{ext}" for ext in [*validation.FILE_TYPES, *validation.EXTENSION_ALIASES]),
        },
    )


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
    finally:
        handler.cleanup()


@csrf_protect
def _upload_checked(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    next_url = _safe_next(request, _library_url(assessment))
    line = None
    if request.POST.get("line_id"):
        line = _line_of(assessment, request.POST["line_id"])
        if not can_attach_evidence(request.user, line):
            raise PermissionDenied
    uploaded = request.FILES.getlist("files")
    if not uploaded:
        message = _("Hãy chọn ít nhất một tệp để tải lên.")
        if _wants_json(request):
            return _error_json(400, "no_file", message, files=[], errors=[])
        messages.error(request, message)
        return HttpResponseRedirect(next_url)
    stored: list[EvidenceFile] = []
    errors: list[dict[str, str]] = []
    created: set[int] = set()  # the files this batch added to the library (a second copy of one is the batch's)
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
            evidence_file.uploaded_name = validation.clean_name(item.name)  # type: ignore[attr-defined]
            stored.append(evidence_file)
        except DomainError as exc:
            message = str(exc.message)
            if exc.code == "bad_type" and getattr(item, "content_refusal", ""):
                message = item.content_refusal  # type: ignore[attr-defined]  # what the bytes really are
            errors.append({"name": validation.clean_name(item.name), "code": exc.code, "message": message})
            status = max(status, exc.status) if exc.status >= 500 else status
        finally:
            if isinstance(item, StreamedUpload):
                item.close()
    summary = _upload_summary(stored, errors)
    if _wants_json(request):
        payload = {"files": [_file_json(f) for f in stored], "errors": errors, "message": summary}
        if stored:
            return JsonResponse({"ok": True, **payload})
        return JsonResponse({"ok": False, "code": errors[0]["code"], **payload}, status=status)
    if stored:
        messages.success(request, summary)
    for error in errors:
        messages.error(request, error["message"])
    return HttpResponseRedirect(next_url)


def _upload_summary(stored: list[EvidenceFile], errors: list[dict[str, str]]) -> str:
    parts = []
    new = [f for f in stored if not getattr(f, "already_present", False)]
    again = [f for f in stored if getattr(f, "already_present", False)]
    if new:
        parts.append(ngettext("Đã lưu %(n)d tệp.", "Đã lưu %(n)d tệp.", len(new)) % {"n": len(new)})
    for f in again:
        sent = getattr(f, "uploaded_name", f.original_name)
        names = {"name": sent, "existing": f.original_name, "code": getattr(f, "attached_to", None)}
        if getattr(f, "chosen_twice", False):
            parts.append(_chosen_twice(names, same_name=sent == f.original_name))
        else:
            parts.append(_already_in_library(f, names, same_name=sent == f.original_name))
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
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    next_url = _safe_next(request, _library_url(assessment))
    evidence_file = _file_of(request, assessment, request.POST.get("file_id"))
    line = _line_of(assessment, request.POST.get("line_id"))
    if not can_attach_evidence(request.user, line):
        return _state_refusal(request, assessment)
    try:
        if unlink:
            services.evidence_unlink(evidence_file=evidence_file, line=line, actor=request.user)
            message = _("Đã gỡ «%(name)s» khỏi tiêu chí %(code)s.")
        else:
            services.evidence_link(evidence_file=evidence_file, line=line, actor=request.user)
            message = _("Đã gắn «%(name)s» vào tiêu chí %(code)s.")
    except DomainError as exc:
        return _domain_error(request, exc, next_url)
    message %= {"name": evidence_file.original_name, "code": line.indicator.code}
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "line_id": line.pk, "file": _file_json(evidence_file)})
    messages.success(request, message)
    return HttpResponseRedirect(next_url)


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
        if permissions.file_is_locked(has_links=bool(links), assessment=assessment):
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
