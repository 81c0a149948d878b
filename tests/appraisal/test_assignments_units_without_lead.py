"""A unit whose assessment no lead of the cycle may sign off (every lead belongs to it, or the cycle has none) is
named on the assignments page, with what to do: its assessment would otherwise wait in the queue for nobody."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.assignments import appraisal_assignment_save, units_without_lead
from scoring.models import Cycle, Unit

pytestmark = pytest.mark.django_db

WARNING = "Không Tổ trưởng nào của kỳ được thẩm định và thông qua"


@pytest.fixture
def cycle_with_home_affairs(assessment: Any) -> Cycle:
    """The assessment's cycle, with the lead's own unit (Sở Nội vụ) taking part too."""
    from scoring.services import assessments_open

    cycle = assessment.cycle
    assessments_open(cycle=cycle, units=Unit.objects.filter(code="so-noi-vu"), actor=None)
    return cycle


def _page(client: Client, cycle: Cycle) -> str:
    return " ".join(client.get(reverse("appraisal:assignments", args=[cycle.pk])).content.decode().split())


def test_the_leads_own_unit_is_named_while_the_only_lead_belongs_to_it(
    client: Client, cycle_with_home_affairs: Cycle, admin_user: Any, lead: Any
) -> None:
    home_affairs = Unit.objects.get(code="so-noi-vu")
    assert units_without_lead(cycle=cycle_with_home_affairs) == [home_affairs]
    client.force_login(admin_user)
    page = _page(client, cycle_with_home_affairs)
    assert WARNING in page and home_affairs.name in page.split(WARNING)[1].split("</ul>")[0]


def test_a_second_lead_from_another_unit_covers_it(
    client: Client, cycle_with_home_affairs: Cycle, admin_user: Any, lead: Any, appraiser: Any
) -> None:
    appraisal_assignment_save(cycle=cycle_with_home_affairs, user=appraiser, is_lead=True, actor=admin_user,
                              node_ids=[], unit_ids=[])
    assert units_without_lead(cycle=cycle_with_home_affairs) == []
    client.force_login(admin_user)
    assert WARNING not in _page(client, cycle_with_home_affairs)


def test_without_any_lead_every_unit_taking_part_is_named(cycle_with_home_affairs: Cycle) -> None:
    names = {u.code for u in units_without_lead(cycle=cycle_with_home_affairs)}
    assert names == set(cycle_with_home_affairs.assessments.values_list("unit__code", flat=True))


def test_the_lead_who_reads_the_page_without_forms_is_told_to_ask_an_administrator(
    client: Client, cycle_with_home_affairs: Cycle, admin_user: Any, lead: Any
) -> None:
    # given the lead, who reads the assignments without the forms to change them
    client.force_login(lead)
    page = _page(client, cycle_with_home_affairs)
    # then the warning names the unit and asks for an administrator, pointing to no form «bên dưới»
    warning = page.split(WARNING)[1].split("</ul>")[0]
    assert 'name="nodes"' not in page
    assert "Sở Nội vụ" in warning and "đề nghị quản trị viên" in warning and "bên dưới" not in warning
    # while the administrator, who has the form, is pointed to it
    client.force_login(admin_user)
    assert "(phân công «Tổ trưởng» bên dưới)" in _page(client, cycle_with_home_affairs)
