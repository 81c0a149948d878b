"""A cycle's set for a unit kind is replaced by another valid set of the year even after the kind's assessments
were opened, as long as nobody did anything on them: their lines are rebuilt on the new set's leaves. Refused,
naming how many have work, otherwise. Audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, Cycle, CycleSet, IndicatorSet, ScoreLine, Unit, UnitKind
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db

DEPARTMENTS = ["so-y-te", "so-tu-phap", "so-tai-chinh"]


@pytest.fixture
def opened(cycle: Cycle) -> list[Assessment]:
    """Three departments opened on the cycle's set; a vertical agency too (its kind shares the set)."""
    units = list(Unit.objects.filter(code__in=DEPARTMENTS).order_by("code"))
    vertical = Unit.objects.filter(kind__code="vertical").order_by("code").first()
    assert vertical is not None
    return assessments_open(cycle=cycle, units=[*units, vertical], actor=None)


def test_untouched_assessments_move_to_the_new_set_with_their_lines_rebuilt(
    small_set: IndicatorSet, cycle: Cycle, opened: list[Assessment], admin_user: Any
) -> None:
    # given a second valid set of the year for the departments
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    department = UnitKind.objects.get(code="department")
    old_lines = set(ScoreLine.objects.filter(assessment__in=opened[:3]).values_list("pk", flat=True))
    versions = {a.pk: a.version for a in opened}

    services.indicator_set_activate(indicator_set=other, cycle=cycle, actor=admin_user, unit_kind=department)

    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == other
    leaves = set(other.indicators.filter(is_leaf=True).values_list("pk", flat=True))
    for assessment in opened[:3]:
        assessment.refresh_from_db()
        assert assessment.indicator_set == other and assessment.version == versions[assessment.pk] + 1
        assert set(assessment.lines.values_list("indicator_id", flat=True)) == leaves
    assert not ScoreLine.objects.filter(pk__in=old_lines).exists()
    # the vertical agency, scored on the old set through its own kind, stays on it
    vertical = Assessment.objects.get(pk=opened[3].pk)
    assert vertical.indicator_set == small_set and vertical.lines.count() == len(leaves)
    entry = AuditEntry.objects.filter(action="indicator_set.activate").latest("id")
    assert entry.changes["replaced"] == {"old": small_set.key, "new": other.key}
    assert entry.changes["units"] == {"old": None, "new": 3}


def test_one_assessment_with_work_refuses_the_change_counting_and_naming_them(
    small_set: IndicatorSet, cycle: Cycle, opened: list[Assessment], admin_user: Any
) -> None:
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    department = UnitKind.objects.get(code="department")
    line = opened[1].lines.order_by("pk").first()
    assert line is not None
    ScoreLine.objects.filter(pk=line.pk).update(not_applicable=True, not_applicable_reason="Không có")

    with pytest.raises(StateConflict) as refused:
        services.indicator_set_activate(indicator_set=other, cycle=cycle, actor=admin_user, unit_kind=department)

    assert refused.value.code == "cycle_in_use" and refused.value.details == {"with_work": 1}
    message = str(refused.value.message)
    assert "1 bản đánh giá" in message and opened[1].unit.name in message and small_set.key in message
    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == small_set
    assert all(a.indicator_set_id == small_set.pk for a in Assessment.objects.filter(cycle=cycle))
    assert ScoreLine.objects.filter(pk=line.pk).exists()
    assert not AuditEntry.objects.filter(action="indicator_set.activate").exists()


def test_a_published_cycle_keeps_the_set_its_units_were_scored_on(
    small_set: IndicatorSet, cycle: Cycle, opened: list[Assessment], admin_user: Any
) -> None:
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.PUBLISHED)
    cycle.refresh_from_db()
    with pytest.raises(StateConflict) as refused:
        services.indicator_set_activate(indicator_set=other, cycle=cycle, actor=admin_user,
                                        unit_kind=UnitKind.objects.get(code="department"))
    assert refused.value.code == "cycle_results_published"


def test_the_report_page_replaces_the_set_and_says_how_many_units_moved(
    client: Client, small_set: IndicatorSet, cycle: Cycle, opened: list[Assessment], admin_user: Any
) -> None:
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    department = UnitKind.objects.get(code="department")
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_activate", args=[other.pk]),
                           {"cycle": cycle.pk, "unit_kind": department.pk,
                            f"applied_{cycle.pk}_{department.pk}": str(small_set.pk)})
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Bản đánh giá của 3 đơn vị đã chuyển sang bộ «test-set-b»" in t for t in texts), texts
    assert Assessment.objects.filter(cycle=cycle, indicator_set=other).count() == 3


def test_the_report_page_refuses_when_a_unit_has_scored(
    client: Client, small_set: IndicatorSet, cycle: Cycle, opened: list[Assessment], admin_user: Any
) -> None:
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    line = opened[0].lines.order_by("pk").first()
    assert line is not None
    ScoreLine.objects.filter(pk=line.pk).update(self_score="1", self_value={"value": True})
    client.force_login(admin_user)
    department = UnitKind.objects.get(code="department")
    response = client.post(reverse("administration:set_activate", args=[other.pk]),
                           {"cycle": cycle.pk, "unit_kind": department.pk,
                            f"applied_{cycle.pk}_{department.pk}": str(small_set.pk)}, follow=True)
    page = response.content.decode()
    assert "1 bản đánh giá theo bộ này đã có dữ liệu" in page
    assert Assessment.objects.filter(cycle=cycle, indicator_set=other).count() == 0
