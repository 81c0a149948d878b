"""The assignments page tells apart what nobody at all may appraise (a real gap) and what only the lead(s) of the
cycle may (a lead, by role or by the cycle's assignment, appraises every area, except at their own unit), naming
them: «Chỉ Tổ trưởng … thẩm định». An account that is locked or holds no team role covers nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal.assignments import appraisal_assignment_save, coverage
from appraisal.permissions import is_lead
from scoring.models import Cycle, Indicator, RoleAssignment, Unit, UnitKind
from tests.conftest import _user, small_set_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(small_set: Any) -> Cycle:
    """A 2021 cycle: departments on the small set, districts on a set of the same shape; the Sở Y tế and two
    districts take part."""
    from scoring.services import assessments_open, cycle_create, indicator_set_import

    districts = indicator_set_import(data=small_set_data(key="test-set-huyen", unit_kind="district"), actor=None)
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


def _named(person: Any, full: str) -> Any:
    first, last = full.rsplit(" ", 1)
    get_user_model().objects.filter(pk=person.pk).update(first_name=first, last_name=last)
    person.refresh_from_db()
    return person


def test_what_only_the_lead_role_covers_is_named_as_the_leads_not_as_nobodys(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any, lead: Any
) -> None:
    # given: a member on area 1 of the departments' set; the lead role held by Nguyễn Thị Hoa, no assignment
    _named(lead, "Nguyễn Thị Hoa")
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1"))
    assert is_lead(lead, twins.pk)
    client.force_login(admin_user)

    # when
    page = _page(client, twins)

    # then
    assert "Chỉ Tổ trưởng Nguyễn Thị Hoa thẩm định: 2 (test-set)" in page
    assert "Chỉ Tổ trưởng Nguyễn Thị Hoa thẩm định: 1, 2 (test-set-huyen)" in page
    assert "Chưa ai phụ trách" not in page
    assert "Mọi lĩnh vực của các bộ chỉ số trong kỳ đều đã có người phụ trách." not in page


def test_the_lead_of_the_cycle_by_assignment_is_named_too(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any
) -> None:
    # given: a member made lead of this cycle by the assignment, on area 2 of the departments' set only
    _named(appraiser, "Trần Văn Tâm")
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=True, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "2"))
    assert is_lead(appraiser, twins.pk)

    covers = coverage(cycle=twins)

    # then: the lead's assignment adds nothing to their right to every area
    assert [(c.indicator_set.key, [g.code for g in c.nobody], [g.code for g in c.leads_only],
             [u.username for u in c.leads]) for c in covers] == [
        ("test-set", [], ["1", "2"], ["tam"]), ("test-set-huyen", [], ["1", "2"], ["tam"])]
    client.force_login(admin_user)
    assert "Chỉ Tổ trưởng Trần Văn Tâm thẩm định: 1, 2 (test-set)" in _page(client, twins)


def test_without_a_lead_what_no_member_covers_is_nobodys(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any
) -> None:
    # guards behaviour that must not change: no lead in the cycle, the real gaps as before
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1"))
    client.force_login(admin_user)

    page = _page(client, twins)

    assert "Chưa ai phụ trách: 2 (test-set)" in page
    assert "Chưa ai phụ trách: 1, 2 (test-set-huyen)" in page
    assert "Chỉ Tổ trưởng" not in page


def test_a_lead_does_not_cover_their_own_unit(
    client: Client, twins: Cycle, admin_user: Any, lead: Any
) -> None:
    # given: a second lead whose own unit is the Sở Y tế, the one department taking part; no member
    _named(lead, "Nguyễn Thị Hoa")
    other = _named(_user("yen", "appraisal_lead", "so-y-te"), "Lê Thị Yến")
    appraisal_assignment_save(cycle=twins, user=other, is_lead=True, unit_ids=[], node_ids=[], actor=admin_user)
    client.force_login(admin_user)

    page = _page(client, twins)

    # then: only Hoa covers the Sở Y tế; both cover the districts
    assert "Chỉ Tổ trưởng Nguyễn Thị Hoa thẩm định: 1, 2 (test-set)" in page
    assert "Chỉ Tổ trưởng Nguyễn Thị Hoa, Lê Thị Yến thẩm định: 1, 2 (test-set-huyen)" in page
    assert "Chưa ai phụ trách" not in page

    # when Hoa's account is locked, nobody may appraise the Sở Y tế's areas
    get_user_model().objects.filter(pk=lead.pk).update(is_active=False)
    page = _page(client, twins)
    assert "Chưa ai phụ trách: 1, 2 (test-set)" in page
    assert "Chỉ Tổ trưởng Lê Thị Yến thẩm định: 1, 2 (test-set-huyen)" in page


def test_an_assignment_of_a_locked_account_or_of_one_without_a_team_role_covers_nothing(
    client: Client, twins: Cycle, admin_user: Any, appraiser: Any
) -> None:
    # given: tam on everything of the departments' set, tu on everything of the districts'
    other = _user("tu", "appraiser", "so-tu-phap")
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1", "2"))
    appraisal_assignment_save(cycle=twins, user=other, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set-huyen", "1", "2"))
    client.force_login(admin_user)
    assert "Chưa ai phụ trách" not in _page(client, twins)

    # when: tam's account is locked, tu loses the appraiser role
    get_user_model().objects.filter(pk=appraiser.pk).update(is_active=False)
    RoleAssignment.objects.filter(user=other).delete()

    # then
    page = _page(client, twins)
    assert "Chưa ai phụ trách: 1, 2 (test-set)" in page
    assert "Chưa ai phụ trách: 1, 2 (test-set-huyen)" in page


def test_the_cover_reads_a_fixed_number_of_queries_whatever_the_team(
    twins: Cycle, admin_user: Any, appraiser: Any, lead: Any
) -> None:
    appraisal_assignment_save(cycle=twins, user=appraiser, is_lead=False, unit_ids=[], actor=admin_user,
                              node_ids=_nodes(twins, "test-set", "1"))
    with CaptureQueriesContext(connection) as few:
        coverage(cycle=twins)
    for number in range(3):
        member = _user(f"tv{number}", "appraiser", "so-tu-phap")
        appraisal_assignment_save(cycle=twins, user=member, is_lead=number == 0, actor=admin_user,
                                  unit_ids=[Unit.objects.get(code="h-cai-be").pk],
                                  node_ids=_nodes(twins, "test-set-huyen", "2"))
    _user("lead2", "appraisal_lead", "so-noi-vu")

    with CaptureQueriesContext(connection) as many:
        coverage(cycle=twins)

    assert len(many) == len(few)
