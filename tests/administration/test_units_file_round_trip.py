"""The units list's download is the units import's file: uploaded unchanged it changes nothing; a new row makes a
unit; a changed row changes its unit through the units page's services and rules (audited, with a reason naming
the import), after a preview of what changes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration.services.imports import units_import_plan
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, Unit
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _download(client: Client) -> list[list[Any]]:
    content = client.get(reverse("administration:unit_export")).content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in ws.iter_rows(values_only=True)]


def _post(client: Client, table: list[list[Any]], name: str = "don-vi.xlsx") -> Any:
    return client.post(reverse("administration:unit_import"), {"file": upload(xlsx_bytes(table[0], table[1:]), name)})


def _confirm(client: Client, preview: Any) -> Any:
    return client.post(reverse("administration:unit_import"), {"confirm": preview.context["import_preview"]["key"]})


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_downloaded_units_file_imports_back_unchanged_as_no_change(
    client: Client, admin_user: Any, media: Any
) -> None:
    # given a stopped unit too (its row says 0)
    Unit.objects.filter(code="so-tu-phap").update(active=False)
    client.force_login(admin_user)
    table = _download(client)
    audits = AuditEntry.objects.count()

    preview = _post(client, table)

    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []
    assert preview.context["import_preview"]["unchanged"] == len(table) - 1 == Unit.objects.count()
    assert "Tệp không thay đổi đơn vị nào." in preview.content.decode()
    assert AuditEntry.objects.count() == audits


def test_a_changed_row_updates_its_unit_and_a_new_row_creates_one_after_a_preview_audited(
    client: Client, admin_user: Any, media: Any
) -> None:
    # given the downloaded file with Sở Y tế renamed, Sở Tư pháp stopped, and a new unit
    client.force_login(admin_user)
    header, *rows = _download(client)
    code, name, short, active = (header.index(c) for c in ("Mã đơn vị", "Tên đơn vị", "Tên viết tắt", "Đang hoạt động"))
    for row in rows:
        if row[code] == "so-y-te":
            row[name], row[short] = "Sở Y tế tỉnh Tiền Giang", "SYT-TG"
        if row[code] == "so-tu-phap":
            row[active] = "Không"
    new = [""] * len(header)
    new[code], new[name], new[header.index("Loại đơn vị")] = "xa-moi", "Xã Mới", "UBND cấp huyện"
    rows.append(new)

    # when it is uploaded: a preview, nothing written
    preview = _post(client, [header, *rows])
    assert preview.status_code == 200, preview.context.get("import_rows")
    changes = {r.code: r.changes for r in preview.context["import_preview"]["rows"]}
    assert changes == {
        "so-y-te": ["Tên: «Sở Y tế» → «Sở Y tế tỉnh Tiền Giang»", "Tên viết tắt: «SYT» → «SYT-TG»"],
        "so-tu-phap": ["Ngừng hoạt động"],
        "xa-moi": ["Thêm đơn vị mới"],
    }
    assert Unit.objects.get(code="so-y-te").name == "Sở Y tế" and not Unit.objects.filter(code="xa-moi").exists()
    assert 'class="import-key"' in preview.content.decode()

    # then confirmed: written through the units page's services, each change audited naming the import
    response = _confirm(client, preview)
    assert response.status_code == 302
    unit = Unit.objects.get(code="so-y-te")
    assert (unit.name, unit.short_name) == ("Sở Y tế tỉnh Tiền Giang", "SYT-TG")
    assert not Unit.objects.get(code="so-tu-phap").active and Unit.objects.get(code="xa-moi").active
    reason = "Nhập danh sách đơn vị từ Excel (tệp «don-vi.xlsx»)"
    mine = AuditEntry.objects.filter(actor=admin_user)
    assert mine.get(action="unit.update", object_id=str(unit.pk)).reason == reason
    assert mine.get(action="unit.deactivate").reason == reason
    assert mine.get(action="unit.create").reason == reason


def test_a_unit_under_assessment_is_not_stopped_nor_given_another_kind_by_import(
    assessment: Any, admin_user: Any
) -> None:
    unit = Unit.objects.get(code="so-y-te")
    rows = [{"row": 2, "code": "so-y-te", "name": unit.name, "kind": "district", "active": 0}]
    with pytest.raises(ValidationFailed) as refused:
        units_import_plan(rows=rows, actor=admin_user)
    [problem] = refused.value.details
    assert problem["row"] == 2 and "còn bản đánh giá đang thực hiện" in " ".join(problem["messages"])
    unit.refresh_from_db()
    assert unit.active and unit.kind.code == "department"
    assert not AuditEntry.objects.filter(actor=admin_user).exists()


def test_a_column_left_out_of_the_file_changes_nothing(catalogue: Any, admin_user: Any) -> None:
    unit = Unit.objects.filter(ranking_group__isnull=False).first()
    assert unit is not None
    rows = [{"row": 2, "code": unit.code, "name": unit.name, "kind": unit.kind.code}]
    [plan] = units_import_plan(rows=rows, actor=admin_user, columns=("code", "name", "kind"))
    assert plan.changes == []


def test_a_zero_width_character_in_a_unit_code_is_refused_naming_its_place(catalogue: Any, admin_user: Any) -> None:
    rows = [{"row": 2, "code": "so-y-te\u200b", "name": "Sở Y tế", "kind": "department"}]
    with pytest.raises(ValidationFailed) as refused:
        units_import_plan(rows=rows, actor=admin_user)
    [problem] = refused.value.details
    assert problem["messages"] == [
        "Cột «Mã đơn vị (code)»: Có ký tự ẩn ở vị trí 8 (ký tự không nhìn thấy, ví dụ dấu cách độ rộng 0); hãy xóa ký "
        "tự đó."
    ]


def test_confirming_a_units_preview_replaced_by_a_newer_upload_says_so(
    client: Client, admin_user: Any, media: Any
) -> None:
    client.force_login(admin_user)
    header = ["code", "name", "kind"]
    first = _post(client, [header, ["xa-a", "Xã A", "district"]])
    _post(client, [header, ["xa-b", "Xã B", "district"]])
    response = _confirm(client, first)
    assert response.status_code == 400
    assert "đã được thay bằng bản xem trước của một tệp tải lên sau" in response.context["import_refused"]
    assert not Unit.objects.filter(code__in=["xa-a", "xa-b"]).exists()


def test_the_units_import_is_for_administrators_only(client: Client, unit_editor: Any, media: Any) -> None:
    client.force_login(unit_editor)
    response = _post(client, [["code", "name", "kind"], ["xa-a", "Xã A", "district"]])
    assert response.status_code == 403
    assert not Unit.objects.filter(code="xa-a").exists()


def test_a_units_preview_is_not_applied_over_a_colleagues_edit_made_since(
    client: Client, admin_user: Any, media: Any
) -> None:
    # given a preview renaming Sở Công Thương
    client.force_login(admin_user)
    header, *rows = _download(client)
    code, name = header.index("Mã đơn vị"), header.index("Tên đơn vị")
    for row in rows:
        if row[code] == "so-cong-thuong":
            row[name] = "Sở Công Thương (tệp)"
    preview = _post(client, [header, *rows])
    assert preview.status_code == 200
    # when a colleague changes the unit's short name meanwhile, then the preview is confirmed
    Unit.objects.filter(code="so-cong-thuong").update(short_name="SCT-MỚI")
    answer = _confirm(client, preview)
    # then nothing is written and the colleague's edit stays
    assert answer.status_code == 409
    assert "Dữ liệu đã được sửa từ lúc xem trước" in answer.content.decode()
    unit = Unit.objects.get(code="so-cong-thuong")
    assert (unit.name, unit.short_name) == ("Sở Công Thương", "SCT-MỚI")
    # the stale preview is gone: confirming again says so
    assert _confirm(client, preview).status_code == 400
