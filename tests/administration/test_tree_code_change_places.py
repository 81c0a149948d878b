"""A criterion given another code on its page, under the same parent, takes its place among its siblings by that code,
as a criterion moved under another parent does (`_order_by_code`): «3.5» made «3.2» goes between «3.1» and «3.3»; a
code that does not start with the parent's goes last, and the success message says so and offers «Đánh số lại»."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import indicator_version
from scoring.administration.views.sets import renumber_url
from scoring.models import AuditEntry, Indicator, IndicatorSet
from tests.administration.test_tree_move_by_code import _add, _children, _codes, _node, _recode_branch

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """The small set's draft with an area 3 whose criteria are 3.1, 3.3 and 3.5."""
    clone = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    _add(clone, None, "3", admin_user)
    _add(clone, "3", "3.1", admin_user, leaf_parent_confirmed=True)
    _add(clone, "3", "3.3", admin_user)
    _add(clone, "3", "3.5", admin_user)
    return clone


def _edit(client: Client, node: Indicator, **changes: str) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(node).items() if v not in (None, False)}
    posted.update(changes, version=indicator_version(node))
    return client.post(reverse("administration:node_edit", args=[node.pk]), posted)


def _orders_in_sequence(indicator_set: IndicatorSet) -> bool:
    orders = list(indicator_set.indicators.order_by("order").values_list("order", flat=True))
    return orders == list(range(1, len(orders) + 1))


def test_a_code_changed_on_the_page_places_the_criterion_among_its_siblings_by_code(
    draft: IndicatorSet, admin_user: Any
) -> None:
    # when: 3.5 given the code 3.2
    _recode_branch(draft, "3.5", "3.2", admin_user)
    # then
    assert _children(draft, "3") == ["3.1", "3.2", "3.3"]
    assert _orders_in_sequence(draft)


def test_a_group_given_another_code_goes_with_its_criteria(draft: IndicatorSet, admin_user: Any) -> None:
    # when: 1.1 given the code 1.3, its criteria following
    _recode_branch(draft, "1.1", "1.3", admin_user)
    # then: after 1.2, its criteria under it, the tree in pre-order
    assert _children(draft, "1") == ["1.2", "1.3"]
    assert _codes(draft)[:8] == ["1", "1.2", "1.2.1", "1.2.2", "1.2.3", "1.3", "1.3.1", "1.3.2"]
    assert _orders_in_sequence(draft)


def test_a_code_off_the_parents_goes_last(draft: IndicatorSet, admin_user: Any) -> None:
    _recode_branch(draft, "3.1", "9.1", admin_user)
    assert _children(draft, "3") == ["3.3", "3.5", "9.1"]


def test_a_save_that_keeps_the_code_keeps_the_place(draft: IndicatorSet, admin_user: Any) -> None:
    # guards a save of other fields (passes before and after): 3.5 put above 3.3 by hand stays there
    services.indicator_move(indicator=_node(draft, "3.5"), direction="up", actor=admin_user)
    node = _node(draft, "3.5")
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    services.indicator_update(indicator=node, data={**data, "name": "Tên mới"}, actor=admin_user)
    assert _children(draft, "3") == ["3.1", "3.5", "3.3"]


def test_the_page_says_a_code_off_the_parents_placed_the_criterion_last_and_offers_a_renumbering(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    area = _node(draft, "3")
    # when
    response = _edit(client, _node(draft, "3.1"), code="9.1")
    # then
    assert response.status_code == 302
    assert _children(draft, "3") == ["3.3", "3.5", "9.1"]
    done = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "success"]
    assert len(done) == 1, done
    assert "Đã lưu tiêu chí 9.1" in done[0] and "xếp cuối" in done[0] and "«3»" in done[0]
    assert renumber_url(draft.pk, area).replace("&", "&amp;") in done[0] and "«3.4»" in done[0]
    assert AuditEntry.objects.filter(action="indicator.update", object_id=str(_node(draft, "9.1").pk)).exists()


def test_the_page_says_only_saved_when_the_new_code_follows_the_parents(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = _edit(client, _node(draft, "3.5"), code="3.2")
    assert response.status_code == 302
    assert _children(draft, "3") == ["3.1", "3.2", "3.3"]
    done = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "success"]
    assert done == ["Đã lưu tiêu chí 3.2."]
