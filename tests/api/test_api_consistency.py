"""The API answers alike wherever it can: a stale line's 409 is documented with the line it carries, a refusal
names the field it is about, a state problem is a 409 (a missing right a 403), 201 only when something was
created, a unit's PATCH can be made conditional, and filters take codes."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from appraisal.models import ExplanationRound
from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import Assessment, AuditEntry, RankingGroup, ScoreLine, Unit
from tests.appraisal.conftest import later, line_of, refresh, self_score, submit
from tests.conftest import _user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%consistency\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _schema(api: Any) -> dict[str, Any]:
    return yaml.safe_load(api.get("/api/schema/").content)


def _pdf(name: str = "ke-hoach.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _upload(assessment: Any, user: Any) -> EvidenceFile:
    from evidence.services import evidence_upload

    return evidence_upload(unit=assessment.unit, cycle=assessment.cycle, uploaded_file=_pdf(), actor=user)


# --- 1. the stale line's 409 is documented with its `current` ----------------------------------------------


def test_a_stale_line_save_sends_the_current_line_the_schema_documents(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    url = f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/"
    answer = api.put(url, {"version": line.version + 3, "value": {"value": True}}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "stale_version"
    sent = set(answer.json())

    schema = _schema(api)
    components = schema["components"]["schemas"]
    for path, method in [
        ("/api/v1/assessments/{assessment_id}/lines/{line_id}/", "put"),
        ("/api/v1/assessments/{assessment_id}/lines/{line_id}/appraise/", "post"),
        ("/api/v1/assessments/{assessment_id}/lines/{line_id}/accept/", "post"),
        ("/api/v1/assessments/{assessment_id}/lines/{line_id}/explain/", "post"),
    ]:
        ref = schema["paths"][path][method]["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
        documented = components[ref.rsplit("/", 1)[1]]
        assert sent <= set(documented["properties"]), (path, sent - set(documented["properties"]))
        assert "current" not in documented.get("required", [])  # a state conflict has none
        current = documented["properties"]["current"]
        line_ref = current.get("$ref") or current["allOf"][0]["$ref"]
        assert line_ref.endswith("/ScoreLine")
    assert set(answer.json()["current"]) == set(components["ScoreLine"]["properties"])


# --- 2. a refusal names its field --------------------------------------------------------------------------


def test_not_applicable_on_a_leaf_that_forbids_it_names_the_field(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    line = line_of(assessment, "1.2.1")  # yes/no: «không phát sinh» is not allowed
    api.force_login(unit_editor)
    answer = api.put(
        f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/",
        {"version": line.version, "not_applicable": True, "not_applicable_reason": "Không có"}, format="json",
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "na_not_allowed"
    assert body["fields"] == {"not_applicable": [body["message"]]}
    assert ScoreLine.objects.get(pk=line.pk).version == line.version


def test_not_applicable_without_a_reason_names_the_reason_field(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.2")  # allows «không phát sinh»
    api.force_login(unit_editor)
    answer = api.put(
        f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/",
        {"version": line.version, "not_applicable": True, "not_applicable_reason": "  "}, format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "na_reason_required"
    assert list(answer.json()["fields"]) == ["not_applicable_reason"]


def test_a_reason_without_not_applicable_names_the_reason_field(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.2")  # allows «không phát sinh»; not marked
    api.force_login(unit_editor)
    answer = api.put(
        f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/",
        {"version": line.version, "not_applicable": False, "not_applicable_reason": "Không có văn bản"}, format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "na_reason_without_na"
    assert list(answer.json()["fields"]) == ["not_applicable"]  # the box to tick (or the reason to clear)
    assert ScoreLine.objects.get(pk=line.pk).version == line.version


def test_an_upload_of_a_refused_type_names_the_file_field(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    for name, content in [("gia.pdf", b"MZ not a pdf"), ("virus.exe", b"MZ")]:
        answer = api.post(
            f"/api/v1/assessments/{assessment.pk}/evidence/upload/", {"file": _pdf(name, content)},
            format="multipart",
        )
        assert answer.status_code == 400, name
        body = answer.json()
        assert body["code"] == "bad_type"
        assert body["fields"] == {"file": [body["message"]]}, name
    assert not EvidenceFile.objects.exists()


# --- 4. request-explanation: `line_ids` ---------------------------------------------------------------------


def _request_explanation(api: Any, assessment: Any, **body: Any) -> Any:
    # with the request's question: a leaf without an appraised score and its reason needs one
    return api.post(
        f"/api/v1/assessments/{assessment.pk}/request-explanation/",
        {"deadline": later().date().isoformat(), "message": "Đề nghị bổ sung tài liệu.", **body}, format="json",
    )


def test_an_empty_line_ids_list_is_refused_on_line_ids_and_changes_nothing(
    api: Any, submitted: Any, lead: Any
) -> None:
    before = AuditEntry.objects.count()
    api.force_login(lead)
    answer = _request_explanation(api, submitted, line_ids=[])
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "nothing_flagged"
    assert body["fields"] == {"line_ids": [body["message"]]}
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ExplanationRound.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_line_of_another_assessment_is_refused_on_line_ids(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    answer = _request_explanation(api, submitted, line_ids=[line_of(submitted, "1.1.1").pk, 999999])
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_line"
    assert list(answer.json()["fields"]) == ["line_ids"]
    assert not ScoreLine.objects.filter(assessment=submitted, explanation_requested=True).exists()


@pytest.mark.parametrize("body", [{}, {"line_ids": None}])
def test_line_ids_omitted_or_null_flags_every_leaf(api: Any, submitted: Any, lead: Any, body: dict[str, Any]) -> None:
    api.force_login(lead)
    answer = _request_explanation(api, submitted, **body)
    assert answer.status_code == 200, answer.json()
    lines = ScoreLine.objects.filter(assessment=submitted)
    assert lines.filter(explanation_requested=True).count() == lines.count()


def test_the_schema_says_what_empty_and_null_line_ids_mean(api: Any) -> None:
    schema = _schema(api)
    text = schema["components"]["schemas"]["ExplanationRequestRequest"]["properties"]["line_ids"]["description"]
    assert "null" in text and "[]" in text and "nothing_flagged" in text


# --- 3. the evidence API: 409 for a state problem, 403 for a missing right ----------------------------------


@pytest.fixture
def sent(assessment: Any, unit_editor: Any, unit_head: Any) -> Any:
    """The unit's assessment, submitted, with a file in its library linked to a leaf before it was sent."""
    evidence_file = _upload(assessment, unit_editor)
    from evidence.services import evidence_link

    evidence_link(evidence_file=evidence_file, line=line_of(assessment, "1.1.1"), actor=unit_editor)
    self_score(assessment, unit_editor)
    return submit(assessment, unit_head), evidence_file


def test_the_evidence_api_answers_409_with_the_state_code_once_the_assessment_is_sent(
    api: Any, sent: Any, unit_editor: Any
) -> None:
    assessment, evidence_file = sent
    before = (EvidenceFile.objects.count(), EvidenceLink.objects.count(), AuditEntry.objects.count())
    api.force_login(unit_editor)
    base = f"/api/v1/assessments/{assessment.pk}/evidence/"
    link = {"file_id": evidence_file.pk, "line_id": line_of(assessment, "1.2.1").pk}
    answers = {
        "upload": api.post(base + "upload/", {"file": _pdf("moi.pdf", PDF + b"%new\n")}, format="multipart"),
        "link": api.post(base + "link/", link, format="json"),
        "unlink": api.post(base + "unlink/", {**link, "line_id": line_of(assessment, "1.1.1").pk}, format="json"),
        "delete": api.delete(f"/api/v1/evidence/{evidence_file.pk}/"),
    }
    for what, answer in answers.items():
        assert answer.status_code == 409, (what, answer.json())
        assert answer.json()["code"] == "not_editable", what
    assert (EvidenceFile.objects.count(), EvidenceLink.objects.count(), AuditEntry.objects.count()) == before


def test_evidence_on_a_leaf_not_flagged_in_an_explanation_round_is_409_not_flagged(
    api: Any, sent: Any, unit_editor: Any, lead: Any, team: Any
) -> None:
    assessment, evidence_file = sent
    api.force_login(lead)
    flagged, other = line_of(assessment, "1.2.1"), line_of(assessment, "1.2.2")
    assert _request_explanation(api, assessment, line_ids=[flagged.pk]).status_code == 200
    api.force_login(unit_editor)
    base = f"/api/v1/assessments/{assessment.pk}/evidence/"
    before = (EvidenceFile.objects.count(), EvidenceLink.objects.count())
    upload = api.post(base + "upload/", {"file": _pdf("moi.pdf", PDF + b"%new\n"), "line_id": other.pk},
                      format="multipart")
    link = api.post(base + "link/", {"file_id": evidence_file.pk, "line_id": other.pk}, format="json")
    for answer in (upload, link):
        assert answer.status_code == 409, answer.json()
        assert answer.json()["code"] == "not_flagged"
    assert (EvidenceFile.objects.count(), EvidenceLink.objects.count()) == before
    # the flagged leaf takes its evidence
    assert api.post(base + "link/", {"file_id": evidence_file.pk, "line_id": flagged.pk},
                    format="json").status_code == 200


def test_the_evidence_api_still_answers_403_to_someone_without_the_right(
    api: Any, sent: Any, lead: Any, team: Any
) -> None:
    assessment, evidence_file = sent
    api.force_login(lead)  # sees the submitted assessment; never changes the unit's library
    base = f"/api/v1/assessments/{assessment.pk}/evidence/"
    link = {"file_id": evidence_file.pk, "line_id": line_of(assessment, "1.2.1").pk}
    assert api.post(base + "upload/", {"file": _pdf()}, format="multipart").status_code == 403
    assert api.post(base + "link/", link, format="json").status_code == 403
    assert api.delete(f"/api/v1/evidence/{evidence_file.pk}/").status_code == 403
    assert EvidenceFile.objects.count() == 1


def test_the_evidence_schema_documents_the_state_409(api: Any) -> None:
    paths = _schema(api)["paths"]
    for path, method in [
        ("/api/v1/assessments/{assessment_id}/evidence/upload/", "post"),
        ("/api/v1/assessments/{assessment_id}/evidence/link/", "post"),
        ("/api/v1/assessments/{assessment_id}/evidence/unlink/", "post"),
        ("/api/v1/evidence/{file_id}/", "delete"),
    ]:
        assert "not_editable" in paths[path][method]["responses"]["409"]["description"], path


# --- 5. 201 only when something was created -----------------------------------------------------------------


def test_uploading_the_same_file_again_answers_200_with_the_existing_file(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    api.force_login(unit_editor)
    url = f"/api/v1/assessments/{assessment.pk}/evidence/upload/"
    first = api.post(url, {"file": _pdf()}, format="multipart")
    again = api.post(url, {"file": _pdf("ban-sao.pdf")}, format="multipart")
    assert first.status_code == 201, first.json()
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert EvidenceFile.objects.count() == 1
    responses = _schema(api)["paths"]["/api/v1/assessments/{assessment_id}/evidence/upload/"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)


def test_opening_units_already_taking_part_answers_200_with_nothing_created(
    api: Any, admin_user: Any, cycle: Any
) -> None:
    api.force_login(admin_user)
    url = "/api/v1/cycles/2020/units/"
    first = api.post(url, {"units": ["so-y-te"]}, format="json")
    again = api.post(url, {"units": ["so-y-te"]}, format="json")
    assert first.status_code == 201 and len(first.json()["created"]) == 1
    assert again.status_code == 200 and again.json() == {"created": []}
    assert Assessment.objects.filter(cycle=cycle).count() == 1
    responses = _schema(api)["paths"]["/api/v1/cycles/{year}/units/"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)


# --- 6. a unit's PATCH with If-Match ------------------------------------------------------------------------


def test_a_unit_answers_its_etag_and_a_patch_with_the_current_one_is_saved(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    read = api.get("/api/v1/units/so-y-te/")
    etag = read["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    saved = api.patch("/api/v1/units/so-y-te/", {"short_name": "Y tế TG"}, format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200, saved.json()
    assert saved["ETag"] != etag
    assert api.get("/api/v1/units/so-y-te/")["ETag"] == saved["ETag"]
    assert Unit.objects.get(code="so-y-te").short_name == "Y tế TG"


def test_a_patch_on_a_unit_a_colleague_changed_since_is_refused_with_412(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    etag = api.get("/api/v1/units/so-y-te/")["ETag"]
    colleague = api.patch("/api/v1/units/so-y-te/", {"name": "Sở Y tế tỉnh"}, format="json", HTTP_IF_MATCH=etag)
    assert colleague.status_code == 200
    before = AuditEntry.objects.count()
    mine = api.patch("/api/v1/units/so-y-te/", {"name": "Sở Y Tế"}, format="json", HTTP_IF_MATCH=etag)
    assert mine.status_code == 412
    body = mine.json()
    assert body["code"] == "stale" and body["fields"] == {}
    assert "người khác" in body["message"]
    assert body["current"]["name"] == "Sở Y tế tỉnh"
    assert mine["ETag"] == colleague["ETag"]
    assert Unit.objects.get(code="so-y-te").name == "Sở Y tế tỉnh"
    assert AuditEntry.objects.count() == before


def test_the_tag_of_a_compressed_answer_works_as_if_match(api: Any, admin_user: Any) -> None:
    """A client that accepts gzip reads the tag marked weak by the compression: sent back, it names the same unit."""
    api.force_login(admin_user)
    stale = api.patch("/api/v1/units/so-y-te/", {"short_name": "X"}, format="json", HTTP_IF_MATCH='"old"',
                      HTTP_ACCEPT_ENCODING="gzip")
    assert stale.status_code == 412
    assert stale["Content-Encoding"] == "gzip" and stale["ETag"].startswith('W/"')
    retried = api.patch("/api/v1/units/so-y-te/", {"short_name": "X"}, format="json",
                        HTTP_IF_MATCH=f'"elsewhere", {stale["ETag"]}')
    assert retried.status_code == 200
    assert Unit.objects.get(code="so-y-te").short_name == "X"


def test_a_patch_without_if_match_or_with_a_star_still_saves(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    assert api.patch("/api/v1/units/so-y-te/", {"short_name": "A"}, format="json").status_code == 200
    star = api.patch("/api/v1/units/so-y-te/", {"short_name": "B"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200
    assert Unit.objects.get(code="so-y-te").short_name == "B"


def test_the_schema_documents_the_etag_and_if_match(api: Any) -> None:
    item = _schema(api)["paths"]["/api/v1/units/{code}/"]
    headers = [p for p in item["patch"]["parameters"] if p["in"] == "header"]
    assert [(p["name"], p.get("required", False)) for p in headers] == [("If-Match", False)]
    assert "412" in item["patch"]["responses"]
    assert "ETag" in item["patch"]["responses"]["200"]["headers"]
    assert "ETag" in item["get"]["responses"]["200"]["headers"]


# --- 7. the queue's filters take codes ----------------------------------------------------------------------


def test_the_queue_filters_by_ranking_group_code_or_id_and_by_year(
    api: Any, submitted: Any, lead: Any, cycle: Any
) -> None:
    api.force_login(lead)
    group = submitted.unit.ranking_group
    other = RankingGroup.objects.exclude(pk=group.pk).first()
    url = "/api/v1/appraisal/queue/"

    def ids(**query: Any) -> list[int]:
        answer = api.get(url, query)
        assert answer.status_code == 200, answer.json()
        return [row["assessment"]["id"] for row in answer.json()["rows"]]

    assert ids(group=group.code) == ids(group=group.pk) == [submitted.pk]
    assert ids(group=other.code) == ids(group=other.pk) == []
    assert ids(year=2020) == ids(cycle=cycle.pk) == [submitted.pk]
    assert ids(year=2020, cycle=cycle.pk) == [submitted.pk]
    unknown = api.get(url, {"group": "khong-co", "year": 2019})
    assert unknown.status_code == 400
    assert set(unknown.json()["fields"]) == {"group", "year"}
    assert set(api.get(url, {"year": 2019}).json()["fields"]) == {"year"}
    assert set(api.get(url, {"year": 2021, "cycle": cycle.pk}).json()["fields"]) == {"year"}
    params = {p["name"]: p for p in _schema(api)["paths"][url]["get"]["parameters"]}
    assert params["group"]["schema"]["type"] == "string" and "year" in params


def test_the_queue_with_a_group_filter_is_still_refused_to_the_unit(api: Any, submitted: Any) -> None:
    api.force_login(_user("vy", "unit_editor", "so-y-te"))
    assert api.get("/api/v1/appraisal/queue/", {"group": "so-ban-nganh"}).status_code == 403
