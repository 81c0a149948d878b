"""The engine reads a set's tree once and caches it (scoring/engine.py `_compiled`). These tests prove the cache
can never serve a stale tree: a set changed in any way the engine reads gives the changed result at once,
and the unchanged set keeps giving its own. Behaviour only, no timing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from scoring.engine import Band, LeafScore, Node, ParamsError, ScoringInputError, SetRules, compute_index

D = Decimal


def _rules(**changes: Any) -> SetRules:
    nodes = (
        Node("1", None, "normal", D("6")),
        Node("1.1", "1", "normal", D("2")),
        Node("1.2", "1", "normal", D("4")),
        Node("2", None, "normal", D("4")),
        Node("2.1", "2", "normal", D("4")),
        Node("3", None, "bonus", D("2")),
        Node("3.1", "3", "bonus", D("1.5")),
        Node("3.2", "3", "bonus", D("1.5")),
    )
    base = SetRules(nodes=nodes, standard_max=D("10"), bonus_cap=D("2"),
                    classification_bands=(Band(D("9"), "Tốt"), Band(D("0"), "Khác")))
    return dataclasses.replace(base, **changes)


def _replace_node(rules: SetRules, target: str, **changes: Any) -> SetRules:
    return dataclasses.replace(
        rules, nodes=tuple(dataclasses.replace(n, **changes) if n.code == target else n for n in rules.nodes)
    )


SCORES = {
    "1.1": LeafScore(D("2")), "1.2": LeafScore(D("3.5")), "2.1": LeafScore(D("4")),
    "3.1": LeafScore(D("1.5")), "3.2": LeafScore(D("1.5")),
}


def test_a_leaf_maximum_changed_in_a_new_rules_value_is_used_at_once() -> None:
    # given a result computed (and the tree cached) on the original rules
    original = _rules()
    before = compute_index(original, {**SCORES, "1.2": LeafScore(D("5"))})
    assert before.area_totals["1"] == D("6")  # 5 capped at the leaf's max 4
    # when the set is edited: the leaf's max raised to 6 (and its area's to 8)
    edited = _replace_node(_replace_node(original, "1.2", max_points=D("6")), "1", max_points=D("8"))
    after = compute_index(edited, {**SCORES, "1.2": LeafScore(D("5"))})
    # then the edited tree counts, and the original one still gives its own result
    assert after.area_totals["1"] == D("7")
    assert after.area_max["1"] == D("8")
    assert compute_index(original, {**SCORES, "1.2": LeafScore(D("5"))}) == before


def test_a_node_moved_to_another_parent_moves_its_points() -> None:
    original = _rules()
    assert compute_index(original, SCORES).area_totals == {"1": D("5.5"), "2": D("4")}
    moved = _replace_node(original, "1.2", parent_code="2")
    result = compute_index(moved, SCORES)
    assert result.area_totals == {"1": D("2"), "2": D("7.5")}


def test_a_kind_changed_from_normal_to_bonus_is_read_again() -> None:
    original = _rules()
    assert compute_index(original, SCORES).bonus == D("2")  # 3 capped at the parent's 2
    relabelled = _replace_node(_replace_node(original, "3", kind="normal"), "3.1", kind="normal")
    relabelled = _replace_node(relabelled, "3.2", kind="normal")
    result = compute_index(relabelled, SCORES)
    assert result.bonus == D("0")
    assert result.area_totals["3"] == D("3")


def test_set_level_caps_mode_and_bands_are_part_of_the_cache_key() -> None:
    original = _rules()
    assert compute_index(original, SCORES).classification == "Tốt"
    assert compute_index(_rules(bonus_cap=D("0.5")), SCORES).bonus == D("0.5")
    assert compute_index(_rules(index_mode="percent"), SCORES).index == D("115.00")
    assert compute_index(_rules(classification_bands=(Band(D("20"), "Xuất sắc"),)), SCORES).classification is None
    assert compute_index(original, SCORES).classification == "Tốt"


def test_an_edit_that_breaks_the_tree_is_refused_although_the_valid_tree_was_cached() -> None:
    original = _rules()
    compute_index(original, SCORES)
    broken = _replace_node(original, "2.1", parent_code="9")  # an unknown parent
    with pytest.raises(ParamsError) as caught:
        compute_index(broken, SCORES)
    assert caught.value.code == "invalid_tree"
    orphan_leaf = _replace_node(original, "1.1", code="1.9")  # the old leaf code no longer exists
    with pytest.raises(ScoringInputError) as unknown:
        compute_index(orphan_leaf, SCORES)
    assert unknown.value.code == "unknown_leaf"


def test_equal_rules_built_twice_give_the_same_result_as_the_first() -> None:
    first, second = _rules(), _rules()
    assert first is not second
    assert compute_index(first, SCORES) == compute_index(second, SCORES)


def test_rules_given_with_a_list_of_nodes_are_computed_without_caching() -> None:
    listed = SetRules(nodes=list(_rules().nodes), standard_max=D("10"), bonus_cap=D("2"))  # type: ignore[arg-type]
    assert compute_index(listed, SCORES).total == D("11.5")
    listed.nodes[1] = dataclasses.replace(listed.nodes[1], max_points=D("1"))  # mutated in place
    assert compute_index(listed, SCORES).total == D("10.5")


@pytest.mark.django_db
def test_an_indicator_edited_in_a_draft_set_changes_the_computed_totals(catalogue: Any) -> None:
    from scoring import selectors
    from scoring.administration.services import indicator_update
    from scoring.models import Indicator
    from scoring.services import indicator_set_import
    from tests.conftest import small_set_data

    # given a draft set and a result computed on it (the tree now cached)
    draft = indicator_set_import(data=small_set_data(key="cache-draft"), actor=None)
    leaf = draft.indicators.get(code="1.1.2")
    scores = {"1.1.2": LeafScore(D("2.5"))}
    before = compute_index(selectors.set_rules(draft), scores)
    assert before.area_totals["1"] == D("2")  # 2.5 capped at the leaf's max of 2
    # when an administrator raises the leaf's maximum in the draft set
    fields = ("code", "name", "kind", "floor", "method", "params", "evidence_required", "allow_not_applicable",
              "guidance", "source", "coordinating_department")
    indicator_update(indicator=leaf, data={**{f: getattr(leaf, f) for f in fields}, "max_points": "3"}, actor=None)
    # then the rules read again from the database give the new result
    assert Indicator.objects.get(pk=leaf.pk).max_points == D("3")
    after = compute_index(selectors.set_rules(draft), scores)
    assert after.area_totals["1"] == D("2.5")
