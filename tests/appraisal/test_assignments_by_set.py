"""The assignments page names each area with its set when the cycle uses several: «2» is a different area in the
departments' set and in the districts'."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.assignments import appraisal_assignment_save
from scoring.models import Cycle, Indicator, UnitKind
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sets(small_set: Any) -> Cycle:
    """A 2021 cycle: departments on the small set, districts on a set of the same shape named for them."""
    from scoring.services import cycle_create, indicator_set_import

    districts = indicator_set_import(data=small_set_data(key="test-set-huyen", unit_kind="district",
                                                         name="Bộ chỉ số cấp huyện"), actor=None)
    return cycle_create(year=2021, name="Chỉ số CCHC năm 2021", actor=None, sets={
        UnitKind.objects.get(code="department"): small_set, UnitKind.objects.get(code="district"): districts})


def _nodes(cycle: Cycle, key: str, *codes: str) -> list[int]:
    return list(Indicator.objects.filter(indicator_set__cycle_sets__cycle=cycle, indicator_set__key=key,
                                         code__in=codes).values_list("pk", flat=True))


def test_the_areas_of_a_member_are_grouped_by_set(
    client: Client, two_sets: Cycle, admin_user: Any, appraiser: Any
) -> None:
    # given: tam appraises areas 1, 2 and criterion 1.2 of the departments' set and area 2 of the districts'
    nodes = _nodes(two_sets, "test-set", "2", "1", "1.2") + _nodes(two_sets, "test-set-huyen", "2")
    appraisal_assignment_save(cycle=two_sets, user=appraiser, is_lead=False, node_ids=nodes, unit_ids=[],
                              actor=admin_user)
    client.force_login(admin_user)
    # when
    page = client.get(reverse("appraisal:assignments", args=[two_sets.pk])).content.decode()
    # then: each set once, its codes in the tree's order
    assert "Bộ chỉ số thử nghiệm (test-set): 1, 1.2, 2 · Bộ chỉ số cấp huyện (test-set-huyen): 2" in page
    assert "1, 1.2, 2, 2" not in page


def test_a_replaced_assignment_is_described_by_set(
    client: Client, two_sets: Cycle, admin_user: Any, appraiser: Any
) -> None:
    appraisal_assignment_save(cycle=two_sets, user=appraiser, is_lead=False, node_ids=_nodes(two_sets, "test-set", "2")
                              + _nodes(two_sets, "test-set-huyen", "2"), unit_ids=[], actor=admin_user)
    client.force_login(admin_user)
    again = client.post(reverse("appraisal:assignments", args=[two_sets.pk]),
                        {"user": appraiser.pk, "nodes": _nodes(two_sets, "test-set", "1")}, follow=True)
    described = "Bộ chỉ số thử nghiệm (test-set): 2 · Bộ chỉ số cấp huyện (test-set-huyen): 2; mọi đơn vị"
    assert described in again.content.decode()


def test_a_cycle_with_one_set_shows_the_codes_alone(
    client: Client, cycle: Cycle, admin_user: Any, appraiser: Any
) -> None:
    appraisal_assignment_save(cycle=cycle, user=appraiser, is_lead=False, node_ids=_nodes(cycle, "test-set", "2", "1"),
                              unit_ids=[], actor=admin_user)
    client.force_login(admin_user)
    page = client.get(reverse("appraisal:assignments", args=[cycle.pk])).content.decode()
    assert "<td data-areas>1, 2</td>" in page
