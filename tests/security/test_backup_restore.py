"""Backup and restore: a backup restored into a fresh database gives identical results, audit chain and files."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from evidence.models import EvidenceFile, EvidenceLink
from evidence.services import evidence_link, evidence_upload
from scoring.models import Assessment, AuditEntry, IndexResult, ScoreLine
from scoring.services import assessment_transition, index_result_recompute, score_line_appraise, score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def _signed_off_assessment_with_evidence(assessment: Assessment, unit_editor: Any, unit_head: Any,
                                         appraiser: Any, lead: Any) -> None:
    from appraisal.services import assessment_sign_off

    first = None
    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = ScoreLine.objects.get(assessment=assessment, indicator__code=code)
        saved = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
        first = first or saved
    pdf = evidence_upload(unit=assessment.unit, cycle=assessment.cycle, actor=unit_editor,
                          uploaded_file=SimpleUploadedFile("Kế hoạch.pdf", samples.pdf(), "application/pdf"))
    assert first is not None
    evidence_link(evidence_file=pdf, line=ScoreLine.objects.get(pk=first.pk), actor=unit_editor)
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=unit_head)
    assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=lead)
    for line in ScoreLine.objects.filter(assessment=assessment):
        score_line_appraise(line=line, actor=appraiser, base_version=line.version, value=line.self_value)
    assessment_sign_off(assessment=Assessment.objects.get(pk=assessment.pk), actor=lead)
    index_result_recompute(assessment_id=assessment.pk)


def _ms(rows: Any) -> list[dict[str, Any]]:
    """A JSON backup keeps timestamps to the millisecond (Django's serializer); compare at that precision."""
    return [
        {k: v.replace(microsecond=v.microsecond // 1000 * 1000) if isinstance(v, datetime) else v
         for k, v in row.items()}
        for row in rows
    ]


def _state() -> dict[str, Any]:
    return {key: _ms(rows) for key, rows in _raw_state().items()}


def _raw_state() -> dict[str, Any]:
    return {
        "lines": list(ScoreLine.objects.order_by("id").values()),
        "results": list(IndexResult.objects.order_by("id").values()),
        "assessments": list(Assessment.objects.order_by("id").values()),
        "audit": list(AuditEntry.objects.order_by("id").values("id", "action", "hash", "prev_hash")),
        "evidence": list(EvidenceFile.objects.order_by("id").values()),
        "links": list(EvidenceLink.objects.order_by("id").values()),
    }


def _files(root: Path) -> dict[str, bytes]:
    base = root / "evidence"
    return {
        str(p.relative_to(base)): p.read_bytes()
        for p in base.rglob("*")
        if p.is_file() and "tmp" not in p.relative_to(base).parts
    }


def test_backup_then_restore_into_a_flushed_database_gives_identical_results_audit_and_files(
    assessment: Assessment, unit_editor: Any, unit_head: Any, appraiser: Any, lead: Any, media_root: Path,
    tmp_path: Path,
) -> None:
    _signed_off_assessment_with_evidence(assessment, unit_editor, unit_head, appraiser, lead)
    result = IndexResult.objects.get(assessment=assessment)
    assert result.index == Decimal("6.58")
    before, files_before = _state(), _files(media_root)
    assert len(files_before) == 1

    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir), stdout=StringIO())
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["audit_chain_ok"] and len(manifest["files"]) == 2

    call_command("flush", interactive=False, verbosity=0)
    for path in (media_root / "evidence").rglob("*"):
        if path.is_file():
            path.unlink()
    assert not AuditEntry.objects.exists() and not _files(media_root)

    out = StringIO()
    call_command("restore", input=str(backup_dir), stdout=out)
    assert "audit chain OK" in out.getvalue()
    assert _state() == before
    assert _files(media_root) == files_before
    assert IndexResult.objects.get(assessment_id=assessment.pk).index == Decimal("6.58")


def test_restore_refuses_a_backup_whose_evidence_file_was_changed_and_loads_nothing(
    assessment: Assessment, unit_editor: Any, media_root: Path, tmp_path: Path,
) -> None:
    evidence_upload(unit=assessment.unit, cycle=assessment.cycle, actor=unit_editor,
                    uploaded_file=SimpleUploadedFile("a.pdf", samples.pdf(), "application/pdf"))
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir), stdout=StringIO())
    stored = next(p for p in (backup_dir / "evidence").rglob("*") if p.is_file())
    stored.write_bytes(stored.read_bytes() + b"x")
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", input=str(backup_dir), stdout=StringIO())
    assert not AuditEntry.objects.exists() and not ScoreLine.objects.exists()


def test_restore_refuses_a_database_that_is_not_empty(assessment: Assessment, tmp_path: Path) -> None:
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir), stdout=StringIO())
    count = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="không trống"):
        call_command("restore", input=str(backup_dir), stdout=StringIO())
    assert AuditEntry.objects.count() == count


def test_backup_refuses_a_folder_that_already_holds_files(db: Any, tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x.txt").write_text("x")
    with pytest.raises(CommandError, match="đã có dữ liệu"):
        call_command("backup", output=str(tmp_path / "old"), stdout=StringIO())
