"""A formula in the self-assessment sheet: Excel keeps the result it calculated beside the formula, and the import
reads that result. A file saved by a tool that does not calculate (openpyxl, converters) keeps no result: such a cell
is not read as empty (which would unscore the leaf, or skip the row as left as downloaded) but refused, named."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl.utils import get_column_letter

from scoring.exports import XLSX_TYPE
from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.services import score_line_save_self
from tests.scoring.test_workbook import _col, _download, _row_of

pytestmark = pytest.mark.django_db


def _file(client: Client, assessment: Assessment, code: str, key: str, formula: str,
          result: str | None = None) -> tuple[bytes, str]:
    """The downloaded sheet with `formula` in the row's cell, as a tool that does not calculate saves it (no
    result), or, with `result`, as Excel saves it (the result it calculated beside the formula). Its reference too."""
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, code)
    ws.cell(row=row, column=_col(key), value=formula)
    ref = f"{get_column_letter(_col(key))}{row}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    if result is None:
        return buffer.getvalue(), ref
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text, found = re.subn(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>', rf"\1<v>{result}</v>",
                                      data.decode())
                assert found == 1
                data = text.encode()
            target.writestr(info, data)
    return out.getvalue(), ref


def _upload(client: Client, assessment: Assessment, content: bytes) -> Any:
    upload = SimpleUploadedFile("phieu.xlsx", content, content_type=XLSX_TYPE)
    return client.post(reverse("scoring:sheet_upload", args=[assessment.pk]), {"file": upload})


def _rows(response: Any) -> dict[str, Any]:
    return {row.code: row for row in response.context["preview"].rows}


def _scored(assessment: Assessment, actor: Any, points: str) -> ScoreLine:
    line = assessment.lines.get(indicator__code="1.2.3")
    return score_line_save_self(line=line, actor=actor, base_version=line.version, value={"points": points})


def test_a_formula_without_a_result_is_refused_naming_its_cell_and_the_stored_score_stays(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given a leaf scored 0,5, and the file's «Điểm» of it a formula saved without its result
    _scored(assessment, unit_editor, "0.5")
    client.force_login(unit_editor)
    content, ref = _file(client, assessment, "1.2.3", "points", "=0.125+0.125")
    # when
    response = _upload(client, assessment, content)
    # then the row is refused, the cell named with its formula; nothing can be applied
    assert response.status_code == 400
    row = _rows(response)["1.2.3"]
    assert [(c.cell, c.typed) for c in row.refused_cells] == [(ref, "=0.125+0.125")]
    assert row.errors == [f"Ô {ref} là công thức chưa có kết quả (tệp được lưu bằng phần mềm không tính công thức): "
                          "hãy mở tệp bằng Excel, lưu lại rồi tải lên, hoặc ghi thẳng giá trị vào ô."]
    assert row.changes == []  # not listed as «0,5 điểm → (chưa chấm)»
    body = response.content.decode()
    assert ref in body and "Áp dụng các thay đổi" not in body
    assert f"cchc-import-{assessment.pk}" not in client.session
    assert ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3").self_value == {"points": "0.5"}
    assert AuditEntry.objects.filter(action="score_line.self").count() == 1  # the score of 0,5 only


def test_a_formula_without_a_result_in_a_row_otherwise_as_downloaded_is_not_skipped(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given an unscored leaf (its cells empty when downloaded): the formula read as empty would leave the row «as
    # downloaded», skipped without a word
    client.force_login(unit_editor)
    content, ref = _file(client, assessment, "1.2.3", "points", "=0.5-0.25")
    response = _upload(client, assessment, content)
    assert response.status_code == 400
    assert [c.cell for c in _rows(response)["1.2.3"].refused_cells] == [ref]


def test_a_formula_with_the_result_excel_saved_is_read_as_that_result(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _scored(assessment, unit_editor, "0.5")
    client.force_login(unit_editor)
    content, _ref = _file(client, assessment, "1.2.3", "points", "=0.125+0.125", result="0.25")
    response = _upload(client, assessment, content)
    assert response.status_code == 200
    row = _rows(response)["1.2.3"]
    assert row.errors == [] and row.value == {"points": "0.25"} and row.new_score == "0.25"
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302
    assert ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3").self_value == {"points": "0.25"}


def test_a_text_formula_without_a_result_in_a_note_is_refused_too(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    content, ref = _file(client, assessment, "1.2.3", "note", '="Đã " & "ban hành"')
    response = _upload(client, assessment, content)
    assert response.status_code == 400
    assert [c.cell for c in _rows(response)["1.2.3"].refused_cells] == [ref]


def test_a_formula_without_a_result_merged_down_the_explanations_is_refused_on_each_row_naming_its_cell(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given one explanation for a block of leaves, a formula merged down the column (its result would be each one's)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    first, last = _row_of(ws, "1.1.1"), _row_of(ws, "1.1.2")
    letter = get_column_letter(_col("explanation"))
    ws[f"{letter}{first}"] = '="Giải trình " & "chung"'
    ws.merge_cells(f"{letter}{first}:{letter}{last}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    # when
    response = _upload(client, assessment, buffer.getvalue())
    # then both leaves are refused, each naming the merge's first cell, the one holding the formula
    assert response.status_code == 400
    rows = _rows(response)
    assert [c.cell for code in ("1.1.1", "1.1.2") for c in rows[code].refused_cells] == [f"{letter}{first}"] * 2
