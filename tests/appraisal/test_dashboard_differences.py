"""The overview's table of the criteria where the appraisal most often differs from the self-score: the average
difference whatever its direction (a raise and a cut do not cancel out), how many were raised and lowered, and the
order its title claims (most often first; then the larger differences)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal import selectors
from scoring.models import Assessment, ScoreLine, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import self_score, submit

pytestmark = pytest.mark.django_db


def _scores(assessment: Assessment, code: str, self_points: str, appraised_points: str) -> None:
    ScoreLine.objects.filter(assessment=assessment, indicator__code=code).update(
        self_score=Decimal(self_points), appraised_score=Decimal(appraised_points))


@pytest.fixture
def two_adjusted(submitted: Assessment, cycle: Any, unit_editor: Any, unit_head: Any) -> list[Assessment]:
    """Sở Y tế and Sở Tài chính in appraisal. 1.2.3: one cut by 0.50, the other raised by 0.50 (signed: 0.00).
    2.1.1: one raised by 1.00; 1.1.2: one cut by 0.25."""
    other = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    self_score(other, unit_editor)
    submit(other, unit_head)
    _scores(submitted, "1.2.3", "0.5", "0")
    _scores(other, "1.2.3", "0", "0.5")
    _scores(submitted, "2.1.1", "1", "2")
    _scores(other, "1.1.2", "1", "0.75")
    return [submitted, other]


def test_opposite_adjustments_do_not_cancel_out(two_adjusted: list[Assessment], cycle: Any) -> None:
    # when
    data = selectors.dashboard(cycle=cycle)
    # then
    leaf = next(d for d in data.differing if d.indicator.code == "1.2.3")
    assert (leaf.differing, leaf.raised, leaf.lowered) == (2, 1, 1)
    assert leaf.average_difference == Decimal("0.50")


def test_the_leaves_are_ordered_by_how_often_then_by_how_much_they_differ(
    two_adjusted: list[Assessment], cycle: Any
) -> None:
    data = selectors.dashboard(cycle=cycle)
    assert [(d.indicator.code, d.average_difference) for d in data.differing] == [
        ("1.2.3", Decimal("0.50")), ("2.1.1", Decimal("1.00")), ("1.1.2", Decimal("0.25")),
    ]


def test_the_overview_page_shows_raised_lowered_and_the_average_difference(
    client: Client, two_adjusted: list[Assessment], lead: Any
) -> None:
    client.force_login(lead)
    body = client.get(reverse("appraisal:dashboard")).content.decode()
    table = body[body.index('class="grid compact differing"'):].split("</table>")[0]
    assert "Nâng" in table and "Hạ" in table and "Chênh lệch bình quân (không tính dấu)" in table
    row = re.search(r"<tr><td>[^<]*</td><td>1\.2\.3 .*?</tr>", table, re.S)  # the set's column, then the leaf
    assert row is not None
    assert "<td class=\"num\" data-raised>1</td><td class=\"num\" data-lowered>1</td>" in row.group(0)
    assert "<td class=\"num\" data-average-difference>0,50</td>" in row.group(0)


def test_the_overview_is_refused_to_a_unit_editor(client: Client, two_adjusted: list[Assessment],
                                                   unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("appraisal:dashboard"))
    assert response.status_code == 403
    assert "Chênh lệch bình quân" not in response.content.decode()
