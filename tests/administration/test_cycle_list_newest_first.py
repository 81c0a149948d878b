"""The cycles' list reads newest year first, as the sets' list does (its count of participants is an aggregate,
which drops the model's own ordering)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Cycle

pytestmark = pytest.mark.django_db


def test_the_cycle_list_shows_the_newest_year_first(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    for year in (2019, 2023, 2021):
        Cycle.objects.create(year=year, name=f"Kỳ đánh giá {year}")
    page = client.get(reverse("administration:cycle_list")).content.decode()
    positions = [page.index(f"Kỳ đánh giá {year}") for year in (2023, 2021, 2019)]
    assert positions == sorted(positions)
