"""The tree import's audit entry names the criteria it changed: the codes added, removed and modified (with
the fields that differ and their old → new values), bounded, and the audit page shows them readably."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.audit_labels import change_rows
from scoring.administration.services.tree_excel import MAX_AUDITED_CODES, tree_changes
from scoring.models import AuditEntry, IndicatorSet
from tests.administration.conftest import xlsx_bytes
from tests.administration.test_set_import import _annex, _import

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported_set(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """A draft set holding the small set's tree, imported once."""
    target = services.indicator_set_create(
        key="annex-2021", year=2021, unit_kind=small_set.unit_kind, actor=admin_user,
        data={"name": "Phụ lục 2021", "standard_max": "10", "bonus_cap": "2", "penalty_cap": "2"},
    )
    headers, *rows = _annex(small_set)
    assert _import(target, xlsx_bytes(headers, rows), admin_user).ok
    return target


def _edited_annex(small_set: IndicatorSet) -> bytes:
    """The small set's annex with 1.2.3 replaced by another criterion, 1.2.4 (one removed, one added: a criterion
    keeping its name under another code would be renumbered), and 1.1.2 worth 2,5 points."""
    headers, *rows = _annex(small_set)
    code, name, max_points = headers.index("code"), headers.index("name"), headers.index("max_points")
    by_code = {row[code]: row for row in rows}
    by_code["1.2.3"][code] = "1.2.4"
    by_code["1.2.3"][name] = "Gửi báo cáo tự đánh giá qua phần mềm"
    by_code["1.1.2"][max_points] = "2.5"
    return xlsx_bytes(headers, rows)


def _last_import_entry(target: IndicatorSet) -> AuditEntry:
    return AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(target.pk)).latest("pk")


def test_the_audit_entry_names_the_criteria_added_removed_and_modified(
    small_set: IndicatorSet, imported_set: IndicatorSet, admin_user: Any
) -> None:
    # when: a tree that adds one criterion, removes one and changes one's maximum
    outcome = _import(imported_set, _edited_annex(small_set), admin_user)
    # then
    assert outcome.ok, outcome.row_errors
    changes = _last_import_entry(imported_set).changes
    assert changes["indicators_added"] == {"codes": ["1.2.4"], "more": 0}
    assert changes["indicators_removed"] == {"codes": ["1.2.3"], "more": 0}
    assert changes["indicators_modified"] == {"codes": [{
        "code": "1.1.2", "fields": ["max_points"], "changes": {"max_points": {"old": "2.00", "new": "2.50"}},
    }], "more": 0}
    assert changes["indicators"] == {"old": 16, "new": 16}


def test_the_audit_page_shows_the_changed_criteria_readably(
    client: Client, small_set: IndicatorSet, imported_set: IndicatorSet, admin_user: Any
) -> None:
    assert _import(imported_set, _edited_annex(small_set), admin_user).ok
    client.force_login(admin_user)
    page = client.get(reverse("administration:audit_list"), {"action": "indicator_set.import_xlsx"}).content.decode()
    assert "Tiêu chí thêm mới</span>: — → 1.2.4" in page
    assert "Tiêu chí bị xoá</span>: 1.2.3 → —" in page
    assert "Tiêu chí được sửa</span>: — → 1.1.2 (Điểm tối đa: 2,00 → 2,50)" in page
    assert "&#x27;codes&#x27;" not in page and "indicators_added" not in page.replace('title="indicators_added"', "")


def test_the_lists_are_bounded_and_count_the_codes_left_out() -> None:
    # given: more new criteria than the entry lists
    old = {"1": {"name": "Một"}}
    new = {"1": {"name": "Một (sửa)"}, **{f"9.{i}": {"name": f"Mới {i}"} for i in range(MAX_AUDITED_CODES + 5)}}
    # when
    changes = tree_changes(old, new)
    # then
    assert len(changes["indicators_added"]["codes"]) == MAX_AUDITED_CODES
    assert changes["indicators_added"]["more"] == 5
    assert changes["indicators_modified"]["codes"] == [
        {"code": "1", "fields": ["name"], "changes": {"name": {"old": "Một", "new": "Một (sửa)"}}}]
    rows = {name: (old_text, new_text) for name, _label, old_text, new_text in change_rows(changes)}
    assert rows["indicators_added"][1].endswith("… và 5 tiêu chí khác")
    assert rows["indicators_modified"] == ("—", "1 (Tên: Một → Một (sửa))")
    assert "indicators_removed" not in rows  # nothing removed: no line
