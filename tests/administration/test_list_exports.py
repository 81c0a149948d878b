"""The unit and user lists in Excel: what the page shows (same filters), in the import's columns, for administrators."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from scoring.administration import services
from scoring.administration.services.imports import read_units_sheet
from scoring.administration.xlsx import read_sheet
from scoring.models import RoleAssignment, Unit, UnitKind

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def test_the_unit_list_downloads_as_filtered_in_the_imports_columns(client: Client, admin_user: Any) -> None:
    # given a new district unit whose name starts like a formula, under another unit, and one deactivated unit
    district = UnitKind.objects.get(code="district")
    parent = Unit.objects.filter(kind=district).order_by("code").first()
    assert parent is not None
    services.units_import(rows=[{"row": 2, "code": "xa-moi", "name": "=Xã Mới", "kind": "district",
                                 "group": "", "parent": parent.code}], actor=admin_user)
    Unit.objects.filter(pk=parent.pk).update(active=False)
    client.force_login(admin_user)

    # when the administrator downloads the list filtered to district units
    response = client.get("/quan-ly/don-vi/don-vi.xlsx", {"loai": district.pk})

    # then: an xlsx with the import's Vietnamese header, one row per district unit and nothing else
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment") and "don-vi.xlsx" in response["Content-Disposition"]
    header, *rows = _rows(response.content)
    assert header == ["Mã đơn vị", "Tên đơn vị", "Tên viết tắt", "Loại đơn vị", "Khối xếp hạng", "Mã đơn vị cấp trên",
                      "Đang hoạt động", "Cơ quan chủ quản", "Sáp nhập vào (mã)"]
    assert sorted(r[0] for r in rows) == sorted(Unit.objects.filter(kind=district).values_list("code", flat=True))
    by_code = {r[0]: r for r in rows}
    # as typed, no apostrophe; the kind by its name, the state as Có / Không
    assert by_code["xa-moi"] == ["xa-moi", "=Xã Mới", "", district.name, "", parent.code, "Có", "", ""]
    (name_cell,) = [r[1] for r in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows()
                    if r[0].value == "xa-moi"]
    assert name_cell.data_type == "s" and name_cell.quotePrefix  # text, never a formula
    assert by_code[parent.code][6] == "Không"
    # and the import's own reader takes the file (the same columns: edit it and import it elsewhere)
    sheet = read_units_sheet(SimpleUploadedFile("don-vi.xlsx", response.content))
    assert {row["code"] for row in sheet.rows} == set(by_code)


def test_the_user_list_downloads_one_row_per_role_and_never_a_password(client: Client, admin_user: Any,
                                                                       unit_editor: Any, unit_head: Any) -> None:
    # given an editor who is also an appraiser, a head who has signed in, and a user without any role
    RoleAssignment.objects.create(user=unit_editor, role="appraiser", unit=None)
    unit_head.last_login = timezone.now()
    unit_head.save(update_fields=["last_login"])
    get_user_model().objects.create_user(username="chua-co-vai-tro", first_name="Trần Văn", last_name="Chưa",
                                         password="x-Secret-2021!", is_active=False)
    client.force_login(admin_user)

    # when the administrator downloads the whole list
    response = client.get("/quan-ly/nguoi-dung/nguoi-dung.xlsx")

    # then: the import's columns (headed in Vietnamese) with the password cell empty, one row per role
    assert response.status_code == 200
    header, *rows = _rows(response.content)
    assert header == ["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Mật khẩu ban đầu", "Vai trò", "Mã đơn vị",
                      "Đang hoạt động"]
    assert "x-Secret" not in response.content.decode("latin-1")
    assert all(r[3] == "" for r in rows)
    lan = [r for r in rows if r[0] == "lan"]
    assert sorted((r[4], r[5]) for r in lan) == [("Chuyên viên đơn vị", "so-y-te"), ("Thành viên Tổ thẩm định", "")]
    (hung,) = [r for r in rows if r[0] == "hung"]
    assert (hung[4], hung[5], hung[6]) == ("Thủ trưởng đơn vị", "so-y-te", "Có")
    assert [r for r in rows if r[0] == "chua-co-vai-tro"] == [
        ["chua-co-vai-tro", "Trần Văn Chưa", "", "", "", "", "Không"]]

    # and filtered by role, only the people with that role
    filtered = client.get("/quan-ly/nguoi-dung/nguoi-dung.xlsx", {"vai_tro": "unit_head"})
    assert {r[0] for r in _rows(filtered.content)[1:]} == {"hung"}


@pytest.mark.parametrize("url", ["/quan-ly/don-vi/don-vi.xlsx", "/quan-ly/nguoi-dung/nguoi-dung.xlsx"])
def test_only_administrators_download_the_lists(client: Client, unit_head: Any, url: str) -> None:
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(unit_head)
    response = client.get(url)
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")


def test_an_import_reads_the_sheet_shown_never_a_hidden_one(client: Client, catalogue: Any, admin_user: Any) -> None:
    """A hidden first sheet holding an administrator account is not imported: the visible sheet is."""
    from openpyxl import Workbook

    workbook = Workbook()
    hidden = workbook.active
    hidden.title = "cu"
    hidden.append(["username", "full_name", "email", "password", "role", "unit"])
    hidden.append(["hid1", "Ẩn", "", "Xk9#mPq2!vLz", "administrator", ""])
    hidden.sheet_state = "hidden"
    shown = workbook.create_sheet("moi")
    shown.append(["username", "full_name", "email", "password", "role", "unit"])
    shown.append(["vis1", "Hiện", "", "Xk9#mPq2!vLz", "unit_editor", "so-y-te"])
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = read_sheet(SimpleUploadedFile("u.xlsx", buffer.getvalue()), expected=("username", "password", "role"))
    assert [row["username"] for row in sheet.rows] == ["vis1"]


def test_the_units_file_lists_a_parent_before_its_units(client: Client, catalogue: Any, admin_user: Any) -> None:
    """Sorted by name, «Aa Xã» of «Zz Huyện» came before it, and the file did not import back: the import wants
    a unit's parent on an earlier row."""
    from django.urls import reverse

    kind = UnitKind.objects.get(code="district")
    parent = services.unit_create(data={"code": "zz-huyen", "name": "Zz Huyện", "kind": kind}, actor=admin_user)
    services.unit_create(data={"code": "aa-xa", "name": "Aa Xã", "kind": kind, "parent": parent}, actor=admin_user)
    client.force_login(admin_user)
    content = client.get(reverse("administration:unit_export")).content
    codes = [row[0] for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    assert codes.index("zz-huyen") < codes.index("aa-xa")
