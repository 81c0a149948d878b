"""The set tree's Excel file as an official who has kept the criteria in Excel for years expects it: the yes/no
columns written «Có» / «Không» with a drop-down, and read however such a column has been written (Có/Không in any
case, x / blank, 1 / 0, TRUE / FALSE); a maximum written as text «1.000» (one, or a thousand?) refused naming the
row and the column, a maximum Excel holds as a number never."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.resources import clean_rows
from scoring.administration.services import tree_excel
from scoring.models import IndicatorSet
from tests.administration.conftest import upload, xlsx_bytes
from tests.administration.test_set_import import _tree

pytestmark = pytest.mark.django_db

FLAG_HEADERS = ("Cần tài liệu kiểm chứng", "Cho phép không phát sinh")


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _exported(client: Client, indicator_set: IndicatorSet) -> bytes:
    response = client.get(reverse("administration:set_export", args=[indicator_set.pk]))
    assert response.status_code == 200
    return bytes(response.content)


def _leaf(**cells: Any) -> dict[str, Any]:
    return {"row": 2, "code": "1", "parent_code": "", "name": "Tiêu chí", "kind": "normal", "max_points": "1",
            "method": "manual", "params": '{"step": "0.5"}', **cells}


def _cleaned(**cells: Any) -> tuple[dict[str, Any], list[str]]:
    clean, errors = clean_rows([_leaf(**cells)])
    return clean[0], errors.get(2, [])


# --- 1. the yes/no columns ------------------------------------------------------------------------------------------


def test_the_export_writes_the_yes_no_columns_as_co_khong_with_a_drop_down(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    workbook = load_workbook(io.BytesIO(_exported(client, small_set)))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(headers, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)}
    # 1.2.2 allows «không phát sinh»; every leaf needs evidence (the default), a group does not
    assert rows["1.2.2"]["Cho phép không phát sinh"] == "Có"
    assert rows["1.2.1"]["Cho phép không phát sinh"] == "Không"
    assert rows["1.2.1"]["Cần tài liệu kiểm chứng"] == "Có"
    assert rows["1"]["Cần tài liệu kiểm chứng"] == "Không"
    assert {row[header] for row in rows.values() for header in FLAG_HEADERS} == {"Có", "Không"}
    # a list drop-down on each of the two columns, offering exactly «Có» and «Không»
    lists = workbook["Danh mục"]
    for header in FLAG_HEADERS:
        letter = chr(ord("A") + headers.index(header))
        [validation] = [dv for dv in ws.data_validations.dataValidation
                        if dv.type == "list" and any(str(r).startswith(f"{letter}2:") for r in dv.sqref.ranges)]
        source = validation.formula1.split("!")[1].replace("$", "")
        offered = [c.value for row in lists[source] for c in row]
        assert offered == ["Có", "Không"], (header, offered)
    # the notes say what the column takes
    note = ws.cell(row=1, column=headers.index("Cần tài liệu kiểm chứng") + 1).comment
    assert note is not None and "Có / Không" in note.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Có", True), ("có", True), ("CÓ", True), ("co", True), ("Không", False), ("không", False),
        ("KHÔNG", False), ("khong", False),
        ("x", True), ("X", True), ("", False), (None, False),  # a column ticked with «x»: blank is «Không»
        (1, True), (0, False), ("1", True), ("0", False),  # old files
        (True, True), (False, False), ("TRUE", True), ("FALSE", False),  # a boolean cell, or its text
    ],
)
def test_a_yes_no_cell_is_read_however_an_excel_user_writes_it(typed: Any, meant: bool) -> None:
    row, problems = _cleaned(evidence_required=typed, allow_not_applicable=typed)
    assert problems == []
    assert (row["evidence_required"], row["allow_not_applicable"]) == (meant, meant)


def test_a_file_without_the_yes_no_columns_keeps_their_defaults() -> None:
    # guards the old behaviour: a leaf needs evidence, «không phát sinh» is not allowed
    row, problems = _cleaned()
    assert problems == []
    assert (row["evidence_required"], row["allow_not_applicable"]) == (True, False)


def test_a_yes_no_cell_with_another_word_is_refused_naming_what_is_accepted() -> None:
    _, problems = _cleaned(evidence_required="có lẽ")
    assert any("«có lẽ»" in p and "Có hoặc Không" in p for p in problems), problems


def test_x_and_blank_cells_of_a_real_file_import_as_co_and_khong(
    small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: a hand-made annex whose yes/no columns are ticked with «x», blank when not (the last cells of a row
    # blank, as a spreadsheet stores them shorter)
    target = services.indicator_set_create(
        key="annex-x", year=2021, unit_kind=small_set.unit_kind, actor=admin_user,
        data={"name": "Phụ lục", "standard_max": "2", "bonus_cap": "", "penalty_cap": ""},
    )
    headers = ["Mã tiêu chí", "Mã tiêu chí cha", "Nội dung", "Loại", "Điểm tối đa", "Phương pháp chấm",
               "Tham số phương pháp chấm (JSON)", "Cần tài liệu kiểm chứng", "Cho phép không phát sinh"]
    rows = [
        ["1", "", "Lĩnh vực", "Thường", 2, "", "", "", ""],
        ["1.1", "1", "Có tài liệu", "Thường", 1, "Có / Không", "", "x", ""],
        ["1.2", "1", "Không tài liệu", "Thường", 1, "Có / Không", "", "", "x"],
        ["1.3", "1", "Không gì cả", "Thường", 0, "Có / Không", ""],
    ]
    sheet = tree_excel.read_tree_sheet(upload(xlsx_bytes(headers, rows)))
    # when
    outcome = services.indicator_set_tree_import(indicator_set=target, rows=sheet.rows, actor=admin_user,
                                                 dry_run=False)
    # then
    assert outcome.ok, outcome.row_errors
    flags = {n.code: (n.evidence_required, n.allow_not_applicable) for n in target.indicators.all()}
    assert flags == {"1": (False, False), "1.1": (True, False), "1.2": (False, True), "1.3": (False, False)}


def test_an_old_file_with_1_and_0_still_imports_the_same_tree(
    small_set: IndicatorSet, draft: IndicatorSet, admin_user: Any
) -> None:
    # guards the old files: the keys as headers and 1 / 0 in the yes/no columns (passes before and after)
    from tests.administration.test_set_import import _annex

    headers, *rows = _annex(small_set)
    assert {row[headers.index("evidence_required")] for row in rows} == {0, 1}
    sheet = tree_excel.read_tree_sheet(upload(xlsx_bytes(headers, rows)))
    outcome = services.indicator_set_tree_import(indicator_set=draft, rows=sheet.rows, actor=admin_user,
                                                 dry_run=False)
    assert outcome.ok, outcome.row_errors
    assert [t[:13] for t in _tree(draft)] == [t[:13] for t in _tree(small_set)]


# --- 4. «1.000» in a number column --------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "one", "thousand", "separator"),
                         [("1.000", "1", "1000", "chấm"), ("12.500", "12,5", "12500", "chấm"),
                          ("1,000", "1", "1000", "phẩy")])
def test_a_maximum_written_as_text_that_may_group_thousands_is_refused_naming_the_column(
    typed: str, one: str, thousand: str, separator: str
) -> None:
    _, problems = _cleaned(max_points=typed)
    assert problems == [
        f"Cột «Điểm tối đa»: «{typed}» không rõ là {one} hay {thousand} — ghi {one} hoặc {thousand} không có dấu "
        f"{separator} phân cách."
    ]


def test_a_floor_written_as_text_that_may_group_thousands_is_refused_too() -> None:
    _, problems = _cleaned(floor="-1.000")
    assert any(p.startswith("Cột «Điểm tối thiểu»: «-1.000» không rõ là -1 hay -1000") for p in problems), problems


@pytest.mark.parametrize("typed", ["1", "1,5", "1.5", "0,25", "1000"])
def test_a_maximum_written_as_text_without_a_thousands_separator_is_read(typed: str) -> None:
    # guards the numbers that were always read (passes before and after)
    row, problems = _cleaned(max_points=typed, method="yes_no", params="")
    assert problems == []
    assert Decimal(row["max_points"]) == Decimal(typed.replace(",", "."))


def test_a_text_1_000_maximum_in_an_uploaded_file_is_refused_by_row_and_nothing_is_written(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: the draft's own file, 1.2.1's maximum typed as the text «1.000»
    from tests.administration.test_tree_excel_for_excel_users import _edited

    client.force_login(admin_user)
    content = _edited(_exported(client, draft), {("1.2.1", "Điểm tối đa"): "1.000"})
    before = _tree(draft)
    # when
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    # then: refused on 1.2.1's row (the sixth data row, row 7 of the sheet), naming the column
    assert response.status_code == 400
    outcome = response.context["outcome"]
    assert [(e["row"], e["messages"]) for e in outcome.row_errors] == [
        (7, ["Cột «Điểm tối đa»: «1.000» không rõ là 1 hay 1000 — ghi 1 hoặc 1000 không có dấu chấm phân cách."])
    ]
    assert "ghi 1 hoặc 1000" in response.content.decode()
    assert _tree(draft) == before


def test_a_maximum_excel_holds_as_a_number_is_never_taken_for_a_thousands_separator(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: maxima typed as real numbers: 1.5 (a number cell) and 1.125 (three decimals, a number cell too)
    from tests.administration.test_tree_excel_for_excel_users import _edited

    client.force_login(admin_user)
    content = _edited(_exported(client, draft), {("1.2.3", "Điểm tối đa"): 1.5, ("1.2.1", "Điểm tối đa"): 1.125})
    sheet = tree_excel.read_tree_sheet(upload(content))
    # when
    outcome = services.indicator_set_tree_import(indicator_set=draft, rows=sheet.rows, actor=admin_user,
                                                 dry_run=True)
    # then: 1.125 is refused for its third decimal, never as «one, or a thousand?»; 1.5 is read
    messages = [m for e in outcome.row_errors for m in e["messages"]]
    assert messages == ["Điểm tối đa chỉ có tối đa hai chữ số thập phân."], messages
