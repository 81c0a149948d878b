"""An offline sheet is not blocked by rows the officer never touched: the download keeps each row's fillable cells
on a very hidden companion sheet, and a row still as downloaded is skipped, even when its leaf was changed on the
system since (the colleague's change stays). Only a row edited in the file AND changed on the system is a conflict.
Files downloaded before the companion existed are read as before."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.exports import DOWNLOADED_MARKER
from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _colleague_changes(assessment: Assessment, colleague: Any) -> None:
    """On the web, after the download: 1.2.1 answered «Có», 1.1.2 given its ratio."""
    for code, value in (("1.2.1", {"value": True}), ("1.1.2", {"numerator": 1, "denominator": 2})):
        line = _line(assessment, code)
        score_line_save_self(line=line, actor=colleague, base_version=line.version, value=value)


def _put(ws: Any, code: str, **cells: Any) -> None:
    for key, value in cells.items():
        ws.cell(row=_row_of(ws, code), column=_col(key)).value = value  # None empties the cell


def test_rows_left_as_downloaded_are_skipped_though_changed_on_the_system_and_the_rest_applies(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given a downloaded sheet, then a colleague's changes on the web
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _colleague_changes(assessment, unit_head)
    # when the officer fills only 1.2.3 offline and uploads the file
    _put(workbook.active, "1.2.3", points=0.5)
    response = _upload(client, assessment, _as_upload(workbook))
    # then only 1.2.3 is a change; the rows the officer did not touch are neither changes nor conflicts
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(row.code, row.errors) for row in preview.rows] == [("1.2.3", [])]
    # they are listed beside the stored values, to be chosen, not applied
    assert [(row.code, row.old_summary, row.new_summary) for row in preview.newer_on_system] == [
        ("1.1.2", "1 / 2", "(chưa chấm)"), ("1.2.1", "Có", "(chưa chấm)")]
    body = response.content.decode()
    assert "Tiêu chí này đã được sửa trên hệ thống sau khi tải tệp về" not in body
    assert 'name="take"' in body and "Dùng giá trị trong tệp" in body
    # and applying it (nothing chosen) writes 1.2.3 and keeps the colleague's values
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302
    assert _line(assessment, "1.2.3").self_score == Decimal("0.50")
    assert _line(assessment, "1.2.1").self_value == {"value": True}
    assert _line(assessment, "1.1.2").self_value == {"numerator": "1", "denominator": "2"}


def test_a_row_edited_in_the_file_and_changed_on_the_system_is_the_only_conflict(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given the tester's steps: the colleague changes 1.2.1 and 1.1.2; offline, 1.2.3 filled and a note on 1.1.2
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _colleague_changes(assessment, unit_head)
    _put(workbook.active, "1.2.3", points=0.5)
    _put(workbook.active, "1.1.2", note="Đã rà soát kế hoạch")
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then 1.1.2 (edited on both sides) is the one conflict; 1.2.1 is skipped; 1.2.3 is a clean change
    assert response.status_code == 400
    preview = response.context["preview"]
    rows = {row.code: row for row in preview.rows}
    assert sorted(rows) == ["1.1.2", "1.2.3"]
    assert rows["1.2.3"].errors == []
    (conflict,) = rows["1.1.2"].errors
    assert conflict.startswith("Tiêu chí này đã được sửa trên hệ thống sau khi tải tệp về (phiên bản 1 → 2), và "
                               "dòng này cũng được sửa trong tệp.")
    assert preview.error_count == 1 and [row.code for row in preview.newer_on_system] == ["1.2.1"]
    # nothing is written, the colleague's note-less value stands
    assert _line(assessment, "1.1.2").self_note == ""
    assert _line(assessment, "1.2.3").self_score is None


def test_a_row_put_back_as_downloaded_no_longer_blocks_the_others(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given values stored before the download (a ratio, «Có», a note), and the colleague's changes after it
    line = _line(assessment, "1.1.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version,
                         value={"numerator": 45, "denominator": 50}, note="Ghi chú")
    line = _line(assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": True})
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _colleague_changes(assessment, unit_head)
    # when the officer retypes the same things (a number as a decimal, «có» in lower case, the note trimmed)
    _put(workbook.active, "1.1.2", numerator=45.0, denominator=50, note="Ghi chú  ")
    _put(workbook.active, "1.2.1", yes_no="có")
    _put(workbook.active, "1.2.3", points=0.25)
    response = _upload(client, assessment, _as_upload(workbook))
    # then those rows read as left as downloaded: only 1.2.3 changes, nothing blocks it
    assert response.status_code == 200
    assert [row.code for row in response.context["preview"].rows] == ["1.2.3"]


def test_a_file_without_the_downloaded_values_is_compared_row_by_row_as_before(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given a file as downloaded before the companion sheet existed
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    workbook.remove(next(ws for ws in workbook.worksheets if ws.sheet_state == "veryHidden"))
    _colleague_changes(assessment, unit_head)
    _put(workbook.active, "1.2.3", points=0.5)
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then every row differing from what is stored is listed, the ones changed since the download as stale
    assert response.status_code == 400
    rows = {row.code: row for row in response.context["preview"].rows}
    assert sorted(rows) == ["1.1.2", "1.2.1", "1.2.3"]
    assert rows["1.2.1"].errors == ["Tiêu chí này đã được sửa trên hệ thống sau khi tải tệp về (phiên bản 1 → 2); "
                                    "hãy tải phiếu mới."]


def test_the_downloaded_values_are_on_a_very_hidden_protected_sheet_named_for_the_assessment(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.3")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"points": "0.5"},
                         note="=1+1")
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    assert workbook.active is workbook.worksheets[0]  # the sheet people fill is still the one shown
    (kept,) = [ws for ws in workbook.worksheets if ws.sheet_state == "veryHidden"]
    assert kept.protection.sheet is True
    assert kept["A1"].value == f"{DOWNLOADED_MARKER}:{assessment.pk}"
    keys = [cell.value for cell in kept[2]]
    row = next(r for r in kept.iter_rows(min_row=3, values_only=True) if r[0] == line.pk)
    values = dict(zip(keys, row, strict=True))
    assert values["version"] == 2 and values["points"] == 0.5 and values["note"] == "=1+1"
    assert kept.cell(row=3 + list(assessment.lines.order_by("indicator__order").values_list("pk", flat=True))
                     .index(line.pk), column=keys.index("note") + 1).data_type == "s"  # text, never a formula


def test_a_reason_typed_without_not_applicable_is_a_refused_cell_not_silently_dropped(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _put(workbook.active, "1.2.2", na_reason="Không có đợt kiểm tra nào trong năm")
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400
    (cell,) = response.context["preview"].refused_cells
    assert cell.code == "1.2.2" and cell.column == "Lý do không phát sinh"
    assert cell.message == "Lý do không phát sinh chỉ được lưu khi cột «Không phát sinh (Có/Không)» là «Có»."


def test_clearing_not_applicable_with_its_reason_left_withdraws_the_declaration(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None, not_applicable=True,
                         not_applicable_reason="Không có đợt kiểm tra nào trong năm")
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _put(workbook.active, "1.2.2", na=None, count1=4, count2=2, count3=1)  # the reason is left in its cell
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200
    client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    stored = _line(assessment, "1.2.2")
    assert (stored.not_applicable, stored.not_applicable_reason, stored.self_score) == (False, "", Decimal("0.88"))
