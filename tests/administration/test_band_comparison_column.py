"""A ratio band's comparison column takes only what it means: «>» (above the threshold) or «>=» (at or above it;
«≥» and «=>» read alike). Anything else («<=», «≤», blank, a word) was saved as a strict «>», so a unit at exactly
the threshold lost the band's points: it is refused with the line and what to write, nothing saved. A threshold typed
with its unit («90%») is read as the number; the tree file's JSON takes the same comparisons."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.resources import clean_rows
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet
from tests.administration.page_helpers import error_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="bands-2021", year=2021, actor=admin_user)


def _edit(client: Client, leaf: Indicator, **changes: str) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(changes, version=indicator_version(leaf))
    return client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)


@pytest.mark.parametrize("comparison", ["<=", "≤", "", "lớn hơn hoặc bằng", ">>"])
def test_a_comparison_the_column_does_not_take_is_refused_with_its_line_and_nothing_is_saved(
    client: Client, draft: IndicatorSet, admin_user: Any, comparison: str
) -> None:
    # given: 1.1.2, ratio bands 90 (>) / 70 (>=) / 0
    leaf = draft.indicators.get(code="1.1.2")
    before = leaf.params
    client.force_login(admin_user)
    # when: the second line's comparison is not one the column takes
    response = _edit(client, leaf, p_bands=f"90 | >= | 2\n70 | {comparison} | 1\n0 | >= | 0")
    # then
    assert response.status_code == 400
    errors = [error_messages(response)]
    assert errors[0].count("«Khung tỷ lệ», dòng 2") == 1, errors  # said once
    assert "«>»" in errors[0] and "«>=»" in errors[0]
    leaf.refresh_from_db()
    assert leaf.params == before


@pytest.mark.parametrize(("comparison", "inclusive"), [(">", False), (">=", True), ("≥", True), ("=>", True)])
def test_the_columns_comparisons_are_saved_as_they_mean(
    client: Client, draft: IndicatorSet, admin_user: Any, comparison: str, inclusive: bool
) -> None:
    leaf = draft.indicators.get(code="1.1.2")
    client.force_login(admin_user)
    response = _edit(client, leaf, p_bands=f"90 | {comparison} | 2\n0 | >= | 0")
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert leaf.params["bands"][0]["inclusive"] is inclusive


def test_the_live_preview_refuses_the_comparison_too(client: Client, draft: IndicatorSet, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_preview"), {
        "method": "ratio_bands", "max_points": "2", "floor": "0", "kind": "normal",
        "p_bands": "90 | <= | 2\n0 | >= | 0",
    })
    assert response.status_code == 400
    assert "dòng 1" in response.content.decode()


def test_a_threshold_typed_with_a_percent_sign_is_read_as_the_number(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    leaf = draft.indicators.get(code="1.1.2")
    client.force_login(admin_user)
    response = _edit(client, leaf, p_bands="90% | >= | 2\n70 % | 1\n0 | >= | 0")
    assert response.status_code == 302, [str(m) for m in get_messages(response.wsgi_request)]
    leaf.refresh_from_db()
    assert [(b["min"], b["inclusive"]) for b in leaf.params["bands"]] == [("90", True), ("70", True), ("0", True)]


def _row(params: str) -> dict[str, Any]:
    return {"row": 2, "code": "1.1.2", "parent_code": "", "name": "Mức độ thực hiện kế hoạch", "kind": "Thường",
            "max_points": "2", "method": "Tỷ lệ theo khung", "params": params}


def test_the_tree_file_takes_the_columns_comparisons_and_a_percent_sign() -> None:
    params = ('{"bands": [{"min": "90%", "inclusive": "≥", "points": "2"}, {"min": "70", "inclusive": ">", '
              '"points": "1"}, {"min": "0", "inclusive": true, "points": "0"}]}')
    clean, errors = clean_rows([_row(params)])
    assert errors == {}
    assert [(b["min"], b["inclusive"]) for b in clean[0]["params"]["bands"]] == [
        ("90", True), ("70", False), ("0", True)]


def test_the_tree_file_refuses_another_comparison_with_its_entry_and_what_to_write() -> None:
    params = ('{"bands": [{"min": "90", "inclusive": "<=", "points": "2"}, {"min": "0", "inclusive": true, '
              '"points": "0"}]}')
    _clean, errors = clean_rows([_row(params)])
    (message,) = errors[2]
    assert "mục 1" in message and "«<=»" in message and "true" in message and "false" in message, message
