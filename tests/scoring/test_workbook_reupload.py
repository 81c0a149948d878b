"""The same sheet uploaded again after it was applied (the tester's report: a row put back to its download value was
said to be «no change» and dropped): what the earlier import of that very file wrote is not somebody else's change,
so a cell put back or changed again is an edit. A row left as downloaded whose leaf was saved since by anybody else
is never applied silently: it is listed with both values and applied only when chosen. Rows missing from the file
are named."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _put(ws: Any, code: str, **cells: Any) -> None:
    for key, value in cells.items():
        ws.cell(row=_row_of(ws, code), column=_col(key)).value = value


def _apply(client: Client, assessment: Assessment, response: Any, **data: Any) -> Any:
    return client.post(reverse("scoring:sheet_apply", args=[assessment.pk]),
                       {"token": response.context["token"], **data})


@pytest.fixture
def answered_yes(assessment: Assessment, unit_editor: Any) -> Assessment:
    line = _line(assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": True})
    return assessment


def test_a_row_put_back_to_its_download_value_in_the_applied_file_is_an_edit(
    client: Client, answered_yes: Assessment, unit_editor: Any
) -> None:
    assessment = answered_yes
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    # given 1.2.1 set to «Không» in the file, applied
    _put(workbook.active, "1.2.1", yes_no="Không")
    first = _upload(client, assessment, _as_upload(workbook))
    assert [row.code for row in first.context["preview"].rows] == ["1.2.1"]
    applied = _apply(client, assessment, first)
    assert applied.status_code == 302
    assert _line(assessment, "1.2.1").self_value == {"value": False}
    # when the official puts it back to «Có» in the same file and uploads it again
    _put(workbook.active, "1.2.1", yes_no="Có")
    again = _upload(client, assessment, _as_upload(workbook))
    # then it is a change from what is stored, not «no change»
    assert again.status_code == 200
    preview = again.context["preview"]
    assert [(row.code, row.old_summary, row.new_summary, row.errors) for row in preview.rows] == [
        ("1.2.1", "Không", "Có", [])]
    assert preview.newer_on_system == []
    assert "Tệp không có thay đổi nào so với dữ liệu đang lưu." not in again.content.decode()
    assert _apply(client, assessment, again).status_code == 302
    assert _line(assessment, "1.2.1").self_value == {"value": True}
    # and a third value typed in the same file is an edit as well, not a conflict with the earlier imports
    _put(workbook.active, "1.2.1", yes_no="Không")
    third = _upload(client, assessment, _as_upload(workbook))
    assert [(row.code, row.errors) for row in third.context["preview"].rows] == [("1.2.1", [])]
    assert _apply(client, assessment, third).status_code == 302
    assert _line(assessment, "1.2.1").self_value == {"value": False}


def test_after_an_apply_the_official_is_told_whether_the_file_can_be_edited_again(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _put(workbook.active, "1.2.3", points=0.5)
    applied = _apply(client, assessment, _upload(client, assessment, _as_upload(workbook)))
    page = client.get(applied["Location"])
    text = page.content.decode()
    assert "Đã cập nhật 1 tiêu chí từ tệp Excel. Có thể sửa tiếp chính tệp này và tải lên lại" in text


def test_a_colleague_uploading_the_same_file_does_not_undo_the_import_silently(
    client: Client, answered_yes: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    assessment = answered_yes
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    untouched = _as_upload(workbook)  # a copy sent to the head before the editor's changes
    _put(workbook.active, "1.2.1", yes_no="Không")
    _apply(client, assessment, _upload(client, assessment, _as_upload(workbook)))
    # when the head uploads the untouched copy, 1.2.3 filled in it
    head = Client()
    head.force_login(unit_head)
    response = _upload(head, assessment, untouched)
    # then 1.2.1 (left as downloaded, changed since) is listed with both values, not applied, not «no change»
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.rows == []
    assert [(row.code, row.old_summary, row.new_summary, row.errors) for row in preview.newer_on_system] == [
        ("1.2.1", "Không", "Có", [])]
    body = response.content.decode()
    assert "Tệp không có thay đổi nào so với dữ liệu đang lưu." not in body
    assert "Áp dụng các dòng đã chọn" in body
    # nothing chosen: nothing written
    refused = _apply(head, assessment, response)
    assert refused.status_code == 400
    assert _line(assessment, "1.2.1").self_value == {"value": False}


def test_a_row_changed_on_the_system_is_applied_from_the_file_only_when_chosen_and_still_current(
    client: Client, answered_yes: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    assessment = answered_yes
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    line = _line(assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_head, base_version=line.version, value={"value": False})
    _put(workbook.active, "1.2.3", points=0.5)
    # when the file's value of 1.2.1 is chosen
    response = _upload(client, assessment, _as_upload(workbook))
    (row,) = response.context["preview"].newer_on_system
    assert (row.code, row.old_summary, row.new_summary) == ("1.2.1", "Không", "Có")
    assert _apply(client, assessment, response, take=str(row.line_id)).status_code == 302
    # then it is written with the row the official edited
    assert _line(assessment, "1.2.1").self_value == {"value": True}
    assert _line(assessment, "1.2.3").self_value == {"points": "0.5"}


def test_a_chosen_row_saved_again_on_the_system_after_the_preview_is_stale_and_nothing_is_written(
    client: Client, answered_yes: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    assessment = answered_yes
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    line = _line(assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_head, base_version=line.version, value={"value": False})
    response = _upload(client, assessment, _as_upload(workbook))
    (row,) = response.context["preview"].newer_on_system
    line = _line(assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_head, base_version=line.version, value=None, note="Đang rà soát")
    refused = _apply(client, assessment, response, take=str(row.line_id))
    assert refused.status_code == 409
    stored = _line(assessment, "1.2.1")
    assert (stored.self_value, stored.self_note) == (None, "Đang rà soát")


def test_a_web_save_after_the_import_breaks_the_files_claim_and_the_row_is_listed_not_applied(
    client: Client, answered_yes: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    assessment = answered_yes
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _put(workbook.active, "1.2.1", yes_no="Không")
    _apply(client, assessment, _upload(client, assessment, _as_upload(workbook)))
    line = _line(assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_head, base_version=line.version, value={"value": False},
                         note="Đã xác minh")
    _put(workbook.active, "1.2.1", yes_no="Có")
    response = _upload(client, assessment, _as_upload(workbook))
    preview = response.context["preview"]
    assert preview.rows == []
    assert [row.code for row in preview.newer_on_system] == ["1.2.1"]
    assert _line(assessment, "1.2.1").self_note == "Đã xác minh"


def test_the_leaves_missing_from_the_file_are_named_and_kept(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.3")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"points": "0.25"})
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.delete_rows(_row_of(ws, "1.2.3"))  # deleted while tidying the sheet
    _put(ws, "1.2.1", yes_no="Có")
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.missing == ["1.2.3"]
    assert "Không có trong tệp: 1.2.3; giữ nguyên giá trị đang lưu." in response.content.decode()
    _apply(client, assessment, response)
    assert _line(assessment, "1.2.3").self_value == {"points": "0.25"}


def test_the_same_file_is_known_after_signing_in_again(
    answered_yes: Assessment, unit_editor: Any
) -> None:
    """What an import of a file wrote is kept with the import (its audit entry), not in the session: the official
    who signs out and in again the next day may go on editing that very file."""
    assessment = answered_yes
    monday = Client()
    monday.force_login(unit_editor)
    workbook = _download(monday, assessment)
    _put(workbook.active, "1.2.1", yes_no="Không")
    assert _apply(monday, assessment, _upload(monday, assessment, _as_upload(workbook))).status_code == 302
    monday.logout()
    # a new session, the same file with 1.2.1 put back: an edit of the file, not a row changed on the system since
    tuesday = Client()
    tuesday.force_login(unit_editor)
    _put(workbook.active, "1.2.1", yes_no="Có")
    again = _upload(tuesday, assessment, _as_upload(workbook))
    preview = again.context["preview"]
    assert [(row.code, row.old_summary, row.new_summary) for row in preview.rows] == [("1.2.1", "Không", "Có")]
    assert preview.newer_on_system == []
    assert _apply(tuesday, assessment, again).status_code == 302
    assert _line(assessment, "1.2.1").self_value == {"value": True}
