"""The criterion editor's «Tử số và mẫu số là số đếm (số nguyên)» box on a ratio leaf (ratio bands, proportional):
ticked, it stores `whole_numbers: true` in the leaf's params and shows ticked again; unticked, the parameter goes
(the engine's default: fractions accepted). Other methods neither show nor store it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import engine, selectors
from scoring.administration import services
from scoring.administration.forms import IndicatorForm, params_from_post, params_initial
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

BOX_LABEL = "Tử số và mẫu số là số đếm (số nguyên)"


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="whole-numbers", year=2022, actor=admin_user)


def _leaf(indicator_set: IndicatorSet, code: str) -> Indicator:
    return indicator_set.indicators.get(code=code)


def _edit_url(leaf: Indicator) -> str:
    return reverse("administration:node_edit", args=[leaf.pk])


def _posted(leaf: Indicator, **changes: str) -> dict[str, Any]:
    """The editor's form as it opens, as the browser posts it (an unticked box is not sent)."""
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False, "")}
    posted["version"] = indicator_version(leaf)
    posted.update(changes)
    return posted


def _box(body: str) -> str:
    tag = re.search(r'<input[^>]*name="p_whole_numbers"[^>]*>', body)
    assert tag is not None, "no whole-numbers box on the page"
    return tag.group(0)


def _page(client: Client, leaf: Indicator) -> str:
    response = client.get(_edit_url(leaf))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("code", ["1.1.2", "2.1.1"])  # ratio bands, proportional
def test_ticking_the_box_stores_whole_numbers_and_the_page_shows_it_ticked(
    client: Client, admin_user: Any, draft: IndicatorSet, code: str
) -> None:
    # given a ratio leaf whose page shows the box, unticked
    leaf = _leaf(draft, code)
    client.force_login(admin_user)
    body = _page(client, leaf)
    assert BOX_LABEL in body
    assert 'type="checkbox"' in _box(body) and "checked" not in _box(body)
    params_before = dict(leaf.params)

    # when the box is ticked and the criterion saved
    response = client.post(_edit_url(leaf), _posted(leaf, p_whole_numbers="1"))

    # then the params hold whole_numbers (and nothing else changed), and the engine refuses «3,5»
    assert response.status_code == 302, response.content.decode()[:3000]
    leaf.refresh_from_db()
    assert leaf.params == {**params_before, "whole_numbers": True}
    with pytest.raises(engine.ScoringInputError) as refused:
        engine.score_leaf(selectors.leaf_rule(leaf), {"numerator": "3,5", "denominator": "4"})
    assert refused.value.code == "not_whole_number"
    assert "checked" in _box(_page(client, leaf))

    # when it is unticked again, the parameter goes: the engine's default, fractions accepted
    response = client.post(_edit_url(leaf), _posted(leaf, p_whole_numbers=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    leaf.refresh_from_db()
    assert leaf.params == params_before
    assert engine.score_leaf(selectors.leaf_rule(leaf), {"numerator": "3,5", "denominator": "4"}) >= Decimal("0")
    assert "checked" not in _box(_page(client, leaf))


def test_the_box_belongs_to_the_two_ratio_methods_only(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    body = _page(client, _leaf(draft, "1.2.3"))  # a manual leaf: the box is there, in the ratio methods' block
    block = re.search(r'<div class="param" data-methods="([^"]*)">(?:(?!</div>).)*name="p_whole_numbers"', body, re.S)
    assert block is not None
    assert block.group(1).split() == ["ratio_bands", "proportional"]

    manual = _leaf(draft, "1.2.3")
    response = client.post(_edit_url(manual), _posted(manual, p_whole_numbers="1"))  # posted by a hidden block
    assert response.status_code == 302, response.content.decode()[:3000]
    manual.refresh_from_db()
    assert "whole_numbers" not in manual.params


def test_a_refused_save_shows_the_box_as_it_was_ticked(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    leaf = _leaf(draft, "2.1.1")
    client.force_login(admin_user)
    response = client.post(_edit_url(leaf), _posted(leaf, p_whole_numbers="1", p_threshold="120"))
    assert response.status_code == 400
    assert "checked" in _box(response.content.decode())
    leaf.refresh_from_db()
    assert "whole_numbers" not in leaf.params


def test_the_preview_accepts_the_box(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    leaf = _leaf(draft, "2.1.1")
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_preview"), _posted(leaf, p_whole_numbers="1"))
    assert response.status_code == 200, response.content.decode()


def test_params_from_post_and_back() -> None:
    bands = "90 | > | 2\n0 | >= | 0"
    assert params_from_post("ratio_bands", {"p_bands": bands, "p_whole_numbers": "1"})["whole_numbers"] is True
    assert params_from_post("ratio_bands", {"p_bands": bands, "p_whole_numbers": "on"})["whole_numbers"] is True
    assert "whole_numbers" not in params_from_post("ratio_bands", {"p_bands": bands})
    assert "whole_numbers" not in params_from_post("proportional", {"p_whole_numbers": ""})
    assert "whole_numbers" not in params_from_post("manual", {"p_step": "0,25", "p_whole_numbers": "1"})
    assert params_initial({"whole_numbers": True})["p_whole_numbers"] == "1"
    assert params_initial({"whole_numbers": False})["p_whole_numbers"] == ""
    # a stored false (an imported set may write it out) reads as unticked, and saves as the default
    stored = params_initial({"threshold": "80", "whole_numbers": False})
    assert params_from_post("proportional", stored) == {"threshold": "80"}


def test_a_colleagues_change_of_the_box_is_shown_by_its_label(draft: IndicatorSet) -> None:
    leaf = _leaf(draft, "2.1.1")
    typed_post = _posted(leaf)  # the box left unticked on this page
    Indicator.objects.filter(pk=leaf.pk).update(params={**leaf.params, "whole_numbers": True})  # saved elsewhere
    leaf.refresh_from_db()
    typed = IndicatorForm(typed_post, initial=IndicatorForm.initial_for(leaf), leaf=True)
    assert typed.is_valid(), typed.errors
    differences = [(str(label), value) for label, value in IndicatorForm.stored_differences(typed, typed_post, leaf)]
    assert differences == [(BOX_LABEL, "Có")]
