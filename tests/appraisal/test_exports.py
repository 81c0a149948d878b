"""The appraisal team's Excel before publication: the per-unit appraisal workbook («Bảng tổng hợp kết quả thẩm
định») and the per-cycle preliminary table («Kết quả chưa công bố»), their permissions and their figures, which
must be the engine's."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal import selectors as appraisal_selectors
from appraisal.services import assessment_sign_off, line_appraise
from scoring.exports import KPS_FILL, XLSX_TYPE
from scoring.models import Assessment, IndexResult, ScoreLine, Unit
from scoring.selectors import not_applicable_credit
from scoring.services import assessment_compute, assessments_open
from tests.appraisal.conftest import appraise_all, flagged_line, line_of, refresh, self_score, submit
from tests.conftest import _user

pytestmark = pytest.mark.django_db

CODE_COLUMN, NAME, MAX, SELF, APPRAISED, DIFFERENCE, NOTE, KPS, EXPLANATION = range(1, 10)


def _kps(assessment: Any, code: str = "1.2.2") -> None:
    """The unit declares leaf `code` «không phát sinh» (as the review page's own KPS tests do)."""
    ScoreLine.objects.filter(assessment=assessment, indicator__code=code).update(
        not_applicable=True, not_applicable_reason="Không có đợt kiểm tra", self_value=None, self_score=None)


@pytest.fixture
def in_appraisal(submitted: Any, lead: Any) -> Any:
    """Sở Y tế: 1.2.2 declared KPS and accepted, every other leaf accepted, 2.1.1 lowered with a reason."""
    _kps(submitted)
    appraise_all(refresh(submitted), lead)
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"numerator": 40, "denominator": 100},
                  note="Số liệu văn bản điện tử chưa khớp hệ thống")
    return refresh(submitted)


def _workbook(response: Any) -> Any:
    return load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                    else response.content))


def _n(cell: Any) -> Decimal | None:
    """A number cell as a Decimal (openpyxl reads numbers as float or int)."""
    value = cell.value
    return None if value is None else Decimal(str(value))


def _rows_by_code(ws: Any) -> dict[str, tuple[Any, ...]]:
    return {str(row[0].value): row for row in ws.iter_rows(min_row=1) if row[0].value}


def _label_row(ws: Any, label: str) -> tuple[Any, ...]:
    for row in ws.iter_rows(min_row=1):
        if any(cell.value == label for cell in row):
            return row
    raise AssertionError(f"no row labelled {label!r}")


def _texts(ws: Any) -> str:
    return "\n".join(str(cell.value) for row in ws.iter_rows() for cell in row if cell.value is not None)


def _unit_url(assessment: Any) -> str:
    return reverse("appraisal:assessment_workbook", args=[assessment.pk])


# --- the per-unit workbook --------------------------------------------------------------------------------


def test_the_unit_workbook_is_an_attachment_named_after_the_unit_and_year_kept_private(
    client: Client, in_appraisal: Any, lead: Any
) -> None:
    client.force_login(lead)
    response = client.get(_unit_url(in_appraisal))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert "so-y-te" in response["Content-Disposition"] and "2020" in response["Content-Disposition"]
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_unit_workbook_writes_the_engines_figures_for_every_leaf_criterion_and_area(
    client: Client, in_appraisal: Any, lead: Any
) -> None:
    # given: the engine's appraised figures, as the review page computes them, and its self-score figures
    review = appraisal_selectors.review(assessment=in_appraisal, allowed=None)
    appraised = review.appraised_comp
    own = assessment_compute(assessment=in_appraisal, basis="self")
    assert appraised is not None
    # when
    client.force_login(lead)
    ws = _workbook(client.get(_unit_url(in_appraisal))).worksheets[0]
    rows = _rows_by_code(ws)
    # then: every node of the set, in order, with its max
    codes = [c for c in rows if c[0].isdigit()]
    assert codes == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "1.2.2", "1.2.3", "2", "2.1", "2.1.1", "2.1.2",
                     "2.2", "2.2.1", "2.3", "2.3.1"]
    assert rows["1"][NAME - 1].value.endswith("Công tác chỉ đạo, điều hành CCHC")
    assert _n(rows["1.2.2"][MAX - 1]) == Decimal("1.5")
    # a lowered leaf: both scores, the difference, the reason
    leaf = rows["2.1.1"]
    assert _n(leaf[SELF - 1]) == Decimal("1.7")
    assert _n(leaf[APPRAISED - 1]) == line_of(in_appraisal, "2.1.1").appraised_score
    assert _n(leaf[DIFFERENCE - 1]) == line_of(in_appraisal, "2.1.1").appraised_score - Decimal("1.7")
    assert leaf[NOTE - 1].value == "Số liệu văn bản điện tử chưa khớp hệ thống"
    # the accepted KPS leaf: the points the engine credits it, marked KPS on a tinted cell, and its state
    credit = not_applicable_credit(kind="normal", max_points=Decimal("1.5"), index_mode="points")
    kps = rows["1.2.2"]
    for column in (SELF, APPRAISED):
        assert _n(kps[column - 1]) == credit == Decimal("1.5")
        assert "KPS" in kps[column - 1].number_format
        assert kps[column - 1].fill.fgColor.rgb.endswith(KPS_FILL.fgColor.rgb[-6:])
    assert "chấp nhận" in kps[KPS - 1].value
    assert rows["1.1.1"][KPS - 1].value in (None, "")
    # area subtotals: the engine's
    for area in ("1", "2"):
        assert _n(rows[area][SELF - 1]) == own.area_totals[area]
        assert _n(rows[area][APPRAISED - 1]) == appraised.area_totals[area]
        assert _n(rows[area][DIFFERENCE - 1]) == appraised.area_totals[area] - own.area_totals[area]
    # bonus and penalty criteria: their capped points
    assert _n(rows["2.2"][APPRAISED - 1]) == appraised.bonus == Decimal("1.5")
    # a penalty is written as the deduction it is, as on the unit's sheet (stored positive)
    assert _n(rows["2.3"][APPRAISED - 1]) == -appraised.penalty == Decimal("-1")
    assert _n(rows["2.3.1"][SELF - 1]) == Decimal("-1") and _n(rows["2.3.1"][MAX - 1]) == Decimal("-2")
    # the totals block
    for label, field in (("Tổng điểm các lĩnh vực", "normal_total"), ("Điểm cộng", "bonus"), ("Điểm trừ", "penalty"),
                         ("Tổng điểm", "total")):
        row = _label_row(ws, label)
        sign = -1 if field == "penalty" else 1
        assert _n(row[SELF - 1]) == sign * getattr(own, field), label
        assert _n(row[APPRAISED - 1]) == sign * getattr(appraised, field), label
    # the column adds up: areas, bonus and (negative) penalty make the total
    for column in (SELF, APPRAISED):
        parts = [_n(_label_row(ws, label)[column - 1]) for label in ("Tổng điểm các lĩnh vực", "Điểm cộng", "Điểm trừ")]
        assert sum(parts) == _n(_label_row(ws, "Tổng điểm")[column - 1])
    index_row = _label_row(ws, "Chỉ số CCHC (tạm tính)")
    assert _n(index_row[SELF - 1]) == own.index
    assert _n(index_row[APPRAISED - 1]) == appraised.index
    assert _label_row(ws, "Xếp loại (tạm tính)")[APPRAISED - 1].value == appraised.classification
    # no formula anywhere: the numbers are the engine's, not Excel's
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def test_the_unit_workbook_is_marked_provisional_until_signed_off(client: Client, in_appraisal: Any, lead: Any) -> None:
    client.force_login(lead)
    ws = _workbook(client.get(_unit_url(in_appraisal))).worksheets[0]
    assert "TẠM TÍNH" in str(ws.cell(row=2, column=1).value)
    assert "Tổ trưởng Tổ thẩm định".upper() in _texts(ws).upper()
    assert "Thành viên Tổ thẩm định".upper() in _texts(ws).upper()
    assert "Sở Y tế" in _texts(ws) and "Bộ chỉ số thử nghiệm" in _texts(ws) and "Đang thẩm định" in _texts(ws)


def test_the_signed_off_workbook_carries_the_stored_index_rank_and_no_provisional_mark(
    client: Client, in_appraisal: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=in_appraisal, actor=lead)
    result = IndexResult.objects.get(assessment=in_appraisal)
    client.force_login(lead)
    ws = _workbook(client.get(_unit_url(in_appraisal))).worksheets[0]
    texts = _texts(ws)
    assert "TẠM TÍNH" not in texts.upper() and "tạm tính" not in texts
    assert _n(_label_row(ws, "Chỉ số CCHC")[APPRAISED - 1]) == result.index
    assert _n(_label_row(ws, "Tổng điểm")[APPRAISED - 1]) == result.total
    assert _n(_label_row(ws, "Điểm cộng")[APPRAISED - 1]) == result.bonus
    assert _n(_label_row(ws, "Điểm trừ")[APPRAISED - 1]) == -result.penalty
    assert _label_row(ws, "Xếp loại")[APPRAISED - 1].value == result.classification
    assert _label_row(ws, "Thứ hạng trong khối")[APPRAISED - 1].value == result.rank == 1


def test_the_unit_workbook_says_which_leaves_were_returned_for_an_explanation(
    client: Client, in_appraisal: Any, lead: Any
) -> None:
    flagged_line(in_appraisal, lead, "2.1.1")
    client.force_login(lead)
    rows = _rows_by_code(_workbook(client.get(_unit_url(in_appraisal))).worksheets[0])
    assert "Yêu cầu giải trình" in rows["2.1.1"][EXPLANATION - 1].value
    assert "chưa giải trình" in rows["2.1.1"][EXPLANATION - 1].value
    assert rows["1.1.1"][EXPLANATION - 1].value in (None, "")


def test_a_member_assigned_to_the_unit_and_an_administrator_may_download_it(
    client: Client, in_appraisal: Any, appraiser: Any, admin_user: Any
) -> None:
    for user in (appraiser, admin_user):
        client.force_login(user)
        assert client.get(_unit_url(in_appraisal)).status_code == 200


def test_the_units_people_a_member_not_assigned_and_the_signed_out_may_not(
    client: Client, in_appraisal: Any, unit_editor: Any, unit_head: Any
) -> None:
    assert client.get(_unit_url(in_appraisal)).status_code == 302  # to the login page
    stranger = _user("vinh", "appraiser", "so-xay-dung")  # on the team, not assigned in this cycle
    for user in (unit_editor, unit_head, stranger):
        client.force_login(user)
        response = client.get(_unit_url(in_appraisal))
        assert response.status_code in (403, 404), user
        assert response.get("Content-Type") != XLSX_TYPE


def test_before_the_appraisal_starts_there_is_no_appraisal_workbook(client: Client, submitted: Any, lead: Any) -> None:
    client.force_login(lead)
    response = client.get(_unit_url(submitted))
    assert response.status_code == 409
    assert response.get("Content-Type") != XLSX_TYPE


def test_the_result_page_links_the_workbook_for_the_team_only(
    client: Client, in_appraisal: Any, lead: Any, unit_editor: Any
) -> None:
    url = reverse("appraisal:result", args=[in_appraisal.pk])
    client.force_login(lead)
    assert _unit_url(in_appraisal) in client.get(url).content.decode()
    client.force_login(unit_editor)
    assert _unit_url(in_appraisal) not in client.get(url).content.decode()


# --- the per-cycle preliminary table ----------------------------------------------------------------------


@pytest.fixture
def cycle_in_progress(cycle: Any, in_appraisal: Any, unit_editor: Any, unit_head: Any, lead: Any,
                      django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Sở Y tế signed off (KPS, bonus and penalty), Sở Xây dựng signed off as self-scored, Sở Tài chính submitted,
    Sở Công Thương still a draft."""
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=in_appraisal, actor=lead)
    out = {"so-y-te": refresh(in_appraisal)}
    for code in ("so-xay-dung", "so-tai-chinh", "so-cong-thuong"):
        assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        if code != "so-cong-thuong":
            self_score(assessment, unit_editor)
            submit(assessment, unit_head)
        if code == "so-xay-dung":
            appraise_all(assessment, lead)
            with django_capture_on_commit_callbacks(execute=True):
                assessment_sign_off(assessment=refresh(assessment), actor=lead)
        out[code] = refresh(assessment)
    return out


def _cycle_url(cycle: Any) -> str:
    return reverse("appraisal:cycle_workbook", args=[cycle.pk])


def test_the_cycle_table_has_a_sheet_per_group_with_the_engines_figures(
    client: Client, cycle: Any, cycle_in_progress: Any, lead: Any
) -> None:
    client.force_login(lead)
    response = client.get(_cycle_url(cycle))
    assert response.status_code == 200
    assert "2020" in response["Content-Disposition"] and "attachment" in response["Content-Disposition"]
    assert "private" in response["Cache-Control"]
    wb = _workbook(response)
    assert wb.sheetnames == ["Sở, ban, ngành tỉnh", "Theo lĩnh vực"]
    ws = wb["Sở, ban, ngành tỉnh"]
    assert "Kết quả chưa công bố".upper() in _texts(ws).upper()
    rows = {row[2].value: row for row in ws.iter_rows(min_row=1) if str(row[1].value or "").startswith("so-")}
    assert set(rows) == {"Sở Y tế", "Sở Xây dựng", "Sở Tài chính", "Sở Công Thương"}
    # STT, code, unit, state, self total, appraised index, provisional rank, classification
    for code, assessment in cycle_in_progress.items():
        row = rows[assessment.unit.name]
        assert row[3].value == str(assessment.get_state_display())
        if assessment.state == Assessment.State.DRAFT:
            assert row[4].value is None  # the unit's work in progress is not the team's to read
        else:
            assert _n(row[4]) == assessment_compute(assessment=assessment, basis="self").total, code
        if assessment.state == Assessment.State.SIGNED_OFF:
            result = IndexResult.objects.get(assessment=assessment)
            assert (_n(row[5]), row[6].value, row[7].value) == (result.index, result.rank, result.classification)
        else:
            assert (row[5].value, row[6].value) == (None, None)
    # ranked among the signed-off ones only: Sở Xây dựng (6.58) above Sở Y tế (6.50: 2.1.1 lowered)
    assert rows["Sở Xây dựng"][6].value == 1 and rows["Sở Y tế"][6].value == 2


def test_the_cycle_tables_area_sheet_has_the_engines_area_points(
    client: Client, cycle: Any, cycle_in_progress: Any, lead: Any
) -> None:
    client.force_login(lead)
    ws = _workbook(client.get(_cycle_url(cycle)))["Theo lĩnh vực"]
    assert "Kết quả chưa công bố".upper() in _texts(ws).upper()
    header = next(row for row in ws.iter_rows() if row[0].value == "Mã đơn vị")
    titles = [cell.value for cell in header]
    first = titles.index("1. Công tác chỉ đạo, điều hành CCHC")
    assert titles[first + 1] == "2. Hiện đại hóa hành chính"
    rows = {row[0].value: row for row in ws.iter_rows() if row[0].value in cycle_in_progress}
    result = IndexResult.objects.get(assessment=cycle_in_progress["so-y-te"])
    mine = rows["so-y-te"]
    assert _n(mine[first]) == Decimal(result.area_totals["1"])
    assert _n(mine[first + 1]) == Decimal(result.area_totals["2"])
    assert (_n(mine[first + 2]), _n(mine[first + 3]), _n(mine[first + 4])) == (
        result.bonus, -result.penalty, result.index)
    # a deduction, as on the unit's sheet: the areas, the bonus and the penalty add up to the index (points mode)
    assert _n(mine[first]) + _n(mine[first + 1]) + _n(mine[first + 2]) + _n(mine[first + 3]) == result.index
    assert rows["so-tai-chinh"][first].value is None


def test_the_cycle_table_is_for_the_lead_and_administrators_only(
    client: Client, cycle: Any, cycle_in_progress: Any, appraiser: Any, unit_editor: Any, admin_user: Any
) -> None:
    assert client.get(_cycle_url(cycle)).status_code == 302
    for user in (appraiser, unit_editor):
        client.force_login(user)
        assert client.get(_cycle_url(cycle)).status_code == 403
    client.force_login(admin_user)
    assert client.get(_cycle_url(cycle)).status_code == 200


def test_the_queue_links_the_cycle_table_for_the_lead_only(
    client: Client, cycle: Any, in_appraisal: Any, lead: Any, appraiser: Any
) -> None:
    queue = reverse("appraisal:queue") + f"?ky={cycle.pk}"
    client.force_login(lead)
    assert _cycle_url(cycle) in client.get(queue).content.decode()
    client.force_login(appraiser)
    assert _cycle_url(cycle) not in client.get(queue).content.decode()


def test_the_cycle_table_is_streamed_and_its_queries_do_not_grow_with_the_units(
    client: Client, cycle: Any, cycle_in_progress: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(lead)
    client.get(_cycle_url(cycle))  # the session and the sets' skeletons read once
    with CaptureQueriesContext(connection) as before:
        response = client.get(_cycle_url(cycle))
    assert response.streaming
    for code in ("so-tu-phap", "so-giao-thong-van-tai"):
        more = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(more, unit_editor)
        submit(more, unit_head)
    with CaptureQueriesContext(connection) as after:
        client.get(_cycle_url(cycle))
    assert len(after.captured_queries) == len(before.captured_queries)


def test_in_percent_mode_a_kps_leaf_is_a_marked_blank_and_the_index_is_the_engines(
    client: Client, in_appraisal: Any, lead: Any
) -> None:
    from scoring.models import IndicatorSet

    IndicatorSet.objects.filter(pk=in_appraisal.indicator_set_id).update(index_mode="percent")
    assessment = refresh(in_appraisal)
    appraised = appraisal_selectors.review(assessment=assessment, allowed=None).appraised_comp
    assert appraised is not None
    client.force_login(lead)
    ws = _workbook(client.get(_unit_url(assessment))).worksheets[0]
    kps = _rows_by_code(ws)["1.2.2"]
    for column in (SELF, APPRAISED):
        assert kps[column - 1].value is None
        assert kps[column - 1].fill.fgColor.rgb.endswith(KPS_FILL.fgColor.rgb[-6:])
    assert _n(_label_row(ws, "Điểm tối đa áp dụng")[APPRAISED - 1]) == appraised.applicable_max == Decimal("8.5")
    assert _n(_label_row(ws, "Chỉ số CCHC (tạm tính)")[APPRAISED - 1]) == appraised.index
    assert "không tính vào điểm đạt và điểm tối đa" in _texts(ws)


def test_the_review_page_links_the_workbook_once_the_appraisal_started(
    client: Client, in_appraisal: Any, lead: Any
) -> None:
    client.force_login(lead)
    page = client.get(reverse("appraisal:review", args=[in_appraisal.pk])).content.decode()
    assert _unit_url(in_appraisal) in page


def test_the_review_page_has_no_workbook_link_before_the_appraisal(client: Client, submitted: Any, lead: Any) -> None:
    client.force_login(lead)
    page = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    assert _unit_url(submitted) not in page  # there is none yet (409)
