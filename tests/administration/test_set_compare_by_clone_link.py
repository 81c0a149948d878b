"""The comparison across years pairs a criterion of a clone with the one it was copied from (`Indicator.cloned_from`,
set by the clone, kept by the tree's Excel import), whatever their codes: a criterion deleted in the clone and an
unrelated new one under its code are a removal and an addition, not one «changed» criterion. Sets with no link
between them (cloned before the link was kept) still compare by code."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors, services
from scoring.models import Indicator, IndicatorMapping, IndicatorSet
from scoring.services import indicator_set_import
from tests.administration.test_tree_import_renumbered_criteria import (
    NAME,
    RENUMBERED,
    _apply,
    _edited,
    _exported,
    _preview,
    _renumbered_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tg_2020(catalogue: Any) -> IndicatorSet:
    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    return indicator_set_import(data=data, actor=None)


@pytest.fixture
def tg_2021(tg_2020: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=tg_2020, key="tg-2021-so", year=2021, actor=admin_user)


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _replace_7_2_4(indicator_set: IndicatorSet, actor: Any) -> None:
    """As the tester did: 7.2.4 deleted, an unrelated criterion added under 7.2 taking the code 7.2.4."""
    services.indicator_delete(indicator=_node(indicator_set, "7.2.4"), actor=actor)
    services.indicator_create(
        indicator_set=indicator_set,
        parent=_node(indicator_set, "7.2"),
        data={
            "code": "7.2.4", "name": "Tỷ lệ thủ tục hành chính được số hóa hồ sơ", "kind": "normal",
            "max_points": Decimal("0.5"), "floor": Decimal("0"), "method": "ratio_bands",
            "params": {"bands": [{"min": "80", "inclusive": True, "points": "0.5"},
                                 {"min": "0", "inclusive": True, "points": "0"}]},
            "evidence_required": True, "allow_not_applicable": False, "guidance": "", "source": "self",
            "coordinating_department": "",
        },
        actor=actor,
    )


def test_the_clone_links_each_criterion_to_the_one_it_was_copied_from(
    tg_2020: IndicatorSet, tg_2021: IndicatorSet
) -> None:
    copies = Indicator.objects.filter(indicator_set=tg_2021).select_related("cloned_from")
    assert copies.count() == tg_2020.indicators.count()
    assert all(c.cloned_from.indicator_set_id == tg_2020.pk and c.cloned_from.code == c.code for c in copies)


def test_a_deleted_criterion_and_a_new_one_under_its_code_are_a_removal_and_an_addition(
    client: Client, tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given
    _replace_7_2_4(tg_2021, admin_user)
    client.force_login(admin_user)
    # when
    response = client.get(reverse("administration:set_diff", args=[tg_2021.pk]) + f"?voi={tg_2020.pk}")
    # then
    assert response.status_code == 200
    diff = response.context["diff"]
    assert [r.old.code for r in diff.removed] == ["7.2.4"]
    assert [r.new.code for r in diff.added] == ["7.2.4"]
    assert diff.removed[0].old.method == "yes_no" and diff.added[0].new.method == "ratio_bands"
    assert "7.2.4" not in [r.new.code for r in diff.changed]
    assert not diff.renumbered


def test_a_criterion_renumbered_by_the_excel_import_keeps_its_link_and_shows_as_renumbered(
    client: Client, tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given: the official's file deletes 1.2 and renumbers 1.3 / 1.3.x as 1.2 / 1.2.x
    client.force_login(admin_user)
    _apply(client, tg_2021, _renumbered_file(client, tg_2021))
    # then each criterion recognised keeps the criterion of 2020 it was copied from
    for old_code, new_code in RENUMBERED:
        assert _node(tg_2021, new_code).cloned_from_id == _node(tg_2020, old_code).pk
    assert _node(tg_2021, "1.1").cloned_from_id == _node(tg_2020, "1.1").pk
    # and the comparison pairs them by that link alone (the mappings the import recorded taken away)
    IndicatorMapping.objects.all().delete()
    diff = selectors.indicator_set_diff(old=tg_2020, new=tg_2021)
    assert sorted((r.old.code, r.new.code) for r in diff.renumbered) == sorted(RENUMBERED)
    assert [r.old.code for r in diff.removed] == ["1.2", "1.2.1", "1.2.2"]
    assert not diff.added


def test_a_criterion_new_in_the_excel_file_has_no_link(
    client: Client, tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given: the file gives 7.2.4 another code and another name: not recognised, a new criterion
    client.force_login(admin_user)
    content = _edited(_exported(client, tg_2021), recode={"7.2.4": "7.2.5"},
                      values={"7.2.4": {NAME: "Tỷ lệ thủ tục hành chính được số hóa hồ sơ"}})
    # when
    _apply(client, tg_2021, content)
    # then
    assert _node(tg_2021, "7.2.5").cloned_from_id is None
    assert _node(tg_2021, "7.2.3").cloned_from_id == _node(tg_2020, "7.2.3").pk
    diff = selectors.indicator_set_diff(old=tg_2020, new=tg_2021)
    assert [r.old.code for r in diff.removed] == ["7.2.4"]
    assert [r.new.code for r in diff.added] == ["7.2.5"]


def test_the_excel_import_into_a_set_already_cloned_keeps_the_later_clones_links(
    client: Client, tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given: 2021's draft already cloned for 2022, then the official's file applied to 2021 (1.2 and its rows
    # deleted, 1.3 / 1.3.x renumbered 1.2 / 1.2.x)
    tg_2022 = services.indicator_set_clone(source=tg_2021, key="tg-2022-so", year=2022, actor=admin_user)
    client.force_login(admin_user)
    # when
    _apply(client, tg_2021, _renumbered_file(client, tg_2021))
    # then each 2022 criterion points at the 2021 criterion recreated for the one it was copied from
    for old_code, new_code in RENUMBERED:
        assert _node(tg_2022, old_code).cloned_from_id == _node(tg_2021, new_code).pk
    assert _node(tg_2022, "1.1").cloned_from_id == _node(tg_2021, "1.1").pk
    assert _node(tg_2022, "7.2.4").cloned_from_id == _node(tg_2021, "7.2.4").pk
    # and only the criteria the file removed are left without one
    unlinked = Indicator.objects.filter(indicator_set=tg_2022, cloned_from__isnull=True)
    assert sorted(unlinked.values_list("code", flat=True)) == ["1.2", "1.2.1", "1.2.2"]
    # so the comparison of 2021 with 2022 reads 2022 as 2021 before the file: 1.2 added back, 1.2.x renumbered
    diff = selectors.indicator_set_diff(old=tg_2021, new=tg_2022)
    assert sorted((r.old.code, r.new.code) for r in diff.renumbered) == sorted((n, o) for o, n in RENUMBERED)
    assert sorted(r.new.code for r in diff.added) == ["1.2", "1.2.1", "1.2.2"]
    assert not diff.removed


def test_a_dry_run_of_the_excel_import_leaves_the_later_clones_links_as_they_were(
    client: Client, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given
    tg_2022 = services.indicator_set_clone(source=tg_2021, key="tg-2022-so", year=2022, actor=admin_user)
    before = dict(Indicator.objects.filter(indicator_set=tg_2022).values_list("code", "cloned_from"))
    client.force_login(admin_user)
    # when: the file only previewed
    _preview(client, tg_2021, _renumbered_file(client, tg_2021))
    # then
    assert dict(Indicator.objects.filter(indicator_set=tg_2022).values_list("code", "cloned_from")) == before
    assert _node(tg_2022, "1.2").cloned_from_id == _node(tg_2021, "1.2").pk


def test_a_set_cloned_before_the_link_was_kept_still_compares_by_code(
    tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given: a clone whose criteria have no link, as one made before the link existed
    Indicator.objects.filter(indicator_set=tg_2021).update(cloned_from=None)
    Indicator.objects.filter(indicator_set=tg_2021, code="7.2.3").update(max_points=Decimal("0.75"))
    # when
    diff = selectors.indicator_set_diff(old=tg_2020, new=tg_2021)
    # then
    assert not diff.removed and not diff.added and not diff.renumbered
    assert [(r.old.code, r.new.code, r.fields) for r in diff.changed] == [("7.2.3", "7.2.3", ["max_points"])]


@pytest.mark.django_db(transaction=True)
def test_the_migration_adding_the_link_is_reversible() -> None:
    def columns() -> set[str]:
        with connection.cursor() as cursor:
            return {c.name for c in connection.introspection.get_table_description(cursor, "scoring_indicator")}

    assert "cloned_from_id" in columns()
    call_command("migrate", "scoring", "0019", verbosity=0)
    try:
        assert "cloned_from_id" not in columns()
    finally:
        call_command("migrate", "scoring", verbosity=0)
    assert "cloned_from_id" in columns()
