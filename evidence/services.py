"""Writes to the evidence library. Each service is one transaction, takes the acting user and leaves an audit
record (with the unit and the assessment) for every change.

Authorisation of the *user* is the views' job (``evidence.permissions``); the services enforce the *state*
rules whoever calls them: a file linked to a submitted assessment stays, links change only while the
assessment accepts them.
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy, gettext_noop

from evidence import permissions, storage, validation
from evidence.models import EvidenceBlob, EvidenceFile, EvidenceLink
from evidence.selectors import same_name_key
from scoring.errors import DomainError, StateConflict, ValidationFailed
from scoring.models import Assessment, Cycle, ScoreLine, Unit
from scoring.services import audit_record

logger = logging.getLogger(__name__)

# Stored untranslated in the audit record (it outlives the actor's language); the history page translates it.
REASON_FILE_DELETED = gettext_noop("Xoá tệp khỏi thư viện")
REASON_FILE_REPLACED = gettext_noop("Thay bằng tệp mới cùng tên")
MSG_WRONG_LIBRARY = gettext_lazy("Tài liệu này không thuộc thư viện của đơn vị trong kỳ đánh giá của tiêu chí.")
MSG_LINE_CLOSED = gettext_lazy(
    "Không thể thay đổi tài liệu kiểm chứng của tiêu chí %(code)s: bản đánh giá đang ở trạng thái «%(state)s»."
)
MSG_LINK_LOCKED = gettext_lazy(
    "Tài liệu đã nộp kèm bản đánh giá được giữ nguyên; trong vòng giải trình chỉ gỡ được tài liệu bổ sung "
    "trong vòng này."
)
MSG_LIBRARY_CLOSED = gettext_lazy(
    "Thư viện tài liệu không nhận thay đổi khi bản đánh giá đang ở trạng thái «%(state)s»."
)
MSG_FILE_LOCKED = gettext_lazy(
    "Không thể xoá «%(name)s»: tệp đã gắn với bản đánh giá đã gửi (tiêu chí %(codes)s)."
)
MSG_NOT_LINKED = gettext_lazy(
    "«%(name)s» không gắn với tiêu chí %(code)s nên không có gì để gỡ; không có thay đổi nào."
)
MSG_REPLACE_LOCKED = gettext_lazy(
    "Không thể thay «%(name)s»: tệp đã nộp kèm bản đánh giá (tiêu chí %(codes)s) nên được giữ nguyên; tệp mới vẫn "
    "ở trong thư viện bên cạnh tệp cũ."
)
MSG_NOT_SAME_NAME = gettext_lazy(
    "Chỉ thay được tệp cùng tên: «%(new)s» và «%(old)s» là hai tệp khác nhau; không có thay đổi nào."
)
MSG_REPLACE_ITSELF = gettext_lazy("Tệp mới và tệp cũ là một; không có gì để thay.")


MSG_STORAGE_FULL = gettext_lazy(
    "Không lưu được «%(name)s»: bộ nhớ lưu trữ của máy chủ đã đầy. Tệp chưa được lưu; hãy báo quản trị viên "
    "hệ thống rồi tải lên lại."
)
MSG_STORAGE_UNAVAILABLE = gettext_lazy(
    "Không lưu được «%(name)s»: máy chủ không ghi được vào thư mục lưu trữ tài liệu. Tệp chưa được lưu; hãy báo "
    "quản trị viên hệ thống rồi tải lên lại."
)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageFailed(DomainError):
    """The file system refused the bytes (full, read-only, not writable): nothing was stored, no row written.

    507 Insufficient Storage when the disk or a quota is full, 503 for any other refusal."""

    status = 503
    code = "storage_unavailable"


def _storage_failed(exc: OSError, name: str) -> StorageFailed:
    full = exc.errno in _FULL_ERRNOS
    message = (MSG_STORAGE_FULL if full else MSG_STORAGE_UNAVAILABLE) % {"name": name}
    error = StorageFailed(message, code="storage_full" if full else "storage_unavailable", details={"name": name})
    error.status = 507 if full else 503
    return error


def _assessment_of(unit_id: int, cycle_id: int, *, lock: bool = False) -> Assessment | None:
    qs = Assessment.objects.filter(unit_id=unit_id, cycle_id=cycle_id)
    if lock:
        qs = qs.select_for_update(of=("self",))  # not the joined cycle row: every unit's uploads would queue on it
    return qs.select_related("cycle").first()


def _refuse(code: str, message: Any, name: str) -> ValidationFailed:
    limit_mb = storage.max_upload_bytes() / (1024 * 1024)
    limit = f"{limit_mb:g}".replace(".", ",")
    return ValidationFailed(message % {"name": name, "limit": limit}, code=code, details={"name": name})


@transaction.atomic
def evidence_upload(*, unit: Unit, cycle: Cycle, uploaded_file: UploadedFile, actor: Any) -> EvidenceFile:
    """Store one uploaded file in the unit's library for the cycle.

    Checks the name's extension, the size (while streaming: an oversized file is never stored whole), that
    the file is not empty and that its content really is of its extension's type. Stores the bytes once
    under their SHA-256 (atomic rename from a temporary file in the same folder); the same content uploaded
    again into the same library returns the existing file (``already_present`` is then True on it).

    Side effects: at most one new blob file on disk, one ``EvidenceBlob`` and one ``EvidenceFile`` row, and
    an ``evidence.upload`` audit entry. On any refusal or error nothing remains (no temporary file, no row).
    Raises ``ValidationFailed`` with code ``bad_type``, ``too_large`` or ``empty``; ``StateConflict`` when
    the unit's assessment no longer accepts changes; ``StorageFailed`` (``storage_full`` or
    ``storage_unavailable``) when the disk refuses the bytes.
    """
    name = validation.client_name(uploaded_file.name)
    spool: storage.Spool | None = getattr(uploaded_file, "evidence_spool", None)
    refused = getattr(uploaded_file, "refused", "")
    final_path: Path | None = None
    try:
        assessment = _assessment_of(unit.pk, cycle.pk)
        if not permissions.library_accepts_changes(assessment):
            assert assessment is not None
            raise StateConflict(MSG_LIBRARY_CLOSED % {"state": assessment.get_state_display()}, code="closed")
        file_type = validation.file_type_for(name)
        if file_type is None or refused == "bad_type":
            raise _refuse("bad_type", validation.MSG_BAD_EXTENSION, name)
        limit = storage.max_upload_bytes()
        if refused == "too_large" or (uploaded_file.size or 0) > limit:
            raise _refuse("too_large", validation.MSG_TOO_LARGE, name)
        if spool is None:
            # Not streamed by our upload handler (a service caller, the API): copy it chunk by chunk.
            spool = storage.Spool(limit=limit)
            uploaded_file.seek(0)
            spool.write_all(uploaded_file.chunks())
        if spool.error is not None:
            raise _storage_failed(spool.error, name)
        if spool.too_large:
            raise _refuse("too_large", validation.MSG_TOO_LARGE, name)
        if spool.size == 0:
            raise _refuse("empty", validation.MSG_EMPTY, name)
        spool.finish()
        if spool.error is not None:
            raise _storage_failed(spool.error, name)
        refusal = validation.content_refusal(name, spool.file)  # the page's words for every caller (the API too)
        if refusal is not None:
            raise ValidationFailed(refusal, code="bad_type", details={"name": name})
        spool.file.seek(0)
        sha256 = spool.sha256
        blob, blob_created = EvidenceBlob.objects.get_or_create(
            sha256=sha256, defaults={"size": spool.size, "content_type": file_type.content_type}
        )
        path = storage.blob_path(sha256)
        if blob_created or not path.exists():
            try:
                spool.place(path)
            except OSError as exc:
                logger.error("evidence storage refused a file: %s", exc, extra={"errno": exc.errno})
                raise _storage_failed(exc, name) from exc
            final_path = path if blob_created else None
        evidence_file, created = EvidenceFile.objects.get_or_create(
            unit=unit, cycle=cycle, blob=blob, defaults={"original_name": name, "uploaded_by": actor}
        )
        evidence_file.already_present = not created  # type: ignore[attr-defined]
        if created:
            audit_record(
                actor=actor, action="evidence.upload", object_type="EvidenceFile", object_id=evidence_file.pk,
                unit=unit, assessment=assessment,
                changes={"file": {"old": None, "new": {"name": name, "sha256": sha256, "size": spool.size}}},
            )
            logger.info("evidence uploaded %s", evidence_file.pk, extra={"unit_id": unit.pk, "sha256": sha256})
        return evidence_file
    except BaseException:
        if final_path is not None:
            final_path.unlink(missing_ok=True)  # the blob row this file belonged to is being rolled back
        raise
    finally:
        if spool is not None:
            spool.discard()


def _locked_line(line: ScoreLine) -> ScoreLine:
    """The line with its assessment locked: a link never races a submission (which locks the same row)."""
    Assessment.objects.select_for_update(of=("self",)).filter(pk=line.assessment_id).first()
    return ScoreLine.objects.select_related("assessment__unit", "assessment__cycle", "indicator").get(pk=line.pk)


def _check_same_library(evidence_file: EvidenceFile, line: ScoreLine) -> None:
    assessment = line.assessment
    if evidence_file.unit_id != assessment.unit_id or evidence_file.cycle_id != assessment.cycle_id:
        raise ValidationFailed(MSG_WRONG_LIBRARY, code="wrong_library")


def _check_line_open(line: ScoreLine) -> None:
    if not permissions.line_accepts_evidence(line):
        raise StateConflict(
            MSG_LINE_CLOSED % {"code": line.indicator.code, "state": line.assessment.get_state_display()},
            code="line_closed",
        )


@transaction.atomic
def evidence_link(*, evidence_file: EvidenceFile, line: ScoreLine, actor: Any) -> EvidenceLink:
    """Attach a library file to a leaf. Idempotent: linking twice returns the existing link (``already_linked`` is
    then True on it, False on a new one).

    Side effects: one ``EvidenceLink`` row and an ``evidence.link`` audit entry (none when it already existed).
    """
    line = _locked_line(line)
    _check_same_library(evidence_file, line)
    existing = EvidenceLink.objects.filter(evidence_file=evidence_file, score_line=line).first()
    if existing is not None:
        existing.already_linked = True  # type: ignore[attr-defined]
        return existing
    _check_line_open(line)
    assessment = line.assessment
    link = EvidenceLink.objects.create(
        evidence_file=evidence_file,
        score_line=line,
        linked_by=actor,
        explanation_round=assessment.appraisal_round if assessment.state == Assessment.State.EXPLANATION else None,
    )
    link.already_linked = False  # type: ignore[attr-defined]
    audit_record(
        actor=actor, action="evidence.link", object_type="ScoreLine", object_id=line.pk,
        unit=assessment.unit, assessment=assessment,
        changes={"evidence": {"old": None, "new": {"file_id": evidence_file.pk, "name": evidence_file.original_name}}},
    )
    return link


@transaction.atomic
def evidence_unlink(*, evidence_file: EvidenceFile, line: ScoreLine, actor: Any) -> None:
    """Detach a file from a leaf (the file stays in the library).

    Refused (``StateConflict`` code ``not_linked``, nothing written) when the file is not linked to the leaf,
    so nobody is told that something was removed when nothing was. During an explanation round only links
    added in that round can be removed.
    Side effects: deletes one ``EvidenceLink``; an ``evidence.unlink`` audit entry.
    """
    line = _locked_line(line)
    _check_same_library(evidence_file, line)
    link = EvidenceLink.objects.filter(evidence_file=evidence_file, score_line=line).first()
    if link is None:
        raise StateConflict(
            MSG_NOT_LINKED % {"name": evidence_file.original_name, "code": line.indicator.code}, code="not_linked"
        )
    _check_line_open(line)
    assessment = line.assessment
    if permissions.link_is_locked(explanation_round=link.explanation_round, assessment=assessment):
        raise StateConflict(MSG_LINK_LOCKED, code="link_locked")
    link.delete()
    audit_record(
        actor=actor, action="evidence.unlink", object_type="ScoreLine", object_id=line.pk,
        unit=assessment.unit, assessment=assessment,
        changes={"evidence": {"old": {"file_id": evidence_file.pk, "name": evidence_file.original_name}, "new": None}},
    )


def _remove_blob_if_unused(sha256: str) -> None:
    # Runs after commit: a concurrent upload may have created the blob again in between; keep the file then.
    if not EvidenceBlob.objects.filter(pk=sha256).exists():
        storage.remove_blob(sha256)


@transaction.atomic
def evidence_delete(*, evidence_file: EvidenceFile, actor: Any) -> None:
    """Remove a file from the library. Refused (``StateConflict``) when it is linked to a submitted assessment.

    In a draft its links are removed with it (each audited). The stored content is removed after commit
    when no other library still uses it.
    Side effects: deletes the file's links, the ``EvidenceFile`` row and possibly its ``EvidenceBlob``;
    ``evidence.unlink`` and ``evidence.delete`` audit entries.
    """
    assessment = _assessment_of(evidence_file.unit_id, evidence_file.cycle_id, lock=True)
    evidence_file = (
        EvidenceFile.objects.select_for_update(of=("self", "blob"))
        .select_related("blob", "unit")
        .get(pk=evidence_file.pk)
    )
    links = list(evidence_file.links.select_related("score_line__indicator").order_by("score_line__indicator__order"))
    if permissions.file_is_locked(link_rounds=[link.explanation_round for link in links], assessment=assessment):
        codes = ", ".join(link.score_line.indicator.code for link in links)
        raise StateConflict(MSG_FILE_LOCKED % {"name": evidence_file.original_name, "codes": codes}, code="file_locked")
    if not permissions.library_accepts_changes(assessment):
        assert assessment is not None
        raise StateConflict(MSG_LIBRARY_CLOSED % {"state": assessment.get_state_display()}, code="closed")
    for link in links:
        _unlink_for(link, evidence_file, actor=actor, assessment=assessment, reason=REASON_FILE_DELETED)
    _delete_file(evidence_file, actor=actor, assessment=assessment)


def _unlink_for(
    link: EvidenceLink, evidence_file: EvidenceFile, *, actor: Any, assessment: Assessment | None, reason: str
) -> None:
    """Remove one link of a file that leaves the library (deleted or replaced), audited with `reason`."""
    audit_record(
        actor=actor, action="evidence.unlink", object_type="ScoreLine", object_id=link.score_line_id,
        unit=evidence_file.unit, assessment=assessment,
        changes={"evidence": {"old": {"file_id": evidence_file.pk, "name": evidence_file.original_name}, "new": None}},
        reason=reason,
    )
    link.delete()


def _delete_file(evidence_file: EvidenceFile, *, actor: Any, assessment: Assessment | None, reason: str = "") -> None:
    """Delete a file row that has no link left (audited); its content goes after commit when no library uses it."""
    blob = evidence_file.blob
    file_id = evidence_file.pk
    evidence_file.delete()
    audit_record(
        actor=actor, action="evidence.delete", object_type="EvidenceFile", object_id=file_id,
        unit=evidence_file.unit, assessment=assessment,
        changes={"file": {"old": {"name": evidence_file.original_name, "sha256": blob.sha256}, "new": None}},
        reason=reason,
    )
    if not EvidenceFile.objects.filter(blob=blob).exists():
        sha256 = blob.sha256
        blob.delete()
        transaction.on_commit(lambda: _remove_blob_if_unused(sha256))


@transaction.atomic
def evidence_link_files(*, files: list[EvidenceFile], line: ScoreLine, actor: Any) -> list[EvidenceLink]:
    """Attach several library files to one leaf at once: all of them or, on any refusal, none (one transaction).
    Each as ``evidence_link`` (idempotent: ``already_linked`` says which were linked before).

    Side effects: one ``EvidenceLink`` row and an ``evidence.link`` audit entry per file not linked before.
    """
    return [evidence_link(evidence_file=evidence_file, line=line, actor=actor) for evidence_file in files]


@transaction.atomic
def evidence_replace(*, old_file: EvidenceFile, new_file: EvidenceFile, actor: Any) -> list[ScoreLine]:
    """Replace a library file by a newer one of the same name (a corrected scan uploaded again): the new file takes
    the old one's leaves, and the old one leaves the library. Returns the old file's leaves (their lines, with their
    indicators), now the new file's, in the tree's order.

    Refused, nothing changed: files of different libraries (``wrong_library``) or names (``not_same_name``), the
    same file (``same_file``); an old file locked by a submission (``StateConflict`` ``file_locked``: one of its
    links stays as submitted, see ``permissions.file_is_locked``); a library that no longer accepts changes
    (``closed``).
    Side effects: per leaf of the old file, its link removed (``evidence.unlink``) and the new file's made when it
    had none (``evidence.link``, in the same explanation round as the old link); the old file deleted
    (``evidence.delete``), each audit entry with ``REASON_FILE_REPLACED``; its content removed after commit when no
    library uses it.
    """
    assessment = _assessment_of(old_file.unit_id, old_file.cycle_id, lock=True)
    files = {
        f.pk: f
        for f in EvidenceFile.objects.select_for_update(of=("self",)).select_related("blob", "unit")
        .filter(pk__in=[old_file.pk, new_file.pk])
    }
    old, new = files.get(old_file.pk), files.get(new_file.pk)
    if old is None or new is None or (old.unit_id, old.cycle_id) != (new.unit_id, new.cycle_id):
        raise ValidationFailed(MSG_WRONG_LIBRARY, code="wrong_library")
    if old.pk == new.pk:
        raise ValidationFailed(MSG_REPLACE_ITSELF, code="same_file")
    if same_name_key(old.original_name) != same_name_key(new.original_name):
        raise ValidationFailed(MSG_NOT_SAME_NAME % {"new": new.original_name, "old": old.original_name},
                               code="not_same_name")
    links = list(old.links.select_related("score_line__indicator").order_by("score_line__indicator__order"))
    if permissions.file_is_locked(link_rounds=[link.explanation_round for link in links], assessment=assessment):
        codes = ", ".join(link.score_line.indicator.code for link in links)
        raise StateConflict(MSG_REPLACE_LOCKED % {"name": old.original_name, "codes": codes}, code="file_locked")
    if not permissions.library_accepts_changes(assessment):
        assert assessment is not None
        raise StateConflict(MSG_LIBRARY_CLOSED % {"state": assessment.get_state_display()}, code="closed")
    has = set(new.links.values_list("score_line_id", flat=True))
    for link in links:
        line_id, explanation_round = link.score_line_id, link.explanation_round
        _unlink_for(link, old, actor=actor, assessment=assessment, reason=REASON_FILE_REPLACED)
        if line_id in has:
            continue
        EvidenceLink.objects.create(evidence_file=new, score_line_id=line_id, linked_by=actor,
                                    explanation_round=explanation_round)
        audit_record(
            actor=actor, action="evidence.link", object_type="ScoreLine", object_id=line_id,
            unit=new.unit, assessment=assessment,
            changes={"evidence": {"old": {"file_id": old.pk, "name": old.original_name},
                                  "new": {"file_id": new.pk, "name": new.original_name}}},
            reason=REASON_FILE_REPLACED,
        )
    _delete_file(old, actor=actor, assessment=assessment, reason=REASON_FILE_REPLACED)
    return [link.score_line for link in links]
