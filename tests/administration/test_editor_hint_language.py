"""The criteria editor's method preview writes a hint's decimals as the page's language does: a comma in
Vietnamese, a point in English (the stored expression always keeps the point the engine reads)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def formula_leaf(small_set: IndicatorSet, admin_user: Any) -> Any:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    return draft.indicators.get(code="1.2.2")  # (b / a) * 1.5 + (c / a) * 0.5


@pytest.mark.parametrize(("language", "shown", "not_shown"), [("vi", "× 0,5", "× 0.5"), ("en", "× 0.5", "× 0,5")])
def test_the_method_hint_writes_decimals_in_the_pages_language(
    client: Client, formula_leaf: Any, admin_user: Any, settings: Any, language: str, shown: str, not_shown: str
) -> None:
    # given an administrator reading the editor in `language`
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    # when the leaf's page and the live preview of its method are shown
    page = client.get(reverse("administration:node_edit", args=[formula_leaf.pk])).content.decode()
    live = client.post(reverse("administration:node_preview"), {
        "method": "formula", "max_points": "1.5", "floor": "0", "kind": "normal",
        "p_variables": "a | Số vấn đề\nb | Đã xử lý\nc | Đang xử lý", "p_expression": "(b / a) * 1.5 + (c / a) * 0.5",
    })

    # then both write the expression's decimals with the language's separator
    assert shown in page and not_shown not in page
    assert live.status_code == 200
    assert shown in live.content.decode() and not_shown not in live.content.decode()
    formula_leaf.refresh_from_db()
    assert formula_leaf.params["expression"] == "(b / a) * 1.5 + (c / a) * 0.5"
