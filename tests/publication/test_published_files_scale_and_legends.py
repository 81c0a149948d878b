"""What a reader of the published files needs to read them alone, as the public page gives it: the grading scale
(each set's bands, per set where they differ) and the «Không gửi báo cáo tự đánh giá» marker's legend, in the PDF
report and under each ranking sheet of the workbook, in the page's words; the bonus written «+1,50» as on the page,
in the PDF and the workbook alike, the convention said; a criterion's whole title in the workbook (a long one cut
between words with «…» in the header cell, the whole title in the cell's comment); sheet names that fit Excel's 31
characters without losing words; and, on the English page, the Vietnamese-only official files' links saying so in
their own text."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from scoring.models import Publication
from scoring.publication import exports

pytestmark = pytest.mark.django_db

SCALE = ["Tốt: chỉ số từ 9,00 trở lên", "Khá: chỉ số từ 8,00 đến dưới 9,00",
         "Trung bình: chỉ số từ 6,50 đến dưới 8,00", "Yếu: chỉ số dưới 6,50"]
LEGEND = ("Không gửi báo cáo tự đánh giá: đơn vị không gửi bản tự đánh giá đúng hạn. Chỉ số của đơn vị được tính từ "
          "bản đánh giá đơn vị để lại khi quá hạn, do Tổ thẩm định thẩm định; tiêu chí đơn vị không chấm được 0 điểm.")
LONG_TITLE = ("Ban hành Kế hoạch cải cách hành chính năm của cơ quan đúng thời hạn, đầy đủ, trong đó xác định rõ nhiệm "
              "vụ, kết quả cần đạt và bố trí kinh phí thực hiện các nhiệm vụ trên từng lĩnh vực")


def _save(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(snapshot=publication.snapshot)


def _not_submitted(publication: Publication, code: str) -> None:
    next(r for r in publication.snapshot["rows"] if r["unit_code"] == code)["not_submitted"] = True
    _save(publication)


def _pdf_text(publication: Publication) -> str:
    reader = PdfReader(io.BytesIO(exports.pdf_report(publication)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _book(publication: Publication) -> Any:
    buffer = io.BytesIO()
    with translation.override("vi"):
        exports.official_workbook(publication, buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def _texts(ws: Any) -> list[str]:
    return [" ".join(str(v).split()) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]


# --- the PDF report ---------------------------------------------------------------------------------------------


def test_the_pdf_gives_the_grading_scale_and_the_not_submitted_legend_under_the_ranking(
    publication: Publication,
) -> None:
    _not_submitted(publication, "so-xay-dung")
    text = _pdf_text(publication)
    ranking = text.split("Biểu đồ xếp hạng theo chỉ số")[0]  # the first group's ranking table and what follows it
    assert "Thang xếp loại" in ranking
    for line in SCALE:
        assert line in ranking, line
    assert LEGEND in ranking


def test_the_pdf_says_no_legend_when_no_unit_was_handed_over(publication: Publication) -> None:
    text = _pdf_text(publication)
    assert "Không gửi báo cáo tự đánh giá" not in text
    assert SCALE[0] in text


def test_the_pdf_gives_each_sets_own_scale_where_the_sets_differ(two_set_publication: Publication) -> None:
    from tests.publication.conftest import DISTRICT_SET_NAME

    district = next(k for k, s in two_set_publication.snapshot["sets"].items() if s["name"] == DISTRICT_SET_NAME)
    two_set_publication.snapshot["sets"][district]["classification_bands"] = [
        {"label": "Tốt", "min": "9.50"}, {"label": "Khá", "min": "8.00"}, {"label": "Yếu", "min": "0.00"}]
    _save(two_set_publication)
    text = _pdf_text(two_set_publication)
    assert f"{DISTRICT_SET_NAME} Tốt: chỉ số từ 9,50 trở lên Khá: chỉ số từ 8,00 đến dưới 9,50" in text
    assert "Bộ chỉ số thử nghiệm Tốt: chỉ số từ 9,00 trở lên" in text


def test_the_pdf_writes_the_bonus_with_its_plus_sign_as_the_page_and_says_so(publication: Publication) -> None:
    text = _pdf_text(publication)
    # Sở Y tế: areas 3,38 and 2,70, bonus 1,50, penalty 1,00, index 6,58
    assert "Sở Y tế 3,38 2,70 +1,50 −1,00 6,58" in text
    assert "Cột «Điểm cộng» ghi số dương có dấu «+» (điểm được cộng), như trên trang kết quả" in text


# --- the workbook ------------------------------------------------------------------------------------------------


def test_each_ranking_sheet_gives_the_grading_scale_and_the_not_submitted_legend_under_its_table(
    publication: Publication,
) -> None:
    _not_submitted(publication, "so-xay-dung")
    book = _book(publication)
    ranking = _texts(book.worksheets[0])
    below = ranking[ranking.index("Sở Xây dựng") + 1:]
    assert "Thang xếp loại" in below
    assert [t for t in below if t in SCALE] == SCALE
    assert LEGEND in below
    # the area sheet, unchanged, comes after
    assert "Thang xếp loại" not in _texts(book["Theo lĩnh vực"])


def test_a_ranking_sheet_without_a_unit_handed_over_has_no_legend(publication: Publication) -> None:
    ranking = _texts(_book(publication).worksheets[0])
    assert "Thang xếp loại" in ranking and LEGEND not in ranking


def test_the_workbooks_bonus_is_signed_as_the_pdfs_and_the_convention_said(publication: Publication) -> None:
    ws = _book(publication)["Theo lĩnh vực"]
    rows = list(ws.iter_rows())
    header = next(r for r in rows if r[0].value == "Đơn vị")
    column = [c.value for c in header].index("Điểm cộng")
    y_te = next(r for r in rows if r[0].value == "Sở Y tế")
    assert float(y_te[column].value) == 1.5  # still a number
    assert y_te[column].number_format == exports.BONUS_FORMAT == "+0.00;-0.00;0.00"
    note = next(t for t in _texts(ws) if t.startswith("Cột «Điểm trừ»"))  # both conventions, above the table
    assert "Cột «Điểm cộng» ghi số dương có dấu «+» (điểm được cộng), như trên trang kết quả." in note


def test_a_long_criterion_title_is_cut_between_words_with_an_ellipsis_and_whole_in_the_cells_comment(
    publication: Publication,
) -> None:
    key = next(iter(publication.snapshot["sets"]))
    leaf = next(i for i in publication.snapshot["sets"][key]["indicators"] if i["code"] == "1.1.1")
    leaf["name"] = LONG_TITLE
    _save(publication)
    ws = _book(publication)["Bộ chỉ số thử nghiệm"]
    rows = list(ws.iter_rows())
    codes = next(r for r in rows if r[0].value == "Mã đơn vị")
    column = [c.value for c in codes].index("1.1.1")
    titles = next(r for r in rows if r[1].value == "Tiêu chí")
    cell = titles[column]
    assert cell.value.endswith("…") and len(cell.value) <= exports.CRITERION_HEAD_MAX + 1
    kept = cell.value[:-1]
    assert LONG_TITLE.startswith(kept) and LONG_TITLE[len(kept)] in " ,"  # a whole word, never «thự»
    assert cell.comment is not None and cell.comment.text == LONG_TITLE
    assert cell.alignment.wrap_text
    assert ws.column_dimensions[cell.column_letter].width >= 14
    # a short title is written whole, without a comment
    short = titles[column + 1]
    assert short.value == "Mức độ thực hiện kế hoạch" and short.comment is None
    # and the sheet says where the whole title is
    assert any("tên đầy đủ" in t for t in _texts(ws))


def test_the_tien_giang_district_sets_sheet_name_keeps_its_meaning_and_fits() -> None:
    name = "Bộ Chỉ số CCHC của UBND các huyện, thành phố, thị xã"
    short = exports.set_sheet_name(name, kinds=["UBND cấp huyện"])
    assert short == "Điểm UBND cấp huyện"
    # a set of several kinds whose name does not fit: its kinds, their shared first words said once (never its key)
    assert exports.set_sheet_name(name, kinds=["UBND cấp huyện", "UBND cấp xã"]) == "Điểm UBND cấp huyện, xã"
    assert exports.set_sheet_name(name, kinds=["Sở, ban, ngành", "Chi cục"]) == "Điểm Chi cục; Sở, ban, ngành"
    # kinds that do not fit either: the set's name cut between words, said cut
    long_kinds = ["Sở, ban, ngành tỉnh", "Cơ quan ngành dọc trung ương"]
    both = exports.set_sheet_name("Bộ Chỉ số CCHC của các sở, ban, ngành và cơ quan ngành dọc", kinds=long_kinds)
    assert both == "Điểm các sở, ban, ngành và cơ…" and len(both) <= exports.SHEET_NAME_MAX
    # what fits is kept as before
    assert exports.set_sheet_name("Bộ Chỉ số CCHC của các sở, ban, ngành tỉnh") == "Điểm các sở, ban, ngành tỉnh"


def test_a_set_of_several_unit_kinds_gets_a_sheet_named_after_them(two_set_publication: Publication) -> None:
    from tests.publication.conftest import DISTRICT_SET_NAME

    # given the districts' set scoring units of two kinds, its name too long for a sheet
    row = next(r for r in two_set_publication.snapshot["rows"] if r["unit_code"] == "h-cho-gao")
    row["unit_kind"] = "UBND thị xã"
    _save(two_set_publication)
    # when the workbook is built
    book = _book(two_set_publication)
    # then its sheet names the kinds, within Excel's 31 characters, every name once
    assert "Điểm UBND cấp huyện, thị xã" in book.sheetnames
    assert not any("test-set" in title for title in book.sheetnames)
    assert book["Điểm UBND cấp huyện, thị xã"]["A2"].value.startswith(DISTRICT_SET_NAME)
    assert all(len(title) <= exports.SHEET_NAME_MAX for title in book.sheetnames)
    assert len({t.casefold() for t in book.sheetnames}) == len(book.sheetnames)


def test_the_workbooks_sheet_names_never_lose_words(two_set_publication: Publication) -> None:
    from tests.publication.conftest import DISTRICT_SET_NAME

    group = two_set_publication.snapshot["groups"][0]
    long_group = "UBND các huyện, thị xã, thành phố thuộc tỉnh"
    group["name"] = long_group
    _save(two_set_publication)
    book = _book(two_set_publication)
    assert "Điểm UBND cấp huyện" in book.sheetnames  # the districts' set, its full name in its title row
    assert next(ws for ws in book.worksheets if ws.title == "Điểm UBND cấp huyện")["A2"].value.startswith(
        DISTRICT_SET_NAME)
    # a group's name too long: its code, the full name in the title row
    sheet = book[group["code"]]
    assert sheet["A2"].value == long_group
    assert book.sheetnames == [group["code"], "UBND cấp huyện — Cụm 1", "Theo lĩnh vực", "Bộ chỉ số thử nghiệm",
                               "Điểm UBND cấp huyện"]
