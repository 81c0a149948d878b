"""In a cloned set, a criterion given another code stays, for the comparison with the set it was cloned from, the
criterion it was copied as: the mapping is recorded as the code changes. A criterion deleted and its code given to
another moved there shows the deletion and the move, not two unrelated criteria paired by the reused code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors, services
from scoring.administration.services.tree import next_free_code
from scoring.models import AuditEntry, Indicator, IndicatorMapping, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def clone(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="test-set-2021", year=2021, actor=admin_user)


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _recode(node: Indicator, code: str, actor: Any) -> None:
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    services.indicator_update(indicator=node, data={**data, "code": code}, actor=actor)


def _delete_then_move_into_the_freed_code(clone: IndicatorSet, actor: Any) -> None:
    """As the tester did with 1.4.3 and 1.5.3: delete 1.1.2, move 1.2.3 under 1.1 and give it the code the app
    suggests, 1.1.2."""
    services.indicator_delete(indicator=_node(clone, "1.1.2"), actor=actor)
    moved = services.indicator_reparent(indicator=_node(clone, "1.2.3"), new_parent=_node(clone, "1.1"), actor=actor)
    code = next_free_code(indicator_set=clone, parent=moved.parent, exclude=moved)
    assert code == "1.1.2"
    _recode(moved, code, actor)


def test_a_deleted_criterion_and_one_moved_into_its_code_are_shown_as_such(
    small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    # given
    _delete_then_move_into_the_freed_code(clone, admin_user)
    # when
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    # then the old 1.1.2 is deleted, the old 1.2.3 is the new 1.1.2 (moved and renumbered)
    assert [r.old.code for r in diff.removed] == ["1.1.2"]
    assert [(r.old.code, r.new.code) for r in diff.renumbered] == [("1.2.3", "1.1.2")]
    assert not diff.added
    assert [(r.old.code, r.new.code) for r in diff.changed] == [("1.2.3", "1.1.2")]
    assert "parent_code" in diff.changed[0].fields
    assert list(IndicatorMapping.objects.values_list("from_set", "to_set", "from_code", "to_code")) == [
        (small_set.pk, clone.pk, "1.2.3", "1.1.2")]
    assert AuditEntry.objects.filter(action="indicator_mapping.save", actor=admin_user).count() == 1


def test_the_comparison_page_shows_the_move_not_a_change_of_the_reused_code(
    client: Client, small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    _delete_then_move_into_the_freed_code(clone, admin_user)
    client.force_login(admin_user)
    response = client.get(reverse("administration:set_diff", args=[clone.pk]) + f"?voi={small_set.pk}")
    assert response.status_code == 200
    diff = response.context["diff"]
    assert [r.old.code for r in diff.removed] == ["1.1.2"]
    assert [(r.old.code, r.new.code) for r in diff.renumbered] == [("1.2.3", "1.1.2")]


def test_a_code_changed_twice_keeps_one_mapping_and_back_to_its_own_code_none(
    small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    _recode(_node(clone, "1.2.3"), "1.2.8", admin_user)
    _recode(_node(clone, "1.2.8"), "1.2.9", admin_user)
    assert list(IndicatorMapping.objects.values_list("from_code", "to_code")) == [("1.2.3", "1.2.9")]
    _recode(_node(clone, "1.2.9"), "1.2.3", admin_user)
    assert not IndicatorMapping.objects.exists()
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    assert not diff.removed and not diff.added and not diff.changed


def test_two_codes_swapped_through_a_free_one_stay_paired_with_their_criteria(
    small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    _recode(_node(clone, "2.1.1"), "2.1.9", admin_user)
    _recode(_node(clone, "2.1.2"), "2.1.1", admin_user)
    _recode(_node(clone, "2.1.9"), "2.1.2", admin_user)
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    assert sorted((r.old.code, r.new.code) for r in diff.renumbered) == [("2.1.1", "2.1.2"), ("2.1.2", "2.1.1")]
    assert not diff.removed and not diff.added


def test_a_renumbered_criterion_deleted_afterwards_takes_its_mapping_along(
    small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    _recode(_node(clone, "2.1.2"), "2.1.7", admin_user)
    services.indicator_delete(indicator=_node(clone, "2.1.7"), actor=admin_user)
    assert not IndicatorMapping.objects.exists()
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    assert [r.old.code for r in diff.removed] == ["2.1.2"]


def test_a_set_not_cloned_compares_by_code_as_before(small_set: IndicatorSet, admin_user: Any) -> None:
    # (guard) an imported set has no source: a code change records nothing
    _recode(_node(small_set, "2.1.2"), "2.1.7", admin_user)
    assert not IndicatorMapping.objects.exists()


def test_the_comparison_page_of_a_clone_says_its_mappings_follow_code_changes(
    client: Client, small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_diff", args=[clone.pk]) + f"?voi={small_set.pk}").content.decode()
    assert "đối chiếu được ghi tự động" in page
