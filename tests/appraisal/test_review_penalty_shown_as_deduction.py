"""The review page writes penalties as the unit's sheet does, as deductions («−1,00»), its summary's column adding
up to the index; the stored values stay positive."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import ScoreLine
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
MINUS = "\u2212"


def _penalty_row(body: str) -> list[str]:
    row = re.search(r"<tr><th scope=\"row\">Điểm trừ</th>(.*?)</tr>", body, re.S)
    assert row is not None
    return re.findall(r"<td class=\"num\"[^>]*>([^<]*)</td>", row.group(1))


def test_the_review_summary_writes_the_penalty_as_a_deduction(appraised: Any, lead: Any) -> None:
    # given every leaf accepted, the penalty leaf (1 person disciplined) counting 1 point against, cap 2
    client = Client()
    client.force_login(lead)
    # when
    body = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    # then: the maximum, the self-score and the appraisal, each with its minus sign, as on the unit's sheet
    assert _penalty_row(body) == [f"{MINUS}2,00", f"{MINUS}1,00", f"{MINUS}1,00"]
    # stored positive, subtracted once
    assert line_of(appraised, "2.3.1").appraised_score == Decimal("1")


def test_a_per_leaf_save_answers_the_penalty_as_a_deduction(submitted: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    line = line_of(submitted, "2.3.1")
    answer = client.post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-counts.disciplined": "2", "note": "Thêm một người bị kỷ luật."},
        **JSON,
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["review"]["penalty"] == f"{MINUS}2,00"
    assert ScoreLine.objects.get(pk=line.pk).appraised_score == Decimal("2")
