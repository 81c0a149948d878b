"""A cycle created with a unit kind left without a set says so: the creation warns, and the cycle's page keeps a
note naming the kind and its active units, linked to where a set is applied to it, until the kind has a set."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.cycles import cycle_kinds_without_set
from scoring.models import Cycle, IndicatorSet, Unit, UnitKind
from scoring.services import cycle_create, indicator_set_import
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db

VERTICAL_NOTE = ("Loại đơn vị «Cơ quan ngành dọc» có 5 đơn vị đang hoạt động nhưng chưa có bộ chỉ số trong kỳ "
                 "này")


@pytest.fixture
def district_set(small_set: IndicatorSet) -> IndicatorSet:
    return indicator_set_import(data=small_set_data(key="test-set-huyen", unit_kind="district"), actor=None)


def _create(client: Client, sets: dict[UnitKind, IndicatorSet]) -> Any:
    return client.post(reverse("administration:cycle_list"), {
        "year": 2020, "name": "Chỉ số CCHC năm 2020", **{f"set_{kind.pk}": s.pk for kind, s in sets.items()},
    }, follow=True)


def _messages(response: Any, level: str) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == level]


def test_creating_a_cycle_without_a_set_for_a_kind_warns_and_the_cycle_page_keeps_the_note(
    client: Client, admin_user: Any, small_set: IndicatorSet, district_set: IndicatorSet
) -> None:
    # given: sets chosen for the departments and the districts, none for the vertical agencies (5 active units)
    client.force_login(admin_user)
    kinds = {k.code: k for k in UnitKind.objects.all()}

    # when
    response = _create(client, {kinds["department"]: small_set, kinds["district"]: district_set})

    # then: created, with a warning naming the kind and its units
    cycle = Cycle.objects.get(year=2020)
    assert _messages(response, "success") == ["Đã tạo kỳ đánh giá Chỉ số CCHC năm 2020."]
    warnings = _messages(response, "warning")
    assert len(warnings) == 1 and warnings[0].startswith(VERTICAL_NOTE)
    # and the cycle's page says it, linked to the check pages of the year's sets, the departments' set among them
    page = " ".join(client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode().split())
    assert 'data-kind-without-set="vertical"' in page and VERTICAL_NOTE in page
    assert f'href="/quan-ly/bo-chi-so/{small_set.pk}/kiem-tra/?loai={kinds["vertical"].pk}#ap-dung"' in page
    assert 'data-kind-without-set="department"' not in page and 'data-kind-without-set="district"' not in page


def test_the_note_goes_once_the_kind_has_a_set(admin_user: Any, small_set: IndicatorSet, client: Client) -> None:
    kinds = {k.code: k for k in UnitKind.objects.all()}
    cycle = cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={kinds["department"]: small_set}, actor=None)
    assert [(m.kind.code, m.units) for m in cycle_kinds_without_set(cycle=cycle)] == [("vertical", 5), ("district", 11)]

    services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user,
                                    unit_kind=kinds["vertical"])

    assert [m.kind.code for m in cycle_kinds_without_set(cycle=cycle)] == ["district"]
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'data-kind-without-set="vertical"' not in page and 'data-kind-without-set="district"' in page


def test_a_kind_whose_units_all_stopped_needs_no_set(admin_user: Any, small_set: IndicatorSet) -> None:
    kinds = {k.code: k for k in UnitKind.objects.all()}
    Unit.objects.filter(kind__code__in=["vertical", "district"]).update(active=False)
    cycle = cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={kinds["department"]: small_set}, actor=None)

    assert cycle_kinds_without_set(cycle=cycle) == []


def test_a_kind_without_any_set_of_the_year_is_pointed_to_the_set_list(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    kinds = {k.code: k for k in UnitKind.objects.all()}
    cycle = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={}, actor=None)
    client.force_login(admin_user)

    page = " ".join(client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode().split())

    assert "Chưa có bộ chỉ số năm 2021 nào cho loại này" in page and 'href="/quan-ly/bo-chi-so/"' in page
    assert [m.kind for m in cycle_kinds_without_set(cycle=cycle)] == [
        kinds["department"], kinds["vertical"], kinds["district"]]


def test_the_cycle_page_with_its_note_is_refused_to_a_non_administrator(
    client: Client, unit_head: Any, small_set: IndicatorSet
) -> None:
    cycle = cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={}, actor=None)
    client.force_login(unit_head)
    assert client.get(reverse("administration:cycle_detail", args=[cycle.pk])).status_code == 403


def test_the_form_says_beside_each_kind_how_many_units_an_empty_choice_leaves_out(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_list") + "?nam=2020").content.decode()
    vertical = UnitKind.objects.get(code="vertical")
    field = page[page.index(f'name="set_{vertical.pk}"'):]
    hint = field[field.index('<span class="hint"'):field.index("</span>")]
    assert "5 đơn vị đang hoạt động. Để trống thì các đơn vị đó không được đánh giá trong kỳ này." in hint
