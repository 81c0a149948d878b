"""The Excel import's preview of refused cells: every refused cell is listed, each with its cell, its criterion
and the reason, and shows what was typed in it (never rewritten, «1.000» stays «1.000»)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scoring.models import Assessment, AuditEntry, ScoreLine
from tests.scoring.test_workbook import _col
from tests.scoring.test_workbook_cells import _preview, _rows

pytestmark = pytest.mark.django_db


def _cell(key: str, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(_col(key))}{row}"


def test_two_cells_that_may_group_thousands_are_both_named_with_the_text_as_typed(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: «1.000» typed as points, «2,000» typed as a ratio's denominator, on two rows
    client.force_login(unit_editor)
    # when
    response = _preview(client, assessment, **{"1.2.3": {"points": "1.000"},
                                                "1.1.2": {"numerator": "45", "denominator": "2,000"}})
    # then: refused, both cells named with their reference, code and reason; the text as typed
    assert response.status_code == 400
    rows = _rows(response)
    points, ratio = rows["1.2.3"], rows["1.1.2"]
    assert [(c.cell, c.code, c.typed) for c in points.refused_cells] == [
        (_cell("points", points.excel_row), "1.2.3", "1.000")]
    assert [(c.cell, c.code, c.typed) for c in ratio.refused_cells] == [
        (_cell("denominator", ratio.excel_row), "1.1.2", "2,000")]
    assert all("tách hàng nghìn" in c.message for c in points.refused_cells + ratio.refused_cells)
    assert points.new_summary == "1.000 điểm" and ratio.new_summary == "45 / 2,000"
    body = response.content.decode()
    for refused in points.refused_cells + ratio.refused_cells:
        assert refused.cell in body
    assert "«1.000»" in body and "«2,000»" in body
    assert "1,000 điểm" not in body  # what was typed is not rewritten
    assert not AuditEntry.objects.filter(action="score_line.self").exists()
    assert ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3").self_value is None


def test_every_refused_cell_of_one_row_is_named_not_only_the_first(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.1.2": {"numerator": "1.000", "denominator": "2.000"}})
    assert response.status_code == 400
    row = _rows(response)["1.1.2"]
    assert [(c.cell, c.typed) for c in row.refused_cells] == [
        (_cell("numerator", row.excel_row), "1.000"), (_cell("denominator", row.excel_row), "2.000")]
    assert len(row.errors) == 2 and "«1.000»" in row.errors[0] and "«2.000»" in row.errors[1]
    assert row.new_summary == "1.000 / 2.000"
    body = response.content.decode()
    assert _cell("numerator", row.excel_row) in body and _cell("denominator", row.excel_row) in body


def test_a_refusal_of_the_whole_value_names_its_cell_and_counts_are_checked_cell_by_cell(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.1.2": {"numerator": 60, "denominator": 50},
                                                "2.1.2": {"count1": "1.000", "count2": "abc"}})
    assert response.status_code == 400
    rows = _rows(response)
    ratio, counts = rows["1.1.2"], rows["2.1.2"]
    assert [c.cell for c in ratio.refused_cells] == [_cell("numerator", ratio.excel_row)]
    assert ratio.refused_cells[0].message == (
        "Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, hãy ghi tử số "
        "bằng mẫu số.")
    assert [(c.cell, c.typed) for c in counts.refused_cells] == [
        (_cell("count1", counts.excel_row), "1.000"), (_cell("count2", counts.excel_row), "abc")]
    assert counts.refused_cells[1].message == "Giá trị phải là một số."


def test_the_page_names_both_cells_and_shows_the_points_as_typed(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: the preview page only (what the person reads), with two cells that may group thousands
    client.force_login(unit_editor)
    workbook_rows = _rows(_preview(client, assessment, **{"1.2.3": {"points": "1.000"}}))
    points_row = workbook_rows["1.2.3"].excel_row
    # when
    response = _preview(client, assessment, **{"1.2.3": {"points": "1.000"},
                                                "1.1.2": {"numerator": "1.000", "denominator": "2.000"}})
    ratio_row = _rows(response)["1.1.2"].excel_row
    body = response.content.decode()
    # then
    assert "1.000 điểm" in body and "1,000 điểm" not in body
    assert "1.000 / 2.000" in body
    for cell in (_cell("points", points_row), _cell("numerator", ratio_row), _cell("denominator", ratio_row)):
        assert f"Ô {cell} (tiêu chí" in body
