"""The assignments page tells two sets of one name apart by their keys, and flags what nobody appraises: the areas
(or the criteria of a partly assigned area) of the cycle's sets that no assignment covers, for every unit on that
set or for some of them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.assignments import appraisal_assignment_save, uncovered_nodes
from scoring.models import Cycle, Indicator, Unit, UnitKind
from tests.conftest import _user, small_set_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(small_set: Any) -> Cycle:
    """A 2021 cycle: departments on the small set, districts on a set of the same name and shape; the Sở Y tế
    and two districts take part."""
    from scoring.services import assessments_open, cycle_create, indicator_set_import

    districts = indicator_set_import(data=small_set_data(key="test-set-huyen", unit_kind="district"), actor=None)
    assert districts.name == small_set.name
    cycle = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", actor=None, sets={
        UnitKind.objects.get(code="department"): small_set, UnitKind.objects.get(code="district"): districts})
    assessments_open(cycle=cycle, units=Unit.objects.filter(code__in=["so-y-te", "h-cai-be", "h-cho-gao"]),
                     actor=None)
    return cycle


def _nodes(cycle: Cycle, key: str, *codes: str) -> list[int]:
    return list(Indicator.objects.filter(indicator_set__cycle_sets__cycle=cycle, indicator_set__key=key,
                                         code__in=codes).values_list("pk", flat=True))


def _page(client: Client, cycle: Cycle) -> str:
    return " ".join(client.get(reverse("appraisal:assignments", args=[cycle.pk])).content.decode().split())


def test_two_sets_of_one_name_are_told_apart_by_their_keys(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any
) -> None:
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1") + _nodes(twins, "test-set-huyen", "1", "2"))
    client.force_login(admin_user)

    page = _page(client, twins)

    assert "Bộ chỉ số thử nghiệm (test-set): 1 · Bộ chỉ số thử nghiệm (test-set-huyen): 1, 2" in page
    headings = re.findall(r"<p><strong>([^<]*)</strong></p>", page)
    assert headings == ["Bộ chỉ số thử nghiệm (test-set)", "Bộ chỉ số thử nghiệm (test-set-huyen)"]


def test_a_replaced_assignment_names_its_sets_with_their_keys(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any
) -> None:
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "2") + _nodes(twins, "test-set-huyen", "2"))
    client.force_login(admin_user)

    again = client.post(reverse("appraisal:assignments", args=[twins.pk]),
                        {"user": appraiser.pk, "nodes": _nodes(twins, "test-set", "1")}, follow=True)

    assert "Bộ chỉ số thử nghiệm (test-set): 2 · Bộ chỉ số thử nghiệm (test-set-huyen): 2; mọi đơn vị" in " ".join(
        again.content.decode().split())


def test_the_areas_nobody_covers_are_flagged_by_set(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any
) -> None:
    # given: area 1 and criterion 2.1 of the departments' set assigned; nothing of the districts'
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1", "2.1"))
    client.force_login(admin_user)

    page = _page(client, twins)

    # then: the rest of area 2 by its criteria, the districts' set by its areas
    assert "Chưa ai phụ trách: 2.2, 2.3 (test-set)" in page
    assert "Chưa ai phụ trách: 1, 2 (test-set-huyen)" in page


def test_an_area_assigned_for_some_units_only_is_flagged_for_the_others(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any
) -> None:
    # given: everything of the departments' set; the districts' areas for Cái Bè only (by another member); no lead
    cai_be = Unit.objects.get(code="h-cai-be")
    other = _user("tu", "appraiser", "so-tu-phap")
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1", "2"))
    appraisal_assignment_save(cycle=twins, user=other, is_lead=False, unit_ids=[cai_be.pk], actor=admin_user,
                              node_ids=_nodes(twins, "test-set-huyen", "1", "2"))

    gaps = uncovered_nodes(cycle=twins)

    assert [(s.key, [(g.code, [u.code for u in g.units]) for g in found]) for s, found in gaps] == [
        ("test-set-huyen", [("1", ["h-cho-gao"]), ("2", ["h-cho-gao"])]),
    ]
    client.force_login(admin_user)
    assert "Chưa ai phụ trách: 1, 2 (ở UBND huyện Chợ Gạo) (test-set-huyen)" in _page(
        client, twins)


def test_a_lead_without_areas_is_the_only_one_to_cover_and_a_fully_covered_cycle_says_so(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any, lead: Any
) -> None:
    # the lead may appraise every area: what no member covers is the lead's only, not nobody's
    appraisal_assignment_save(cycle=twins, user=lead, is_lead=True, unit_ids=[], node_ids=[], actor=admin_user)
    client.force_login(admin_user)
    page = _page(client, twins)
    assert "Chỉ Tổ trưởng hoa thẩm định: 1, 2 (test-set)" in page
    assert "Chưa ai phụ trách" not in page

    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1", "2") + _nodes(twins, "test-set-huyen", "1", "2"))

    page = _page(client, twins)
    assert "Chưa ai phụ trách" not in page
    assert "Mọi lĩnh vực của các bộ chỉ số trong kỳ đều đã có người phụ trách." in page


def test_the_page_is_refused_to_a_member_and_read_only_for_the_lead(
    client: Client, twins: Cycle, lead: Any, appraiser: Any
) -> None:
    # guards behaviour that must not change: only administrators change the team; the cycle's lead reads it
    client.force_login(appraiser)
    assert client.get(reverse("appraisal:assignments", args=[twins.pk])).status_code == 403
    client.force_login(lead)
    response = client.get(reverse("appraisal:assignments", args=[twins.pk]))
    assert response.status_code == 200 and 'name="nodes"' not in response.content.decode()
