"""A criterion mapping between two sets goes forward in time, between sets for one unit kind, and pairs a leaf
with a leaf (or two groups of one level)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import IndicatorMapping, IndicatorSet, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="later-2021", year=2021, actor=admin_user)


def test_an_area_cannot_be_mapped_to_a_leaf(small_set: IndicatorSet, later: IndicatorSet, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_mapping_save(from_set=small_set, to_set=later, from_code="1", to_code="1.1.1",
                                        actor=admin_user)
    assert refused.value.code == "mapping_levels"
    with pytest.raises(ValidationFailed):  # two groups of different levels
        services.indicator_mapping_save(from_set=small_set, to_set=later, from_code="1", to_code="1.1",
                                        actor=admin_user)
    # a leaf to a leaf, and two groups of one level, are fine
    services.indicator_mapping_save(from_set=small_set, to_set=later, from_code="1.1.1", to_code="1.1.2",
                                    actor=admin_user)
    services.indicator_mapping_save(from_set=small_set, to_set=later, from_code="1.1", to_code="1.2",
                                    actor=admin_user)
    assert IndicatorMapping.objects.count() == 2


def test_a_mapping_backwards_in_time_is_refused(small_set: IndicatorSet, later: IndicatorSet, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_mapping_save(from_set=later, to_set=small_set, from_code="1.1.1", to_code="1.1.1",
                                        actor=admin_user)
    assert refused.value.code == "mapping_backwards"


def test_a_mapping_to_a_set_of_another_unit_kind_is_refused(
    client: Client, small_set: IndicatorSet, later: IndicatorSet, admin_user: Any
) -> None:
    IndicatorSet.objects.filter(pk=later.pk).update(unit_kind=UnitKind.objects.get(code="district"))
    later.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_mapping_save(from_set=small_set, to_set=later, from_code="1.1.1", to_code="1.1.1",
                                        actor=admin_user)
    assert refused.value.code == "mapping_other_kind"
    client.force_login(admin_user)
    page = client.post(reverse("administration:mapping_save", args=[small_set.pk, later.pk]),
                       {"from_code": "1.1.1", "to_code": "1.1.1"}, follow=True).content.decode()
    assert "loại đơn vị khác nhau" in page
    assert not IndicatorMapping.objects.exists()


def test_a_kind_scored_on_another_kinds_set_may_map_between_them(
    cycle: Any, small_set: IndicatorSet, later: IndicatorSet, admin_user: Any
) -> None:
    # the cycle fixture scores the vertical agencies on the departments' set
    IndicatorSet.objects.filter(pk=later.pk).update(unit_kind=UnitKind.objects.get(code="vertical"))
    later.refresh_from_db()
    services.indicator_mapping_save(from_set=small_set, to_set=later, from_code="1.1.1", to_code="1.1.1",
                                    actor=admin_user)
    assert IndicatorMapping.objects.count() == 1
