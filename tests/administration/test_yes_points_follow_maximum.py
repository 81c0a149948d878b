"""A yes/no leaf's «Có» points written out equal to the maximum (as a cloned or imported set may hold them) are the
default, the maximum: lowering or raising the maximum takes them along. «Có» points set apart from the maximum
stay, and a maximum below them is refused in the editor's words, never with the parameter's internal name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import engine, selectors
from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import indicator_version
from scoring.errors import ValidationFailed
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def cloned_leaf(small_set: IndicatorSet, admin_user: Any) -> Indicator:
    clone = services.indicator_set_clone(source=small_set, key="yes-points", year=2022, actor=admin_user)
    leaf = clone.indicators.get(code="1.2.1")
    assert leaf.method == "yes_no" and leaf.max_points == Decimal("1")
    Indicator.objects.filter(pk=leaf.pk).update(params={"yes_points": "1"})  # written out, as a clone may hold it
    leaf.refresh_from_db()
    return leaf


def _data(leaf: Indicator, **changes: Any) -> dict[str, Any]:
    return {**{name: getattr(leaf, name) for name in services.INDICATOR_FIELDS}, **changes}


def test_lowering_the_maximum_in_the_editor_takes_along_yes_points_equal_to_it(
    client: Client, admin_user: Any, cloned_leaf: Indicator
) -> None:
    # given the editor's form as it opens (the «Có» field shows 1), the maximum lowered to 0,5
    posted = {k: v for k, v in IndicatorForm.initial_for(cloned_leaf).items() if v not in (None, False)}
    assert posted["p_yes_points"] == "1"
    posted["max_points"] = "0,5"
    posted["version"] = indicator_version(cloned_leaf)
    client.force_login(admin_user)

    response = client.post(reverse("administration:node_edit", args=[cloned_leaf.pk]), posted)

    assert response.status_code == 302, response.content.decode()[:2000]
    cloned_leaf.refresh_from_db()
    # following the maximum, written out (the editor saves the defaults it states)
    assert cloned_leaf.max_points == Decimal("0.5") and cloned_leaf.params["yes_points"] == "0.5"
    score = engine.score_leaf(selectors.leaf_rule(cloned_leaf), {"value": True})
    assert score == Decimal("0.5")  # «Có» gives the (new) maximum


def test_raising_the_maximum_takes_them_along_too(admin_user: Any, cloned_leaf: Indicator) -> None:
    services.indicator_update(indicator=cloned_leaf, data=_data(cloned_leaf, max_points="2"), actor=admin_user)
    cloned_leaf.refresh_from_db()
    assert cloned_leaf.max_points == Decimal("2") and cloned_leaf.params["yes_points"] == "2"


def test_yes_points_set_apart_from_the_maximum_block_a_lower_maximum_in_the_editors_words(
    admin_user: Any, cloned_leaf: Indicator
) -> None:
    Indicator.objects.filter(pk=cloned_leaf.pk).update(params={"yes_points": "0.8"})
    cloned_leaf.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_update(indicator=cloned_leaf, data=_data(cloned_leaf, max_points="0.5"), actor=admin_user)
    message = str(refused.value.message)
    assert "yes_points" not in message
    assert message == "Điểm khi «Có» là 0,8, nằm ngoài khoảng điểm của tiêu chí (từ 0 đến 0,5)."
    cloned_leaf.refresh_from_db()
    assert cloned_leaf.max_points == Decimal("1") and cloned_leaf.params == {"yes_points": "0.8"}
