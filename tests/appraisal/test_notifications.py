"""E-mail notifications: returned for explanation, resubmitted, a round closed when overdue, signed off; deadline
reminders from beat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appraisal.models import ExplanationRound, Notification
from appraisal.notifications import deadline_reminders_send, notification_send
from appraisal.services import (
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    line_accept_self,
    line_appraise,
    line_explain,
)
from appraisal.tasks import send_deadline_reminders_task
from scoring.models import Assessment
from tests.appraisal.conftest import later, line_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailboxes(unit_editor: Any, unit_head: Any, appraiser: Any, lead: Any) -> None:
    for user in (unit_editor, unit_head, appraiser, lead):
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])


def _return(assessment: Any, lead: Any, capture: Any) -> None:
    with capture(execute=True):
        explanation_request(assessment=assessment, actor=lead, deadline=later(3),
                            line_ids=[line_of(assessment, "2.1.1").pk], message="Bổ sung báo cáo.")


def test_returning_for_explanation_emails_the_units_people_after_commit(
    submitted: Any, lead: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    _return(submitted, lead, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == ["hung@example.invalid", "lan@example.invalid"]
    message = mail.outbox[0]
    assert "Yêu cầu giải trình" in message.subject and "Sở Y tế" in message.subject
    assert "2.1.1" in message.body and "Bổ sung báo cáo." in message.body
    assert f"/tham-dinh/giai-trinh/{submitted.pk}/" in message.body
    assert Notification.objects.filter(kind="explanation_requested", sent_at__isnull=False).count() == 2


def test_a_resubmission_emails_the_lead_and_the_assigned_appraisers_never_the_unit(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any, mailboxes: None,
    django_capture_on_commit_callbacks: Any
) -> None:
    _return(submitted, lead, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    line = line_of(submitted, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung.")
    with django_capture_on_commit_callbacks(execute=True):
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert sorted(m.to[0] for m in mail.outbox) == ["hoa@example.invalid", "tam@example.invalid"]
    assert "đã gửi giải trình" in mail.outbox[0].subject


def test_a_sign_off_emails_the_unit(
    appraised: Any, lead: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    assert sorted(m.to[0] for m in mail.outbox) == ["hung@example.invalid", "lan@example.invalid"]
    assert "đã được thông qua" in mail.outbox[0].subject


def test_a_notification_is_sent_once_even_when_delivered_twice(
    appraised: Any, lead: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    sent = len(mail.outbox)
    notification = Notification.objects.first()
    assert notification is not None
    assert notification_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == sent


def test_a_person_without_an_address_is_recorded_but_not_emailed(
    appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    assert mail.outbox == []
    assert Notification.objects.filter(sent_at__isnull=True).exclude(error="").count() == 2


def test_a_rolled_back_action_sends_nothing(submitted: Any, lead: Any, mailboxes: None,
                                            django_capture_on_commit_callbacks: Any) -> None:
    from scoring.errors import ValidationFailed

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        explanation_request(assessment=submitted, actor=lead, deadline=later(3), line_ids=[])
    assert mail.outbox == [] and not Notification.objects.exists()


def test_beat_reminds_of_a_near_explanation_deadline_once(
    submitted: Any, lead: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    _return(submitted, lead, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(now=timezone.now(), within=timedelta(days=2)) == 0  # 3 days away
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(now=timezone.now() + timedelta(days=2)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(now=timezone.now() + timedelta(days=2, hours=1)) == 0
    assert len(mail.outbox) == 2
    assert "Nhắc hạn giải trình" in mail.outbox[0].subject


def test_beat_reminds_units_whose_self_assessment_deadline_is_near(
    assessment: Any, unit_editor: Any, unit_head: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders_task() == 2
    assert "Nhắc hạn gửi bản tự đánh giá" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders_task() == 0


def test_the_reminder_job_is_scheduled_in_beat() -> None:
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"appraisal.tasks.send_deadline_reminders_task", "appraisal.tasks.reconcile_stale_results_task"} <= tasks


def test_the_explanation_request_email_names_each_leaf_with_its_question_and_appraisal_reason(
    submitted: Any, lead: Any, appraiser: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given 2.1.1 lowered with a reason, and 2.1.2 accepted as self-scored, no reason
    reasoned, plain = line_of(submitted, "2.1.1"), line_of(submitted, "2.1.2")
    line_appraise(line=reasoned, actor=appraiser, base_version=reasoned.version,
                  value={"numerator": "70", "denominator": "100"}, note="Biên bản kiểm tra ghi 70%.")
    line_accept_self(line=plain, actor=appraiser, base_version=plain.version)
    # when both are returned, with a question on 2.1.2 only
    with django_capture_on_commit_callbacks(execute=True):
        explanation_request(assessment=submitted, actor=lead, deadline=later(3), line_ids=[reasoned.pk, plain.pk],
                            message="Bổ sung báo cáo.", questions={str(plain.pk): "Số văn bản trễ hạn lấy ở đâu?"},
                            undecided_ok=True)
    # then the e-mail lists each leaf with its code, its appraisal and reason, and its own question
    body = mail.outbox[0].body
    first, second = body.index("- 2.1.1."), body.index("- 2.1.2.")
    assert "Lý do: Biên bản kiểm tra ghi 70%." in body[first:second]
    assert "Nội dung cần giải trình: Số văn bản trễ hạn lấy ở đâu?" in body[second:]
    assert "Số văn bản trễ hạn" not in body[first:second]
    assert "Bổ sung báo cáo." in body  # the request's general message stays


def test_closing_an_overdue_round_emails_the_units_people_what_happens_next(
    client: Any, submitted: Any, lead: Any, unit_editor: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given a round on two leaves, one answered, whose deadline has passed
    with django_capture_on_commit_callbacks(execute=True):
        explanation_request(assessment=submitted, actor=lead, deadline=later(3), message="Bổ sung báo cáo.",
                            line_ids=[line_of(submitted, "1.1.1").pk, line_of(submitted, "2.1.1").pk])
    line = line_of(submitted, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung.")
    past = timezone.now() - timedelta(hours=1)
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=past)
    ExplanationRound.objects.filter(assessment=submitted).update(deadline=past)
    mail.outbox.clear()
    # when the lead closes it
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appraisal:close_explanation", args=[submitted.pk]))
    assert response.status_code == 302
    # then the unit's people hear of it: no more answers, the team goes on with those saved, the leaves named
    assert sorted(m.to[0] for m in mail.outbox) == ["hung@example.invalid", "lan@example.invalid"]
    message = mail.outbox[0]
    assert "Đã kết thúc vòng giải trình" in message.subject and "Sở Y tế" in message.subject
    assert "Tổ thẩm định thẩm định tiếp với các giải trình" in message.body
    assert "Tiêu chí đã có giải trình hoặc đồng ý với kết quả thẩm định: 2.1.1." in message.body
    assert "Tiêu chí đơn vị chưa trả lời: 1.1.1." in message.body
    assert f"/tham-dinh/giai-trinh/{submitted.pk}/" in message.body
    assert Notification.objects.filter(kind="explanation_closed", sent_at__isnull=False).count() == 2
