"""Every «Gửi» the submission service refuses for the assessment's or the cycle's state (nothing changes) answers
the check page's form with a redirect to the check page (reload or Back does not post again), which says why once:
the deadline passed, the cycle not taking submissions, the assessment no longer a draft, or any other state
refusal. Scripts still get 409 with the refusal's code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring import services
from scoring.errors import MSG_CYCLE_NOT_OPEN, MSG_CYCLE_PUBLISHED, MSG_DEADLINE_PASSED, StateConflict
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

OVERDUE_NOTE = "Đã quá hạn tự đánh giá"


def _complete(assessment: Assessment, actor: Any) -> None:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"scoring:{name}", args=[assessment.pk])


def _state_changes(assessment: Assessment) -> int:
    return AuditEntry.objects.filter(object_type="Assessment", object_id=str(assessment.pk),
                                     action="assessment.state").count()


@pytest.fixture
def ready(assessment: Assessment, unit_editor: Any, unit_head: Any, client: Client) -> Assessment:
    """A draft with no problem left, the head signed in."""
    _complete(assessment, unit_editor)
    client.force_login(unit_head)
    return assessment


def _refused_then_landed(client: Client, assessment: Assessment) -> str:
    """Post «Gửi»; the answer must redirect to the check page; the page landed on, as text."""
    answer = client.post(_url("submit", assessment))
    assert answer.status_code == 302, answer.status_code
    assert answer["Location"] == _url("check", assessment)
    landed = client.get(answer["Location"])
    assert landed.status_code == 200
    return landed.content.decode()


def test_past_the_deadline_a_submit_redirects_to_the_check_page_which_says_so_once(
    client: Client, ready: Assessment
) -> None:
    # given: the deadline passed while the check page was open
    Cycle.objects.filter(pk=ready.cycle_id).update(self_assessment_deadline=timezone.now() - timedelta(hours=1))

    page = _refused_then_landed(client, ready)

    assert page.count(OVERDUE_NOTE) == 1
    assert str(MSG_DEADLINE_PASSED)[:40] not in page  # the note, not the service's message on top of it
    assert reverse("scoring:extension_request", args=[ready.pk]) in page
    assert "sẵn sàng để gửi" not in page
    ready.refresh_from_db()
    assert ready.state == Assessment.State.DRAFT and _state_changes(ready) == 0
    # reloading the page does not repeat it
    assert client.get(_url("check", ready)).content.decode().count(OVERDUE_NOTE) == 1


@pytest.mark.parametrize(("phase", "message"), [
    (Cycle.Phase.PUBLISHED, MSG_CYCLE_PUBLISHED),
    (Cycle.Phase.SETUP, MSG_CYCLE_NOT_OPEN),
])
def test_a_submit_while_the_cycle_takes_none_redirects_to_the_check_page_which_says_why_once(
    client: Client, ready: Assessment, phase: str, message: Any
) -> None:
    Cycle.objects.filter(pk=ready.cycle_id).update(phase=phase)

    page = _refused_then_landed(client, ready)

    assert page.count(str(message)) == 1
    assert "sẵn sàng để gửi" not in page and 'action="' + _url("submit", ready) not in page
    ready.refresh_from_db()
    assert ready.state == Assessment.State.DRAFT and _state_changes(ready) == 0
    assert client.get(_url("check", ready)).content.decode().count(str(message)) == 1


def test_a_submit_after_the_assessment_moved_on_redirects_to_the_check_page(
    client: Client, ready: Assessment, unit_head: Any, admin_user: Any
) -> None:
    # guards behaviour that must not change (passes before and after): the «already sent» redirect
    # given: sent, then passed to the appraisal team, while an old copy of the check page was still open
    services.assessment_submit(assessment=ready, actor=unit_head)
    services.assessment_transition(assessment=ready, to_state=Assessment.State.IN_APPRAISAL, actor=admin_user)

    page = _refused_then_landed(client, ready)

    assert sum(page.count(words) for words in ("không gửi lại", "không cần gửi lại")) == 1
    assert _state_changes(ready) == 2


def test_any_other_state_refusal_redirects_with_its_message_shown_once(
    client: Client, ready: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = "Đơn vị đã ngừng hoạt động; không gửi được bản tự đánh giá."

    def refuse(**_kwargs: Any) -> Assessment:
        raise StateConflict(said, code="unit_inactive")

    monkeypatch.setattr(services, "assessment_submit", refuse)

    page = _refused_then_landed(client, ready)

    assert page.count(said) == 1
    assert said not in client.get(_url("check", ready)).content.decode()  # a message, once


def test_scripts_still_get_409_with_the_refusals_code(client: Client, ready: Assessment) -> None:
    # the API's answer guards behaviour that must not change; the page's address answered scripts with HTML before
    Cycle.objects.filter(pk=ready.cycle_id).update(self_assessment_deadline=timezone.now() - timedelta(hours=1))

    answer = client.post(_url("submit", ready), HTTP_ACCEPT="application/json")

    assert answer.status_code == 409
    body = answer.json()
    assert body["ok"] is False and body["code"] == "deadline_passed" and body["message"] == str(MSG_DEADLINE_PASSED)
    api = client.post(f"/api/v1/assessments/{ready.pk}/submit/", content_type="application/json")
    assert api.status_code == 409 and api.json()["code"] == "deadline_passed"
    ready.refresh_from_db()
    assert ready.state == Assessment.State.DRAFT and _state_changes(ready) == 0


def test_a_request_refused_by_an_administrator_meanwhile_does_not_refuse_the_submission(
    client: Client, ready: Assessment, unit_head: Any, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a waiting extension request, refused by an administrator just as the head submits (a refusal does not
    # wait for the assessment's lock: the submission read the request as waiting, the refusal lands first)
    from scoring.services import extension_requests
    from scoring.services.extension_requests import extension_request_create

    made = extension_request_create(assessment=ready, actor=unit_head,
                                    requested_date=timezone.localdate() + timedelta(days=10), reason="Nghỉ lễ")
    close = extension_requests._close

    def refused_meanwhile(extension_request: ExtensionRequest, **fields: Any) -> ExtensionRequest:
        ExtensionRequest.objects.filter(pk=extension_request.pk).update(
            status=ExtensionRequest.Status.REFUSED, decided_by=admin_user, decided_at=timezone.now(),
            decision_reason="Không đủ căn cứ")
        return close(extension_request, **fields)

    monkeypatch.setattr(extension_requests, "_close", refused_meanwhile)

    # when
    answer = client.post(_url("submit", ready))

    # then: submitted; the request keeps the administrator's decision
    assert answer.status_code == 302 and answer["Location"] == _url("assessment", ready)
    ready.refresh_from_db()
    assert ready.state == Assessment.State.SUBMITTED and _state_changes(ready) == 1
    made.refresh_from_db()
    assert made.status == ExtensionRequest.Status.REFUSED and made.decision_reason == "Không đủ căn cứ"
