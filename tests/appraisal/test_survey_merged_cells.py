"""The survey import reads merged cells as meant, or refuses the file naming them: Excel keeps a merge's value in
its top-left cell only, so a unit code merged down its leaves' rows would read as empty on all but the first."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from appraisal.survey import read_rows
from scoring.errors import ValidationFailed


def _xlsx(rows: list[list[object]], *merges: str) -> bytes:
    book = Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["Mã đơn vị", "Mã tiêu chí", "Điểm"]


def test_a_unit_code_merged_down_its_rows_is_each_rows_unit() -> None:
    content = _xlsx([HEADER, ["so-y-te", "1.2.3", 0.5], [None, "1.2.4", 0.25], [None, "1.2.5", 1],
                     ["so-tai-chinh", "1.2.3", 0.75]], "A2:A4")
    rows = read_rows("dieu-tra.xlsx", content)
    assert [(r.row, r.unit_code, r.indicator_code, r.points) for r in rows] == [
        (2, "so-y-te", "1.2.3", "0.5"), (3, "so-y-te", "1.2.4", "0.25"), (4, "so-y-te", "1.2.5", "1"),
        (5, "so-tai-chinh", "1.2.3", "0.75"),
    ]


@pytest.mark.parametrize("ref", ["C2:C3", "B2:B3", "A2:B2"])
def test_a_merge_over_points_codes_or_across_columns_refuses_the_file_naming_it(ref: str) -> None:
    content = _xlsx([HEADER, ["so-y-te", "1.2.3", 0.5], ["so-y-te", "1.2.4", 0.25]], ref)
    with pytest.raises(ValidationFailed) as caught:
        read_rows("dieu-tra.xlsx", content)
    assert caught.value.code == "merged_cells"
    assert ref in str(caught.value.message)


def test_a_title_merged_above_the_header_or_a_merge_in_an_unread_column_changes_nothing() -> None:
    content = _xlsx([[*HEADER, "Ghi chú"], ["so-y-te", "1.2.3", 0.5, "chung"], ["so-y-te", "1.2.4", 0.25, None]],
                    "D2:D3")
    rows = read_rows("dieu-tra.xlsx", content)
    assert [(r.unit_code, r.indicator_code, r.points) for r in rows] == [
        ("so-y-te", "1.2.3", "0.5"), ("so-y-te", "1.2.4", "0.25")]
