"""The scoring parameters in the set tree's Excel file, written in Vietnamese for an official who edits them there:
«Bước điểm: 0,25», «≥ 30%: 1; ≥ 20%: 0,5; còn lại: 0», one level a line «[on_time] Ban hành đúng hạn = 1» … The
demo sets export and import back with no change; a point or a threshold edited in the cell is previewed as that
change and applied; a malformed cell is refused naming its row and what is wrong, and nothing is written; a cell
in JSON (files exported before) still imports."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.services import params_text, tree_excel
from scoring.models import Indicator, IndicatorSet
from scoring.services import indicator_set_import
from tests.administration.conftest import upload
from tests.administration.test_set_import import _tree

pytestmark = pytest.mark.django_db

CODE, PARAMS = "Mã tiêu chí", "Tham số phương pháp chấm"
OLD_PARAMS = "Tham số phương pháp chấm (JSON)"


def _official(name: str) -> IndicatorSet:
    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / f"{name}.json").read_text(encoding="utf-8"))
    return indicator_set_import(data=data, actor=None)


@pytest.fixture
def so_draft(catalogue: Any, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=_official("tg-2020-so"), key="tg-2021-so", year=2021,
                                        actor=admin_user)


def _exported(client: Client, indicator_set: IndicatorSet) -> bytes:
    response = client.get(reverse("administration:set_export", args=[indicator_set.pk]))
    assert response.status_code == 200
    return bytes(response.content)


def _cells(content: bytes) -> dict[str, dict[str, Any]]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    headers = [c.value for c in ws[1]]
    return {str(r[0]): dict(zip(headers, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)}


def _edited(content: bytes, cells: dict[str, Any], *, header: str = PARAMS,
            rename: tuple[str, str] | None = None) -> bytes:
    """The file with the parameters cell of some rows (by code) set, and a header renamed."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in cells:
            row[headers.index(header)].value = cells[row[0].value]
    if rename is not None:
        ws.cell(row=1, column=headers.index(rename[0]) + 1).value = rename[1]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _check(client: Client, indicator_set: IndicatorSet, content: bytes) -> Any:
    return client.post(reverse("administration:set_import", args=[indicator_set.pk]), {"file": upload(content)})


def _apply(client: Client, indicator_set: IndicatorSet, checked: Any) -> Any:
    return client.post(reverse("administration:set_import_apply", args=[indicator_set.pk]),
                       {"token": checked.context["token"]})


# --- 1. written in Vietnamese, read back unchanged -----------------------------------------------------------------


def test_the_export_writes_each_method_s_parameters_in_vietnamese(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    rows = _cells(_exported(client, so_draft))
    assert rows["1.4.3"][PARAMS] == "Bước điểm: 0,25"
    assert rows["1.3.2"][PARAMS] == "≥ 30%: 1; ≥ 20%: 0,5; còn lại: 0; số nguyên"
    assert rows["1.5.1"][PARAMS].startswith("> 90%: 2; ≥ 70%: 1; ")  # a threshold left out: «>»
    assert rows["1.1.1"][PARAMS] == (
        "[on_time] Ban hành đúng thời hạn, đầy đủ nội dung = 1\n"
        "[late] Ban hành trễ hạn hoặc chưa đầy đủ nội dung = 0\n"
        "[none] Không ban hành = -1"
    )
    assert rows["1.2.1"][PARAMS].splitlines()[0] == "Điểm gốc: 1,5"
    assert rows["1.2.1"][PARAMS].splitlines()[1].endswith("= -0,25")
    formula = rows["1.3.3"][PARAMS].splitlines()
    assert formula[0] == "Biến số a: Số tồn tại, hạn chế phát hiện qua kiểm tra"
    assert "Công thức: (b / a) * 1 + (c / a) * 0,5" in formula
    assert "Điểm khi chia cho 0: 1" in formula and "Giới hạn giữa các số liệu: b + c <= a" in formula
    yes_no = next(r for r in rows.values() if r["Phương pháp chấm"] == str(Indicator.Method.YES_NO.label))
    assert yes_no[PARAMS] == "Điểm khi «Có»: 1; Điểm khi «Không»: 0"
    proportional = [r[PARAMS] for r in rows.values()
                    if r["Phương pháp chấm"] == str(Indicator.Method.PROPORTIONAL.label)]
    assert "Ngưỡng tỷ lệ tối thiểu: 80%; Điểm khi dưới ngưỡng: 0; số nguyên" in proportional
    # no leaf of the demo set is left in JSON
    assert not [code for code, r in rows.items() if str(r[PARAMS] or "").startswith("{")]


@pytest.mark.parametrize("name", ["tg-2020-so", "tg-2020-huyen"])
def test_the_demo_sets_export_and_import_back_with_no_change(
    client: Client, admin_user: Any, catalogue: Any, name: str
) -> None:
    client.force_login(admin_user)
    draft = services.indicator_set_clone(source=_official(name), key=name.replace("2020", "2021"), year=2021,
                                         actor=admin_user)
    before = _tree(draft)
    checked = _check(client, draft, _exported(client, draft))
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    changes = checked.context["outcome"].changes
    assert not changes.any, (changes.modified, changes.added, changes.removed, changes.moved)
    assert changes.unchanged == draft.indicators.count()
    assert _apply(client, draft, checked).status_code == 302
    assert _tree(draft) == before


# --- 2. an edit in the cell is previewed as that change, and applied -------------------------------------------


def test_a_level_s_points_edited_in_the_cell_are_previewed_and_applied(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    # given: the late level of 2.1.3 worth 0,25 instead of 0,5
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    cell = _cells(content)["2.1.3"][PARAMS]
    assert "[late] Đăng ký trễ hạn = 0,5" in cell
    edited = cell.replace("[late] Đăng ký trễ hạn = 0,5", "[late] Đăng ký trễ hạn = 0,25")
    # when
    checked = _check(client, so_draft, _edited(content, {"2.1.3": edited}))
    # then: that criterion's parameters change, old → new as the cell writes them; nothing is written yet
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    changes = checked.context["outcome"].changes
    assert [(c.code, [(str(f.label), f.old, f.new) for f in c.fields]) for c in changes.modified] == [
        ("2.1.3", [(PARAMS, cell, edited)])
    ]
    assert not changes.added and not changes.removed and not changes.moved
    assert "Đăng ký trễ hạn = 0,25" in checked.content.decode()
    late = next(o for o in so_draft.indicators.get(code="2.1.3").params["options"] if o["key"] == "late")
    assert late["points"] == "0.5"
    # applied: the level keeps its key and is worth 0.25
    assert _apply(client, so_draft, checked).status_code == 302
    options = so_draft.indicators.get(code="2.1.3").params["options"]
    assert [(o["key"], o["points"]) for o in options] == [("on_time", "1"), ("late", "0.25"), ("none", "0")]


def test_a_band_s_threshold_edited_in_the_cell_is_previewed_and_applied(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    checked = _check(client, so_draft, _edited(content, {"1.3.2": "≥ 40%: 1; ≥ 20 %: 0,5; còn lại: 0; số nguyên"}))
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    [changed] = checked.context["outcome"].changes.modified
    assert (changed.code, [(f.old, f.new) for f in changed.fields]) == (
        "1.3.2", [("≥ 30%: 1; ≥ 20%: 0,5; còn lại: 0; số nguyên", "≥ 40%: 1; ≥ 20%: 0,5; còn lại: 0; số nguyên")]
    )
    assert _apply(client, so_draft, checked).status_code == 302
    assert so_draft.indicators.get(code="1.3.2").params == {"bands": [
        {"min": "40", "inclusive": True, "points": "1"},
        {"min": "20", "inclusive": True, "points": "0.5"},
        {"min": "0", "inclusive": True, "points": "0"},
    ], "whole_numbers": True}


def test_a_level_added_without_a_key_gets_one_made_from_its_label(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    cell = _cells(content)["2.1.3"][PARAMS] + "\nĐăng ký nhưng chưa đủ nội dung = 0,25\nĐăng ký trễ hạn = 0"
    checked = _check(client, so_draft, _edited(content, {"2.1.3": cell}))
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    assert _apply(client, so_draft, checked).status_code == 302
    options = so_draft.indicators.get(code="2.1.3").params["options"]
    assert [o["key"] for o in options][3:] == ["dang_ky_nhung_chua_du_noi_dung", "dang_ky_tre_han"]
    assert options[3] == {"key": "dang_ky_nhung_chua_du_noi_dung", "label": "Đăng ký nhưng chưa đủ nội dung",
                          "points": "0.25"}


def test_yes_and_no_points_may_be_written_short(client: Client, admin_user: Any, so_draft: IndicatorSet) -> None:
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    assert _cells(content)["1.1.2"][PARAMS] == "Điểm khi «Có»: 1; Điểm khi «Không»: 0"
    checked = _check(client, so_draft, _edited(content, {"1.1.2": "Có: 0,75; không: 0"}))
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    [changed] = checked.context["outcome"].changes.modified
    assert [(f.old, f.new) for f in changed.fields] == [("Điểm khi «Có»: 1; Điểm khi «Không»: 0",
                                                          "Điểm khi «Có»: 0,75; Điểm khi «Không»: 0")]
    assert _apply(client, so_draft, checked).status_code == 302
    assert so_draft.indicators.get(code="1.1.2").params == {"yes_points": "0.75", "no_points": "0"}


def test_a_key_made_from_a_label_never_takes_one_another_level_has() -> None:
    params = params_text.params_from_text("levels", "[dung_han] Đúng hạn = 1\nĐúng hạn = 0,5\nĐúng  hạn = 0", [])
    assert [o["key"] for o in params["options"]] == ["dung_han", "dung_han_2", "dung_han_3"]


# --- 3. malformed cells are refused, naming the row ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cell", "said"),
    [
        ("1.4.3", "Bước điểm 0,25", "thiếu dấu «:»"),
        ("1.4.3", "Bước điểm: 1.000", "1.000"),
        ("1.4.3", "Bước điểm: nửa", "nửa"),
        ("1.4.3", "Bước điểm: 0,25; Bước điểm: 0,5", "ghi hai lần"),
        ("1.4.3", "Điểm gốc: 0,25", "«Điểm gốc» không phải là tham số của phương pháp «Chấm điểm trực tiếp»"),
        ("1.4.3", "Điểm khi «Có»: 0,25", "phương pháp này nhận: «Bước điểm»"),
        ("1.1.2", "Có: 1; Có: 0,5", "ghi hai lần"),
        ("1.2.1", "Điểm gốc = 1,5\n[late_or_incomplete] Trễ hạn = -0,25", "«Điểm gốc: …»"),
        ("1.3.2", "≤ 30%: 1; còn lại: 0", "không phải là một mức của khung tỷ lệ"),
        ("1.3.2", "≥ 30%: một; còn lại: 0", "một"),
        ("2.1.3", "[on_time] Đăng ký đúng thời hạn 1", "thiếu «= điểm»"),
        ("2.1.3", "[] Đăng ký đúng thời hạn = 1", "ngoặc vuông"),
        ("1.3.3", "Biến số số hồ sơ: Số hồ sơ\nCông thức: 1", "tên biến"),
    ],
)
def test_a_malformed_cell_is_refused_naming_the_row_and_nothing_is_written(
    client: Client, admin_user: Any, so_draft: IndicatorSet, code: str, cell: str, said: str
) -> None:
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    row = 2 + list(_cells(content)).index(code)
    before = _tree(so_draft)
    checked = _check(client, so_draft, _edited(content, {code: cell}))
    assert checked.status_code == 400
    errors = checked.context["outcome"].row_errors
    assert [e["row"] for e in errors] == [row], errors
    [message] = errors[0]["messages"]  # said once: not again by the engine in its own words
    assert f"«{PARAMS}»" in message and said in message, message
    assert "token" not in checked.context or not checked.context["token"]
    outcome = services.indicator_set_tree_import(
        indicator_set=so_draft, rows=tree_excel.read_tree_sheet(upload(_edited(content, {code: cell}))).rows,
        actor=admin_user, dry_run=False)
    assert not outcome.ok
    assert _tree(so_draft) == before


def test_a_value_the_engine_refuses_is_said_as_for_a_json_cell(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    checked = _check(client, so_draft, _edited(content, {"1.3.2": "≥ 20%: 1; ≥ 30%: 0,5; còn lại: 0"}))
    assert checked.status_code == 400
    [error] = checked.context["outcome"].row_errors
    assert error["row"] == 2 + list(_cells(content)).index("1.3.2")
    assert any("cao xuống" in m for m in error["messages"]), error


def test_parameters_written_for_a_survey_are_refused() -> None:
    problems: list[str] = []
    params_text.params_from_text("survey", "Bước điểm: 1", problems)
    assert problems and "không có tham số" in problems[0]


# --- 4. JSON still reads -------------------------------------------------------------------------------------------


def test_a_file_exported_before_with_json_cells_still_imports_with_no_change(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    # given: the file as exported before: the parameters column «(JSON)», every cell JSON
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    stored = dict(so_draft.indicators.filter(is_leaf=True).values_list("code", "params"))
    old_file = _edited(content, {code: json.dumps(params, ensure_ascii=False) for code, params in stored.items()},
                       rename=(PARAMS, OLD_PARAMS))
    assert _cells(old_file)["1.4.3"][OLD_PARAMS] == '{"step": "0.25"}'
    # when
    checked = _check(client, so_draft, old_file)
    # then
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    assert not checked.context["outcome"].changes.any


def test_a_json_cell_among_vietnamese_ones_is_read_as_json(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _exported(client, so_draft)
    checked = _check(client, so_draft, _edited(content, {"1.4.3": '{"step": "0,5"}'}))
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    [changed] = checked.context["outcome"].changes.modified
    assert (changed.code, [(f.old, f.new) for f in changed.fields]) == ("1.4.3", [("Bước điểm: 0,25",
                                                                                   "Bước điểm: 0,5")])
    assert _apply(client, so_draft, checked).status_code == 302
    assert so_draft.indicators.get(code="1.4.3").params == {"step": "0.5"}


def test_parameters_the_text_cannot_say_exactly_are_exported_as_json_and_read_back(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    # given: points stored as JSON numbers (as a JSON file may have them), and a level's label on two lines
    client.force_login(admin_user)
    Indicator.objects.filter(indicator_set=so_draft, code="1.4.3").update(params={"step": 0.25})
    Indicator.objects.filter(indicator_set=so_draft, code="2.1.3").update(params={"options": [
        {"key": "on_time", "label": "Đăng ký\nđúng thời hạn", "points": "1"},
        {"key": "late", "label": "Đăng ký trễ hạn", "points": "0.5"}]})
    content = _exported(client, so_draft)
    rows = _cells(content)
    assert json.loads(rows["1.4.3"][PARAMS]) == {"step": 0.25}
    assert json.loads(rows["2.1.3"][PARAMS])["options"][0]["label"] == "Đăng ký\nđúng thời hạn"
    checked = _check(client, so_draft, content)
    assert checked.status_code == 200, checked.context["outcome"].row_errors
    assert not checked.context["outcome"].changes.any


# --- 5. the instructions --------------------------------------------------------------------------------------------


def test_the_notes_give_the_format_and_an_example_of_each_method(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    workbook = load_workbook(io.BytesIO(_exported(client, so_draft)))
    notes = {row[0]: row[1] for row in workbook["Chú thích"].iter_rows(values_only=True)}
    note = notes[PARAMS]
    for method in Indicator.Method:
        [line] = [line for line in note.splitlines() if line.startswith(f"• {method.label}:")]
        assert "Ví dụ: " in line, line
    assert "Bước điểm: 0,25" in note and "≥ 80%: 1; > 50%: 0,5; còn lại: 0; số nguyên" in note
    assert "[dung_han] Ban hành đúng hạn = 1" in note and "JSON" in note
    comment = workbook.worksheets[0].cell(row=1, column=8).comment
    assert comment is not None and comment.text == note


@pytest.mark.parametrize("method", list(Indicator.Method))
def test_each_method_s_example_reads_back_as_the_parameters_it_shows(method: Indicator.Method) -> None:
    example = tree_excel._example_params(method)
    text = params_text.params_text(method, example)
    assert text is not None
    problems: list[str] = []
    assert params_text.params_from_text(method, text, problems) == example and not problems



def test_a_file_exported_in_english_reads_back_in_either_language(
    client: Client, admin_user: Any, so_draft: IndicatorSet
) -> None:
    # given: the file exported with the page in English: the parameters named by the editor's English labels
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = _exported(client, so_draft)
    rows = _cells(content)
    params_header = "Scoring method parameters"
    assert rows["1.4.3"][params_header] == "Score step: 0,25"
    assert rows["1.3.2"][params_header] == "≥ 30%: 1; ≥ 20%: 0,5; the rest: 0; whole numbers"
    # when: imported with the page in Vietnamese, then in English
    for language in ("vi", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        checked = _check(client, so_draft, content)
        # then: nothing changes
        assert checked.status_code == 200, checked.context["outcome"].row_errors
        assert not checked.context["outcome"].changes.any
