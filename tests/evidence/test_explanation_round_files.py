"""Files added during an explanation round: the unit may still delete them while the round is open (their links go
with them), the library calls them «bổ sung vòng giải trình» rather than «đã nộp», and the appraisal team sees
which evidence came with the explanations («Bổ sung khi giải trình (vòng N)», with the upload date)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evidence import services
from evidence.models import EvidenceFile, EvidenceLink
from scoring.errors import StateConflict
from scoring.models import AuditEntry
from tests.appraisal.conftest import flagged_line, line_of, refresh, self_score
from tests.appraisal.conftest import submit as submit_assessment
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def explaining(assessment: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any, stored_pdf: Any) -> Any:
    """Sở Y tế submitted with «Kế hoạch CCHC năm 2020.pdf» on 2.1.1; leaf 2.1.1 returned for an explanation."""
    self_score(assessment, unit_editor)
    services.evidence_link(evidence_file=stored_pdf, line=line_of(assessment, "2.1.1"), actor=unit_editor)
    submit_assessment(assessment, unit_head)
    flagged_line(assessment, lead, "2.1.1")
    return refresh(assessment)


@pytest.fixture
def added(explaining: Any, unit_editor: Any) -> EvidenceFile:
    """«Bổ sung.pdf», uploaded to leaf 2.1.1 during the round."""
    response = _client(unit_editor).post(
        reverse("evidence:upload", args=[explaining.pk]),
        {"files": [upload("Bổ sung.pdf", samples.pdf("bo sung"))], "line_id": line_of(explaining, "2.1.1").pk},
        **JSON,
    )
    assert response.status_code == 200, response.content
    return EvidenceFile.objects.get(original_name="Bổ sung.pdf")


def _row(html: str, evidence_file: EvidenceFile) -> str:
    row = html[html.index(f'id="evidence-file-{evidence_file.pk}"'):]
    return row[:row.index("</tr>")]


def test_the_library_calls_a_file_of_the_open_round_an_addition_and_offers_its_delete(
    explaining: Any, unit_editor: Any, added: Any, stored_pdf: Any
) -> None:
    html = _client(unit_editor).get(reverse("evidence:library", args=[explaining.pk])).content.decode()
    row = _row(html, added)
    assert "bổ sung vòng giải trình" in row and "đã nộp" not in row
    assert reverse("evidence:delete", args=[added.pk]) in row
    submitted_row = _row(html, stored_pdf)
    assert "đã nộp" in submitted_row and reverse("evidence:delete", args=[stored_pdf.pk]) not in submitted_row


def test_a_file_of_the_open_round_is_deleted_with_its_links(explaining: Any, unit_editor: Any, added: Any) -> None:
    response = _client(unit_editor).post(reverse("evidence:delete", args=[added.pk]), {"xac_nhan": "1"}, **JSON)
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True and "2.1.1" in response.json()["message"]
    assert not EvidenceFile.objects.filter(pk=added.pk).exists()
    assert not EvidenceLink.objects.filter(evidence_file_id=added.pk).exists()
    assert AuditEntry.objects.filter(action="evidence.delete", object_id=str(added.pk)).count() == 1


def test_the_unconfirmed_delete_of_a_file_of_the_open_round_asks_rather_than_refuses(
    explaining: Any, unit_editor: Any, added: Any
) -> None:
    response = _client(unit_editor).post(reverse("evidence:delete", args=[added.pk]), **JSON)
    assert response.status_code == 400 and response.json()["code"] == "confirm"


def test_a_file_submitted_with_the_assessment_still_cannot_be_deleted(
    explaining: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    response = _client(unit_editor).post(reverse("evidence:delete", args=[stored_pdf.pk]), {"xac_nhan": "1"}, **JSON)
    assert response.status_code == 409 and response.json()["code"] == "file_locked"
    assert EvidenceFile.objects.filter(pk=stored_pdf.pk).exists()


def test_a_file_submitted_before_and_linked_again_in_the_round_stays_locked(
    explaining: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    # linked to another leaf before submission, and to the flagged leaf in the round
    services.evidence_link(evidence_file=stored_pdf, line=line_of(explaining, "2.1.1"), actor=unit_editor)
    with pytest.raises(StateConflict):
        services.evidence_delete(evidence_file=stored_pdf, actor=unit_editor)


def test_a_file_of_a_closed_round_is_no_longer_deleted(
    explaining: Any, unit_editor: Any, unit_head: Any, added: Any
) -> None:
    from appraisal.services import explanation_resubmit, line_explain

    line = line_of(explaining, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung báo cáo.")
    explanation_resubmit(assessment=refresh(explaining), actor=unit_head)
    with pytest.raises(StateConflict):
        services.evidence_delete(evidence_file=added, actor=unit_editor)
    assert EvidenceFile.objects.filter(pk=added.pk).exists()


def test_the_appraiser_sees_which_files_came_with_the_explanation_and_when(
    explaining: Any, unit_editor: Any, unit_head: Any, appraiser: Any, added: Any, stored_pdf: Any
) -> None:
    from appraisal.services import explanation_resubmit, line_explain

    line = line_of(explaining, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung báo cáo.")
    explanation_resubmit(assessment=refresh(explaining), actor=unit_head)
    html = _client(appraiser).get(reverse("appraisal:review", args=[explaining.pk])).content.decode()
    leaf = html[html.index(f'id="line-{line.pk}"'):]
    leaf = leaf[:leaf.index("</article>")]
    files = leaf[leaf.index("review-files"):]
    added_item = files[files.index("Bổ sung.pdf"):]
    added_item = added_item[:added_item.index("</li>")]
    assert "Bổ sung khi giải trình (vòng 1)" in added_item
    assert timezone.localtime(added.uploaded_at).strftime("%d/%m/%Y") in added_item
    submitted_item = files[files.index("Kế hoạch CCHC năm 2020.pdf"):]
    submitted_item = submitted_item[:submitted_item.index("</li>")]
    assert "Bổ sung khi giải trình" not in submitted_item
