"""Workflow actions of the API: the review page's accept actions, explanation rounds on both sides, the queue,
and the evidence library's unlink, delete and per-leaf listing. Each with an allowed and a denied role; a
refused request changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from appraisal.models import ExplanationRound
from appraisal.services import explanation_request
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import evidence_not_required, later, line_of, refresh, self_score, submit
from tests.conftest import _user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%workflow\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def submitted(assessment: Any, unit_editor: Any, unit_head: Any, team: Any) -> Any:
    self_score(assessment, unit_editor)
    return submit(assessment, unit_head)


def _return(assessment: Any, lead: Any, codes: list[str]) -> ExplanationRound:
    ids = [line_of(assessment, code).pk for code in codes]
    return explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=ids,
                               message="Bổ sung tài liệu kiểm chứng.")


def _url(assessment: Any, tail: str) -> str:
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


# --- accept the self-score ---------------------------------------------------------------------------------


def test_an_appraiser_accepts_the_self_score_of_a_leaf_of_their_area(api: Any, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(appraiser)
    response = api.post(_url(submitted, f"lines/{line.pk}/accept/"), {"version": line.version}, format="json")
    assert response.status_code == 200, response.json()
    assert Decimal(response.json()["appraised_score"]) == line.self_score
    assert response.json()["version"] == line.version + 1
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL


def test_accepting_a_leaf_outside_the_appraisers_area_is_refused(api: Any, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "1.2.1")
    api.force_login(appraiser)
    response = api.post(_url(submitted, f"lines/{line.pk}/accept/"), {"version": line.version}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    line.refresh_from_db()
    assert line.appraised_score is None
    assert refresh(submitted).state == Assessment.State.SUBMITTED


def test_the_unit_may_not_accept_its_own_self_score(api: Any, submitted: Any, unit_head: Any) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(unit_head)
    response = api.post(_url(submitted, f"lines/{line.pk}/accept/"), {"version": line.version}, format="json")
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.appraised_score is None


def test_accepting_with_a_stale_version_is_a_409_with_the_current_line(
    api: Any, submitted: Any, appraiser: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(appraiser)
    response = api.post(_url(submitted, f"lines/{line.pk}/accept/"), {"version": line.version + 5}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["current"]["version"] == line.version
    line.refresh_from_db()
    assert line.appraised_score is None


def test_accepting_without_a_version_is_a_field_error(api: Any, submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(appraiser)
    response = api.post(_url(submitted, f"lines/{line.pk}/accept/"), {}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()["fields"]
    line.refresh_from_db()
    assert line.appraised_score is None


def test_an_appraiser_accepts_every_leaf_of_their_area_at_once(api: Any, submitted: Any, appraiser: Any) -> None:
    from scoring.models import Indicator

    evidence_not_required(submitted)
    area = Indicator.objects.get(indicator_set=submitted.indicator_set, code="2")
    api.force_login(appraiser)
    response = api.post(_url(submitted, f"areas/{area.pk}/accept/"))
    assert response.status_code == 200, response.json()
    assert response.json() == {"accepted": 4, "skipped": 0, "not_applicable": 0, "evidence_missing": [],
                               "awaiting_explanation": [], "evidence_noted": []}
    codes = set(submitted.lines.filter(appraised_score__isnull=False).values_list("indicator__code", flat=True))
    assert codes == {"2.1.1", "2.1.2", "2.2.1", "2.3.1"}


def test_accepting_an_area_not_assigned_is_refused_and_changes_nothing(
    api: Any, submitted: Any, appraiser: Any
) -> None:
    from scoring.models import Indicator

    area = Indicator.objects.get(indicator_set=submitted.indicator_set, code="1")
    api.force_login(appraiser)
    assert api.post(_url(submitted, f"areas/{area.pk}/accept/")).status_code == 403
    assert not submitted.lines.filter(appraised_score__isnull=False).exists()
    leaf = line_of(submitted, "1.1.1").indicator
    assert api.post(_url(submitted, f"areas/{leaf.pk}/accept/")).status_code == 404


# --- start, close a round ----------------------------------------------------------------------------------


def test_the_lead_starts_the_appraisal(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.post(_url(submitted, "start/"))
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_appraisal"
    again = api.post(_url(submitted, "start/"))
    assert again.status_code == 409
    assert again.json()["code"] == "already_started"


def test_an_appraiser_may_not_start_the_appraisal(api: Any, submitted: Any, appraiser: Any) -> None:
    api.force_login(appraiser)
    assert api.post(_url(submitted, "start/")).status_code == 403
    assert refresh(submitted).state == Assessment.State.SUBMITTED


def test_the_lead_closes_an_overdue_explanation_round(api: Any, submitted: Any, lead: Any) -> None:
    _return(submitted, lead, ["1.1.1"])
    api.force_login(lead)
    early = api.post(_url(submitted, "close-explanation/"), {"reason": "Quá hạn"}, format="json")
    assert early.status_code == 409
    assert early.json()["code"] == "deadline_not_passed"
    assert refresh(submitted).state == Assessment.State.EXPLANATION
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    response = api.post(_url(submitted, "close-explanation/"), {"reason": "Đơn vị không giải trình"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_appraisal"
    assert response.json()["appraisal_round"] == 2
    assert ExplanationRound.objects.get(assessment=submitted).closed_by == lead


def test_an_appraiser_may_not_close_a_round(api: Any, submitted: Any, lead: Any, appraiser: Any) -> None:
    _return(submitted, lead, ["1.1.1"])
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    api.force_login(appraiser)
    assert api.post(_url(submitted, "close-explanation/"), {}, format="json").status_code == 403
    assert refresh(submitted).state == Assessment.State.EXPLANATION
    assert ExplanationRound.objects.get(assessment=submitted).closed_at is None


def test_a_too_long_closing_reason_is_a_field_error(api: Any, submitted: Any, lead: Any) -> None:
    _return(submitted, lead, ["1.1.1"])
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    api.force_login(lead)
    response = api.post(_url(submitted, "close-explanation/"), {"reason": "x" * 2001}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert refresh(submitted).state == Assessment.State.EXPLANATION


# --- the unit's explanation and resubmission ---------------------------------------------------------------


def test_the_unit_explains_a_flagged_leaf(api: Any, submitted: Any, lead: Any, unit_editor: Any) -> None:
    _return(submitted, lead, ["2.1.1"])
    line = line_of(submitted, "2.1.1")
    api.force_login(unit_editor)
    response = api.post(
        _url(submitted, f"lines/{line.pk}/explain/"),
        {"version": line.version, "explanation": "Đã bổ sung quyết định ban hành."}, format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["explanation"] == "Đã bổ sung quyết định ban hành."
    assert "appraised_score" not in body  # never the live appraisal of a round in progress
    assert AuditEntry.objects.filter(action="score_line.explain", object_id=str(line.pk)).exists()


def test_a_leaf_not_flagged_cannot_be_explained(api: Any, submitted: Any, lead: Any, unit_editor: Any) -> None:
    _return(submitted, lead, ["2.1.1"])
    line = line_of(submitted, "1.1.1")
    api.force_login(unit_editor)
    response = api.post(
        _url(submitted, f"lines/{line.pk}/explain/"), {"version": line.version, "explanation": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_flagged"
    line.refresh_from_db()
    assert line.explanation == ""


def test_a_blank_explanation_is_a_field_error(api: Any, submitted: Any, lead: Any, unit_editor: Any) -> None:
    _return(submitted, lead, ["2.1.1"])
    line = line_of(submitted, "2.1.1")
    api.force_login(unit_editor)
    response = api.post(
        _url(submitted, f"lines/{line.pk}/explain/"), {"version": line.version, "explanation": "   "}, format="json"
    )
    assert response.status_code == 400
    assert "explanation" in response.json()["fields"]
    line.refresh_from_db()
    assert line.version == line_of(submitted, "2.1.1").version and line.explanation == ""


def test_the_appraisal_team_and_other_units_cannot_explain(
    api: Any, submitted: Any, lead: Any, appraiser: Any
) -> None:
    _return(submitted, lead, ["2.1.1"])
    line = line_of(submitted, "2.1.1")
    for user in (appraiser, _user("khoa", "unit_editor", "so-tai-chinh")):
        api.force_login(user)
        response = api.post(
            _url(submitted, f"lines/{line.pk}/explain/"), {"version": line.version, "explanation": "x"}, format="json"
        )
        assert response.status_code == 404
    line.refresh_from_db()
    assert line.explanation == ""


def test_the_unit_head_resubmits_the_explanations(
    api: Any, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    _return(submitted, lead, ["2.1.1"])
    line = line_of(submitted, "2.1.1")
    api.force_login(unit_editor)
    api.post(_url(submitted, f"lines/{line.pk}/explain/"), {"version": line.version, "explanation": "Đã bổ sung."},
             format="json")
    api.force_login(unit_head)
    response = api.post(_url(submitted, "resubmit/"))
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_appraisal"
    assert response.json()["appraisal_round"] == 2
    assert ExplanationRound.objects.get(assessment=submitted).resubmitted_by == unit_head


def test_resubmitting_with_unexplained_leaves_is_refused_with_the_codes(
    api: Any, submitted: Any, lead: Any, unit_head: Any
) -> None:
    _return(submitted, lead, ["2.1.1", "1.2.3"])
    api.force_login(unit_head)
    response = api.post(_url(submitted, "resubmit/"))
    assert response.status_code == 400
    assert response.json()["code"] == "explanations_missing"
    assert [p.split(":")[0] for p in response.json()["problems"]] == ["1.2.3", "2.1.1"]
    # each leaf named as the submit's problems are: its line, its code and what is missing
    details = response.json()["problem_details"]
    assert [(d["indicator_code"], d["code"]) for d in details] == [
        ("1.2.3", "explanations_missing"), ("2.1.1", "explanations_missing")]
    assert [d["line_id"] for d in details] == [line_of(submitted, "1.2.3").pk, line_of(submitted, "2.1.1").pk]
    assert all("giải trình" in d["message"] for d in details)
    assert refresh(submitted).state == Assessment.State.EXPLANATION


def test_signing_off_with_leaves_not_appraised_names_each_line(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    assert api.post(_url(submitted, "start/")).status_code == 200
    response = api.post(_url(submitted, "sign-off/"))
    assert response.status_code == 400 and response.json()["code"] == "missing_appraisal"
    first = response.json()["problem_details"][0]
    assert first["line_id"] == line_of(submitted, first["indicator_code"]).pk
    assert first["code"] == "missing_appraisal" and first["message"] == "Chưa có điểm thẩm định."


def test_an_editor_who_is_not_the_head_may_not_resubmit(
    api: Any, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    _return(submitted, lead, ["2.1.1"])
    line = line_of(submitted, "2.1.1")
    api.force_login(unit_editor)
    api.post(_url(submitted, f"lines/{line.pk}/explain/"), {"version": line.version, "explanation": "Đã bổ sung."},
             format="json")
    assert api.post(_url(submitted, "resubmit/")).status_code == 403
    assert refresh(submitted).state == Assessment.State.EXPLANATION


# --- rounds ------------------------------------------------------------------------------------------------


def test_the_lead_and_the_unit_list_the_rounds(api: Any, submitted: Any, lead: Any, unit_editor: Any) -> None:
    _return(submitted, lead, ["2.1.1", "1.1.1"])
    for user in (lead, unit_editor):
        api.force_login(user)
        response = api.get(_url(submitted, "rounds/"))
        assert response.status_code == 200, response.json()
        [only] = response.json()
        assert only["round"] == 1 and only["line_count"] == 2 and only["ended"] is False
        assert only["message"] == "Bổ sung tài liệu kiểm chứng."


def test_rounds_are_hidden_from_other_units_and_from_the_unit_before_a_round_ends(
    api: Any, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    api.force_login(unit_editor)
    assert api.get(_url(submitted, "rounds/")).status_code == 404  # no round has ended yet
    _return(submitted, lead, ["2.1.1"])
    api.force_login(_user("khoa", "unit_editor", "so-tai-chinh"))
    response = api.get(_url(submitted, "rounds/"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- the queue ---------------------------------------------------------------------------------------------


def test_the_appraisers_queue_shows_assigned_assessments_with_progress(
    api: Any, submitted: Any, appraiser: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    api.force_login(appraiser)
    api.post(_url(submitted, f"lines/{line.pk}/accept/"), {"version": line.version}, format="json")
    response = api.get("/api/v1/appraisal/queue/")
    assert response.status_code == 200, response.json()
    [row] = response.json()["rows"]
    assert row["assessment"]["id"] == submitted.pk
    assert row["unit_code"] == "so-y-te"
    assert [a["code"] for a in row["areas"]] == ["2"]  # only the area assigned to tam
    assert (row["done"], row["total"]) == (1, 4)
    assert row["can_lead"] is False


def test_the_queue_hides_the_appraisers_own_unit(api: Any, cycle: Any, team: Any, appraiser: Any) -> None:
    from scoring.models import Unit
    from scoring.services import assessments_open

    own = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    head = _user("phuc", "unit_head", "so-tu-phap")
    self_score(own, _user("an", "unit_editor", "so-tu-phap"))
    submit(own, head)
    api.force_login(appraiser)
    assert api.get("/api/v1/appraisal/queue/").json()["rows"] == []


def test_the_queue_is_for_the_appraisal_team_and_administrators(
    api: Any, submitted: Any, unit_editor: Any, admin_user: Any
) -> None:
    assert api.get("/api/v1/appraisal/queue/").status_code == 401
    api.force_login(unit_editor)
    assert api.get("/api/v1/appraisal/queue/").status_code == 403
    api.force_login(admin_user)
    rows = api.get("/api/v1/appraisal/queue/").json()["rows"]
    assert [r["assessment"]["id"] for r in rows] == [submitted.pk]
    assert [a["code"] for a in rows[0]["areas"]] == ["1", "2"]


def test_the_queue_is_paginated_as_every_list_and_costs_the_same_queries_for_more_units(
    api: Any, submitted: Any, cycle: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scoring.models import Unit
    from scoring.services import assessments_open

    api.force_login(lead)
    with CaptureQueriesContext(connection) as one:
        assert api.get("/api/v1/appraisal/queue/").status_code == 200
    for code in ("so-tai-chinh", "so-xay-dung"):
        other = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(other, unit_editor)
        submit(other, unit_head)
    with CaptureQueriesContext(connection) as three:
        first = api.get("/api/v1/appraisal/queue/", {"page_size": 2}).json()
    assert len(three.captured_queries) == len(one.captured_queries)  # no query per row
    assert first["count"] == 3 and len(first["rows"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = api.get(first["next"]).json()
    assert len(second["rows"]) == 1 and second["next"] is None and second["previous"]
    names = {r["unit_name"] for r in first["rows"] + second["rows"]}
    assert names == {"Sở Y tế", "Sở Tài chính", "Sở Xây dựng"}
    beyond = api.get("/api/v1/appraisal/queue/", {"page": 3, "page_size": 2})
    assert beyond.status_code == 400 and "page" in beyond.json()["fields"]
    assert api.get("/api/v1/appraisal/queue/", {"page_size": 501}).status_code == 400


def test_queue_filters_are_validated(api: Any, submitted: Any, lead: Any) -> None:
    api.force_login(lead)
    response = api.get("/api/v1/appraisal/queue/", {"state": "draft", "cycle": "x"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"state", "cycle"}
    unknown = api.get("/api/v1/appraisal/queue/", {"cycle": 999999})  # names no cycle: a field error, as `year`
    assert unknown.status_code == 400 and set(unknown.json()["fields"]) == {"cycle"}
    assert api.get("/api/v1/appraisal/queue/", {"state": "explanation"}).json()["rows"] == []


# --- evidence: unlink, delete, files of a leaf -------------------------------------------------------------


def _upload(assessment: Any, user: Any, name: str = "ke-hoach.pdf", content: bytes = PDF) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.services import evidence_upload

    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return evidence_upload(unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload, actor=user)


def _link(evidence_file: Any, assessment: Any, code: str, user: Any) -> Any:
    from evidence.services import evidence_link

    line = line_of(assessment, code)
    evidence_link(evidence_file=evidence_file, line=line, actor=user)
    return line


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Stored evidence goes to a temporary folder, never the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_unit_unlinks_a_file_from_a_leaf_while_self_assessing(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    from evidence.models import EvidenceFile, EvidenceLink

    evidence_file = _upload(assessment, unit_editor)
    line = _link(evidence_file, assessment, "1.1.1", unit_editor)
    api.force_login(unit_editor)
    response = api.post(_url(assessment, "evidence/unlink/"), {"file_id": evidence_file.pk, "line_id": line.pk},
                        format="json")
    assert response.status_code == 204
    assert not EvidenceLink.objects.exists()
    assert EvidenceFile.objects.filter(pk=evidence_file.pk).exists()  # the file stays in the library
    assert AuditEntry.objects.filter(action="evidence.unlink", object_id=str(line.pk)).exists()


def test_another_unit_or_a_submitted_assessment_cannot_unlink(
    api: Any, assessment: Any, unit_editor: Any, unit_head: Any, team: Any, appraiser: Any
) -> None:
    from evidence.models import EvidenceLink

    # given a file linked while the assessment was a draft, then submitted
    evidence_file = _upload(assessment, unit_editor)
    line = _link(evidence_file, assessment, "2.1.1", unit_editor)
    self_score(assessment, unit_editor)
    submitted = submit(assessment, unit_head)
    body = {"file_id": evidence_file.pk, "line_id": line.pk}
    api.force_login(_user("khoa", "unit_editor", "so-tai-chinh"))
    assert api.post(_url(submitted, "evidence/unlink/"), body, format="json").status_code == 404
    api.force_login(unit_editor)  # the unit itself: a state problem, not a missing right
    refused = api.post(_url(submitted, "evidence/unlink/"), body, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "not_editable"
    api.force_login(appraiser)
    assert api.post(_url(submitted, "evidence/unlink/"), body, format="json").status_code == 403
    assert EvidenceLink.objects.count() == 1


def test_unlinking_needs_both_ids(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.post(_url(assessment, "evidence/unlink/"), {"file_id": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"file_id", "line_id"}


def test_a_file_of_another_library_is_not_found_when_linking(api: Any, cycle: Any, unit_editor: Any) -> None:
    from evidence.models import EvidenceLink
    from scoring.models import Unit
    from scoring.services import assessments_open

    mine, theirs = assessments_open(
        cycle=cycle, units=list(Unit.objects.filter(code__in=["so-y-te", "so-tai-chinh"]).order_by("code")),
        actor=None,
    )
    if mine.unit.code != "so-y-te":
        mine, theirs = theirs, mine
    foreign = _upload(theirs, _user("khoa", "unit_editor", "so-tai-chinh"))
    api.force_login(unit_editor)
    response = api.post(_url(mine, "evidence/link/"), {"file_id": foreign.pk, "line_id": line_of(mine, "1.1.1").pk},
                        format="json")
    assert response.status_code == 404
    assert not EvidenceLink.objects.exists()


def test_the_unit_deletes_a_file_from_its_draft_library(api: Any, assessment: Any, unit_editor: Any) -> None:
    from evidence.models import EvidenceFile, EvidenceLink

    evidence_file = _upload(assessment, unit_editor)
    _link(evidence_file, assessment, "1.1.1", unit_editor)
    api.force_login(unit_editor)
    response = api.delete(f"/api/v1/evidence/{evidence_file.pk}/")
    assert response.status_code == 204
    assert not EvidenceFile.objects.exists()
    assert not EvidenceLink.objects.exists()


def test_others_may_not_delete_a_units_file(
    api: Any, assessment: Any, unit_editor: Any, unit_head: Any, team: Any, appraiser: Any
) -> None:
    from evidence.models import EvidenceFile

    evidence_file = _upload(assessment, unit_editor)
    _link(evidence_file, assessment, "2.1.1", unit_editor)  # an appraiser sees a unit's linked files only
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    api.force_login(_user("khoa", "unit_editor", "so-tai-chinh"))
    assert api.delete(f"/api/v1/evidence/{evidence_file.pk}/").status_code == 404
    api.force_login(appraiser)  # sees the submitted unit's files, may not change them
    assert api.delete(f"/api/v1/evidence/{evidence_file.pk}/").status_code == 403
    api.force_login(unit_editor)  # the unit itself, once submitted: a state problem, not a missing right
    refused = api.delete(f"/api/v1/evidence/{evidence_file.pk}/")
    assert refused.status_code == 409 and refused.json()["code"] == "not_editable"
    assert EvidenceFile.objects.filter(pk=evidence_file.pk).exists()


def test_a_file_submitted_with_the_assessment_stays_during_an_explanation_round(
    api: Any, assessment: Any, unit_editor: Any, unit_head: Any, team: Any, lead: Any
) -> None:
    from evidence.models import EvidenceFile

    evidence_file = _upload(assessment, unit_editor)
    _link(evidence_file, assessment, "2.1.1", unit_editor)
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    _return(assessment, lead, ["2.1.1"])
    api.force_login(unit_editor)
    response = api.delete(f"/api/v1/evidence/{evidence_file.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "file_locked"
    assert EvidenceFile.objects.filter(pk=evidence_file.pk).exists()


def test_the_files_of_a_leaf_say_which_links_can_be_removed(
    api: Any, assessment: Any, unit_editor: Any, unit_head: Any, team: Any, lead: Any
) -> None:
    submitted_file = _upload(assessment, unit_editor)
    line = _link(submitted_file, assessment, "2.1.1", unit_editor)
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    _return(assessment, lead, ["2.1.1"])
    added = _upload(assessment, unit_editor, name="bo-sung.pdf", content=PDF + b"%added\n")
    _link(added, refresh(assessment), "2.1.1", unit_editor)
    api.force_login(unit_editor)
    response = api.get(_url(assessment, f"lines/{line.pk}/evidence/"))
    assert response.status_code == 200, response.json()
    assert [(f["original_name"], f["link_locked"], f["removable"]) for f in response.json()] == [
        ("ke-hoach.pdf", True, False), ("bo-sung.pdf", False, True),
    ]
    api.force_login(lead)  # the team reads them, removes nothing
    assert [f["removable"] for f in api.get(_url(assessment, f"lines/{line.pk}/evidence/")).json()] == [False, False]


def test_another_unit_cannot_list_a_leafs_files(api: Any, assessment: Any, unit_editor: Any) -> None:
    evidence_file = _upload(assessment, unit_editor)
    line = _link(evidence_file, assessment, "1.1.1", unit_editor)
    api.force_login(_user("khoa", "unit_editor", "so-tai-chinh"))
    assert api.get(_url(assessment, f"lines/{line.pk}/evidence/")).status_code == 404
    api.force_login(unit_editor)
    assert api.get(_url(assessment, "lines/999999/evidence/")).status_code == 404
