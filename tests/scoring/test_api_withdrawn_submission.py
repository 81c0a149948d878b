"""An assessment read through the API says whether a submission is current, as the pages do: a draft has none, so its
`submitted_at` is null, also once the unit head has withdrawn a submission; the moment of the latest submission stays
readable as `last_submitted_at` (the audit record keeps every one). Both documented in the schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.models import Assessment
from scoring.services import assessment_submit, assessment_withdraw, score_line_save_self
from tests.conftest import SMALL_SET_VALUES, _user

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def _url(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.pk}/"


def _ready(assessment: Assessment, editor: Any) -> None:
    """Every leaf scored and explained (no evidence yet), so the pre-submit check passes."""
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=editor, base_version=line.version, value=value,
                             explanation="Tài liệu đang số hóa.")


def _moment(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def test_a_draft_never_submitted_has_neither_moment(assessment: Assessment, unit_editor: Any) -> None:
    body = _api(unit_editor).get(_url(assessment)).json()
    assert body["state"] == "draft"
    assert body["submitted_at"] is None and body["last_submitted_at"] is None


def test_a_submitted_assessment_gives_its_submission_as_current_and_latest(
    assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    _ready(assessment, unit_editor)
    submitted = assessment_submit(assessment=assessment, actor=unit_head)
    body = _api(unit_editor).get(_url(assessment)).json()
    assert body["state"] == "submitted"
    assert _moment(body["submitted_at"]) == _moment(body["last_submitted_at"]) == submitted.submitted_at


def test_after_the_head_withdraws_the_draft_has_no_current_submission_but_keeps_the_latest(
    assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given: submitted, then withdrawn by the unit head through the API
    _ready(assessment, unit_editor)
    submitted = assessment_submit(assessment=assessment, actor=unit_head)
    api = _api(unit_head)
    withdrawn = api.post(f"{_url(assessment)}withdraw/", {"reason": "Sửa số liệu"}, format="json")
    assert withdrawn.status_code == 200
    # then: the answer, the detail and the list agree
    listed = api.get("/api/v1/assessments/").json()["results"]
    for body in (withdrawn.json(), api.get(_url(assessment)).json(), *listed):
        assert body["state"] == "draft"
        assert body["submitted_at"] is None
        assert _moment(body["last_submitted_at"]) == submitted.submitted_at


def test_a_second_submission_after_a_withdrawal_is_the_current_one(
    assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    _ready(assessment, unit_editor)
    first = assessment_submit(assessment=assessment, actor=unit_head)
    assessment_withdraw(assessment=assessment, actor=unit_head, reason="Sửa số liệu")
    again = assessment_submit(assessment=assessment, actor=unit_head)
    body = _api(unit_editor).get(_url(assessment)).json()
    assert _moment(body["submitted_at"]) == _moment(body["last_submitted_at"]) == again.submitted_at
    assert again.submitted_at is not None and first.submitted_at is not None
    assert again.submitted_at >= first.submitted_at


def test_another_units_editor_reads_neither(assessment: Assessment, unit_editor: Any, unit_head: Any) -> None:
    _ready(assessment, unit_editor)
    assessment_submit(assessment=assessment, actor=unit_head)
    assessment_withdraw(assessment=assessment, actor=unit_head, reason="Sửa số liệu")
    assert _api(_user("minh", "unit_editor", "so-tu-phap")).get(_url(assessment)).status_code == 404


def test_the_schema_documents_both_moments_as_nullable_date_times(client: Any) -> None:
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    properties = schema["components"]["schemas"]["Assessment"]["properties"]
    for name in ("submitted_at", "last_submitted_at"):
        assert properties[name]["type"] == "string" and properties[name]["format"] == "date-time", name
        assert properties[name]["nullable"] is True and properties[name]["readOnly"] is True, name
        assert properties[name]["description"], name
