"""The administrator's comparison of two sets pairs each criterion with itself through the whole chain of clones
(a set cloned, its clone cloned again as the frozen set's new version), as the public year-over-year page does: an
unchanged copy of a renumbered clone compares with the older set as the clone does. Where no link pairs criteria
(sets cloned before the link was kept), the mappings each clone recorded are composed along the chain."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors, services
from scoring.administration.services.tree import indicator_set_renumber, renumber_digest, renumber_plan
from scoring.models import Indicator, IndicatorSet
from scoring.services import indicator_set_import

pytestmark = pytest.mark.django_db

NEW_1_3_1 = "Ứng dụng phần mềm quản lý văn bản trong kiểm tra CCHC"


@pytest.fixture
def tg_2020(catalogue: Any) -> IndicatorSet:
    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    return indicator_set_import(data=data, actor=None)


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _renumber(indicator_set: IndicatorSet, root: str, actor: Any) -> None:
    node = _node(indicator_set, root)
    plan = renumber_plan(indicator_set=indicator_set, root=node)
    indicator_set_renumber(indicator_set=indicator_set, root=node, expected=renumber_digest(plan), actor=actor)


@pytest.fixture
def tg_2021(tg_2020: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """As the tester edited it: 1.1.2 deleted and 1.1 renumbered (1.1.3 → 1.1.2); 1.3.1 deleted and an unrelated
    criterion added as 1.3.1; the maximum of 1.2.2 changed."""
    clone = services.indicator_set_clone(source=tg_2020, key="tg-2021-so", year=2021, actor=admin_user)
    services.indicator_delete(indicator=_node(clone, "1.1.2"), actor=admin_user)
    _renumber(clone, "1.1", admin_user)
    services.indicator_delete(indicator=_node(clone, "1.3.1"), actor=admin_user)
    services.indicator_create(
        indicator_set=clone, parent=_node(clone, "1.3"),
        data={"code": "1.3.1", "name": NEW_1_3_1, "kind": "normal", "max_points": Decimal("0.5"),
              "floor": Decimal("0"), "method": "yes_no", "params": {}, "evidence_required": True,
              "allow_not_applicable": False, "guidance": "", "source": "self", "coordinating_department": ""},
        actor=admin_user,
    )
    node = _node(clone, "1.2.2")
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    services.indicator_update(indicator=node, data={**data, "max_points": Decimal("0.75")}, actor=admin_user)
    return clone


def _shape(diff: selectors.SetDiff) -> dict[str, Any]:
    """What the comparison says, by codes."""
    return {
        "added": sorted(r.new.code for r in diff.added),
        "removed": sorted(r.old.code for r in diff.removed),
        "changed": sorted((r.old.code, r.new.code) for r in diff.changed),
        "renumbered": sorted((r.old.code, r.new.code) for r in diff.renumbered),
        "unchanged": diff.unchanged,
    }


def test_the_clones_comparison_as_the_tester_found_it_right(tg_2020: IndicatorSet, tg_2021: IndicatorSet) -> None:
    shape = _shape(selectors.indicator_set_diff(old=tg_2020, new=tg_2021))
    assert shape["removed"] == ["1.1.2", "1.3.1"] and shape["added"] == ["1.3.1"]
    assert shape["renumbered"] == [("1.1.3", "1.1.2")]
    assert shape["changed"] == [("1.2.2", "1.2.2")]


def test_an_unchanged_copy_of_the_clone_compares_with_the_older_set_as_the_clone_does(
    client: Client, tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given: the frozen clone's new version, as the app advises, unchanged
    copy = services.indicator_set_clone(source=tg_2021, key="tg-2021-so-d", year=2021, actor=admin_user)
    client.force_login(admin_user)
    # when
    response = client.get(reverse("administration:set_diff", args=[copy.pk]) + f"?voi={tg_2020.pk}")
    # then
    assert response.status_code == 200
    diff = response.context["diff"]
    assert (diff.old.pk, diff.new.pk) == (tg_2020.pk, copy.pk)
    assert _shape(diff) == _shape(selectors.indicator_set_diff(old=tg_2020, new=tg_2021))
    assert [r.new.name for r in diff.added] == [NEW_1_3_1]
    page = response.content.decode()
    assert "Thêm mới 1 · bỏ 2 · thay đổi 1 · đánh số lại 1" in page
    assert diff.through == ["tg-2021-so"] and "Bộ này sao chép từ «tg-2020-so» qua «tg-2021-so»" in page


def test_an_identical_copy_shows_no_change(tg_2021: IndicatorSet, admin_user: Any) -> None:
    copy = services.indicator_set_clone(source=tg_2021, key="tg-2021-so-d", year=2021, actor=admin_user)
    diff = selectors.indicator_set_diff(old=tg_2021, new=copy)
    assert not diff.added and not diff.removed and not diff.changed and not diff.renumbered
    assert diff.unchanged == tg_2021.indicators.count()


def test_criteria_renumbered_in_the_second_clone_are_renumbered_from_the_first_set(
    tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given: the new version with 1.4 and 1.5 swapped and area 1 renumbered
    version_b = services.indicator_set_clone(source=tg_2021, key="tg-2021-so-b", year=2021, actor=admin_user)
    services.indicator_move(indicator=_node(version_b, "1.5"), direction="up", actor=admin_user)
    _renumber(version_b, "1", admin_user)
    # when
    diff = selectors.indicator_set_diff(old=tg_2020, new=version_b)
    # then: renumbered, not «changed» into one another; the deleted and the new 1.3.1 still apart
    shape = _shape(diff)
    swapped = [("1.4", "1.5"), ("1.4.1", "1.5.1"), ("1.4.2", "1.5.2"), ("1.4.3", "1.5.3"),
               ("1.5", "1.4"), ("1.5.1", "1.4.1"), ("1.5.2", "1.4.2"), ("1.5.3", "1.4.3")]
    assert shape["renumbered"] == sorted([("1.1.3", "1.1.2"), *swapped])
    assert shape["removed"] == ["1.1.2", "1.3.1"] and shape["added"] == ["1.3.1"]
    assert shape["changed"] == [("1.2.2", "1.2.2")]
    assert _node(version_b, "1.4").name == _node(tg_2020, "1.5").name


def test_without_links_the_mappings_of_each_clone_are_composed(
    tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any
) -> None:
    # given: the second clone renumbered too, then every link taken away (sets cloned before the link was kept):
    # only the mappings each renumbering recorded (2020 → 2021, 2021 → 2021-b) say which criterion is which
    version_b = services.indicator_set_clone(source=tg_2021, key="tg-2021-so-b", year=2021, actor=admin_user)
    services.indicator_move(indicator=_node(version_b, "1.5"), direction="up", actor=admin_user)
    _renumber(version_b, "1", admin_user)
    Indicator.objects.filter(indicator_set__in=[tg_2021, version_b]).update(cloned_from=None)
    # when
    diff = selectors.indicator_set_diff(old=tg_2020, new=version_b)
    # then: 2020's 1.1.3 is 2021-b's 1.1.2 through both sets' mappings; 1.4 and 1.5 swapped; the deleted 1.1.2 is
    # not paired with the criterion that took its code (the new 1.3.1 has no mapping to tell it apart: by code)
    shape = _shape(diff)
    assert ("1.1.3", "1.1.2") in shape["renumbered"] and ("1.4", "1.5") in shape["renumbered"]
    assert ("1.5.3", "1.4.3") in shape["renumbered"] and len(shape["renumbered"]) == 9
    assert shape["removed"] == ["1.1.2"] and shape["added"] == []
    assert shape["changed"] == [("1.2.2", "1.2.2"), ("1.3.1", "1.3.1")]


@pytest.mark.parametrize(("language", "said"), [
    ("en", "maximum score, parameters (0.50 → 0.75)"),
    ("vi", "điểm tối đa, tham số (0,50 → 0,75)"),
])
def test_the_changes_are_named_in_the_pages_language(
    client: Client, tg_2020: IndicatorSet, tg_2021: IndicatorSet, admin_user: Any, language: str, said: str
) -> None:
    # given
    client.force_login(admin_user)
    client.cookies["django_language"] = language
    # when
    response = client.get(reverse("administration:set_diff", args=[tg_2021.pk]) + f"?voi={tg_2020.pk}")
    # then: 1.2.2's maximum (and its yes/no points following it) changed
    row = response.content.decode().split('<section class="diff-changed">')[1].split("</section>")[0]
    assert said in row, row
