"""A yes/no criterion saved with its «Có» / «Không» fields left empty stores the defaults the editor states (Có = the
maximum, Không = 0), so the form, the Excel export and the public page all show them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="yes-no-2021", year=2021, actor=admin_user)


def test_a_yes_no_criterion_added_with_empty_parameters_stores_the_defaults(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_add", args=[draft.pk]), {
        "parent": draft.indicators.get(code="1.1").pk, "code": "1.1.3", "name": "Mới", "kind": "normal",
        "max_points": "0,5", "floor": "0", "method": "yes_no", "p_yes_points": "", "p_no_points": "",
        "source": "self", "evidence_required": "on",
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    assert draft.indicators.get(code="1.1.3").params == {"yes_points": "0.5", "no_points": "0"}


def test_an_edited_yes_no_criterion_keeps_its_defaults_written_out_and_following_the_maximum(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    leaf = draft.indicators.get(code="1.2.1")
    Indicator.objects.filter(pk=leaf.pk).update(params={})
    leaf.refresh_from_db()
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(max_points="0,75", version=indicator_version(leaf))
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)
    assert response.status_code == 302, response.content.decode()[:1500]
    leaf.refresh_from_db()
    assert leaf.params == {"yes_points": "0.75", "no_points": "0"}
