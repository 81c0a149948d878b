from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.appraisal.conftest import line_of, self_score, submit
from tests.conftest import SMALL_SET_VALUES, _user

pytestmark = pytest.mark.django_db


def test_a_unit_editor_sees_only_their_own_units_assessments(api: Any, unit_editor: Any, assessment: Any) -> None:
    from scoring.models import Unit
    from scoring.services import assessments_open

    other = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    api.force_login(unit_editor)
    ids = [a["id"] for a in api.get("/api/v1/assessments/").json()["results"]]
    assert ids == [assessment.pk]
    assert api.get(f"/api/v1/assessments/{other.pk}/").status_code == 404


def test_an_appraiser_does_not_see_a_draft_assessment(api: Any, appraiser: Any, assessment: Any) -> None:
    api.force_login(appraiser)
    assert api.get("/api/v1/assessments/").json()["results"] == []
    assert api.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404


def test_an_appraiser_sees_a_submitted_assessment(
    api: Any, appraiser: Any, unit_editor: Any, unit_head: Any, assessment: Any, team: Any
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    api.force_login(appraiser)
    assert [a["id"] for a in api.get("/api/v1/assessments/").json()["results"]] == [assessment.pk]
    assert api.get(f"/api/v1/assessments/{assessment.pk}/").json()["state"] == "submitted"


def test_an_appraiser_sees_only_the_units_and_sets_of_their_assignment(
    api: Any, appraiser: Any, lead: Any, unit_editor: Any, unit_head: Any, assessment: Any, team: Any
) -> None:
    """As the review page: a member limited to some units reads no other unit's assessment, its lines or its
    evidence through the API; one on no team in the cycle reads none; the lead reads them all."""
    from appraisal.models import AppraisalAssignment
    from scoring.models import Unit

    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    member = AppraisalAssignment.objects.get(cycle=assessment.cycle, user=appraiser)
    member.units.set([Unit.objects.get(code="so-noi-vu")])
    api.force_login(appraiser)
    assert api.get("/api/v1/assessments/").json()["results"] == []
    for tail in ("", "lines/", f"lines/{line_of(assessment, '2.1.1').pk}/", "evidence/"):
        assert api.get(f"/api/v1/assessments/{assessment.pk}/{tail}").status_code == 404, tail
    member.units.set([assessment.unit])
    assert [a["id"] for a in api.get("/api/v1/assessments/").json()["results"]] == [assessment.pk]
    assert api.get(f"/api/v1/assessments/{assessment.pk}/lines/").status_code == 200
    member.areas.clear()  # on the team, nothing of the set assigned
    assert api.get("/api/v1/assessments/").json()["results"] == []
    assert api.get(f"/api/v1/assessments/{assessment.pk}/lines/").status_code == 404
    member.delete()
    assert api.get("/api/v1/assessments/").json()["results"] == []
    api.force_login(lead)
    assert [a["id"] for a in api.get("/api/v1/assessments/").json()["results"]] == [assessment.pk]


def test_the_unit_reads_the_lines_of_its_assessment(api: Any, unit_editor: Any, assessment: Any) -> None:
    api.force_login(unit_editor)
    response = api.get(f"/api/v1/assessments/{assessment.pk}/lines/")
    assert response.status_code == 200
    assert len(response.json()) == assessment.lines.count()


def test_another_units_people_cannot_read_the_lines(api: Any, assessment: Any) -> None:
    stranger = _user("khoa", "unit_editor", "so-tu-phap")
    api.force_login(stranger)
    assert api.get(f"/api/v1/assessments/{assessment.pk}/lines/").status_code == 404


def test_the_unit_editor_saves_a_self_score_and_the_engine_scores_it(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    line = line_of(assessment, "1.2.2")
    value, expected = SMALL_SET_VALUES["1.2.2"]
    api.force_login(unit_editor)
    response = api.put(
        f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/",
        {"version": line.version, "value": value}, format="json",
    )
    assert response.status_code == 200, response.json()
    assert Decimal(response.json()["self_score"]) == expected
    assert response.json()["version"] == line.version + 1


def test_a_stale_version_is_a_409_with_the_stored_line_and_changes_nothing(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    url = f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/"
    assert api.put(url, {"version": line.version, "value": {"value": True}}, format="json").status_code == 200
    response = api.put(url, {"version": line.version, "value": {"value": False}}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version"
    assert body["current"]["self_score"] == "1.00"
    line.refresh_from_db()
    assert line.self_score == 1


def test_an_invalid_value_is_a_400_with_a_vietnamese_message(api: Any, unit_editor: Any, assessment: Any) -> None:
    line = line_of(assessment, "1.1.1")
    api.force_login(unit_editor)
    response = api.put(
        f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/",
        {"version": line.version, "value": {"option": "nonsense"}}, format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"]
    line.refresh_from_db()
    assert line.self_score is None


def test_a_missing_version_is_a_400_field_error(api: Any, unit_editor: Any, assessment: Any) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    response = api.put(f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/", {"value": {}}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()["fields"]


def test_an_appraiser_may_not_self_score(
    api: Any, appraiser: Any, unit_editor: Any, unit_head: Any, assessment: Any, team: Any
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    line = line_of(assessment, "1.2.1")
    api.force_login(appraiser)
    response = api.put(
        f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/", {"version": line.version, "value": {}}, format="json"
    )
    assert response.status_code == 403


def test_the_unit_cannot_edit_after_submission(
    api: Any, unit_editor: Any, unit_head: Any, assessment: Any
) -> None:
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    response = api.put(
        f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/",
        {"version": line.version, "value": {"value": False}}, format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"


def _ready(assessment: Any, editor: Any) -> None:
    """Every leaf scored and explained (no evidence yet), so the pre-submit check passes."""
    from scoring.services import score_line_save_self

    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = line_of(assessment, code)
        score_line_save_self(
            line=line, actor=editor, base_version=line.version, value=value, explanation="Tài liệu đang số hóa."
        )


def test_the_unit_head_submits_and_withdraws(api: Any, unit_editor: Any, unit_head: Any, assessment: Any) -> None:
    _ready(assessment, unit_editor)
    api.force_login(unit_head)
    response = api.post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "submitted"
    again = api.post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert again.status_code == 409
    assert again.json()["code"] == "already_submitted"
    back = api.post(f"/api/v1/assessments/{assessment.pk}/withdraw/", {"reason": "Sửa số liệu"}, format="json")
    assert back.status_code == 200
    assert back.json()["state"] == "draft"


def test_an_incomplete_assessment_cannot_be_submitted(api: Any, unit_head: Any, assessment: Any) -> None:
    api.force_login(unit_head)
    response = api.post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert response.status_code == 400
    assert response.json()["code"] == "not_ready"
    assert response.json()["problems"]
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_a_refused_submission_names_the_criterion_and_line_of_each_problem(
    api: Any, unit_head: Any, assessment: Any
) -> None:
    api.force_login(unit_head)
    body = api.post(f"/api/v1/assessments/{assessment.pk}/submit/").json()
    details = body["problem_details"]
    assert len(details) == len(body["problems"]) > 0
    first = details[0]
    line = line_of(assessment, first["indicator_code"])
    assert first == {
        "code": first["code"], "message": first["message"], "line_id": line.pk, "indicator_code": line.indicator.code,
    }
    assert first["code"] and first["code"] != "not_ready"
    assert body["problems"][0] == f"{line.indicator.code}: {first['message']}"
    assert all(p.startswith(f"{d['indicator_code']}: ") for p, d in zip(body["problems"], details, strict=True))


def test_an_editor_who_is_not_the_head_may_not_submit_or_withdraw(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    _ready(assessment, unit_editor)
    api.force_login(unit_editor)
    assert api.post(f"/api/v1/assessments/{assessment.pk}/submit/").status_code == 403
    assert api.post(f"/api/v1/assessments/{assessment.pk}/withdraw/").status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_an_administrator_filters_assessments_by_state(
    api: Any, admin_user: Any, unit_editor: Any, unit_head: Any, assessment: Any
) -> None:
    from scoring.models import Unit
    from scoring.services import assessments_open

    assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    api.force_login(admin_user)
    assert api.get("/api/v1/assessments/").json()["count"] == 2
    rows = api.get("/api/v1/assessments/", {"state": "submitted"}).json()["results"]
    assert [r["id"] for r in rows] == [assessment.pk]
    assert api.get("/api/v1/assessments/", {"state": "bogus"}).status_code == 400


def test_field_errors_of_the_api_are_in_vietnamese_unless_english_is_asked(
    api: Any, unit_editor: Any, assessment: Any
) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    url = f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/"
    empty = api.generic("PUT", url, "null", content_type="application/json").json()
    assert empty["fields"]["non_field_errors"] == ["Chưa gửi dữ liệu nào: thân yêu cầu rỗng hoặc là null."]
    wrong = api.put(url, {"version": "abc", "value": "x"}, format="json").json()
    assert wrong["fields"]["version"] == ["Hãy nhập một số nguyên."]
    assert wrong["fields"]["value"] == ["Cần một đối tượng JSON, không phải «str»."]
    english = api.put(url, {"version": "abc", "value": {"value": True}}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["fields"]["version"] == ["Enter a whole number."]
    line.refresh_from_db()
    assert line.version == 1 and line.self_score is None
