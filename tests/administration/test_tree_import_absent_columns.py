"""A tree file without one of the optional columns (the guidance, the floor, the coordinating department …) leaves
that field of every criterion as it is, as the unit import reads a missing optional column: «không đổi». The preview
says which columns the file lacks and that they are left unchanged, instead of listing every criterion as changed;
a criterion the file adds takes the column's default."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.models import IndicatorSet
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _exported(client: Client, indicator_set: IndicatorSet) -> bytes:
    return bytes(client.get(reverse("administration:set_export", args=[indicator_set.pk])).content)


def _without(content: bytes, *headers: str, add: list[dict[str, Any]] | None = None) -> bytes:
    """The file with the columns `headers` deleted, and rows added (by header) at the end."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[0]
    for header in headers:
        names = [c.value for c in ws[1]]
        ws.delete_cols(names.index(header) + 1)
    names = [c.value for c in ws[1]]
    for row in add or []:
        ws.append([row.get(name) for name in names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _preview(client: Client, indicator_set: IndicatorSet, content: bytes) -> Any:
    response = client.post(reverse("administration:set_import", args=[indicator_set.pk]), {"file": upload(content)})
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def _guidance(indicator_set: IndicatorSet) -> dict[str, str]:
    return dict(indicator_set.indicators.values_list("code", "guidance"))


def test_a_file_without_the_guidance_column_leaves_every_criterions_guidance_as_it_is(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given
    client.force_login(admin_user)
    before = _guidance(draft)
    assert before["1.1.1"] == "Kế hoạch CCHC năm."
    content = _without(_exported(client, draft), "Hướng dẫn")
    # when
    response = _preview(client, draft, content)
    # then: nothing changes, and the page says which column was absent and left unchanged
    outcome = response.context["outcome"]
    assert not outcome.changes.any
    assert outcome.absent_columns == ["Hướng dẫn"]
    page = response.content.decode()
    assert "Tệp không có cột «Hướng dẫn»" in page and "giữ nguyên giá trị hiện tại" in page
    # when applied
    applied = client.post(reverse("administration:set_import_apply", args=[draft.pk]),
                          {"token": response.context["token"]})
    assert applied.status_code == 302
    assert _guidance(draft) == before


def test_a_file_without_the_floor_column_keeps_a_negative_floor_that_its_levels_need(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: 1.1.1 has a level worth −1 and a floor of −1; the floor column deleted
    client.force_login(admin_user)
    content = _without(_exported(client, draft), "Điểm tối thiểu", "Cơ quan phối hợp thẩm định",
                       "Cho phép không phát sinh", "Nguồn điểm", "Cần tài liệu kiểm chứng")
    # when
    response = _preview(client, draft, content)
    # then: the file is valid and changes nothing (the floor was not read as 0)
    outcome = response.context["outcome"]
    assert outcome.ok, outcome.row_errors
    assert not outcome.changes.any
    assert set(outcome.absent_columns) == {"Điểm tối thiểu", "Cơ quan phối hợp thẩm định", "Cho phép không phát sinh",
                                           "Nguồn điểm", "Cần tài liệu kiểm chứng"}


def test_a_criterion_the_file_adds_takes_the_default_of_a_column_the_file_lacks(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _without(_exported(client, draft), "Hướng dẫn", add=[{
        "Mã tiêu chí": "1.2.4", "Mã tiêu chí cha": "1.2", "Nội dung": "Tiêu chí mới", "Loại": "Thường",
        "Điểm tối đa": 0, "Phương pháp chấm": "Có / Không", "Tham số phương pháp chấm (JSON)": "",
    }])
    response = _preview(client, draft, content)
    changes = response.context["outcome"].changes
    assert [c.code for c in changes.added] == ["1.2.4"] and changes.modified == []
    client.post(reverse("administration:set_import_apply", args=[draft.pk]), {"token": response.context["token"]})
    assert draft.indicators.get(code="1.2.4").guidance == ""
    assert draft.indicators.get(code="1.1.1").guidance == "Kế hoạch CCHC năm."


def test_a_guidance_column_with_blank_cells_still_clears_them(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # (guard) a column the file has is read as it is: a blank cell is a blank guidance
    client.force_login(admin_user)
    workbook = load_workbook(io.BytesIO(_exported(client, draft)))
    ws = workbook.worksheets[0]
    column = [c.value for c in ws[1]].index("Hướng dẫn") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=column).value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _preview(client, draft, buffer.getvalue())
    assert response.context["outcome"].absent_columns == []
    assert {c.code for c in response.context["outcome"].changes.modified} >= {"1.1.1"}


def test_the_preview_sums_up_the_changes_column_by_column(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: every guidance cleared in a file that has the column (a real change, listed criterion by criterion)
    client.force_login(admin_user)
    workbook = load_workbook(io.BytesIO(_exported(client, draft)))
    ws = workbook.worksheets[0]
    column = [c.value for c in ws[1]].index("Hướng dẫn") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=column).value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    with_guidance = sum(1 for text in _guidance(draft).values() if text)
    # when
    response = _preview(client, draft, buffer.getvalue())
    # then
    assert response.context["outcome"].changes.modified_columns == [("Hướng dẫn", with_guidance)]
    assert f"Hướng dẫn: {with_guidance} tiêu chí" in response.content.decode()
