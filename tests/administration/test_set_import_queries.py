"""A set tree import costs one insert per criterion and no other query per row (it had looked up each row's
criterion before inserting it, and built a before/after diff of each row)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.administration import services
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


def _rows(leaves: int) -> list[dict[str, Any]]:
    rows = [{"row": 2, "code": "1", "parent_code": "", "name": "Lĩnh vực", "kind": "normal",
             "max_points": str(leaves), "method": "", "params": ""}]
    rows += [{"row": 3 + i, "code": f"1.{i + 1}", "parent_code": "1", "name": f"Tiêu chí {i + 1}", "kind": "normal",
              "max_points": "1", "method": "yes_no", "params": "{}"} for i in range(leaves)]
    return rows


def _queries(indicator_set: IndicatorSet, leaves: int, actor: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcome = services.indicator_set_tree_import(indicator_set=indicator_set, rows=_rows(leaves), actor=actor,
                                                     dry_run=True)
    assert outcome.ok, outcome.row_errors
    return len(queries)


def test_each_more_row_of_a_set_file_costs_one_insert_only(small_set: IndicatorSet, admin_user: Any) -> None:
    target = services.indicator_set_create(key="queries", year=2021, unit_kind=small_set.unit_kind, actor=admin_user,
                                           data={"name": "Q", "standard_max": "20", "bonus_cap": "2",
                                                 "penalty_cap": "2"})
    assert _queries(target, 40, admin_user) - _queries(target, 20, admin_user) == 20
