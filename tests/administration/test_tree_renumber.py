"""«Đánh số lại» in the set editor: the codes of an area's or a group's criteria (or of the whole set) are renumbered
in their order under their parents (1.1, 1.1.1 …), shown old → new and written only once confirmed, each code change
audited and, in a set cloned from an older one, its mappings recorded as a code change on the criterion's page
records them. A group given another code carries it to its criteria when the administrator keeps the offer ticked.
After a move or a deletion that leaves codes out of order, the editor offers the renumbering."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors, services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import (
    indicator_set_renumber,
    indicator_version,
    renumber_digest,
    renumber_plan,
)
from scoring.errors import StateConflict
from scoring.models import AuditEntry, Indicator, IndicatorMapping, IndicatorSet
from tests.administration.page_helpers import error_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def clone(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="test-set-2021", year=2021, actor=admin_user)


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _codes(indicator_set: IndicatorSet) -> list[str]:
    return list(indicator_set.indicators.order_by("order").values_list("code", flat=True))


def _names(indicator_set: IndicatorSet) -> dict[str, str]:
    return dict(indicator_set.indicators.values_list("code", "name"))


def _recode(node: Indicator, code: str, actor: Any) -> None:
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    services.indicator_update(indicator=node, data={**data, "code": code}, actor=actor)


def _detail(indicator_set: IndicatorSet) -> str:
    return reverse("administration:set_detail", args=[indicator_set.pk])


def _preview(client: Client, indicator_set: IndicatorSet, scope: str) -> Any:
    response = client.get(_detail(indicator_set), {"danh-so-lai": scope})
    assert response.status_code == 200
    return response


def _confirm(client: Client, indicator_set: IndicatorSet, scope: str) -> Any:
    preview = _preview(client, indicator_set, scope).context["renumber"]
    return client.post(_detail(indicator_set), {"action": "renumber", "scope": scope, "plan": preview["digest"]})


def test_after_a_group_is_deleted_renumbering_its_area_closes_the_gap_and_records_the_mappings(
    client: Client, admin_user: Any, small_set: IndicatorSet, clone: IndicatorSet
) -> None:
    # given: 1.1 deleted in the 2021 clone; 1.2 and its criteria keep their codes
    names = _names(clone)
    services.indicator_delete(indicator=_node(clone, "1.1"), actor=admin_user)
    area = _node(clone, "1")
    client.force_login(admin_user)
    # when: previewed, then confirmed
    preview = _preview(client, clone, str(area.pk))
    plan = preview.context["renumber"]["plan"]
    assert [(c.old, c.new) for c in plan] == [("1.2", "1.1"), ("1.2.1", "1.1.1"), ("1.2.2", "1.1.2"),
                                              ("1.2.3", "1.1.3")]
    page = preview.content.decode()
    assert "Đánh số lại" in page and "1.2.3" in page and "1.1.3" in page
    assert _codes(clone)[:2] == ["1", "1.2"]  # a preview writes nothing
    response = _confirm(client, clone, str(area.pk))
    # then
    assert response.status_code == 302
    assert _codes(clone) == ["1", "1.1", "1.1.1", "1.1.2", "1.1.3", "2", "2.1", "2.1.1", "2.1.2", "2.2", "2.2.1",
                             "2.3", "2.3.1"]
    assert _names(clone)["1.1.3"] == names["1.2.3"]
    assert sorted(IndicatorMapping.objects.filter(from_set=small_set, to_set=clone)
                  .values_list("from_code", "to_code")) == [("1.2", "1.1"), ("1.2.1", "1.1.1"), ("1.2.2", "1.1.2"),
                                                            ("1.2.3", "1.1.3")]
    code_changes = AuditEntry.objects.filter(action="indicator.update", actor=admin_user)
    assert sorted((e.changes["code"]["old"], e.changes["code"]["new"]) for e in code_changes) == [
        ("1.2", "1.1"), ("1.2.1", "1.1.1"), ("1.2.2", "1.1.2"), ("1.2.3", "1.1.3")]
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    assert [r.old.code for r in diff.removed] == ["1.1", "1.1.1", "1.1.2"]
    assert len(diff.renumbered) == 4 and diff.added == []
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Đã đánh số lại 4 tiêu chí" in m for m in said), said


def test_criteria_moved_out_of_order_get_the_codes_of_their_places(
    client: Client, admin_user: Any, small_set: IndicatorSet, clone: IndicatorSet
) -> None:
    # given: 1.2.3 moved up above 1.2.2 (codes 1.2.1, 1.2.3, 1.2.2)
    client.force_login(admin_user)
    moved = client.post(reverse("administration:node_move", args=[clone.pk, _node(clone, "1.2.3").pk]),
                        {"direction": "up"})
    assert _codes(clone)[5:8] == ["1.2.1", "1.2.3", "1.2.2"]
    # the editor offers to renumber the group
    offered = [str(m) for m in get_messages(moved.wsgi_request)]
    group = _node(clone, "1.2")
    assert any("không còn theo thứ tự" in m and f"danh-so-lai={group.pk}" in m for m in offered), offered
    names = _names(clone)
    # when
    assert _confirm(client, clone, str(group.pk)).status_code == 302
    # then: the two swapped codes, the criteria kept
    assert _codes(clone)[5:8] == ["1.2.1", "1.2.2", "1.2.3"]
    assert _names(clone)["1.2.2"] == names["1.2.3"] and _names(clone)["1.2.3"] == names["1.2.2"]
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    assert sorted((r.old.code, r.new.code) for r in diff.renumbered) == [("1.2.2", "1.2.3"), ("1.2.3", "1.2.2")]
    assert diff.removed == [] and diff.added == []


def test_the_whole_set_is_renumbered_even_where_a_code_was_out_of_its_parent(
    client: Client, admin_user: Any, clone: IndicatorSet
) -> None:
    # given: 1.1.2 coded 1.1.5, and 2.1.1 holding the code 1.1.2 (out of its parent's)
    _recode(_node(clone, "1.1.2"), "1.1.5", admin_user)
    _recode(_node(clone, "2.1.1"), "1.1.2", admin_user)
    client.force_login(admin_user)
    group = _node(clone, "1.1")
    # when: the group alone cannot take 1.1.2 back (another criterion holds it): said before any write
    preview = _preview(client, clone, str(group.pk))
    assert preview.context["renumber"]["refusal"]
    assert "1.1.2" in preview.context["renumber"]["refusal"]
    refused = _confirm(client, clone, str(group.pk))
    assert refused.status_code == 302 and "1.1.5" in _codes(clone)
    # but the whole set can
    assert _confirm(client, clone, "tat-ca").status_code == 302
    assert _codes(clone) == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "1.2.2", "1.2.3", "2", "2.1", "2.1.1",
                             "2.1.2", "2.2", "2.2.1", "2.3", "2.3.1"]


def test_a_renumbering_previewed_before_the_tree_changed_is_refused_and_changes_nothing(
    client: Client, admin_user: Any, clone: IndicatorSet
) -> None:
    # given: a preview of 1.2 after 1.2.3 was moved up, then another move elsewhere before the confirmation
    client.force_login(admin_user)
    client.post(reverse("administration:node_move", args=[clone.pk, _node(clone, "1.2.3").pk]), {"direction": "up"})
    group = _node(clone, "1.2")
    digest = _preview(client, clone, str(group.pk)).context["renumber"]["digest"]
    client.post(reverse("administration:node_move", args=[clone.pk, _node(clone, "1.2.3").pk]), {"direction": "up"})
    before = _codes(clone)
    # when
    response = client.post(_detail(clone), {"action": "renumber", "scope": str(group.pk), "plan": digest})
    # then
    assert response.status_code == 302
    assert _codes(clone) == before
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("đã thay đổi từ lúc xem trước" in m for m in said), said


def test_a_set_in_use_is_not_renumbered(small_set: IndicatorSet, cycle: Any, admin_user: Any) -> None:
    plan = renumber_plan(indicator_set=small_set, root=None)
    with pytest.raises(StateConflict):
        indicator_set_renumber(indicator_set=small_set, root=None, expected=renumber_digest(plan), actor=admin_user)


def test_only_an_administrator_sees_or_applies_a_renumbering(
    client: Client, unit_editor: Any, admin_user: Any, clone: IndicatorSet
) -> None:
    services.indicator_delete(indicator=_node(clone, "1.1"), actor=admin_user)
    before = _codes(clone)
    digest = renumber_digest(renumber_plan(indicator_set=clone, root=None))
    client.force_login(unit_editor)
    assert client.get(_detail(clone), {"danh-so-lai": "tat-ca"}).status_code == 403
    response = client.post(_detail(clone), {"action": "renumber", "scope": "tat-ca", "plan": digest})
    assert response.status_code == 403
    assert _codes(clone) == before


def test_a_deletion_that_leaves_a_gap_offers_the_renumbering(
    client: Client, admin_user: Any, clone: IndicatorSet
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_delete", args=[clone.pk, _node(clone, "1.2.1").pk]))
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("không còn theo thứ tự" in m and f"danh-so-lai={_node(clone, '1.2').pk}" in m for m in said), said


def _edit_group(client: Client, group: Indicator, code: str, *, carry: bool) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(group).items() if v not in (None, False)}
    posted.update(code=code, version=indicator_version(group), method="")
    if carry:
        posted["carry_prefix"] = "1"
    return client.post(reverse("administration:node_edit", args=[group.pk]), posted)


def test_a_group_given_another_code_carries_it_to_its_criteria_when_asked(
    client: Client, admin_user: Any, small_set: IndicatorSet, clone: IndicatorSet
) -> None:
    # given: the group's page offers to carry its code (ticked)
    client.force_login(admin_user)
    group = _node(clone, "1.2")
    page = client.get(reverse("administration:node_edit", args=[group.pk])).content.decode()
    assert 'name="carry_prefix"' in page
    # when
    response = _edit_group(client, group, "1.4", carry=True)
    # then
    assert response.status_code == 302
    assert _codes(clone)[4:8] == ["1.4", "1.4.1", "1.4.2", "1.4.3"]
    assert sorted(IndicatorMapping.objects.filter(from_set=small_set, to_set=clone)
                  .values_list("from_code", "to_code")) == [("1.2", "1.4"), ("1.2.1", "1.4.1"), ("1.2.2", "1.4.2"),
                                                            ("1.2.3", "1.4.3")]
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    assert len(diff.renumbered) == 4 and diff.removed == [] and diff.added == []


def test_a_group_given_another_code_without_the_offer_leaves_its_criteria_as_they_are(
    client: Client, admin_user: Any, clone: IndicatorSet
) -> None:
    client.force_login(admin_user)
    assert _edit_group(client, _node(clone, "1.2"), "1.4", carry=False).status_code == 302
    assert _codes(clone)[4:8] == ["1.4", "1.2.1", "1.2.2", "1.2.3"]


def test_a_carried_code_another_criterion_holds_refuses_the_whole_change(
    client: Client, admin_user: Any, clone: IndicatorSet
) -> None:
    # given: 2.1.1 holds 1.4.1, the code 1.2.1 would take
    _recode(_node(clone, "2.1.1"), "1.4.1", admin_user)
    client.force_login(admin_user)
    before = _codes(clone)
    # when
    response = _edit_group(client, _node(clone, "1.2"), "1.4", carry=True)
    # then: nothing changed, the group's code included
    assert response.status_code == 400
    assert _codes(clone) == before
    said = error_messages(response)
    assert "1.4.1" in said and "Chưa đổi mã nào" in said
