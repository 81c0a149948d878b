"""The API's side of a file uploaded again under the same name: the upload says which older file has its name (as
the library page warns), and `evidence/<new>/replace/` replaces it as the page's «Thay tệp cũ» does."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n%{tag}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


def _upload(api: Any, assessment: Any, name: str, tag: str, line: Any = None) -> Any:
    body: dict[str, Any] = {"file": SimpleUploadedFile(name, _pdf(tag), content_type="application/pdf")}
    if line is not None:
        body["line_id"] = line.pk
    return api.post(f"/api/v1/assessments/{assessment.pk}/evidence/upload/", body, format="multipart")


def test_an_upload_names_the_older_file_of_the_same_name(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    first = _upload(api, assessment, "bien-ban.pdf", "v1")
    assert first.status_code == 201 and first.json()["same_name"] is None
    second = _upload(api, assessment, "bien-ban.pdf", "v2")
    assert second.status_code == 201, second.json()
    same = second.json()["same_name"]
    assert (same["id"], same["original_name"], same["replaceable"]) == (first.json()["id"], "bien-ban.pdf", True)


def test_replace_moves_the_leaves_to_the_new_file_and_removes_the_old(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    from evidence.models import EvidenceFile, EvidenceLink
    from scoring.models import AuditEntry

    line = line_of(assessment, "1.1.1")
    api.force_login(unit_editor)
    old_id = _upload(api, assessment, "ke-hoach.pdf", "old", line).json()["id"]
    new_id = _upload(api, assessment, "ke-hoach.pdf", "new").json()["id"]
    # when
    response = api.post(f"/api/v1/evidence/{new_id}/replace/", {"old_id": old_id}, format="json")
    # then
    assert response.status_code == 200, response.json()
    assert response.json() == {"id": new_id, "replaced": old_id, "line_ids": [line.pk]}
    assert not EvidenceFile.objects.filter(pk=old_id).exists()
    assert list(EvidenceLink.objects.filter(score_line=line).values_list("evidence_file_id", flat=True)) == [new_id]
    assert AuditEntry.objects.filter(action="evidence.delete", object_id=old_id).exists()


def test_replacing_by_a_file_of_another_name_is_refused_and_changes_nothing(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    from evidence.models import EvidenceFile

    api.force_login(unit_editor)
    old_id = _upload(api, assessment, "a.pdf", "a").json()["id"]
    new_id = _upload(api, assessment, "b.pdf", "b").json()["id"]
    response = api.post(f"/api/v1/evidence/{new_id}/replace/", {"old_id": old_id}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "not_same_name"
    assert EvidenceFile.objects.filter(pk__in=[old_id, new_id]).count() == 2


def test_replace_is_refused_to_people_outside_the_unit(
    api: Any, assessment: Any, unit_editor: Any, appraiser: Any
) -> None:
    from evidence.models import EvidenceFile

    api.force_login(unit_editor)
    old_id = _upload(api, assessment, "c.pdf", "c1").json()["id"]
    new_id = _upload(api, assessment, "c.pdf", "c2").json()["id"]
    api.force_login(appraiser)
    response = api.post(f"/api/v1/evidence/{new_id}/replace/", {"old_id": old_id}, format="json")
    assert response.status_code in (403, 404)
    api.logout()
    assert api.post(f"/api/v1/evidence/{new_id}/replace/", {"old_id": old_id}, format="json").status_code == 401
    assert EvidenceFile.objects.filter(pk__in=[old_id, new_id]).count() == 2


def test_replace_takes_only_old_id(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    new_id = _upload(api, assessment, "d.pdf", "d").json()["id"]
    response = api.post(f"/api/v1/evidence/{new_id}/replace/", {"old": 1}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"old", "old_id"}
