"""The self-assessment report, printed and in Excel, opens with the administrative heading of Nghị định
30/2020/NĐ-CP: the superior body («UBND TỈNH …», from the province setting) above the unit's name on the left, the
national name and motto on the right, then «Số: …/BC-<unit>» and «<Province>, ngày … tháng … năm <year>», the number
and the day left for the clerk, as on a draft to be signed; then the title. A unit whose superior body is set (a
vertical agency: «Tổng cục Thuế») is headed by it instead."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from scoring.exports import report_heading
from scoring.models import Assessment, Unit

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def test_the_printed_report_has_the_official_heading_above_the_title(
    client: Client, assessment: Assessment, unit_editor: Any, settings: Any
) -> None:
    settings.CCHC_PROVINCE_NAME = "Long An"
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()

    heading = body[body.index("data-official-heading"):body.index("<h1")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", heading))
    assert "UBND TỈNH LONG AN" in text and "SỞ Y TẾ" in text
    assert '<p class="unit-name"><strong>SỞ Y TẾ</strong></p>' in heading  # bold, the short rule under it (CSS)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: ……/BC-SYT" in text
    assert f"Long An, ngày …… tháng …… năm {YEAR}" in text
    assert text.index("UBND TỈNH LONG AN") < text.index("SỞ Y TẾ") < text.index("Số: ")
    # printed; the page keeps its own head on screen
    assert '<div class="official-heading print-only" data-official-heading>' in body


def test_the_report_workbook_opens_with_the_official_heading(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    ws = load_workbook(io.BytesIO(response.content))["I. Tổng hợp điểm"]

    # left block over columns A-B, right block over C-E, each centred
    assert [ws["A1"].value, ws["A2"].value, ws["A4"].value] == ["UBND TỈNH TIỀN GIANG", "SỞ Y TẾ", "Số: ……/BC-SYT"]
    assert [ws["C1"].value, ws["C2"].value, ws["C4"].value] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        f"Tiền Giang, ngày …… tháng …… năm {YEAR}"]
    assert {"A1:B1", "C1:E1", "A2:B2", "C2:E2", "A4:B4", "C4:E4"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].font.b and ws["C1"].font.b and ws["C2"].font.u == "single" and ws["C4"].font.i
    assert ws["A1"].alignment.horizontal == "center" and ws["C1"].alignment.horizontal == "center"
    # then the title, and the table whose figures are still formatted from its first row
    assert ws["A6"].value.startswith("BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2020")
    header = next(r for r in ws.iter_rows(min_row=1) if r[0].value == "STT")
    first = ws.cell(row=header[0].row + 1, column=3)
    assert first.number_format == "0.00" and isinstance(first.value, (int, float))


def test_a_peoples_committee_heads_its_report_with_its_own_name_only(catalogue: Any) -> None:
    district = Unit.objects.filter(name__startswith="UBND").first()
    assert district is not None
    heading = report_heading(Assessment(unit=district))
    assert heading.superior == "" and heading.unit == district.name.upper()
    assert heading.number == "Số: ……/BC-UBND"


def test_a_vertical_agency_heads_its_report_with_its_central_agency(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    """A unit whose superior body is set (a central agency's provincial branch) is headed by it, in capitals, on the
    printed page and in the workbook; «UBND TỈNH …» is not printed."""
    Unit.objects.filter(pk=assessment.unit_id).update(superior_body="Tổng cục Thuế")
    client.force_login(unit_editor)

    body = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    workbook = client.get(reverse("scoring:report_xlsx", args=[assessment.pk])).content

    heading = body[body.index("data-official-heading"):body.index("<h1")]
    assert '<p class="superior">TỔNG CỤC THUẾ</p>' in heading and "UBND TỈNH" not in heading
    ws = load_workbook(io.BytesIO(workbook))["I. Tổng hợp điểm"]
    assert [ws["A1"].value, ws["A2"].value, ws["A4"].value] == ["TỔNG CỤC THUẾ", "SỞ Y TẾ", "Số: ……/BC-SYT"]


def test_the_superior_body_set_heads_a_peoples_committee_too(catalogue: Any) -> None:
    """A People's Committee heads its report with its own name only, unless its superior body is set (a commune's
    committee under its district's): then that is printed above it."""
    district = Unit.objects.filter(name__startswith="UBND").first()
    assert district is not None
    district.superior_body = "UBND tỉnh Tiền Giang"

    heading = report_heading(Assessment(unit=district))

    assert heading.superior == "UBND TỈNH TIỀN GIANG" and heading.unit == district.name.upper()


def test_a_blank_superior_body_keeps_the_provinces_committee(catalogue: Any, settings: Any) -> None:
    settings.CCHC_PROVINCE_NAME = "Long An"
    unit = Unit.objects.get(code="so-y-te")
    unit.superior_body = "   "  # as blank

    assert report_heading(Assessment(unit=unit)).superior == "UBND TỈNH LONG AN"


def test_on_the_english_page_the_superior_body_is_marked_vietnamese_and_the_committee_is_not(
    assessment: Assessment, unit_editor: Any
) -> None:
    """The superior body typed for the unit is Vietnamese data (`lang="vi"`, as the unit's name); the province's
    People's Committee is the page's own text, in English."""
    from tests.publication.test_data_language_marks import _english, _languages_of, _page

    client = _english(unit_editor)
    url = reverse("scoring:report", args=[assessment.pk])
    committee = _page(client, url)
    Unit.objects.filter(pk=assessment.unit_id).update(superior_body="Tổng cục Thuế")
    body = _page(client, url)

    assert set(_languages_of(committee, "PEOPLE’S COMMITTEE OF TIỀN GIANG PROVINCE")) == {"en"}
    assert set(_languages_of(body, "TỔNG CỤC THUẾ")) == {"vi"}
