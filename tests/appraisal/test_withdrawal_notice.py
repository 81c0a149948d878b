"""The unit is told when the team withdraws an explanation round: one e-mail per person of the unit, after commit,
with the reason, what the unit should do now (nothing) and a link to its explanation page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from appraisal.models import Notification
from appraisal.services import explanation_request, explanation_withdraw, line_explain
from scoring.errors import ValidationFailed
from tests.appraisal.conftest import later, line_of

pytestmark = pytest.mark.django_db

WITHDRAWN = "explanation_withdrawn"


@pytest.fixture
def mailboxes(unit_editor: Any, unit_head: Any, appraiser: Any, lead: Any) -> None:
    for user in (unit_editor, unit_head, appraiser, lead):
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])


@pytest.fixture
def explaining(appraised: Any, lead: Any, unit_editor: Any) -> Any:
    """A round on two leaves, one of them already explained by the unit; the request's e-mails left behind."""
    ids = [line_of(appraised, code).pk for code in ("1.1.1", "2.1.1")]
    explanation_request(assessment=appraised, actor=lead, deadline=later(7), line_ids=ids,
                        message="Bổ sung tài liệu kiểm chứng.")
    line = line_of(appraised, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung báo cáo.")
    Notification.objects.all().delete()
    mail.outbox.clear()
    return appraised


def test_the_kind_is_a_notification_choice() -> None:
    assert Notification.Kind(WITHDRAWN).label == "Yêu cầu giải trình đã được rút lại"


def test_a_withdrawal_emails_the_units_people_after_commit(
    explaining: Any, lead: Any, unit_editor: Any, unit_head: Any, mailboxes: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # when the lead withdraws the round
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        explanation_withdraw(assessment=explaining, actor=lead, reason="Yêu cầu nhầm đơn vị.")
        assert mail.outbox == []  # nothing leaves before the commit
    assert callbacks

    # then the unit's editor and head are e-mailed, never the team
    recorded = Notification.objects.filter(kind=WITHDRAWN)
    assert {n.recipient for n in recorded} == {unit_editor, unit_head}
    assert all(n.assessment_id == explaining.pk and n.sent_at is not None for n in recorded)
    assert not Notification.objects.exclude(kind=WITHDRAWN).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["hung@example.invalid", "lan@example.invalid"]
    message = mail.outbox[0]
    assert message.subject.startswith("[CCHC] ")
    assert "rút lại yêu cầu giải trình" in message.subject and "Sở Y tế" in message.subject
    assert "2020" in message.subject
    body = message.body
    assert "Kính gửi Sở Y tế," in body
    assert "Yêu cầu nhầm đơn vị." in body  # the reason
    assert "không cần giải trình" in body  # what to do now: nothing
    assert "giữ nguyên" in body  # the explanations already written are kept
    assert "tiếp tục thẩm định" in body
    assert f"/tham-dinh/giai-trinh/{explaining.pk}/" in body  # the unit's page
    assert "{%" not in body and "{{" not in body


def test_the_link_in_the_notice_opens_the_units_page_saying_the_round_was_withdrawn(
    explaining: Any, lead: Any, unit_editor: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        explanation_withdraw(assessment=explaining, actor=lead, reason="Yêu cầu nhầm.")
    body = Notification.objects.get(kind=WITHDRAWN, recipient=unit_editor).body
    url = next(word for word in body.split() if "/tham-dinh/giai-trinh/" in word)
    client.force_login(unit_editor)
    page = client.get(url[url.index("/tham-dinh/"):])
    assert page.status_code == 200
    assert "đã rút lại yêu cầu giải trình" in page.content.decode()


def test_a_refused_withdrawal_sends_nothing(
    explaining: Any, lead: Any, mailboxes: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        explanation_withdraw(assessment=explaining, actor=lead, reason="  ")
    assert mail.outbox == [] and not Notification.objects.exists()


def test_the_notice_is_written_in_the_sites_language_whoever_asks(
    explaining: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Rendered as every other notice (settings.LANGUAGE_CODE), not in the language of the request that acted."""
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        explanation_withdraw(assessment=explaining, actor=lead, reason="Yêu cầu nhầm.")
    notice = Notification.objects.filter(kind=WITHDRAWN).first()
    assert notice is not None and "rút lại yêu cầu giải trình" in notice.subject


def test_a_withdrawal_through_the_api_sends_the_notice(
    explaining: Any, lead: Any, unit_editor: Any, unit_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/assessments/{explaining.pk}/withdraw-explanation/",
                            {"reason": "Yêu cầu nhầm."}, format="json")
    assert response.status_code == 200, response.json()
    assert {n.recipient for n in Notification.objects.filter(kind=WITHDRAWN)} == {unit_editor, unit_head}
