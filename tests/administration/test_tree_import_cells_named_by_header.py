"""The set tree's Excel import names a column in its formula and too-long messages as the file's header row does:
by its Vietnamese header, with its key (which files exported before have as their header), never by the key
alone, as the users' import does."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.resources import clean_rows
from scoring.administration.xlsx import MAX_CELL_TEXT, Formula, TooLong
from scoring.models import IndicatorSet
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db


def _leaf(**cells: Any) -> dict[str, Any]:
    return {"row": 2, "code": "1", "parent_code": "", "name": "Tiêu chí", "kind": "normal", "max_points": "1",
            "method": "manual", "params": '{"step": "0.5"}', **cells}


def test_a_formula_cell_and_a_long_cell_are_named_by_their_vietnamese_header_and_key() -> None:
    # given a row (as read from either kind of header row) with a formula and a cell past the limit
    row = _leaf(guidance=Formula("=A1"), coordinating_department=TooLong("x" * (MAX_CELL_TEXT + 1)))

    # when
    _clean, errors = clean_rows([row])

    # then
    messages = errors[2]
    assert "Ô «Hướng dẫn (guidance)» chứa công thức Excel; chỉ nhận giá trị (công thức không được tính)." in messages
    assert (f"Ô «Cơ quan phối hợp thẩm định (coordinating_department)» dài {MAX_CELL_TEXT + 1} ký tự, quá giới "
            f"hạn {MAX_CELL_TEXT} ký tự; hãy rút gọn (hệ thống không tự cắt bớt).") in messages
    assert not any("«guidance»" in m or "«coordinating_department»" in m for m in messages), messages


def test_the_page_names_the_cells_of_the_exported_file_by_its_headers(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    # given: the draft's own file (Vietnamese headers), a formula in one criterion's name, a long guidance
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    client.force_login(admin_user)
    workbook = load_workbook(io.BytesIO(client.get(reverse("administration:set_export", args=[draft.pk])).content))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "1.2.1":
            row[headers.index("Nội dung")].value = "=1+1"
            row[headers.index("Hướng dẫn")].value = "x" * (MAX_CELL_TEXT + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)

    # when
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(buffer.getvalue())})

    # then
    messages = [m for e in response.context["outcome"].row_errors for m in e["messages"]]
    assert "Ô «Nội dung (name)» chứa công thức Excel; chỉ nhận giá trị (công thức không được tính)." in messages
    assert any(m.startswith("Ô «Hướng dẫn (guidance)» dài ") for m in messages), messages
    assert "Ô «Nội dung (name)»" in response.content.decode()
