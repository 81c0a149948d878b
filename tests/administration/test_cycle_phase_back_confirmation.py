"""Moving a cycle back a phase is confirmed as moving on is: a ticked box and a reason, recorded with the move;
its button is a secondary one after the move forward, not the first one on the page. The API moves as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration.services.cycles import PhaseMoveConfirmation, cycle_move_phase
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import AuditEntry, Cycle

pytestmark = pytest.mark.django_db


def _in_phase(cycle: Cycle, phase: str) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(phase=phase)
    cycle.refresh_from_db()
    return cycle


def _move(client: Client, cycle: Cycle, phase: str, **posted: str) -> Any:
    return client.post(reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": phase, **posted})


def _errors(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def test_one_click_back_is_refused_and_changes_nothing(client: Client, cycle: Cycle, admin_user: Any) -> None:
    _in_phase(cycle, Cycle.Phase.APPRAISAL)
    client.force_login(admin_user)
    response = _move(client, cycle, "self_assessment")
    assert response.status_code == 302
    assert _errors(response) == ["Quay lại giai đoạn «Tự đánh giá» cần xác nhận: hãy đánh dấu ô xác nhận và ghi lý do."]
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.APPRAISAL
    assert not AuditEntry.objects.filter(action="cycle.phase").exists()


def test_a_confirmed_step_back_needs_a_reason(client: Client, cycle: Cycle, admin_user: Any) -> None:
    _in_phase(cycle, Cycle.Phase.APPRAISAL)
    client.force_login(admin_user)
    response = _move(client, cycle, "self_assessment", back_confirmed="1", reason="  ")
    assert _errors(response) == ["Hãy ghi lý do quay lại giai đoạn trước."]
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.APPRAISAL


def test_a_confirmed_step_back_with_a_reason_moves_and_records_it(
    client: Client, cycle: Cycle, admin_user: Any
) -> None:
    _in_phase(cycle, Cycle.Phase.APPRAISAL)
    client.force_login(admin_user)
    response = _move(client, cycle, "self_assessment", back_confirmed="1", reason="Mở sớm nhầm")
    assert _errors(response) == []
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.SELF_ASSESSMENT
    entry = AuditEntry.objects.get(action="cycle.phase")
    assert entry.changes == {"phase": {"old": "appraisal", "new": "self_assessment"}}
    assert entry.reason == "Mở sớm nhầm"


def test_the_service_refuses_an_unconfirmed_step_back_only_when_given_a_confirmation(
    cycle: Cycle, admin_user: Any
) -> None:
    _in_phase(cycle, Cycle.Phase.APPRAISAL)
    with pytest.raises(StateConflict) as refused:
        cycle_move_phase(cycle=cycle, phase=Cycle.Phase.SELF_ASSESSMENT, actor=admin_user,
                         confirmed=PhaseMoveConfirmation())
    assert refused.value.code == "phase_back_unconfirmed"
    with pytest.raises(ValidationFailed) as no_reason:
        cycle_move_phase(cycle=cycle, phase=Cycle.Phase.SELF_ASSESSMENT, actor=admin_user,
                         confirmed=PhaseMoveConfirmation(back=True))
    assert no_reason.value.code == "reason_required"
    api = APIClient()
    api.force_login(admin_user)
    # The API asks the same (tests/api/test_cycle_phase_api_confirmations.py).
    refused_api = api.post(f"/api/v1/cycles/{cycle.year}/phase/", {"phase": "self_assessment"}, format="json")
    assert refused_api.status_code == 409 and refused_api.json()["code"] == "phase_back_unconfirmed"
    answer = api.post(f"/api/v1/cycles/{cycle.year}/phase/", {"phase": "self_assessment", "back_confirmed": True,
                                                               "reason": "Thêm thời gian tự đánh giá"}, format="json")
    assert answer.status_code == 200 and answer.json()["phase"] == "self_assessment"


def test_the_step_back_is_after_the_move_forward_a_secondary_button_behind_its_confirmation(
    client: Client, cycle: Cycle, admin_user: Any
) -> None:
    _in_phase(cycle, Cycle.Phase.APPRAISAL)
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    actions = page[page.index('class="phase-actions"'):]
    forward = actions.index('name="phase" value="explanation"')
    back = actions.index('name="phase" value="self_assessment"')
    assert forward < back  # the first button is the move forward
    back_form = actions[actions.rindex("<form", 0, back):actions.index("</form>", back)]
    assert 'class="secondary"' in back_form[back_form.index('value="self_assessment"') - 200:]
    assert 'name="back_confirmed" value="1" required' in back_form
    assert 'name="reason"' in back_form and "data-confirm=" in back_form
    assert "js/administration.js" in page
