"""The downloaded self-assessment sheet shows a «không phát sinh» leaf's current score as the page does: the points
the engine credits it, a number marked «KPS» on a tinted cell as in the report's workbook, with a line saying what
such a cell holds; the import does not read that column."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from scoring.exports import HEADER_ROW, KPS_FILL
from scoring.models import Assessment, IndicatorSet
from scoring.services import score_line_save_self
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"
LEGEND = ("Ô ghi «KPS» ở cột «Điểm tự chấm hiện tại»: tiêu chí đơn vị chọn không phát sinh; số trong ô là điểm được "
          "tính cho tiêu chí khi tính chỉ số.")


def _declare_kps(assessment: Assessment, actor: Any) -> None:
    line = assessment.lines.get(indicator__code="1.2.2")  # a normal leaf, maximum 1.50, allows KPS
    score_line_save_self(line=line, actor=actor, base_version=line.version, value=None, not_applicable=True,
                         not_applicable_reason=REASON)


def test_a_kps_leafs_current_score_is_its_credited_points_marked_kps(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given
    _declare_kps(assessment, unit_editor)
    client.force_login(unit_editor)
    # when
    workbook = _download(client, assessment)
    ws = workbook.active
    # then
    cell = ws.cell(row=_row_of(ws, "1.2.2"), column=_col("score"))
    assert Decimal(str(cell.value)) == Decimal("1.5")  # a number: a sum in the sheet adds it
    assert cell.number_format == '0.00" KPS"'
    assert cell.fill.fgColor.rgb.endswith(KPS_FILL.fgColor.rgb[-6:])
    assert ws.cell(row=HEADER_ROW - 1, column=_col("score")).value == LEGEND
    # another leaf's score is untouched by the marking
    other = ws.cell(row=_row_of(ws, "1.2.3"), column=_col("score"))
    assert other.value is None and other.number_format != '0.00" KPS"'
    # and the file uploaded back as it is changes nothing
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200 and response.context["preview"].rows == []


def test_in_percent_mode_the_kps_leaf_is_said_to_be_left_out(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    IndicatorSet.objects.filter(pk=assessment.indicator_set_id).update(index_mode="percent")
    _declare_kps(assessment, unit_editor)
    client.force_login(unit_editor)
    ws = _download(client, assessment).active
    assert ws.cell(row=_row_of(ws, "1.2.2"), column=_col("score")).value == "Không phát sinh"
    assert ws.cell(row=HEADER_ROW - 1, column=_col("score")).value is None


def test_a_sheet_without_kps_leaves_has_no_legend(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    ws = _download(client, assessment).active
    assert ws.cell(row=HEADER_ROW - 1, column=_col("score")).value is None
