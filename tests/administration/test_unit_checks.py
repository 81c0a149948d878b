"""Units, kinds and ranking groups: the Excel import holds rows to the unit form's rules; codes refused in
Vietnamese; names that would be confused are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import RankingGroup, Unit, UnitKind
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ("code", "name", "short_name", "kind", "group", "parent", "active")


def test_a_unit_import_refuses_bad_codes_a_bad_active_flag_and_a_unit_its_own_parent(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    before = Unit.objects.count()
    client.force_login(admin_user)
    rows = [
        ("xa-tot", "Xã Tốt", "", "district", "", "", "1"),  # fine
        ("qa bad code", "Đơn vị A", "", "district", "", "", ""),
        ("QA/Ư?#", "Đơn vị B", "", "district", "", "", ""),
        ("xa-c", "Đơn vị C", "", "district", "", "", "abc"),
        ("xa-d", "Đơn vị D", "", "district", "", "xa-d", ""),
    ]
    response = client.post(reverse("administration:unit_import"), {"file": upload(xlsx_bytes(HEADERS, rows))})
    assert response.status_code == 400
    problems = {e["row"]: " ".join(e["messages"]) for e in response.context["import_rows"]}
    assert sorted(problems) == [3, 4, 5, 6]
    assert "Mã «qa bad code» không hợp lệ" in problems[3]
    assert "Mã «qa/ư?#» không hợp lệ" in problems[4]
    assert "Cột «Đang hoạt động (active)» là «abc»" in problems[5]
    assert "Đơn vị cấp trên không thể là chính nó" in problems[6]
    assert Unit.objects.count() == before


def test_a_unit_import_takes_the_active_column(catalogue: Any, admin_user: Any) -> None:
    rows = [
        {"row": 2, "code": "xa-mo", "name": "Xã Mở", "kind": "district", "active": ""},
        {"row": 3, "code": "xa-dong", "name": "Xã Đóng", "kind": "district", "active": 0},
        {"row": 4, "code": "xa-co", "name": "Xã Có", "kind": "district", "active": "có"},
    ]
    assert services.units_import(rows=rows, actor=admin_user) == 3
    assert dict(Unit.objects.filter(code__startswith="xa-").values_list("code", "active")) == {
        "xa-mo": True, "xa-dong": False, "xa-co": True,
    }


def test_a_unit_import_refuses_a_parent_no_longer_in_activity(catalogue: Any, admin_user: Any) -> None:
    """As the unit form and the API do: a new unit hangs below a unit still in activity."""
    stopped = Unit.objects.get(code="so-tu-phap")
    Unit.objects.filter(pk=stopped.pk).update(active=False)
    rows = [
        {"row": 2, "code": "a6", "name": "Đơn vị A6", "kind": "district", "active": 0},
        {"row": 3, "code": "a7", "name": "Đơn vị A7", "kind": "district", "parent": "a6"},
        {"row": 4, "code": "a8", "name": "Đơn vị A8", "kind": "district", "parent": "so-tu-phap"},
        {"row": 5, "code": "a9", "name": "Đơn vị A9", "kind": "district", "parent": "so-y-te"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.units_import(rows=rows, actor=admin_user)
    problems = {e["row"]: " ".join(e["messages"]) for e in refused.value.details}
    assert "«a6» đã ngừng hoạt động" in problems[3] and "«so-tu-phap» đã ngừng hoạt động" in problems[4]
    assert 5 not in problems and not Unit.objects.filter(code__in=["a6", "a7", "a8", "a9"]).exists()


def test_a_code_with_spaces_is_refused_in_vietnamese_on_the_unit_form(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:unit_create"), {
        "code": "SO TEST", "name": "Sở Thử", "kind": UnitKind.objects.get(code="department").pk,
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mã chỉ gồm chữ cái không dấu" in page and "Enter a valid" not in page
    assert not Unit.objects.filter(name="Sở Thử").exists()


def test_a_second_unit_of_the_same_name_is_refused(client: Client, catalogue: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:unit_create"), {
        "code": "so-noi-vu-2", "name": "sở  nội vụ", "kind": UnitKind.objects.get(code="department").pk,
    })
    assert response.status_code == 400
    assert "Đã có đơn vị tên «Sở Nội vụ» (mã so-noi-vu)" in response.content.decode()
    assert not Unit.objects.filter(code="so-noi-vu-2").exists()
    # renaming a unit onto another's name is refused too; keeping its own name is not
    health = Unit.objects.get(code="so-y-te")
    with pytest.raises(ValidationFailed, match="Đã có đơn vị tên"):
        services.unit_update(unit=health, data={"code": "so-y-te", "name": "Sở Nội vụ", "kind": health.kind},
                             actor=admin_user)
    services.unit_update(unit=health, data={"code": "so-y-te", "name": health.name, "kind": health.kind,
                                            "short_name": "SYT"}, actor=admin_user)
    # and in an import
    with pytest.raises(ValidationFailed) as refused:
        services.units_import(rows=[{"row": 2, "code": "snv", "name": "Sở Nội vụ", "kind": "department"}],
                              actor=admin_user)
    assert "bị trùng" in refused.value.details[0]["messages"][0]


def test_a_kind_or_group_named_as_another_is_refused(client: Client, catalogue: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    district = UnitKind.objects.get(code="district")
    response = client.post(reverse("administration:kind_create"),
                           {"kind-code": "xa2", "kind-name": district.name.upper()}, follow=True)
    assert f"đã được dùng cho mã «{district.code}»" in response.content.decode()
    assert not UnitKind.objects.filter(code="xa2").exists()
    first, second = RankingGroup.objects.order_by("pk")[:2]
    old = second.name
    response = client.post(reverse("administration:group_rename", args=[second.pk]),
                           {"name": first.name, "version": services.units.coded_version(second)}, follow=True)
    assert "đã được dùng cho mã" in response.content.decode()
    second.refresh_from_db()
    assert second.name == old
