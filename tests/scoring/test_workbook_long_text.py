"""The self-assessment workbook import refuses a text cell too long to keep as a row error that names its column
(in the sheet's language), as the administration imports do."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scoring.imports import MAX_TEXT
from scoring.models import Assessment
from tests.scoring.test_workbook import _as_upload, _col, _download, _preview_rows, _row_of, _upload

pytestmark = pytest.mark.django_db


def test_a_text_cell_too_long_is_a_row_error_naming_its_column(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given the downloaded sheet with an explanation one character over the limit
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("explanation"), value="x" * (MAX_TEXT + 1))

    # when it is uploaded
    response = _upload(client, assessment, _as_upload(workbook))

    # then the row is refused, its message naming the column, its length and the limit
    assert response.status_code == 400
    assert _preview_rows(response)["1.2.3"].errors == [
        f"Cột «Giải trình» dài {MAX_TEXT + 1} ký tự, quá giới hạn {MAX_TEXT} ký tự; hãy rút gọn."
    ]
