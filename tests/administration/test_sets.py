"""Indicator-set services: clone, the tree editor, method validation, the report, activation (freeze), diff."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

import pytest

from scoring.administration import selectors, services
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import AuditEntry, IndicatorMapping, IndicatorSet
from scoring.services import cycle_create

pytestmark = pytest.mark.django_db


def _leaf_data(node: Any, **changes: Any) -> dict[str, Any]:
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    data.update(changes)
    return data


@pytest.fixture
def clone(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="test-set-2021", year=2021, actor=admin_user)


def test_clone_copies_the_whole_tree_into_a_new_draft(small_set: IndicatorSet, clone: IndicatorSet) -> None:
    def shape(s: IndicatorSet) -> list[tuple[Any, ...]]:
        return [
            (n.code, n.parent.code if n.parent else None, n.order, n.level, n.is_leaf, n.method, n.params, n.max_points)
            for n in s.indicators.select_related("parent").order_by("order")
        ]

    assert clone.status == IndicatorSet.Status.DRAFT
    assert (clone.year, clone.version, clone.unit_kind_id) == (2021, 1, small_set.unit_kind_id)
    assert shape(clone) == shape(small_set)
    assert clone.bonus_cap == small_set.bonus_cap
    assert AuditEntry.objects.filter(action="indicator_set.clone", object_id=str(clone.pk)).exists()


def test_clone_into_the_same_year_makes_the_next_version(small_set: IndicatorSet, admin_user: Any) -> None:
    second = services.indicator_set_clone(source=small_set, key="test-set-v2", year=2020, actor=admin_user)
    assert second.version == 2


def test_clone_refuses_a_key_that_exists(small_set: IndicatorSet, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed, match="đã tồn tại"):
        services.indicator_set_clone(source=small_set, key="test-set", year=2021, actor=admin_user)


def test_a_set_used_by_a_cycle_is_frozen(cycle: Any, small_set: IndicatorSet, admin_user: Any) -> None:
    small_set.refresh_from_db()
    node = small_set.indicators.get(code="1.2.3")
    with pytest.raises(StateConflict, match="nhân bản"):
        services.indicator_update(indicator=node, data=_leaf_data(node, name="Đổi tên"), actor=admin_user)
    with pytest.raises(StateConflict):
        services.indicator_delete(indicator=node, actor=admin_user)
    with pytest.raises(StateConflict):
        services.indicator_create(
            indicator_set=small_set, parent=None, data=_leaf_data(node, code="9"), actor=admin_user
        )
    with pytest.raises(StateConflict):
        services.indicator_set_update(
            indicator_set=small_set, data={"name": "x", "standard_max": "10"}, actor=admin_user
        )
    node.refresh_from_db()
    assert node.name == "Gửi báo cáo tự đánh giá đúng hạn"


def test_editing_a_leaf_changes_its_method_and_is_audited(clone: IndicatorSet, admin_user: Any) -> None:
    node = clone.indicators.get(code="1.2.3")
    params = {
        "options": [{"key": "a", "label": "Đúng hạn", "points": "0.5"}, {"key": "b", "label": "Trễ", "points": "0"}]
    }
    services.indicator_update(indicator=node, data=_leaf_data(node, method="levels", params=params), actor=admin_user)
    node.refresh_from_db()
    assert node.method == "levels"
    entry = AuditEntry.objects.get(action="indicator.update", object_id=str(node.pk))
    assert entry.changes["method"] == {"old": "manual", "new": "levels"}


@pytest.mark.parametrize(
    ("method", "params", "fragment"),
    [
        (
            "ratio_bands",
            {
                "bands": [
                    {"min": "70", "inclusive": True, "points": "1"},
                    {"min": "90", "inclusive": False, "points": "2"},
                    {"min": "0", "inclusive": True, "points": "0"},
                ]
            },
            "chồng lấn",
        ),
        (
            "ratio_bands",
            {
                "bands": [
                    {"min": "120", "inclusive": True, "points": "1"},
                    {"min": "0", "inclusive": True, "points": "0"},
                ]
            },
            "100",
        ),
        ("formula", {"variables": [{"name": "a", "label": "A"}], "expression": "a + b"}, "b"),
        ("levels", {"options": [{"key": "x", "label": "X", "points": "5"}]}, "tối đa"),
        ("magic", {}, "không hợp lệ"),
    ],
)
def test_a_leaf_method_with_bad_parameters_is_refused_and_nothing_changes(
    clone: IndicatorSet, admin_user: Any, method: str, params: dict[str, Any], fragment: str
) -> None:
    node = clone.indicators.get(code="1.1.2")
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_update(indicator=node, data=_leaf_data(node, method=method, params=params), actor=admin_user)
    assert fragment in str(refused.value.message)
    node.refresh_from_db()
    assert node.method == "ratio_bands"


def test_node_fields_are_checked_and_text_is_stored_nfc(clone: IndicatorSet, admin_user: Any) -> None:
    node = clone.indicators.get(code="1.2.3")
    with pytest.raises(ValidationFailed, match="không phải là số"):
        services.indicator_update(indicator=node, data=_leaf_data(node, max_points="nửa điểm"), actor=admin_user)
    with pytest.raises(ValidationFailed, match="đã có"):
        services.indicator_update(indicator=node, data=_leaf_data(node, code="1.2.2"), actor=admin_user)
    decomposed = unicodedata.normalize("NFD", "Gửi báo cáo đúng hạn")
    services.indicator_update(indicator=node, data=_leaf_data(node, name=decomposed), actor=admin_user)
    node.refresh_from_db()
    assert node.name == unicodedata.normalize("NFC", decomposed) != decomposed


def test_adding_a_child_turns_a_leaf_into_a_group_and_renumbers(clone: IndicatorSet, admin_user: Any) -> None:
    parent = clone.indicators.get(code="1.2.3")
    child = services.indicator_create(
        indicator_set=clone,
        parent=parent,
        data={"code": "1.2.3.1", "name": "Gửi đúng hạn", "max_points": "0,5", "method": "yes_no", "params": {}},
        actor=admin_user,
        leaf_parent_confirmed=True,  # without it: refused (tests/administration/test_leaf_parent.py)
    )
    parent.refresh_from_db()
    assert (parent.is_leaf, parent.method) == (False, "")
    assert (child.level, child.is_leaf, child.max_points) == (4, True, Decimal("0.50"))
    codes = list(clone.indicators.order_by("order").values_list("code", flat=True))
    assert codes.index("1.2.3.1") == codes.index("1.2.3") + 1
    assert selectors.indicator_set_report(indicator_set=clone).ok


def test_moving_a_criterion_up_swaps_it_with_its_sibling_and_keeps_subtrees(
    clone: IndicatorSet, admin_user: Any
) -> None:
    node = clone.indicators.get(code="1.2")
    services.indicator_move(indicator=node, direction="up", actor=admin_user)
    codes = list(clone.indicators.order_by("order").values_list("code", flat=True))
    assert codes[:9] == ["1", "1.2", "1.2.1", "1.2.2", "1.2.3", "1.1", "1.1.1", "1.1.2", "2"]


def test_reparenting_into_its_own_subtree_is_refused(clone: IndicatorSet, admin_user: Any) -> None:
    area = clone.indicators.get(code="1")
    with pytest.raises(ValidationFailed, match="vòng lặp"):
        services.indicator_reparent(indicator=area, new_parent=clone.indicators.get(code="1.1.2"), actor=admin_user)
    assert clone.indicators.get(code="1").parent_id is None


def test_reparenting_moves_the_subtree_and_the_report_sees_the_sums(clone: IndicatorSet, admin_user: Any) -> None:
    services.indicator_reparent(
        indicator=clone.indicators.get(code="1.2.3"), new_parent=clone.indicators.get(code="1.1"), actor=admin_user
    )
    moved = clone.indicators.get(code="1.2.3")
    assert moved.parent.code == "1.1"
    problems = selectors.indicator_set_report(indicator_set=clone).problems
    assert any("«1.1»" in p for p in problems) and any("«1.2»" in p for p in problems)


def test_the_report_words_the_engines_problems_in_the_pages_language(
    client: Any, clone: IndicatorSet, admin_user: Any
) -> None:
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    services.indicator_reparent(
        indicator=clone.indicators.get(code="1.2.3"), new_parent=clone.indicators.get(code="1.1"), actor=admin_user
    )
    with translation.override("en"):
        english = selectors.indicator_set_report(indicator_set=clone).problems
    vietnamese = selectors.indicator_set_report(indicator_set=clone).problems
    assert any("The maximum of “1.1” is" in p and "add up to" in p for p in english)
    assert not any("Điểm tối đa" in p for p in english)
    assert any("Điểm tối đa của «1.1» là" in p for p in vietnamese)
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        page = client.get(reverse("administration:set_report", args=[clone.pk])).content.decode()
    finally:
        translation.activate("vi")
    assert "The maximum of “1.1” is" in page and "Điểm tối đa của «1.1»" not in page


def test_deleting_a_group_removes_its_subtree(clone: IndicatorSet, admin_user: Any) -> None:
    services.indicator_delete(indicator=clone.indicators.get(code="1.2"), actor=admin_user)
    assert not clone.indicators.filter(code__startswith="1.2").exists()
    report = selectors.indicator_set_report(indicator_set=clone)
    assert not report.ok


def test_the_report_counts_criteria_per_area_and_checks_caps(small_set: IndicatorSet, admin_user: Any) -> None:
    report = selectors.indicator_set_report(indicator_set=small_set)
    assert report.ok
    assert [(a.code, a.criteria, a.leaves) for a in report.areas] == [("1", 2, 5), ("2", 3, 4)]
    assert all(ok for _label, ok in report.checks)
    draft = services.indicator_set_clone(source=small_set, key="no-caps", year=2021, actor=admin_user)
    services.indicator_set_update(
        indicator_set=draft, data={"name": draft.name, "standard_max": "10"}, actor=admin_user
    )
    report = selectors.indicator_set_report(indicator_set=draft)
    assert any("bonus_cap" in p for p in report.problems)
    assert dict(report.checks)["Đã đặt trần điểm cộng"] is False


def test_activation_needs_a_valid_set_and_freezes_it(clone: IndicatorSet, admin_user: Any) -> None:
    cycle = cycle_create(year=2021, name="Kỳ 2021", sets={}, actor=admin_user)
    services.indicator_delete(indicator=clone.indicators.get(code="1.2.3"), actor=admin_user)
    with pytest.raises(ValidationFailed, match="lỗi"):
        services.indicator_set_activate(indicator_set=clone, cycle=cycle, actor=admin_user)
    assert not cycle.cycle_sets.exists()

    fixed = clone.indicators.get(code="1.2")
    services.indicator_update(indicator=fixed, data=_leaf_data(fixed, max_points="2.5"), actor=admin_user)
    area = clone.indicators.get(code="1")
    services.indicator_update(indicator=area, data=_leaf_data(area, max_points="5.5"), actor=admin_user)
    services.indicator_set_update(
        indicator_set=clone,
        data={"name": clone.name, "standard_max": "9.5", "bonus_cap": "2", "penalty_cap": "2"},
        actor=admin_user,
    )
    services.indicator_set_activate(indicator_set=clone, cycle=cycle, actor=admin_user)
    clone.refresh_from_db()
    assert clone.status == IndicatorSet.Status.ACTIVE
    assert services.set_is_frozen(clone)
    assert cycle.cycle_sets.get().indicator_set == clone


def test_activation_refuses_a_set_of_another_year(small_set: IndicatorSet, admin_user: Any) -> None:
    cycle = cycle_create(year=2021, name="Kỳ 2021", sets={}, actor=admin_user)
    with pytest.raises(ValidationFailed, match="2020"):
        services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user)


def test_the_diff_lists_added_removed_and_changed_nodes(
    small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    services.indicator_delete(indicator=clone.indicators.get(code="2.3"), actor=admin_user)
    node = clone.indicators.get(code="1.2.3")
    services.indicator_update(indicator=node, data=_leaf_data(node, method="yes_no", params={}), actor=admin_user)
    services.indicator_create(
        indicator_set=clone,
        parent=clone.indicators.get(code="2.1"),
        data={"code": "2.1.3", "name": "Mới", "max_points": "1", "method": "manual"},
        actor=admin_user,
    )
    diff = selectors.indicator_set_diff(old=small_set, new=clone)
    assert [r.new.code for r in diff.added] == ["2.1.3"]
    assert [r.old.code for r in diff.removed] == ["2.3", "2.3.1"]
    changed = {r.old.code: r.fields for r in diff.changed}
    assert changed == {"1.2.3": ["method", "params"]}


def test_a_mapping_matches_a_renumbered_criterion(
    small_set: IndicatorSet, clone: IndicatorSet, admin_user: Any
) -> None:
    node = clone.indicators.get(code="2.2.1")
    services.indicator_update(indicator=node, data=_leaf_data(node, code="2.2.9"), actor=admin_user)
    # a code changed in a clone is paired with its source by a mapping recorded with the change
    before = selectors.indicator_set_diff(old=small_set, new=clone)
    assert not before.removed and not before.added
    assert [(r.old.code, r.new.code) for r in before.renumbered] == [("2.2.1", "2.2.9")]

    services.indicator_mapping_save(
        from_set=small_set, to_set=clone, from_code="2.2.1", to_code="2.2.9", actor=admin_user
    )
    after = selectors.indicator_set_diff(old=small_set, new=clone)
    assert not after.removed and not after.added and not after.changed
    assert [(r.old.code, r.new.code) for r in after.renumbered] == [("2.2.1", "2.2.9")]
    with pytest.raises(ValidationFailed, match="không có mã"):
        services.indicator_mapping_save(
            from_set=small_set, to_set=clone, from_code="7.7", to_code="2.2.9", actor=admin_user
        )
    assert IndicatorMapping.objects.count() == 1


def test_the_report_reads_a_set_in_a_fixed_number_of_queries(
    small_set: IndicatorSet, admin_user: Any, django_assert_num_queries: Any
) -> None:
    import json

    from django.conf import settings

    from scoring.services import indicator_set_import

    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    big = indicator_set_import(data={**data, "version": 2}, actor=None)
    with django_assert_num_queries(1):
        small = selectors.indicator_set_report(indicator_set=small_set)
    with django_assert_num_queries(1):
        large = selectors.indicator_set_report(indicator_set=big)
    assert small.ok and large.ok and large.leaves == 105


def test_a_kind_takes_a_set_made_for_another_and_changes_it_until_its_own_assessments_have_work(
    small_set: IndicatorSet, cycle: Any, assessment: Any, admin_user: Any, client: Any
) -> None:
    """The departments' assessment is open on the set; the vertical agencies, which share it, have none yet: their
    set can still be changed (to a set made for the departments: no kind of their own), the departments' cannot.
    Through the set's report page, as an administrator uses it."""
    from django.urls import reverse

    from scoring.models import AuditEntry, CycleSet, UnitKind

    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    vertical, department = UnitKind.objects.get(code="vertical"), UnitKind.objects.get(code="department")
    assert other.unit_kind == department
    client.force_login(admin_user)
    url = reverse("administration:set_activate", args=[other.pk])
    response = client.post(url, {"cycle": cycle.pk, "unit_kind": vertical.pk,
                                 f"applied_{cycle.pk}_{vertical.pk}": str(small_set.pk)}, follow=True)
    assert response.status_code == 200
    assert CycleSet.objects.get(cycle=cycle, unit_kind=vertical).indicator_set == other
    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == small_set
    entry = AuditEntry.objects.filter(action="indicator_set.activate").latest("id")
    assert entry.changes["unit_kind"]["new"] == "vertical" and entry.changes["replaced"] == {
        "old": small_set.key, "new": other.key}

    # the departments' assessment has a self-score: their set is kept (an untouched one would move with it,
    # test_cycle_set_replacement)
    from scoring.models import ScoreLine

    ScoreLine.objects.filter(pk=assessment.lines.order_by("pk").first().pk).update(self_score="1")
    refused = client.post(url, {"cycle": cycle.pk, "unit_kind": department.pk,
                                 f"applied_{cycle.pk}_{department.pk}": str(small_set.pk)}, follow=True)
    assert "1 bản đánh giá theo bộ này đã có dữ liệu" in refused.content.decode()
    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == small_set
    for bad in ("abc", "99999999999999999999999", "-1"):  # no such kind: said, nothing changed, no error page
        answer = client.post(url, {"cycle": cycle.pk, "unit_kind": bad}, follow=True)
        assert answer.status_code == 200 and "Hãy chọn loại đơn vị" in answer.content.decode()
    assert client.post(url, {"cycle": "99999999999999999999999"}, follow=True).status_code == 200
    assert AuditEntry.objects.filter(action="indicator_set.activate").count() == 1
    page = client.get(reverse("administration:set_report", args=[other.pk])).content.decode()
    assert f'<option value="{department.pk}" selected>' in page  # its own kind first


def test_applying_the_set_a_kind_already_uses_or_the_same_extension_again_records_nothing(
    small_set: IndicatorSet, cycle: Any, assessment: Any, admin_user: Any
) -> None:
    """An audit entry «active → active, replaced X → X» or an extension to the moment it already has (written in
    another time zone) said something changed when nothing had."""
    import datetime as dt

    from scoring.administration.services import assessment_extend_deadline
    from scoring.models import AuditEntry

    services.indicator_set_activate(indicator_set=small_set, cycle=cycle, actor=admin_user)
    assert not AuditEntry.objects.filter(action="indicator_set.activate").exists()
    later = dt.datetime(2030, 1, 1, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assessment_extend_deadline(assessment=assessment, deadline=later, actor=admin_user, reason="Mất điện")
    again = later.astimezone(dt.UTC)  # the same moment
    assessment_extend_deadline(assessment=assessment, deadline=again, actor=admin_user, reason="Mất điện")
    assert AuditEntry.objects.filter(action="assessment.extend_deadline").count() == 1
    assessment.refresh_from_db()
    assert assessment.deadline_override == later
