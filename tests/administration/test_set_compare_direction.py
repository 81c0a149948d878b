"""Comparing two sets goes from the older to the newer, whichever set's page it starts from; the choice list offers
the set this one was cloned from first, then the sets of its unit kind (newest first); a mapping saved from either
page maps the older set's code to the newer's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors, services
from scoring.models import Indicator, IndicatorMapping, IndicatorSet, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def newer(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """The 2021 set cloned from the 2020 one, with 1.2.3 lowered from 0,5 to 0,25 and 1.1.1 renumbered 1.1.9."""
    clone = services.indicator_set_clone(source=small_set, key="test-set-2021", year=2021, actor=admin_user)
    Indicator.objects.filter(indicator_set=clone, code="1.2.3").update(max_points=Decimal("0.25"))
    Indicator.objects.filter(indicator_set=clone, code="1.1.1").update(code="1.1.9")
    return clone


def _set_data(name: str) -> dict[str, Any]:
    return {"name": name, "standard_max": "10", "index_mode": "points"}


def _diff_page(client: Client, page_set: IndicatorSet, other: IndicatorSet) -> Any:
    return client.get(reverse("administration:set_diff", args=[page_set.pk]) + f"?voi={other.pk}")


def test_the_comparison_goes_from_the_older_set_to_the_newer_from_either_page(
    client: Client, small_set: IndicatorSet, newer: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    for page_set, other in ((newer, small_set), (small_set, newer)):
        # when
        response = _diff_page(client, page_set, other)
        # then
        assert response.status_code == 200
        diff = response.context["diff"]
        assert (diff.old.pk, diff.new.pk) == (small_set.pk, newer.pk)
        page = response.content.decode()
        assert "(0,50 → 0,25)" in page
        assert "(0,25 → 0,50)" not in page
        # 1.1.1 renumbered in the clone stays the criterion it was copied from
        assert [(r.old.code, r.new.code) for r in diff.renumbered] == [("1.1.1", "1.1.9")]
        assert not diff.removed and not diff.added


def test_the_older_of_two_sets_of_one_year_is_the_one_the_other_was_cloned_from(
    small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: a second version of the same year, cloned from the first
    second = services.indicator_set_clone(source=small_set, key="test-set-v2", year=2020, actor=admin_user)
    assert second.cloned_from_id == small_set.pk
    # then: whichever order they are given in
    assert selectors.older_and_newer(second, small_set) == (small_set, second)
    assert selectors.older_and_newer(small_set, second) == (small_set, second)


def test_the_choice_list_offers_the_source_set_first_then_the_same_kind_by_year(
    client: Client, small_set: IndicatorSet, newer: IndicatorSet, admin_user: Any
) -> None:
    # given: a set of another unit kind for the same year, and two more sets of the newer set's kind
    district = UnitKind.objects.get(code="district")
    other_kind = services.indicator_set_create(
        key="huyen-2021", year=2021, unit_kind=district, data=_set_data("Huyện 2021"), actor=admin_user
    )
    department = newer.unit_kind
    oldest = services.indicator_set_create(
        key="so-2019", year=2019, unit_kind=department, data=_set_data("Sở 2019"), actor=admin_user
    )
    latest = services.indicator_set_create(
        key="so-2022", year=2022, unit_kind=department, data=_set_data("Sở 2022"), actor=admin_user
    )
    client.force_login(admin_user)
    # when
    response = client.get(reverse("administration:set_diff", args=[newer.pk]))
    # then: the set it was cloned from, then its kind's sets newest first, then the other kinds'
    assert [s.pk for s in response.context["others"]] == [small_set.pk, latest.pk, oldest.pk, other_kind.pk]
    page = response.content.decode()
    assert f'<option value="{small_set.pk}" selected>' in page
    assert f'<option value="{other_kind.pk}" selected>' not in page


def test_a_mapping_saved_from_the_newer_sets_page_maps_the_older_code_to_the_newer(
    client: Client, small_set: IndicatorSet, newer: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    # when: on the 2021 set's page, compared with 2020: «Mã ở bộ cũ» 1.1.1, «Mã ở bộ mới» 1.1.9
    response = client.post(
        reverse("administration:mapping_save", args=[newer.pk, small_set.pk]),
        {"from_code": "1.1.1", "to_code": "1.1.9"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("administration:set_diff", args=[newer.pk]) + f"?voi={small_set.pk}"
    mapping = IndicatorMapping.objects.get()
    assert (mapping.from_set_id, mapping.from_code) == (small_set.pk, "1.1.1")
    assert (mapping.to_set_id, mapping.to_code) == (newer.pk, "1.1.9")
    diff = _diff_page(client, newer, small_set).context["diff"]
    assert [(r.old.code, r.new.code) for r in diff.renumbered] == [("1.1.1", "1.1.9")]
    assert not diff.removed and not diff.added
    # and it can be taken back from the same page
    response = client.post(reverse("administration:mapping_delete", args=[newer.pk, small_set.pk, mapping.pk]))
    assert response.status_code == 302
    assert not IndicatorMapping.objects.exists()


def test_a_mapping_saved_from_the_older_sets_page_is_the_same(
    client: Client, small_set: IndicatorSet, newer: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    client.post(
        reverse("administration:mapping_save", args=[small_set.pk, newer.pk]),
        {"from_code": "1.1.1", "to_code": "1.1.9"},
    )
    mapping = IndicatorMapping.objects.get()
    assert (mapping.from_set_id, mapping.from_code, mapping.to_set_id, mapping.to_code) == (
        small_set.pk, "1.1.1", newer.pk, "1.1.9"
    )


def test_a_mapping_with_the_codes_the_wrong_way_round_is_refused_and_nothing_is_saved(
    client: Client, small_set: IndicatorSet, newer: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    # «1.1.9» is the newer set's code, not the older's
    response = client.post(
        reverse("administration:mapping_save", args=[newer.pk, small_set.pk]),
        {"from_code": "1.1.9", "to_code": "1.1.1"},
    )
    assert response.status_code == 400
    assert "không có mã «1.1.9»" in response.content.decode()
    assert not IndicatorMapping.objects.exists()


def test_the_migration_finds_the_source_of_a_set_cloned_before_the_field_existed(
    small_set: IndicatorSet, newer: IndicatorSet
) -> None:
    import importlib

    from django.apps import apps

    # given: the clone as stored before the field (its audit entry names the source by key)
    IndicatorSet.objects.filter(pk=newer.pk).update(cloned_from=None)
    migration = importlib.import_module("scoring.migrations.0017_indicatorset_cloned_from")
    # when
    migration.sources_from_audit(apps, None)
    # then
    newer.refresh_from_db()
    assert newer.cloned_from_id == small_set.pk
    small_set.refresh_from_db()
    assert small_set.cloned_from_id is None
