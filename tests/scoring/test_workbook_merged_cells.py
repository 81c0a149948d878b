"""Merged cells in the unit's own score sheet lose nothing. Excel keeps a merged range's value in its top-left cell
only, and the fast reader sees the other cells as empty: an explanation merged over four leaves had erased three.
A merge down the note, explanation or reason column is read as its text on each of its rows; any other merge the
import would read refuses the file, naming the range and the column. The preview shows each changed text old → new,
and a cleared one as «(xoá)»; «x» is «Có» in the «Có/Không» column as in every other import."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

pytestmark = pytest.mark.django_db

BLOCK = ("1.1.1", "1.1.2", "1.2.1", "1.2.2")  # rows 5 to 8 of the download


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _explain(assessment: Assessment, actor: Any) -> None:
    for code in BLOCK:
        line = _line(assessment, code)
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=None,
                             explanation=f"Giải trình cũ {code}")


def _letter(key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(_col(key))


def test_an_explanation_merged_over_four_leaves_is_each_leafs_explanation_and_nothing_is_erased(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given four leaves with their own explanations, and the file with one explanation merged over their rows
    _explain(assessment, unit_editor)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    first, last = _row_of(ws, BLOCK[0]), _row_of(ws, BLOCK[-1])
    column = _letter("explanation")
    ws[f"{column}{first}"] = "Giải trình chung cho cả nhóm"
    ws.merge_cells(f"{column}{first}:{column}{last}")
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then every leaf of the block takes the block's explanation, and the preview shows each old text
    assert response.status_code == 200, response.content.decode()[:2000]
    preview = response.context["preview"]
    assert {row.code: row.explanation for row in preview.rows} == dict.fromkeys(BLOCK, "Giải trình chung cho cả nhóm")
    body = response.content.decode()
    assert "Giải trình: «Giải trình cũ 1.2.2» → «Giải trình chung cho cả nhóm»" in body
    assert "(xoá)" not in body
    # and applying writes it on the four leaves
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302
    assert [_line(assessment, code).explanation for code in BLOCK] == ["Giải trình chung cho cả nhóm"] * 4


@pytest.mark.parametrize(("first_key", "last_key", "down", "column_named"), [
    ("points", "points", True, "Điểm"),  # a score merged down: one score for several leaves is not meant
    ("note", "explanation", False, "Ghi chú»"),  # across two columns: the second's text would be lost
    ("code", "code", True, "Mã"),  # a key column
])
def test_a_merge_the_import_cannot_read_as_meant_refuses_the_file_naming_the_range_and_column(
    client: Client, assessment: Assessment, unit_editor: Any, first_key: str, last_key: str, down: bool,
    column_named: str,
) -> None:
    # given
    _explain(assessment, unit_editor)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.3")
    ref = f"{_letter(first_key)}{row}:{_letter(last_key)}{row + 1 if down else row}"
    ws[ref.split(":")[0]] = ws[ref.split(":")[0]].value or "Nội dung"
    ws.merge_cells(ref)
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 400
    error = response.context["error"]
    assert f"Ô gộp {ref} ở cột «{column_named}" in error and "bỏ gộp ô" in error, error
    assert [_line(assessment, code).explanation for code in BLOCK] == [f"Giải trình cũ {c}" for c in BLOCK]


def test_a_cleared_explanation_is_shown_as_erased_with_its_old_text(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given
    _explain(assessment, unit_editor)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.1.2"), column=_col("explanation")).value = None
    ws.cell(row=_row_of(ws, "1.2.2"), column=_col("note")).value = "Ghi chú mới " + "rất dài " * 30
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "Giải trình: «Giải trình cũ 1.1.2» → (xoá)" in body
    assert "Ghi chú: (trống) → «Ghi chú mới rất dài" in body and "…»" in body
    rows = {row.code: row for row in response.context["preview"].rows}
    assert [(t.label, t.cleared) for t in rows["1.1.2"].text_changes] == [("Giải trình", True)]


@pytest.mark.parametrize("typed", ["x", "X", "Có", "TRUE"])
def test_x_is_yes_in_the_yes_no_column_as_in_every_other_import(
    client: Client, assessment: Assessment, unit_editor: Any, typed: str
) -> None:
    # given
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.1"), column=_col("yes_no")).value = typed
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 200, response.context["preview"].rows[0].errors
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302
    assert _line(assessment, "1.2.1").self_value == {"value": True}


def test_a_title_merge_and_a_merge_over_a_column_not_imported_are_no_problem(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given a file whose title cells were merged (rows above the header row are not read)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.merge_cells("C1:H1")
    # and two criteria's names merged: a column shown for reading only, never imported
    name = _letter("name")
    ws.merge_cells(f"{name}{_row_of(ws, '1.1.1')}:{name}{_row_of(ws, '1.1.2')}")
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("points")).value = 0.5
    # when
    response = _upload(client, assessment, _as_upload(workbook))
    # then
    assert response.status_code == 200
    assert [row.code for row in response.context["preview"].rows] == ["1.2.3"]
