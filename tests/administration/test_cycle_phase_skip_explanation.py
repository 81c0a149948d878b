"""«Giải trình» is a window for explanation rounds, which the team opens per assessment in any phase: with no round
open, the administrator moves from «Thẩm định» straight to «Hoàn thiện kết quả» (offered on the cycle's page, audited,
with the checks and confirmations of opening «Hoàn thiện kết quả»); while a round is open it may not be passed over,
and the page says why."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration.services.cycles import cycle_move_phase
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, Cycle
from tests.publication.conftest import signed_cycle as signed_cycle  # four units signed off

pytestmark = pytest.mark.django_db


def _appraisal(cycle: Cycle) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.APPRAISAL)
    cycle.refresh_from_db()
    return cycle


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_with_every_unit_signed_off_the_cycle_moves_from_appraisal_to_finalisation_audited(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    cycle = _appraisal(signed_cycle)
    client = _client(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'data-phase-skip' in page and 'name="phase" value="finalisation"' in page
    assert "Bỏ qua «Giải trình», mở «Hoàn thiện kết quả»" in page

    response = client.post(reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": "finalisation"})

    assert response.status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION
    entry = AuditEntry.objects.get(action="cycle.phase", object_id=cycle.pk)
    assert entry.changes == {"phase": {"old": "appraisal", "new": "finalisation"}}
    assert entry.reason == "Bỏ qua giai đoạn «Giải trình»: không có vòng giải trình nào đang mở."


def test_an_open_explanation_round_keeps_the_phase_from_being_passed_over(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    cycle = _appraisal(signed_cycle)
    Assessment.objects.filter(cycle=cycle, unit__code="so-y-te").update(state=Assessment.State.EXPLANATION)
    client = _client(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'name="phase" value="finalisation"' not in page
    assert "Không bỏ qua được giai đoạn «Giải trình»: 1 bản đánh giá đang trong vòng giải trình." in page

    with pytest.raises(StateConflict) as refused:
        cycle_move_phase(cycle=cycle, phase=Cycle.Phase.FINALISATION, actor=admin_user)
    assert refused.value.code == "explanation_rounds_open"
    client.post(reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": "finalisation"})
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.APPRAISAL
    assert not AuditEntry.objects.filter(action="cycle.phase").exists()


def test_passing_over_has_the_confirmations_of_opening_finalisation(signed_cycle: Cycle, admin_user: Any) -> None:
    cycle = _appraisal(signed_cycle)
    Assessment.objects.filter(cycle=cycle, unit__code="so-y-te").update(state=Assessment.State.IN_APPRAISAL)
    Assessment.objects.filter(cycle=cycle, unit__code="so-tu-phap").update(state=Assessment.State.SUBMITTED)
    client = _client(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'name="left_seen" value="submitted:1"' in page.split("data-phase-skip")[1]
    client.post(reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": "finalisation"})
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.APPRAISAL
    client.post(reverse("administration:cycle_phase", args=[cycle.pk]),
                {"phase": "finalisation", "left_seen": "submitted:1"})
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.FINALISATION


def test_no_other_phase_may_be_passed_over(signed_cycle: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=signed_cycle.pk).update(phase=Cycle.Phase.SELF_ASSESSMENT)
    signed_cycle.refresh_from_db()
    response = _client(admin_user).post(reverse("administration:cycle_phase", args=[signed_cycle.pk]),
                                        {"phase": "explanation"})
    assert response.status_code == 302
    assert Cycle.objects.get(pk=signed_cycle.pk).phase == Cycle.Phase.SELF_ASSESSMENT
