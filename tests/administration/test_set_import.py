"""Excel import and export of a set's tree (django-import-export): round trip, dry run, and every kind of bad
input refused row by row with nothing written."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from typing import Any

import pytest

from scoring.administration import services
from scoring.administration.resources import COLUMNS, REQUIRED_COLUMNS, IndicatorResource
from scoring.administration.xlsx import MAX_ROWS, FileRefused, read_sheet, write_sheet
from scoring.errors import StateConflict
from scoring.models import AuditEntry, IndicatorSet
from tests.administration.conftest import raw_xlsx, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_set(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_create(
        key="annex-2021",
        year=2021,
        unit_kind=small_set.unit_kind,
        actor=admin_user,
        data={"name": "Phụ lục 2021", "standard_max": "10", "bonus_cap": "2", "penalty_cap": "2"},
    )


def _exported(indicator_set: IndicatorSet) -> bytes:
    dataset = IndicatorResource(indicator_set=indicator_set).export()
    return write_sheet(title=indicator_set.key, headers=list(dataset.headers), rows=dataset)


def _rows(content: bytes) -> list[dict[str, Any]]:
    return read_sheet(upload(content), expected=REQUIRED_COLUMNS).rows


def _import(target: IndicatorSet, content: bytes, actor: Any, *, dry_run: bool = False) -> services.TreeImport:
    return services.indicator_set_tree_import(indicator_set=target, rows=_rows(content), actor=actor, dry_run=dry_run)


def _tree(indicator_set: IndicatorSet) -> list[tuple[Any, ...]]:
    return [
        (
            n.code,
            n.parent.code if n.parent else None,
            n.name,
            n.kind,
            n.max_points,
            n.floor,
            n.method,
            n.params,
            n.evidence_required,
            n.allow_not_applicable,
            n.source,
            n.guidance,
            n.coordinating_department,
            n.order,
            n.level,
            n.is_leaf,
        )
        for n in indicator_set.indicators.select_related("parent").order_by("order")
    ]


def _annex(small_set: IndicatorSet) -> list[list[Any]]:
    """The small set's rows as an administrator's sheet would hold them (a list of lists, header first)."""
    dataset = IndicatorResource(indicator_set=small_set).export()
    return [list(dataset.headers), *[list(r) for r in dataset]]


def test_export_then_import_reproduces_the_same_set_exactly(
    small_set: IndicatorSet, empty_set: IndicatorSet, admin_user: Any
) -> None:
    outcome = _import(empty_set, _exported(small_set), admin_user)
    assert outcome.ok and outcome.created == small_set.indicators.count()
    assert _tree(empty_set) == _tree(small_set)
    assert AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(empty_set.pk)).exists()


def test_a_dry_run_writes_nothing(small_set: IndicatorSet, empty_set: IndicatorSet, admin_user: Any) -> None:
    outcome = _import(empty_set, _exported(small_set), admin_user, dry_run=True)
    assert outcome.ok and outcome.created == 16
    assert empty_set.indicators.count() == 0


def test_import_replaces_a_draft_tree_but_never_a_frozen_one(
    cycle: Any, small_set: IndicatorSet, admin_user: Any
) -> None:
    with pytest.raises(StateConflict):
        _import(small_set, _exported(small_set), admin_user)


def _with(small_set: IndicatorSet, changes: dict[tuple[str, str], Any]) -> bytes:
    table = _annex(small_set)
    headers = table[0]
    for (code, column), value in changes.items():
        row = next(r for r in table[1:] if r[0] == code)
        row[headers.index(column)] = value
    return xlsx_bytes(headers, table[1:])


@pytest.mark.parametrize(
    ("changes", "row", "fragment"),
    [
        ({("1.1.2", "code"): "1.1.1"}, 5, "bị trùng"),
        ({("1.1", "parent_code"): "1.1.1"}, 3, "vòng lặp"),
        ({("1.2.3", "max_points"): "nửa"}, 9, "không phải là số"),
        (
            {
                ("1.1.2", "params"): json.dumps(
                    {
                        "bands": [
                            {"min": "70", "inclusive": True, "points": "1"},
                            {"min": "90", "inclusive": False, "points": "2"},
                            {"min": "0", "inclusive": True, "points": "0"},
                        ]
                    }
                )
            },
            5,
            "chồng lấn",
        ),
        ({("1.2.1", "method"): "phép thuật"}, 7, "không hợp lệ"),
        ({("1.2.2", "params"): "{not json"}, 8, "JSON"),
        ({("2.1.1", "parent_code"): "9.9"}, 12, "không có trong tệp"),
        ({("1.2.3", "name"): '=HYPERLINK("http://x")'}, 9, "công thức"),
        ({("1.2.3", "name"): "Tiêu chí \u202egpj.exe"}, 9, "ký tự điều khiển"),
        ({("1.2.3", "guidance"): "\u2066Hướng dẫn\u2069"}, 9, "Cột «Hướng dẫn»"),
        ({("1.2.3", "name"): "\u200b\u200b"}, 9, "Thiếu nội dung"),
    ],
)
def test_bad_rows_are_reported_with_their_row_number_and_nothing_is_written(
    small_set: IndicatorSet,
    empty_set: IndicatorSet,
    admin_user: Any,
    changes: dict[tuple[str, str], Any],
    row: int,
    fragment: str,
) -> None:
    outcome = _import(empty_set, _with(small_set, changes), admin_user)
    assert not outcome.ok
    messages = {e["row"]: " ".join(e["messages"]) for e in outcome.row_errors}
    assert fragment in messages.get(row, ""), messages
    assert empty_set.indicators.count() == 0


def test_formula_like_text_is_escaped_on_export_and_read_back_as_text(
    clone_with_formula_text: IndicatorSet, empty_set: IndicatorSet, admin_user: Any
) -> None:
    content = _exported(clone_with_formula_text)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # nothing a spreadsheet would evaluate
    outcome = _import(empty_set, content, admin_user)
    assert outcome.ok
    assert empty_set.indicators.get(code="1.2.3").name == "=1+1 @người +cộng -trừ"


@pytest.fixture
def clone_with_formula_text(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    clone = services.indicator_set_clone(source=small_set, key="formula-text", year=2022, actor=admin_user)
    node = clone.indicators.get(code="1.2.3")
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    services.indicator_update(indicator=node, data={**data, "name": "=1+1 @người +cộng -trừ"}, actor=admin_user)
    return clone


def test_text_in_another_unicode_form_is_stored_nfc(
    small_set: IndicatorSet, empty_set: IndicatorSet, admin_user: Any
) -> None:
    decomposed = unicodedata.normalize("NFD", "Công tác chỉ đạo, điều hành")
    outcome = _import(empty_set, _with(small_set, {("1", "name"): decomposed}), admin_user)
    assert outcome.ok
    assert empty_set.indicators.get(code="1").name == unicodedata.normalize("NFC", decomposed)


def test_a_truncated_file_is_refused_before_reading(small_set: IndicatorSet) -> None:
    content = _exported(small_set)
    with pytest.raises(FileRefused, match="hỏng"):
        read_sheet(upload(content[: len(content) // 2]), expected=REQUIRED_COLUMNS)


def test_a_file_that_is_not_a_workbook_is_refused(small_set: IndicatorSet) -> None:
    with pytest.raises(FileRefused, match="không phải"):
        read_sheet(upload(b"code,name\n1,x\n"), expected=REQUIRED_COLUMNS)
    with pytest.raises(FileRefused, match="xlsx"):
        read_sheet(upload(_exported(small_set), name="bo.xls"), expected=REQUIRED_COLUMNS)


def test_a_zip_bomb_disguised_as_xlsx_is_refused_unopened() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    content = buffer.getvalue()
    assert len(content) < 1024 * 1024
    with pytest.raises(FileRefused, match="giải nén"):
        read_sheet(upload(content), expected=REQUIRED_COLUMNS)


def test_a_file_with_100000_rows_is_refused_with_the_limit() -> None:
    rows = ([f"{i}", "", f"Tiêu chí {i}", "normal", 1, 0, "manual", ""] for i in range(100_000))
    content = raw_xlsx(list(COLUMNS[:8]), rows)
    with pytest.raises(FileRefused) as refused:
        read_sheet(upload(content), expected=REQUIRED_COLUMNS)
    assert f"{MAX_ROWS}" in refused.value.message


def test_missing_columns_are_named() -> None:
    with pytest.raises(FileRefused, match=r"Thiếu cột: .*params"):
        read_sheet(
            upload(xlsx_bytes(["code", "parent_code", "name", "kind", "max_points", "method"], [])),
            expected=REQUIRED_COLUMNS,
        )


@pytest.mark.parametrize("name", ["tg-2020-so", "tg-2020-huyen"])
def test_the_real_2020_sets_survive_an_export_import_round_trip(catalogue: Any, admin_user: Any, name: str) -> None:
    from django.conf import settings

    from scoring.services import indicator_set_import

    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / f"{name}.json").read_text(encoding="utf-8"))
    official = indicator_set_import(data=data, actor=None)
    target = services.indicator_set_clone(source=official, key=f"{name}-copy", year=2021, actor=admin_user)
    target.indicators.all().delete()
    outcome = _import(target, _exported(official), admin_user)
    assert outcome.ok, outcome.row_errors
    assert _tree(target) == _tree(official)
