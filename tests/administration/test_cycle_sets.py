"""A new cycle maps a set to each unit kind, including a kind scored on another kind's set."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration.forms import CycleForm
from scoring.models import Cycle, IndicatorSet, UnitKind
from scoring.services import indicator_set_import
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db


def test_a_kind_without_a_set_of_its_own_is_offered_every_set_its_own_first(small_set: IndicatorSet) -> None:
    vertical = UnitKind.objects.get(code="vertical")
    own = indicator_set_import(data=small_set_data(key="nganh-doc-2019", unit_kind="vertical", year=2019), actor=None)
    choices = list(CycleForm().fields[f"set_{vertical.pk}"].queryset)
    assert choices[0] == own and small_set in choices
    department = CycleForm().fields[f"set_{small_set.unit_kind_id}"]
    assert department.queryset.first() == small_set
    assert "test-set" in department.label_from_instance(small_set)


def test_the_vertical_agencies_are_mapped_to_the_departments_set_through_the_form(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    department, vertical = UnitKind.objects.get(code="department"), UnitKind.objects.get(code="vertical")
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_list"), {
        "year": "2020", "name": "Kỳ 2020", f"set_{department.pk}": small_set.pk, f"set_{vertical.pk}": small_set.pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    cycle = Cycle.objects.get(year=2020)
    assert {(cs.unit_kind.code, cs.indicator_set_id) for cs in cycle.cycle_sets.all()} == {
        ("department", small_set.pk), ("vertical", small_set.pk),
    }


def test_a_set_of_another_year_is_still_refused_and_no_cycle_is_made(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    vertical = UnitKind.objects.get(code="vertical")
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_list"), {
        "year": "2021", "name": "Kỳ 2021", f"set_{vertical.pk}": small_set.pk,
    })
    assert response.status_code == 400
    assert "không phải bộ chỉ số năm 2021" in response.content.decode()
    assert not Cycle.objects.exists()
