"""The units, users and cycle participants searches ignore case in Vietnamese too, on the embedded SQLite as on
PostgreSQL: «Y TẾ», «SỞ Y», «TƯ PHÁP», «NGUYỄN» found nothing there (SQLite folds only A–Z) while «y tế» did."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models.functions import Lower
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration import selectors, services
from scoring.models import Assessment, Unit

pytestmark = pytest.mark.django_db


def _unit_codes(client: Client, query: str) -> set[str]:
    page = client.get(reverse("administration:unit_list"), {"q": query}).context["page"]
    return {unit.code for unit in page.object_list}


@pytest.mark.parametrize(
    ("query", "code"),
    [("Y TẾ", "so-y-te"), ("SỞ Y", "so-y-te"), ("sở y tế", "so-y-te"), ("TƯ PHÁP", "so-tu-phap"),
     ("SỞ TƯ PHÁP", "so-tu-phap"), ("stp", "so-tu-phap"), ("SO-Y-TE", "so-y-te")],
)
def test_the_units_page_finds_a_unit_whatever_the_case_of_its_vietnamese_letters(
    client: Client, admin_user: Any, query: str, code: str
) -> None:
    client.force_login(admin_user)
    assert code in _unit_codes(client, query)


def test_the_units_search_still_tells_letters_apart(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    found = _unit_codes(client, "TƯ PHÁP")
    assert found and all("tư pháp" in Unit.objects.get(code=c).name.lower() for c in found)
    assert _unit_codes(client, "Y TỂ") == set()  # another tone is another word
    assert _unit_codes(client, "50%") == set()  # a LIKE wildcard is a character


def test_the_users_page_finds_a_person_by_an_upper_case_vietnamese_name(
    client: Client, admin_user: Any, catalogue: Any
) -> None:
    services.user_create(username="ntlan", full_name="Nguyễn Thị Lan", email="lan@example.vn",
                         password="Kh0ng-De-Doan!2020", role="unit_editor", unit=Unit.objects.get(code="so-y-te"),
                         actor=admin_user)
    client.force_login(admin_user)
    for query in ("NGUYỄN", "nguyễn thị lan", "LAN NGUYỄN THỊ", "NTLAN", "LAN@EXAMPLE.VN"):
        page = client.get(reverse("administration:user_list"), {"q": query}).context["page"]
        assert [u.username for u in page.object_list] == ["ntlan"], query


def test_the_cycle_page_finds_a_participant_whatever_the_case(
    client: Client, admin_user: Any, assessment: Assessment
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:cycle_detail", args=[assessment.cycle_id])
    for query in ("Y TẾ", "SỞ Y", "sở y tế"):
        page = client.get(url, {"q": query}).context["page"]
        assert [a.unit.code for a in page.object_list] == ["so-y-te"], query
    assert list(client.get(url, {"q": "TƯ PHÁP"}).context["page"].object_list) == []


def test_the_api_units_search_ignores_case_too(admin_user: Any) -> None:
    api = APIClient()
    api.force_login(admin_user)
    body = api.get("/api/v1/units/", {"q": "SỞ Y TẾ"}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["code"] for row in rows] == ["so-y-te"]


def test_lower_folds_vietnamese_letters_in_the_database(catalogue: Any) -> None:
    """The function the searches rely on: on SQLite, LOWER is the Unicode-aware one `cchc.sqlite` registers."""
    unit = Unit.objects.filter(code="so-y-te").annotate(low=Lower("name")).get()
    assert unit.low == "sở y tế"
    with connection.cursor() as cursor:
        cursor.execute("SELECT LOWER(%s), LOWER(NULL)", ["ĐỒNG THÁP ỮNG"])
        assert cursor.fetchone() == ("đồng tháp ững", None)


def test_search_selectors_share_one_rule(catalogue: Any) -> None:
    assert [u.code for u in selectors.units_for_admin(query="  SỞ   Y  TẾ ")] == ["so-y-te"]
