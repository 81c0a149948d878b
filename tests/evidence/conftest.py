"""Evidence tests store files in a throwaway media folder, never in the project's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.appraisal.conftest import team  # noqa: F401  (re-exported: the appraiser appraises the unit's area 2)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[Path]:
    """Every file under the evidence folder (content and temporary files alike)."""
    base = root / "evidence"
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def other_editor(catalogue: Any) -> Any:
    """An editor of another unit (Sở Tư pháp): must never learn that Sở Y tế's files exist."""
    from django.contrib.auth import get_user_model

    from scoring.models import RoleAssignment, Unit

    user = get_user_model().objects.create_user(username="minh", password="x-Secret-2020!")
    RoleAssignment.objects.create(user=user, role="unit_editor", unit=Unit.objects.get(code="so-tu-phap"))
    return user


@pytest.fixture
def stored_pdf(assessment: Any, unit_editor: Any) -> Any:
    from evidence.services import evidence_upload
    from tests.evidence import samples

    return evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle,
        uploaded_file=upload("Kế hoạch CCHC năm 2020.pdf", samples.pdf()), actor=unit_editor,
    )


@pytest.fixture
def submit(assessment: Any, unit_head: Any) -> Any:
    """Call to submit the assessment (after arranging what must exist before submission)."""
    from scoring.services import assessment_transition

    def run() -> Any:
        return assessment_transition(assessment=assessment, to_state="submitted", actor=unit_head)

    return run
