"""Applying a set for a unit kind in a cycle returns what it did (`SetActivation`): the set it replaced, how many
assessments moved, the appraisal assignments remapped by code and those dropped, whether the replaced set went back
to draft. The replacement page tells that outcome, not a forecast of its own worked out before the call."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from appraisal.assignments import appraisal_assignment_save
from appraisal.models import AppraisalAssignment
from scoring.administration import services
from scoring.administration.services.cycles import AssignmentLost, AssignmentsFollowed
from scoring.administration.services.sets import SetActivation
from scoring.models import Cycle, CycleSet, Indicator, IndicatorSet, RoleAssignment, Unit, UnitKind
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments_only(cycle: Cycle) -> Cycle:
    """The cycle scoring only the departments on the small set (the vertical agencies' kind taken out)."""
    CycleSet.objects.filter(cycle=cycle, unit_kind__code="vertical").delete()
    return cycle


@pytest.fixture
def minh(catalogue: Any) -> Any:
    user = get_user_model().objects.create_user(username="minh", password="x-Secret-2020!")
    RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.APPRAISER,
                                  unit=Unit.objects.get(code="so-tai-chinh"))
    return user


def _nodes(indicator_set: IndicatorSet, *codes: str) -> list[int]:
    return list(Indicator.objects.filter(indicator_set=indicator_set, code__in=codes).values_list("pk", flat=True))


@pytest.fixture
def team(departments_only: Cycle, small_set: IndicatorSet, appraiser: Any, lead: Any, minh: Any,
         admin_user: Any) -> None:
    """tam appraises area 1 and the bonus criterion 2.2; the lead, 2.2 too; minh only 2.2."""
    for user, is_lead, codes in ((appraiser, False, ("1", "2.2")), (lead, True, ("2.2",)), (minh, False, ("2.2",))):
        appraisal_assignment_save(cycle=departments_only, user=user, is_lead=is_lead,
                                  node_ids=_nodes(small_set, *codes), unit_ids=[], actor=admin_user)


def _without_bonus(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    services.indicator_delete(indicator=other.indicators.get(code="2.2"), actor=admin_user)
    return other


def _department() -> UnitKind:
    return UnitKind.objects.get(code="department")


def test_the_replacement_returns_the_assignments_it_remapped_and_dropped(
    departments_only: Cycle, small_set: IndicatorSet, team: None, admin_user: Any
) -> None:
    # given: two departments opened on the small set, untouched, and a set without the bonus criterion 2.2
    assessments_open(cycle=departments_only, units=list(Unit.objects.filter(code__in=["so-y-te", "so-tu-phap"])),
                     actor=None)
    other = _without_bonus(small_set, admin_user)
    # when
    done = services.indicator_set_activate(indicator_set=other, cycle=departments_only, actor=admin_user,
                                           unit_kind=_department())
    # then: what it did, as it did it
    assert isinstance(done, SetActivation)
    assert done.indicator_set == other and done.replaced == small_set
    assert done.moved == 2
    assert done.back_to_draft  # no cycle uses the small set any more
    assert done.assignments.old_key == "test-set" and done.assignments.new_key == "test-set-b"
    assert done.assignments.moved == 3
    assert [(item.username, item.codes, item.removed, item.assignment_removed) for item in done.assignments.lost] == [
        ("hoa", ("2.2",), True, False), ("minh", ("2.2",), True, True), ("tam", ("2.2",), True, False),
    ]
    # and it matches the data: minh's assignment is gone, the others are on the new set
    assert not AppraisalAssignment.objects.filter(cycle=departments_only, user__username="minh").exists()
    assert set(AppraisalAssignment.objects.filter(cycle=departments_only).values_list(
        "areas__indicator_set__key", flat=True)) <= {"test-set-b", None}


def test_a_first_application_and_a_repeated_one_return_no_replacement(
    small_set: IndicatorSet, cycle: Cycle, admin_user: Any
) -> None:
    # given: a kind with no set in the cycle
    communes = UnitKind.objects.exclude(code__in=["department", "vertical"]).order_by("pk").first()
    assert communes is not None
    # when: the small set is applied to it, then applied again
    first = services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user,
                                            unit_kind=communes)
    again = services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user,
                                            unit_kind=communes)
    # then: nothing replaced, moved or dropped either time
    for done in (first, again):
        assert done.indicator_set == small_set and done.replaced is None
        assert done.moved == 0 and not done.back_to_draft
        assert done.assignments == AssignmentsFollowed()


def test_the_replacement_page_tells_what_the_service_dropped(
    client: Client, monkeypatch: pytest.MonkeyPatch, departments_only: Cycle, small_set: IndicatorSet,
    admin_user: Any
) -> None:
    # given: a replacement whose outcome (as the service returns it) dropped 2.2 from tam's assignment, though no
    # assignment exists to forecast it from
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    outcome = SetActivation(
        indicator_set=other, replaced=small_set, moved=4, back_to_draft=True,
        assignments=AssignmentsFollowed(old_key="test-set", new_key="test-set-b", moved=1,
                                        lost=(AssignmentLost(username="tam", codes=("2.2",), removed=True),)),
    )
    monkeypatch.setattr(services, "indicator_set_activate", lambda **kwargs: outcome)
    client.force_login(admin_user)
    # when
    response = client.post(reverse("administration:set_activate", args=[other.pk]),
                           {"cycle": departments_only.pk, "unit_kind": _department().pk})
    # then: the page says what the service did
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Phân công thẩm định" in t and "tam (2.2)" in t for t in texts)
    assert any("«test-set» không còn kỳ đánh giá nào dùng nên đã trở lại dự thảo" in t for t in texts)
    assert any("Bản đánh giá của 4 đơn vị" in t for t in texts)
