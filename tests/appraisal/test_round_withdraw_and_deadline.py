"""The lead withdraws an open explanation round or moves its deadline: states, flags, history, refusals, pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.forms import deadline_from_post
from appraisal.models import ExplanationRound, LineHistory, Notification
from appraisal.services import (
    assessment_sign_off,
    explanation_deadline_change,
    explanation_request,
    explanation_withdraw,
    line_explain,
)
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db


def _whole_round(assessment: Any, lead: Any, days: int = 7) -> ExplanationRound:
    """«Yêu cầu giải trình toàn bộ» with a deadline some days ahead."""
    return explanation_request(assessment=assessment, actor=lead, deadline=later(days), line_ids=None)


def _day(days: int) -> Any:
    return (timezone.localtime() + timedelta(days=days)).date()


# --- withdrawing -------------------------------------------------------------------------------------------------


def test_withdrawing_a_round_returns_to_appraisal_keeps_its_history_and_unblocks_sign_off(
    appraised: Any, lead: Any, unit_editor: Any
) -> None:
    # given a whole-assessment round, and one leaf explained by the unit
    _whole_round(appraised, lead)
    explained = line_of(appraised, "2.1.1")
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Đã bổ sung báo cáo.")
    with pytest.raises(StateConflict):  # the dead end: not overdue, so the round cannot be closed nor signed off
        assessment_sign_off(assessment=appraised, actor=lead)

    # when the lead withdraws it with a reason
    back = explanation_withdraw(assessment=appraised, actor=lead, reason="Yêu cầu nhầm.")

    # then the assessment is in appraisal again, at the next round
    assessment = refresh(appraised)
    assert back.state == assessment.state == Assessment.State.IN_APPRAISAL
    assert assessment.appraisal_round == 2
    # the round stays in the history, ended by the lead before its deadline
    withdrawn = ExplanationRound.objects.get(assessment=appraised, round=1)
    assert withdrawn.closed_by == lead and withdrawn.closed_at < withdrawn.deadline
    assert withdrawn.resubmitted_at is None
    # the explanation written is kept, flagged and recorded for the round; the other leaves are unflagged
    assert line_of(appraised, "2.1.1").explanation == "Đã bổ sung báo cáo."
    flagged = set(assessment.lines.filter(explanation_requested=True).values_list("indicator__code", flat=True))
    assert flagged == {"2.1.1"}
    recorded = LineHistory.objects.filter(assessment=appraised, stage=LineHistory.Stage.EXPLANATION, round=1)
    assert [(e.line_id, e.explanation) for e in recorded] == [(explained.pk, "Đã bổ sung báo cáo.")]
    # audited with the reason
    entry = AuditEntry.objects.get(action="assessment.explanation_withdraw", assessment=appraised)
    assert entry.reason == "Yêu cầu nhầm." and entry.actor == lead
    assert entry.changes["explanation_requested"]["new"] == ["2.1.1"]
    # the unit cannot explain any more; the lead may sign off or ask again (a new round number)
    with pytest.raises(StateConflict):
        line = line_of(appraised, "2.1.1")
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Thêm nữa.")
    again = _whole_round(assessment, lead)
    assert again.round == 2
    explanation_withdraw(assessment=assessment, actor=lead, reason="Lại nhầm.")
    assert assessment_sign_off(assessment=refresh(appraised), actor=lead).state == Assessment.State.SIGNED_OFF


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_without_a_reason_is_refused_and_changes_nothing(appraised: Any, lead: Any, reason: str) -> None:
    _whole_round(appraised, lead)
    with pytest.raises(ValidationFailed) as caught:
        explanation_withdraw(assessment=appraised, actor=lead, reason=reason)
    assert caught.value.code == "reason_required" and caught.value.details == {"field": "reason"}
    assessment = refresh(appraised)
    assert assessment.state == Assessment.State.EXPLANATION and assessment.appraisal_round == 1
    assert not assessment.lines.filter(explanation_requested=False).exists()
    assert ExplanationRound.objects.get(assessment=appraised).closed_at is None


def test_a_second_withdrawal_is_refused_with_the_state_and_records_nothing(appraised: Any, lead: Any) -> None:
    _whole_round(appraised, lead)
    explanation_withdraw(assessment=appraised, actor=lead, reason="Yêu cầu nhầm.")
    with pytest.raises(StateConflict) as caught:
        explanation_withdraw(assessment=appraised, actor=lead, reason="Yêu cầu nhầm.")
    assert caught.value.code == "not_explaining"
    assert "Đang thẩm định" in str(caught.value.message)
    assert refresh(appraised).appraisal_round == 2
    assert AuditEntry.objects.filter(action="assessment.explanation_withdraw").count() == 1


def test_an_overdue_round_is_closed_not_withdrawn(appraised: Any, lead: Any) -> None:
    _whole_round(appraised, lead)
    Assessment.objects.filter(pk=appraised.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    with pytest.raises(StateConflict) as caught:
        explanation_withdraw(assessment=appraised, actor=lead, reason="Yêu cầu nhầm.")
    assert caught.value.code == "deadline_passed" and "kết thúc vòng giải trình" in str(caught.value.message)
    assert refresh(appraised).state == Assessment.State.EXPLANATION


# --- changing the deadline ---------------------------------------------------------------------------------------


def test_the_lead_shortens_the_deadline_and_the_unit_is_told(appraised: Any, lead: Any, unit_editor: Any,
                                                             unit_head: Any) -> None:
    _whole_round(appraised, lead, days=10)
    new = deadline_from_post(_day(2).isoformat())
    changed = explanation_deadline_change(assessment=appraised, actor=lead, deadline=new, reason="Cần kết quả sớm.")
    assessment = refresh(appraised)
    assert assessment.state == Assessment.State.EXPLANATION
    assert assessment.explanation_deadline == new == changed.deadline
    assert ExplanationRound.objects.get(assessment=appraised).deadline == new
    entry = AuditEntry.objects.get(action="assessment.explanation_deadline", assessment=appraised)
    assert entry.reason == "Cần kết quả sớm." and entry.changes["explanation_deadline"]["new"] == new.isoformat()
    sent = Notification.objects.filter(kind=Notification.Kind.EXPLANATION_REMINDER, assessment=appraised)
    assert {n.recipient for n in sent} == {unit_editor, unit_head}
    assert f"{_day(2):%d/%m/%Y}" in sent.first().body


def test_an_overdue_round_may_be_given_more_time(appraised: Any, lead: Any) -> None:
    _whole_round(appraised, lead)
    Assessment.objects.filter(pk=appraised.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    explanation_deadline_change(assessment=appraised, actor=lead, deadline=later(3), reason="Gia hạn cho đơn vị.")
    assert refresh(appraised).explanation_deadline > timezone.now()


@pytest.mark.parametrize(
    ("deadline", "reason", "code"),
    [
        (timedelta(days=-1), "Lý do.", "deadline_in_past"),
        (timedelta(days=3), "", "reason_required"),
        (timedelta(days=3000), "Lý do.", "deadline_too_late"),
    ],
)
def test_a_bad_deadline_change_is_refused_and_changes_nothing(
    appraised: Any, lead: Any, deadline: timedelta, reason: str, code: str
) -> None:
    explanation_round = _whole_round(appraised, lead)
    with pytest.raises(ValidationFailed) as caught:
        explanation_deadline_change(assessment=appraised, actor=lead, deadline=timezone.now() + deadline, reason=reason)
    assert caught.value.code == code
    assert refresh(appraised).explanation_deadline == explanation_round.deadline
    assert ExplanationRound.objects.get(pk=explanation_round.pk).deadline == explanation_round.deadline
    assert not AuditEntry.objects.filter(action="assessment.explanation_deadline").exists()
    assert not Notification.objects.filter(kind=Notification.Kind.EXPLANATION_REMINDER).exists()


def test_the_same_deadline_twice_or_without_an_open_round_is_refused(appraised: Any, lead: Any) -> None:
    with pytest.raises(StateConflict) as caught:
        explanation_deadline_change(assessment=appraised, actor=lead, deadline=later(3), reason="Lý do.")
    assert caught.value.code == "not_explaining"
    _whole_round(appraised, lead)
    new = deadline_from_post(_day(3).isoformat())
    explanation_deadline_change(assessment=appraised, actor=lead, deadline=new, reason="Lý do.")
    with pytest.raises(ValidationFailed) as again:
        explanation_deadline_change(assessment=appraised, actor=lead, deadline=new, reason="Lý do.")
    assert again.value.code == "deadline_unchanged"
    assert AuditEntry.objects.filter(action="assessment.explanation_deadline").count() == 1


# --- pages -------------------------------------------------------------------------------------------------------


def test_the_lead_sees_the_round_actions_and_withdraws_from_the_page(client: Client, appraised: Any,
                                                                     lead: Any) -> None:
    _whole_round(appraised, lead)
    client.force_login(lead)
    review = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    page_url = reverse("appraisal:request_explanation", args=[appraised.pk])
    assert f'href="{page_url}" data-round-actions' in review
    page = client.get(page_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("appraisal:withdraw_explanation", args=[appraised.pk]) in html
    assert reverse("appraisal:change_explanation_deadline", args=[appraised.pk]) in html
    assert 'name="lines"' not in html  # not the request form again

    # an empty reason comes back on the round page, nothing changed
    refused = client.post(reverse("appraisal:withdraw_explanation", args=[appraised.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert "Hãy nêu lý do rút lại yêu cầu giải trình." in refused.content.decode()
    assert refresh(appraised).state == Assessment.State.EXPLANATION

    done = client.post(reverse("appraisal:withdraw_explanation", args=[appraised.pk]), {"reason": "Yêu cầu nhầm."})
    assert done.status_code == 302 and done["Location"] == reverse("appraisal:review", args=[appraised.pk])
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL
    # a second click (double submit) says why on the review page and changes nothing
    again = client.post(reverse("appraisal:withdraw_explanation", args=[appraised.pk]), {"reason": "Yêu cầu nhầm."})
    assert again.status_code == 302
    assert any("không có vòng giải trình nào đang mở" in str(m) for m in get_messages(again.wsgi_request))
    assert refresh(appraised).appraisal_round == 2
    history = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    assert "rút lại yêu cầu lúc" in history


def test_the_lead_changes_the_deadline_from_the_page_and_a_past_date_is_refused(
    client: Client, appraised: Any, lead: Any
) -> None:
    _whole_round(appraised, lead, days=10)
    client.force_login(lead)
    url = reverse("appraisal:change_explanation_deadline", args=[appraised.pk])
    past = client.post(url, {"deadline": _day(-1).strftime("%d/%m/%Y"), "reason": "Cần kết quả sớm."})
    assert past.status_code == 400
    body = past.content.decode()
    assert "Hạn giải trình phải sau thời điểm hiện tại." in body and "Cần kết quả sớm." in body  # typed text kept
    response = client.post(url, {"deadline": _day(2).strftime("%d/%m/%Y"), "reason": "Cần kết quả sớm."})
    assert response.status_code == 302
    assert timezone.localtime(refresh(appraised).explanation_deadline).date() == _day(2)


@pytest.mark.parametrize("name", ["withdraw_explanation", "change_explanation_deadline"])
def test_appraisers_and_the_unit_cannot_withdraw_or_move_the_deadline(
    client: Client, appraised: Any, lead: Any, appraiser: Any, unit_head: Any, name: str
) -> None:
    explanation_round = _whole_round(appraised, lead)
    for user in (appraiser, unit_head):
        client.force_login(user)
        response = client.post(reverse(f"appraisal:{name}", args=[appraised.pk]),
                               {"reason": "Lý do.", "deadline": _day(2).isoformat()})
        assert response.status_code == 403, user
    assessment = refresh(appraised)
    assert assessment.state == Assessment.State.EXPLANATION
    assert assessment.explanation_deadline == explanation_round.deadline


def test_the_round_actions_need_the_csrf_token(appraised: Any, lead: Any) -> None:
    _whole_round(appraised, lead)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    response = client.post(reverse("appraisal:withdraw_explanation", args=[appraised.pk]), {"reason": "Lý do."})
    assert response.status_code == 403
    assert refresh(appraised).state == Assessment.State.EXPLANATION
