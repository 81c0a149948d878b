"""A stop or a merge that cannot go through (the unit still has an assessment under way) says so first: the
administrator is not asked to confirm a change of ranking group, nor the stop with its active accounts, only to be
refused after ticking the box."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import StateConflict
from scoring.models import RankingGroup, Unit, UnitSuccession

pytestmark = pytest.mark.django_db


def _into_another_group() -> Unit:
    into = Unit.objects.get(code="so-noi-vu")
    into.ranking_group = RankingGroup.objects.get(code="nganh-doc")
    into.save()
    return into


def test_a_busy_units_merge_into_another_group_is_refused_for_the_assessment_before_any_confirmation(
    assessment: Any, admin_user: Any
) -> None:
    # given Sở Y tế self-assessing, and a merge into a unit of another ranking group not yet confirmed
    into = _into_another_group()
    # when it is merged
    with pytest.raises(StateConflict) as refused:
        services.unit_merge(unit=Unit.objects.get(code="so-y-te"), into=into, reason="NQ 1", actor=admin_user,
                            group_change_seen=False)
    # then what blocks it is said, not the confirmation asked
    assert refused.value.code == "unit_busy"
    assert not UnitSuccession.objects.exists()


def test_the_merge_page_lists_the_blocking_assessment_without_asking_to_confirm_the_group(
    client: Client, assessment: Any, admin_user: Any
) -> None:
    into = _into_another_group()
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-y-te")
    response = client.post(reverse("administration:unit_merge", args=[unit.pk]),
                           {"into": into.pk, "reason": "NQ 1"})
    page = response.content.decode()
    assert response.status_code == 409
    assert 'id="busy-assessments"' in page
    assert 'id="group-change"' not in page and 'name="group_change_seen"' not in page


def test_the_group_change_is_still_asked_when_nothing_blocks_the_merge(admin_user: Any, catalogue: Any) -> None:
    into = _into_another_group()
    with pytest.raises(StateConflict) as refused:
        services.unit_merge(unit=Unit.objects.get(code="so-y-te"), into=into, reason="NQ 1", actor=admin_user,
                            group_change_seen=False)
    assert refused.value.code == "merge_changes_group"


def test_a_busy_units_page_says_it_cannot_stop_instead_of_asking_to_confirm_its_accounts(
    client: Client, assessment: Any, admin_user: Any, unit_editor: Any
) -> None:
    # given Sở Y tế self-assessing, with an active account
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-y-te")
    # when its page is opened
    page = " ".join(client.get(reverse("administration:unit_edit", args=[unit.pk])).content.decode().split())
    # then the assessment that blocks a stop is named, and no confirmation of its accounts is asked
    assert 'id="stop-blocked"' in page
    assert "Chưa cho ngừng hoạt động hay sáp nhập được: đơn vị còn bản đánh giá đang thực hiện." in page
    link = reverse("administration:cycle_detail", args=[assessment.cycle_id]) + "?q=so-y-te"
    assert f'<a href="{link}">Kỳ 2020 «Chỉ số CCHC năm 2020»</a> — Đang tự đánh giá' in page
    assert 'name="accounts_seen"' not in page


def test_a_free_units_page_asks_to_confirm_its_accounts(client: Client, admin_user: Any, unit_editor: Any) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:unit_edit", args=[Unit.objects.get(code="so-y-te").pk])).content
    assert b'name="accounts_seen"' in page and b'id="stop-blocked"' not in page


def test_a_busy_units_stop_without_a_reason_is_refused_for_the_assessment_first(
    assessment: Any, admin_user: Any
) -> None:
    unit = Unit.objects.get(code="so-y-te")
    with pytest.raises(StateConflict) as refused:
        services.unit_set_active(unit=unit, active=False, actor=admin_user, reason="", accounts_seen=0)
    assert refused.value.code == "unit_busy"
    assert Unit.objects.get(pk=unit.pk).active


def test_a_refused_stop_lists_the_assessment_without_asking_to_confirm_the_accounts(
    client: Client, assessment: Any, admin_user: Any, unit_editor: Any
) -> None:
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-y-te")
    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]),
                           {"active": "0", "reason": "Sắp xếp tổ chức bộ máy.", "accounts_seen": "1"})
    page = response.content.decode()
    assert response.status_code == 409
    assert 'id="busy-assessments"' in page and 'name="accounts_seen"' not in page
    assert Unit.objects.get(pk=unit.pk).active
