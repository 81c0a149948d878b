"""The administration's Excel files (units, users, a set's criteria tree; templates and error reports) write a text
that starts like a formula («=SUM(1)», «- gạch đầu dòng») as a string cell with Excel's «text as typed» mark, no
apostrophe shown; each downloaded list imports back as it is, and so does a file exported before, whose cells
carried a visible apostrophe."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.services import tree_excel
from scoring.administration.xlsx import read_sheet, write_sheet
from scoring.models import AuditEntry, IndicatorSet, Unit, UnitKind
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db

FORMULA_LIKE = ["=SUM(1)", "- gạch đầu dòng", "+84 912 345 678", "@nhom"]


def _as_exported_before(content: bytes) -> bytes:
    """The same workbook as the export wrote it before: each quote-prefixed text cell as a plain text cell with a
    leading apostrophe."""
    workbook = load_workbook(io.BytesIO(content))
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.quotePrefix:
                    text = "'" + cell.value
                    cell.quotePrefix = False
                    cell.value = text
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _quoted_cells(content: bytes) -> dict[str, list[tuple[Any, str, bool]]]:
    """Each sheet's cells holding one of FORMULA_LIKE (or it with an apostrophe): value, type, quote prefix."""
    workbook = load_workbook(io.BytesIO(content))
    found: dict[str, list[tuple[Any, str, bool]]] = {}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.lstrip("'") in FORMULA_LIKE:
                    found.setdefault(ws.title, []).append((cell.value, cell.data_type, bool(cell.quotePrefix)))
    return found


# --- the writer ---------------------------------------------------------------------------------------------------


def test_text_starting_like_a_formula_is_a_quote_prefixed_text_cell_without_a_visible_apostrophe() -> None:
    # when: a sheet with such text in its rows, its notes and its drop-down's values
    content = write_sheet(
        title="x", headers=["a", "b"], rows=[FORMULA_LIKE[:2], FORMULA_LIKE[2:], ["thường", -1]],
        labels=["=SUM(1)", "ghi chú"], choices={0: ["- gạch đầu dòng", "thường"]},
    )

    # then: every such text is stored as typed, a string cell marked «text as typed», nowhere an apostrophe
    found = _quoted_cells(content)
    data, notes, lists = load_workbook(io.BytesIO(content)).sheetnames
    assert sorted(found[data]) == sorted((text, "s", True) for text in FORMULA_LIKE)
    assert found[notes] == [("=SUM(1)", "s", True)]
    assert found[lists] == [("- gạch đầu dòng", "s", True)]
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in ws[4]] == ["thường", -1]  # a number stays a number
    assert not ws["A4"].quotePrefix


def test_the_reader_takes_a_quote_prefixed_cell_as_its_text_and_an_old_files_apostrophe_off() -> None:
    content = write_sheet(title="x", headers=["name"], rows=[[text] for text in FORMULA_LIKE])
    for file in (content, _as_exported_before(content)):
        sheet = read_sheet(SimpleUploadedFile("x.xlsx", file), expected=("name",))
        assert [row["name"] for row in sheet.rows] == FORMULA_LIKE


# --- the units file -------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def odd_unit(admin_user: Any) -> Unit:
    return services.unit_create(
        data={"code": "xa-cong-thuc", "name": "=SUM(1)", "short_name": "- gạch đầu dòng",
              "kind": UnitKind.objects.get(code="district")},
        actor=admin_user,
    )


def _units_download(client: Client) -> bytes:
    response = client.get(reverse("administration:unit_export"))
    assert response.status_code == 200
    return bytes(response.content)


def test_the_units_file_shows_such_a_name_without_an_apostrophe(
    client: Client, admin_user: Any, odd_unit: Unit
) -> None:
    client.force_login(admin_user)
    found = _quoted_cells(_units_download(client))
    assert sorted(found[next(iter(found))]) == [("- gạch đầu dòng", "s", True), ("=SUM(1)", "s", True)]


@pytest.mark.parametrize("before", [False, True], ids=["as-exported-now", "as-exported-before"])
def test_the_downloaded_units_file_imports_back_as_no_change(
    client: Client, admin_user: Any, odd_unit: Unit, media: Any, before: bool
) -> None:
    # guards behaviour that must not change (the file imports back as it is), for a file exported now or before
    client.force_login(admin_user)
    content = _units_download(client)
    if before:
        content = _as_exported_before(content)
    audits = AuditEntry.objects.count()

    preview = client.post(reverse("administration:unit_import"), {"file": upload(content, "don-vi.xlsx")})

    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []
    assert preview.context["import_preview"]["unchanged"] == Unit.objects.count()
    odd_unit.refresh_from_db()
    assert (odd_unit.name, odd_unit.short_name) == ("=SUM(1)", "- gạch đầu dòng")
    assert AuditEntry.objects.count() == audits


# --- the users file -------------------------------------------------------------------------------------------


@pytest.fixture
def odd_people(unit_editor: Any) -> None:
    users = get_user_model()
    users.objects.create_user(username="cong-thuc", first_name="", last_name="=SUM(1)", password="x-Secret-2021!")
    users.objects.create_user(username="gach", first_name="- gạch đầu", last_name="dòng", password="x-Secret-2021!")


def _users_download(client: Client) -> bytes:
    response = client.get(reverse("administration:user_export"))
    assert response.status_code == 200
    return bytes(response.content)


def test_the_users_file_shows_such_a_name_without_an_apostrophe(
    client: Client, admin_user: Any, odd_people: None
) -> None:
    client.force_login(admin_user)
    found = _quoted_cells(_users_download(client))
    assert sorted(found[next(iter(found))]) == [("- gạch đầu dòng", "s", True), ("=SUM(1)", "s", True)]


@pytest.mark.parametrize("before", [False, True], ids=["as-exported-now", "as-exported-before"])
def test_the_downloaded_users_file_imports_back_as_no_change(
    client: Client, admin_user: Any, odd_people: None, media: Any, before: bool
) -> None:
    # guards behaviour that must not change (the file imports back as it is), for a file exported now or before
    client.force_login(admin_user)
    content = _users_download(client)
    if before:
        content = _as_exported_before(content)
    audits = AuditEntry.objects.count()

    preview = client.post(reverse("administration:user_import"), {"file": upload(content, "nguoi-dung.xlsx")})

    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []
    assert "Tệp không thay đổi tài khoản nào." in preview.content.decode()
    assert AuditEntry.objects.count() == audits


# --- the criteria tree's file ---------------------------------------------------------------------------------


@pytest.fixture
def odd_draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    draft.indicators.filter(code="1.2.1").update(name="=SUM(1)", guidance="- gạch đầu dòng")
    return draft


def _tree_download(client: Client, indicator_set: IndicatorSet) -> bytes:
    response = client.get(reverse("administration:set_export", args=[indicator_set.pk]))
    assert response.status_code == 200
    return bytes(response.content)


def test_the_tree_file_shows_such_a_text_without_an_apostrophe(
    client: Client, admin_user: Any, odd_draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    found = _quoted_cells(_tree_download(client, odd_draft))
    assert sorted(found[odd_draft.key]) == [("- gạch đầu dòng", "s", True), ("=SUM(1)", "s", True)]


@pytest.mark.parametrize("before", [False, True], ids=["as-exported-now", "as-exported-before"])
def test_the_downloaded_tree_file_imports_back_as_no_change(
    client: Client, admin_user: Any, odd_draft: IndicatorSet, before: bool
) -> None:
    # guards behaviour that must not change (the file imports back as it is), for a file exported now or before
    client.force_login(admin_user)
    content = _tree_download(client, odd_draft)
    if before:
        content = _as_exported_before(content)

    sheet = tree_excel.read_tree_sheet(upload(content))
    (row,) = [r for r in sheet.rows if r["code"] == "1.2.1"]
    assert (row["name"], row["guidance"]) == ("=SUM(1)", "- gạch đầu dòng")
    response = client.post(reverse("administration:set_import", args=[odd_draft.pk]), {"file": upload(content)})

    assert response.status_code == 200, response.content.decode()[:2000]
    changes = response.context["outcome"].changes
    assert not changes.any
    assert changes.unchanged == odd_draft.indicators.count()
