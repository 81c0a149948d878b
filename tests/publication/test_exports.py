from __future__ import annotations

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from scoring.models import Cycle, Publication, Unit
from scoring.publication import charts, exports
from scoring.publication.services import cycle_publish

pytestmark = pytest.mark.django_db


def _d(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Numbers as read back from the workbook (floats) turned into Decimals of their written value."""
    return tuple(Decimal(str(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in row)


def _download(url: str) -> bytes:
    response = Client().get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_official_workbook_has_a_ranking_sheet_per_group_an_area_sheet_and_the_matrix(
    publication: Publication,
) -> None:
    book = load_workbook(io.BytesIO(_download("/ket-qua/2020/ket-qua.xlsx")))
    group = Unit.objects.get(code="so-y-te").ranking_group
    assert book.sheetnames == [group.name[:31], "Theo lĩnh vực", "Bộ chỉ số thử nghiệm"]
    ranking = list(book[group.name[:31]].iter_rows(values_only=True))
    assert ranking[0][0] == "KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2020"
    assert ranking[2][0] == "(Kèm theo Công văn số 4567/UBND-NC ngày 08/12/2020)"
    assert ranking[4] == ("STT", "Đơn vị", "Chỉ số", "Xếp hạng", "Xếp loại", "Ghi chú")
    units = ranking[5:ranking.index((None,) * len(ranking[4]), 5)]  # under the table: the grading scale
    assert [(*_d(r[1:3]), r[3]) for r in units] == [
        ("Sở Công Thương", Decimal("7.58"), 1), ("Sở Tư pháp", Decimal("7.58"), 1),
        ("Sở Y tế", Decimal("6.58"), 3), ("Sở Xây dựng", Decimal("5.58"), 4),
    ]
    areas = list(book["Theo lĩnh vực"].iter_rows(values_only=True))
    assert areas[4][:4] == ("Đơn vị", "Khối", "1. Công tác chỉ đạo, điều hành CCHC", "2. Hiện đại hóa hành chính")
    y_te = next(r for r in areas if r[0] == "Sở Y tế")
    # the penalty a deduction, as the team's workbooks and the pages: the row adds up to the index
    assert _d(y_te[2:7]) == (Decimal("3.38"), Decimal("2.7"), Decimal("1.5"), Decimal("-1"), Decimal("6.58"))
    matrix = list(book["Bộ chỉ số thử nghiệm"].iter_rows(values_only=True))
    assert matrix[1][0] == "Bộ chỉ số thử nghiệm (689/QĐ-UBND ngày 11/3/2020, phiên bản 1)"
    assert matrix[3][2:] == ("1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "2.1.1", "2.1.2", "2.2.1", "2.3.1")
    assert matrix[4][1:3] == ("Tiêu chí", "Ban hành kế hoạch CCHC năm")
    assert _d(matrix[5][1:4]) == ("Điểm tối đa", Decimal("1"), Decimal("2"))
    y_te = next(r for r in matrix if r[0] == "so-y-te")
    # the penalty 2.3.1 a deduction, as in the area sheet: the row adds up to the total
    assert _d(y_te[2:]) == tuple(Decimal(v) for v in ("0", "1", "1", "0.88", "0.5", "1.7", "1", "1.5", "-1"))


def test_the_direct_workbook_download_is_built_once_and_then_shared(
    publication: Publication, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any
) -> None:
    from scoring.models import ExportJob

    settings.MEDIA_ROOT = tmp_path
    built: list[int] = []
    real = exports.official_workbook

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "official_workbook", counting)
    first = _download("/ket-qua/2020/ket-qua.xlsx")
    again = _download("/ket-qua/2020/ket-qua.xlsx")
    assert first == again and built == [1]  # a publication never changes: one build for every visitor
    job = ExportJob.objects.get(publication=publication, kind="xlsx")
    assert job.status == ExportJob.Status.DONE and exports.job_path(job).read_bytes() == first
    exports.job_path(job).unlink()  # swept after its retention: built again on the next request
    assert load_workbook(io.BytesIO(_download("/ket-qua/2020/ket-qua.xlsx"))).sheetnames
    assert built == [1, 1]


def test_open_data_csv_has_a_bom_the_documented_columns_and_the_published_order(publication: Publication) -> None:
    data = _download("/ket-qua/2020/ket-qua.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [*exports.CSV_COLUMNS, "linh_vuc_1", "linh_vuc_2"]
    assert [(r[8], r[6], r[12]) for r in rows[1:]] == [
        ("Sở Công Thương", "1", "7.58"), ("Sở Tư pháp", "1", "7.58"), ("Sở Y tế", "3", "6.58"),
        ("Sở Xây dựng", "4", "5.58"),
    ]
    assert rows[3][2:4] == ["Công văn số 4567/UBND-NC", "2020-12-08"]


def test_the_criteria_csv_has_one_row_per_unit_and_criterion(publication: Publication) -> None:
    data = _download("/ket-qua/2020/diem-tieu-chi.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == exports.CRITERIA_COLUMNS and len(rows) == 1 + 4 * 9
    y_te = {r[6]: r for r in rows[1:] if r[2] == "so-y-te"}
    assert y_te["1.2.2"][7:13] == ["Xử lý vấn đề phát hiện qua kiểm tra", "normal", "1.50", "0.88", "0", "0.88"]
    assert y_te["2.3.1"][8:11] == ["penalty", "2.00", "1.00"]
    # Built once, then the same file for every download, on the pages and in the API.
    assert _download("/api/v1/open-data/2020/criteria.csv") == data
    from scoring.models import ExportJob

    assert ExportJob.objects.filter(publication=publication, kind="criteria_csv").count() == 1


def test_open_data_json_follows_the_documented_schema(publication: Publication) -> None:
    doc = json.loads(_download("/ket-qua/2020/ket-qua.json"))
    assert doc["schema"] == "cchc-ket-qua/1"
    assert doc["publication"]["document_date"] == "2020-12-08" and doc["publication"]["revision"] == 1
    assert doc["indicator_sets"][0]["key"] == "test-set"
    first = doc["results"][0]
    assert set(first) == {"unit_code", "unit_name", "unit_kind", "group_code", "rank", "index", "total",
                          "normal_total", "bonus", "penalty", "applicable_max", "classification",
                          "indicator_set", "area_totals", "not_submitted", "unit_kind_code"}
    assert [r["unit_name"] for r in doc["results"]] == ["Sở Công Thương", "Sở Tư pháp", "Sở Y tế", "Sở Xây dựng"]


def test_cells_that_look_like_formulas_are_neutralised(signed_cycle: Cycle, admin_user: Any) -> None:
    Unit.objects.filter(code="so-xay-dung").update(name="=HYPERLINK(\"http://x\",\"Sở\")")
    publication = cycle_publish(cycle=signed_cycle, document_number="-1+1", document_date=datetime.date(2020, 12, 8),
                                actor=admin_user)
    rows = list(csv.reader(io.StringIO(b"".join(exports.csv_stream(publication)).decode("utf-8-sig"))))
    assert rows[4][8] == "'=HYPERLINK(\"http://x\",\"Sở\")" and rows[4][2] == "'-1+1"
    book = load_workbook(io.BytesIO(_download("/ket-qua/2020/ket-qua.xlsx")))
    # In the workbook: the text as typed, in a string cell marked «text» (Excel's quote prefix), no apostrophe.
    cells = [c for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells if c.value.startswith(("=", "+", "-", "@")))
    assert "=HYPERLINK(\"http://x\",\"Sở\")" in [c.value for c in cells]


def test_the_pdf_report_has_the_vietnamese_text_and_the_ranking(publication: Publication) -> None:
    reader = PdfReader(io.BytesIO(exports.pdf_report(publication)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flowing = " ".join(text.split())  # where a line wraps depends on the fonts installed, not on the report
    assert "KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2020" in flowing
    assert "Công văn số 4567/UBND-NC ngày 08/12/2020" in flowing
    lines = [line for line in text.splitlines() if re.match(r"\d+ Sở ", line)]
    assert lines[:4] == ["1 Sở Công Thương 7,58 Trung bình", "1 Sở Tư pháp 7,58 Trung bình",
                         "3 Sở Y tế 6,58 Trung bình", "4 Sở Xây dựng 5,58 Yếu"]
    # the charts are drawn into the PDF as vector text, so their labels are readable too
    assert "Bình quân khối" in text and "Bình quân chung" in text
    fonts = {str(f.get("/BaseFont")) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("Noto" in f or "DejaVu" in f for f in fonts)


def test_charts_are_svg_with_escaped_labels_and_decimal_commas() -> None:
    svg = charts.ranking_bars([("Sở <Y> tế", Decimal("99.95")), ("Sở Tư pháp", Decimal("80"))], title="Xếp hạng")
    assert svg.startswith("<svg") and "<title>Xếp hạng</title>" in svg
    assert "Sở &lt;Y&gt; tế" in svg and "99,95" in svg and "80,00" in svg and "<script" not in svg
    histogram = charts.distribution([Decimal("81"), Decimal("84.5"), Decimal("92")], title="Phân bố")
    assert ">80 – dưới 85<" in histogram and ">2<" in histogram
    assert "8,58" in charts.trend([("2020", Decimal("6.58")), ("2021", Decimal("8.58"))], title="Xu hướng")


# --- several indicator sets in a year (codes shared, texts not) ---------------------------------------------


def test_the_workbook_has_one_criteria_matrix_per_set_with_its_own_criteria_and_units(
    two_set_publication: Publication,
) -> None:
    from tests.publication.conftest import DISTRICT_1_1_1, DISTRICT_SET_NAME

    book = load_workbook(io.BytesIO(_download("/ket-qua/2020/ket-qua.xlsx")))
    # a set's name that does not fit Excel's 31 characters: named after its units' kind, the full name inside
    assert book.sheetnames[-2:] == ["Bộ chỉ số thử nghiệm", "Điểm UBND cấp huyện"]
    departments = list(book["Bộ chỉ số thử nghiệm"].iter_rows(values_only=True))
    districts = list(book["Điểm UBND cấp huyện"].iter_rows(values_only=True))
    # the units' rows (under them, a line says how a penalty criterion's column is written)
    assert [r[0] for r in departments[6:] if r[0]] == ["so-tu-phap", "so-y-te"]
    assert [r[0] for r in districts[6:] if r[0]] == ["h-cho-gao", "h-cai-be"]
    assert departments[3][2] == districts[3][2] == "1.1.1"
    assert departments[4][2] == "Ban hành kế hoạch CCHC năm" and districts[4][2] == DISTRICT_1_1_1
    assert districts[1][0].startswith(DISTRICT_SET_NAME)
    cai_be = next(r for r in districts if r[0] == "h-cai-be")
    assert _d(cai_be[2:5]) == (Decimal("0"), Decimal("1"), Decimal("0"))  # its own scores, in its own columns


def test_sheet_names_are_unique_without_regard_to_case_and_fit_excel() -> None:
    used: set[str] = set()
    first = exports._sheet_title("Khối huyện", used)
    second = exports._sheet_title("KHỐI HUYỆN", used)
    long = exports._sheet_title("Bộ chỉ số thử nghiệm cấp huyện, thị xã, thành phố", used)
    assert (first, second) == ("Khối huyện", "KHỐI HUYỆN (2)")
    assert long == "Bộ chỉ số thử nghiệm cấp huyện" and len(long) <= 31


def test_open_data_json_gives_each_set_its_own_areas(two_set_publication: Publication) -> None:
    doc = json.loads(_download("/ket-qua/2020/ket-qua.json"))
    areas = {s["key"]: {a["code"]: a["name"] for a in s["areas"]} for s in doc["indicator_sets"]}
    assert areas["test-set"]["1"] == "Công tác chỉ đạo, điều hành CCHC"
    assert areas["test-set-huyen"]["1"] == "Chỉ đạo, điều hành CCHC cấp huyện"
    assert [a["code"] for a in doc["areas"]] == ["1", "2"]  # kept as it was (schema cchc-ket-qua/1 only adds)


# --- numbers are never formula-guarded ---------------------------------------------------------------------


def test_a_negative_score_is_a_plain_number_in_the_criteria_csv(cycle: Cycle, admin_user: Any) -> None:
    from tests.publication.conftest import finalisation_phase, sign_off_unit

    sign_off_unit(cycle, "so-y-te", {"1.1.1": {"option": "none"}})  # «Không ban hành»: −1
    cycle_publish(cycle=finalisation_phase(cycle), document_number="-1 Công văn",
                  document_date=datetime.date(2020, 12, 8), actor=admin_user)
    rows = list(csv.reader(io.StringIO(_download("/ket-qua/2020/diem-tieu-chi.csv").decode("utf-8-sig"))))
    first = next(r for r in rows[1:] if r[6] == "1.1.1")
    assert first[10] == "-1.00" and Decimal(first[10]) == Decimal("-1")


def test_negative_numbers_in_the_results_csv_are_not_guarded_but_text_is(publication: Publication) -> None:
    publication.snapshot["rows"][0].update(total="-0.50", index="-0.50", area_totals={"1": "-1.25", "2": "0.75"})
    publication.snapshot["rows"][0]["unit_name"] = "-Sở"
    header, first, *_ = list(exports.csv_rows(publication))
    row = dict(zip(header, first, strict=True))
    assert (row["chi_so"], row["tong_diem"], row["linh_vuc_1"]) == ("-0.50", "-0.50", "-1.25")
    assert row["ten_don_vi"] == "'-Sở"


def test_an_area_column_shared_by_two_sets_names_both_sets_areas(two_set_publication: Publication) -> None:
    book = load_workbook(io.BytesIO(_download("/ket-qua/2020/ket-qua.xlsx")))
    header = list(book["Theo lĩnh vực"].iter_rows(values_only=True))[4]
    assert header[2:4] == ("1. Công tác chỉ đạo, điều hành CCHC / Chỉ đạo, điều hành CCHC cấp huyện",
                           "2. Hiện đại hóa hành chính")


def test_the_pdf_report_draws_each_groups_areas_with_its_own_sets_names(two_set_publication: Publication) -> None:
    context = exports.report_context(two_set_publication)
    districts = next(t for t in context["tables"] if t.rows[0]["set_key"] == "test-set-huyen")
    departments = next(t for t in context["tables"] if t.rows[0]["set_key"] == "test-set")
    assert "1. Chỉ đạo, điều hành" in districts.area_chart and "1. Công tác" not in districts.area_chart
    assert "1. Công tác" in departments.area_chart and "1. Chỉ đạo" not in departments.area_chart
    assert context["area_labels"][0] == "1. Công tác chỉ đạo, điều hành CCHC / Chỉ đạo, điều hành CCHC cấp huyện"
