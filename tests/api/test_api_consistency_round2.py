"""The API answers alike, second round: one name per input of a line's value, an empty upload says `empty`, the
queue's and the assessments' filters name what they cannot find, the schema documents what each operation
really takes and answers, the audit log says «mã truy cập», and an unlink of a file not linked stays a 409."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import AuditEntry, Indicator, ScoreLine, Unit
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%round2\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Stored evidence goes to a temporary folder, never the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _schema(api: Any) -> dict[str, Any]:
    return yaml.safe_load(api.get("/api/schema/").content)


def _line_url(assessment: Any, line: Any, action: str = "") -> str:
    return f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/{action}"


# --- 1. one name per input of a line's value ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "field"),
    [
        ("2.1.1", {"numerator": "abc", "denominator": 100}, "value.numerator"),
        ("1.2.2", {"counts": {"a": "-1", "b": 2, "c": 1}}, "value.counts.a"),
        ("1.2.1", {"value": "abc"}, "value.value"),
    ],
)
def test_a_self_score_input_the_rule_refuses_is_named_by_its_path_in_the_value(
    api: Any, assessment: Any, unit_editor: Any, code: str, value: dict[str, Any], field: str
) -> None:
    # given
    line = line_of(assessment, code)
    api.force_login(unit_editor)
    # when
    answer = api.put(_line_url(assessment, line), {"version": line.version, "value": value}, format="json")
    # then
    assert answer.status_code == 400, answer.json()
    body = answer.json()
    assert body["fields"] == {field: [body["message"]]}
    assert ScoreLine.objects.get(pk=line.pk).version == line.version  # nothing saved


def test_an_unknown_key_and_a_refused_input_use_the_same_scheme(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.2")
    api.force_login(unit_editor)
    unknown = api.put(
        _line_url(assessment, line), {"version": line.version, "value": {"counts": {"a": 1, "b": 1, "c": 1, "d": 1}}},
        format="json",
    )
    refused = api.put(
        _line_url(assessment, line), {"version": line.version, "value": {"counts": {"a": "x", "b": 1, "c": 1}}},
        format="json",
    )
    assert set(unknown.json()["fields"]) == {"value.counts.d"}
    assert set(refused.json()["fields"]) == {"value.counts.a"}


def test_an_appraised_input_the_rule_refuses_is_named_by_its_path_in_the_value(
    api: Any, submitted: Any, appraiser: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(appraiser)
    answer = api.post(
        _line_url(submitted, line, "appraise/"),
        {"version": line.version, "value": {"numerator": 50, "denominator": "x"}, "note": "Sai số liệu"},
        format="json",
    )
    assert answer.status_code == 400, answer.json()
    assert answer.json()["fields"] == {"value.denominator": [answer.json()["message"]]}
    assert ScoreLine.objects.get(pk=line.pk).appraised_score is None


# --- 2. an empty upload ---------------------------------------------------------------------------------------


def test_an_empty_upload_is_refused_as_empty_on_the_file_field(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    answer = api.post(
        f"/api/v1/assessments/{assessment.pk}/evidence/upload/",
        {"file": SimpleUploadedFile("rong.pdf", b"", content_type="application/pdf")}, format="multipart",
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "empty"
    assert body["fields"] == {"file": [body["message"]]}
    assert "rong.pdf" in body["message"]
    assert not EvidenceFile.objects.exists()


# --- 3. the queue's cycle and area ------------------------------------------------------------------------------


def test_the_queue_refuses_an_unknown_cycle_id_as_a_field_error(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    answer = api.get("/api/v1/appraisal/queue/", {"cycle": 999999})
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"cycle"}
    both = api.get("/api/v1/appraisal/queue/", {"cycle": 999999, "group": "khong-co"})
    assert both.status_code == 400 and set(both.json()["fields"]) == {"cycle", "group"}


def test_the_queue_takes_an_area_by_code_or_id_and_refuses_an_unknown_one(
    api: Any, submitted: Any, appraiser: Any, small_set: Any
) -> None:
    api.force_login(appraiser)
    url = "/api/v1/appraisal/queue/"

    def ids(**query: Any) -> list[int]:
        answer = api.get(url, query)
        assert answer.status_code == 200, answer.json()
        return [row["assessment"]["id"] for row in answer.json()["rows"]]

    area = Indicator.objects.get(indicator_set=small_set, code="2")
    assert ids(area="2") == [submitted.pk]
    if str(area.pk) not in {"1", "2"}:  # an id that is also an area's code is read as the code
        assert ids(area=area.pk) == [submitted.pk]
    assert ids(area="1") == []  # an area of the set, not assigned to this appraiser: no rows, no error
    unknown = api.get(url, {"area": "99"})
    assert unknown.status_code == 400
    assert set(unknown.json()["fields"]) == {"area"}
    leaf = Indicator.objects.get(indicator_set=small_set, code="2.1.1")  # an id, but not of an area
    assert set(api.get(url, {"area": leaf.pk}).json()["fields"]) == {"area"}


# --- 4. the assessments' unit filter --------------------------------------------------------------------------


def test_the_assessment_list_filters_by_unit_code_or_id(api: Any, assessment: Any, admin_user: Any) -> None:
    api.force_login(admin_user)

    def ids(**query: Any) -> list[int]:
        answer = api.get("/api/v1/assessments/", query)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    other = Unit.objects.exclude(pk=assessment.unit_id).first()
    assert ids(unit=assessment.unit.code) == ids(unit=assessment.unit_id) == [assessment.pk]
    assert ids(unit=other.pk) == []
    unknown = api.get("/api/v1/assessments/", {"unit": 999999})
    assert unknown.status_code == 400
    assert list(unknown.json()["fields"]) == ["unit"]
    assert "999999" in unknown.json()["fields"]["unit"][0]


# --- 5. the schema ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/assessments/", "/api/v1/units/", "/api/v1/cycles/", "/api/v1/tokens/"])
def test_every_paginated_list_documents_page_and_page_size_in_vietnamese_with_bounds(
    api: Any, unit_editor: Any, path: str
) -> None:
    api.force_login(unit_editor)
    params = {p["name"]: p for p in _schema(api)["paths"][path]["get"]["parameters"]}
    page, size = params["page"], params["page_size"]
    assert page["schema"]["minimum"] == 1
    assert (size["schema"]["minimum"], size["schema"]["maximum"]) == (1, 500)
    assert "Trang" in page["description"] and "Số dòng mỗi trang" in size["description"]


def test_reading_a_line_documents_only_what_a_read_answers(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    item = _schema(api)["paths"]["/api/v1/assessments/{assessment_id}/lines/{line_id}/"]
    assert not {"400", "403", "409"} & set(item["get"]["responses"])
    assert {"400", "403", "409"} <= set(item["put"]["responses"])


def test_a_unit_reads_with_its_parent_code_and_proper_titles(api: Any, assessment: Any, unit_editor: Any) -> None:
    parent = Unit.objects.get(code="so-tu-phap")
    Unit.objects.filter(code="so-y-te").update(parent=parent)
    api.force_login(unit_editor)
    unit = api.get("/api/v1/units/so-y-te/").json()
    assert (unit["parent"], unit["parent_code"]) == (parent.pk, "so-tu-phap")  # the id kept, the code added
    assert api.get(f"/api/v1/assessments/{assessment.pk}/").json()["unit"]["parent_code"] == "so-tu-phap"
    props = _schema(api)["components"]["schemas"]["Unit"]["properties"]
    assert props["parent_code"]["type"] == "string" and props["parent_code"]["nullable"]
    assert props["kind"]["title"] != "Mã" and props["ranking_group"]["title"] != "Mã"


def test_listing_units_costs_the_same_queries_with_or_without_parents(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    with CaptureQueriesContext(connection) as without:
        assert api.get("/api/v1/units/").status_code == 200
    parent = Unit.objects.get(code="so-tu-phap")
    Unit.objects.exclude(pk=parent.pk).update(parent=parent)
    with CaptureQueriesContext(connection) as with_parents:
        units = api.get("/api/v1/units/").json()["results"]
    assert len(with_parents.captured_queries) == len(without.captured_queries)
    assert {u["parent_code"] for u in units if u["code"] != "so-tu-phap"} == {"so-tu-phap"}


# --- 6. the audit log's words for tokens ---------------------------------------------------------------------


def test_the_audit_log_calls_tokens_ma_truy_cap(admin_user: Any, unit_editor: Any) -> None:
    from scoring.administration.audit_labels import action_codes_matching, labelled
    from scoring.tokens import api_token_issue, api_token_revoke

    issued = api_token_issue(user=unit_editor, role=None, name="Hệ thống báo cáo", actor=admin_user)
    api_token_revoke(token=issued.token, actor=admin_user)
    entries = labelled(AuditEntry.objects.filter(action__startswith="api_token.").order_by("pk"))
    assert [e.action_label for e in entries] == ["Cấp mã truy cập", "Thu hồi mã truy cập"]
    assert "Mã truy cập" in [row[1] for row in entries[0].change_rows]
    assert "khoá API" not in " ".join(e.action_label for e in entries).lower()
    assert set(action_codes_matching("mã truy cập")) >= {"api_token.issue", "api_token.revoke"}


# --- 7. unlink twice --------------------------------------------------------------------------------------------


def test_an_unlink_sent_twice_is_refused_the_second_time_as_the_page_does(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    from evidence.services import evidence_link, evidence_upload

    evidence_file = evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, actor=unit_editor,
        uploaded_file=SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="application/pdf"),
    )
    line = line_of(assessment, "1.1.1")
    evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    api.force_login(unit_editor)
    body = {"file_id": evidence_file.pk, "line_id": line.pk}
    url = f"/api/v1/assessments/{assessment.pk}/evidence/unlink/"
    assert api.post(url, body, format="json").status_code == 204
    audits = AuditEntry.objects.filter(action="evidence.unlink").count()
    again = api.post(url, body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_linked"
    assert AuditEntry.objects.filter(action="evidence.unlink").count() == audits  # nothing said removed
    assert not EvidenceLink.objects.exists()
    operation = _schema(api)["paths"]["/api/v1/assessments/{assessment_id}/evidence/unlink/"]["post"]
    assert "not_linked" in operation["responses"]["409"]["description"]


def test_a_filter_holding_a_nul_character_is_a_field_error_not_a_server_error(
    api: Any, admin_user: Any, lead: Any, submitted: Any
) -> None:
    """PostgreSQL takes no NUL in a query: a code or id filter naming one is refused as naming nothing."""
    api.force_login(admin_user)
    answer = api.get("/api/v1/assessments/", {"unit": "so-y\x00te"})
    assert answer.status_code == 400 and "unit" in answer.json()["fields"]
    api.force_login(lead)
    for name in ("group", "area"):
        answer = api.get("/api/v1/appraisal/queue/", {name: "a\x00b", "year": submitted.cycle.year})
        assert answer.status_code == 400, (name, answer.content)
        assert name in answer.json()["fields"]
