"""The self-assessment workbook on the real Tiền Giang department set: every «Chọn mức» leaf has its drop-down
(labels with commas, long lists), and the «Cách nhập» column writes numbers as the page's language does."""

from __future__ import annotations

import io
import json
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from scoring.exports import FIRST_DATA_ROW, HEADER_ROW, XLSX_TYPE, _how, sheet_columns
from scoring.models import Assessment, Indicator, ScoreLine

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_set(catalogue: Any) -> Any:
    """The real department set of Decision 689/QĐ-UBND: its «Chọn mức» labels hold commas (1.1.1, 2.2.2, ...)."""
    from scoring.services import indicator_set_import

    data = json.loads((ROOT / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    return indicator_set_import(data=data, actor=None)


@pytest.fixture
def vietnamese_after() -> Any:
    yield
    translation.activate("vi")


def _download(client: Client, assessment: Assessment) -> Any:
    response = client.get(reverse("scoring:sheet_xlsx", args=[assessment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    return load_workbook(io.BytesIO(response.content))


def _columns(ws: Any) -> dict[str, int]:
    """Column key -> number, read from the header row (the count columns depend on the set)."""
    headers = [ws.cell(row=HEADER_ROW, column=c).value for c in range(1, ws.max_column + 1)]
    count = sum(1 for h in headers if h and str(h).startswith("Số liệu"))
    return {key: index for index, (key, _header) in enumerate(sheet_columns(count), start=1)}


def _rows(ws: Any, columns: dict[str, int]) -> dict[str, int]:
    return {ws.cell(row=r, column=columns["code"]).value: r for r in range(FIRST_DATA_ROW, ws.max_row + 1)}


def _list_values(workbook: Any, formula: str) -> list[Any]:
    """The values of a list validation's source: a range of a sheet of the workbook (never an inline list)."""
    assert "!" in formula, formula
    sheet_name, cells = formula.rsplit("!", 1)
    ws = workbook[sheet_name.strip("'").replace("''", "'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [ws.cell(row=r, column=c).value for r in range(min_row, max_row + 1)
            for c in range(min_col, max_col + 1)]


def _validation_of(ws: Any, cell: str) -> Any:
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (cell, found)
    return found[0]


def _level_leaves(assessment: Assessment) -> list[Indicator]:
    leaves = list(Indicator.objects.filter(indicator_set=assessment.indicator_set, method=Indicator.Method.LEVELS))
    assert len(leaves) > 5
    return leaves


def test_every_level_leaf_has_a_drop_down_of_its_options_whatever_its_labels(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given a leaf whose list is far longer than an inline list's 255 characters, with quotes in a label
    long_leaf = Indicator.objects.get(indicator_set=assessment.indicator_set, code="1.6.2")
    options = long_leaf.params["options"]
    options[0]["label"] = 'Không có, "chưa" được khen thưởng ' + "x" * 300
    Indicator.objects.filter(pk=long_leaf.pk).update(params=long_leaf.params)
    client.force_login(unit_editor)
    # when
    workbook = _download(client, assessment)
    # then
    ws = workbook.worksheets[0]
    columns = _columns(ws)
    rows = _rows(ws, columns)
    letter = ws.cell(row=FIRST_DATA_ROW, column=columns["option"]).column_letter
    for leaf in _level_leaves(assessment):
        labels = [str(o.get("label") or o.get("key")) for o in leaf.params["options"]]
        validation = _validation_of(ws, f"{letter}{rows[leaf.code]}")
        assert validation.type == "list"
        assert _list_values(workbook, validation.formula1) == labels, leaf.code
    assert any("," in label for label in (o["label"] for o in
               Indicator.objects.get(indicator_set=assessment.indicator_set, code="1.1.1").params["options"]))


def test_the_list_sheet_is_hidden_and_the_sheet_people_fill_stays_the_one_shown(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    assert workbook.active is workbook.worksheets[0]
    assert workbook.worksheets[0].sheet_state == "visible"
    hidden = [ws for ws in workbook.worksheets[1:] if ws.sheet_state == "hidden"]
    assert len(hidden) == 1 and hidden[0].protection.sheet is True
    # the other one keeps the cells as downloaded (tests/scoring/test_workbook_untouched_rows.py), very hidden
    assert [ws.sheet_state for ws in workbook.worksheets[1:] if ws not in hidden] == ["visible", "veryHidden"]
    assert workbook.worksheets[1].title == "Tổng hợp"  # the totals, read only (tests/scoring/test_workbook_totals.py)


def test_an_option_chosen_from_a_list_with_commas_is_imported_and_saved(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given the downloaded sheet with 1.1.1's option whose label has a comma chosen from its list
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.worksheets[0]
    columns = _columns(ws)
    row = _rows(ws, columns)["1.1.1"]
    cell = ws.cell(row=row, column=columns["option"])
    choices = _list_values(workbook, _validation_of(ws, cell.coordinate).formula1)
    leaf = Indicator.objects.get(indicator_set=assessment.indicator_set, code="1.1.1")
    index, wanted = next((i, o) for i, o in enumerate(leaf.params["options"]) if "," in o["label"])
    assert choices[index] == wanted["label"]
    cell.value = choices[index]
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("phieu.xlsx", buffer.getvalue(), content_type=XLSX_TYPE)
    # when
    response = client.post(reverse("scoring:sheet_upload", args=[assessment.pk]), {"file": upload})
    assert response.status_code == 200, response.context["preview"].rows
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    # then
    assert applied.status_code == 302
    line = ScoreLine.objects.get(assessment=assessment, indicator=leaf)
    assert line.self_value == {"option": wanted["key"]}
    assert line.self_score == Decimal(wanted["points"])


def test_the_how_column_writes_decimals_with_a_comma_on_a_vietnamese_page(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    ws = _download(client, assessment).worksheets[0]
    columns = _columns(ws)
    rows = _rows(ws, columns)
    how = {code: ws.cell(row=row, column=columns["how"]).value for code, row in rows.items()}
    assert "(bước 0,25)" in how["1.4.3"]
    assert "(1,5)" in how["7.2.1"] and "(0,75)" in how["7.2.1"]
    assert not any("0.25" in text or "1.5" in text or "0.75" in text for text in how.values())
    max_cell = ws.cell(row=rows["7.2.1"], column=columns["max"]).value
    assert isinstance(max_cell, (int, float)) and not isinstance(max_cell, bool)  # numbers stay numbers


def test_the_how_column_writes_decimals_with_a_point_on_an_english_page(
    client: Client, assessment: Assessment, unit_editor: Any, vietnamese_after: None
) -> None:
    client.force_login(unit_editor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    ws = _download(client, assessment).worksheets[0]
    columns = _columns(ws)
    rows = _rows(ws, columns)
    how = {code: ws.cell(row=row, column=columns["how"]).value for code, row in rows.items()}
    assert "0.25" in how["1.4.3"] and "0,25" not in how["1.4.3"]
    assert "(1.5)" in how["7.2.1"] and "(0.75)" in how["7.2.1"]


@pytest.mark.parametrize(("language", "step", "limit"), [("vi", "0,5", "0,5"), ("en", "0.5", "0.5")])
def test_a_step_and_a_formulas_limit_are_written_in_the_languages_numbers(
    language: str, step: str, limit: str, vietnamese_after: None
) -> None:
    manual = Indicator(method=Indicator.Method.MANUAL, max_points=1, params={"step": "0.50"})
    formula = Indicator(method=Indicator.Method.FORMULA, max_points=1, params={
        "variables": [{"name": "a", "label": "Phát hiện"}, {"name": "b", "label": "Đã xử lý"}],
        "expression": "b / a", "limits": ["b <= 0.5 * a"],
    })
    with translation.override(language):
        assert f"{step})" in _how(manual) and "0.50" not in _how(manual) and "0,50" not in _how(manual)
        assert f"{limit} * " in _how(formula)


def test_a_label_stored_decomposed_or_with_a_trailing_space_is_matched_after_the_round_trip(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given a label stored as a set file typed on another system may hold it: decomposed accents, a trailing space
    leaf = Indicator.objects.get(indicator_set=assessment.indicator_set, code="1.1.1")
    params = leaf.params
    params["options"][1]["label"] = unicodedata.normalize("NFD", "Ban hành trễ hạn, chưa đầy đủ ")
    Indicator.objects.filter(pk=leaf.pk).update(params=params)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.worksheets[0]
    columns = _columns(ws)
    cell = ws.cell(row=_rows(ws, columns)["1.1.1"], column=columns["option"])
    cell.value = _list_values(workbook, _validation_of(ws, cell.coordinate).formula1)[1]  # chosen from the list
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("phieu.xlsx", buffer.getvalue(), content_type=XLSX_TYPE)
    # when
    response = client.post(reverse("scoring:sheet_upload", args=[assessment.pk]), {"file": upload})
    # then
    assert response.status_code == 200, [row.errors for row in response.context["preview"].rows]
    assert response.context["preview"].rows[0].value == {"option": params["options"][1]["key"]}
