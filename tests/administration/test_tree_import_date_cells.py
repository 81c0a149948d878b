"""A code typed «1.1.2» in a column Excel does not hold as text may be turned into a date (2026-01-02): the tree
import refuses a date in the code and parent-code columns, and in every other column (none of the tree file's holds
a date), saying what Excel did and how to mend it, on an area's row as on a criterion's, instead of storing the
code «2026-01-02 00:00:00»."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.resources import clean_rows
from scoring.administration.xlsx import DateCell, read_sheet
from scoring.models import IndicatorSet
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db

CODE_ADVICE = ("ô mã là ngày tháng (Excel đã tự đổi «1.1.2» thành ngày); hãy định dạng cột là Văn bản và nhập lại "
               "mã")


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _file_with_dates(client: Client, indicator_set: IndicatorSet, cells: dict[tuple[str, str], Any]) -> bytes:
    """The set's exported file with some cells (by the row's code and the column's header) holding a date, as
    Excel stores a «1.1.2» or «1.2» it took for one."""
    workbook = load_workbook(io.BytesIO(client.get(reverse("administration:set_export", args=[indicator_set.pk]))
                                        .content))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for (code, header), value in cells.items():
            if row[0].value == code:
                row[headers.index(header)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_date_cell_is_read_as_a_date_cell() -> None:
    # given: a sheet whose code cell Excel holds as a date
    from tests.administration.conftest import xlsx_bytes

    content = xlsx_bytes(["code", "parent_code", "name", "kind", "max_points", "method", "params"],
                         [[datetime.datetime(2026, 1, 2), "", "Lĩnh vực", "normal", 1, "", ""]])
    # when
    rows = read_sheet(upload(content), expected=("code",)).rows
    # then
    assert isinstance(rows[0]["code"], DateCell)


def test_the_import_refuses_a_criterion_code_excel_turned_into_a_date(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: 1.1.2's code (and the parent code of nothing) turned into 2 January 2026
    client.force_login(admin_user)
    content = _file_with_dates(client, draft, {("1.1.2", "Mã tiêu chí"): datetime.datetime(2026, 1, 2)})
    # when
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    # then: refused on that row, with the advice, and nothing written
    assert response.status_code == 400
    outcome = response.context["outcome"]
    assert not outcome.ok
    (error,) = [e for e in outcome.row_errors if any(CODE_ADVICE in m for m in e["messages"])]
    assert any("02/01/2026" in m for m in error["messages"])
    assert not draft.indicators.filter(code__startswith="2026").exists()
    assert CODE_ADVICE in response.content.decode()


def test_an_area_row_whose_code_is_a_date_is_refused_too() -> None:
    _clean, errors = clean_rows([
        {"row": 2, "code": DateCell("2026-01-02 00:00:00"), "parent_code": "", "name": "Lĩnh vực", "kind": "normal",
         "max_points": "1", "method": "manual", "params": ""},
    ])
    assert any(CODE_ADVICE in m for m in errors[2]), errors


def test_a_parent_code_that_is_a_date_is_refused_as_a_parent_code() -> None:
    _clean, errors = clean_rows([
        {"row": 2, "code": "1", "parent_code": "", "name": "Lĩnh vực", "kind": "normal", "max_points": "1"},
        {"row": 3, "code": "1.1", "parent_code": DateCell("2026-01-01 00:00:00"), "name": "Tiêu chí",
         "kind": "normal", "max_points": "1", "method": "manual", "params": ""},
    ])
    assert any("ô mã cha là ngày tháng" in m and "hãy định dạng cột là Văn bản" in m for m in errors[3]), errors


def test_a_date_in_another_column_is_refused_once_naming_the_column() -> None:
    _clean, errors = clean_rows([
        {"row": 2, "code": "1", "parent_code": "", "name": DateCell("2026-03-01 00:00:00"), "kind": "normal",
         "max_points": DateCell("2026-01-05 00:00:00"), "method": "manual", "params": ""},
    ])
    messages = errors[2]
    assert any("Nội dung" in m and "ngày tháng" in m and "01/03/2026" in m for m in messages), messages
    assert any("Điểm tối đa" in m and "ngày tháng" in m for m in messages), messages
    # said once per cell: not again as a number that is not a number
    assert not any("không phải là số" in m for m in messages), messages
