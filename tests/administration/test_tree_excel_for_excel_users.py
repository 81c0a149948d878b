"""The set tree's Excel file as an Excel user expects it: the labels shown on screen accepted for the kind, the
method and the source (and written by the export, with a drop-down); Vietnamese column headers (old files with
code headers still read); the preview lists what the import will change, criterion by criterion; numbers typed
inside the parameters read as every other number field reads them."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.resources import clean_rows
from scoring.administration.services import tree_excel
from scoring.models import AuditEntry, IndicatorSet
from tests.administration.conftest import upload, xlsx_bytes
from tests.administration.test_set_import import _annex, _import, _tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


@pytest.fixture
def empty_set(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_create(
        key="annex-2021", year=2021, unit_kind=small_set.unit_kind, actor=admin_user,
        data={"name": "Phụ lục 2021", "standard_max": "10", "bonus_cap": "2", "penalty_cap": "2"},
    )


def _leaf(**cells: Any) -> dict[str, Any]:
    return {"row": 2, "code": "1", "parent_code": "", "name": "Tiêu chí", "kind": "normal", "max_points": "1",
            "method": "manual", "params": '{"step": "0.5"}', **cells}


def _cleaned(**cells: Any) -> tuple[dict[str, Any], list[str]]:
    clean, errors = clean_rows([_leaf(**cells)])
    return clean[0], errors.get(2, [])


# --- 1. the labels shown on screen ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("Điểm cộng", "bonus"),
        ("điểm cộng", "bonus"),
        ("ĐIỂM CỘNG", "bonus"),
        ("Diem cong", "bonus"),
        ("  Điểm  trừ ", "penalty"),
        ("Thường", "normal"),
        ("Bonus points", "bonus"),  # the English label
        ("bonus", "bonus"),  # the code, as files exported before hold it
        ("PENALTY", "penalty"),
    ],
)
def test_the_kind_is_read_from_its_label_in_either_language_or_its_code(typed: str, kind: str) -> None:
    row, problems = _cleaned(kind=typed)
    assert problems == []
    assert row["kind"] == kind


@pytest.mark.parametrize(
    ("typed", "method"),
    [("Chấm điểm trực tiếp", "manual"), ("chấm điểm trực tiếp", "manual"), ("manual", "manual")],
)
def test_the_method_is_read_from_its_label_or_its_code(typed: str, method: str) -> None:
    row, problems = _cleaned(method=typed)
    assert problems == []
    assert row["method"] == method


@pytest.mark.parametrize(("typed", "source"), [("Tự chấm", "self"), ("tu cham", "self"), ("Điều tra xã hội học",
                                                                                              "survey")])
def test_the_source_is_read_from_its_label_or_its_code(typed: str, source: str) -> None:
    row, problems = _cleaned(source=typed)
    assert problems == []
    assert row["source"] == source


def test_an_unknown_kind_is_refused_naming_the_labels_one_may_write() -> None:
    _, problems = _cleaned(kind="Điểm thưởng")
    assert any("«Điểm thưởng»" in p and "Điểm cộng" in p and "Điểm trừ" in p for p in problems), problems


def test_a_file_with_the_kind_written_as_on_screen_imports(
    small_set: IndicatorSet, empty_set: IndicatorSet, admin_user: Any
) -> None:
    # given: the small set's annex with every kind written as the screen shows it
    headers, *rows = _annex(small_set)
    kind = headers.index("kind")
    for row in rows:
        row[kind] = {"normal": "Thường", "bonus": "Điểm cộng", "penalty": "Điểm trừ"}[row[kind]]
    # when
    outcome = _import(empty_set, xlsx_bytes(headers, rows), admin_user)
    # then
    assert outcome.ok, outcome.row_errors
    assert _tree(empty_set) == _tree(small_set)


# --- 1 and 2. the exported file ---------------------------------------------------------------------------------


def _exported(client: Client, indicator_set: IndicatorSet) -> bytes:
    response = client.get(reverse("administration:set_export", args=[indicator_set.pk]))
    assert response.status_code == 200
    return bytes(response.content)


def test_the_export_has_vietnamese_headers_labels_drop_downs_and_a_note_on_the_parameters(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    ws = load_workbook(io.BytesIO(_exported(client, small_set))).worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["Mã tiêu chí", "Mã tiêu chí cha", "Nội dung", "Loại"]
    assert "Phương pháp chấm" in headers and "Nguồn điểm" in headers
    params_header = next(h for h in headers if str(h).startswith("Tham số"))
    assert params_header == "Tham số phương pháp chấm"  # written in Vietnamese, no longer JSON
    rows = {r[0]: dict(zip(headers, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["2.2.1"]["Loại"] == "Điểm cộng"
    assert rows["2.3.1"]["Loại"] == "Điểm trừ"
    assert rows["1.2.3"]["Phương pháp chấm"] == "Chấm điểm trực tiếp"
    assert rows["1.2.3"]["Nguồn điểm"] == "Tự chấm"
    assert rows["1.2.3"][params_header] == "Bước điểm: 0,25"
    # a drop-down on each of the kind, method and source columns
    columns = {h: chr(ord("A") + i) for i, h in enumerate(headers)}
    validated = {str(rng) for dv in ws.data_validations.dataValidation if dv.type == "list" for rng in dv.sqref.ranges}
    for header in ("Loại", "Phương pháp chấm", "Nguồn điểm"):
        assert any(r.startswith(columns[header] + "2:") for r in validated), (header, validated)
    # the parameters' header explains what goes in it
    comment = ws.cell(row=1, column=headers.index(params_header) + 1).comment
    assert comment is not None and "Bước điểm: 0,25" in comment.text and "JSON" in comment.text


def test_the_exported_file_imports_back_through_the_pages_unchanged(
    client: Client, admin_user: Any, small_set: IndicatorSet, empty_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _exported(client, small_set)
    response = client.post(reverse("administration:set_import", args=[empty_set.pk]), {"file": upload(content)})
    assert response.status_code == 200, response.content.decode()[:2000]
    applied = client.post(reverse("administration:set_import_apply", args=[empty_set.pk]),
                          {"token": response.context["token"]})
    assert applied.status_code == 302
    assert _tree(empty_set) == _tree(small_set)


def test_headers_are_read_in_vietnamese_without_accents_or_case_and_as_the_old_codes(small_set: IndicatorSet) -> None:
    headers, *rows = _annex(small_set)
    vietnamese = ["MA TIEU CHI", "mã tiêu chí cha", "Nội dung", "loai", "Điểm tối đa", "floor", "Phương pháp chấm",
                  "Tham số phương pháp chấm (JSON)", "evidence_required", "Cho phép không phát sinh",
                  "tieu chi ve thoi han gui bao cao tu danh gia", "Nguồn điểm", "Hướng dẫn",
                  "Cơ quan phối hợp thẩm định"]
    sheet = tree_excel.read_tree_sheet(upload(xlsx_bytes(vietnamese, rows)))
    old = tree_excel.read_tree_sheet(upload(xlsx_bytes(headers, rows)))
    assert sheet.rows == old.rows
    assert sheet.rows[0]["code"] == "1" and "kind" in sheet.rows[0]


def test_a_missing_column_is_named_by_its_vietnamese_header(small_set: IndicatorSet) -> None:
    from scoring.administration.xlsx import FileRefused

    headers = ["Mã tiêu chí", "Mã tiêu chí cha", "Nội dung", "Loại", "Điểm tối đa", "Phương pháp chấm"]
    with pytest.raises(FileRefused, match="Tham số"):
        tree_excel.read_tree_sheet(upload(xlsx_bytes(headers, [])))


# --- 3. the preview lists the changes -------------------------------------------------------------------------------


def _edited(content: bytes, edits: dict[tuple[str, str], Any]) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for (code, header), value in edits.items():
            if row[0].value == code:
                row[headers.index(header)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_preview_lists_the_changes_criterion_by_criterion_and_writes_nothing(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    # given: the draft's own file, one criterion renamed, one replaced by another under a new code (removed and
    # added: kept under its name, it would be renumbered), one worth 2,5
    client.force_login(admin_user)
    content = _edited(_exported(client, draft), {
        ("1.2.1", "Nội dung"): "Báo cáo CCHC đúng hạn",
        ("1.2.3", "Nội dung"): "Gửi báo cáo tự đánh giá qua phần mềm",  # (the row found by its code: name first)
        ("1.2.3", "Mã tiêu chí"): "1.2.4",
        ("2.1.1", "Điểm tối đa"): 2.5,
    })
    before = _tree(draft)
    # when
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    # then
    assert response.status_code == 200
    changes = response.context["outcome"].changes
    assert [c.code for c in changes.added] == ["1.2.4"]
    assert [c.code for c in changes.removed] == ["1.2.3"]
    modified = {c.code: [(str(f.label), f.old, f.new) for f in c.fields] for c in changes.modified}
    assert modified == {
        "1.2.1": [("Nội dung", "Báo cáo đúng hạn", "Báo cáo CCHC đúng hạn")],
        "2.1.1": [("Điểm tối đa", "2", "2,5")],
    }
    assert changes.unchanged == 13
    page = response.content.decode()
    assert "1.2.4" in page and "Báo cáo CCHC đúng hạn" in page and "2,5" in page
    assert "13 tiêu chí không đổi" in page
    assert _tree(draft) == before


def test_the_preview_of_an_unchanged_file_says_nothing_changes(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_import", args=[draft.pk]),
                           {"file": upload(_exported(client, draft))})
    assert response.status_code == 200
    changes = response.context["outcome"].changes
    assert not changes.added and not changes.removed and not changes.modified
    assert changes.unchanged == draft.indicators.count()
    assert "Tệp không thay đổi tiêu chí nào" in response.content.decode()


def test_the_preview_shows_kinds_by_their_labels(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    client.force_login(admin_user)
    content = _edited(_exported(client, draft), {("1.2.3", "Loại"): "Điểm cộng"})
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    changes = response.context["outcome"].changes
    assert [(c.code, [(f.old, f.new) for f in c.fields]) for c in changes.modified] == [
        ("1.2.3", [("Thường", "Điểm cộng")])
    ]


# --- 4. numbers in the parameters -----------------------------------------------------------------------------------


def test_a_decimal_comma_in_the_parameters_is_stored_with_a_point(
    small_set: IndicatorSet, empty_set: IndicatorSet, admin_user: Any
) -> None:
    headers, *rows = _annex(small_set)
    code, params = headers.index("code"), headers.index("params")
    by_code = {row[code]: row for row in rows}
    by_code["1.2.3"][params] = '{"step": "0,25"}'
    by_code["2.1.2"][params] = json.dumps({"base": "2", "items": [
        {"key": "late", "label": "Báo cáo trễ hạn", "points": "-0,25"},
        {"key": "missing", "label": "Thiếu báo cáo", "points": " -0,5 "}]}, ensure_ascii=False)
    outcome = _import(empty_set, xlsx_bytes(headers, rows), admin_user)
    assert outcome.ok, outcome.row_errors
    assert empty_set.indicators.get(code="1.2.3").params == {"step": "0.25"}
    assert [i["points"] for i in empty_set.indicators.get(code="2.1.2").params["items"]] == ["-0.25", "-0.5"]
    assert _tree(empty_set) == _tree(small_set)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ('{"step": "1.000"}', "«step»"),
        ('{"options": [{"key": "a", "label": "A", "points": "1.000"}]}', "«options», mục 1, «points»"),
    ],
)
def test_a_number_in_the_parameters_that_may_group_thousands_is_refused_naming_the_field(
    params: str, named: str
) -> None:
    method = "levels" if "options" in params else "manual"
    _, problems = _cleaned(params=params, method=method, max_points="1")
    assert any(named in p and "1.000" in p for p in problems), problems


def test_a_formula_written_as_arithmetic_is_stored_as_the_editor_stores_it(
    small_set: IndicatorSet, empty_set: IndicatorSet, admin_user: Any
) -> None:
    headers, *rows = _annex(small_set)
    code, params = headers.index("code"), headers.index("params")
    row = next(r for r in rows if r[code] == "1.2.2")
    value = json.loads(row[params])
    value["expression"] = "(b / a) × 1,5 + (c / a) × 0,5"
    row[params] = json.dumps(value, ensure_ascii=False)
    outcome = _import(empty_set, xlsx_bytes(headers, rows), admin_user)
    assert outcome.ok, outcome.row_errors
    assert empty_set.indicators.get(code="1.2.2").params["expression"] == "(b / a) * 1.5 + (c / a) * 0.5"


def test_the_audit_of_an_applied_import_still_names_the_changed_criteria(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    content = _edited(_exported(client, draft), {("1.2.1", "Nội dung"): "Báo cáo CCHC đúng hạn"})
    token = client.post(reverse("administration:set_import", args=[draft.pk]),
                        {"file": upload(content)}).context["token"]
    assert client.post(reverse("administration:set_import_apply", args=[draft.pk]), {"token": token}).status_code == 302
    entry = AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(draft.pk)).latest("pk")
    assert entry.changes["indicators_modified"] == {"codes": [{
        "code": "1.2.1", "fields": ["name"],
        "changes": {"name": {"old": "Báo cáo đúng hạn", "new": "Báo cáo CCHC đúng hạn"}},
    }], "more": 0}
