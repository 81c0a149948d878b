"""The administration's Excel imports (set tree, users; any file read by `xlsx.read_sheet`) lose nothing to merged
cells: a merge down a column where one value for a block is meant (a parent code; a user's role, unit or state) is
read as that value on each of its rows, any other merge the import reads refuses the file naming the range and the
column. A title row above the header row is found, not refused as «Thiếu cột». A new account's name and e-mail are
in the preview. «x» is «Có» everywhere (one shared rule)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from scoring.administration import services
from scoring.administration.services import USER_COLUMNS
from scoring.administration.services.tree_excel import read_tree_sheet
from scoring.administration.xlsx import FileRefused, read_sheet
from scoring.models import IndicatorSet
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2021!"


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _exported(client: Client, indicator_set: IndicatorSet) -> Any:
    content = client.get(reverse("administration:set_export", args=[indicator_set.pk])).content
    return load_workbook(io.BytesIO(content))


def _saved(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows_by_code(ws: Any) -> dict[str, int]:
    return {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}


def _column(ws: Any, header: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.value for c in ws[1]].index(header) + 1)


def _merge_parent_of_block(ws: Any, first_code: str, last_code: str) -> str:
    """Merge «Mã tiêu chí cha» over the block's rows as Excel does: the top-left value kept, the others emptied."""
    rows = _rows_by_code(ws)
    column = _column(ws, "Mã tiêu chí cha")
    ref = f"{column}{rows[first_code]}:{column}{rows[last_code]}"
    ws.merge_cells(ref)
    return ref


def test_a_parent_code_merged_over_three_rows_is_the_parent_of_each_and_the_file_changes_nothing(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given the draft's own file with «Mã tiêu chí cha» of 1.2.1, 1.2.2, 1.2.3 (all «1.2») merged
    client.force_login(admin_user)
    workbook = _exported(client, draft)
    _merge_parent_of_block(workbook.worksheets[0], "1.2.1", "1.2.3")
    content = _saved(workbook)
    # when read
    rows = {row["code"]: row for row in read_tree_sheet(upload(content)).rows}
    # then each of the three has its parent (none becomes a top-level area)
    assert [rows[code]["parent_code"] for code in ("1.2.1", "1.2.2", "1.2.3")] == ["1.2"] * 3
    # and the check finds the file unchanged
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert not response.context["outcome"].changes.any


def test_a_merge_in_a_column_where_one_value_for_a_block_is_not_meant_refuses_the_file(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given «Điểm tối đa» merged over two rows
    client.force_login(admin_user)
    workbook = _exported(client, draft)
    ws = workbook.worksheets[0]
    rows = _rows_by_code(ws)
    column = _column(ws, "Điểm tối đa")
    ws.merge_cells(f"{column}{rows['1.2.1']}:{column}{rows['1.2.2']}")
    before = list(draft.indicators.order_by("order").values_list("code", "max_points", "parent__code"))
    # when
    response = client.post(reverse("administration:set_import", args=[draft.pk]),
                           {"file": upload(_saved(workbook))})
    # then refused, naming the range and the column; nothing written
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Ô gộp {column}{rows['1.2.1']}:{column}{rows['1.2.2']} ở cột «Điểm tối đa" in page
    assert "bỏ gộp ô" in page
    assert list(draft.indicators.order_by("order").values_list("code", "max_points", "parent__code")) == before


def test_a_merge_across_two_columns_refuses_the_file_naming_both() -> None:
    # given
    workbook = Workbook()
    ws = workbook.active
    ws.append(["code", "name", "kind"])
    ws.append(["a", "Tên A", "x"])
    ws.append(["b", "Tên B", "y"])
    ws.merge_cells("B3:C3")
    # when / then
    with pytest.raises(FileRefused) as refused:
        read_sheet(upload(_saved(workbook)), expected=("code", "name", "kind"), repeatable=("name", "kind"))
    assert "Ô gộp B3:C3 ở cột «name», «kind»" in refused.value.message


def test_a_merge_reaching_past_the_last_row_makes_no_row_of_its_own() -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.append(["code", "parent_code"])
    ws.append(["a", "p"])
    ws.append(["b", None])
    ws.merge_cells("B2:B6")
    sheet = read_sheet(upload(_saved(workbook)), expected=("code", "parent_code"), repeatable=("parent_code",))
    assert [(r["code"], r["parent_code"], r["row"]) for r in sheet.rows] == [("a", "p", 2), ("b", "p", 3)]


def test_a_set_file_with_a_title_row_above_the_headers_is_read_from_its_header_row(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given the draft's file with a title row inserted (and merged, as a title is) above the headers
    client.force_login(admin_user)
    workbook = _exported(client, draft)
    ws = workbook.worksheets[0]
    ws.insert_rows(1)
    ws["A1"] = "BỘ CHỈ SỐ CCHC NĂM 2021"
    ws.merge_cells("A1:F1")
    content = _saved(workbook)
    # when
    sheet = read_tree_sheet(upload(content))
    # then the rows are read, numbered as Excel numbers them
    assert sheet.rows[0]["code"] == "1" and sheet.rows[0]["row"] == 3
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "Thiếu cột" not in response.content.decode()
    assert not response.context["outcome"].changes.any


def _users_file(rows: list[list[Any]], merge: str = "") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(list(USER_COLUMNS))
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    return _saved(workbook)


def test_the_users_preview_shows_each_new_accounts_name_and_email(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    content = _users_file([["an", "Nguyễn Thị Ánh", "anh@soyte.gov.vn", PASSWORD, "unit_editor", "so-y-te", "x"]])
    response = client.post(reverse("administration:user_import"), {"file": upload(content, "nguoi-dung.xlsx")})
    assert response.status_code == 200, response.content.decode()[:3000]
    page = response.content.decode()
    assert "Tạo tài khoản mới" in page
    assert "Họ và tên: «Nguyễn Thị Ánh»; thư điện tử: «anh@soyte.gov.vn»" in page


def test_a_unit_merged_over_a_block_of_users_is_each_ones_and_a_merged_username_is_refused(
    client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    rows = [
        ["an", "Lê An", "", PASSWORD, "unit_editor", "so-y-te", ""],
        ["binh", "Trần Bình", "", PASSWORD, "unit_editor", None, ""],
    ]
    # given the unit merged over both rows: both accounts are made at the unit
    response = client.post(reverse("administration:user_import"),
                           {"file": upload(_users_file(rows, merge="F2:F3"), "nguoi-dung.xlsx")})
    assert response.status_code == 200, response.content.decode()[:3000]
    plans = response.context["import_preview"]["rows"]
    assert [(p.username, p.unit_code) for p in plans] == [("an", "so-y-te"), ("binh", "so-y-te")]
    # given the usernames merged instead: refused, naming the range and the column
    response = client.post(reverse("administration:user_import"),
                           {"file": upload(_users_file(rows, merge="A2:A3"), "nguoi-dung.xlsx")})
    assert response.status_code == 400
    assert "Ô gộp A2:A3 ở cột «Tên đăng nhập (username)»" in response.content.decode()


@pytest.mark.parametrize(("raw", "expected"), [
    ("x", True), ("X", True), ("Có", True), ("co", True), ("TRUE", True), (True, True), (1, True), ("Đúng", True),
    ("Không", False), ("khong", False), ("0", False), (0, False), (False, False),
    ("", None), (None, None), ("có lẽ", None), (2, None),
])
def test_one_yes_no_rule_for_every_import(raw: Any, expected: bool | None) -> None:
    from scoring.administration.xlsx import yes_no_word

    assert yes_no_word(raw) is expected
