"""The unit's workbooks write their figures as the rest of the product: in the «Phiếu tự chấm» every criterion's
maximum (and current score) with two decimals, a penalty's signed «−2.00»; in the report's workbook the index (and
the total it comes from), which penalties can take below zero, with the true minus sign «−3.00», not Excel's hyphen.
The cells stay numbers and the Phiếu goes back as it was downloaded."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import Assessment
from scoring.publication.exports import PENALTY_FORMAT
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db

# Every leaf at its lowest, and the penalty at its maximum: an index below zero.
LOWEST: dict[str, dict[str, Any]] = {
    "1.1.1": {"option": "none"},
    "1.1.2": {"numerator": 0, "denominator": 50},
    "1.2.1": {"value": False},
    "1.2.2": {"counts": {"a": 4, "b": 0, "c": 0}},
    "1.2.3": {"points": "0"},
    "2.1.1": {"numerator": 0, "denominator": 100},
    "2.1.2": {"counts": {"late": 0, "missing": 4}},
    "2.2.1": {"counts": {"initiative": 0}},
    "2.3.1": {"counts": {"disciplined": 2}},
}


def _score(assessment: Assessment, actor: Any, values: dict[str, dict[str, Any]]) -> None:
    for line in assessment.lines.select_related("indicator"):
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=values[line.indicator.code])


def test_the_sheets_maxima_and_scores_all_have_two_decimals_a_penaltys_signed(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _score(assessment, unit_editor, {code: value for code, (value, _points) in SMALL_SET_VALUES.items()})
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active

    for code in SMALL_SET_VALUES:
        expected = PENALTY_FORMAT if code == "2.3.1" else "0.00"
        for key in ("max", "score"):
            cell = ws.cell(row=_row_of(ws, code), column=_col(key))
            assert (cell.data_type, cell.number_format) == ("n", expected), (code, key)
    assert ws.cell(row=_row_of(ws, "1.2.2"), column=_col("max")).value == Decimal("1.5")

    # the file goes back as downloaded: nothing changed, nothing refused
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200
    assert [(r.code, r.errors) for r in response.context["preview"].rows if r.changes or r.errors] == []


def test_the_reports_negative_index_is_a_number_shown_with_the_true_minus_sign(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _score(assessment, unit_editor, LOWEST)
    client.force_login(unit_editor)
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    ws = load_workbook(io.BytesIO(response.content))["I. Tổng hợp điểm"]

    for label in ("Tổng điểm tự đánh giá", "Chỉ số tự đánh giá"):
        cell = next(row[3] for row in ws.iter_rows() if row[1].value == label)
        assert cell.data_type == "n" and cell.value < 0, label
        # positive as it is, negative with «−» (U+2212) before its absolute value, zero unsigned
        assert cell.number_format == '0.00;"\u2212"0.00;0.00', label
