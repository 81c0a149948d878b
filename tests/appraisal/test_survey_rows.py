"""The survey import, second round: a CSV row split otherwise than its header (a decimal comma) is refused with
a row message, and the rows' problems are worded in the language of the page that shows them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from appraisal.models import SurveyImport
from appraisal.survey import problem_text, read_rows, survey_import_apply, survey_import_preview
from scoring.errors import ValidationFailed
from scoring.models import Assessment, ScoreLine

pytestmark = pytest.mark.django_db



def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _survey_score(cycle: Any, unit_code: str) -> Decimal | None:
    return ScoreLine.objects.get(assessment__cycle=cycle, assessment__unit__code=unit_code,
                                 indicator__code="1.2.3").appraised_score


# --- a row with more or fewer cells than the header -----------------------------------------------------------


def test_a_decimal_comma_in_a_comma_separated_file_refuses_its_row_and_the_file(
    survey_cycle: Any, admin_user: Any
) -> None:
    # given: a comma-separated file whose second row writes its points with a decimal comma, unquoted
    content = _csv("ma don vi,ma tieu chi,diem", "so-tai-chinh,1.2.3,0.25", "so-y-te,1.2.3,0,45")
    # when
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.csv", content=content, actor=admin_user)
    # then: the row is not read as 0 points, it is a problem that says why and what to do
    assert [r["unit_code"] for r in preview.rows] == ["so-tai-chinh"]
    assert len(preview.problems) == 1
    text = problem_text(preview.problems[0])
    assert text.startswith("Dòng 3: dòng có 4 ô nhưng tệp có 3 cột")
    assert "dấu phẩy thập phân" in text and '"0,45"' in text and "(0.45)" in text and "dấu chấm phẩy" in text
    with pytest.raises(ValidationFailed) as caught:
        survey_import_apply(survey_import=preview, actor=admin_user)
    assert caught.value.code == "import_has_problems" and "Dòng 3" in caught.value.details[0]
    assert _survey_score(survey_cycle, "so-y-te") is None and _survey_score(survey_cycle, "so-tai-chinh") is None


def test_a_row_with_fewer_cells_or_a_headerless_row_with_more_is_refused(
    survey_cycle: Any, admin_user: Any
) -> None:
    short = survey_import_preview(cycle=survey_cycle, file_name="a.csv", actor=admin_user,
                                  content=_csv("ma don vi,ma tieu chi,diem", "so-y-te,1.2.3"))
    assert short.rows == [] and "dòng có 2 ô nhưng tệp có 3 cột" in problem_text(short.problems[0])
    headerless = survey_import_preview(cycle=survey_cycle, file_name="b.csv", actor=admin_user,
                                       content=_csv("so-tai-chinh,1.2.3,0.25", "so-y-te,1.2.3,0,45"))
    assert [r["unit_code"] for r in headerless.rows] == ["so-tai-chinh"]
    assert problem_text(headerless.problems[0]).startswith("Dòng 2: dòng có 4 ô nhưng tệp có 3 cột")


def test_a_quoted_decimal_comma_a_semicolon_file_and_trailing_empty_cells_are_read(
    survey_cycle: Any, admin_user: Any
) -> None:
    quoted = survey_import_preview(cycle=survey_cycle, file_name="a.csv", actor=admin_user,
                                   content=_csv("ma don vi,ma tieu chi,diem,", 'so-y-te,1.2.3,"0,45",',
                                                "so-tai-chinh,1.2.3,0.25,"))
    assert quoted.problems == [] and [r["score"] for r in quoted.rows] == ["0.45", "0.25"]
    rows = read_rows("b.csv", _csv("mã đơn vị;mã tiêu chí;điểm", "so-y-te;1.2.3;0,45"))
    assert [(r.points, r.cells, r.expected) for r in rows] == [("0,45", 3, 3)]
    assert survey_import_apply(survey_import=quoted, actor=admin_user) == 2
    assert _survey_score(survey_cycle, "so-y-te") == Decimal("0.45")


def test_an_xlsx_row_keeps_its_columns_as_its_cells_say(survey_cycle: Any, admin_user: Any) -> None:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    for row in (["mã đơn vị", "mã tiêu chí", "điểm", "ghi chú"], ["so-y-te", "1.2.3", "0,45"],
                ["so-tai-chinh", "1.2.3", 0.25, "đợt 1"]):
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    preview = survey_import_preview(cycle=survey_cycle, file_name="c.xlsx", content=out.getvalue(), actor=admin_user)
    assert preview.problems == [] and [r["score"] for r in preview.rows] == ["0.45", "0.25"]


# --- the rows' problems in the reader's language ---------------------------------------------------------------


def _preview_in_english(cycle: Any, admin_user: Any) -> SurveyImport:
    content = _csv("mã đơn vị;mã tiêu chí;điểm", "so-khong-co;1.2.3;0,5", "so-tai-chinh;1.2.3;abc",
                   "so-xay-dung;1.2.3;0,5")
    with translation.override("en"):
        return survey_import_preview(cycle=cycle, file_name="dot-1.csv", content=content, actor=admin_user)


def test_row_problems_stored_by_an_english_uploader_read_in_vietnamese_and_in_english(
    survey_cycle: Any, admin_user: Any
) -> None:
    # given: the file was checked while its uploader read the site in English
    survey = _preview_in_english(survey_cycle, admin_user)
    client = Client()
    client.force_login(admin_user)
    url = f"/tham-dinh/dieu-tra/{survey.pk}/"
    # when: the page is read in Vietnamese
    html = client.get(url).content.decode()
    # then: every row problem is in Vietnamese, the state as the site names it
    assert "Dòng 2: không có đơn vị mã «so-khong-co»." in html
    assert "Dòng 3: Giá trị phải là một số." in html
    assert "Dòng 4: bản đánh giá của «Sở Xây dựng» đang ở trạng thái «Đang tự đánh giá»." in html
    assert "Row " not in html and "The value must be a number" not in html
    # and in English, the whole page is English, the row problems too
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(url).content.decode()
    assert "The file has 3 errors" in html
    assert "Row 2: there is no unit with code “so-khong-co”." in html
    assert "Row 3: The value must be a number." in html
    with translation.override("en"):
        state = str(Assessment.State.DRAFT.label)
    assert "Row 4:" in html and state in html and "Dòng " not in html


def test_a_refused_apply_lists_the_row_problems_in_the_readers_language(survey_cycle: Any, admin_user: Any) -> None:
    survey = _preview_in_english(survey_cycle, admin_user)
    with pytest.raises(ValidationFailed) as caught:
        survey_import_apply(survey_import=survey, actor=admin_user)
    assert caught.value.details[0] == "Dòng 2: không có đơn vị mã «so-khong-co»."


def test_a_preview_stored_as_text_before_is_shown_as_it_is(survey_cycle: Any, admin_user: Any) -> None:
    survey = SurveyImport.objects.create(cycle=survey_cycle, file_name="cu.csv", sha256="0" * 64, rows=[],
                                         problems=["Dòng 2: không có đơn vị mã «x»."], created_by=admin_user)
    client = Client()
    client.force_login(admin_user)
    assert "Dòng 2: không có đơn vị mã «x»." in client.get(f"/tham-dinh/dieu-tra/{survey.pk}/").content.decode()


def test_the_preview_table_scrolls_inside_its_box_on_a_narrow_screen(survey_cycle: Any, admin_user: Any) -> None:
    survey = _preview_in_english(survey_cycle, admin_user)
    client = Client()
    client.force_login(admin_user)
    html = client.get(f"/tham-dinh/dieu-tra/{survey.pk}/").content.decode()
    box = html.split('<div class="table-scroll"')[1]
    assert box.split(">", 1)[1].lstrip().startswith('<table class="grid compact preview">')
