"""An integrator's tester's findings on the API: a JSON number with too many decimals, the schema's nullable
appraisal note, bodies sent to endpoints that take none, evidence uploads with two files or line 0, Django's
size limits, list filters, a token's default name, the appraise refusal of an empty value, a second start."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from appraisal.services import explanation_request
from evidence.models import EvidenceFile
from scoring.models import ApiToken, Assessment, AuditEntry
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%findings\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _url(assessment: Any, tail: str) -> str:
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


def _pdf(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- 1. a JSON number with too many decimals ---------------------------------------------------------------


@pytest.mark.parametrize("number", [8.123456789012, 1e-7])
def test_a_json_number_with_too_many_decimals_is_refused_as_the_same_text_is(
    api: Any, assessment: Any, unit_editor: Any, number: float
) -> None:
    line = line_of(assessment, "2.1.1")
    api.force_login(unit_editor)
    answers = [
        api.put(_url(assessment, f"lines/{line.pk}/"),
                {"version": line.version, "value": {"numerator": raw, "denominator": 10}}, format="json")
        for raw in (number, format(Decimal(repr(number)), "f"))
    ]
    as_number, as_text = (a.json() for a in answers)
    assert [a.status_code for a in answers] == [400, 400], as_number
    assert as_number["code"] == as_text["code"] == "too_many_decimals"
    assert as_number["message"] == as_text["message"]
    assert as_number["fields"] == as_text["fields"] == {"value.numerator": [as_number["message"]]}
    line.refresh_from_db()
    assert line.self_value is None


def test_a_json_number_with_a_few_decimals_is_stored_as_it_reads(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "2.1.1")
    api.force_login(unit_editor)
    response = api.put(_url(assessment, f"lines/{line.pk}/"),
                       {"version": line.version, "value": {"numerator": 0.1, "denominator": 0.125}}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["self_value"] == {"numerator": "0.1", "denominator": "0.125"}


# --- 2. the schema: appraised_note is null for the unit's people -------------------------------------------


def test_the_schema_declares_every_field_the_unit_reads_as_null_nullable(api: Any, admin_user: Any) -> None:
    from scoring.api.serializers import APPRAISAL_FIELDS

    api.force_login(admin_user)
    schema = yaml.safe_load(api.get("/api/schema/").content)
    line = schema["components"]["schemas"]["ScoreLine"]["properties"]
    assert {name: line[name].get("nullable", False) for name in APPRAISAL_FIELDS} == dict.fromkeys(
        APPRAISAL_FIELDS, True
    )


# --- 3. endpoints that take no body ------------------------------------------------------------------------


def test_submit_with_a_body_is_refused_and_nothing_is_submitted(
    api: Any, assessment: Any, unit_editor: Any, unit_head: Any
) -> None:
    from tests.appraisal.conftest import self_score

    self_score(assessment, unit_editor)
    api.force_login(unit_head)
    response = api.post(_url(assessment, "submit/"), {"foo": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"foo": ["Trường «foo» không được hỗ trợ."]}
    assert refresh(assessment).state == Assessment.State.DRAFT
    # no body, {} or null are no body at all: the submission itself answers
    for body in (None, {}):
        assert api.post(_url(assessment, "submit/"), body, format="json").json()["code"] != "invalid"


@pytest.mark.parametrize("tail", ["start/", "sign-off/", "areas/{area}/accept/", "lines/{line}/explanation-seen/"])
def test_the_teams_actions_that_take_no_body_refuse_one(api: Any, submitted: Any, lead: Any, tail: str) -> None:
    line = line_of(submitted, "2.1.1")
    area = line.indicator.parent.parent
    api.force_login(lead)
    if "sign-off" in tail or "explanation-seen" in tail:
        assert api.post(_url(submitted, "start/")).status_code == 200
    before = (refresh(submitted).state, AuditEntry.objects.count(), line_of(submitted, "2.1.1").version)
    response = api.post(_url(submitted, tail.format(area=area.pk, line=line.pk)), {"foo": 1, "x": 2}, format="json")
    assert response.status_code == 400, response.json()
    assert set(response.json()["fields"]) == {"foo", "x"}
    assert (refresh(submitted).state, AuditEntry.objects.count(), line_of(submitted, "2.1.1").version) == before


def test_resubmit_with_a_body_is_refused(api: Any, submitted: Any, lead: Any, unit_head: Any) -> None:
    ids = [line_of(submitted, "2.1.1").pk]
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=ids, message="Bổ sung.")
    state = refresh(submitted).state
    api.force_login(unit_head)
    response = api.post(_url(submitted, "resubmit/"), {"foo": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"foo": ["Trường «foo» không được hỗ trợ."]}
    assert refresh(submitted).state == state


# --- 4. evidence upload: two files, line 0 -----------------------------------------------------------------


def test_an_upload_with_two_files_is_refused_and_stores_neither(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.post(
        _url(assessment, "evidence/upload/"),
        {"file": [_pdf("mot.pdf"), _pdf("hai.pdf", PDF + b"%2\n")]}, format="multipart",
    )
    assert response.status_code == 400
    assert "một tệp mỗi yêu cầu" in response.json()["fields"]["file"][0]
    assert not EvidenceFile.objects.exists()


def test_an_upload_to_line_0_is_refused_as_any_unknown_line(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    unknown = api.post(_url(assessment, "evidence/upload/"), {"file": _pdf("a.pdf"), "line_id": 987654},
                       format="multipart")
    zero = api.post(_url(assessment, "evidence/upload/"), {"file": _pdf("a.pdf"), "line_id": 0}, format="multipart")
    assert zero.status_code == unknown.status_code == 404
    assert zero.json()["code"] == unknown.json()["code"]
    assert not EvidenceFile.objects.exists()


# --- 5. Django's size limits -------------------------------------------------------------------------------


def test_a_body_too_large_is_a_413_that_names_the_limit(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    body = json.dumps({"username": "lan", "name": "x" * (3 * 1024 * 1024)})
    response = api.post("/api/v1/tokens/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "2,5 MB" in response.json()["message"]
    assert not ApiToken.objects.exists()
    schema = yaml.safe_load(api.get("/api/schema/").content)
    assert schema["paths"]["/api/v1/tokens/"]["post"]["responses"]["413"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=50)
def test_too_many_form_fields_is_a_400_that_names_the_limit(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    fields = {"username": "lan", **{f"f{i}": "1" for i in range(60)}}
    response = api.post("/api/v1/tokens/", fields)
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_fields"
    assert "50" in response.json()["message"]
    assert not ApiToken.objects.exists()


# --- 6. list filters ---------------------------------------------------------------------------------------


def test_the_assessments_year_filter_naming_no_cycle_is_a_400_like_the_queues(
    api: Any, submitted: Any, lead: Any
) -> None:
    assessment = submitted
    api.force_login(lead)
    listed = api.get("/api/v1/assessments/", {"year": 2099})
    queued = api.get("/api/v1/appraisal/queue/", {"year": 2099})
    assert listed.status_code == queued.status_code == 400
    assert listed.json()["fields"]["year"] == queued.json()["fields"]["year"] == ["Không có kỳ đánh giá năm 2099."]
    assert api.get("/api/v1/assessments/", {"year": assessment.cycle.year}).json()["count"] == 1


@pytest.mark.parametrize("path", ["/api/v1/assessments/", "/api/v1/cycles/", "/api/v1/indicator-sets/"])
def test_a_year_out_of_bounds_is_worded_as_the_queues(api: Any, lead: Any, cycle: Any, path: str) -> None:
    api.force_login(lead)
    for year in ("2101", "1999"):
        listed = api.get(path, {"year": year}).json()["fields"]["year"]
        queued = api.get("/api/v1/appraisal/queue/", {"year": year}).json()["fields"]["year"]
        assert listed == queued
    assert api.get(path, {"year": "2101"}).json()["fields"]["year"] == ["Giá trị phải nhỏ hơn hoặc bằng 2100."]


def test_an_unknown_cycle_id_is_worded_as_the_queues(api: Any, lead: Any, cycle: Any) -> None:
    api.force_login(lead)
    listed = api.get("/api/v1/assessments/", {"cycle": 999}).json()["fields"]["cycle"]
    assert listed == api.get("/api/v1/appraisal/queue/", {"cycle": 999}).json()["fields"]["cycle"]


def test_the_schema_documents_the_year_bounds_and_active_as_a_plain_boolean(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    paths = yaml.safe_load(api.get("/api/schema/").content)["paths"]

    def parameter(path: str, name: str) -> dict[str, Any]:
        return next(p["schema"] for p in paths[path]["get"]["parameters"] if p["name"] == name)

    for path in ("/api/v1/assessments/", "/api/v1/cycles/", "/api/v1/indicator-sets/"):
        year = parameter(path, "year")
        assert (year["type"], year["minimum"], year["maximum"]) == ("integer", 2000, 2100)
    assert parameter("/api/v1/units/", "active") == {"type": "boolean"}


# --- 7. a token's default name -----------------------------------------------------------------------------


def test_a_tokens_default_name_is_stored_in_vietnamese_whatever_the_requests_language(
    api: Any, admin_user: Any, unit_editor: Any
) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/tokens/", {"username": "lan"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    assert ApiToken.objects.get().name == "Mã truy cập của lan"


# --- 8. the appraise refusal of an empty value -------------------------------------------------------------


def test_appraising_with_an_empty_value_names_the_field_as_the_self_score_save(
    api: Any, submitted: Any, lead: Any, unit_editor: Any, assessment: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(lead)
    response = api.post(_url(submitted, f"lines/{line.pk}/appraise/"), {"version": line.version, "value": {}},
                        format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "missing_value"
    assert list(response.json()["fields"]) == ["value.numerator"]
    assert line_of(submitted, "2.1.1").appraised_score is None


# --- 9. a second start -------------------------------------------------------------------------------------


def test_a_second_start_says_the_appraisal_has_started_and_changes_nothing(
    api: Any, submitted: Any, lead: Any
) -> None:
    api.force_login(lead)
    assert api.post(_url(submitted, "start/")).status_code == 200
    entries = AuditEntry.objects.count()
    again = api.post(_url(submitted, "start/"))
    assert again.status_code == 409
    assert again.json()["code"] == "already_started"
    assert "đã được bắt đầu thẩm định" in again.json()["message"]
    assert AuditEntry.objects.count() == entries
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL
