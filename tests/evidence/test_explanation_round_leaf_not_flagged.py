"""During an explanation round, evidence sent to (or taken from) a leaf the round does not flag is refused as the
leaf's explanation is: 409 `not_flagged`, «Tiêu chí này không nằm trong yêu cầu giải trình.», not a missing right;
nothing changes. The flagged leaf still takes its evidence, and someone outside the unit is still refused (403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from evidence import services
from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import AuditEntry
from tests.appraisal.conftest import flagged_line, line_of, refresh, self_score
from tests.appraisal.conftest import submit as submit_assessment
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.evidence import samples
from tests.evidence.conftest import stored_files, upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
NOT_FLAGGED = "Tiêu chí này không nằm trong yêu cầu giải trình."


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def explaining(assessment: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any, stored_pdf: Any) -> Any:
    """Sở Y tế submitted with «Kế hoạch CCHC năm 2020.pdf» on 2.1.1 and 2.1.2; only 2.1.1 returned for an
    explanation."""
    self_score(assessment, unit_editor)
    for code in ("2.1.1", "2.1.2"):
        services.evidence_link(evidence_file=stored_pdf, line=line_of(assessment, code), actor=unit_editor)
    submit_assessment(assessment, unit_head)
    flagged_line(assessment, lead, "2.1.1")
    return refresh(assessment)


def _counts() -> tuple[int, int, int]:
    return EvidenceFile.objects.count(), EvidenceLink.objects.count(), AuditEntry.objects.count()


def test_an_upload_to_a_leaf_not_flagged_says_so_and_stores_nothing(
    explaining: Any, unit_editor: Any, media_root: Any
) -> None:
    before, on_disk = _counts(), stored_files(media_root)
    response = _client(unit_editor).post(
        reverse("evidence:upload", args=[explaining.pk]),
        {"files": [upload("Bổ sung.pdf", samples.pdf("bo sung"))], "line_id": line_of(explaining, "2.1.2").pk},
        **JSON,
    )
    assert response.status_code == 409, response.content
    assert response.json()["ok"] is False
    assert response.json()["code"] == "not_flagged"
    assert response.json()["message"] == NOT_FLAGGED
    assert _counts() == before
    assert stored_files(media_root) == on_disk  # no new content, no temporary file left


def test_unlinking_from_a_leaf_not_flagged_says_so_and_keeps_the_link(
    explaining: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    before = _counts()
    response = _client(unit_editor).post(
        reverse("evidence:unlink", args=[explaining.pk]),
        {"file_id": stored_pdf.pk, "line_id": line_of(explaining, "2.1.2").pk}, **JSON,
    )
    assert response.status_code == 409, response.content
    assert response.json() == {"ok": False, "code": "not_flagged", "message": NOT_FLAGGED}
    assert _counts() == before


def test_linking_to_a_leaf_not_flagged_says_so_in_english_too(
    explaining: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    before = _counts()
    client = _client(unit_editor)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("evidence:link", args=[explaining.pk]),
        {"file_id": stored_pdf.pk, "line_id": line_of(explaining, "1.1.1").pk}, **JSON,
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "not_flagged"
    with translation.override("en"):
        assert response.json()["message"] == translation.gettext(NOT_FLAGGED) != NOT_FLAGGED
    assert _counts() == before


def test_a_plain_form_unlink_from_a_leaf_not_flagged_comes_back_with_the_reason(
    explaining: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    library = reverse("evidence:library", args=[explaining.pk])
    response = _client(unit_editor).post(
        reverse("evidence:unlink", args=[explaining.pk]),
        {"file_id": stored_pdf.pk, "line_id": line_of(explaining, "2.1.2").pk, "next": library}, follow=True,
    )
    assert response.redirect_chain[-1][0] == library
    assert NOT_FLAGGED in response.content.decode()
    assert EvidenceLink.objects.filter(evidence_file=stored_pdf, score_line=line_of(explaining, "2.1.2")).exists()


def test_the_flagged_leaf_still_takes_its_upload(explaining: Any, unit_editor: Any) -> None:
    response = _client(unit_editor).post(
        reverse("evidence:upload", args=[explaining.pk]),
        {"files": [upload("Bổ sung.pdf", samples.pdf("bo sung"))], "line_id": line_of(explaining, "2.1.1").pk},
        **JSON,
    )
    assert response.status_code == 200, response.content
    assert EvidenceLink.objects.filter(evidence_file__original_name="Bổ sung.pdf").count() == 1


def test_someone_outside_the_unit_is_still_refused_for_the_right(
    explaining: Any, lead: Any, stored_pdf: Any
) -> None:
    before = _counts()
    response = _client(lead).post(
        reverse("evidence:unlink", args=[explaining.pk]),
        {"file_id": stored_pdf.pk, "line_id": line_of(explaining, "2.1.2").pk}, **JSON,
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert _counts() == before
