"""Names told apart by eye (a unit's name and short name, a person's «Họ và tên») hold no character that cannot be
seen, on the pages and the API as in the imports (`scoring.text.visible_text`): «Sở Y» + U+200B + « tế» beside
«Sở Y tế» passed the same-name check, looked identical in every drop-down and could not be imported back."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.models import AuditEntry, Unit
from tests.administration.page_helpers import error_messages as _errors

pytestmark = pytest.mark.django_db

ZWSP = "\u200b"
MESSAGE = "Có ký tự ẩn ở vị trí %s (ký tự không nhìn thấy, ví dụ dấu cách độ rộng 0); hãy xóa ký tự đó."


def _state() -> tuple[Any, ...]:
    return (
        Unit.objects.count(), AuditEntry.objects.count(), get_user_model().objects.count(),
        sorted(Unit.objects.values_list("code", "name", "short_name")),
    )


@pytest.mark.parametrize(
    ("field", "value", "at"),
    [("name", f"Sở Y{ZWSP} tế", 5), ("name", "Sở Mới\u00ad Ưu Tiên", 7), ("short_name", f"S{ZWSP}M", 2)],
)
def test_the_unit_page_refuses_a_new_unit_whose_name_holds_an_invisible_character(
    client: Client, admin_user: Any, field: str, value: str, at: int
) -> None:
    # given the unit «Sở Y tế» and an administrator on the units page
    client.force_login(admin_user)
    before = _state()
    data = {"code": "so-moi", "name": "Sở Mới", "short_name": "SM", "kind": Unit.objects.get(code="so-y-te").kind_id,
            "ranking_group": "", "parent": "", field: value}
    # when a unit is added with a zero-width space or a soft hyphen in its name
    response = client.post(reverse("administration:unit_create"), data)
    # then it is refused with the position named, and nothing is written
    assert response.status_code == 400
    assert MESSAGE % at in _errors(response)
    assert _state() == before


def test_the_unit_page_refuses_a_rename_with_an_invisible_character(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-tu-phap")
    url = reverse("administration:unit_edit", args=[unit.pk])
    page = client.get(url).content.decode()
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    before = _state()

    response = client.post(url, {
        "code": unit.code, "name": f"Sở Y{ZWSP} tế", "short_name": unit.short_name, "kind": unit.kind_id,
        "ranking_group": unit.ranking_group_id or "", "parent": "", "version": version,
    })

    assert response.status_code == 400
    assert MESSAGE % 5 in _errors(response)
    assert _state() == before


def test_the_api_refuses_an_invisible_character_in_a_unit_s_name_under_its_field(
    admin_user: Any
) -> None:
    api = APIClient()
    api.force_login(admin_user)
    before = _state()

    patched = api.patch("/api/v1/units/so-tu-phap/", {"name": f"Sở Y{ZWSP} tế"}, format="json")
    created = api.post("/api/v1/units/", {"code": "so-moi", "name": "Sở Mới", "short_name": f"S{ZWSP}M",
                                         "kind": "department"}, format="json")

    assert patched.status_code == 400 and created.status_code == 400
    assert patched.json()["code"] == "hidden_characters"
    assert patched.json()["fields"] == {"name": [MESSAGE % 5]}
    assert created.json()["fields"] == {"short_name": [MESSAGE % 2]}
    assert _state() == before


def test_a_visible_name_is_still_accepted_by_the_api(admin_user: Any) -> None:
    api = APIClient()
    api.force_login(admin_user)
    response = api.patch("/api/v1/units/so-tu-phap/", {"name": " Sở Tư pháp tỉnh "}, format="json")
    assert response.status_code == 200, response.json()
    assert Unit.objects.get(code="so-tu-phap").name == "Sở Tư pháp tỉnh"


def test_the_users_page_refuses_an_invisible_character_in_a_full_name(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    before = _state()

    response = client.post(reverse("administration:user_create"), {
        "username": "thu", "full_name": f"Nguyễn Văn{ZWSP} An", "password": "x-Secret-2020!", "role": "appraiser",
    })

    assert response.status_code == 400
    assert MESSAGE % 11 in _errors(response)
    assert _state() == before
    assert not get_user_model().objects.filter(username="thu").exists()


def _data_check_names() -> list[dict[str, Any]]:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("data_check", "--json", "--only", "names", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_data_check_lists_stored_unit_names_short_names_and_full_names_with_an_invisible_character(
    catalogue: Any,
) -> None:
    # given names stored before the rule (written past the services)
    health = Unit.objects.get(code="so-y-te")
    justice = Unit.objects.get(code="so-tu-phap")
    Unit.objects.filter(pk=health.pk).update(name=f"Sở Y{ZWSP} tế")
    Unit.objects.filter(pk=justice.pk).update(short_name="ST\u2060P")
    person = get_user_model().objects.create_user(username="an", password="x-Secret-2020!", first_name="Nguyễn",
                                                  last_name=f"A{ZWSP}n")
    # when the operator runs the check
    problems = _data_check_names()
    # then each is listed where it is mended, with the position
    by_where = {p["where"]: p for p in problems}
    assert "ký tự ẩn ở vị trí 5" in by_where[f"/quan-ly/don-vi/{health.pk}/"]["message"]
    assert "ký tự ẩn ở vị trí 3" in by_where[f"/quan-ly/don-vi/{justice.pk}/"]["message"]
    account = by_where[reverse("administration:user_detail", args=[person.pk])]
    assert "Họ và tên" in account["message"] and "ký tự ẩn ở vị trí 9" in account["message"]
    assert account["record"] == "tài khoản an"
