"""A merge refused because the unit still has an assessment under way names it: the cycle (year and name), the
unit and the state, in the message and, on the unit's page, as links to the cycles' pages with what to do."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import StateConflict
from scoring.models import Unit, UnitSuccession

pytestmark = pytest.mark.django_db


def test_the_merge_refusal_names_the_cycle_the_unit_and_the_state(assessment: Any, admin_user: Any) -> None:
    # given the Sở Y tế self-assessing in the 2020 cycle
    unit, into = Unit.objects.get(code="so-y-te"), Unit.objects.get(code="so-noi-vu")
    # when it is merged
    with pytest.raises(StateConflict) as refused:
        services.unit_merge(unit=unit, into=into, reason="Sắp xếp tổ chức bộ máy.", actor=admin_user)
    # then the refusal says which assessment holds it
    message = str(refused.value.message)
    assert refused.value.code == "unit_busy"
    assert "kỳ 2020 «Chỉ số CCHC năm 2020» — Sở Y tế: Đang tự đánh giá" in message
    [busy] = refused.value.details["assessments"]
    assert (busy["id"], busy["cycle_id"], busy["state"]) == (assessment.pk, assessment.cycle_id, "draft")
    assert not UnitSuccession.objects.exists()


def test_the_units_page_lists_the_blocking_assessments_with_links_to_their_cycles(
    client: Client, assessment: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    unit, into = Unit.objects.get(code="so-y-te"), Unit.objects.get(code="so-noi-vu")
    response = client.post(reverse("administration:unit_merge", args=[unit.pk]),
                           {"into": into.pk, "reason": "Sắp xếp tổ chức bộ máy.", "group_change_seen": "1"})
    assert response.status_code == 409
    page = " ".join(response.content.decode().split())
    link = reverse("administration:cycle_detail", args=[assessment.cycle_id]) + "?q=so-y-te"
    assert f'<a href="{link}">Kỳ 2020 «Chỉ số CCHC năm 2020»</a> — Sở Y tế: Đang tự đánh giá' in page
    assert "Mở trang kỳ để hoàn tất từng bản đánh giá" in page
    assert not UnitSuccession.objects.exists()


def test_the_unit_page_shows_no_such_list_without_a_refusal(client: Client, assessment: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-y-te")
    response = client.get(reverse("administration:unit_edit", args=[unit.pk]))
    assert response.status_code == 200
    assert 'id="busy-assessments"' not in response.content.decode()
