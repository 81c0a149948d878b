"""The Excel import preview shows a «không phát sinh» (KPS) leaf's score as the sheet, the workbook and the report
do («KPS (tính 1,50 điểm)»), before and after, and the totals it shows are the totals the sheet shows once the
preview is applied. A leaf that does not allow KPS, marked KPS without a reason, gets one error, not two."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import selectors
from scoring.models import Assessment, Indicator, IndicatorSet
from scoring.self_rating import sheet_rating
from scoring.services import score_line_save_self
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"
KPS_150 = "KPS (tính 1,50 điểm)"


def _save(assessment: Assessment, actor: Any, code: str, **fields: Any) -> None:
    line = assessment.lines.get(indicator__code=code)
    score_line_save_self(line=line, actor=actor, base_version=line.version, **fields)


def _figures(assessment: Assessment) -> dict[str, Decimal | str | None]:
    """The totals the sheet page shows: each area's, the areas' sum, bonus, penalty, the index and its class (as
    shown: none while leaves are unscored)."""
    sheet = selectors.assessment_sheet(assessment=Assessment.objects.get(pk=assessment.pk))  # the set as stored
    figures = {f"area:{block.area.code}": block.total for block in sheet.areas}
    comp = sheet.computation
    figures.update(normal_total=comp.normal_total, bonus=comp.bonus, penalty=comp.penalty, index=comp.index,
                   classification=sheet_rating(sheet).classification)
    return figures


def _preview_row_html(body: str, code: str) -> str:
    rows = [row for row in re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S) if f">{code}</td>" in row]
    assert len(rows) == 1, rows
    return rows[0]


def _cells(row_html: str) -> dict[str, str]:
    """The preview row's cells by their data-label, as text."""
    return {label: re.sub(r"<[^>]+>", "", text).strip()
            for label, text in re.findall(r'data-label="([^"]+)"[^>]*>(.*?)</td>', row_html, flags=re.S)}


def _apply(client: Client, assessment: Assessment, response: Any) -> None:
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302


def test_turning_kps_off_shows_the_credited_points_as_the_old_score_and_totals_that_hold_after_applying(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: 1.2.2 (maximum 1,50) declared KPS, 1.2.3 scored
    _save(assessment, unit_editor, "1.2.2", value=None, not_applicable=True, not_applicable_reason=REASON)
    _save(assessment, unit_editor, "1.2.3", value={"points": "0.5"})
    before = _figures(assessment)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.2")
    ws.cell(row=row, column=_col("na"), value="Không")
    ws.cell(row=row, column=_col("na_reason"), value=None)
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 200
    preview = response.context["preview"]
    (changed,) = preview.rows
    assert changed.old_shown == KPS_150 and changed.new_shown == ""
    cells = _cells(_preview_row_html(response.content.decode(), "1.2.2"))
    assert cells["Điểm cũ"] == KPS_150 and cells["Điểm mới"] == "—"
    shown = {t.key: (t.old, t.new) for t in preview.totals}
    assert shown["area:1"] == (before["area:1"], before["area:1"] - Decimal("1.5"))
    assert {key: old for key, (old, _new) in shown.items()} == before
    # and once applied, the sheet shows the totals the preview announced
    _apply(client, assessment, response)
    assert {key: new for key, (_old, new) in shown.items()} == _figures(assessment)


def test_turning_kps_on_shows_the_credited_points_as_the_new_score_and_totals_that_hold_after_applying(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: 1.2.2 scored 0,88 by its counts
    _save(assessment, unit_editor, "1.2.2", value={"counts": {"a": 4, "b": 2, "c": 1}})
    _save(assessment, unit_editor, "1.1.2", value={"numerator": 45, "denominator": 50})
    before = _figures(assessment)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.2")
    ws.cell(row=row, column=_col("na"), value="Có")
    ws.cell(row=row, column=_col("na_reason"), value=REASON)
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 200
    preview = response.context["preview"]
    (changed,) = preview.rows
    assert changed.old_score == "0.88" and changed.new_shown == KPS_150
    cells = _cells(_preview_row_html(response.content.decode(), "1.2.2"))
    assert cells["Điểm cũ"] == "0,88" and cells["Điểm mới"] == KPS_150
    shown = {t.key: (t.old, t.new) for t in preview.totals}
    assert shown["area:1"] == (before["area:1"], before["area:1"] - Decimal("0.88") + Decimal("1.5"))
    body = response.content.decode()
    assert "Tổng điểm trước và sau khi áp dụng" in body
    _apply(client, assessment, response)
    assert {key: new for key, (_old, new) in shown.items()} == _figures(assessment)


def test_in_percent_mode_the_preview_says_the_kps_leaf_is_left_out(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    IndicatorSet.objects.filter(pk=assessment.indicator_set_id).update(index_mode="percent")
    _save(assessment, unit_editor, "1.2.2", value={"counts": {"a": 4, "b": 2, "c": 1}})
    _save(assessment, unit_editor, "1.2.3", value={"points": "0.5"})
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.2")
    ws.cell(row=row, column=_col("na"), value="Có")
    ws.cell(row=row, column=_col("na_reason"), value=REASON)
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200
    cells = _cells(_preview_row_html(response.content.decode(), "1.2.2"))
    assert cells["Điểm mới"] == "KPS (không tính vào điểm tối đa)"
    shown = {t.key: (t.old, t.new) for t in response.context["preview"].totals}
    _apply(client, assessment, response)
    assert {key: new for key, (_old, new) in shown.items()} == _figures(assessment)


def test_a_preview_with_errors_shows_no_totals(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("points"), value="nhiều")
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400
    assert response.context["preview"].totals == []
    assert "Tổng điểm trước và sau khi áp dụng" not in response.content.decode()


def test_kps_on_a_leaf_that_does_not_allow_it_gets_one_error_not_a_second_for_the_missing_reason(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: 1.2.3 does not allow «không phát sinh»
    assert not Indicator.objects.get(indicator_set=assessment.indicator_set, code="1.2.3").allow_not_applicable
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.protection.sheet = False
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("na"), value="Có")
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 400
    (row,) = response.context["preview"].rows
    assert row.errors == ["Tiêu chí này không cho phép chọn «không phát sinh»."]
    assert [cell.cell for cell in row.refused_cells] == [f"{_letter('na')}{_row_of(ws, '1.2.3')}"]
    assert "Hãy nêu lý do không phát sinh." not in response.content.decode()


def test_kps_without_a_reason_on_a_leaf_that_allows_it_still_asks_for_the_reason(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # guards behaviour that must not change
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.2"), column=_col("na"), value="Có")
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400
    (row,) = response.context["preview"].rows
    assert row.errors == ["Hãy nêu lý do không phát sinh."]


def _letter(key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(_col(key))
