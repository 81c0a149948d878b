"""A penalty leaf's figures on the team's review page and on the unit's explanation page read as deductions, with
the true minus sign «−» as the summary row and the unit's sheet write them: its maximum, the unit's self-score,
the team's appraisal and each round of its history. The value typed stays the positive count the engine takes;
the input says it is the points deducted."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, line_appraise
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
MINUS = "\u2212"
PENALTY = "2.3.1"  # the small set's penalty leaf: 1 point per person disciplined, at most 2; the unit says 1


def _card(body: str, line_pk: int) -> str:
    return body.split(f'id="line-{line_pk}"')[1].split("</article>")[0]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _appraised_two(assessment: Any, lead: Any) -> Any:
    line = line_of(assessment, PENALTY)
    line_appraise(line=line, actor=lead, base_version=line.version, value={"counts": {"disciplined": 2}},
                  note="Thêm một người bị kỷ luật.")
    return line_of(assessment, PENALTY)


def test_the_review_page_writes_a_penalty_leaf_as_a_deduction(submitted: Any, lead: Any) -> None:
    line = _appraised_two(submitted, lead)
    client = Client()
    client.force_login(lead)
    card = _card(client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode(), line.pk)
    text = _text(card)
    assert f"Tối đa {MINUS}2,00" in text
    assert re.search(rf"Đơn vị tự chấm: {MINUS}1,00", text), text
    assert re.search(rf"Điểm thẩm định: {MINUS}2,00", text), text
    # never the bare magnitudes, which read as points gained
    assert "Tối đa 2,00" not in text
    assert "Điểm thẩm định: 2,00" not in text
    # the input: still the count, said to be points deducted
    assert 'value="2"' in card
    team_form = card.split("data-appraise data-line")[1].split("</form>")[0]
    legend = re.search(r"<legend>(.*?)</legend>", team_form, re.S)
    assert legend is not None and "điểm trừ, nhập số lần" in legend.group(1)
    assert "ghi số dương" not in legend.group(1)
    assert "trừ 1 điểm/lần" in _text(team_form)
    # the history: the self-score as the deduction it is
    assert re.search(rf"Tự chấm\s*:\s*{MINUS}1,00", text), text


def test_a_save_answers_the_leaf_as_a_deduction(submitted: Any, lead: Any) -> None:
    line = line_of(submitted, PENALTY)
    client = Client()
    client.force_login(lead)
    answer = client.post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-counts.disciplined": "2", "note": "Thêm một người."}, **JSON)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["line"]["display"] == f"{MINUS}2,00"
    assert answer.json()["line"]["self_display"] == f"{MINUS}1,00"
    assert line_of(submitted, PENALTY).appraised_score == Decimal("2")


def test_the_explanation_page_writes_a_penalty_leaf_as_a_deduction(submitted: Any, lead: Any,
                                                                    unit_head: Any) -> None:
    line = _appraised_two(submitted, lead)
    explanation_request(assessment=refresh(submitted), actor=lead, deadline=later(), line_ids=[line.pk])
    client = Client()
    client.force_login(unit_head)
    body = client.get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    table = body.split('class="grid compact explain-summary')[1].split("</table>")[0]
    row = table.split(f'href="#line-{line.pk}"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num"[^>]*>(.*?)</td>', row, flags=re.S) == [f"{MINUS}1,00", f"{MINUS}2,00"]
    text = _text(_card(body, line.pk))
    assert f"Tối đa {MINUS}2,00" in text
    assert f"Đơn vị tự chấm {MINUS}1,00" in text
    assert re.search(rf"Thẩm định vòng 1 {MINUS}2,00", text), text
    assert "Thẩm định vòng 1 2,00" not in text
