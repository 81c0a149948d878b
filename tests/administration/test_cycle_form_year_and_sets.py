"""The cycle creation form proposes the year after the last cycle's, and each unit kind's set drop-down lists first
the sets of the year chosen: the kind's own, then the other kinds' of that year (the vertical agencies are scored on
the departments' set); the other years' sets come after them, under their year. A page sent back (a refusal) or
asked for another year (`?nam=`) lists that year's first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.models import IndicatorSet, UnitKind
from scoring.services import cycle_create, indicator_set_import
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db


def _year_value(page: str) -> str:
    found = re.search(r'<input type="number" name="year" value="(\d*)"', page)
    assert found, "no year field"
    return found.group(1)


def _groups(page: str, kind: UnitKind) -> list[tuple[str, list[str]]]:
    """The set drop-down of a kind: its groups (label, the sets' keys in order)."""
    start = page.index(f'name="set_{kind.pk}"')
    select = page[start:page.index("</select>", start)]
    groups = []
    for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S):
        keys = re.findall(r'<option value="\d+"[^>]*>([^ <]+) — ', body)
        groups.append((label, keys))
    return groups


@pytest.fixture
def sets(small_set: IndicatorSet) -> dict[str, IndicatorSet]:
    """2020: the small department set; 2021: a department set and a district set; 2019: a vertical agencies' set."""
    return {
        "so-2020": small_set,
        "so-2021": indicator_set_import(data=small_set_data(key="so-2021", year=2021), actor=None),
        "huyen-2021": indicator_set_import(data=small_set_data(key="huyen-2021", unit_kind="district", year=2021),
                                           actor=None),
        "doc-2019": indicator_set_import(data=small_set_data(key="doc-2019", unit_kind="vertical", year=2019),
                                         actor=None),
    }


def test_the_year_defaults_to_the_year_after_the_last_cycle(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={}, actor=None)
    client.force_login(admin_user)

    page = client.get(reverse("administration:cycle_list")).content.decode()

    assert _year_value(page) == "2021"


def test_without_a_cycle_the_year_defaults_to_this_year(client: Client, catalogue: Any, admin_user: Any) -> None:
    client.force_login(admin_user)

    page = client.get(reverse("administration:cycle_list")).content.decode()

    assert _year_value(page) == str(timezone.localdate().year)


def test_each_kinds_drop_down_lists_the_chosen_years_sets_first_its_own_kinds_first(
    client: Client, sets: dict[str, IndicatorSet], admin_user: Any
) -> None:
    # given: the last cycle is 2020, so 2021 is proposed
    cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={}, actor=None)
    client.force_login(admin_user)

    page = client.get(reverse("administration:cycle_list")).content.decode()

    department, district = UnitKind.objects.get(code="department"), UnitKind.objects.get(code="district")
    vertical = UnitKind.objects.get(code="vertical")
    assert [keys for _label, keys in _groups(page, department)][:2] == [["so-2021"], ["huyen-2021"]]
    assert [keys for _label, keys in _groups(page, district)][:2] == [["huyen-2021"], ["so-2021"]]
    # the vertical agencies have no set of 2021: the other kinds' sets of 2021 come first
    first_label, first_keys = _groups(page, vertical)[0]
    assert "2021" in first_label and set(first_keys) == {"so-2021", "huyen-2021"}
    # the other years' sets are still there, after, under their year
    labels = [label for label, _keys in _groups(page, department)]
    assert "2021" in labels[0] and "Sở, ban, ngành tỉnh" in labels[0]
    rest = dict(_groups(page, department)[2:])
    assert any("2020" in label and "test-set" in keys for label, keys in rest.items())
    assert any("2019" in label and "doc-2019" in keys for label, keys in rest.items())


def test_another_year_asked_for_lists_that_years_sets_first(
    client: Client, sets: dict[str, IndicatorSet], admin_user: Any
) -> None:
    client.force_login(admin_user)

    page = client.get(reverse("administration:cycle_list"), {"nam": "2020"}).content.decode()

    department = UnitKind.objects.get(code="department")
    assert _year_value(page) == "2020"
    assert _groups(page, department)[0][1] == ["test-set"]


def test_a_refused_form_lists_the_posted_years_sets_first_keeping_the_choice(
    client: Client, sets: dict[str, IndicatorSet], admin_user: Any
) -> None:
    department = UnitKind.objects.get(code="department")
    client.force_login(admin_user)

    # when: 2021 with the 2020 set (refused: a set of another year)
    response = client.post(reverse("administration:cycle_list"), {
        "year": "2021", "name": "Kỳ 2021", f"set_{department.pk}": sets["so-2020"].pk})

    assert response.status_code == 400
    page = response.content.decode()
    assert _groups(page, department)[0][1] == ["so-2021"]
    assert re.search(rf'<option value="{sets["so-2020"].pk}" selected>', page)


def test_the_cycle_is_made_with_the_chosen_years_sets(
    client: Client, sets: dict[str, IndicatorSet], admin_user: Any
) -> None:
    department, district = UnitKind.objects.get(code="department"), UnitKind.objects.get(code="district")
    client.force_login(admin_user)

    response = client.post(reverse("administration:cycle_list"), {
        "year": "2021", "name": "Kỳ 2021", f"set_{department.pk}": sets["so-2021"].pk,
        f"set_{district.pk}": sets["huyen-2021"].pk})

    assert response.status_code == 302


def test_a_year_without_any_set_says_so_and_where_to_make_one(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)

    page = client.get(reverse("administration:cycle_list"), {"nam": "2023"}).content.decode()

    note = page[page.index("data-sets-note"):]
    note = note[:note.index("</p>")]
    assert "hidden" not in note.split(">")[0]
    assert "Chưa có bộ chỉ số nào của năm 2023" in note and reverse("administration:set_list") in note
    page = client.get(reverse("administration:cycle_list"), {"nam": "2020"}).content.decode()
    assert re.search(r"data-sets-note hidden", page)
