"""A deduction in the published files' workbooks is shown with the true minus sign the pages write («−1.00»), not
Excel's hyphen-minus, by the cells' number format: the cells stay numbers (a row still adds up, sorts and filters).
The area sheet's «Điểm trừ», the criteria matrix's penalty criterion (its maximum and each unit's points) and the
evidence pack's summary alike."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook

from scoring.models import Publication, Unit
from scoring.publication import exports

pytestmark = pytest.mark.django_db

MINUS = "\u2212"


def _shows_true_minus(cell: Any) -> bool:
    """The cell is a negative number whose format's section for negative numbers (the second: it shows no sign of its
    own) writes «−» and no hyphen-minus."""
    sections = str(cell.number_format).split(";")
    return (cell.data_type == "n" and isinstance(cell.value, (int, float)) and cell.value < 0 and len(sections) >= 2
            and MINUS in sections[1] and "-" not in sections[1])


def _book(publication: Publication) -> Any:
    buffer = io.BytesIO()
    with translation.override("vi"):
        exports.official_workbook(publication, buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def test_the_workbooks_deductions_are_numbers_shown_with_the_true_minus(publication: Publication) -> None:
    book = _book(publication)
    # the area sheet's «Điểm trừ» column: Sở Y tế's −1.00, a number
    areas = book["Theo lĩnh vực"]
    header = next(r for r in areas.iter_rows() if any(c.value == "Điểm trừ" for c in r))
    column = next(c.column for c in header if c.value == "Điểm trừ")
    y_te = next(r for r in areas.iter_rows() if r[0].value == "Sở Y tế")
    penalty = areas.cell(row=y_te[0].row, column=column)
    assert Decimal(str(penalty.value)) == Decimal("-1") and _shows_true_minus(penalty)
    # the criteria matrix: the penalty criterion's maximum and points; a normal criterion's cells keep their format
    matrix = book["Bộ chỉ số thử nghiệm"]
    rows = list(matrix.iter_rows())
    codes = next(r for r in rows if any(c.value == "2.3.1" for c in r))
    at = {c.value: c.column - 1 for c in codes if c.value}
    maxima = next(r for r in rows if r[1].value == "Điểm tối đa")
    unit = next(r for r in rows if r[0].value == "so-y-te")
    assert _shows_true_minus(maxima[at["2.3.1"]]) and _shows_true_minus(unit[at["2.3.1"]])
    assert Decimal(str(unit[at["2.3.1"]].value)) == Decimal("-1")
    assert MINUS not in str(unit[at["2.1.1"]].number_format) and MINUS not in str(maxima[at["2.1.1"]].number_format)


def test_the_evidence_packs_deduction_is_shown_with_the_true_minus(publication: Publication, tmp_path: Path) -> None:
    pack = tmp_path / "pack.zip"
    exports.evidence_pack(publication, Unit.objects.get(code="so-y-te").pk, pack)
    with zipfile.ZipFile(pack) as zf:
        ws = load_workbook(io.BytesIO(zf.read("tong-hop.xlsx"))).active
    penalty = next(r for r in ws.iter_rows() if r[0].value == "2.3.1")[2]
    assert Decimal(str(penalty.value)) == Decimal("-1") and _shows_true_minus(penalty)
    normal = next(r for r in ws.iter_rows() if r[0].value == "2.1.1")[2]
    assert MINUS not in str(normal.number_format)
