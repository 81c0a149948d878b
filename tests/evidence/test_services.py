"""Evidence services: storage under the content hash, every refusal, dedupe, links and deletion rules, audit."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError

from evidence import services, storage
from evidence.models import EvidenceBlob, EvidenceFile, EvidenceLink
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, ScoreLine, Unit
from scoring.services import assessment_transition, assessments_open
from tests.evidence import samples
from tests.evidence.conftest import stored_files, upload

pytestmark = pytest.mark.django_db


def _line(assessment: Any, code: str = "1.1.1") -> ScoreLine:
    return assessment.lines.select_related("indicator", "assessment").get(indicator__code=code)


def _submit(assessment: Any, actor: Any) -> Any:
    return assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=actor)


def _explanation_round(assessment: Any, actor: Any, flagged: list[str]) -> Any:
    _submit(assessment, actor)
    assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=actor)
    ScoreLine.objects.filter(assessment=assessment, indicator__code__in=flagged).update(explanation_requested=True)
    return assessment_transition(assessment=assessment, to_state=Assessment.State.EXPLANATION, actor=actor)


def test_an_upload_is_stored_once_under_its_sha256_with_the_name_as_metadata(
    assessment: Any, unit_editor: Any, media_root: Path
) -> None:
    content = samples.pdf()
    sha = hashlib.sha256(content).hexdigest()

    evidence_file = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("Kế hoạch CCHC 2020.pdf", content),
        actor=unit_editor,
    )

    assert evidence_file.original_name == "Kế hoạch CCHC 2020.pdf"
    assert evidence_file.blob.sha256 == sha
    assert evidence_file.blob.size == len(content)
    assert evidence_file.blob.content_type == "application/pdf"
    path = media_root / "evidence" / sha[:2] / sha[2:4] / sha
    assert stored_files(media_root) == [path]
    assert path.read_bytes() == content


def test_an_upload_is_audited_with_its_unit_and_assessment(assessment: Any, unit_editor: Any) -> None:
    evidence_file = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("a.png", samples.png()), actor=unit_editor
    )
    entry = AuditEntry.objects.get(action="evidence.upload")
    assert (entry.object_id, entry.unit_id, entry.assessment_id, entry.actor_id) == (
        str(evidence_file.pk), assessment.unit_id, assessment.pk, unit_editor.pk
    )
    assert entry.changes["file"]["new"]["name"] == "a.png"


def test_the_same_content_uploaded_twice_keeps_one_blob_and_one_file(assessment: Any, unit_editor: Any) -> None:
    first = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("a.pdf", samples.pdf()), actor=unit_editor
    )
    again = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("b.pdf", samples.pdf()), actor=unit_editor
    )
    assert again.pk == first.pk
    assert again.already_present is True
    assert (EvidenceBlob.objects.count(), EvidenceFile.objects.count()) == (1, 1)
    assert AuditEntry.objects.filter(action="evidence.upload").count() == 1


def test_the_same_content_in_two_units_is_stored_once_but_listed_in_both(
    assessment: Any, unit_editor: Any, media_root: Path
) -> None:
    other = Unit.objects.get(code="so-tu-phap")
    for unit in (assessment.unit, other):
        services.evidence_upload(
            unit=unit, cycle=assessment.cycle, uploaded_file=upload("a.pdf", samples.pdf()), actor=unit_editor
        )
    assert (EvidenceBlob.objects.count(), EvidenceFile.objects.count()) == (1, 2)
    assert len(stored_files(media_root)) == 1


REFUSALS = [
    ("an unknown extension", "chuong-trinh.exe", samples.WINDOWS_EXE, "bad_type", "Chỉ nhận PDF"),
    ("no extension", "ke-hoach", samples.pdf(), "bad_type", "Chỉ nhận PDF"),
    ("a PNG renamed .pdf", "anh.pdf", samples.png(), "bad_type", "có nội dung PNG nhưng phần mở rộng là .pdf"),
    ("an HTML page renamed .pdf", "trang.pdf", samples.HTML, "bad_type", "không phải là tệp PDF"),
    ("an SVG renamed .pdf", "hinh.pdf", samples.SVG, "bad_type", "không phải là tệp PDF"),
    ("a zip renamed .docx", "van-ban.docx", samples.plain_zip(), "bad_type", "không phải là tệp Word"),
    ("an executable renamed .doc", "van-ban.doc", samples.WINDOWS_EXE, "bad_type", "không phải là tệp Word"),
    ("an xls renamed .doc", "van-ban.doc", samples.xls(), "bad_type", "hãy đổi tên thành «van-ban.xls»"),
    ("an empty file", "rong.pdf", b"", "empty", "rỗng"),
    ("a file over the limit", "lon.pdf", samples.pdf() + b"\n%" + b"x" * 4096, "too_large", "vượt quá dung lượng"),
]


@pytest.mark.parametrize(("case", "name", "content", "code", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_bad_input_is_refused_with_a_vietnamese_message_and_changes_nothing(
    case: str, name: str, content: bytes, code: str, message: str,
    assessment: Any, unit_editor: Any, settings: Any, media_root: Path,
) -> None:
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 4096
    with pytest.raises(ValidationFailed) as refused:
        services.evidence_upload(
            unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload(name, content), actor=unit_editor
        )
    assert refused.value.code == code
    assert message in str(refused.value.message)
    assert (EvidenceBlob.objects.count(), EvidenceFile.objects.count()) == (0, 0)
    assert not AuditEntry.objects.filter(action__startswith="evidence.").exists()
    assert stored_files(media_root) == []


def test_a_name_with_a_path_and_control_characters_is_cleaned_not_refused(
    assessment: Any, unit_editor: Any, media_root: Path
) -> None:
    raw = "../../" + "Báo\x07 cáo " + "dài" * 100 + ".pdf"
    evidence_file = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload(raw, samples.pdf()), actor=unit_editor
    )
    assert evidence_file.original_name.startswith("Báo cáo dài")
    assert 250 <= len(evidence_file.original_name) <= 255
    assert evidence_file.original_name.endswith(".pdf")
    (only,) = stored_files(media_root)
    assert only.name == evidence_file.blob.sha256  # the user's name never reaches the disk


def test_the_spool_drops_an_oversized_upload_at_the_chunk_that_passes_the_limit(media_root: Path) -> None:
    spool = storage.Spool(limit=10)
    assert spool.write(b"12345")
    assert spool.path is not None and spool.path.exists()
    assert not spool.write(b"678901")  # 11 bytes: over the limit
    assert spool.too_large
    assert stored_files(media_root) == []  # the first chunk is not kept either
    assert not spool.write(b"more")


def test_a_database_error_after_the_rename_leaves_no_orphan_file(
    assessment: Any, unit_editor: Any, media_root: Path, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("simulated")

    monkeypatch.setattr(EvidenceFile.objects, "get_or_create", broken)
    with pytest.raises(IntegrityError):
        services.evidence_upload(
            unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("a.pdf", samples.pdf()),
            actor=unit_editor,
        )
    assert stored_files(media_root) == []
    assert not EvidenceBlob.objects.exists()


def test_upload_is_refused_once_the_assessment_is_submitted(assessment: Any, unit_editor: Any, unit_head: Any) -> None:
    _submit(assessment, unit_head)
    with pytest.raises(StateConflict) as refused:
        services.evidence_upload(
            unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("a.pdf", samples.pdf()),
            actor=unit_editor,
        )
    assert refused.value.code == "closed"
    assert not EvidenceFile.objects.exists()


def _stored(assessment: Any, actor: Any, name: str = "a.pdf", content: bytes | None = None) -> EvidenceFile:
    return services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload(name, content or samples.pdf(name)),
        actor=actor,
    )


def test_linking_is_idempotent_and_audited_once(assessment: Any, unit_editor: Any) -> None:
    evidence_file, line = _stored(assessment, unit_editor), _line(assessment)
    first = services.evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    second = services.evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    assert first.pk == second.pk
    entries = AuditEntry.objects.filter(action="evidence.link")
    assert entries.count() == 1
    assert (entries[0].unit_id, entries[0].assessment_id, entries[0].object_id) == (
        assessment.unit_id, assessment.pk, str(line.pk)
    )


def test_one_file_can_support_many_leaves(assessment: Any, unit_editor: Any) -> None:
    evidence_file = _stored(assessment, unit_editor)
    for code in ("1.1.1", "1.2.1", "2.1.1"):
        services.evidence_link(evidence_file=evidence_file, line=_line(assessment, code), actor=unit_editor)
    assert evidence_file.links.count() == 3


def test_unlinking_removes_the_link_keeps_the_file_and_is_audited(assessment: Any, unit_editor: Any) -> None:
    evidence_file, line = _stored(assessment, unit_editor), _line(assessment)
    services.evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    services.evidence_unlink(evidence_file=evidence_file, line=line, actor=unit_editor)
    assert not EvidenceLink.objects.exists()
    assert EvidenceFile.objects.filter(pk=evidence_file.pk).exists()
    entry = AuditEntry.objects.get(action="evidence.unlink")
    assert entry.changes["evidence"]["old"]["file_id"] == evidence_file.pk


def test_unlinking_what_is_not_linked_is_refused_without_an_audit_entry(assessment: Any, unit_editor: Any) -> None:
    evidence_file, line = _stored(assessment, unit_editor), _line(assessment)
    with pytest.raises(StateConflict) as refused:
        services.evidence_unlink(evidence_file=evidence_file, line=line, actor=unit_editor)
    assert refused.value.code == "not_linked" and "1.1.1" in str(refused.value.message)
    assert not AuditEntry.objects.filter(action="evidence.unlink").exists()


def test_a_file_of_another_unit_cannot_be_linked(assessment: Any, unit_editor: Any) -> None:
    other = Unit.objects.get(code="so-tu-phap")
    foreign = services.evidence_upload(
        unit=other, cycle=assessment.cycle, uploaded_file=upload("x.pdf", samples.pdf()), actor=unit_editor
    )
    with pytest.raises(ValidationFailed) as refused:
        services.evidence_link(evidence_file=foreign, line=_line(assessment), actor=unit_editor)
    assert refused.value.code == "wrong_library"
    assert not EvidenceLink.objects.exists()


def test_links_cannot_change_after_submission(assessment: Any, unit_editor: Any, unit_head: Any) -> None:
    evidence_file, line = _stored(assessment, unit_editor), _line(assessment)
    services.evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    other = _stored(assessment, unit_editor, "b.pdf")
    _submit(assessment, unit_head)
    with pytest.raises(StateConflict):
        services.evidence_link(evidence_file=other, line=_line(assessment), actor=unit_editor)
    with pytest.raises(StateConflict):
        services.evidence_unlink(evidence_file=evidence_file, line=_line(assessment), actor=unit_editor)
    assert EvidenceLink.objects.count() == 1


def test_during_explanation_a_flagged_line_takes_new_links_and_earlier_ones_stay(
    assessment: Any, unit_editor: Any, lead: Any
) -> None:
    earlier = _stored(assessment, unit_editor, "earlier.pdf")
    services.evidence_link(evidence_file=earlier, line=_line(assessment), actor=unit_editor)
    _explanation_round(assessment, lead, flagged=["1.1.1"])
    added = _stored(assessment, unit_editor, "added.pdf")

    link = services.evidence_link(evidence_file=added, line=_line(assessment), actor=unit_editor)
    assert link.explanation_round == 1
    with pytest.raises(StateConflict) as refused:
        services.evidence_unlink(evidence_file=earlier, line=_line(assessment), actor=unit_editor)
    assert refused.value.code == "link_locked"
    services.evidence_unlink(evidence_file=added, line=_line(assessment), actor=unit_editor)
    assert list(EvidenceLink.objects.values_list("evidence_file_id", flat=True)) == [earlier.pk]


def test_during_explanation_an_unflagged_line_takes_no_new_link(assessment: Any, unit_editor: Any, lead: Any) -> None:
    _explanation_round(assessment, lead, flagged=["1.1.1"])
    added = _stored(assessment, unit_editor, "added.pdf")
    with pytest.raises(StateConflict):
        services.evidence_link(evidence_file=added, line=_line(assessment, "1.2.1"), actor=unit_editor)


def test_deleting_a_draft_file_removes_its_links_row_and_content(
    assessment: Any, unit_editor: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    evidence_file = _stored(assessment, unit_editor)
    services.evidence_link(evidence_file=evidence_file, line=_line(assessment), actor=unit_editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(evidence_file=evidence_file, actor=unit_editor)
    assert not EvidenceFile.objects.exists()
    assert not EvidenceLink.objects.exists()
    assert not EvidenceBlob.objects.exists()
    assert stored_files(media_root) == []
    actions = list(AuditEntry.objects.filter(action__startswith="evidence.").values_list("action", flat=True))
    assert sorted(actions) == ["evidence.delete", "evidence.link", "evidence.unlink", "evidence.upload"]


def test_deleting_one_of_two_files_with_the_same_content_keeps_the_content(
    assessment: Any, unit_editor: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    mine = _stored(assessment, unit_editor)
    services.evidence_upload(
        unit=Unit.objects.get(code="so-tu-phap"), cycle=assessment.cycle,
        uploaded_file=upload("a.pdf", samples.pdf("a.pdf")), actor=unit_editor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(evidence_file=mine, actor=unit_editor)
    assert EvidenceBlob.objects.count() == 1
    assert len(stored_files(media_root)) == 1


def test_a_file_linked_to_a_submitted_assessment_cannot_be_deleted(
    assessment: Any, unit_editor: Any, unit_head: Any, media_root: Path
) -> None:
    evidence_file = _stored(assessment, unit_editor, "Kế hoạch.pdf")
    services.evidence_link(evidence_file=evidence_file, line=_line(assessment), actor=unit_editor)
    _submit(assessment, unit_head)
    with pytest.raises(StateConflict) as refused:
        services.evidence_delete(evidence_file=evidence_file, actor=unit_editor)
    assert refused.value.code == "file_locked"
    assert "Kế hoạch.pdf" in str(refused.value.message) and "1.1.1" in str(refused.value.message)
    assert EvidenceFile.objects.filter(pk=evidence_file.pk).exists()
    assert len(stored_files(media_root)) == 1


def test_during_explanation_an_unlinked_file_can_still_be_deleted(
    assessment: Any, unit_editor: Any, lead: Any
) -> None:
    _explanation_round(assessment, lead, flagged=["1.1.1"])
    extra = _stored(assessment, unit_editor, "thua.pdf")
    services.evidence_delete(evidence_file=extra, actor=unit_editor)
    assert not EvidenceFile.objects.exists()


def test_a_library_exists_per_unit_and_cycle_even_for_a_unit_without_assessment(
    cycle: Any, unit_editor: Any
) -> None:
    unit = Unit.objects.get(code="so-y-te")
    evidence_file = services.evidence_upload(
        unit=unit, cycle=cycle, uploaded_file=upload("a.pdf", samples.pdf()), actor=unit_editor
    )
    assessment = assessments_open(cycle=cycle, units=[unit], actor=None)[0]
    services.evidence_link(evidence_file=evidence_file, line=_line(assessment), actor=unit_editor)
    assert evidence_file.links.count() == 1
