"""The Excel tree import holds a direct-points leaf to the criterion editor's step rule too: the row whose maximum
its step cannot reach is refused in the editor's words and the tree is left as it was (the JSON set import's own
test: tests/scoring/test_set_import_step_rule.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from scoring.administration import services
from scoring.administration.services.tree import indicator_set_tree_fingerprint, indicator_set_tree_import_apply
from scoring.administration.validators import step_problem
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="cay-buoc-2021", year=2021, actor=admin_user)


def _rows(step: str) -> list[dict[str, Any]]:
    return [
        {"row": 2, "code": "1", "parent_code": "", "name": "Lĩnh vực", "kind": "normal", "max_points": "10",
         "floor": "", "method": "", "params": ""},
        {"row": 3, "code": "1.1", "parent_code": "1", "name": "Tiêu chí chấm trực tiếp", "kind": "normal",
         "max_points": "10", "floor": "", "method": "manual", "params": json.dumps({"step": step})},
    ]


def _tree(indicator_set: IndicatorSet) -> list[tuple[str, Any]]:
    return list(indicator_set.indicators.order_by("order").values_list("code", "params"))


def test_the_tree_import_refuses_a_maximum_off_the_step_and_keeps_the_tree(
    draft: IndicatorSet, admin_user: Any
) -> None:
    # given
    tree = _tree(draft)
    rows = _rows("0.3")
    # when: applied, as the preview's «Áp dụng» does
    outcome = indicator_set_tree_import_apply(
        indicator_set=draft, rows=rows, fingerprint=indicator_set_tree_fingerprint(draft), actor=admin_user
    )
    # then
    expected = step_problem(max_points=Decimal("10"), floor=Decimal("0"), step="0.3")
    assert expected is not None
    assert outcome.row_errors == [{"row": 3, "messages": [expected]}]
    assert _tree(draft) == tree


def test_the_tree_import_takes_a_step_that_divides_the_maximum(draft: IndicatorSet, admin_user: Any) -> None:
    outcome = indicator_set_tree_import_apply(
        indicator_set=draft, rows=_rows("0.5"), fingerprint=indicator_set_tree_fingerprint(draft), actor=admin_user
    )
    assert outcome.ok, outcome.row_errors
    assert _tree(draft) == [("1", {}), ("1.1", {"step": "0.5"})]
