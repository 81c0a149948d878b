"""«Điểm trừ» has one sign in the Excel files a report writer compares: the team's preliminary table and the
published workbook both write a penalty as a deduction (negative, as the pages' «−1,00»), and each sheet with that
column says so under its heading, with the open-data files' own (documented) positive convention named."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from appraisal.exports import cycle_workbook
from scoring.models import Publication
from scoring.publication import exports

pytestmark = pytest.mark.django_db

NOTE = "Cột «Điểm trừ» ghi số âm (điểm bị trừ)"


def _penalties(rows: list[tuple[Any, ...]], name_column: int) -> dict[str, Decimal]:
    header = next(r for r in rows if "Điểm trừ" in r)
    column = header.index("Điểm trừ")
    return {r[name_column]: Decimal(str(r[column])) for r in rows
            if len(r) > column and isinstance(r[name_column], str) and r[name_column].startswith("Sở")
            and r[column] is not None}


def test_the_published_and_the_preliminary_area_sheets_write_a_penalty_alike(publication: Publication) -> None:
    buffer = io.BytesIO()
    exports.official_workbook(publication, buffer)
    published = list(load_workbook(io.BytesIO(buffer.getvalue()))["Theo lĩnh vực"].iter_rows(values_only=True))
    out = io.BytesIO()
    cycle_workbook(cycle=publication.cycle, out=out)
    preliminary = list(load_workbook(io.BytesIO(out.getvalue()))["Theo lĩnh vực"].iter_rows(values_only=True))

    # Sở Y tế has one official disciplined: a penalty of 1,00, published as 1.00 in open data
    assert next(r for r in publication.snapshot["rows"] if r["unit_code"] == "so-y-te")["penalty"] == "1.00"
    assert _penalties(published, 0)["Sở Y tế"] == Decimal("-1") == _penalties(preliminary, 1)["Sở Y tế"]
    assert _penalties(published, 0) == _penalties(preliminary, 1)
    for rows in (published, preliminary):
        heading = [str(r[0]) for r in rows[:next(n for n, r in enumerate(rows) if "Điểm trừ" in r)] if r and r[0]]
        assert any(text.startswith(NOTE) and "số dương" in text for text in heading)
