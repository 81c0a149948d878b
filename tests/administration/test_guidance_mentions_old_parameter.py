"""Saving a criterion whose scoring parameters changed warns (without refusing) when its guidance, what the unit
reads, still mentions a number that was a parameter and no longer is (threshold 80 % made 70 %)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

GUIDANCE = "Hoàn thành từ 80% đến 100%: điểm = tỷ lệ × điểm tối đa; dưới 80%: 0 điểm."


@pytest.fixture
def leaf(small_set: IndicatorSet, admin_user: Any) -> Indicator:
    draft = services.indicator_set_clone(source=small_set, key="guidance-2021", year=2021, actor=admin_user)
    node = draft.indicators.get(params__threshold="80")
    Indicator.objects.filter(pk=node.pk).update(guidance=GUIDANCE)
    node.refresh_from_db()
    return node


def _edit(client: Client, leaf: Indicator, **changes: str) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(changes, version=indicator_version(leaf))
    return client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)


def _warnings(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_a_changed_threshold_still_in_the_guidance_is_warned_about_and_saved(
    client: Client, admin_user: Any, leaf: Indicator
) -> None:
    client.force_login(admin_user)
    response = _edit(client, leaf, p_threshold="70")
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert leaf.params["threshold"] == "70" and leaf.guidance == GUIDANCE
    said = [w for w in _warnings(response) if "Hướng dẫn" in w]
    assert len(said) == 1 and "80" in said[0] and "70" in said[0]


def test_a_save_keeping_the_parameters_says_nothing_about_the_guidance(
    client: Client, admin_user: Any, leaf: Indicator
) -> None:
    client.force_login(admin_user)
    response = _edit(client, leaf, name="Tên mới")
    assert response.status_code == 302
    assert [w for w in _warnings(response) if "Hướng dẫn" in w] == []
