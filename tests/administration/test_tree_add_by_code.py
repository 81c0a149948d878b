"""A criterion added to a set's tree is placed by its code among its siblings, in the codes' natural order («1.3.1»
before «1.3.2», «1.10» after «1.9»), from the set editor's «Thêm con», from the API and from the service: a criterion
re-added under the code a deleted one left is where the decision numbers it, so «Đánh số lại» has nothing to change
(it renumbers by position, and would otherwise give the codes the other way round)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.administration.services.tree import code_order_key, renumber_plan
from scoring.errors import ValidationFailed
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _codes(indicator_set: IndicatorSet) -> list[str]:
    return list(indicator_set.indicators.order_by("order").values_list("code", flat=True))


def _children(indicator_set: IndicatorSet, code: str) -> list[str]:
    return list(_node(indicator_set, code).children.order_by("order").values_list("code", flat=True))


def _add(indicator_set: IndicatorSet, parent: str | None, code: str, actor: Any) -> Indicator:
    return services.indicator_create(
        indicator_set=indicator_set,
        parent=_node(indicator_set, parent) if parent else None,
        data={"code": code, "name": f"Tiêu chí {code}", "kind": "normal", "max_points": Decimal("0.5"),
              "floor": Decimal("0"), "method": "yes_no", "params": {}, "evidence_required": True,
              "allow_not_applicable": False, "guidance": "", "source": "self", "coordinating_department": ""},
        actor=actor,
    )


def test_codes_sort_by_their_numbers() -> None:
    codes = ["1.10", "1.3.2", "1.9", "1.3", "1.3a", "1.3.1", "2", "1.3.10", "10"]
    assert sorted(codes, key=code_order_key) == ["1.3", "1.3.1", "1.3.2", "1.3.10", "1.3a", "1.9", "1.10", "2",
                                                 "10"]


def test_a_criterion_readded_under_a_deleted_ones_code_goes_back_to_its_place(
    draft: IndicatorSet, admin_user: Any
) -> None:
    # given: 1.2.1 deleted, its siblings 1.2.2 and 1.2.3 keep their codes
    services.indicator_delete(indicator=_node(draft, "1.2.1"), actor=admin_user)
    # when
    node = _add(draft, "1.2", "1.2.1", admin_user)
    # then: first of its group, its subtree's neighbours in pre-order, the tree numbered again
    assert _children(draft, "1.2") == ["1.2.1", "1.2.2", "1.2.3"]
    assert _codes(draft) == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "1.2.2", "1.2.3", "2", "2.1", "2.1.1",
                             "2.1.2", "2.2", "2.2.1", "2.3", "2.3.1"]
    assert list(draft.indicators.order_by("order").values_list("order", flat=True)) == list(range(1, 17))
    assert node.level == 3 and node.is_leaf
    assert not renumber_plan(indicator_set=draft, root=_node(draft, "1.2"))


def test_a_code_after_every_sibling_goes_last_and_ten_goes_after_nine(draft: IndicatorSet, admin_user: Any) -> None:
    for number in range(4, 10):
        _add(draft, "1.2", f"1.2.{number}", admin_user)
    _add(draft, "1.2", "1.2.10", admin_user)
    assert _children(draft, "1.2") == [f"1.2.{n}" for n in range(1, 11)]
    # a code between two siblings goes between them
    services.indicator_delete(indicator=_node(draft, "1.2.5"), actor=admin_user)
    _add(draft, "1.2", "1.2.5", admin_user)
    assert _children(draft, "1.2") == [f"1.2.{n}" for n in range(1, 11)]


def test_a_new_area_with_a_code_before_the_others_goes_first(draft: IndicatorSet, admin_user: Any) -> None:
    # given: area 1 (and its criteria) deleted
    services.indicator_delete(indicator=_node(draft, "1"), actor=admin_user)
    # when
    _add(draft, None, "1", admin_user)
    # then
    assert _codes(draft)[:3] == ["1", "2", "2.1"]


def test_the_set_editors_add_places_the_criterion_by_its_code(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given
    services.indicator_delete(indicator=_node(draft, "1.1.1"), actor=admin_user)
    client.force_login(admin_user)
    add = reverse("administration:node_add", args=[draft.pk])
    # when: «Thêm con» on 1.1, the proposed code replaced by 1.1.1
    response = client.post(add, {"parent": _node(draft, "1.1").pk, "code": "1.1.1", "name": "Ban hành kế hoạch",
                                 "kind": "normal", "max_points": "1", "floor": "0", "method": "yes_no",
                                 "source": "self", "save": "1"})
    # then
    assert response.status_code == 302
    assert _children(draft, "1.1") == ["1.1.1", "1.1.2"]
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Đã thêm tiêu chí 1.1.1" in m for m in said), said
    page = client.get(reverse("administration:set_detail", args=[draft.pk])).content.decode()
    assert page.index("Ban hành kế hoạch") < page.index("Mức độ thực hiện kế hoạch")


def test_the_apis_add_places_the_criterion_by_its_code(draft: IndicatorSet, admin_user: Any) -> None:
    # given
    api = APIClient()
    api.force_login(admin_user)
    assert api.delete(f"/api/v1/indicator-sets/{draft.key}/indicators/2.1.1/").status_code == 204
    # when
    response = api.post(f"/api/v1/indicator-sets/{draft.key}/indicators/",
                        {"parent": "2.1", "code": "2.1.1", "name": "Tỷ lệ văn bản điện tử", "max_points": "2",
                         "method": "yes_no"}, format="json")
    # then
    assert response.status_code == 201, response.json()
    assert _children(draft, "2.1") == ["2.1.1", "2.1.2"]


def test_a_refused_add_moves_nothing(draft: IndicatorSet, admin_user: Any) -> None:
    # given
    services.indicator_delete(indicator=_node(draft, "1.2.1"), actor=admin_user)
    before = list(draft.indicators.order_by("pk").values_list("pk", "order"))
    # when: a code another criterion holds
    with pytest.raises(ValidationFailed):
        _add(draft, "1.2", "1.1.1", admin_user)
    # then
    assert list(draft.indicators.order_by("pk").values_list("pk", "order")) == before
