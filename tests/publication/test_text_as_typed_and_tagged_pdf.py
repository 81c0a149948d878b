"""The published files as people read them: in the official workbook (and the evidence pack's summary) a text that
starts like a formula («=…», «- …») is a string cell with Excel's quote-prefix mark, shown exactly as typed, never
with a visible apostrophe and never a formula; the PDF report is tagged (a structure tree, marked content), so that
a screen reader reads its headings and tables."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from scoring.models import Cycle, Indicator, Publication, Unit
from scoring.publication import exports
from scoring.publication.services import cycle_publish

pytestmark = pytest.mark.django_db

NAME = "=HYPERLINK(\"http://x\",\"Sở\")"
DOCUMENT = "- 4567/UBND-NC"
CRITERION = "- Ban hành kế hoạch CCHC năm"


def _assert_as_typed(book: Any, text: str) -> None:
    hits = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row
            if isinstance(cell.value, str) and text in cell.value]
    assert hits, f"{text!r} is not in the workbook"
    for cell in hits:
        assert cell.value.startswith(text) or not cell.value.startswith(("=", "+", "-", "@", "'")), cell.value
        if cell.value.startswith(text):
            assert cell.value == text, (cell.coordinate, cell.value)  # no apostrophe in front
            assert cell.data_type == "s", (cell.coordinate, cell.data_type)  # a string, not a formula
            assert cell.quotePrefix, cell.coordinate  # Excel's «text as typed» mark


def test_the_official_workbook_shows_formula_like_names_as_typed_without_an_apostrophe(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    # given a unit and a criterion whose names start like formulas, published
    Unit.objects.filter(code="so-xay-dung").update(name=NAME)
    Indicator.objects.filter(code="1.1.1").update(name=CRITERION)
    publication = cycle_publish(cycle=signed_cycle, document_number="Công văn số 4567/UBND-NC",
                                document_date=datetime.date(2020, 12, 8), actor=admin_user)
    # when the official workbook is built
    out = io.BytesIO()
    exports.official_workbook(publication, out)
    # then every such cell holds the text as typed, a string with the quote-prefix mark
    book = load_workbook(io.BytesIO(out.getvalue()))
    _assert_as_typed(book, NAME)
    _assert_as_typed(book, CRITERION)
    assert not [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    # a number stays a number
    ranking = book.worksheets[0]
    assert any(isinstance(c.value, (int, float)) for row in ranking.iter_rows(min_row=6) for c in row)


def test_the_open_data_csv_keeps_its_apostrophe_defence(signed_cycle: Cycle, admin_user: Any) -> None:
    """Guards behaviour that must not change: in a CSV (no cell types) the leading apostrophe is the defence."""
    Unit.objects.filter(code="so-xay-dung").update(name=NAME)
    publication = cycle_publish(cycle=signed_cycle, document_number=DOCUMENT,
                                document_date=datetime.date(2020, 12, 8), actor=admin_user)
    rows = list(exports.csv_rows(publication))
    assert any(row[8] == "'" + NAME for row in rows[1:])
    assert all(row[2] == "'" + DOCUMENT for row in rows[1:])


def test_the_evidence_packs_summary_shows_a_formula_like_criterion_as_typed(
    publication: Publication, tmp_path: Path
) -> None:
    Indicator.objects.filter(code="1.1.1").update(name=CRITERION)
    unit = Unit.objects.get(code="so-y-te")
    pack = tmp_path / "pack.zip"
    exports.evidence_pack(publication, unit.pk, pack)
    with zipfile.ZipFile(pack) as zf:
        book = load_workbook(io.BytesIO(zf.read("tong-hop.xlsx")))
    _assert_as_typed(book, CRITERION)


def test_the_pdf_report_is_tagged_for_screen_readers(publication: Publication) -> None:
    reader = PdfReader(io.BytesIO(exports.pdf_report(publication)))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "vi"
    # the tables are in the structure tree, with header cells
    kinds: set[str] = set()
    cell_headers: list[int] = []
    stack = [root["/StructTreeRoot"].get_object()]
    while stack:
        node = stack.pop()
        if hasattr(node, "get_object"):
            node = node.get_object()
        if isinstance(node, dict):
            if "/S" in node:
                kinds.add(str(node["/S"]))
                if node["/S"] == "/TD" and "/Headers" in node.get("/A", {}):
                    cell_headers.append(len(node["/A"]["/Headers"]))
            kids = node.get("/K")
            if kids is not None:
                stack.extend(kids if isinstance(kids, list) else [kids])
        elif isinstance(node, list):
            stack.extend(node)
    assert {"/Table", "/TH", "/TD", "/H1", "/H2", "/Figure"} <= kinds
    # a score is read with its column's header and its unit's name (the row header)
    assert cell_headers and min(cell_headers) == 2
