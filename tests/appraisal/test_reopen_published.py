"""Reopening a unit in a published year tells the administrator that the public keeps seeing the published
figures until a correction is published; in a year not published, the page does not say so."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Cycle
from tests.publication.conftest import DOC_DATE, finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db
SAID = "vẫn xem kết quả đã công bố"


def test_the_reopen_page_of_a_published_year_says_the_public_keeps_the_published_figures(
    client: Client, cycle: Any, admin_user: Any
) -> None:
    from scoring.publication.services import cycle_publish

    signed = sign_off_unit(cycle, "so-y-te", {})
    client.force_login(admin_user)
    url = reverse("appraisal:reopen", args=[signed.pk])
    assert SAID not in client.get(url).content.decode()
    cycle_publish(cycle=finalisation_phase(cycle), document_number="Công văn số 4567/UBND-NC",
                  document_date=DOC_DATE, actor=admin_user)
    assert Cycle.objects.get(pk=cycle.pk).phase == Cycle.Phase.PUBLISHED
    body = client.get(url).content.decode()
    assert SAID in body
    assert "Công văn số 4567/UBND-NC" in body and "đính chính" in body
