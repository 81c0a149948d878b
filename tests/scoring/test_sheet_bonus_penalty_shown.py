"""The sheet and the report say what an area's subtotal is: it leaves out the bonus and penalty criteria inside the area
(the engine counts them apart, in the set's capped bonus and penalty), and they say so, naming them. A penalty is
written as the amount deducted, with its minus sign (never a positive number equal to the maximum, which reads as full
marks), the bonus with its plus sign in the totals; no figure changes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import selectors
from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(assessment: Assessment, unit_editor: Any) -> Assessment:
    """Every leaf self-scored: bonus 2.2.1 counts 1,50, penalty 2.3.1 deducts 1,00 (both inside area 2)."""
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    return assessment


def _id(assessment: Assessment, code: str) -> int:
    return assessment.lines.get(indicator__code=code).pk


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_the_sheet_names_what_an_area_subtotal_leaves_out_and_writes_a_penalty_as_deducted(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    page = _text(client.get(reverse("scoring:assessment", args=[scored.pk])).content.decode())
    sheet = selectors.assessment_sheet(assessment=scored)

    # area 2 holds bonus 2.2 and penalty 2.3, left out of its subtotal: said beside it; area 1 holds neither
    assert page.count("data-area-extras") == 1
    assert "data-area-extras>(không kể điểm cộng, trừ)</span>" in page
    assert re.search(r"data-extras-note>[^<]*\(2\.2, 2\.3\)", page)
    # the penalty leaf: the amount deducted, with its sign; its maximum said as what may be deducted
    penalty = _id(scored, "2.3.1")
    assert f'data-score-for="{penalty}" aria-live="polite">−1,00</output>' in page
    assert "Trừ tối đa 2,00" in page and "Cộng tối đa 2,00" in page
    # the totals with their signs, as the engine adds and subtracts them, the caps beside them; the index unchanged
    assert 'data-total="bonus">+1,50<' in page and 'data-total="penalty">−1,00<' in page
    assert sheet.computation.bonus == Decimal("1.5") and sheet.computation.penalty == Decimal("1")
    assert f'data-total="index">{sheet.computation.index:.2f}<'.replace(".", ",") in page


def test_the_autosave_answers_a_penalty_and_the_totals_with_their_signs(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    line = ScoreLine.objects.select_related("indicator").get(pk=_id(scored, "2.3.1"))
    client.force_login(unit_editor)
    answer = client.post(reverse("scoring:line_save", args=[scored.pk, line.pk]),
                         {"version": line.version, f"l{line.pk}-counts.disciplined": "2"},
                         HTTP_ACCEPT="application/json").json()
    assert (answer["line"]["self_score"], answer["line"]["display"]) == ("2.00", "−2,00")
    assert (answer["totals"]["display"]["penalty"], answer["totals"]["display"]["bonus"]) == ("−2,00", "+1,50")
    assert answer["totals"]["overall"]["penalty"] == "2,00"  # the figure itself is unchanged


def test_the_report_names_what_an_area_subtotal_leaves_out_and_writes_penalties_as_deducted(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    page = _text(client.get(reverse("scoring:report", args=[scored.pk])).content.decode())
    rows = {r.indicator.code: r for r in selectors.report_rows(sheet=selectors.assessment_sheet(assessment=scored))}

    assert rows["2.3"].obtained == Decimal("1") and rows["2.3.1"].obtained == Decimal("1")  # figures unchanged
    for code in ("2.3", "2.3.1"):
        row = re.search(rf"<td>{re.escape(code)}</td>.*?</tr>", page)
        assert row is not None
        assert re.findall(r'<td class="num">([^<]*)</td>', row.group(0)) == ["−2,00", "−1,00"]
    area = re.search(r"<td>2</td>.*?</tr>", page)
    assert area is not None and "Không kể điểm cộng 2.2, điểm trừ 2.3." in area.group(0)
    assert "Tổng điểm các lĩnh vực (không kể điểm cộng, điểm trừ)" in page
    assert re.search(r"Điểm cộng \(tối đa 2,00\)</th><td class=\"num\">\+1,50<", page)
    assert re.search(r"Điểm trừ \(tối đa 2,00\)</th><td class=\"num\">−1,00<", page)
