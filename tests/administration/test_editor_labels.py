"""The criteria editor speaks to people: no technical method keys in its labels, decimal commas in hints."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


def test_the_editor_shows_no_method_keys_and_a_formula_hint_with_decimal_commas(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    leaf = draft.indicators.get(code="1.2.2")  # (b / a) * 1.5 + (c / a) * 0.5
    client.force_login(admin_user)
    page = client.get(reverse("administration:node_edit", args=[leaf.pk])).content.decode()
    for key in ("(manual)", "(levels)", "(formula)", "(ratio_bands)", "(per_occurrence)"):
        assert key not in page
    assert "× 1,5" in page and "× 0,5" in page and "× 0.5" not in page
    # only the display: the stored expression keeps the point the engine reads
    leaf.refresh_from_db()
    assert leaf.params["expression"] == "(b / a) * 1.5 + (c / a) * 0.5"
