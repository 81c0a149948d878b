"""A direct-points leaf takes only multiples of its step (the engine's rule): a maximum that is not one can never be
given. The criterion editor refuses it on the maximum, saying which values are reachable; the set check (and so
the activation and `manage.py data_check`) reports a stored one."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from scoring import engine, selectors
from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.selectors import indicator_set_report
from scoring.administration.services.tree import indicator_version
from scoring.administration.validators import step_problem
from scoring.errors import ValidationFailed
from scoring.models import Cycle, Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

METHODS = "Mọi tiêu chí thành phần có phương pháp chấm hợp lệ"


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="step-2021", year=2021, actor=admin_user)


@pytest.fixture
def manual_leaf(draft: IndicatorSet) -> Indicator:
    leaf = draft.indicators.get(code="1.2.3")
    assert leaf.method == "manual" and leaf.params == {"step": "0.25"} and leaf.max_points == Decimal("0.5")
    return leaf


def _posted(leaf: Indicator, **changes: str) -> dict[str, Any]:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted["version"] = indicator_version(leaf)
    posted.update(changes)
    return posted


def test_the_engine_refuses_the_maximum_the_editor_is_asked_to_store() -> None:
    # the rule this file holds the editor and the check to: 0,7 is not a multiple of 0,25
    rule = engine.LeafRule(method="manual", params={"step": "0.25"}, max_points=Decimal("0.7"),
                           floor=Decimal("0"), kind="normal")
    with pytest.raises(engine.ScoringInputError):
        engine.score_leaf(rule, {"points": "0,7"})


def test_the_problem_names_the_reachable_values() -> None:
    text = step_problem(max_points=Decimal("0.7"), floor=Decimal("0"), step="0.25")
    assert text is not None
    assert "0,7" in text and "0,25" in text
    assert "0; 0,25; 0,5" in text
    assert "0,5 hoặc 0,75" in text
    # a maximum that is a multiple, and the engine's default step (0,25) when none is given
    assert step_problem(max_points=Decimal("0.75"), floor=Decimal("0"), step="0.25") is None
    assert step_problem(max_points=Decimal("10"), floor=Decimal("-1"), step=None) is None
    assert step_problem(max_points=Decimal("0.7"), floor=Decimal("0"), step=None) is not None
    # a step the engine refuses is left to the engine's own message
    assert step_problem(max_points=Decimal("0.7"), floor=Decimal("0"), step="0") is None
    # many reachable values: the first and the last
    many = step_problem(max_points=Decimal("10.1"), floor=Decimal("0"), step="0.25")
    assert many is not None and "0; 0,25; 0,5; …; 10" in many


def test_the_editor_refuses_a_maximum_off_the_step_on_the_maximum_and_stores_nothing(
    client: Client, admin_user: Any, manual_leaf: Indicator
) -> None:
    client.force_login(admin_user)
    # when: the maximum 0,7 with the step 0,25
    response = client.post(reverse("administration:node_edit", args=[manual_leaf.pk]),
                           _posted(manual_leaf, max_points="0,7"))
    # then
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "max_points" in errors
    assert "0; 0,25; 0,5" in errors["max_points"][0]
    assert "0; 0,25; 0,5" in response.content.decode()
    manual_leaf.refresh_from_db()
    assert manual_leaf.max_points == Decimal("0.5")


def test_the_editor_refuses_a_step_that_misses_the_maximum(
    client: Client, admin_user: Any, manual_leaf: Indicator
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_edit", args=[manual_leaf.pk]),
                           _posted(manual_leaf, p_step="0,3"))
    assert response.status_code == 400
    assert "max_points" in response.context["form"].errors
    manual_leaf.refresh_from_db()
    assert manual_leaf.params == {"step": "0.25"}
    # and a step that divides the maximum is saved
    response = client.post(reverse("administration:node_edit", args=[manual_leaf.pk]),
                           _posted(manual_leaf, p_step="0,1"))
    assert response.status_code == 302
    manual_leaf.refresh_from_db()
    assert Decimal(manual_leaf.params["step"]) == Decimal("0.1")


def test_a_new_criterion_off_the_step_is_refused_too(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    parent = draft.indicators.get(code="1.2")
    client.force_login(admin_user)
    count = draft.indicators.count()
    response = client.post(
        reverse("administration:node_add", args=[draft.pk]) + f"?cha={parent.pk}",
        {"code": "1.2.4", "name": "Mới", "kind": "normal", "max_points": "0,7", "floor": "0", "method": "manual",
         "source": "self", "p_step": "0,25", "parent": parent.pk},
    )
    assert response.status_code == 400
    assert "max_points" in response.context["form"].errors
    assert draft.indicators.count() == count


def test_the_set_check_reports_a_stored_maximum_off_the_step(draft: IndicatorSet, manual_leaf: Indicator) -> None:
    # given: as a set stored before the rule holds it (0,5 with a step of 0,2)
    Indicator.objects.filter(pk=manual_leaf.pk).update(params={"step": "0.2"})
    # when
    report = indicator_set_report(indicator_set=draft)
    # then
    assert not report.ok
    item = next(i for i in report.items if i.indicator_id == manual_leaf.pk)
    assert item.text.startswith("1.2.3: ") and "0; 0,2; 0,4" in item.text
    checks = {str(label): ok for label, ok in report.checks}
    assert checks[METHODS] is False


def test_a_set_with_a_maximum_off_the_step_cannot_be_activated(
    draft: IndicatorSet, manual_leaf: Indicator, admin_user: Any
) -> None:
    Indicator.objects.filter(pk=manual_leaf.pk).update(params={"step": "0.2"})
    cycle = Cycle.objects.create(year=2021, name="Kỳ 2021")
    with pytest.raises(ValidationFailed):
        services.indicator_set_activate(indicator_set=draft, cycle=cycle, actor=admin_user)
    draft.refresh_from_db()
    assert draft.status == IndicatorSet.Status.DRAFT


def test_data_check_lists_a_set_in_use_with_a_maximum_off_the_step(small_set: IndicatorSet) -> None:
    # given: a set in use (not a draft) stored before the rule
    IndicatorSet.objects.filter(pk=small_set.pk).update(status=IndicatorSet.Status.ACTIVE)
    Indicator.objects.filter(indicator_set=small_set, code="1.2.3").update(params={"step": "0.2"})
    out = StringIO()
    # when
    with pytest.raises(CommandError):
        call_command("data_check", "--json", "--only", "sets", stdout=out)
    # then
    problems = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert any("1.2.3" in p["message"] and "0; 0,2; 0,4" in p["message"] for p in problems), problems


def test_the_small_sets_manual_leaf_is_sound(small_set: IndicatorSet) -> None:
    leaf = small_set.indicators.get(code="1.2.3")
    assert step_problem(max_points=leaf.max_points, floor=leaf.floor, step=leaf.params.get("step")) is None
    assert engine.score_leaf(selectors.leaf_rule(leaf), {"points": "0,5"}) == Decimal("0.5")
