"""The self-assessment report's Excel file shows a «không phát sinh» (KPS) leaf as the points the engine credits it
(a number marked «KPS» on a tinted cell), so that the leaves add up to the totals written below them."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.exports import KPS_FILL
from scoring.models import Assessment, IndicatorSet
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"


def _fill_with_kps(assessment: Assessment, actor: Any) -> None:
    """Every leaf self-scored as SMALL_SET_VALUES, but 1.2.2 (a normal leaf, maximum 1.50) declared KPS."""
    for line in assessment.lines.select_related("indicator"):
        if line.indicator.code == "1.2.2":
            score_line_save_self(line=line, actor=actor, base_version=line.version, value=None, not_applicable=True,
                                 not_applicable_reason=REASON)
        else:
            value, _score = SMALL_SET_VALUES[line.indicator.code]
            score_line_save_self(line=line, actor=actor, base_version=line.version, value=value)


def _summary(client: Client, assessment: Assessment, user: Any) -> Any:
    client.force_login(user)
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))["I. Tổng hợp điểm"]


def test_the_report_xlsx_shows_a_kps_leaf_as_its_credited_points(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given
    _fill_with_kps(assessment, unit_editor)
    # when
    ws = _summary(client, assessment, unit_editor)
    # then
    row = next(r for r in ws.iter_rows() if r[0].value == "1.2.2")
    assert Decimal(str(row[3].value)) == Decimal("1.5")
    assert row[3].number_format == '0.00" KPS"'
    assert row[3].fill.fgColor.rgb.endswith(KPS_FILL.fgColor.rgb[-6:])
    assert row[4].value == f"KPS (tính 1,50 điểm): {REASON}"
    # the area's leaves add up to its subtotal: 0 + 1 + 1 + 1,50 + 0,50
    leaves = [r for r in ws.iter_rows() if str(r[0].value).startswith("1.") and str(r[0].value).count(".") == 2]
    area = next(r for r in ws.iter_rows() if r[0].value == "1")
    assert sum(Decimal(str(r[3].value)) for r in leaves) == Decimal(str(area[3].value)) == Decimal("4")


def test_in_percent_mode_the_report_xlsx_says_the_kps_leaf_is_left_out(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    IndicatorSet.objects.filter(pk=assessment.indicator_set_id).update(index_mode="percent")
    _fill_with_kps(assessment, unit_editor)
    ws = _summary(client, assessment, unit_editor)
    row = next(r for r in ws.iter_rows() if r[0].value == "1.2.2")
    assert row[3].value == "Không phát sinh"
    assert row[4].value == f"KPS (không tính vào điểm tối đa): {REASON}"


def test_another_units_editor_cannot_read_the_report_xlsx(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    from tests.conftest import _user

    _fill_with_kps(assessment, unit_editor)
    client.force_login(_user("minh", "unit_editor", "so-tu-phap"))
    assert client.get(reverse("scoring:report_xlsx", args=[assessment.pk])).status_code == 404
