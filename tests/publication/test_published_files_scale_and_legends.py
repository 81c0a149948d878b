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

from scoring.models import Publication
from scoring.publication import exports

pytestmark = pytest.mark.django_db

LONG_TITLE = ("Ban hành Kế hoạch cải cách hành chính năm của cơ quan đúng thời hạn, đầy đủ, trong đó xác định rõ nhiệm "
              "vụ, kết quả cần đạt và bố trí kinh phí thực hiện các nhiệm vụ trên từng lĩnh vực")


def _save(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(snapshot=publication.snapshot)


def _book(publication: Publication) -> Any:
    buffer = io.BytesIO()
    with translation.override("vi"):
        exports.official_workbook(publication, buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def _texts(ws: Any) -> list[str]:
    return [" ".join(str(v).split()) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]


# --- the workbook ------------------------------------------------------------------------------------------------


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
    # a set of several kinds whose name does not fit: its key
    assert exports.set_sheet_name(name, kinds=["A", "B"], key="tg-2020-huyen") == "Điểm tg-2020-huyen"
    # what fits is kept as before
    assert exports.set_sheet_name("Bộ Chỉ số CCHC của các sở, ban, ngành tỉnh") == "Điểm các sở, ban, ngành tỉnh"


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
