"""A unit's history across years lists the rows of the units merged into it by year (oldest first, as the history
table does), the unit's own row first in a year, the merged units of one year by name in Vietnamese order, never
as the year's snapshot stores them (by rank)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Publication, Unit, UnitSuccession
from scoring.publication import selectors
from tests.publication.conftest import finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(publication: Publication, admin_user: Any, small_set: Any) -> Publication:
    """2020: Sở Y tế (6,58, rank 3) above Sở Xây dựng (5,58, rank 4); both merged into Sở Nội vụ, published in 2021
    (not in 2020)."""
    from scoring.models import UnitKind
    from scoring.publication.services import cycle_publish
    from scoring.services import cycle_create

    successor = Unit.objects.get(code="so-noi-vu")
    for code in ("so-y-te", "so-xay-dung"):
        UnitSuccession.objects.create(predecessor=Unit.objects.get(code=code), successor=successor)
    kinds = UnitKind.objects.filter(code__in=["department"])
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={k: small_set for k in kinds}, actor=None)
    sign_off_unit(later, "so-noi-vu", {})
    sign_off_unit(later, "so-tu-phap", {})
    return cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                         document_date=datetime.date(2022, 3, 1), actor=admin_user)


def test_the_premise_the_stored_order_is_not_the_name_order(publication: Publication) -> None:
    stored = [r["unit_name"] for r in publication.snapshot["rows"] if r["unit_code"] in ("so-y-te", "so-xay-dung")]
    assert stored == ["Sở Y tế", "Sở Xây dựng"]  # by rank


def test_the_merged_units_rows_are_by_year_then_by_name(merged: Publication) -> None:
    history = selectors.rank_history(unit_id=Unit.objects.get(code="so-noi-vu").pk)
    assert [(h.year, h.unit_name) for h in history] == [
        (2020, "Sở Xây dựng"), (2020, "Sở Y tế"), (2021, "Sở Nội vụ"),
    ]


def test_the_unit_page_and_the_api_list_the_history_in_that_order(merged: Publication) -> None:
    page = Client().get("/ket-qua/2021/don-vi/so-noi-vu/").content.decode()
    table = page[page.index('id="hist-title"'):]
    table = table[:table.index("</table>")]
    names = re.findall(r'<th scope="row"><a [^>]*>(\d{4})</a></th><td>([^<]+)</td>', table)
    assert names == [("2020", "Sở Xây dựng"), ("2020", "Sở Y tế"), ("2021", "Sở Nội vụ")]
    api = Client().get(reverse("api:open_unit", args=[2021, "so-noi-vu"])).json()
    assert [(h["year"], h["unit_name"]) for h in api["history"]] == [
        (2020, "Sở Xây dựng"), (2020, "Sở Y tế"), (2021, "Sở Nội vụ"),
    ]


def test_a_unit_that_absorbed_others_keeps_its_own_row_first_in_a_year(publication: Publication) -> None:
    # guards behaviour that must not change: Sở Tư pháp absorbs Sở Công Thương and Sở Xây dựng, all published in
    # 2020; its own row leads the year, whatever the names
    successor = Unit.objects.get(code="so-tu-phap")
    for code in ("so-xay-dung", "so-cong-thuong"):
        UnitSuccession.objects.create(predecessor=Unit.objects.get(code=code), successor=successor)
    history = selectors.rank_history(unit_id=successor.pk)
    assert [h.unit_name for h in history] == ["Sở Tư pháp", "Sở Công Thương", "Sở Xây dựng"]
