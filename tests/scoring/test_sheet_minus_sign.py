"""One minus sign on the self-assessment sheet and its report: a negative floor, a level worth -1 and a deduction
per occurrence are written with the true minus «−1,00», as the penalties and the totals are (`signed_score`),
never with a hyphen beside them; the autosave answers in the same form."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.models import Assessment
from scoring.services import score_line_save_self
from scoring.templatetags.scoring_tags import score

pytestmark = pytest.mark.django_db

HYPHENATED = re.compile(r"(?<![\w/-])-\d+(,\d+)?")  # «-1,00», «-0,25», «-1» as a number, not «1.1-2» or a date


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S))


@pytest.fixture
def not_issued(assessment: Assessment, unit_editor: Any) -> Assessment:
    """1.1.1 «Không ban hành»: −1,00, the leaf's floor."""
    line = assessment.lines.get(indicator__code="1.1.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"option": "none"})
    return assessment


def test_the_score_filter_writes_a_negative_with_the_minus_sign() -> None:
    translation.activate("vi")
    assert score(Decimal("-1")) == "\u22121,00" and score("-0.25") == "\u22120,25"
    assert score(Decimal("1.5")) == "1,50" and score(Decimal("-0.001")) == "0,00" and score(None) == "—"


def test_the_sheet_writes_every_negative_number_with_the_minus_sign(
    client: Client, not_issued: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    line = not_issued.lines.get(indicator__code="1.1.1")
    page = _text(client.get(reverse("scoring:assessment", args=[not_issued.pk])).content.decode())

    assert "thấp nhất −1,00" in page  # the floor
    html = client.get(reverse("scoring:assessment", args=[not_issued.pk])).content.decode()
    assert f'data-score-for="{line.pk}" aria-live="polite">−1,00</output>' in html
    assert "Không ban hành (−1 điểm)" in page  # the level's points
    assert "Báo cáo trễ hạn (−0,25 điểm/lần)" in page  # a deduction per occurrence
    assert HYPHENATED.findall(page) == []


def test_the_report_writes_a_negative_score_with_the_minus_sign(
    client: Client, not_issued: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    page = _text(client.get(reverse("scoring:report", args=[not_issued.pk])).content.decode())
    assert re.search(r"1\.1\.1 Ban hành kế hoạch CCHC năm 1,00 −1,00", page)
    assert HYPHENATED.findall(page) == []


def test_the_autosave_answers_a_negative_score_with_the_minus_sign(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    line = assessment.lines.get(indicator__code="1.1.1")
    response = client.post(reverse("scoring:line_save", args=[assessment.pk, line.pk]),
                           {"version": line.version, f"l{line.pk}-option": "none"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["line"]["display"] == "−1,00"
    assert data["totals"]["display"]["area:1"] == "−1,00"  # area 1 with only 1.1.1 scored
