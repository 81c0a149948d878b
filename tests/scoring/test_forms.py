"""The method-input contract shared by the self-assessment and appraisal pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation

from scoring import engine, selectors
from scoring.forms import method_input_context, method_value_from_post, value_summary
from scoring.models import Indicator
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

POSTED: dict[str, dict[str, str]] = {
    "1.1.1": {"p-option": "late"},
    "1.1.2": {"p-numerator": "45", "p-denominator": "50"},
    "1.2.1": {"p-value": "yes"},
    "1.2.2": {"p-counts.a": "4", "p-counts.b": "2", "p-counts.c": "1"},
    "1.2.3": {"p-points": "0,5"},
    "2.1.1": {"p-numerator": "85", "p-denominator": "100"},
    "2.1.2": {"p-counts.late": "2", "p-counts.missing": "1"},
    "2.2.1": {"p-counts.initiative": "3"},
    "2.3.1": {"p-counts.disciplined": "1"},
}


def _leaf(small_set: Any, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=small_set, code=code)


@pytest.mark.parametrize("code", sorted(POSTED))
def test_posted_fields_of_every_method_give_the_engines_score(small_set: Any, code: str) -> None:
    leaf = _leaf(small_set, code)
    data = QueryDict(mutable=True)
    for key, raw in POSTED[code].items():
        data[key] = raw
    value = method_value_from_post(leaf, data, "p-")
    assert value is not None
    assert engine.score_leaf(selectors.leaf_rule(leaf), value) == SMALL_SET_VALUES[code][1]


@pytest.mark.parametrize("code", sorted(POSTED))
def test_nothing_entered_is_none_for_every_method(small_set: Any, code: str) -> None:
    leaf = _leaf(small_set, code)
    blank = {key: "" for key in POSTED[code]}
    assert method_value_from_post(leaf, blank, "p-") is None
    assert method_value_from_post(leaf, {}, "p-") is None


def test_values_are_returned_as_typed_for_the_engine_to_judge(small_set: Any) -> None:
    leaf = _leaf(small_set, "1.1.2")
    value = method_value_from_post(leaf, {"x-numerator": "abc"}, "x-")
    assert value == {"numerator": "abc"}
    with pytest.raises(engine.ScoringInputError) as err:
        engine.score_leaf(selectors.leaf_rule(leaf), value)
    assert err.value.field == "numerator"


@pytest.mark.parametrize("code", sorted(POSTED))
def test_the_partial_renders_the_stored_value_back_into_its_inputs(small_set: Any, code: str) -> None:
    leaf = _leaf(small_set, code)
    stored = engine.normalize_value(selectors.leaf_rule(leaf), SMALL_SET_VALUES[code][0])
    with translation.override("vi"):
        html = render_to_string("scoring/_method_input.html", {"ctx": method_input_context(leaf, stored, "p-")})
    for name, raw in POSTED[code].items():
        assert f'name="{name}"' in html
        if name.endswith(("option", "value")):
            assert f'value="{raw}" checked' in html
        else:
            assert f'value="{raw}"' in html


def test_levels_offer_every_option_with_points_and_a_clear_choice(small_set: Any) -> None:
    leaf = _leaf(small_set, "1.1.1")
    ctx = method_input_context(leaf, None, "p-")
    assert [o["value"] for o in ctx["options"]] == ["on_time", "late", "none"]
    assert [o["points"] for o in ctx["options"]] == ["1", "0", "\u22121"]
    html = render_to_string("scoring/_method_input.html", {"ctx": ctx})
    assert "<legend>" in html and 'name="p-option" value=""' in html


def test_a_disabled_input_disables_every_control(small_set: Any) -> None:
    leaf = _leaf(small_set, "2.1.2")
    html = render_to_string("scoring/_method_input.html", {"ctx": method_input_context(leaf, None, "p-", True)})
    assert html.count(" disabled") >= 3


def test_the_error_field_marks_its_input_invalid(small_set: Any) -> None:
    leaf = _leaf(small_set, "1.1.2")
    ctx = method_input_context(leaf, {"numerator": "60", "denominator": "50"}, "p-", error_field="numerator")
    assert [f["invalid"] for f in ctx["fields"]] == [True, False]


def test_manual_points_carry_their_step_and_range(small_set: Any) -> None:
    with translation.override("vi"):
        ctx = method_input_context(_leaf(small_set, "1.2.3"), {"points": "0.25"}, "p-")
    assert ctx["fields"][0]["value"] == "0,25"
    assert "0,5" in ctx["hint"] and "0,25" in ctx["hint"]


def test_value_summary_speaks_the_users_language(small_set: Any) -> None:
    with translation.override("vi"):
        assert value_summary(_leaf(small_set, "1.1.1"), {"option": "late"}) == "Trễ hạn"
        assert value_summary(_leaf(small_set, "1.2.1"), {"value": False}) == "Không"
        assert value_summary(_leaf(small_set, "2.1.2"), {"counts": {"late": 2, "missing": 0}}) == (
            "Báo cáo trễ hạn: 2; Thiếu báo cáo: 0"
        )
        assert value_summary(_leaf(small_set, "1.1.2"), None) == "(chưa chấm)"


def test_field_label_names_an_engine_field_as_the_page_does(small_set: Any) -> None:
    from scoring.forms import field_label

    with translation.override("vi"):
        assert field_label(_leaf(small_set, "1.1.2"), "denominator") == "Mẫu số"
        assert field_label(_leaf(small_set, "2.1.2"), "counts.late") == "Báo cáo trễ hạn"
        assert field_label(_leaf(small_set, "1.1.1"), "option") == "Mức"


def test_a_formulas_limits_are_shown_beside_its_expression(small_set: Any) -> None:
    leaf = _leaf(small_set, "1.2.2")
    assert "Điều kiện" not in method_input_context(leaf, None, "p-")["hint"]
    leaf.params = dict(leaf.params, limits=["b + c <= a"])
    hint = method_input_context(leaf, None, "p-")["hint"]
    assert hint.endswith("Điều kiện: b + c ≤ a.") and hint.startswith("Công thức:")
    leaf.params = dict(leaf.params, expression="(b / a) * 1 + (c / a) * 0.5")
    assert "× 0,5" in method_input_context(leaf, None, "p-")["hint"]
    with translation.override("en"):
        assert "× 0.5" in method_input_context(leaf, None, "p-")["hint"]
