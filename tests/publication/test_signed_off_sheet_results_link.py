"""A signed-off sheet links its year's published results only when that year is published: before, it says the
results are not published yet rather than leading to a page that has none («Chưa có năm nào được công bố.»)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment

pytestmark = pytest.mark.django_db

LINK = "data-published-results"


def _page(client: Client, cycle: Any, code: str = "so-y-te") -> str:
    """The unit's sheet, signed in as one of its officials."""
    from tests.conftest import _user

    assessment = Assessment.objects.get(cycle=cycle, unit__code=code)
    client.force_login(_user(f"ed-{code}", "unit_editor", code))
    return reverse("scoring:assessment", args=[assessment.pk])


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_signed_off_sheet_of_an_unpublished_year_links_no_results(client: Client, signed_cycle: Any) -> None:
    body = _get(client, _page(client, signed_cycle))
    assert LINK not in body
    assert "Xem kết quả đã công bố" not in body
    assert "Kết quả chính thức của năm chưa được công bố." in body


def test_a_signed_off_sheet_of_a_published_year_links_that_years_results(
    client: Client, publication: Any, django_assert_max_num_queries: Any
) -> None:
    cycle = publication.cycle
    url = _page(client, cycle)
    _get(client, url)  # warm caches (content types, sessions)
    # the sheet's pinned cost (at most 15 queries) holds with the link's one
    with django_assert_max_num_queries(15):
        body = _get(client, url)
    url = reverse("publication:cycle", args=[cycle.year])
    assert f'<a href="{url}" {LINK}>Xem kết quả đã công bố năm {cycle.year}</a>' in body
    assert "chưa được công bố" not in body
