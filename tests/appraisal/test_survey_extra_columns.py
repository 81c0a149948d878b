"""The survey import with more columns than the three it reads (a notes column): the columns are the header's; a
row with more cells than the header is refused; a decimal comma written unquoted in a comma-separated file, split
into the points cell and the notes cell after it, is refused as ambiguous instead of read as the whole number."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from appraisal.survey import problem_text, read_rows, survey_import_apply, survey_import_preview
from scoring.errors import ValidationFailed
from scoring.models import ScoreLine

pytestmark = pytest.mark.django_db

NOTES_HEADER = "mã đơn vị,mã tiêu chí,điểm,ghi chú"


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _survey_score(cycle: Any, unit_code: str) -> Decimal | None:
    return ScoreLine.objects.get(assessment__cycle=cycle, assessment__unit__code=unit_code,
                                 indicator__code="1.2.3").appraised_score


def test_a_decimal_comma_split_into_the_notes_column_is_refused_as_ambiguous(
    survey_cycle: Any, admin_user: Any
) -> None:
    # given: a notes column, and a row whose 0,45 is unquoted (its notes empty: the split fills them)
    content = _csv(NOTES_HEADER, "so-tai-chinh,1.2.3,0.25,đợt 1", "so-y-te,1.2.3,0,45")
    # when
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.csv", content=content, actor=admin_user)
    # then: the row is not read as 0 points with «45» as its notes; it is a problem naming the row and the fix
    assert [r["unit_code"] for r in preview.rows] == ["so-tai-chinh"]
    assert len(preview.problems) == 1
    text = problem_text(preview.problems[0])
    assert text.startswith("Dòng 3: điểm «0» và ô «45» của cột «ghi chú»")
    assert "dấu phẩy thập phân" in text and '"0,45"' in text and "(0.45)" in text
    with pytest.raises(ValidationFailed) as caught:
        survey_import_apply(survey_import=preview, actor=admin_user)
    assert caught.value.code == "import_has_problems" and caught.value.details[0].startswith("Dòng 3:")
    assert _survey_score(survey_cycle, "so-y-te") is None and _survey_score(survey_cycle, "so-tai-chinh") is None


def test_a_row_with_more_cells_than_the_header_is_refused_naming_the_row(survey_cycle: Any, admin_user: Any) -> None:
    content = _csv(NOTES_HEADER, "so-tai-chinh,1.2.3,0.25,", "so-y-te,1.2.3,0,45,đợt 1")
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.csv", content=content, actor=admin_user)
    assert [r["unit_code"] for r in preview.rows] == ["so-tai-chinh"]
    assert len(preview.problems) == 1
    assert problem_text(preview.problems[0]).startswith("Dòng 3: dòng có 5 ô nhưng tệp có 4 cột, nên không rõ")


def test_a_well_formed_file_with_a_notes_column_imports(survey_cycle: Any, admin_user: Any) -> None:
    # given: notes filled, empty with its separator, or left off; a decimal comma quoted; an integer with a note
    content = _csv(
        NOTES_HEADER,
        "so-y-te,1.2.3,0.45,đợt 1",
        'so-tai-chinh,1.2.3,"0,25",',
        "so-xay-dung,1.2.3,0",
    )
    rows = read_rows("dot-1.csv", content)
    assert [(r.unit_code, r.points) for r in rows] == [("so-y-te", "0.45"), ("so-tai-chinh", "0,25"),
                                                       ("so-xay-dung", "0")]
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.csv",
                                    content=_csv(*content.decode().splitlines()[:3]), actor=admin_user)
    # when
    assert preview.problems == [] and [r["score"] for r in preview.rows] == ["0.45", "0.25"]
    assert survey_import_apply(survey_import=preview, actor=admin_user) == 2
    # then
    assert _survey_score(survey_cycle, "so-y-te") == Decimal("0.45")
    assert _survey_score(survey_cycle, "so-tai-chinh") == Decimal("0.25")


def test_a_whole_number_next_to_a_number_is_read_when_either_is_quoted_or_the_note_is_not_a_number(
    survey_cycle: Any, admin_user: Any
) -> None:
    # quoted, neither cell can be half of a split decimal comma
    content = _csv(NOTES_HEADER, 'so-y-te,1.2.3,"0",45', 'so-tai-chinh,1.2.3,0,"12"')
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.csv", content=content, actor=admin_user)
    assert preview.problems == [] and [r["score"] for r in preview.rows] == ["0.00", "0.00"]
    # a note that is not all digits, a value with a decimal point
    rows = read_rows("a.csv", _csv(NOTES_HEADER, "so-y-te,1.2.3,0,đợt 2", "so-tai-chinh,1.2.3,0.5,45"))
    preview = survey_import_preview(cycle=survey_cycle, file_name="a.csv", actor=admin_user,
                                    content=_csv(NOTES_HEADER, "so-y-te,1.2.3,0,đợt 2", "so-tai-chinh,1.2.3,0.5,45"))
    assert preview.problems == [] and [r.points for r in rows] == ["0", "0.5"]


def test_a_semicolon_file_and_a_column_after_the_points_that_is_read_are_not_ambiguous(
    survey_cycle: Any, admin_user: Any
) -> None:
    # a semicolon-separated file keeps its decimal comma in one cell
    semicolon = survey_import_preview(cycle=survey_cycle, file_name="a.csv", actor=admin_user,
                                      content=_csv("mã đơn vị;mã tiêu chí;điểm;ghi chú", "so-y-te;1.2.3;0;45"))
    assert semicolon.problems == [] and [r["score"] for r in semicolon.rows] == ["0.00"]
    # the column after the points is not a notes column: a split would show as one cell too many
    rows = read_rows("b.csv", _csv("mã đơn vị,điểm,mã tiêu chí", "so-y-te,0,45"))
    assert [(r.points, r.indicator_code) for r in rows] == [("0", "45")]


def test_a_row_missing_a_column_it_needs_is_still_refused(survey_cycle: Any, admin_user: Any) -> None:
    content = _csv(NOTES_HEADER, "so-y-te,1.2.3")
    preview = survey_import_preview(cycle=survey_cycle, file_name="a.csv", content=content, actor=admin_user)
    assert preview.rows == []
    assert problem_text(preview.problems[0]).startswith("Dòng 2: dòng có 2 ô nhưng tệp có 4 cột")


def test_the_import_page_says_other_columns_are_not_read(client: Any, admin_user: Any) -> None:
    from django.urls import reverse

    client.force_login(admin_user)
    page = client.get(reverse("appraisal:survey_import")).content.decode()
    assert "Các cột khác (ví dụ «ghi chú») không được đọc" in page
