"""A unit's superior body («Cơ quan chủ quản»), as its report's heading prints it above the unit's name: a vertical
agency's central agency («Tổng cục Thuế» above «Cục Thuế tỉnh»); blank for the province's People's Committee. Edited
on the unit's page (under the form's version check, audited), in the units file (an optional column: a file without
it leaves the field as it is), shown by the Django admin and the API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import AuditEntry, Unit
from tests.administration.conftest import upload, xlsx_bytes
from tests.administration.page_helpers import error_messages as _errors
from tests.administration.page_helpers import form_version as _version

pytestmark = pytest.mark.django_db


def _unit_data(unit: Unit, **changes: Any) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind_id,
            "ranking_group": unit.ranking_group_id or "", "parent": unit.parent_id or "",
            "superior_body": unit.superior_body, **changes}


@pytest.fixture
def tax(catalogue: Any) -> Unit:
    unit = Unit.objects.get(code="cuc-thue")
    Unit.objects.filter(pk=unit.pk).update(superior_body="")  # as before the field: the province's committee
    unit.refresh_from_db()
    return unit


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- the unit's page --------------------------------------------------------------------------------------------


def test_the_unit_page_saves_the_superior_body_audited(client: Client, admin_user: Any, tax: Unit) -> None:
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[tax.pk])
    page = client.get(url).content.decode()
    assert "Cơ quan chủ quản" in page and 'name="superior_body"' in page

    response = client.post(url, _unit_data(tax, superior_body="  Tổng cục Thuế ", version=_version(page)))

    assert response.status_code == 302
    tax.refresh_from_db()
    assert tax.superior_body == "Tổng cục Thuế"  # trimmed, as the unit's name
    entry = AuditEntry.objects.get(action="unit.update", object_id=str(tax.pk))
    assert entry.changes == {"superior_body": {"old": "", "new": "Tổng cục Thuế"}}
    # the page drawn after it shows the stored value in the field
    assert 'value="Tổng cục Thuế"' in client.get(url).content.decode()


def test_a_colleagues_change_of_the_superior_body_makes_a_save_from_an_older_page_stale(
    client: Client, admin_user: Any, tax: Unit
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[tax.pk])
    version = _version(client.get(url).content.decode())
    first = client.post(url, _unit_data(tax, superior_body="Tổng cục Thuế", version=version))

    second = client.post(url, _unit_data(tax, short_name="CT-2", version=version))

    assert first.status_code == 302 and second.status_code == 409
    stored = second.content.decode().split('id="stored-values"', 1)[1].split("</div>", 1)[0]
    assert "Cơ quan chủ quản" in stored and "Tổng cục Thuế" in stored
    tax.refresh_from_db()
    assert (tax.short_name, tax.superior_body) == ("CT", "Tổng cục Thuế")


def test_a_superior_body_with_a_hidden_character_is_refused_and_nothing_changes(
    client: Client, admin_user: Any, tax: Unit
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[tax.pk])
    version = _version(client.get(url).content.decode())

    response = client.post(url, _unit_data(tax, superior_body="Tổng cục\u200bThuế", version=version))

    assert response.status_code == 400
    assert "Cơ quan chủ quản" in _errors(response)
    tax.refresh_from_db()
    assert tax.superior_body == ""
    assert not AuditEntry.objects.filter(action="unit.update", object_id=str(tax.pk)).exists()


def test_a_new_unit_takes_its_superior_body_from_the_list_page_form(
    client: Client, admin_user: Any, catalogue: Any
) -> None:
    client.force_login(admin_user)
    kind = Unit.objects.get(code="cuc-thue").kind_id

    response = client.post(reverse("administration:unit_create"), {
        "code": "cuc-hai-quan", "name": "Chi cục Hải quan tỉnh", "kind": kind, "superior_body": "Cục Hải quan"})

    assert response.status_code == 302
    assert Unit.objects.get(code="cuc-hai-quan").superior_body == "Cục Hải quan"


# --- the units file ---------------------------------------------------------------------------------------------


def _download(client: Client) -> list[list[Any]]:
    content = client.get(reverse("administration:unit_export")).content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in ws.iter_rows(values_only=True)]


def _import(client: Client, table: list[list[Any]]) -> Any:
    url = reverse("administration:unit_import")
    preview = client.post(url, {"file": upload(xlsx_bytes(table[0], table[1:]), "don-vi.xlsx")})
    assert preview.status_code == 200, preview.context.get("import_rows") or preview.context.get("import_refused")
    return preview


def test_the_units_file_carries_the_superior_body_and_imports_a_change_of_it(
    client: Client, admin_user: Any, tax: Unit, media: Any
) -> None:
    Unit.objects.filter(code="kho-bac-nha-nuoc").update(superior_body="Kho bạc Nhà nước")
    client.force_login(admin_user)
    header, *rows = _download(client)
    column, code = header.index("Cơ quan chủ quản"), header.index("Mã đơn vị")
    assert next(r for r in rows if r[code] == "kho-bac-nha-nuoc")[column] == "Kho bạc Nhà nước"
    next(r for r in rows if r[code] == "cuc-thue")[column] = "Tổng cục Thuế"

    preview = _import(client, [header, *rows])
    changes = {r.code: r.changes for r in preview.context["import_preview"]["rows"]}
    assert changes == {"cuc-thue": ["Cơ quan chủ quản: «—» → «Tổng cục Thuế»"]}
    tax.refresh_from_db()
    assert tax.superior_body == ""  # a preview writes nothing
    done = client.post(reverse("administration:unit_import"),
                       {"confirm": preview.context["import_preview"]["key"]})

    assert done.status_code == 302
    tax.refresh_from_db()
    assert tax.superior_body == "Tổng cục Thuế"
    entry = AuditEntry.objects.get(action="unit.update", object_id=str(tax.pk))
    assert entry.changes == {"superior_body": {"old": "", "new": "Tổng cục Thuế"}}
    assert "don-vi.xlsx" in entry.reason


def test_a_units_file_without_the_column_leaves_the_superior_body_as_it_is(
    client: Client, admin_user: Any, tax: Unit, media: Any
) -> None:
    """A file made before the column (its headers the keys, as files exported then) still imports unchanged."""
    Unit.objects.filter(pk=tax.pk).update(superior_body="Tổng cục Thuế")
    client.force_login(admin_user)
    old_file = [
        ["code", "name", "short_name", "kind", "group", "parent", "active"],
        ["cuc-thue", "Cục Thuế tỉnh", "CT-TG", "vertical", "nganh-doc", "", 1],
        ["chi-cuc-moi", "Chi cục Mới", "", "vertical", "nganh-doc", "", ""],
    ]

    preview = _import(client, old_file)
    changes = {r.code: r.changes for r in preview.context["import_preview"]["rows"]}
    assert changes["cuc-thue"] == ["Tên viết tắt: «CT» → «CT-TG»"]
    client.post(reverse("administration:unit_import"), {"confirm": preview.context["import_preview"]["key"]})

    tax.refresh_from_db()
    assert (tax.short_name, tax.superior_body) == ("CT-TG", "Tổng cục Thuế")
    assert Unit.objects.get(code="chi-cuc-moi").superior_body == ""


def test_an_empty_superior_body_cell_empties_the_field_and_a_new_unit_takes_its_cell(
    client: Client, admin_user: Any, tax: Unit, media: Any
) -> None:
    Unit.objects.filter(pk=tax.pk).update(superior_body="Tổng cục Thuế")
    client.force_login(admin_user)
    table = [
        ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Cơ quan chủ quản"],
        ["cuc-thue", "Cục Thuế tỉnh", "Cơ quan ngành dọc", ""],
        ["cuc-hai-quan", "Chi cục Hải quan tỉnh", "Cơ quan ngành dọc", "Cục Hải quan"],
    ]

    preview = _import(client, table)
    client.post(reverse("administration:unit_import"), {"confirm": preview.context["import_preview"]["key"]})

    tax.refresh_from_db()
    assert tax.superior_body == ""
    assert Unit.objects.get(code="cuc-hai-quan").superior_body == "Cục Hải quan"


def test_a_too_long_superior_body_cell_is_the_rows_problem_and_nothing_is_written(
    client: Client, admin_user: Any, tax: Unit, media: Any
) -> None:
    client.force_login(admin_user)
    table = [["code", "name", "kind", "superior_body"], ["cuc-thue", "Cục Thuế tỉnh", "vertical", "T" * 256]]

    response = client.post(reverse("administration:unit_import"),
                           {"file": upload(xlsx_bytes(table[0], table[1:]), "don-vi.xlsx")})

    assert response.status_code == 400
    problems = [m for row in response.context["import_rows"] for m in row["messages"]]
    assert "Cơ quan chủ quản dài quá 255 ký tự." in problems
    tax.refresh_from_db()
    assert tax.superior_body == ""


# --- the Django admin and the API -------------------------------------------------------------------------------


def test_the_django_admin_shows_the_superior_body_read_only(client: Client, admin_user: Any, tax: Unit) -> None:
    Unit.objects.filter(pk=tax.pk).update(superior_body="Tổng cục Thuế")
    client.force_login(admin_user)

    page = client.get(reverse("admin:scoring_unit_change", args=[tax.pk])).content.decode()
    listed = client.get(reverse("admin:scoring_unit_changelist")).content.decode()

    assert "Cơ quan chủ quản" in page and "Tổng cục Thuế" in page
    assert 'name="superior_body"' not in page  # shown, never an input
    assert "Cơ quan chủ quản" in listed and "Tổng cục Thuế" in listed


def test_the_api_reads_and_patches_the_superior_body(client: Client, admin_user: Any, tax: Unit) -> None:
    client.force_login(admin_user)
    url = reverse("api:unit", args=[tax.code])

    patched = client.patch(url, {"superior_body": "Tổng cục Thuế"}, content_type="application/json")
    renamed = client.patch(url, {"short_name": "CT-TG"}, content_type="application/json")  # the field kept

    assert patched.status_code == 200 and patched.json()["superior_body"] == "Tổng cục Thuế"
    assert renamed.status_code == 200 and renamed.json()["superior_body"] == "Tổng cục Thuế"
    assert client.get(url).json()["superior_body"] == "Tổng cục Thuế"
    entries = AuditEntry.objects.filter(action="unit.update", object_id=str(tax.pk))
    assert [e.changes.get("superior_body") for e in entries.order_by("pk")] == [
        {"old": "", "new": "Tổng cục Thuế"}, None]


def test_the_demo_catalogue_names_the_vertical_agencies_superior_bodies(catalogue: Any) -> None:
    bodies = dict(Unit.objects.filter(kind__code="vertical").values_list("code", "superior_body"))
    assert bodies["cuc-thue"] == "Tổng cục Thuế"
    assert bodies["kho-bac-nha-nuoc"] == "Kho bạc Nhà nước"
    assert bodies["cong-an-tinh"] == "Bộ Công an"
    assert all(bodies.values())
    assert not Unit.objects.exclude(kind__code="vertical").exclude(superior_body="").exists()
