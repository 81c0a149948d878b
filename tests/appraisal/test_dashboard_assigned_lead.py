"""A team member made lead of a cycle by assignment (as the demo's `topho`: role «appraiser», assignment
`is_lead`) sees that cycle's oversight dashboard and preliminary results table, and the navigation link to the
dashboard; not another cycle's. Everyone else as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import AppraisalAssignment
from tests.conftest import _user

pytestmark = pytest.mark.django_db


@pytest.fixture
def deputy(cycle: Any, team: Any) -> Any:
    """khanh (Văn phòng UBND tỉnh), an appraiser made lead of the 2020 cycle by assignment."""
    user = _user("khanh", "appraiser", "van-phong-ubnd-tinh")
    AppraisalAssignment.objects.create(cycle=cycle, user=user, is_lead=True)
    return user


@pytest.fixture
def later_cycle(cycle: Any, small_set: Any) -> Any:
    """The 2021 cycle (the current one: the latest), on the same set; nobody leads it by assignment."""
    from scoring.models import UnitKind
    from scoring.services import cycle_create

    return cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                        sets={UnitKind.objects.get(code="department"): small_set}, actor=None)


def _dashboard(cycle: Any | None = None) -> str:
    url = reverse("appraisal:dashboard")
    return f"{url}?ky={cycle.pk}" if cycle is not None else url


def _table(cycle: Any) -> str:
    return reverse("appraisal:cycle_workbook", args=[cycle.pk])


def test_a_lead_by_assignment_sees_the_dashboard_of_the_cycle_they_lead(
    client: Client, cycle: Any, submitted: Any, deputy: Any
) -> None:
    client.force_login(deputy)
    for url in (_dashboard(cycle), _dashboard()):
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["data"].cycle == cycle
        assert "Tổng quan thẩm định — Chỉ số CCHC năm 2020" in response.content.decode()
    assert not response.context["can_recompute"]  # still the administrators' decision


def test_a_lead_by_assignment_downloads_the_preliminary_table_of_the_cycle_they_lead(
    client: Client, cycle: Any, submitted: Any, deputy: Any
) -> None:
    client.force_login(deputy)
    response = client.get(_table(cycle))
    assert response.status_code == 200
    assert "ket-qua-so-bo-tham-dinh-cchc-2020.xlsx" in response["Content-Disposition"]


def test_a_lead_by_assignment_gets_nothing_of_a_cycle_they_do_not_lead(
    client: Client, cycle: Any, later_cycle: Any, deputy: Any
) -> None:
    client.force_login(deputy)
    assert client.get(_dashboard(later_cycle)).status_code == 403
    assert client.get(_table(later_cycle)).status_code == 403
    # without a choice the page opens on the cycle they lead (not the newer current one), and offers it only
    response = client.get(_dashboard())
    assert response.status_code == 200
    assert response.context["data"].cycle == cycle
    assert [c.pk for c in response.context["cycles"]] == [cycle.pk]


def test_the_navigation_links_the_dashboard_for_a_lead_by_assignment(
    client: Client, cycle: Any, deputy: Any, appraiser: Any
) -> None:
    link = f'href="{reverse("appraisal:dashboard")}"'
    client.force_login(deputy)
    assert link in client.get(reverse("appraisal:queue")).content.decode()
    client.force_login(appraiser)  # a member, not lead: as before
    assert link not in client.get(reverse("appraisal:queue")).content.decode()


def test_the_queue_links_the_preliminary_table_of_a_cycle_the_assigned_lead_leads_only(
    client: Client, cycle: Any, later_cycle: Any, submitted: Any, deputy: Any
) -> None:
    client.force_login(deputy)
    assert _table(cycle) in client.get(reverse("appraisal:queue") + f"?ky={cycle.pk}").content.decode()
    body = client.get(reverse("appraisal:queue") + f"?ky={later_cycle.pk}").content.decode()
    assert _table(later_cycle) not in body


def test_members_and_former_appraisers_marked_lead_still_do_not_see_it(
    client: Client, cycle: Any, submitted: Any, appraiser: Any, deputy: Any
) -> None:
    # guards behaviour that must not change (passes before and after the fix): a member who is not lead
    client.force_login(appraiser)
    assert client.get(_dashboard(cycle)).status_code == 403
    assert client.get(_table(cycle)).status_code == 403
    # an assignment marked lead counts only for a member of the team (as `permissions.is_lead`): role removed
    deputy.roles.all().delete()
    client.force_login(deputy)
    assert client.get(_dashboard(cycle)).status_code == 403
    assert client.get(_table(cycle)).status_code == 403


def test_the_lead_role_and_administrators_still_see_every_cycle(
    client: Client, cycle: Any, later_cycle: Any, lead: Any, admin_user: Any
) -> None:
    # guards behaviour that must not change (passes before and after the fix)
    for user in (lead, admin_user):
        client.force_login(user)
        for c in (cycle, later_cycle):
            assert client.get(_dashboard(c)).status_code == 200
            assert client.get(_table(c)).status_code == 200
