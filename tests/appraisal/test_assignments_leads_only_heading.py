"""The assignments page says «Chưa phân công thành viên nào» only while no member is assigned; once one is, it
says which areas (and at which units) only the lead appraises, instead of claiming nobody is assigned."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.assignments import appraisal_assignment_save
from scoring.models import Cycle, Indicator, Unit, UnitKind
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db

NOBODY = "Chưa phân công thành viên nào"
LEFT_TO_THE_LEAD = "chưa phân công cho thành viên nào"


@pytest.fixture
def districts_cycle(catalogue: Any) -> Cycle:
    """A 2021 cycle of districts on the small set's shape, three districts taking part."""
    from scoring.services import assessments_open, cycle_create, indicator_set_import

    districts = indicator_set_import(data=small_set_data(key="test-set-huyen", unit_kind="district"), actor=None)
    cycle = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", actor=None,
                         sets={UnitKind.objects.get(code="district"): districts})
    assessments_open(cycle=cycle, units=Unit.objects.filter(code__in=["h-cai-be", "h-cho-gao", "h-cai-lay"]),
                     actor=None)
    return cycle


def _page(client: Client, cycle: Cycle) -> str:
    return " ".join(client.get(reverse("appraisal:assignments", args=[cycle.pk])).content.decode().split())


def test_with_a_member_assigned_the_page_names_what_only_the_lead_covers_without_saying_nobody_is_assigned(
    client: Client, districts_cycle: Cycle, admin_user: Any, appraiser: Any, lead: Any
) -> None:
    # given a member assigned area 2 for two of the three districts
    area_2 = Indicator.objects.get(indicator_set__key="test-set-huyen", code="2")
    appraisal_assignment_save(cycle=districts_cycle, user=appraiser, is_lead=False, actor=admin_user,
                              node_ids=[area_2.pk],
                              unit_ids=list(Unit.objects.filter(code__in=["h-cai-be", "h-cho-gao"])
                                            .values_list("pk", flat=True)))
    client.force_login(admin_user)
    # when
    page = _page(client, districts_cycle)
    # then the lead's share is named, area 1 everywhere and area 2 at the third district, without «nobody»
    assert NOBODY not in page
    assert LEFT_TO_THE_LEAD in page
    third = Unit.objects.get(code="h-cai-lay").name
    assert f"thẩm định: 1; 2 (ở {third}) (test-set-huyen)" in page


def test_with_nobody_assigned_the_page_still_says_so(
    client: Client, districts_cycle: Cycle, admin_user: Any, lead: Any
) -> None:
    client.force_login(admin_user)
    page = _page(client, districts_cycle)
    assert NOBODY in page
    assert LEFT_TO_THE_LEAD not in page
