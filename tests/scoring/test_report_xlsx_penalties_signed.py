"""The self-assessment report's Excel file writes a penalty as what it takes off: negative, as the report page writes
«−1,00», so that an official adding the column up in Excel finds the total written below it."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import Assessment
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _rows(client: Client, assessment: Assessment, user: Any) -> dict[str, tuple[Any, ...]]:
    client.force_login(user)
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content))["I. Tổng hợp điểm"]
    return {str(row[0] or row[1]).strip(): row for row in ws.iter_rows(min_row=6, values_only=True) if any(row)}


def test_penalty_rows_and_the_penalty_total_are_negative(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given every leaf scored as the small set's values (its penalty leaf 2.3.1 deducts something)
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    penalty = assessment.lines.get(indicator__code="2.3.1").self_score
    assert penalty and penalty > 0
    # when
    rows = _rows(client, assessment, unit_editor)
    # then
    assert Decimal(str(rows["2.3.1"][2])) == Decimal("-2")  # its maximum, deducted
    assert Decimal(str(rows["2.3.1"][3])) == -penalty
    assert Decimal(str(rows["2.3"][3])) == -penalty
    assert Decimal(str(rows["Điểm trừ"][3])) < 0
    # a bonus stays positive, and the totals add up with the signs written
    assert Decimal(str(rows["Điểm cộng"][3])) >= 0
    total = Decimal(str(rows["Tổng điểm các lĩnh vực"][3])) + Decimal(str(rows["Điểm cộng"][3])) + Decimal(
        str(rows["Điểm trừ"][3]))
    assert total == Decimal(str(rows["Tổng điểm tự đánh giá"][3]))
