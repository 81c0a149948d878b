"""A merge joins units of one kind: a district committee merged into a provincial department would hand its people
editor roles at the department, scored on another set. Within one kind, a merge into a unit of another ranking
group is allowed, once the administrator has seen that the group changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import AuditEntry, RoleAssignment, Unit, UnitSuccession
from tests.administration.page_helpers import error_messages

pytestmark = pytest.mark.django_db


def _unit(code: str) -> Unit:
    return Unit.objects.select_related("kind", "ranking_group").get(code=code)


def _editors(unit: Unit, n: int = 2) -> list[Any]:
    from django.contrib.auth import get_user_model

    users = [get_user_model().objects.create_user(username=f"cv{i}-{unit.code}", password="x-Secret-2020!")
             for i in range(n)]
    for user in users:
        RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.UNIT_EDITOR, unit=unit)
    return users


def _merge_url(unit: Unit) -> str:
    return reverse("administration:unit_merge", args=[unit.pk])


def test_a_merge_into_a_unit_of_another_kind_is_refused_naming_both_kinds_and_nothing_moves(
    catalogue: Any, admin_user: Any
) -> None:
    # given a district committee with its editors
    district, department = _unit("h-cai-be"), _unit("so-noi-vu")
    _editors(district)
    entries = AuditEntry.objects.count()
    # when it is merged into a provincial department
    with pytest.raises(ValidationFailed) as refused:
        services.unit_merge(unit=district, into=department, reason="NQ 1", actor=admin_user)
    # then the merge is refused, naming both units and both kinds
    assert refused.value.code == "merge_other_kind"
    message = str(refused.value.message)
    assert "«UBND cấp huyện»" in message and "«Sở, ban, ngành tỉnh»" in message
    assert "«UBND huyện Cái Bè»" in message and "«Sở Nội vụ»" in message
    assert _unit("h-cai-be").active
    assert not UnitSuccession.objects.exists()
    assert RoleAssignment.objects.filter(unit=district).count() == 2
    assert not RoleAssignment.objects.filter(unit=department).exists()
    assert AuditEntry.objects.count() == entries


def test_the_units_page_refuses_a_merge_into_another_kind_with_the_reason(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    district, department = _unit("h-cai-be"), _unit("so-noi-vu")
    _editors(district)
    client.force_login(admin_user)

    response = client.post(_merge_url(district), {"into": department.pk, "reason": "NQ 1"})

    assert response.status_code == 400
    assert "«UBND cấp huyện»" in error_messages(response) and "«Sở, ban, ngành tỉnh»" in error_messages(response)
    assert not UnitSuccession.objects.exists()
    assert not RoleAssignment.objects.filter(unit=department).exists()


def test_the_units_page_offers_only_units_of_the_same_kind_to_merge_into(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    district = _unit("h-cai-be")
    client.force_login(admin_user)

    response = client.get(reverse("administration:unit_edit", args=[district.pk]))

    offered = set(response.context["merge_form"].fields["into"].queryset.values_list("code", flat=True))
    assert offered == set(Unit.objects.filter(kind__code="district", active=True)
                          .exclude(code="h-cai-be").values_list("code", flat=True))
    assert "UBND cấp huyện" in response.content.decode().split("Sáp nhập vào đơn vị khác", 1)[1].split("</form>")[0]


def test_a_merge_into_another_ranking_group_asks_for_a_confirmation_naming_both_groups(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    # given two district committees of different clusters
    unit, into = _unit("h-cai-be"), _unit("h-cai-lay")
    assert unit.ranking_group != into.ranking_group
    editors = _editors(unit)
    client.force_login(admin_user)
    # when merged without confirming
    first = client.post(_merge_url(unit), {"into": into.pk, "reason": "NQ 1"})
    # then nothing is done and the page asks to confirm the change of group
    assert first.status_code == 409
    assert "«UBND cấp huyện — Cụm 1»" in error_messages(first) and "«UBND cấp huyện — Cụm 2»" in error_messages(first)
    page = first.content.decode()
    assert 'name="group_change_seen"' in page and "NQ 1" in page
    assert not UnitSuccession.objects.exists()
    # when confirmed
    second = client.post(_merge_url(unit), {"into": into.pk, "reason": "NQ 1", "group_change_seen": "1"})
    # then the merge is done and the result says the group changed
    assert second.status_code == 302
    done = " ".join(str(m) for m in get_messages(second.wsgi_request))
    assert "«UBND cấp huyện — Cụm 2»" in done and "«UBND cấp huyện — Cụm 1»" in done
    assert UnitSuccession.objects.get(predecessor=unit).successor == into
    assert set(RoleAssignment.objects.filter(unit=into).values_list("user", flat=True)) == {u.pk for u in editors}
    entry = AuditEntry.objects.get(action="unit.merge")
    assert entry.changes["ranking_group"] == {"old": "huyen-cum-1", "new": "huyen-cum-2"}


def test_a_merge_within_one_ranking_group_needs_no_confirmation(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    unit, into = _unit("tx-cai-lay"), _unit("tp-my-tho")
    client.force_login(admin_user)

    response = client.post(_merge_url(unit), {"into": into.pk, "reason": "NQ 1"})

    assert response.status_code == 302
    assert UnitSuccession.objects.get(predecessor=unit).successor == into
    assert "ranking_group" not in AuditEntry.objects.get(action="unit.merge").changes


def test_the_service_refuses_an_unconfirmed_change_of_group_only_when_asked_to(
    catalogue: Any, admin_user: Any
) -> None:
    """The page passes what the administrator confirmed; the API and the imports pass nothing (no condition)."""
    with pytest.raises(StateConflict) as refused:
        services.unit_merge(unit=_unit("h-cai-be"), into=_unit("h-cai-lay"), reason="NQ 1", actor=admin_user,
                            group_change_seen=False)
    assert refused.value.code == "merge_changes_group"
    services.unit_merge(unit=_unit("h-cai-be"), into=_unit("h-cai-lay"), reason="NQ 1", actor=admin_user)
    assert UnitSuccession.objects.filter(predecessor__code="h-cai-be").exists()
