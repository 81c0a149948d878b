"""The review page's summary: the bonus and penalty rows show the same figures as the areas' rows (the most
they can count, the self-scores', the appraised)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


def _row(html: str, label: str) -> list[str]:
    """The cells after the row's header, as text."""
    row = html.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>.*?</td>", row)]


def _page(user: Any, assessment: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("appraisal:review", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_bonus_and_penalty_rows_show_their_maximum_beside_the_self_and_appraised_scores(
    submitted: Any, lead: Any
) -> None:
    html = _page(lead, submitted)
    assert all(_row(html, "Chỉ số")[:3])  # the index row: maximum, self-scores, appraised
    # the small set: one bonus and one penalty criterion of 2 points each, capped at 2; nothing appraised yet, so
    # the appraised cell says so rather than 0,00
    assert _row(html, "Điểm cộng")[:3] == ["2,00", "1,50", "chưa thẩm định"]
    assert _row(html, "Điểm trừ")[:3] == ["−2,00", "−1,00", "chưa thẩm định"]  # deductions, as on the unit's sheet


def test_the_bonus_maximum_is_the_sets_cap_when_it_is_lower(submitted: Any, lead: Any) -> None:
    IndicatorSet.objects.filter(pk=submitted.indicator_set_id).update(bonus_cap="1.5")
    assert _row(_page(lead, submitted), "Điểm cộng")[0] == "1,50"
