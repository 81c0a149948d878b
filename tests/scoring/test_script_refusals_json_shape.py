"""The sheet's autosave and the unit's explanation save, asked for JSON (the pages' scripts), answer a missing
object (404) and a refusal for the right (403) in their own JSON shape (`ok`, `code`, `message`, `field`), in the
user's language, never Django's HTML page; someone without access hears what an unknown id hears. A plain form post
keeps the site's pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.models import Assessment, ScoreLine, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import flagged_line, line_of, refresh, self_score
from tests.appraisal.conftest import submit as submit_assessment
from tests.appraisal.conftest import team as team  # the appraisal team fixture

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
KEYS = {"ok", "code", "message", "field"}


def _client(user: Any, language: str = "vi") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _other_unit_assessment(assessment: Assessment) -> Assessment:
    return assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]


def _json(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == KEYS and body["ok"] is False and body["field"] is None
    return body


def _save(client: Client, assessment_id: int, line: ScoreLine, **extra: Any) -> Any:
    return client.post(reverse("scoring:line_save", args=[assessment_id, line.pk]),
                       {"version": 1, f"l{line.pk}-points": "0,5"}, **extra)


def test_the_autosave_of_a_line_of_another_assessment_is_a_json_404_as_an_unknown_line(
    assessment: Assessment, unit_editor: Any
) -> None:
    foreign = line_of(_other_unit_assessment(assessment), "1.2.3")
    client = _client(unit_editor)
    body = _json(_save(client, assessment.pk, foreign, **JSON), 404)
    assert body["code"] == "not_found" and "không tìm thấy" in body["message"]
    unknown = ScoreLine(pk=foreign.pk + 10_000)
    assert _json(_save(client, assessment.pk, unknown, **JSON), 404) == body
    # another unit's assessment under its own address: the same answer, nothing said of its existence
    assert _json(_save(client, foreign.assessment_id, foreign, **JSON), 404) == body
    assert _json(_save(client, 999_999, foreign, **JSON), 404) == body
    foreign.refresh_from_db()
    assert foreign.self_score is None


def test_the_autosaves_json_404_is_in_english_for_english(assessment: Assessment, unit_editor: Any) -> None:
    foreign = line_of(_other_unit_assessment(assessment), "1.2.3")
    vietnamese = _json(_save(_client(unit_editor), assessment.pk, foreign, **JSON), 404)["message"]
    english = _json(_save(_client(unit_editor, "en"), assessment.pk, foreign, **JSON), 404)["message"]
    with translation.override("en"):
        assert english == translation.gettext(vietnamese) != vietnamese


def test_a_plain_form_save_of_a_line_of_another_assessment_keeps_the_sites_404_page(
    assessment: Assessment, unit_editor: Any
) -> None:
    foreign = line_of(_other_unit_assessment(assessment), "1.2.3")
    response = _save(_client(unit_editor), assessment.pk, foreign)
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.fixture
def explaining(assessment: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any) -> Any:
    """Sở Y tế submitted; leaf 2.1.1 returned for an explanation."""
    self_score(assessment, unit_editor)
    submit_assessment(assessment, unit_head)
    flagged_line(assessment, lead, "2.1.1")
    return refresh(assessment)


def _explain(client: Client, assessment_id: int, line_id: int, **extra: Any) -> Any:
    return client.post(reverse("appraisal:explain_line", args=[assessment_id, line_id]),
                       {"base_version": "1", "explanation": "Đã bổ sung kế hoạch."}, **extra)


@pytest.fixture
def outsider(catalogue: Any) -> Any:
    from tests.conftest import _user

    return _user("minh", "unit_editor", "so-tu-phap")


def test_an_explanation_save_by_someone_of_another_unit_is_a_json_404_as_an_unknown_assessment(
    explaining: Any, outsider: Any
) -> None:
    line = line_of(explaining, "2.1.1")
    client = _client(outsider)
    body = _json(_explain(client, explaining.pk, line.pk, **JSON), 404)
    assert body["code"] == "not_found" and "không tìm thấy" in body["message"]
    assert _json(_explain(client, 999_999, line.pk, **JSON), 404) == body
    line.refresh_from_db()
    assert line.explanation == ""
    # without the script: the site's page, as before
    assert _explain(client, explaining.pk, line.pk).status_code == 404


def test_an_explanation_save_of_a_line_of_another_assessment_is_the_same_json_404(
    explaining: Any, unit_editor: Any
) -> None:
    foreign = line_of(_other_unit_assessment(explaining), "2.1.1")
    body = _json(_explain(_client(unit_editor), explaining.pk, foreign.pk, **JSON), 404)
    assert body["code"] == "not_found"
    english = _json(_explain(_client(unit_editor, "en"), explaining.pk, foreign.pk, **JSON), 404)["message"]
    with translation.override("en"):
        assert english == translation.gettext(body["message"]) != body["message"]


def test_an_explanation_save_by_an_administrator_is_a_json_403(explaining: Any, admin_user: Any) -> None:
    line = line_of(explaining, "2.1.1")
    body = _json(_explain(_client(admin_user), explaining.pk, line.pk, **JSON), 403)
    assert body["code"] == "forbidden" and body["message"]
    line.refresh_from_db()
    assert line.explanation == ""
