"""The review page shows, for a unit's «không phát sinh» (KPS), the points the engine credits the leaf."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import ScoreLine
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db


def test_the_review_page_shows_the_points_a_kps_leaf_counts_for(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.2")
    ScoreLine.objects.filter(pk=line.pk).update(not_applicable=True, not_applicable_reason="Không kiểm tra",
                                                self_value=None, self_score=None)
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    leaf = body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]
    assert "<strong data-self-score>KPS (tính 1,50 điểm)</strong>" in leaf


def test_the_review_page_is_refused_to_the_units_own_people(client: Client, submitted: Any, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("appraisal:review", args=[submitted.pk]))
    assert response.status_code in (403, 404)
    assert "KPS (tính" not in response.content.decode()
