"""A formula's number that may group thousands («1.000», «1,000», «12.500», «1.000.000») is refused when the formula
is entered (the criteria editor, its live preview, the set import), as the score sheet refuses it: «1.000 × b ÷ a»
was stored as «1.000 * b / a» and scored one times, not a thousand. A formula already stored with such a number
keeps scoring as before, and the set's check does not hold it against the set."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import engine
from scoring.administration.selectors import indicator_set_report
from scoring.errors import ValidationFailed
from scoring.models import Indicator, IndicatorSet
from scoring.services import indicator_set_import
from tests.administration.page_helpers import error_messages as _errors
from tests.administration.page_helpers import form_version as _version
from tests.administration.test_formula_editor_and_set_messages import _formula_post
from tests.administration.test_formula_editor_and_set_messages import draft as draft  # the fixture
from tests.conftest import small_set_data

VARIABLES = [{"name": "a", "label": "Số vấn đề"}, {"name": "b", "label": "Đã xử lý"}]
COUNTS: dict[str, Any] = {"counts": {"a": 4, "b": 2}}


def _rule(expression: str) -> engine.LeafRule:
    return engine.LeafRule(method="formula", params={"variables": VARIABLES, "expression": expression},
                           max_points=Decimal("1000"))


@pytest.mark.parametrize(("typed", "number", "readings"), [
    ("1.000 × b ÷ a", "1.000", "1000 hoặc 1"),
    ("1,000*b/a", "1,000", "1000 hoặc 1"),
    ("b / a × 12.500", "12.500", "12500 hoặc 12,5"),
    ("b / a * 1,250", "1,250", "1250 hoặc 1,25"),
    ("(b − 100.000) / a", "100.000", "100000 hoặc 100"),
])
def test_a_number_that_may_group_thousands_is_refused_naming_it_and_both_ways_to_write_it(
    typed: str, number: str, readings: str
) -> None:
    with pytest.raises(engine.ParamsError) as caught:
        engine.validate_params(_rule(typed))
    err = caught.value
    assert err.code == "ambiguous_separator"
    assert err.field == "expression"
    assert f"Số «{number}» trong công thức có thể là {readings}: hãy viết {readings}" in err.message
    assert f"The number '{number}' in the formula" in err.message_en
    assert "1000" in err.message_en or "12500" in err.message_en or "1250" in err.message_en


@pytest.mark.parametrize(("typed", "number", "meant"), [
    ("1.000.000 * b / a", "1.000.000", "1000000"),
    ("1,000,000 * b / a", "1,000,000", "1000000"),
])
def test_a_number_grouped_in_thousands_more_than_once_is_refused_saying_how_to_write_it(
    typed: str, number: str, meant: str
) -> None:
    with pytest.raises(engine.ParamsError) as caught:
        engine.validate_params(_rule(typed))
    err = caught.value
    assert err.code == "ambiguous_separator"
    assert f"Số «{number}» trong công thức dùng dấu tách hàng nghìn: hãy viết {meant}" in err.message
    assert f"write {meant}" in err.message_en


@pytest.mark.parametrize("typed", [
    "0,5 * b / a", "1.5 * b", "0.125 * b", "b / a × 0,125", "1000 * b / a", "b / a * 1,25", "1.0000 * b",
    "(b / a) * 1.5 + (b / a) * 0.5", "a1 * 1.5",
])
def test_numbers_that_cannot_group_thousands_are_accepted(typed: str) -> None:
    rule = _rule(typed) if "a1" not in typed else engine.LeafRule(
        method="formula", params={"variables": [{"name": "a1", "label": "A"}], "expression": typed},
        max_points=Decimal("1000"))
    engine.validate_params(rule)


def test_numbers_written_wrongly_in_other_ways_keep_their_refusal() -> None:
    for typed in ("1.000,5 * b", "1.000.5 * b"):
        with pytest.raises(engine.ParamsError) as caught:
            engine.validate_params(_rule(typed))
        assert caught.value.code == "formula_syntax"
        assert f"Số «{typed.split()[0]}» viết sai" in caught.value.message


def test_a_stored_formula_with_such_a_number_scores_as_before() -> None:
    rule = _rule("1.000 * b / a")
    assert engine.score_leaf(rule, COUNTS) == Decimal("0.5")  # 1 × 2 / 4, as it always scored
    assert engine.input_fields(rule) == ["counts.a", "counts.b"]
    engine.validate_params(rule, stored=True)  # the stored set's check takes it as the engine scores it


# --- the criteria editor and the set import ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "says"), [
    ("1.000 × b ÷ a", "Số «1.000» trong công thức có thể là 1000 hoặc 1: hãy viết 1000 hoặc 1"),
    ("1,000*b/a", "Số «1,000» trong công thức có thể là 1000 hoặc 1: hãy viết 1000 hoặc 1"),
])
def test_the_editor_refuses_a_formula_with_a_number_that_may_group_thousands_and_changes_nothing(
    client: Client, admin_user: Any, draft: IndicatorSet, typed: str, says: str
) -> None:
    # given
    leaf = draft.indicators.get(code="1.2.2")
    before = dict(leaf.params)
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    # when
    response = client.post(url, _formula_post(leaf, typed, _version(client.get(url).content.decode())))
    # then
    assert response.status_code == 400
    assert says in _errors(response)
    assert f'value="{typed}"' in response.content.decode()  # kept as typed, to be mended
    leaf.refresh_from_db()
    assert leaf.params == before


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "stored"), [("0,5 * b / a", "0.5 * b / a"), ("1.5 * b", "1.5 * b")])
def test_the_editor_saves_a_formula_whose_numbers_cannot_group_thousands(
    client: Client, admin_user: Any, draft: IndicatorSet, typed: str, stored: str
) -> None:
    leaf = draft.indicators.get(code="1.2.2")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    response = client.post(url, _formula_post(leaf, typed, _version(client.get(url).content.decode())))
    assert response.status_code == 302, _errors(response)
    leaf.refresh_from_db()
    assert leaf.params["expression"] == stored


@pytest.mark.django_db
def test_the_live_preview_refuses_it_too(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_preview"), {
        "method": "formula", "max_points": "1,5", "p_variables": "a | A\nb | B", "p_expression": "1.000 × b ÷ a",
    })
    assert response.status_code == 400
    assert "Số «1.000» trong công thức có thể là 1000 hoặc 1" in response.content.decode()


def _with_expression(data: dict[str, Any], expression: str) -> dict[str, Any]:
    leaf = data["indicators"][0]["children"][1]["children"][1]
    assert leaf["code"] == "1.2.2"
    leaf["params"]["expression"] = expression
    return data


@pytest.mark.django_db
def test_the_set_import_refuses_it_and_creates_nothing(catalogue: Any) -> None:
    data = _with_expression(small_set_data(key="thousands-set"), "1,000 * b / a")
    with pytest.raises(ValidationFailed) as caught:
        indicator_set_import(data=data, actor=None)
    assert any("Số «1,000» trong công thức có thể là 1000 hoặc 1" in str(p) for p in caught.value.details)
    assert not IndicatorSet.objects.filter(key="thousands-set").exists()


@pytest.mark.django_db
def test_a_stored_set_with_such_a_formula_keeps_its_scores_and_passes_its_check(small_set: IndicatorSet) -> None:
    # given: a formula stored before numbers that may group thousands were refused
    Indicator.objects.filter(indicator_set=small_set, code="1.2.2").update(
        params={"variables": [{"name": "a", "label": "A"}, {"name": "b", "label": "B"}, {"name": "c", "label": "C"}],
                "expression": "1.000 * b / a"})
    leaf = small_set.indicators.get(code="1.2.2")
    # when
    from scoring import selectors

    score = engine.score_leaf(selectors.leaf_rule(leaf), {"counts": {"a": 4, "b": 2, "c": 1}})
    report = indicator_set_report(indicator_set=small_set)
    # then
    assert score == Decimal("0.5")  # one times b / a, as before
    assert report.ok, report.problems
