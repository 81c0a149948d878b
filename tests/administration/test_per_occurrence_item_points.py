"""A per_occurrence leaf's item points: a bonus or penalty leaf counts a positive amount per occurrence (the kind
adds or deducts it), a normal leaf may deduct from its base; no occurrence is worth more than the leaf's range.
Refused in the engine's words, in both languages, by the engine, the criterion form and the import's dry run."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from scoring import engine
from scoring.administration import services
from scoring.errors import ValidationFailed, engine_text
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


def _rule(kind: str, points: str, *, maximum: str = "2", floor: str = "0", base: str | None = None) -> Any:
    params: dict[str, Any] = {"items": [{"key": "late", "label": "Trễ hạn", "points": points}]}
    if base is not None:
        params["base"] = base
    return engine.LeafRule(
        method="per_occurrence", params=params, max_points=Decimal(maximum), floor=Decimal(floor), kind=kind
    )


def _refusal(rule: Any) -> engine.EngineError:
    with pytest.raises(engine.ParamsError) as info:
        engine.validate_params(rule)
    return info.value


@pytest.mark.parametrize("kind", ["penalty", "bonus"])
@pytest.mark.parametrize("points", ["-0.5", "0"])
def test_a_bonus_or_penalty_item_must_be_worth_a_positive_amount(kind: str, points: str) -> None:
    refusal = _refusal(_rule(kind, points))
    assert refusal.code == "item_points_not_positive"
    assert refusal.field == "items[0].points"
    assert "«late»" in refusal.message and "lớn hơn 0" in refusal.message
    assert "'late'" in refusal.message_en and "above 0" in refusal.message_en


@pytest.mark.parametrize(
    ("kind", "points", "maximum", "floor"),
    [("penalty", "2.5", "2", "0"), ("bonus", "3", "2", "0"), ("normal", "-1.5", "1", "0"), ("normal", "3", "1", "-1")],
)
def test_an_item_worth_more_than_the_leafs_whole_range_is_refused(
    kind: str, points: str, maximum: str, floor: str
) -> None:
    refusal = _refusal(_rule(kind, points, maximum=maximum, floor=floor, base="0"))
    assert refusal.code == "item_points_above_range"
    assert refusal.field == "items[0].points"


@pytest.mark.parametrize(
    ("kind", "points", "base"),
    [("penalty", "2", None), ("bonus", "0.5", None), ("normal", "-0.5", "2"), ("normal", "-2", "2"),
     ("normal", "0.25", None)],
)
def test_items_that_make_sense_are_accepted(kind: str, points: str, base: str | None) -> None:
    engine.validate_params(_rule(kind, points, base=base))


def test_the_penalty_scores_a_positive_amount_per_occurrence() -> None:
    assert engine.score_leaf(_rule("penalty", "0.5"), {"counts": {"late": 3}}) == Decimal("1.50")


def test_the_import_dry_run_refuses_a_negative_penalty_item_in_the_page_language(
    small_set: IndicatorSet, admin_user: Any
) -> None:
    # given
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    rows = [{
        "row": 2, "code": "1", "parent_code": "", "name": "Kỷ luật", "kind": "penalty", "max_points": "2",
        "method": "per_occurrence", "params": json.dumps({"items": [{"key": "late", "points": "-0.5"}]}),
    }]
    for language in ("vi", "en"):
        # when
        with translation.override(language):
            outcome = services.indicator_set_tree_import(
                indicator_set=draft, rows=rows, actor=admin_user, dry_run=True
            )
            messages = outcome.row_errors[0]["messages"] if outcome.row_errors else []
            expected = str(engine_text(_refusal(_rule("penalty", "-0.5"))))
        # then
        assert messages == [expected]


def test_the_criterion_form_refuses_a_negative_penalty_item(small_set: IndicatorSet, admin_user: Any) -> None:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    node = draft.indicators.get(code="2.3.1")
    with pytest.raises(ValidationFailed) as info:
        services.indicator_update(
            indicator=node,
            data={"code": "2.3.1", "name": node.name, "kind": "penalty", "max_points": "2", "method": "per_occurrence",
                  "params": {"items": [{"key": "disciplined", "label": "Số người", "points": "-1"}]}},
            actor=admin_user,
        )
    assert info.value.code == "item_points_not_positive"
    node.refresh_from_db()
    assert node.params["items"][0]["points"] == "1"
