"""The units file speaks as the units page does, as the set tree's and the users' files do: Vietnamese headers, a
unit kind and a ranking group by the names shown on screen («Sở, ban, ngành tỉnh»), «Có / Không» for the state, each
with a drop-down; the import reads those, and still the codes, the keys as headers and 1/0 of the files exported
before. The downloaded file imports back as it is, changing nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration.services.imports import units_import_plan
from scoring.errors import ValidationFailed
from scoring.models import RankingGroup, Unit, UnitKind
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Mã đơn vị", "Tên đơn vị", "Tên viết tắt", "Loại đơn vị", "Khối xếp hạng", "Mã đơn vị cấp trên",
           "Đang hoạt động", "Cơ quan chủ quản", "Sáp nhập vào (mã)"]


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _post(client: Client, table: list[list[Any]], name: str = "don-vi.xlsx") -> Any:
    return client.post(reverse("administration:unit_import"), {"file": upload(xlsx_bytes(table[0], table[1:]), name)})


def _confirm(client: Client, preview: Any) -> Any:
    return client.post(reverse("administration:unit_import"), {"confirm": preview.context["import_preview"]["key"]})


def _workbook(client: Client) -> Any:
    return load_workbook(io.BytesIO(client.get(reverse("administration:unit_export")).content))


def test_a_unit_given_by_the_names_shown_on_screen_is_imported(client: Client, admin_user: Any, media: Any) -> None:
    # given: the kind and the group as the units page names them, «Có» for the state, Vietnamese headers
    client.force_login(admin_user)
    row = ["so-moi", "Sở Mới", "SM", "Sở, ban, ngành tỉnh", "Sở, ban, ngành tỉnh", "", "Có"]

    # when
    preview = _post(client, [HEADERS, row])

    # then: previewed, then created with that kind and group
    assert preview.status_code == 200, preview.context.get("import_rows") or preview.context.get("import_refused")
    assert [r.code for r in preview.context["import_preview"]["rows"]] == ["so-moi"]
    assert _confirm(client, preview).status_code == 302
    unit = Unit.objects.select_related("kind", "ranking_group").get(code="so-moi")
    assert (unit.kind.code, unit.ranking_group.code, unit.active) == ("department", "so-ban-nganh", True)


def test_names_are_read_whatever_their_case_and_accents(catalogue: Any, admin_user: Any) -> None:
    rows = [{"row": 2, "code": "xa-a", "name": "Xã A", "kind": "ubnd cap huyen", "group": "UBND CẤP HUYỆN — CỤM 1",
             "active": "không"}]

    [plan] = units_import_plan(rows=rows, actor=admin_user)

    assert (plan.data["kind"], plan.data["group"], plan.active) == ("district", "huyen-cum-1", False)


def test_the_codes_keys_and_1_0_of_an_older_file_are_still_read(client: Client, admin_user: Any, media: Any) -> None:
    client.force_login(admin_user)
    table = [["code", "name", "short_name", "kind", "group", "parent", "active"],
             ["xa-moi", "Xã Mới", "", "district", "huyen-cum-2", "", 1]]

    preview = _post(client, table)

    assert preview.status_code == 200, preview.context.get("import_rows")
    assert _confirm(client, preview).status_code == 302
    unit = Unit.objects.get(code="xa-moi")
    assert (unit.kind.code, unit.ranking_group.code, unit.active) == ("district", "huyen-cum-2", True)


def test_a_name_two_kinds_share_asks_for_the_code(catalogue: Any, admin_user: Any) -> None:
    UnitKind.objects.create(code="xa", name="UBND cấp huyện", order=9)
    rows = [{"row": 2, "code": "xa-a", "name": "Xã A", "kind": "UBND cấp huyện"}]

    with pytest.raises(ValidationFailed) as refused:
        units_import_plan(rows=rows, actor=admin_user)

    [problem] = refused.value.details
    assert any("district" in m and "xa" in m and "mã" in m for m in problem["messages"]), problem["messages"]


def test_an_unknown_kind_or_group_is_refused_naming_it(catalogue: Any, admin_user: Any) -> None:
    rows = [{"row": 2, "code": "xa-a", "name": "Xã A", "kind": "Xã, phường", "group": "Cụm 9"}]

    with pytest.raises(ValidationFailed) as refused:
        units_import_plan(rows=rows, actor=admin_user)

    [problem] = refused.value.details
    assert any(m.startswith("Loại đơn vị «Xã, phường» không tồn tại. Các loại đơn vị hiện có: ")
               for m in problem["messages"])
    assert "Khối xếp hạng «Cụm 9» không tồn tại." in problem["messages"]


def test_an_unreadable_state_names_the_words_accepted(catalogue: Any, admin_user: Any) -> None:
    rows = [{"row": 2, "code": "xa-a", "name": "Xã A", "kind": "district", "active": "tạm dừng"}]

    with pytest.raises(ValidationFailed) as refused:
        units_import_plan(rows=rows, actor=admin_user)

    [problem] = refused.value.details
    assert any("«tạm dừng»" in m and "Có" in m and "Không" in m for m in problem["messages"]), problem["messages"]


def test_the_download_has_vietnamese_headers_names_and_drop_downs(client: Client, admin_user: Any) -> None:
    # given a stopped unit
    Unit.objects.filter(code="so-tu-phap").update(active=False)
    client.force_login(admin_user)

    ws = _workbook(client).worksheets[0]
    header, *rows = [list(r) for r in ws.iter_rows(values_only=True)]

    assert header == HEADERS
    by_code = {r[0]: r for r in rows}
    assert by_code["so-y-te"][3:5] == ["Sở, ban, ngành tỉnh", "Sở, ban, ngành tỉnh"]
    assert by_code["so-y-te"][6] == "Có" and by_code["so-tu-phap"][6] == "Không"
    lists = {str(v.sqref).split(":")[0] for v in ws.data_validations.dataValidation}
    assert {"D2", "E2", "G2"} <= lists  # kind, group, state offered in a drop-down


def test_the_downloaded_file_imports_back_changing_nothing(client: Client, admin_user: Any, media: Any) -> None:
    Unit.objects.filter(code="so-tu-phap").update(active=False)
    client.force_login(admin_user)
    ws = _workbook(client).worksheets[0]
    table = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]

    preview = _post(client, table)

    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []
    assert preview.context["import_preview"]["unchanged"] == Unit.objects.count()


def test_a_row_changed_in_the_download_by_names_is_previewed_in_names(
    client: Client, admin_user: Any, media: Any
) -> None:
    # given: Sở Y tế moved to another ranking group by its name, and stopped by «Không»
    client.force_login(admin_user)
    ws = _workbook(client).worksheets[0]
    header, *rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    for row in rows:
        if row[0] == "so-y-te":
            row[4], row[6] = "Cơ quan ngành dọc", "Không"

    preview = _post(client, [header, *rows])

    assert preview.status_code == 200, preview.context.get("import_rows")
    [changed] = preview.context["import_preview"]["rows"]
    assert changed.changes == ["Khối xếp hạng: «Sở, ban, ngành tỉnh» → «Cơ quan ngành dọc»", "Ngừng hoạt động"]
    assert _confirm(client, preview).status_code == 302
    unit = Unit.objects.get(code="so-y-te")
    assert unit.ranking_group == RankingGroup.objects.get(code="nganh-doc") and not unit.active


def test_the_import_form_says_the_names_and_words_it_reads(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)

    page = client.get(reverse("administration:unit_list")).content.decode()

    hint = page[page.index("Nhập đơn vị từ Excel"):]
    hint = hint[:hint.index("</form>")]
    assert "Loại đơn vị" in hint and "Có" in hint and "Không" in hint
    assert "kind, group, parent là mã" not in hint
