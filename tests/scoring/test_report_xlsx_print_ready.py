"""The self-assessment report's workbook is ready to print and sign as the printed report page is: each sheet on A4,
fitted to the page's width (the tables landscape, Part III's text portrait), a table's header row frozen and repeated
on every printed page; after the official heading of Part I and the text of Part III, the head's signature block the
page ends with, «THỦ TRƯỞNG ĐƠN VỊ (Ký, ghi rõ họ tên và đóng dấu)». The appraisal team's workbook, whose print setup
and signature block the report's reuses, is set up as before."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import Assessment
from tests.appraisal.conftest import appraised, submitted, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _report(client: Client, assessment: Assessment) -> Any:
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _printed_a4(ws: Any, orientation: str) -> None:
    setup = ws.page_setup
    assert (str(setup.paperSize), setup.orientation) == (str(ws.PAPERSIZE_A4), orientation), ws.title
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title  # one page wide, as many down as it takes


def test_the_report_workbooks_tables_print_on_a4_with_their_header_on_every_page(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    summary, explanations, difficulties = _report(client, assessment).worksheets

    header = next(row[0].row for row in summary.iter_rows() if row[0].value == "STT")
    assert header > 6  # under the official heading and the title
    assert summary.print_title_rows == f"${header}:${header}"
    assert summary.freeze_panes == f"A{header + 1}"
    _printed_a4(summary, "landscape")

    assert explanations["A3"].value == "Mã"
    assert explanations.print_title_rows == "$3:$3"
    assert explanations.freeze_panes == "A4"
    _printed_a4(explanations, "landscape")

    _printed_a4(difficulties, "portrait")


def test_the_report_workbook_ends_with_the_heads_signature_block_as_the_page(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    page = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    assert "THỦ TRƯỞNG ĐƠN VỊ" in page and "(Ký, ghi rõ họ tên và đóng dấu)" in page

    workbook = _report(client, assessment)
    last = workbook.worksheets[-1]
    cells = [cell for row in last.iter_rows() for cell in row if cell.value]
    texts = [cell.value for cell in cells]
    # after Part III's text, the role and the hint under it, on the right as the page prints them
    assert texts[-2:] == ["THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên và đóng dấu)"]
    role, hint = cells[-2:]
    assert texts.index("(không có)") < texts.index("THỦ TRƯỞNG ĐƠN VỊ")
    assert hint.row == role.row + 1 and hint.column == role.column
    assert role.font.b and hint.font.i
    assert role.alignment.horizontal == hint.alignment.horizontal == "right"
    # signed once, at the end: the other sheets carry no signature
    for ws in workbook.worksheets[:-1]:
        assert "THỦ TRƯỞNG ĐƠN VỊ" not in [cell.value for row in ws.iter_rows() for cell in row]


def test_the_appraisal_workbook_keeps_its_print_setup_and_signatures(
    client: Client, appraised: Assessment, lead: Any  # noqa: F811
) -> None:
    client.force_login(lead)
    response = client.get(reverse("appraisal:assessment_workbook", args=[appraised.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]

    header = next(row[0].row for row in ws.iter_rows() if row[0].value == "Mã")
    assert ws.print_title_rows == f"${header}:${header}" and ws.freeze_panes == f"C{header + 1}"
    _printed_a4(ws, "landscape")
    texts = {(cell.column, cell.value) for row in ws.iter_rows() for cell in row if cell.value}
    assert {(7, "........, ngày ...... tháng ...... năm ........"), (2, "THÀNH VIÊN TỔ THẨM ĐỊNH"),
            (7, "TỔ TRƯỞNG TỔ THẨM ĐỊNH"), (2, "(Ký, ghi rõ họ tên)"), (7, "(Ký, ghi rõ họ tên)")} <= texts
