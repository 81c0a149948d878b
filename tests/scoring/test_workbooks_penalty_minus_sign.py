"""The unit's two workbooks (the self-assessment report's and the «Phiếu tự chấm») show a penalty criterion's
maximum and points as the published workbook does: a number whose format writes the true minus sign («−2.00», not
Excel's hyphen «-2»), the cell still a number. The Phiếu goes back as it was downloaded."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.exports import INDEX_FORMAT
from scoring.models import Assessment
from scoring.publication.exports import BONUS_FORMAT, PENALTY_FORMAT
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(assessment: Assessment, unit_editor: Any) -> Assessment:
    """Every leaf self-scored as the small set's values: penalty 2.3.1 (maximum 2) deducts 1,00."""
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    return assessment


def _report(client: Client, assessment: Assessment) -> Any:
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _report_row(ws: Any, key: str) -> tuple[Any, ...]:
    return next(row for row in ws.iter_rows(min_row=6) if str(row[0].value or row[1].value or "").strip() == key)


def test_the_reports_penalty_cells_are_numbers_shown_with_the_true_minus_sign(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    ws = _report(client, scored)["I. Tổng hợp điểm"]

    for key in ("2.3", "2.3.1"):  # the penalty area and its criterion: maximum and points
        maximum, points = _report_row(ws, key)[2:4]
        assert (maximum.value, points.value) == (-2, -1)
        assert (maximum.number_format, points.number_format) == (PENALTY_FORMAT, PENALTY_FORMAT)
        assert maximum.data_type == points.data_type == "n"
    penalty = _report_row(ws, "Điểm trừ")[3]
    assert (penalty.value, penalty.number_format) == (-1, PENALTY_FORMAT)
    assert _report_row(ws, "Điểm cộng")[3].number_format == BONUS_FORMAT
    # the others as before; the total, as the index, with the true minus sign should it fall below zero
    assert _report_row(ws, "1.2.1")[2].number_format == "0.00"
    assert _report_row(ws, "Tổng điểm tự đánh giá")[3].number_format == INDEX_FORMAT


def test_the_reports_part_two_shows_a_penaltys_points_with_the_true_minus_sign(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    # given: the penalty criterion is explained, so part II lists it
    scored.lines.filter(indicator__code="2.3.1").update(explanation="Đang chờ quyết định kỷ luật")
    client.force_login(unit_editor)
    ws = _report(client, scored)["II. Giải trình"]

    row = next(row for row in ws.iter_rows(min_row=4) if row[0].value == "2.3.1")
    assert (row[2].value, row[2].number_format) == (-1, PENALTY_FORMAT)


def test_the_sheets_penalty_cells_are_numbers_shown_with_the_true_minus_sign_and_import_back(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, scored)
    ws = workbook.active
    row = _row_of(ws, "2.3.1")

    maximum, score = ws.cell(row=row, column=_col("max")), ws.cell(row=row, column=_col("score"))
    assert (maximum.value, score.value) == (-2, -1)
    assert (maximum.number_format, score.number_format) == (PENALTY_FORMAT, PENALTY_FORMAT)
    assert maximum.data_type == score.data_type == "n"
    assert ws.cell(row=row, column=_col("count1")).number_format == "General"  # the input: a count, as before
    assert ws.cell(row=_row_of(ws, "2.2.1"), column=_col("max")).number_format == "0.00"  # a bonus: two decimals

    # the file goes back as downloaded: nothing changed, nothing refused
    response = _upload(client, scored, _as_upload(workbook))
    assert response.status_code == 200
    assert [(r.code, r.errors) for r in response.context["preview"].rows if r.changes or r.errors] == []
