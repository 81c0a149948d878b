"""A criterion moved under another parent (the tree's «move», under the set's address) takes its place among its new
siblings by its code, as a new criterion does (`_order_by_code`): «3.2» moved under area 3 lands between «3.1» and
«3.3». A code that does not start with the new parent's («1.2» under «3») has no place there: it goes last, and the
success message says so and offers «Đánh số lại» (previewed, never applied without the administrator)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.views.sets import renumber_url
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """The small set's draft with an area 3 whose criteria are 3.1 and 3.3 (3.2 missing)."""
    clone = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    _add(clone, None, "3", admin_user)
    _add(clone, "3", "3.1", admin_user, leaf_parent_confirmed=True)
    _add(clone, "3", "3.3", admin_user)
    return clone


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _add(indicator_set: IndicatorSet, parent: str | None, code: str, actor: Any, **options: Any) -> Indicator:
    return services.indicator_create(
        indicator_set=indicator_set,
        parent=_node(indicator_set, parent) if parent else None,
        data={"code": code, "name": f"Tiêu chí {code}", "kind": "normal", "max_points": Decimal("1"),
              "floor": Decimal("0"), "method": "yes_no", "params": {}, "evidence_required": True,
              "allow_not_applicable": False, "guidance": "", "source": "self", "coordinating_department": ""},
        actor=actor, **options,
    )


def _codes(indicator_set: IndicatorSet) -> list[str]:
    return list(indicator_set.indicators.order_by("order").values_list("code", flat=True))


def _children(indicator_set: IndicatorSet, code: str) -> list[str]:
    return list(_node(indicator_set, code).children.order_by("order").values_list("code", flat=True))


def _recode_branch(indicator_set: IndicatorSet, code: str, new_code: str, actor: Any) -> Indicator:
    """The criterion's code changed on its page, its criteria's codes following («1.2.1» → «3.2.1»)."""
    node = _node(indicator_set, code)
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    return services.indicator_update(indicator=node, data={**data, "code": new_code}, actor=actor, carry_prefix=True)


def _said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_criterion_moved_under_a_parent_goes_between_the_siblings_its_code_falls_between(
    draft: IndicatorSet, admin_user: Any
) -> None:
    # given: 1.2 given the code 3.2 (its criteria following), still under area 1
    node = _recode_branch(draft, "1.2", "3.2", admin_user)
    # when
    services.indicator_reparent(indicator=node, new_parent=_node(draft, "3"), actor=admin_user)
    # then: between 3.1 and 3.3, with its subtree, the tree numbered again in pre-order
    assert _children(draft, "3") == ["3.1", "3.2", "3.3"]
    assert _codes(draft)[-7:] == ["3", "3.1", "3.2", "3.2.1", "3.2.2", "3.2.3", "3.3"]
    assert list(draft.indicators.order_by("order").values_list("order", flat=True)) == list(
        range(1, draft.indicators.count() + 1))
    node.refresh_from_db()
    assert node.level == 2 and _node(draft, "3.2.1").level == 3
    entry = AuditEntry.objects.filter(action="indicator.reparent", object_id=str(node.pk)).get()
    assert entry.changes["parent"] == {"old": "1", "new": "3"}


def test_a_criterion_whose_code_does_not_follow_its_new_parent_goes_last(
    draft: IndicatorSet, admin_user: Any
) -> None:
    # when: 1.2 moved under area 3 keeping its code, which sorts before 3.1
    services.indicator_reparent(indicator=_node(draft, "1.2"), new_parent=_node(draft, "3"), actor=admin_user)
    # then
    assert _children(draft, "3") == ["3.1", "3.3", "1.2"]
    assert _codes(draft)[-7:] == ["3", "3.1", "3.3", "1.2", "1.2.1", "1.2.2", "1.2.3"]


def test_a_criterion_moved_to_the_areas_level_goes_by_its_code(draft: IndicatorSet, admin_user: Any) -> None:
    # given: 1.2 given the code 2a (between area 2 and area 3)
    node = _recode_branch(draft, "1.2", "2a", admin_user)
    # when
    services.indicator_reparent(indicator=node, new_parent=None, actor=admin_user)
    # then
    assert [code for code in _codes(draft) if "." not in code] == ["1", "2", "2a", "3"]


def test_a_criterion_moved_under_its_own_parent_takes_its_codes_place(draft: IndicatorSet, admin_user: Any) -> None:
    # given: 3.5 added, and 3.3 swapped above 3.1
    _add(draft, "3", "3.5", admin_user)
    services.indicator_move(indicator=_node(draft, "3.3"), direction="up", actor=admin_user)
    assert _children(draft, "3") == ["3.3", "3.1", "3.5"]
    # when: «moved» under the parent it has
    services.indicator_reparent(indicator=_node(draft, "3.3"), new_parent=_node(draft, "3"), actor=admin_user)
    # then: between 3.1 and 3.5, as its code says
    assert _children(draft, "3") == ["3.1", "3.3", "3.5"]


def test_a_new_criterion_whose_code_does_not_follow_its_parent_goes_last(
    draft: IndicatorSet, admin_user: Any
) -> None:
    # «0.9» sorts before «3.1» but is no code of area 3: the same placement as a move's
    _add(draft, "3", "0.9", admin_user)
    assert _children(draft, "3") == ["3.1", "3.3", "0.9"]


def test_siblings_off_the_parents_code_are_not_compared(draft: IndicatorSet, admin_user: Any) -> None:
    # given: 1.2 given the code 9.9, moved under area 3 (last: its code is not one of 3's), then up above 3.3
    _recode_branch(draft, "1.2", "9.9", admin_user)
    services.indicator_reparent(indicator=_node(draft, "9.9"), new_parent=_node(draft, "3"), actor=admin_user)
    services.indicator_move(indicator=_node(draft, "9.9"), direction="up", actor=admin_user)
    assert _children(draft, "3") == ["3.1", "9.9", "3.3"]
    # when: 3.2 moved there
    node = _recode_branch(draft, "2.1", "3.2", admin_user)
    services.indicator_reparent(indicator=node, new_parent=_node(draft, "3"), actor=admin_user)
    # then: right before 3.3, the first sibling whose code comes after it among those numbered under 3
    assert _children(draft, "3") == ["3.1", "9.9", "3.2", "3.3"]


def test_a_refused_move_changes_nothing(draft: IndicatorSet, admin_user: Any) -> None:
    # given
    node = _recode_branch(draft, "1.2", "3.2", admin_user)
    before = list(draft.indicators.order_by("pk").values_list("pk", "parent_id", "order", "level", "code"))
    audited = AuditEntry.objects.count()
    # when: under a leaf, not confirmed
    with pytest.raises(ValidationFailed):
        services.indicator_reparent(indicator=node, new_parent=_node(draft, "3.1"), actor=admin_user)
    # and into its own subtree
    with pytest.raises(ValidationFailed):
        services.indicator_reparent(indicator=node, new_parent=_node(draft, "3.2.1"), actor=admin_user)
    # then
    assert list(draft.indicators.order_by("pk").values_list("pk", "parent_id", "order", "level", "code")) == before
    assert AuditEntry.objects.count() == audited


def test_the_trees_move_places_the_criterion_by_its_code_and_says_nothing_of_codes(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given
    node = _recode_branch(draft, "1.2", "3.2", admin_user)
    client.force_login(admin_user)
    # when
    response = client.post(reverse("administration:node_move", args=[draft.pk, node.pk]),
                           {"parent": _node(draft, "3").pk})
    # then
    assert response.status_code == 302
    assert _children(draft, "3") == ["3.1", "3.2", "3.3"]
    said = _said(response)
    assert any("Đã chuyển tiêu chí 3.2" in m for m in said), said
    assert not any("Đánh số lại" in m for m in said), said


def test_the_trees_move_of_a_code_off_its_new_parent_offers_a_renumbering_in_its_success_message(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given
    node = _node(draft, "1.2")
    area = _node(draft, "3")
    client.force_login(admin_user)
    # when
    response = client.post(reverse("administration:node_move", args=[draft.pk, node.pk]), {"parent": area.pk})
    # then: placed last, its code kept
    assert response.status_code == 302
    assert _children(draft, "3") == ["3.1", "3.3", "1.2"]
    node.refresh_from_db()
    assert node.code == "1.2"
    done = [m for m in get_messages(response.wsgi_request) if m.level_tag == "success"]
    assert len(done) == 1, done
    text = str(done[0])
    assert "Đã chuyển tiêu chí 1.2" in text
    assert "cuối" in text and "«3»" in text
    assert "Đánh số lại" in text and renumber_url(draft.pk, area).replace("&", "&amp;") in text
    assert "«3.4»" in text  # the next free code, for a change on the criterion's page
    # the same offer is not made twice for area 3
    assert sum(renumber_url(draft.pk, area) in str(m) for m in get_messages(response.wsgi_request)) <= 1
    # drawn on the tree as a link
    page = client.get(response["Location"]).content.decode()
    assert f'<a href="{renumber_url(draft.pk, area)}">' in page
    # the preview it links to renumbers area 3 by the places: 3.3 → 3.2, 1.2 → 3.3
    preview = client.get(renumber_url(draft.pk, area))
    changes = [(c.old, c.new) for c in preview.context["renumber"]["plan"]]
    assert ("1.2", "3.3") in changes and ("3.3", "3.2") in changes


def test_the_criterions_page_says_where_a_move_places_it(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:node_edit", args=[_node(draft, "1.2").pk])).content.decode()
    move = page[page.index(reverse("administration:node_move", args=[draft.pk, _node(draft, "1.2").pk])):]
    move = move[:move.index("</form>")]
    assert "theo mã (3.2 giữa 3.1 và 3.3)" in move and "thì xếp cuối" in move and "Mã không tự đổi" in move
