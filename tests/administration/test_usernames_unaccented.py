"""New usernames are typed at every login: lower-case letters without accents, digits and . _ - only, as unit
codes are; a refusal suggests the unaccented form. Accounts made before keep signing in (no data changes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.validators import suggested_username, username_problems
from scoring.errors import ValidationFailed
from scoring.models import RoleAssignment
from tests.administration.conftest import upload, xlsx_bytes
from tests.administration.page_helpers import error_messages

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2021!"
HEADERS = ("username", "full_name", "email", "password", "role", "unit")


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("lê.văn.c", "le.van.c"),
        ("Đặng.Đức", "dang.duc"),
        ("Nguyễn Thị Lan", "nguyen.thi.lan"),
        ("trần+văn@sở", "tranvanso"),
        ("ANH", "anh"),
    ],
)
def test_a_username_with_accents_capitals_or_spaces_is_refused_with_its_unaccented_form(
    typed: str, suggested: str
) -> None:
    assert suggested_username(typed) == suggested
    [problem] = username_problems(typed)
    assert f"«{suggested}»" in problem
    assert "chữ thường không dấu (a–z)" in problem


@pytest.mark.parametrize("name", ["le.van.c", "nguyen_van-a2", "an", "thutruong-so-y-te", "qt3"])
def test_lower_case_unaccented_usernames_are_taken(name: str) -> None:
    assert username_problems(name) == []


def test_the_create_form_refuses_an_accented_username_suggesting_the_unaccented_one(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)

    response = client.post(reverse("administration:user_create"), {
        "username": "lê.văn.c", "full_name": "Lê Văn C", "password": PASSWORD, "role": "appraiser",
    })

    assert response.status_code == 400
    assert "«le.van.c»" in error_messages(response)
    assert not get_user_model().objects.filter(username__in=["lê.văn.c", "le.van.c"]).exists()


def test_the_service_refuses_an_accented_username(catalogue: Any, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.user_create(username="lê.văn.c", full_name="Lê Văn C", email="", password=PASSWORD,
                             role="appraiser", unit=None, actor=admin_user)
    assert "«le.van.c»" in str(refused.value.message)
    assert not get_user_model().objects.filter(username="lê.văn.c").exists()


def test_the_users_import_refuses_an_accented_username_suggesting_the_unaccented_one(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    client.force_login(admin_user)

    response = client.post(reverse("administration:user_import"), {"file": upload(xlsx_bytes(HEADERS, [
        ("le.van.a", "Lê Văn A", "", PASSWORD, "appraiser", ""),
        ("lê.văn.c", "Lê Văn C", "", PASSWORD, "appraiser", ""),
    ]))})

    assert response.status_code == 400
    rows = {e["row"]: " ".join(e["messages"]) for e in response.context["import_rows"]}
    assert list(rows) == [3]
    assert "«le.van.c»" in rows[3]


def test_an_account_made_before_with_an_accented_username_still_signs_in_and_takes_roles_by_import(
    client: Client, catalogue: Any, admin_user: Any
) -> None:
    # given an account made before the rule
    old = get_user_model().objects.create_user(username="lê.văn.c", password=PASSWORD)
    # when it signs in, and a users file adds it a role
    signed_in = client.post(reverse("login"), {"username": "lê.văn.c", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.session.get("_auth_user_id") == str(old.pk)
    services.users_import(rows=[{"row": 2, "username": "lê.văn.c", "role": "appraiser", "unit": ""}], actor=admin_user)
    # then both work: the rule is for new accounts only
    assert RoleAssignment.objects.filter(user=old, role="appraiser").exists()
