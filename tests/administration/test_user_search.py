"""The users list finds a person by the full name as typed (it is stored split in first and last name)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors, services
from scoring.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def lan(catalogue: Any, admin_user: Any) -> Any:
    return services.user_create(
        username="ntlan", full_name="Nguyễn Thị Lan", email="", password="Kh0ng-De-Doan!2020",
        role="unit_editor", unit=Unit.objects.get(code="so-y-te"), actor=admin_user,
    )


def test_the_users_list_finds_a_full_name_typed_whole(client: Client, lan: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:user_list"), {"q": "Nguyễn Thị Lan"}).content.decode()
    assert "ntlan" in page
    # typed decomposed (some keyboards) and with a double space
    typed = unicodedata.normalize("NFD", "Nguyễn  Thị Lan")
    assert list(selectors.users_for_admin(query=typed)) == [lan]


def test_a_full_name_search_does_not_match_other_people(lan: Any) -> None:
    get_user_model().objects.create_user(username="other", first_name="Nguyễn Thị", last_name="Hoa")
    assert [u.username for u in selectors.users_for_admin(query="Nguyễn Thị Lan")] == ["ntlan"]
    assert {u.username for u in selectors.users_for_admin(query="Thị")} == {"ntlan", "other"}
