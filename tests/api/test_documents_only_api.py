"""Documents-only explanation requests through the API, as on the request page: `request-explanation/` takes the
leaves asked for evidence documents («Bổ sung tài liệu kiểm chứng», `documents`), each among the leaves flagged;
`rounds/` says which leaves a round asked documents of, and `feedback/` says it of each leaf to the unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from appraisal.models import ExplanationRound
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import appraise_all, later, line_of, refresh
from tests.appraisal.test_documents_only_request import DOCS, EXPLAIN, attach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def appraised(submitted: Any, lead: Any) -> Any:
    """Every leaf appraised as self-scored, still in appraisal."""
    appraise_all(submitted, lead)
    return refresh(submitted)


def _request(assessment: Any) -> str:
    return f"/api/v1/assessments/{assessment.pk}/request-explanation/"


def _unchanged(assessment: Any) -> None:
    assert refresh(assessment).state == Assessment.State.IN_APPRAISAL
    assert not ExplanationRound.objects.filter(assessment=assessment).exists()
    assert not AuditEntry.objects.filter(action="assessment.explanation_request").exists()
    assert not assessment.lines.filter(explanation_requested=True).exists()


def test_the_lead_asks_documents_of_a_chosen_leaf_and_the_rounds_say_so(api: Any, appraised: Any, lead: Any) -> None:
    api.force_login(lead)
    docs, explained = line_of(appraised, DOCS), line_of(appraised, EXPLAIN)
    # given: the documents leaf has no reason and no question; asking documents of it asks no question either
    response = api.post(_request(appraised), {
        "deadline": later().date().isoformat(), "line_ids": [explained.pk, docs.pk], "documents": [docs.pk],
        "questions": [{"line_id": explained.pk, "question": "Văn bản nào?"}],
    }, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "explanation"
    assert ExplanationRound.objects.get(assessment=appraised).documents_requested == [docs.pk]
    rounds = api.get(f"/api/v1/assessments/{appraised.pk}/rounds/")
    assert rounds.status_code == 200
    assert rounds.json()[0]["documents"] == [{"line_id": docs.pk, "indicator": DOCS}]


def test_every_leaf_flagged_may_be_asked_for_documents(api: Any, appraised: Any, lead: Any) -> None:
    api.force_login(lead)
    docs = line_of(appraised, DOCS)
    response = api.post(_request(appraised), {
        "deadline": later().date().isoformat(), "documents": [docs.pk], "message": "Đề nghị đơn vị trả lời.",
    }, format="json")
    assert response.status_code == 200, response.json()
    assert ExplanationRound.objects.get(assessment=appraised).documents_requested == [docs.pk]


def test_documents_asked_of_a_leaf_not_flagged_are_refused_naming_it(api: Any, appraised: Any, lead: Any) -> None:
    api.force_login(lead)
    docs, explained = line_of(appraised, DOCS), line_of(appraised, EXPLAIN)
    refused = api.post(_request(appraised), {
        "deadline": later().date().isoformat(), "line_ids": [explained.pk], "documents": [docs.pk],
        "message": "Giải trình.",
    }, format="json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "documents_not_flagged"
    assert body["message"] == (f"Đã đề nghị bổ sung tài liệu kiểm chứng cho tiêu chí {DOCS} nhưng tiêu chí này "
                               "không được chọn: hãy chọn tiêu chí đó, hoặc bỏ đề nghị bổ sung tài liệu.")
    assert [(p["line_id"], p["indicator_code"]) for p in body["problem_details"]] == [(docs.pk, DOCS)]
    _unchanged(appraised)


def test_documents_of_another_assessment_or_not_ids_are_refused_on_the_field(
    api: Any, appraised: Any, lead: Any
) -> None:
    api.force_login(lead)
    explained = line_of(appraised, EXPLAIN)
    body = {"deadline": later().date().isoformat(), "line_ids": [explained.pk], "message": "Giải trình."}
    unknown = api.post(_request(appraised), {**body, "documents": [10**9]}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "unknown_line" and list(unknown.json()["fields"]) == ["documents"]
    for wrong in (["a"], [0], "1"):
        malformed = api.post(_request(appraised), {**body, "documents": wrong}, format="json")
        assert malformed.status_code == 400 and list(malformed.json()["fields"]) == ["documents"], wrong
    _unchanged(appraised)


@pytest.mark.parametrize("who", ["appraiser", "unit_head"])
def test_only_the_lead_asks_for_documents(api: Any, appraised: Any, who: str, request: Any) -> None:
    api.force_login(request.getfixturevalue(who))
    docs = line_of(appraised, DOCS)
    refused = api.post(_request(appraised), {
        "deadline": later().date().isoformat(), "line_ids": [docs.pk], "documents": [docs.pk],
    }, format="json")
    assert refused.status_code in (403, 404)
    _unchanged(appraised)


def test_the_unit_reads_which_leaves_are_asked_for_documents_and_answered(
    api: Any, client: Client, appraised: Any, lead: Any, unit_editor: Any
) -> None:
    api.force_login(lead)
    docs, explained = line_of(appraised, DOCS), line_of(appraised, EXPLAIN)
    assert api.post(_request(appraised), {
        "deadline": later().date().isoformat(), "line_ids": [explained.pk, docs.pk], "documents": [docs.pk],
        "message": "Đề nghị đơn vị trả lời.",
    }, format="json").status_code == 200
    attach(client, unit_editor, refresh(appraised), DOCS)
    api.force_login(unit_editor)
    lines = {row["indicator"]: row for row in api.get(f"/api/v1/assessments/{appraised.pk}/feedback/").json()["lines"]}
    assert (lines[DOCS]["documents_asked"], lines[DOCS]["documented"]) == (True, True)
    assert (lines[EXPLAIN]["documents_asked"], lines[EXPLAIN]["documented"]) == (False, False)
    assert api.get(f"/api/v1/assessments/{appraised.pk}/rounds/").json()[0]["documents"] == [
        {"line_id": docs.pk, "indicator": DOCS}]
