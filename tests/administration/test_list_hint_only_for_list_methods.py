"""The criterion editor's «Danh sách: mỗi dòng một mục…» hint goes with the methods whose parameters are lists (the
editor's script shows a `.param` block only for the methods it names), not with plain-number ones."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration.forms import LIST_PARAMS, METHOD_PARAMS, TEXT_LIST_PARAMS
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


def test_the_list_hint_is_tied_to_the_list_methods_only(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    leaf = small_set.indicators.get(code="1.2.1")
    page = client.get(reverse("administration:node_edit", args=[leaf.pk])).content.decode()
    hint = re.search(r'<p class="([^"]*)"( data-methods="([^"]*)")?[^>]*>Danh sách: mỗi dòng một mục', page)
    assert hint is not None
    assert "param" in hint.group(1).split()
    list_methods = {method for method, names in METHOD_PARAMS.items()
                    if any(name in LIST_PARAMS or name in TEXT_LIST_PARAMS for name in names)}
    assert set((hint.group(3) or "").split()) == list_methods == {"levels", "ratio_bands", "formula",
                                                                 "per_occurrence"}
