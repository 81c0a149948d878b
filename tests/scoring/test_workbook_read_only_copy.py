"""The self-assessment sheet downloaded once the assessment is submitted (or further on) cannot be imported: it is a
read-only copy that says so, with no yellow input cell and every cell locked on a protected sheet. A draft's sheet
is the fillable one, as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scoring.exports import FIRST_DATA_ROW, INPUT_FILL
from scoring.models import Assessment
from scoring.services import assessment_submit, assessment_transition, assessment_withdraw, score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db

FILL_LINE = "Chỉ điền các ô màu vàng"


def _submit(assessment: Assessment, editor: Any, head: Any) -> Assessment:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=editor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")
    return assessment_submit(assessment=assessment, actor=head)


def _input_cells(ws: Any) -> list[str]:
    """The data cells a person could type in, or painted as input cells."""
    found = []
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=ws.max_row):
        for cell in row:
            painted = (cell.fill.fgColor.rgb or "")[-6:] == INPUT_FILL.fgColor.rgb[-6:]
            if painted or cell.protection.locked is False:
                found.append(cell.coordinate)
    return found


def _header_lines(ws: Any) -> str:
    return " ".join(str(ws.cell(row=r, column=c).value or "") for r in range(1, 4) for c in range(1, 6))


@pytest.mark.parametrize("state", ["submitted", "in_appraisal"])
def test_a_submitted_assessments_sheet_is_a_read_only_copy_that_says_so(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, state: str
) -> None:
    # given
    submitted = _submit(assessment, unit_editor, unit_head)
    if state != "submitted":
        assessment_transition(assessment=submitted, to_state=state, actor=None)
    client.force_login(unit_editor)
    # when
    ws = _download(client, assessment).active
    # then
    assert ws.protection.sheet is True
    assert _input_cells(ws) == []
    lines = _header_lines(ws)
    day = timezone.localtime(submitted.submitted_at).strftime("%d/%m/%Y")
    assert f"Bản chỉ để xem: bản đánh giá đã gửi ngày {day}" in lines
    assert FILL_LINE not in lines
    assert not ws.data_validations.dataValidation  # no drop-down to pick a value from
    # the values are there to read
    assert ws.cell(row=_row_of(ws, "1.2.3"), column=_col("points")).value == 0.5


def test_a_drafts_sheet_is_fillable_as_before(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    # guards behaviour that must not change
    client.force_login(unit_editor)
    ws = _download(client, assessment).active
    lines = _header_lines(ws)
    assert FILL_LINE in lines and "Bản chỉ để xem" not in lines
    cell = ws.cell(row=_row_of(ws, "1.2.3"), column=_col("points"))
    assert cell.protection.locked is False and cell.coordinate in _input_cells(ws)


def test_a_read_only_copy_uploaded_after_withdrawal_is_refused_with_a_clear_message(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given: a copy downloaded while submitted, then the head takes the assessment back
    _submit(assessment, unit_editor, unit_head)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    assessment_withdraw(assessment=assessment, actor=unit_head)
    versions = sorted(assessment.lines.values_list("version", flat=True))
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 400
    assert "bản chỉ để xem" in response.content.decode()
    assert response.context["preview"] is None
    assert sorted(assessment.lines.values_list("version", flat=True)) == versions
