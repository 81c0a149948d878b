"""The downloaded self-assessment workbook has a «Tổng hợp» sheet with the totals the sheet page shows (each area,
the areas' points, the bonus, the penalty as deducted, the index and its class), as values. The import never reads
it: the file goes back unchanged, also when saved with that sheet open, and a file downloaded before it existed
still imports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from scoring import selectors
from scoring.models import Assessment
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(assessment: Assessment, unit_editor: Any) -> Assessment:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    return assessment


def _totals(workbook: Any) -> dict[str, tuple[Any, Any]]:
    ws = workbook["Tổng hợp"]
    rows = ws.iter_rows(min_row=6, min_col=2, max_col=4, values_only=True)
    def number(value: Any) -> Any:  # a number read back from the file (a float) as the Decimal the page shows
        return value if value is None or isinstance(value, str) else Decimal(str(value)).quantize(Decimal("0.01"))

    return {str(label): (number(points), number(maximum)) for label, points, maximum in rows if label}


def _changes(response: Any) -> list[tuple[str, list[str]]]:
    assert response.status_code == 200, response.content.decode()[:2000]
    preview = response.context["preview"]
    assert preview.file_errors == []
    return [(row.code, row.errors) for row in preview.rows if row.changes or row.errors]


def test_the_workbook_has_the_sheets_totals_as_values(client: Client, scored: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, scored)
    comp = selectors.assessment_sheet(assessment=scored).computation

    assert workbook.active is workbook.worksheets[0]  # the criteria stay the sheet shown on opening
    assert workbook.sheetnames[1] == "Tổng hợp" and workbook["Tổng hợp"].sheet_state == "visible"
    totals = _totals(workbook)
    assert list(totals)[:2] == ["1. Công tác chỉ đạo, điều hành CCHC", "2. Hiện đại hóa hành chính"]
    assert totals["1. Công tác chỉ đạo, điều hành CCHC"] == (comp.area_totals["1"], comp.area_max["1"])
    assert totals["Điểm các lĩnh vực"] == (comp.normal_total, comp.applicable_max)
    assert totals["Điểm cộng"] == (Decimal("1.50"), Decimal("2.00"))
    assert totals["Điểm trừ"] == (Decimal("-1.00"), Decimal("-2.00"))  # deducted, as on the criteria sheet
    assert totals["Chỉ số tự đánh giá"][0] == comp.index
    assert totals["Xếp loại tự đánh giá"][0] == comp.classification
    ws = workbook["Tổng hợp"]
    assert all(not str(cell.value).startswith("=") for row in ws.iter_rows() for cell in row if cell.value)
    assert ws.protection.sheet is True


def test_the_workbook_with_its_totals_imports_back_unchanged(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, scored)
    assert _changes(_upload(client, scored, _as_upload(workbook))) == []

    # saved while reading the totals: the criteria are read all the same, an edit is found
    ws = workbook.worksheets[0]
    ws.cell(row=_row_of(ws, "2.3.1"), column=_col("count1")).value = 2
    workbook.active = workbook["Tổng hợp"]
    assert _changes(_upload(client, scored, _as_upload(workbook))) == [("2.3.1", [])]


def test_a_file_downloaded_before_the_totals_sheet_still_imports(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, scored)
    del workbook["Tổng hợp"]
    ws = workbook.worksheets[0]
    ws.cell(row=_row_of(ws, "2.2.1"), column=_col("count1")).value = 4
    assert _changes(_upload(client, scored, _as_upload(workbook))) == [("2.2.1", [])]


def test_the_totals_sheet_writes_the_bonus_and_the_deduction_as_the_published_workbook(
    client: Client, scored: Assessment, unit_editor: Any
) -> None:
    from scoring.publication.exports import BONUS_FORMAT, PENALTY_FORMAT

    client.force_login(unit_editor)
    ws = _download(client, scored)["Tổng hợp"]
    formats = {str(row[0].value): (row[1].number_format, row[2].number_format)
               for row in ws.iter_rows(min_row=6, min_col=2, max_col=4) if row[0].value}
    assert formats["Điểm cộng"] == (BONUS_FORMAT, BONUS_FORMAT)
    # «−1.00» with the true minus sign, not Excel's hyphen «-1.00»
    assert formats["Điểm trừ"] == (PENALTY_FORMAT, PENALTY_FORMAT)
    assert formats["Điểm các lĩnh vực"] == ("0.00", "0.00")


def test_the_criteria_sheet_says_a_penalty_levels_points_as_deductions() -> None:
    from django.utils import translation

    from scoring.exports import _how
    from scoring.models import Indicator

    options = [{"key": "none", "label": "Không có", "points": "0"},
               {"key": "reprimand", "label": "Bị kỷ luật khiển trách", "points": "1"},
               {"key": "warning", "label": "Bị kỷ luật cảnh cáo trở lên", "points": "2.5"}]
    penalty = Indicator(code="9.9.9", max_points=Decimal("2.5"), kind=Indicator.Kind.PENALTY,
                        method=Indicator.Method.LEVELS, params={"options": options})
    normal = Indicator(code="9.9.8", max_points=Decimal("2.5"), kind=Indicator.Kind.NORMAL,
                       method=Indicator.Method.LEVELS, params={"options": options})
    with translation.override("vi"):
        assert _how(penalty) == ("Chọn một mức ở cột «Mức»: Không có (không trừ điểm) | Bị kỷ luật khiển trách "
                                 "(trừ 1) | Bị kỷ luật cảnh cáo trở lên (trừ 2,5)")
        # a normal criterion's levels keep their points as they were
        assert _how(normal) == ("Chọn một mức ở cột «Mức»: Không có (0) | Bị kỷ luật khiển trách (1) | "
                                "Bị kỷ luật cảnh cáo trở lên (2,5)")
