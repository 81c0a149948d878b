"""A corrected scan uploaded under the name of a file already in the library: the summary says so, naming both,
and offers to replace the old file (the new content takes its leaves), audited; a file submitted with the
assessment is not replaced, both are kept and the summary says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence import services
from evidence.models import EvidenceBlob, EvidenceFile, EvidenceLink
from scoring.models import AuditEntry
from tests.appraisal.conftest import flagged_line, line_of, self_score
from tests.appraisal.conftest import submit as submit_assessment
from tests.appraisal.conftest import team as team  # the appraisal team fixture (hoa leads)
from tests.evidence import samples
from tests.evidence.conftest import stored_files, upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
NAME = "Quyết định 12.pdf"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def old_scan(assessment: Any, unit_editor: Any) -> EvidenceFile:
    old = services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                   uploaded_file=upload(NAME, samples.pdf("ban cu")), actor=unit_editor)
    services.evidence_link(evidence_file=old, line=line_of(assessment, "1.1.1"), actor=unit_editor)
    services.evidence_link(evidence_file=old, line=line_of(assessment, "2.1.1"), actor=unit_editor)
    return old


def _upload_corrected(client: Client, assessment: Any, **extra: Any) -> Any:
    return client.post(reverse("evidence:upload", args=[assessment.pk]),
                       {"files": [upload(NAME, samples.pdf("ban sua"))], **extra}, **JSON)


def test_the_summary_warns_of_a_file_with_the_same_name_and_offers_to_replace_it(
    assessment: Any, unit_editor: Any, old_scan: Any
) -> None:
    response = _upload_corrected(_client(unit_editor), assessment)
    assert response.status_code == 200
    data = response.json()
    new = EvidenceFile.objects.exclude(pk=old_scan.pk).get()
    assert new.original_name == NAME  # both kept until the unit chooses
    message = data["message"]
    assert f"«{NAME}» trùng tên với «{NAME}»" in message and "đã lưu cả hai" in message
    (offer,) = data["same_name"]
    assert offer["new_id"] == new.pk and offer["old_id"] == old_scan.pk and offer["replaceable"] is True
    assert offer["replace_url"] == reverse("evidence:replace", args=[new.pk])
    assert "Thay" in offer["button"]


def test_the_library_offers_the_replacement_on_the_new_files_row(
    assessment: Any, unit_editor: Any, old_scan: Any
) -> None:
    _upload_corrected(_client(unit_editor), assessment)
    new = EvidenceFile.objects.exclude(pk=old_scan.pk).get()
    html = _client(unit_editor).get(reverse("evidence:library", args=[assessment.pk])).content.decode()
    row = html[html.index(f'id="evidence-file-{new.pk}"'):]
    row = row[:row.index("</tr>")]
    assert reverse("evidence:replace", args=[new.pk]) in row
    assert f'name="old_id" value="{old_scan.pk}"' in row
    assert "Cùng tên với tệp tải lên lúc" in row


def test_replacing_gives_the_new_content_the_old_files_leaves_and_removes_the_old_file(
    assessment: Any, unit_editor: Any, old_scan: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(unit_editor)
    _upload_corrected(client, assessment, line_id=line_of(assessment, "1.1.1").pk)  # linked to one of them already
    new = EvidenceFile.objects.exclude(pk=old_scan.pk).get()
    old_sha = old_scan.blob.sha256
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence:replace", args=[new.pk]), {"old_id": old_scan.pk}, **JSON)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["ok"] is True and "1.1.1" in data["message"] and "2.1.1" in data["message"]
    assert not EvidenceFile.objects.filter(pk=old_scan.pk).exists()
    assert set(EvidenceLink.objects.values_list("evidence_file_id", "score_line__indicator__code")) == {
        (new.pk, "1.1.1"), (new.pk, "2.1.1"),
    }
    assert not EvidenceBlob.objects.filter(pk=old_sha).exists()
    assert old_sha not in [p.name for p in stored_files(media_root)]
    # audited: the old file taken from its leaves and deleted, the new one given them, each with the reason
    reasons = set(AuditEntry.objects.filter(action__in=["evidence.unlink", "evidence.link", "evidence.delete"],
                                            reason=services.REASON_FILE_REPLACED).values_list("action", "object_id"))
    line_2 = str(line_of(assessment, "2.1.1").pk)
    line_1 = str(line_of(assessment, "1.1.1").pk)
    assert reasons == {
        ("evidence.unlink", line_1), ("evidence.unlink", line_2), ("evidence.link", line_2),
        ("evidence.delete", str(old_scan.pk)),
    }


def test_a_plain_form_replaces_and_comes_back_to_the_library(
    assessment: Any, unit_editor: Any, old_scan: Any
) -> None:
    client = _client(unit_editor)
    _upload_corrected(client, assessment)
    new = EvidenceFile.objects.exclude(pk=old_scan.pk).get()
    response = client.post(reverse("evidence:replace", args=[new.pk]), {"old_id": old_scan.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evidence:library", args=[assessment.pk])
    assert "Đã thay" in response.content.decode()
    assert EvidenceFile.objects.get().pk == new.pk


def test_only_a_file_of_the_same_name_is_replaced(assessment: Any, unit_editor: Any, old_scan: Any) -> None:
    other = services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                     uploaded_file=upload("Khác.pdf", samples.pdf("khac")), actor=unit_editor)
    response = _client(unit_editor).post(reverse("evidence:replace", args=[other.pk]), {"old_id": old_scan.pk},
                                         **JSON)
    assert response.status_code == 400 and response.json()["code"] == "not_same_name"
    assert EvidenceFile.objects.count() == 2


def test_another_units_editor_cannot_replace(
    assessment: Any, unit_editor: Any, old_scan: Any, other_editor: Any
) -> None:
    _upload_corrected(_client(unit_editor), assessment)
    new = EvidenceFile.objects.exclude(pk=old_scan.pk).get()
    response = _client(other_editor).post(reverse("evidence:replace", args=[new.pk]), {"old_id": old_scan.pk}, **JSON)
    assert response.status_code == 404
    assert EvidenceFile.objects.count() == 2


def test_a_file_submitted_with_the_assessment_is_kept_beside_the_new_one(
    assessment: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any, old_scan: Any
) -> None:
    self_score(assessment, unit_editor)
    submit_assessment(assessment, unit_head)
    line = flagged_line(assessment, lead, "2.1.1")
    client = _client(unit_editor)
    response = _upload_corrected(client, assessment, line_id=line.pk)
    assert response.status_code == 200, response.content
    data = response.json()
    (offer,) = data["same_name"]
    assert offer["replaceable"] is False
    assert "đã nộp kèm bản đánh giá nên không thay được" in data["message"] and "giữ cả hai" in data["message"]
    new = EvidenceFile.objects.exclude(pk=old_scan.pk).get()
    refused = client.post(reverse("evidence:replace", args=[new.pk]), {"old_id": old_scan.pk}, **JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "file_locked"
    assert EvidenceFile.objects.count() == 2
    assert EvidenceLink.objects.filter(evidence_file=old_scan).count() == 2
