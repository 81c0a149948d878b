"""More files in one upload than a request may carry: refused whole with the limit named, nothing stored.

The page's script never sends that many at once (it sends a larger choice in batches under the limit, see
tests/browser/test_evidence_upload_batches.py); a form sent without the script, or another client, hears why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import AuditEntry
from tests.evidence import samples
from tests.evidence.conftest import stored_files, upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _files(n: int) -> list[Any]:
    return [upload(f"Bản quét {i:03d}.pdf", samples.pdf(f"scan {i}")) for i in range(n)]


def test_the_settings_state_the_number_of_files_one_request_may_carry() -> None:
    from cchc import settings as project_settings

    assert project_settings.DATA_UPLOAD_MAX_NUMBER_FILES == 100


def test_the_library_page_tells_the_script_how_many_files_a_request_may_carry(
    assessment: Any, unit_editor: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 7
    html = _client(unit_editor).get(reverse("evidence:library", args=[assessment.pk])).content.decode()
    assert 'data-max-files="7"' in html


def test_a_script_upload_of_too_many_files_is_refused_with_the_limit_and_stores_nothing(
    assessment: Any, unit_editor: Any, settings: Any, media_root: Path
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    audit_before = AuditEntry.objects.count()
    response = _client(unit_editor).post(
        reverse("evidence:upload", args=[assessment.pk]), {"files": _files(4)}, **JSON
    )
    assert response.status_code == 400
    data = response.json()
    assert data["ok"] is False and data["code"] == "too_many_files"
    assert data["max_files"] == 3
    assert "tối đa 3 tệp" in data["message"] and "chưa tệp nào được lưu" in data["message"]
    assert not EvidenceFile.objects.exists() and not EvidenceLink.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    assert stored_files(media_root) == []  # the files streamed before the limit was reached are gone too


def test_a_plain_form_upload_of_too_many_files_lands_on_the_library_with_the_message(
    assessment: Any, unit_editor: Any, settings: Any, media_root: Path
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    library = reverse("evidence:library", args=[assessment.pk])
    client = _client(unit_editor)
    response = client.post(reverse("evidence:upload", args=[assessment.pk]), {"files": _files(5)}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == library
    html = response.content.decode()
    assert "tối đa 3 tệp" in html and "chưa tệp nào được lưu" in html
    assert not EvidenceFile.objects.exists()
    assert stored_files(media_root) == []


def test_an_upload_at_the_limit_is_stored_whole(
    assessment: Any, unit_editor: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    response = _client(unit_editor).post(
        reverse("evidence:upload", args=[assessment.pk]), {"files": _files(3)}, **JSON
    )
    assert response.status_code == 200 and response.json()["ok"] is True
    assert EvidenceFile.objects.count() == 3


def test_too_many_files_from_another_unit_is_still_a_404(
    assessment: Any, other_editor: Any, settings: Any, media_root: Path
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    response = _client(other_editor).post(
        reverse("evidence:upload", args=[assessment.pk]), {"files": _files(4)}, **JSON
    )
    assert response.status_code == 404
    assert stored_files(media_root) == []
