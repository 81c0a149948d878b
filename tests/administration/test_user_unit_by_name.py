"""Creating an account (and adding a role): the «Đơn vị» field takes the unit's name as the page's list of units
shows it (whatever its case and accents, when one unit has it), as well as its code; its label says so; a refused
form takes the keyboard to the field in error, which its message describes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import RoleAssignment, Unit

pytestmark = pytest.mark.django_db


def _create(client: Client, unit: str, username: str = "thu") -> Any:
    return client.post(reverse("administration:user_create"), {
        "username": username, "full_name": "Nguyễn Thu", "password": "x-Secret-2021!", "role": "unit_head",
        "unit": unit,
    })


@pytest.mark.parametrize("typed", ["Sở Y tế", "  sở y TẾ ", "so y te"])
def test_an_account_is_created_with_the_units_name_as_the_list_shows_it(
    client: Client, catalogue: Any, admin_user: Any, typed: str
) -> None:
    client.force_login(admin_user)
    response = _create(client, typed)
    assert response.status_code == 302
    role = RoleAssignment.objects.get(user__username="thu")
    assert (role.role, role.unit.code) == ("unit_head", "so-y-te")


def test_the_code_still_works_and_the_label_says_what_is_expected(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:user_list")).content.decode()
    assert 'for="id_unit">Đơn vị (tên hoặc mã đơn vị)</label>' in page
    assert 'id="id_unit_helptext">Gõ tên đơn vị rồi chọn trong danh sách gợi ý, hoặc gõ mã đơn vị.</span>' in page
    assert _create(client, "SO-Y-TE").status_code == 302
    assert RoleAssignment.objects.get(user__username="thu").unit.code == "so-y-te"


def test_a_name_two_units_share_is_refused_naming_their_codes(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    Unit.objects.filter(code="so-tu-phap").update(name="Sở Y tế")
    client.force_login(admin_user)
    response = _create(client, "Sở Y tế")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Có 2 đơn vị tên «Sở Y tế»" in body and "so-y-te" in body and "so-tu-phap" in body
    assert not RoleAssignment.objects.filter(user__username="thu").exists()


def test_a_refused_unit_takes_the_focus_and_is_described_by_its_message(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = _create(client, "UBND huyện Không Có")
    assert response.status_code == 400
    assert not RoleAssignment.objects.filter(user__username="thu").exists()
    body = response.content.decode()
    field = re.search(r'<input type="text" name="unit"[^>]*>', body)
    assert field is not None
    tag = field.group(0)
    assert "autofocus" in tag and 'aria-invalid="true"' in tag
    assert 'aria-describedby="id_unit_helptext id_unit_error"' in tag
    message = body.split('id="id_unit_error">', 1)[1].split("</span></span>", 1)[0]
    assert "Không có đơn vị nào tên hoặc mã «UBND huyện Không Có»" in message
    # only the first field in error takes the focus
    assert body.count("autofocus") == 1


def test_a_role_is_added_with_the_units_name(client: Client, catalogue: Any, admin_user: Any, appraiser: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:role_add", args=[appraiser.pk]),
                           {"role": "unit_editor", "unit": "sở tư pháp"})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=appraiser, role="unit_editor", unit__code="so-tu-phap").exists()
