from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.appraisal.conftest import appraise_all, line_of, self_score, submit
from tests.conftest import SMALL_SET_VALUES, _user

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(assessment: Any, unit_editor: Any, unit_head: Any, team: Any) -> Any:
    self_score(assessment, unit_editor)
    return submit(assessment, unit_head)


def test_an_appraiser_appraises_a_line_of_their_area(api: Any, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    value, expected = SMALL_SET_VALUES["2.1.1"]
    api.force_login(appraiser)
    response = api.post(
        f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/appraise/",
        {"version": line.version, "value": value}, format="json",
    )
    assert response.status_code == 200, response.json()
    assert Decimal(response.json()["appraised_score"]) == expected


def test_an_appraiser_may_not_appraise_a_line_outside_their_area(api: Any, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "1.2.1")
    api.force_login(appraiser)
    response = api.post(
        f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/appraise/",
        {"version": line.version, "value": {"value": True}}, format="json",
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.appraised_score is None


def test_a_differing_appraisal_without_a_reason_is_a_400_field_error(api: Any, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(appraiser)
    response = api.post(
        f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/appraise/",
        {"version": line.version, "value": {"numerator": 10, "denominator": 100}}, format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"
    assert "note" in response.json()["fields"]


def test_the_lead_signs_off_a_fully_appraised_assessment(api: Any, submitted: Any, lead: Any) -> None:
    appraise_all(submitted, lead)
    api.force_login(lead)
    response = api.post(f"/api/v1/assessments/{submitted.pk}/sign-off/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "signed_off"


def test_an_appraiser_who_is_not_the_lead_may_not_sign_off(api: Any, submitted: Any, appraiser: Any, lead: Any) -> None:
    appraise_all(submitted, lead)
    api.force_login(appraiser)
    assert api.post(f"/api/v1/assessments/{submitted.pk}/sign-off/").status_code == 403
    submitted.refresh_from_db()
    assert submitted.state != "signed_off"


def _evidence(assessment: Any, user: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.services import evidence_upload

    upload = SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                                content_type="application/pdf")
    return evidence_upload(unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload, actor=user)


def test_the_unit_lists_and_downloads_its_evidence(api: Any, assessment: Any, unit_editor: Any) -> None:
    evidence_file = _evidence(assessment, unit_editor)
    api.force_login(unit_editor)
    listed = api.get(f"/api/v1/assessments/{assessment.pk}/evidence/")
    assert listed.status_code == 200
    assert [f["original_name"] for f in listed.json()] == ["ke-hoach.pdf"]
    response = api.get(f"/api/v1/evidence/{evidence_file.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_unit_cannot_list_or_download_the_evidence(api: Any, assessment: Any, unit_editor: Any) -> None:
    evidence_file = _evidence(assessment, unit_editor)
    api.force_login(_user("khoa", "unit_editor", "so-tu-phap"))
    assert api.get(f"/api/v1/assessments/{assessment.pk}/evidence/").status_code == 404
    response = api.get(f"/api/v1/evidence/{evidence_file.pk}/download/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_published_results_are_public(api: Any, cycle: Any) -> None:
    from scoring.models import Publication

    snapshot = {
        "groups": [{"code": "so", "name": "Sở, ban, ngành"}],
        "rows": [{"unit_code": "so-y-te", "unit_name": "Sở Y tế", "group_code": "so", "index": "88.50",
                  "rank": 1, "classification": "Khá"}],
    }
    Publication.objects.create(cycle=cycle, revision=1, document_number="12/QĐ-UBND", document_date=date(2021, 3, 1),
                               snapshot=snapshot, published_at=timezone.now())
    assert [r["year"] for r in api.get("/api/v1/results/").json()] == [2020]
    body = api.get("/api/v1/results/2020/").json()
    assert body["groups"][0]["rows"][0]["unit_code"] == "so-y-te"


def test_an_unpublished_year_is_a_404(api: Any, cycle: Any) -> None:
    response = api.get("/api/v1/results/2020/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_administrator_issues_a_token_that_acts_as_its_user(
    api: Any, admin_user: Any, unit_editor: Any, assessment: Any
) -> None:
    from rest_framework.test import APIClient

    from scoring.models import AuditEntry

    api.force_login(admin_user)
    response = api.post("/api/v1/tokens/", {"username": "lan"}, format="json")
    assert response.status_code == 201
    token = response.json()["token"]
    assert AuditEntry.objects.filter(action="api_token.issue", object_id=str(unit_editor.pk)).exists()
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [a["id"] for a in system.get("/api/v1/assessments/").json()["results"]] == [assessment.pk]
    assert api.post("/api/v1/tokens/revoke/", {"username": "lan"}, format="json").status_code == 204
    refused = system.get("/api/v1/assessments/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"


def test_a_non_administrator_may_not_issue_or_revoke_tokens(api: Any, unit_head: Any, unit_editor: Any) -> None:
    from scoring.models import ApiToken

    api.force_login(unit_head)
    assert api.post("/api/v1/tokens/", {"username": "lan"}, format="json").status_code == 403
    assert api.post("/api/v1/tokens/revoke/", {"username": "lan"}, format="json").status_code == 403
    assert not ApiToken.objects.exists()


def test_issuing_a_token_for_an_unknown_user_is_a_field_error(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/tokens/", {"username": "nobody"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["fields"]


def test_the_lead_returns_chosen_lines_for_explanation(api: Any, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.1")
    api.force_login(lead)
    response = api.post(
        f"/api/v1/assessments/{submitted.pk}/request-explanation/",
        {"deadline": (timezone.localdate() + timedelta(days=30)).isoformat(), "line_ids": [line.pk],
         "message": "Bổ sung tài liệu."}, format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "explanation"
    line.refresh_from_db()
    assert line.explanation_requested


def test_a_bad_explanation_deadline_is_a_400_field_error(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.post(
        f"/api/v1/assessments/{submitted.pk}/request-explanation/", {"deadline": "mai"}, format="json"
    )
    assert response.status_code == 400
    assert "deadline" in response.json()["fields"]
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_an_appraiser_may_not_return_for_explanation(api: Any, submitted: Any, appraiser: Any) -> None:
    api.force_login(appraiser)
    response = api.post(
        f"/api/v1/assessments/{submitted.pk}/request-explanation/", {"deadline": "2030-01-31"}, format="json"
    )
    assert response.status_code == 403


def test_an_administrator_reopens_a_signed_off_assessment_with_a_reason(
    api: Any, submitted: Any, lead: Any, admin_user: Any
) -> None:
    from appraisal.services import assessment_sign_off

    appraise_all(submitted, lead)
    assessment_sign_off(assessment=submitted, actor=lead)
    api.force_login(admin_user)
    refused = api.post(f"/api/v1/assessments/{submitted.pk}/reopen/", {"reason": " "}, format="json")
    assert refused.status_code == 400
    response = api.post(f"/api/v1/assessments/{submitted.pk}/reopen/", {"reason": "Sai số liệu 2.1.1"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_appraisal"


def test_the_lead_may_not_reopen(api: Any, submitted: Any, lead: Any) -> None:
    from appraisal.services import assessment_sign_off

    appraise_all(submitted, lead)
    assessment_sign_off(assessment=submitted, actor=lead)
    api.force_login(lead)
    assert api.post(f"/api/v1/assessments/{submitted.pk}/reopen/", {"reason": "x"}, format="json").status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == "signed_off"


PDF = b"%PDF-1.4\n%api\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_unit_uploads_a_file_and_links_it_to_a_line(api: Any, assessment: Any, unit_editor: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.models import EvidenceLink

    line = line_of(assessment, "1.1.1")
    api.force_login(unit_editor)
    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/evidence/upload/",
        {"file": SimpleUploadedFile("qd-ke-hoach.pdf", PDF, content_type="application/pdf"), "line_id": line.pk},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["original_name"] == "qd-ke-hoach.pdf"
    assert EvidenceLink.objects.filter(score_line=line, evidence_file_id=response.json()["id"]).exists()


def test_a_file_whose_content_is_not_its_type_is_refused(api: Any, assessment: Any, unit_editor: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.models import EvidenceFile

    api.force_login(unit_editor)
    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/evidence/upload/",
        {"file": SimpleUploadedFile("gia.pdf", b"MZ not a pdf", content_type="application/pdf")}, format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_type"
    assert not EvidenceFile.objects.exists()


def test_an_appraiser_may_not_upload_into_a_units_library(
    api: Any, submitted: Any, appraiser: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    api.force_login(appraiser)
    response = api.post(
        f"/api/v1/assessments/{submitted.pk}/evidence/upload/",
        {"file": SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")}, format="multipart",
    )
    assert response.status_code == 403


def test_the_unit_links_a_library_file_to_a_line(api: Any, assessment: Any, unit_editor: Any) -> None:
    from evidence.models import EvidenceLink

    evidence_file = _evidence(assessment, unit_editor)
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/evidence/link/", {"file_id": evidence_file.pk, "line_id": line.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert EvidenceLink.objects.filter(score_line=line, evidence_file=evidence_file).exists()


def test_another_unit_may_not_link_files(api: Any, assessment: Any, unit_editor: Any) -> None:
    from evidence.models import EvidenceLink

    evidence_file = _evidence(assessment, unit_editor)
    line = line_of(assessment, "1.2.1")
    api.force_login(_user("khoa", "unit_editor", "so-tu-phap"))
    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/evidence/link/", {"file_id": evidence_file.pk, "line_id": line.pk},
        format="json",
    )
    assert response.status_code == 404
    assert not EvidenceLink.objects.exists()


def test_the_unit_reads_its_lines_without_the_appraisal_in_progress(
    api: Any, submitted: Any, unit_editor: Any, lead: Any
) -> None:
    """The team's work is the team's until sign-off: the unit hears of it through an explanation request."""
    from scoring.models import ScoreLine

    line = line_of(submitted, "2.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=Decimal("0.25"), appraised_note="Thiếu kế hoạch")
    api.force_login(lead)
    team_view = api.get(f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/").json()
    assert team_view["appraised_note"] == "Thiếu kế hoạch"
    api.force_login(unit_editor)
    for body in ([api.get(f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/").json()],
                 api.get(f"/api/v1/assessments/{submitted.pk}/lines/").json()):
        for row in body:
            assert (row["appraised_value"], row["appraised_score"], row["appraised_note"]) == (None, None, None)
    assert api.get(f"/api/v1/assessments/{submitted.pk}/lines/{line.pk}/").json()["self_score"] is not None


def test_an_api_save_that_leaves_out_the_value_keeps_the_score(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    url = f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/"
    scored = api.put(url, {"version": line.version, "value": {"value": True}}, format="json")
    assert scored.status_code == 200, scored.json()
    noted = api.put(url, {"version": scored.json()["version"], "note": "chỉ ghi chú"}, format="json")
    assert noted.status_code == 200, noted.json()
    assert (noted.json()["self_score"], noted.json()["self_note"]) == (scored.json()["self_score"], "chỉ ghi chú")
    cleared = api.put(url, {"version": noted.json()["version"], "value": None}, format="json")
    assert cleared.json()["self_score"] is None  # null clears, as documented
