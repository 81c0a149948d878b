"""A leaf declared «không phát sinh» (KPS) keeps the figures the unit typed before, whichever way it is declared: on
the sheet page (its fields are greyed out, not emptied) or in the Excel file (a row marked «Có» whose figures are left
as they are). Withdrawing the declaration, on the page or in the next download, gives the score back from them; the
import's preview says the figures are kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import selectors
from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"
COUNTS = {"counts": {"a": 4, "b": 2, "c": 1}}  # 1.2.2: (2/4)·1,5 + (1/4)·0,5 = 0,875 → 0,88


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _area_total(assessment: Assessment, code: str = "1") -> Decimal:
    sheet = selectors.assessment_sheet(assessment=Assessment.objects.get(pk=assessment.pk))
    return next(block.total for block in sheet.areas if block.area.code == code)


def _apply(client: Client, assessment: Assessment, response: Any) -> None:
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302


def _scored(assessment: Assessment, actor: Any) -> ScoreLine:
    line = _line(assessment, "1.2.2")
    score_line_save_self(line=line, actor=actor, base_version=line.version, value=COUNTS)
    return _line(assessment, "1.2.2")


def _declare_in_file(client: Client, assessment: Assessment, **cells: Any) -> Any:
    """Download the sheet, mark 1.2.2 «Có» with its reason (and the cells given), upload it: the preview."""
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.2")
    ws.cell(row=row, column=_col("na"), value="Có")
    ws.cell(row=row, column=_col("na_reason"), value=REASON)
    for key, value in cells.items():
        ws.cell(row=row, column=_col(key), value=value)
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200, response.context["preview"].rows[0].errors
    return response


def test_declaring_kps_in_the_file_keeps_the_figures_typed_before(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: 1.2.2 scored 0,88 from its counts
    _scored(assessment, unit_editor)
    client.force_login(unit_editor)
    # when: the file marks it «không phát sinh» and leaves the counts as they are
    response = _declare_in_file(client, assessment)
    _apply(client, assessment, response)
    # then: declared, no score of its own, the counts kept
    line = _line(assessment, "1.2.2")
    assert line.not_applicable and line.not_applicable_reason == REASON
    assert line.self_score is None
    assert line.self_value == COUNTS


def test_the_preview_says_the_figures_are_kept_for_when_kps_is_withdrawn(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _scored(assessment, unit_editor)
    client.force_login(unit_editor)
    response = _declare_in_file(client, assessment)
    (row,) = response.context["preview"].rows
    assert row.old_summary == "Số vấn đề phát hiện: 4; Đã xử lý xong: 2; Đang xử lý: 1"
    assert row.new_summary == ("Không phát sinh (giữ số liệu đã nhập: Số vấn đề phát hiện: 4; Đã xử lý xong: 2; "
                               "Đang xử lý: 1, dùng lại khi bỏ «không phát sinh»)")
    assert row.new_summary in response.content.decode()


def test_unticking_kps_in_the_next_download_gives_the_score_back(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: 1.2.2 scored, then declared KPS through the file
    _scored(assessment, unit_editor)
    scored_total = _area_total(assessment)
    client.force_login(unit_editor)
    _apply(client, assessment, _declare_in_file(client, assessment))
    # when: the next download has the kept counts in their cells; the person blanks «Không phát sinh» and its reason
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.2")
    assert [ws.cell(row=row, column=_col(f"count{i}")).value for i in (1, 2, 3)] == [4, 2, 1]
    ws.cell(row=row, column=_col("na")).value = None  # (openpyxl's cell(value=None) leaves the value as it is)
    ws.cell(row=row, column=_col("na_reason")).value = None
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200
    (changed,) = response.context["preview"].rows
    assert changed.new_score == "0.88"
    _apply(client, assessment, response)
    # then: scored again from the counts, and the area's total is what it was
    line = _line(assessment, "1.2.2")
    assert not line.not_applicable and line.self_score == Decimal("0.88") and line.self_value == COUNTS
    assert _area_total(assessment) == scored_total


def test_unticking_on_the_sheet_page_after_a_kps_imported_from_the_file_gives_the_score_back(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: declared KPS through the file
    line = _scored(assessment, unit_editor)
    client.force_login(unit_editor)
    _apply(client, assessment, _declare_in_file(client, assessment))
    # when: the sheet page is opened again, its fields hold the kept counts; the box is unticked and the form sent
    page = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert f'name="l{line.pk}-counts.a" value="4"' in page
    stored = _line(assessment, "1.2.2")
    fields = {f"l{line.pk}-counts.{key}": str(value) for key, value in COUNTS["counts"].items()}
    response = client.post(reverse("scoring:line_save", args=[assessment.pk, line.pk]),
                           {"version": stored.version, **fields}, HTTP_ACCEPT="application/json")
    # then
    assert response.status_code == 200
    assert response.json()["line"]["self_score"] == "0.88"


def test_figures_changed_in_a_kps_row_are_kept_as_typed_and_the_preview_says_so(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _scored(assessment, unit_editor)
    client.force_login(unit_editor)
    response = _declare_in_file(client, assessment, count1=8)
    (row,) = response.context["preview"].rows
    assert "Số vấn đề phát hiện: 8" in row.new_summary and "dùng lại khi bỏ «không phát sinh»" in row.new_summary
    _apply(client, assessment, response)
    line = _line(assessment, "1.2.2")
    assert line.not_applicable and line.self_score is None
    assert line.self_value == {"counts": {"a": 8, "b": 2, "c": 1}}


def test_a_kps_row_with_a_figure_the_engine_refuses_names_its_cell_and_changes_nothing(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    before = _scored(assessment, unit_editor)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.2")
    ws.cell(row=row, column=_col("na"), value="Có")
    ws.cell(row=row, column=_col("na_reason"), value=REASON)
    ws.cell(row=row, column=_col("count2"), value="1,5")
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400
    (previewed,) = response.context["preview"].rows
    assert [cell.column for cell in previewed.refused_cells] == ["Số liệu 2"]
    stored = _line(assessment, "1.2.2")
    assert (stored.version, stored.not_applicable, stored.self_value) == (before.version, False, COUNTS)


def test_a_kps_declared_before_the_figures_were_kept_previews_and_applies_as_before(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: 1.2.2 declared KPS with no figures at all (as every declaration stored before)
    line = _line(assessment, "1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None, not_applicable=True,
                         not_applicable_reason=REASON)
    ScoreLine.objects.filter(pk=line.pk).update(self_value=None)
    client.force_login(unit_editor)
    # when: only its reason changes in the file
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.2"), column=_col("na_reason"), value="Năm nay không kiểm tra")
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    (row,) = response.context["preview"].rows
    assert row.old_summary == row.new_summary == "Không phát sinh"
    _apply(client, assessment, response)
    stored = _line(assessment, "1.2.2")
    assert stored.not_applicable and stored.self_value is None
    assert stored.not_applicable_reason == "Năm nay không kiểm tra"
