"""A row of the tree's file put under another parent takes its place among its new siblings by its code, as a
criterion moved on the tree's page does (`indicator_reparent`), not the place of its row in the file: «3.2» written
below «3.3» stands between «3.1» and «3.3». A row that keeps its parent keeps its place from the file. The preview
shows the place the criterion takes, and applying the file gives it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import Indicator, IndicatorSet
from tests.administration.test_tree_import_moves import _codes, _exported, _preview, _rearranged

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """The small set's draft with an area 3 whose criteria are 3.1 and 3.3, and a criterion 3.2 under area 1."""
    clone = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    _add(clone, None, "3", admin_user)
    _add(clone, "3", "3.1", admin_user, leaf_parent_confirmed=True)
    _add(clone, "3", "3.3", admin_user)
    _add(clone, "1", "3.2", admin_user)
    return clone


def _add(indicator_set: IndicatorSet, parent: str | None, code: str, actor: Any, **options: Any) -> Indicator:
    return services.indicator_create(
        indicator_set=indicator_set,
        parent=indicator_set.indicators.get(code=parent) if parent else None,
        data={"code": code, "name": f"Tiêu chí {code}", "kind": "normal", "max_points": Decimal("1"),
              "floor": Decimal("0"), "method": "yes_no", "params": {}, "evidence_required": True,
              "allow_not_applicable": False, "guidance": "", "source": "self", "coordinating_department": ""},
        actor=actor, **options,
    )


def _children(indicator_set: IndicatorSet, code: str) -> list[str]:
    node = indicator_set.indicators.get(code=code)
    return list(node.children.order_by("order").values_list("code", flat=True))


def _apply(client: Client, indicator_set: IndicatorSet, response: Any) -> None:
    applied = client.post(reverse("administration:set_import_apply", args=[indicator_set.pk]),
                          {"token": response.context["token"]})
    assert applied.status_code == 302, applied.content.decode()[:2000]


def test_a_row_put_under_another_parent_takes_its_place_by_code_not_its_place_in_the_file(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: 3.2's row put under area 3, written last in the file (below 3.3)
    client.force_login(admin_user)
    order = [c for c in _codes(draft) if c != "3.2"] + ["3.2"]
    content = _rearranged(_exported(client, draft), order, parents={"3.2": "3"})
    # when
    response = _preview(client, draft, content)
    # then: the preview shows it second in area 3, between 3.1 and 3.3
    moves = [(m.code, m.new) for m in response.context["outcome"].changes.moved]
    assert moves == [("3.2", "thứ 2 trong «3»")]
    _apply(client, draft, response)
    assert _children(draft, "3") == ["3.1", "3.2", "3.3"]
    assert _codes(draft)[-4:] == ["3", "3.1", "3.2", "3.3"]
    assert list(draft.indicators.order_by("order").values_list("order", flat=True)) == list(
        range(1, draft.indicators.count() + 1))


def test_a_row_put_under_a_parent_its_code_does_not_start_with_goes_last(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: 2.1's row put under area 3, written between 3.1 and 3.3
    client.force_login(admin_user)
    order = [c for c in _codes(draft) if not c.startswith("2.1")]
    at = order.index("3.1") + 1
    order[at:at] = [c for c in _codes(draft) if c.startswith("2.1")]
    content = _rearranged(_exported(client, draft), order, parents={"2.1": "3"})
    # when
    _apply(client, draft, _preview(client, draft, content))
    # then: last in area 3, its criteria with it, as the page's move places it
    assert _children(draft, "3") == ["3.1", "3.3", "2.1"]
    assert _children(draft, "2.1") == ["2.1.1", "2.1.2"]


def test_rows_that_keep_their_parent_keep_their_place_from_the_file(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # guards the file's own order (passes before and after): 3.3 written above 3.1, both still under area 3
    client.force_login(admin_user)
    order = [c for c in _codes(draft) if c != "3.3"]
    order.insert(order.index("3.1"), "3.3")
    _apply(client, draft, _preview(client, draft, _rearranged(_exported(client, draft), order)))
    assert _children(draft, "3") == ["3.3", "3.1"]
