"""A tree import's audit entry records each moved criterion with its place old → new (the parent by its code, the
order among that parent's children), as it records a modified criterion's fields old → new; the audit page shows it
in words: «1.2.2 (Thứ tự: 2 → 1)», «1.2.3 (Tiêu chí cha: 1.2 → 1.1; Thứ tự: 3 → 3)»."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.audit_labels import change_rows
from scoring.administration.services.tree_excel import MAX_AUDITED_CODES, tree_changes
from scoring.models import AuditEntry, IndicatorSet
from tests.administration.test_tree_import_moves import _codes, _exported, _preview, _rearranged

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _apply(client: Client, draft: IndicatorSet, content: bytes) -> AuditEntry:
    response = _preview(client, draft, content)
    applied = client.post(reverse("administration:set_import_apply", args=[draft.pk]),
                          {"token": response.context["token"]})
    assert applied.status_code == 302
    return AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(draft.pk)).latest("pk")


def _shown(entry: AuditEntry) -> str:
    rows = {name: new for name, _label, _old, new in change_rows(entry.changes, object_type="IndicatorSet")}
    return rows["indicators_moved"]


def test_a_criterion_put_under_another_parent_is_audited_with_its_old_and_new_place(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: 1.2.3's row moved under 1.1 (after 1.1.2): from third in 1.2 to third in 1.1
    client.force_login(admin_user)
    order = [c for c in _codes(draft) if c != "1.2.3"]
    order.insert(order.index("1.1.2") + 1, "1.2.3")
    # when
    entry = _apply(client, draft, _rearranged(_exported(client, draft), order, parents={"1.2.3": "1.1"}))
    # then
    assert entry.changes["indicators_moved"] == {"codes": [{
        "code": "1.2.3", "fields": ["parent", "order"],
        "changes": {"parent": {"old": "1.2", "new": "1.1"}, "order": {"old": 3, "new": 3}},
    }], "more": 0}
    assert _shown(entry) == "1.2.3 (Tiêu chí cha: 1.2 → 1.1; Thứ tự: 3 → 3)"
    # and the audit page shows it so
    page = client.get(reverse("administration:audit_list"), {"action": "indicator_set.import_xlsx"}).content.decode()
    assert "1.2.3 (Tiêu chí cha: 1.2 → 1.1; Thứ tự: 3 → 3)" in page


def test_criteria_reordered_among_their_siblings_are_audited_with_their_old_and_new_order(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: 1.2.2's row above 1.2.1's, and area 2 put before area 1
    client.force_login(admin_user)
    codes = _codes(draft)
    order = [c for c in codes if c != "1.2.2"]
    order.insert(order.index("1.2.1"), "1.2.2")
    order = [c for c in order if c.startswith("2")] + [c for c in order if c.startswith("1")]
    # when
    entry = _apply(client, draft, _rearranged(_exported(client, draft), order))
    # then: each with its parent (an area has none) and its order before and after
    moved = {item["code"]: item for item in entry.changes["indicators_moved"]["codes"]}
    assert moved == {
        "2": {"code": "2", "fields": ["order"],
              "changes": {"parent": {"old": None, "new": None}, "order": {"old": 2, "new": 1}}},
        "1.2.2": {"code": "1.2.2", "fields": ["order"],
                  "changes": {"parent": {"old": "1.2", "new": "1.2"}, "order": {"old": 2, "new": 1}}},
    }
    shown = _shown(entry)
    assert "2 (Thứ tự: 2 → 1)" in shown and "1.2.2 (Thứ tự: 2 → 1)" in shown


def test_the_moves_recorded_are_bounded() -> None:
    # given: many criteria each moved (the list reversed)
    old = {str(n): {"parent": None, "name": str(n)} for n in range(1, MAX_AUDITED_CODES + 52)}
    new = {code: old[code] for code in reversed(list(old))}
    # when
    moved = tree_changes(old, new)["indicators_moved"]
    # then: at most MAX_AUDITED_CODES recorded with their places, the others counted
    assert len(moved["codes"]) == MAX_AUDITED_CODES and moved["more"] == 50
    assert all(set(item["changes"]) == {"parent", "order"} for item in moved["codes"])


def test_an_entry_recorded_before_places_were_kept_still_reads() -> None:
    # guards the entries already recorded (codes only): shown as before, passes before and after the change
    changes = {"indicators_moved": {"codes": ["1.2.2"], "more": 0}}
    assert {name: new for name, _l, _o, new in change_rows(changes, object_type="IndicatorSet")} == {
        "indicators_moved": "1.2.2"}
