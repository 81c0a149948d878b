"""The pre-submit check, submission by the unit head, withdrawal, and the report's free-text part."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring import selectors
from scoring.errors import StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, ScoreLine, Unit
from scoring.services import (
    assessment_difficulties_save,
    assessment_submit,
    assessment_transition,
    assessment_withdraw,
    assessments_open,
    score_line_save_self,
)
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _complete(assessment: Assessment, actor: Any, explain: bool = True) -> None:
    """Score every leaf of the small set; explain the missing evidence."""
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa." if explain else None)


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"scoring:{name}", args=[assessment.pk])


def _transitions(assessment: Assessment) -> list[dict[str, Any]]:
    return [e.changes["state"] for e in AuditEntry.objects.filter(
        object_type="Assessment", object_id=str(assessment.pk), action="assessment.state").order_by("id")]


# --- the check --------------------------------------------------------------------------------------------


def test_the_check_lists_every_problem_with_a_link_to_its_leaf(client: Client, assessment: Assessment,
                                                               unit_editor: Any) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=1, value={"option": "late"})
    client.force_login(unit_editor)
    response = client.get(_url("check", assessment))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="/danh-gia/{assessment.pk}/#line-{line.pk}"' in body
    assert "Chưa chấm điểm." in body and "Chưa có tài liệu kiểm chứng và chưa giải trình." in body
    problems = selectors.self_assessment_problems(sheet=selectors.assessment_sheet(assessment=assessment))
    assert {p.kind for p in problems} == {"unscored", "evidence_missing"}
    assert len([p for p in problems if p.kind == "unscored"]) == 8


def test_the_check_flags_scores_out_of_range_and_na_without_reason(assessment: Assessment, unit_editor: Any) -> None:
    _complete(assessment, unit_editor)
    ScoreLine.objects.filter(assessment=assessment, indicator__code="1.2.3").update(self_score="0.75")
    ScoreLine.objects.filter(assessment=assessment, indicator__code="1.2.1").update(
        not_applicable=True, not_applicable_reason=" ")
    problems = selectors.self_assessment_problems(sheet=selectors.assessment_sheet(assessment=assessment))
    kinds = {(p.code, p.kind) for p in problems}
    assert ("1.2.3", "out_of_range") in kinds
    assert ("1.2.1", "na_reason_missing") in kinds and ("1.2.1", "na_not_allowed") in kinds


def test_another_unit_cannot_open_the_check(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    other = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    client.force_login(unit_editor)
    assert client.get(_url("check", other)).status_code == 404
    assert client.get(_url("check", assessment)).status_code == 200


def test_anonymous_users_cannot_open_the_check(client: Client, assessment: Assessment) -> None:
    assert client.get(_url("check", assessment)).status_code == 302


# --- submitting -----------------------------------------------------------------------------------------------


def test_the_head_submits_a_clean_assessment_and_editing_stops(client: Client, assessment: Assessment,
                                                               unit_editor: Any, unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    client.force_login(unit_head)
    response = client.post(_url("submit", assessment))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == "submitted" and assessment.submitted_by == unit_head
    assert _transitions(assessment) == [{"old": "draft", "new": "submitted"}]
    editor = Client()
    editor.force_login(unit_editor)
    line = assessment.lines.get(indicator__code="1.2.3")
    saved = editor.post(reverse("scoring:line_save", args=[assessment.pk, line.pk]),
                        {"version": line.version, f"l{line.pk}-points": "0,25"}, HTTP_ACCEPT="application/json")
    assert saved.status_code == 409


def test_a_submission_with_problems_is_refused_and_lists_them(client: Client, assessment: Assessment,
                                                              unit_editor: Any, unit_head: Any) -> None:
    _complete(assessment, unit_editor, explain=False)
    client.force_login(unit_head)
    response = client.post(_url("submit", assessment))
    assert response.status_code == 400
    assert "Chưa có tài liệu kiểm chứng và chưa giải trình." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.state == "draft" and _transitions(assessment) == []


def test_a_unit_editor_may_not_submit(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    _complete(assessment, unit_editor)
    client.force_login(unit_editor)
    assert client.post(_url("submit", assessment)).status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_an_appraiser_or_anonymous_user_may_not_submit(client: Client, assessment: Assessment,
                                                       appraiser: Any) -> None:
    assert client.post(_url("submit", assessment)).status_code == 302
    client.force_login(appraiser)
    assert client.post(_url("submit", assessment)).status_code == 404


def test_a_double_submit_is_harmless(client: Client, assessment: Assessment, unit_editor: Any,
                                     unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    client.force_login(unit_head)
    assert client.post(_url("submit", assessment)).status_code == 302
    second = client.post(_url("submit", assessment), follow=True)  # redirected to the check page (PRG)
    assert second.redirect_chain == [(_url("check", assessment), 302)]
    assert "không cần gửi lại" in second.content.decode()
    assert len(_transitions(assessment)) == 1


def test_submission_without_csrf_token_is_refused(assessment: Assessment, unit_editor: Any, unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(unit_head)
    assert client.post(_url("submit", assessment)).status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_submission_after_the_deadline_is_refused_unless_extended(assessment: Assessment, unit_editor: Any,
                                                                  unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    cycle = assessment.cycle
    cycle.self_assessment_deadline = timezone.now() - timedelta(days=1)
    cycle.save()
    assessment.refresh_from_db()
    with pytest.raises(StateConflict) as err:
        assessment_submit(assessment=assessment, actor=unit_head)
    assert err.value.code == "deadline_passed"
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=timezone.now() + timedelta(days=1))
    assessment.refresh_from_db()
    assert assessment_submit(assessment=assessment, actor=unit_head).state == "submitted"


def test_the_service_refuses_an_incomplete_assessment_with_the_problems(assessment: Assessment,
                                                                       unit_head: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        assessment_submit(assessment=assessment, actor=unit_head)
    # one problem per leaf not scored yet (its evidence is asked for once it is scored), not two
    assert err.value.code == "not_ready" and len(err.value.details) == 9
    assert {p.kind for p in err.value.details} == {"unscored"}


# --- withdrawing ----------------------------------------------------------------------------------------------


def test_the_head_withdraws_before_the_appraisal_starts_and_it_is_recorded(client: Client, assessment: Assessment,
                                                                           unit_editor: Any, unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    assessment_submit(assessment=assessment, actor=unit_head)
    client.force_login(unit_head)
    response = client.post(_url("withdraw", assessment), {"reason": "Bổ sung tài liệu"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == "draft"
    entry = AuditEntry.objects.filter(object_type="Assessment", action="assessment.state").order_by("-id").first()
    assert entry is not None and entry.changes["state"] == {"old": "submitted", "new": "draft"}
    assert entry.reason == "Bổ sung tài liệu" and entry.actor == unit_head


def test_an_editor_may_not_withdraw(client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    assessment_submit(assessment=assessment, actor=unit_head)
    client.force_login(unit_editor)
    assert client.post(_url("withdraw", assessment)).status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == "submitted"


def test_no_withdrawal_once_the_appraisal_has_started(client: Client, assessment: Assessment, unit_editor: Any,
                                                      unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    assessment_submit(assessment=assessment, actor=unit_head)
    assessment_transition(assessment=assessment, to_state="in_appraisal", actor=None)
    client.force_login(unit_head)
    assert client.post(_url("withdraw", assessment)).status_code == 409
    assessment.refresh_from_db()
    assert assessment.state == "in_appraisal"
    with pytest.raises(StateConflict):
        assessment_withdraw(assessment=assessment, actor=unit_head)


def test_the_page_offers_withdrawal_to_the_head_only(client: Client, assessment: Assessment, unit_editor: Any,
                                                     unit_head: Any) -> None:
    _complete(assessment, unit_editor)
    assessment_submit(assessment=assessment, actor=unit_head)
    client.force_login(unit_head)
    assert "Rút lại để chỉnh sửa" in client.get(_url("assessment", assessment)).content.decode()
    client.force_login(unit_editor)
    assert "Rút lại để chỉnh sửa" not in client.get(_url("assessment", assessment)).content.decode()


# --- difficulties and recommendations --------------------------------------------------------------------------


def test_the_unit_writes_its_difficulties_while_draft(client: Client, assessment: Assessment,
                                                      unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.post(_url("difficulties", assessment), {"difficulties": "Thiếu biên chế.", "previous": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.difficulties == "Thiếu biên chế."
    assert AuditEntry.objects.filter(action="assessment.difficulties").count() == 1


def test_a_stale_difficulties_edit_shows_both_texts_and_changes_nothing(client: Client, assessment: Assessment,
                                                                         unit_editor: Any, unit_head: Any) -> None:
    assessment_difficulties_save(assessment=assessment, text="Bản của thủ trưởng", actor=unit_head)
    client.force_login(unit_editor)
    response = client.post(_url("difficulties", assessment), {"difficulties": "Bản của tôi", "previous": ""})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Bản của thủ trưởng" in body and "Bản của tôi" in body
    assessment.refresh_from_db()
    assert assessment.difficulties == "Bản của thủ trưởng"
    with pytest.raises(StaleVersion):
        assessment_difficulties_save(assessment=assessment, text="x", actor=unit_editor, expected_old="")


def test_an_appraiser_cannot_write_the_units_difficulties(team: Any, client: Client, assessment: Assessment,
                                                         appraiser: Any) -> None:
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    client.force_login(appraiser)
    assert client.post(_url("difficulties", assessment), {"difficulties": "x"}).status_code == 403
