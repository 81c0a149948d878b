"""A penalty criterion reads as the deduction it is in the published files people read, as in the other workbooks
and on the pages: its own column of the workbook's criteria matrix (its maximum and each unit's points, negative,
the convention said under the table), the «Điểm trừ» column of the PDF report's per-area table («−1,00», the
convention said under it) and its appraised points in the evidence pack's summary. The open-data files keep their
documented positive penalty."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from scoring.models import Publication, Unit
from scoring.publication import exports

pytestmark = pytest.mark.django_db

MATRIX = "Bộ chỉ số thử nghiệm"
MINUS = "\u2212"
CONVENTION = "ghi số âm (điểm bị trừ), như trên trang kết quả"
OPEN_DATA = "Tệp dữ liệu mở (CSV, JSON) ghi điểm trừ là số dương."


def _matrix() -> list[tuple[Any, ...]]:
    """The criteria matrix of the 2020 workbook, as the public download gives it."""
    response = Client().get("/ket-qua/2020/ket-qua.xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content))[MATRIX].iter_rows(values_only=True))


def _number(value: Any) -> Decimal:
    return Decimal(str(value))


def test_the_criteria_matrix_writes_a_penalty_criterion_as_a_deduction(publication: Publication) -> None:
    # given: Sở Y tế has one official disciplined, 2.3.1 (a penalty, 1 point a person, at most 2): published 1.00
    assert publication.scores["so-y-te"]["2.3.1"] == "1.00"
    # when
    rows = _matrix()
    codes = rows[3]
    penalty, bonus, normal = codes.index("2.3.1"), codes.index("2.2.1"), codes.index("2.1.1")
    maxima = next(r for r in rows if r[1] == "Điểm tối đa")
    y_te = next(r for r in rows if r[0] == "so-y-te")
    # then: the penalty's maximum and points are deductions; a bonus and a normal criterion stay as they were
    assert _number(maxima[penalty]) == Decimal("-2") and _number(y_te[penalty]) == Decimal("-1")
    assert _number(maxima[bonus]) == Decimal("2") and _number(y_te[bonus]) == Decimal("1.5")
    assert _number(maxima[normal]) == Decimal("2") and _number(y_te[normal]) == Decimal("1.7")
    # every unit of the set has it so (each has one person disciplined)
    for row in rows:
        if isinstance(row[0], str) and row[0].startswith("so-"):
            assert _number(row[penalty]) == Decimal("-1"), row[0]
    # read across, the unit's criteria add up to its published total, as the area sheet's row does
    published = next(r for r in publication.snapshot["rows"] if r["unit_code"] == "so-y-te")
    assert sum(_number(v) for v in y_te[2:] if v is not None) == Decimal(published["total"]) == Decimal("6.58")
    # and the sheet says so under the table, naming the penalty criteria and the open data's sign
    notes = [r[1] for r in rows[rows.index(y_te):] if len(r) > 1 and isinstance(r[1], str)]
    said = next(text for text in notes if CONVENTION in text)
    assert "2.3.1" in said and "2.2.1" not in said and OPEN_DATA in said


def test_the_open_data_keep_the_penalty_criterions_positive_points(publication: Publication) -> None:
    text = "".join(b.decode("utf-8") for b in exports.csv_stream(publication, exports.criteria_rows))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    row = next(r for r in rows if r["ma_don_vi"] == "so-y-te" and r["ma_tieu_chi"] == "2.3.1")
    assert (row["loai"], row["diem_toi_da"], row["diem_tham_dinh"], row["diem_tinh_chi_so"]) == (
        "penalty", "2.00", "1.00", "1.00")


def test_a_set_without_a_penalty_criterion_has_no_penalty_note(publication: Publication) -> None:
    # given: the same set without its penalty criteria in the snapshot (a set that has none)
    snap = publication.snapshot
    for indicator_set in snap["sets"].values():
        indicator_set["indicators"] = [i for i in indicator_set["indicators"] if i["kind"] != "penalty"]
    buffer = io.BytesIO()
    # when
    exports.official_workbook(publication, buffer)
    # then
    rows = list(load_workbook(io.BytesIO(buffer.getvalue()))[MATRIX].iter_rows(values_only=True))
    assert not any(isinstance(v, str) and CONVENTION in v for r in rows for v in r)


def _pdf_text(publication: Publication) -> str:
    reader = PdfReader(io.BytesIO(exports.pdf_report(publication)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_reports_penalty_column_is_a_deduction_with_its_convention(publication: Publication) -> None:
    # when
    text = _pdf_text(publication)
    # then: the per-area table's rows: areas, bonus (with its plus sign, as the page), penalty (negative, the true
    # minus sign), index
    area_rows = {m.group(1): m.group(2).split() for m in re.finditer(r"^(Sở [^\d\n+]+?) ((?:[\d,−+]+ ?){5})$", text,
                                                                       re.M)}
    assert area_rows["Sở Y tế"] == ["3,38", "2,70", "+1,50", f"{MINUS}1,00", "6,58"]
    assert area_rows["Sở Xây dựng"] == ["2,38", "2,70", "+1,50", f"{MINUS}1,00", "5,58"]
    # the column named as the workbook names it, and the convention said under the table
    flowing = " ".join(text.split())
    assert "Điểm cộng" in flowing and "Điểm trừ" in flowing
    assert f"Cột «Điểm trừ» {CONVENTION}" in flowing and OPEN_DATA in flowing


def test_a_zero_penalty_in_the_pdf_report_is_a_plain_zero(publication: Publication) -> None:
    # given: Sở Y tế published without a penalty (the snapshot's figure, as the report reads it)
    row = next(r for r in publication.snapshot["rows"] if r["unit_code"] == "so-y-te")
    row["penalty"] = "0.00"
    # when
    html = exports.report_html(publication)
    # then
    table = html[html.rindex("<th scope=\"row\">Sở Y tế</th>"):].split("</tr>")[0]
    cells = re.findall(r"<td class=\"num\">([^<]*)</td>", table)
    assert cells[-2] == "0,00" and f"{MINUS}0,00" not in html and "-0,00" not in html


def test_the_evidence_packs_summary_writes_a_penalty_criterion_as_a_deduction(
    publication: Publication, tmp_path: Path
) -> None:
    # when: Sở Y tế's evidence pack (2.3.1 appraised 1.00, published positive)
    pack = tmp_path / "pack.zip"
    exports.evidence_pack(publication, Unit.objects.get(code="so-y-te").pk, pack)
    with zipfile.ZipFile(pack) as zf:
        rows = list(load_workbook(io.BytesIO(zf.read("tong-hop.xlsx"))).active.iter_rows(values_only=True))
    # then: its appraised points a deduction; a bonus and a normal criterion as published
    scores = {r[0]: r[2] for r in rows[3:] if r[0]}
    assert _number(scores["2.3.1"]) == Decimal("-1")
    assert _number(scores["2.2.1"]) == Decimal("1.5") and _number(scores["2.1.1"]) == Decimal("1.7")
    # and the convention is said under the table
    said = next(r[1] for r in rows if len(r) > 1 and isinstance(r[1], str) and CONVENTION in r[1])
    assert "2.3.1" in said and OPEN_DATA in said
