"""One rule for the unit's own index and class wherever they are shown (the sheet and its autosave, the report page,
the report workbook, the «Phiếu tự chấm»'s «Tổng hợp», the import preview): while some criteria are unscored the
index is «tạm tính» and no class is given (a blank or half-scored sheet is not «Yếu»); the class comes with the last
leaf scored and goes when one is cleared."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.exports import INDEX_FORMAT
from scoring.models import Assessment
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db

NONE_SCORED = "— (chưa chấm tiêu chí nào)"
HALF_SCORED = "— (xếp loại khi đã chấm đủ các tiêu chí)"
PROVISIONAL_INDEX = '0.00" (tạm tính)";"\u2212"0.00" (tạm tính)";0.00" (tạm tính)"'
BANDS = re.compile(r"Tốt|Khá|Trung bình|Yếu")


def _score(assessment: Assessment, actor: Any, codes: set[str] | None = None) -> None:
    """The leaves in `codes` (all when None) scored with the small set's values."""
    for line in assessment.lines.select_related("indicator"):
        if codes is None or line.indicator.code in codes:
            score_line_save_self(line=line, actor=actor, base_version=line.version,
                                 value=SMALL_SET_VALUES[line.indicator.code][0])


def _total(page: str, key: str) -> str:
    [found] = re.findall(rf'data-total="{key}">([^<]*)<', page)
    return found


def _report_index_and_class(page: str) -> tuple[str, str]:
    found = re.search(r"<td class=\"num\" data-self-index>([^<]*)</td><td data-self-class>([^<]*)</td>", page)
    assert found is not None
    return found.group(1), found.group(2)


def _report_workbook(client: Client, assessment: Assessment) -> Any:
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))["I. Tổng hợp điểm"]


def _labelled(ws: Any, label: str, column: int) -> Any:
    return next(row[column] for row in ws.iter_rows() if len(row) > column and row[1].value == label)


def test_a_sheet_with_one_leaf_scored_shows_a_provisional_index_and_no_class(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: 1 of the 9 leaves scored (1 point of 10: the set's lowest band by its index)
    _score(assessment, unit_editor, {"1.2.1"})
    client.force_login(unit_editor)

    # then: the sheet's summary
    sheet = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert _total(sheet, "classification") == HALF_SCORED
    assert _total(sheet, "index") == "1,00 (tạm tính)"
    # and the report page, the same words
    report = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    assert _report_index_and_class(report) == ("1,00 (tạm tính)", HALF_SCORED)
    # and the report workbook
    ws = _report_workbook(client, assessment)
    index = _labelled(ws, "Chỉ số tự đánh giá", 3)
    assert (index.value, index.number_format) == (1, PROVISIONAL_INDEX)
    assert _labelled(ws, "Xếp loại (tự đánh giá)", 3).value == HALF_SCORED


def test_the_autosave_gives_the_class_with_the_last_leaf_and_takes_it_back_when_one_is_cleared(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _score(assessment, unit_editor, set(SMALL_SET_VALUES) - {"1.2.1"})
    client.force_login(unit_editor)

    def save(code: str, data: dict[str, str]) -> dict[str, str]:
        line = assessment.lines.get(indicator__code=code)
        answer = client.post(reverse("scoring:line_save", args=[assessment.pk, line.pk]),
                             {"version": line.version, **{f"l{line.pk}-{k}": v for k, v in data.items()}},
                             HTTP_ACCEPT="application/json")
        assert answer.status_code == 200
        return answer.json()["totals"]["display"]

    # when the last leaf is scored: the class and the plain index
    display = save("1.2.1", {"value": "no"})
    assert (display["index"], display["classification"]) == ("5,58", "Yếu")
    # when a leaf is cleared again: provisional, no class
    display = save("1.2.3", {"points": ""})
    assert (display["index"], display["classification"]) == ("5,08 (tạm tính)", HALF_SCORED)
    page = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert (_total(page, "index"), _total(page, "classification")) == ("5,08 (tạm tính)", HALF_SCORED)


def test_an_empty_self_assessment_is_not_rated_in_the_report_or_the_workbooks(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)

    report = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    assert _report_index_and_class(report) == ("0,00 (tạm tính)", NONE_SCORED)
    assert not BANDS.search(report.split("<tfoot>")[1].split("</tfoot>")[0])

    ws = _report_workbook(client, assessment)
    index = _labelled(ws, "Chỉ số tự đánh giá", 3)
    assert (index.value, index.data_type, index.number_format) == (0, "n", PROVISIONAL_INDEX)
    assert _labelled(ws, "Xếp loại (tự đánh giá)", 3).value == NONE_SCORED

    totals = _download(client, assessment)["Tổng hợp"]
    index = _labelled(totals, "Chỉ số tự đánh giá", 2)
    assert (index.value, index.data_type, index.number_format) == (0, "n", PROVISIONAL_INDEX)
    assert _labelled(totals, "Xếp loại tự đánh giá", 2).value == NONE_SCORED


def test_the_workbooks_mark_the_index_in_the_language_of_the_download(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    index = _labelled(ws, "Self-assessment index", 3)
    assert index.number_format == '0.00" (provisional)";"\u2212"0.00" (provisional)";0.00" (provisional)"'
    assert _labelled(ws, "Rating (self-assessment)", 3).value == "— (no criterion scored yet)"


def test_a_fully_scored_self_assessment_is_rated_everywhere_with_a_plain_index(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _score(assessment, unit_editor)  # index 6,58: «Trung bình»
    client.force_login(unit_editor)

    sheet = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert (_total(sheet, "index"), _total(sheet, "classification")) == ("6,58", "Trung bình")
    report = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    assert _report_index_and_class(report) == ("6,58", "Trung bình")
    ws = _report_workbook(client, assessment)
    index = _labelled(ws, "Chỉ số tự đánh giá", 3)
    assert (float(index.value), index.number_format) == (6.58, INDEX_FORMAT)
    assert _labelled(ws, "Xếp loại (tự đánh giá)", 3).value == "Trung bình"
    totals = _download(client, assessment)["Tổng hợp"]
    assert _labelled(totals, "Chỉ số tự đánh giá", 2).number_format == INDEX_FORMAT
    assert _labelled(totals, "Xếp loại tự đánh giá", 2).value == "Trung bình"


def test_the_import_preview_rates_the_sheet_as_the_sheet_would(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: every leaf but 1.2.1 scored; the file answers 1.2.1
    _score(assessment, unit_editor, set(SMALL_SET_VALUES) - {"1.2.1"})
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    workbook.active.cell(row=_row_of(workbook.active, "1.2.1"), column=_col("yes_no"), value="Không")

    response = _upload(client, assessment, _as_upload(workbook))

    assert response.status_code == 200
    totals = {t.key: t for t in response.context["preview"].totals}
    assert (totals["index"].old_shown, totals["index"].new_shown) == ("5,58 (tạm tính)", "5,58")
    assert totals["index"].changed  # the same figure, no longer provisional
    assert (totals["classification"].old, totals["classification"].new) == (HALF_SCORED, "Yếu")
    body = response.content.decode()
    row = re.search(r'<tr data-total="classification"[^>]*>.*?</tr>', body, re.S)
    assert row is not None and HALF_SCORED in row.group(0) and "<strong>Yếu</strong>" in row.group(0)
    row = re.search(r'<tr data-total="index"[^>]*>.*?</tr>', body, re.S)
    assert row is not None and "5,58 (tạm tính)" in row.group(0)


def test_the_import_preview_of_a_blank_sheet_filled_in_part_gives_no_class(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    workbook.active.cell(row=_row_of(workbook.active, "1.2.1"), column=_col("yes_no"), value="Có")

    response = _upload(client, assessment, _as_upload(workbook))

    assert response.status_code == 200
    totals = {t.key: t for t in response.context["preview"].totals}
    assert (totals["classification"].old, totals["classification"].new) == (NONE_SCORED, HALF_SCORED)
    assert (totals["index"].old_shown, totals["index"].new_shown) == ("0,00 (tạm tính)", "1,00 (tạm tính)")
    table = response.content.decode().split('class="grid compact preview-totals"')[1].split("</table>")[0]
    assert not BANDS.search(table)
