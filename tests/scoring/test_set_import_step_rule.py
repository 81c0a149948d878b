"""The set file import (service and `POST /api/v1/indicator-sets/`) holds a direct-points leaf to the editor's step
rule: a maximum its step cannot reach is refused, named by the criterion's code, with the import's other problems,
and nothing is written."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.administration.validators import step_problem
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, Indicator, IndicatorSet
from scoring.services import indicator_set_import
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db


def _leaf(data: dict[str, Any], code: str) -> dict[str, Any]:
    """The criterion `code` of a set file, to change it in place."""
    nodes = list(data["indicators"])
    while nodes:
        node = nodes.pop()
        if node["code"] == code:
            return node  # type: ignore[no-any-return]
        nodes.extend(node.get("children") or [])
    raise KeyError(code)


def _off_step(key: str = "buoc-lech", year: int = 2022) -> dict[str, Any]:
    """The small set with its direct-points leaf 1.2.3 (maximum 0,5) given a step of 0,2: the sums still hold."""
    data = copy.deepcopy(small_set_data(key=key, year=year))
    _leaf(data, "1.2.3")["params"] = {"step": "0.2"}
    return data


def _written() -> tuple[int, int, int]:
    return IndicatorSet.objects.count(), Indicator.objects.count(), AuditEntry.objects.count()


OFF_STEP = f"1.2.3: {step_problem(max_points=Decimal('0.5'), floor=Decimal('0'), step='0.2')}"


def test_a_maximum_off_the_step_is_refused_with_the_criterions_code_and_nothing_is_written(
    catalogue: Any, admin_user: Any
) -> None:
    # given
    before = _written()
    # when
    with pytest.raises(ValidationFailed) as refused:
        indicator_set_import(data=_off_step(), actor=admin_user)
    # then: the editor's words, after the criterion's code
    assert refused.value.code == "invalid_set"
    assert refused.value.details == [OFF_STEP]
    assert "0; 0,2; 0,4" in OFF_STEP
    assert _written() == before


def test_the_default_step_is_the_engines(catalogue: Any, admin_user: Any) -> None:
    # given: no step (the engine's 0,25) for a maximum of 0,7 (1.2.2 gives up 0,2 so that the sums hold)
    data = copy.deepcopy(small_set_data(key="buoc-mac-dinh", year=2022))
    _leaf(data, "1.2.2")["max_points"] = "1.3"
    _leaf(data, "1.2.3").update(max_points="0.7", params={})
    # when
    with pytest.raises(ValidationFailed) as refused:
        indicator_set_import(data=data, actor=admin_user)
    # then
    expected = step_problem(max_points=Decimal("0.7"), floor=Decimal("0"), step=None)
    assert expected is not None
    assert f"1.2.3: {expected}" in refused.value.details


def test_every_problem_is_listed_at_once(catalogue: Any, admin_user: Any) -> None:
    # given: the leaf off its step, and another leaf with a method that does not exist
    data = _off_step()
    _leaf(data, "1.1.1")["method"] = "guess"
    before = _written()
    # when
    with pytest.raises(ValidationFailed) as refused:
        indicator_set_import(data=data, actor=admin_user)
    # then
    problems = refused.value.details
    assert OFF_STEP in problems
    assert any(p.startswith("1.1.1: ") for p in problems), problems
    assert _written() == before


def test_a_step_that_divides_the_maximum_is_imported(catalogue: Any, admin_user: Any) -> None:
    data = copy.deepcopy(small_set_data(key="buoc-dung", year=2022))
    _leaf(data, "1.2.3")["params"] = {"step": "0.1"}
    imported = indicator_set_import(data=data, actor=admin_user)
    assert imported.indicators.get(code="1.2.3").params == {"step": "0.1"}


def test_a_step_the_engine_refuses_is_said_once_in_the_engines_words(catalogue: Any, admin_user: Any) -> None:
    data = copy.deepcopy(small_set_data(key="buoc-khong", year=2022))
    _leaf(data, "1.2.3")["params"] = {"step": "0"}
    with pytest.raises(ValidationFailed) as refused:
        indicator_set_import(data=data, actor=admin_user)
    assert len([p for p in refused.value.details if p.startswith("1.2.3: ")]) == 1, refused.value.details


def test_the_api_refuses_a_set_file_with_a_maximum_off_the_step(catalogue: Any, admin_user: Any) -> None:
    api = APIClient()
    api.force_login(admin_user)
    before = _written()
    # when
    response = api.post("/api/v1/indicator-sets/", _off_step(key="api-buoc-lech"), format="json")
    # then
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid_set"
    assert OFF_STEP in body["problems"]
    assert _written() == before


def test_the_api_refusal_is_for_administrators_only(catalogue: Any, unit_editor: Any) -> None:
    api = APIClient()
    api.force_login(unit_editor)
    response = api.post("/api/v1/indicator-sets/", _off_step(key="api-buoc-lech"), format="json")
    assert response.status_code == 403
    assert not IndicatorSet.objects.filter(key="api-buoc-lech").exists()
