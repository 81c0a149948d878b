"""A whole number with its thousands grouped by spaces («1 300», as pasted from a word processor with a no-break or
a thin space) is read without them wherever a unit's numbers are read (the engine, so the sheet, the API and the
Excel import alike): a space is never a decimal mark. Any other space between digits is refused with a message that
names the number without its spaces, not the vague «Giá trị phải là một số»."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import engine
from scoring.engine.base import to_count, to_decimal
from scoring.models import Assessment, ScoreLine
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["1 300", "1\u00a0300", "1\u202f300", "1\u2009300", " 1 300 "])
def test_a_whole_number_grouped_by_spaces_is_read_without_them(typed: str) -> None:
    assert to_count(typed, field="counts.a") == 1300
    assert to_decimal(typed, field="numerator", refuse_groups=True) == Decimal(1300)
    assert to_decimal(typed, field="points") == Decimal(1300)
    assert to_count("12 345 678", field="counts.a") == 12345678


@pytest.mark.parametrize(("typed", "joined"), [("13 00", "1300"), ("1 300,5", "1300,5"), ("1  300", "1300"),
                                               ("1 30", "130"), ("1\u00a0000.000", "1000.000")])
def test_other_spaces_between_digits_are_refused_naming_the_number_without_them(typed: str, joined: str) -> None:
    with pytest.raises(engine.ScoringInputError) as refused:
        to_decimal(typed, field="numerator", refuse_groups=True)
    assert refused.value.code == "spaced_digits" and refused.value.field == "numerator"
    assert f"viết «{joined}» nếu đó là số muốn nhập" in refused.value.message
    assert "Giá trị phải là một số" not in refused.value.message


def test_a_ratio_leaf_reads_spaced_thousands_in_both_terms() -> None:
    rule = engine.LeafRule(method=engine.Method.PROPORTIONAL, max_points=Decimal(2), params={"threshold": "80"})
    score, value = engine.score_and_normalize(rule, {"numerator": "1 300", "denominator": "1\u00a0300"})
    assert (score, value) == (Decimal("2.00"), {"numerator": "1300", "denominator": "1300"})


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def test_the_sheet_saves_spaced_thousands_and_names_a_badly_spaced_number(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.1.2")  # ratio bands
    client.force_login(unit_editor)
    url = reverse("scoring:line_save", args=[assessment.pk, line.pk])
    refused = client.post(url, {"version": str(line.version), f"l{line.pk}-numerator": "13 00",
                                f"l{line.pk}-denominator": "1500"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and "«1300»" in refused.json()["message"]
    saved = client.post(url, {"version": str(line.version), f"l{line.pk}-numerator": "1\u00a0300",
                              f"l{line.pk}-denominator": "1 500"}, HTTP_ACCEPT="application/json")
    assert saved.status_code == 200, saved.content
    assert _line(assessment, "1.1.2").self_value == {"numerator": "1300", "denominator": "1500"}


def test_the_api_saves_spaced_thousands(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    line = _line(assessment, "1.1.2")
    client.force_login(unit_editor)
    response = client.put(f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/",
                          {"version": line.version, "value": {"numerator": "1 300", "denominator": "1 500"}},
                          content_type="application/json")
    assert response.status_code == 200, response.content
    assert _line(assessment, "1.1.2").self_value == {"numerator": "1300", "denominator": "1500"}


def test_the_excel_import_reads_spaced_thousands_and_names_a_badly_spaced_cell(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.1.2"), column=_col("numerator")).value = "1\u00a0300"
    ws.cell(row=_row_of(ws, "1.1.2"), column=_col("denominator")).value = "1 500"
    ws.cell(row=_row_of(ws, "2.1.1"), column=_col("numerator")).value = "8 5"
    ws.cell(row=_row_of(ws, "2.1.1"), column=_col("denominator")).value = 100
    response = _upload(client, assessment, _as_upload(workbook))
    rows = {row.code: row for row in response.context["preview"].rows}
    assert rows["1.1.2"].errors == [] and rows["1.1.2"].new_summary.startswith("1300 / 1500")
    (cell,) = response.context["preview"].refused_cells
    assert cell.code == "2.1.1" and cell.typed == "8 5" and "«85»" in cell.message
