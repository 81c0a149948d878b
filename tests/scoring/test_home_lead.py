"""The home page's lead says whom the index measures from the data (the newest cycle's unit kinds), never a
hard-coded level: since 2025 there is no district level."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import UnitKind
from scoring.services import cycle_create

pytestmark = pytest.mark.django_db


def _lead(client: Client) -> str:
    html = client.get(reverse("home")).content.decode()
    start = html.index('<p class="lead"')
    return html[start:html.index("</p>", start)]


def test_the_lead_names_the_kinds_of_the_newest_cycle(client: Client, small_set: Any) -> None:
    # given: the kind «UBND cấp huyện» renamed after the reform, and a 2026 cycle scoring departments and communes
    UnitKind.objects.filter(code="district").update(name="UBND cấp xã")
    kinds = UnitKind.objects.filter(code__in=["department", "district"])
    cycle_create(year=2026, name="Chỉ số CCHC năm 2026", sets={k: small_set for k in kinds}, actor=None)

    # when
    lead = _lead(client)

    # then
    assert "kỳ đánh giá năm 2026: Sở, ban, ngành tỉnh; UBND cấp xã" in lead
    assert "cấp huyện" not in lead


def test_without_a_cycle_the_lead_speaks_of_agencies_and_units(client: Client, catalogue: Any) -> None:
    lead = _lead(client)

    assert "của các cơ quan, đơn vị: tự chấm điểm" in lead
    assert "cấp huyện" not in lead


def test_the_lead_in_english(client: Client, cycle: Any) -> None:
    client.cookies["django_language"] = "en"

    lead = _lead(client)

    assert (
        "Monitoring and assessing the annual administrative reform results of agencies and units (2020 cycle:"
    ) in lead
