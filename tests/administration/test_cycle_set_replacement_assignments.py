"""When a cycle's set for a unit kind is replaced (allowed while nobody did anything on the kind's assessments), the
appraisal team's assignments follow it in the same transaction: each area or criterion of the old set becomes the
new set's node of the same code; one with no such code is dropped (the old set's node is kept while another kind of
the cycle is still scored on that set), a member left with nothing to appraise loses the assignment, and the
replacement's message lists what was dropped. Each assignment changed is audited."""

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
from scoring.administration.selectors import indicator_set_report
from scoring.errors import StateConflict
from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    CycleSet,
    Indicator,
    IndicatorSet,
    RoleAssignment,
    ScoreLine,
    Unit,
    UnitKind,
)
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments_only(cycle: Cycle) -> Cycle:
    """The cycle scoring only the departments on the small set (the vertical agencies' kind taken out)."""
    CycleSet.objects.filter(cycle=cycle, unit_kind__code="vertical").delete()
    return cycle


@pytest.fixture
def minh(catalogue: Any) -> Any:
    user = get_user_model().objects.create_user(username="minh", password="x-Secret-2020!", first_name="Lê Văn",
                                                last_name="Minh")
    RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.APPRAISER,
                                  unit=Unit.objects.get(code="so-tai-chinh"))
    return user


def _nodes(indicator_set: IndicatorSet, *codes: str) -> list[int]:
    return list(Indicator.objects.filter(indicator_set=indicator_set, code__in=codes).values_list("pk", flat=True))


@pytest.fixture
def team(cycle: Cycle, small_set: IndicatorSet, appraiser: Any, lead: Any, minh: Any, admin_user: Any) -> Any:
    """tam appraises area 1 and the bonus criterion 2.2; the lead, 2.2 too; minh only 2.2."""
    appraisal_assignment_save(cycle=cycle, user=appraiser, is_lead=False, node_ids=_nodes(small_set, "1", "2.2"),
                              unit_ids=[], actor=admin_user)
    appraisal_assignment_save(cycle=cycle, user=lead, is_lead=True, node_ids=_nodes(small_set, "2.2"), unit_ids=[],
                              actor=admin_user)
    appraisal_assignment_save(cycle=cycle, user=minh, is_lead=False, node_ids=_nodes(small_set, "2.2"), unit_ids=[],
                              actor=admin_user)


def _same_codes(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)


def _without_bonus(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """A set of the year like the small one but without its bonus criterion 2.2."""
    other = _same_codes(small_set, admin_user)
    services.indicator_delete(indicator=other.indicators.get(code="2.2"), actor=admin_user)
    assert indicator_set_report(indicator_set=other).ok
    return other


def _areas(user: Any, cycle: Cycle) -> list[tuple[str, str]]:
    assignment = AppraisalAssignment.objects.get(cycle=cycle, user=user)
    return sorted(assignment.areas.values_list("indicator_set__key", "code"))


def _department() -> UnitKind:
    return UnitKind.objects.get(code="department")


def test_the_assignments_follow_the_new_set_by_code(
    departments_only: Cycle, small_set: IndicatorSet, team: Any, appraiser: Any, lead: Any, minh: Any,
    admin_user: Any
) -> None:
    # given a set of the year with the same codes
    other = _same_codes(small_set, admin_user)
    # when it replaces the departments' set
    services.indicator_set_activate(indicator_set=other, cycle=departments_only, actor=admin_user,
                                    unit_kind=_department())
    # then every assignment points at the new set's nodes of the same codes
    assert _areas(appraiser, departments_only) == [("test-set-b", "1"), ("test-set-b", "2.2")]
    assert _areas(lead, departments_only) == [("test-set-b", "2.2")]
    assert _areas(minh, departments_only) == [("test-set-b", "2.2")]


def test_an_area_with_no_code_in_the_new_set_is_dropped_and_a_member_left_with_nothing_loses_the_assignment(
    departments_only: Cycle, small_set: IndicatorSet, team: Any, appraiser: Any, lead: Any, minh: Any,
    admin_user: Any
) -> None:
    other = _without_bonus(small_set, admin_user)
    services.indicator_set_activate(indicator_set=other, cycle=departments_only, actor=admin_user,
                                    unit_kind=_department())
    assert _areas(appraiser, departments_only) == [("test-set-b", "1")]
    # the lead keeps the lead's assignment (a lead appraises every area), without the criterion
    assert _areas(lead, departments_only) == []
    assert AppraisalAssignment.objects.get(cycle=departments_only, user=lead).is_lead
    # minh had only 2.2: nothing left to appraise
    assert not AppraisalAssignment.objects.filter(cycle=departments_only, user=minh).exists()


def test_each_assignment_changed_is_audited_with_the_replacement(
    departments_only: Cycle, small_set: IndicatorSet, team: Any, appraiser: Any, minh: Any, admin_user: Any
) -> None:
    other = _without_bonus(small_set, admin_user)
    last = AuditEntry.objects.order_by("pk").last()
    assert last is not None
    services.indicator_set_activate(indicator_set=other, cycle=departments_only, actor=admin_user,
                                    unit_kind=_department())
    entries = list(AuditEntry.objects.filter(pk__gt=last.pk, object_type="AppraisalAssignment").order_by("pk"))
    saved = [e for e in entries if e.action == "appraisal_assignment.save"]
    deleted = [e for e in entries if e.action == "appraisal_assignment.delete"]
    assert len(saved) == 2 and len(deleted) == 1
    tam = next(e for e in saved if e.object_id == str(AppraisalAssignment.objects.get(user=appraiser).pk))
    assert tam.changes["areas"] == {"old": ["1", "2.2"], "new": ["1"]}
    assert tam.changes["replaced"] == {"old": "test-set", "new": "test-set-b"}
    assert "test-set" in tam.reason and "test-set-b" in tam.reason
    assert deleted[0].changes["user"] == {"old": "minh", "new": None}
    assert all(e.actor_id == admin_user.pk for e in entries)


def test_what_would_be_dropped_is_told_before_and_matches_what_is_done(
    departments_only: Cycle, small_set: IndicatorSet, team: Any, admin_user: Any
) -> None:
    from scoring.administration.services.cycles import appraisal_assignments_followed

    other = _without_bonus(small_set, admin_user)
    told = appraisal_assignments_followed(cycle=departments_only, unit_kind=_department(), new=other)
    assert [(item.username, item.codes, item.removed, item.assignment_removed) for item in told.lost] == [
        ("hoa", ("2.2",), True, False), ("minh", ("2.2",), True, True), ("tam", ("2.2",), True, False),
    ]
    assert told.moved == 3
    # nothing was changed by telling it
    still = AppraisalAssignment.objects.filter(cycle=departments_only, areas__indicator_set=small_set).distinct()
    assert still.count() == 3


def test_the_old_sets_nodes_stay_while_another_kind_is_scored_on_it(
    cycle: Cycle, small_set: IndicatorSet, team: Any, appraiser: Any, minh: Any, admin_user: Any
) -> None:
    # given the vertical agencies still scored on the small set
    other = _without_bonus(small_set, admin_user)
    services.indicator_set_activate(indicator_set=other, cycle=cycle, actor=admin_user, unit_kind=_department())
    # then the members keep the old set's nodes (for the vertical agencies) and get the new set's matching ones
    assert _areas(appraiser, cycle) == [("test-set", "1"), ("test-set", "2.2"), ("test-set-b", "1")]
    assert _areas(minh, cycle) == [("test-set", "2.2")]


def test_the_replacement_page_lists_the_assignments_dropped(
    client: Client, departments_only: Cycle, small_set: IndicatorSet, team: Any, admin_user: Any
) -> None:
    other = _without_bonus(small_set, admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_activate", args=[other.pk]),
                           {"cycle": departments_only.pk, "unit_kind": _department().pk,
                            f"applied_{departments_only.pk}_{_department().pk}": str(small_set.pk)})
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    dropped = next(t for t in texts if "Phân công thẩm định" in t and "2.2" in t)
    assert "«test-set-b»" in dropped
    assert "minh (2.2, không còn lĩnh vực nào: đã bỏ phân công)" in dropped
    assert "tam (2.2)" in dropped and "hoa (2.2)" in dropped


def test_a_refused_replacement_leaves_the_assignments_as_they_were(
    departments_only: Cycle, small_set: IndicatorSet, team: Any, appraiser: Any, admin_user: Any
) -> None:
    """Guards behaviour that must not change (passes before the fix too): a refusal changes nothing."""
    opened = assessments_open(cycle=departments_only, units=[Unit.objects.get(code="so-y-te")], actor=None)
    line = opened[0].lines.order_by("pk").first()
    assert line is not None
    ScoreLine.objects.filter(pk=line.pk).update(self_note="Đã làm")
    other = _without_bonus(small_set, admin_user)
    with pytest.raises(StateConflict):
        services.indicator_set_activate(indicator_set=other, cycle=departments_only, actor=admin_user,
                                        unit_kind=_department())
    assert _areas(appraiser, departments_only) == [("test-set", "1"), ("test-set", "2.2")]
    assert Assessment.objects.get(pk=opened[0].pk).indicator_set == small_set
