"""The appraisal queue of a past year shows, filters and orders a unit moved to another group since then in the group
its assessment was ranked in that year (`Assessment.ranking_group`), as that year's ranking does: the page's group
filter, column and order, the API's `group` filter and `ranking_group`, and the review pages' «Đơn vị tiếp theo →»."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.selectors.queue import queue_for_user, queue_next
from scoring.models import Assessment
from tests.appraisal.test_ranking_group_of_the_year import moved_after_publication  # noqa: F401  (fixture)
from tests.publication.conftest import media_root, signed_cycle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
# 2020's «Sở, ban, ngành tỉnh» by name; Sở Tư pháp has moved to «Cơ quan ngành dọc» (ordered after it) since
THAT_YEAR = ["so-cong-thuong", "so-tu-phap", "so-xay-dung", "so-y-te"]


def _codes(rows: Any) -> list[str]:
    return [row.assessment.unit.code for row in rows]


def test_the_group_filter_of_a_past_year_finds_a_moved_unit_in_that_years_group(
    moved_after_publication: Any, admin_user: Any,  # noqa: F811
) -> None:
    cycle = moved_after_publication
    assert _codes(queue_for_user(user=admin_user, cycle=cycle, group="so-ban-nganh").rows) == THAT_YEAR
    assert _codes(queue_for_user(user=admin_user, cycle=cycle, group="nganh-doc").rows) == []


def test_the_queue_of_a_past_year_orders_a_moved_unit_among_that_years_group(
    moved_after_publication: Any, admin_user: Any,  # noqa: F811
) -> None:
    assert _codes(queue_for_user(user=admin_user, cycle=moved_after_publication).rows) == THAT_YEAR


def test_the_queue_page_of_a_past_year_shows_a_moved_unit_in_that_years_group(
    client: Client, moved_after_publication: Any, admin_user: Any,  # noqa: F811
) -> None:
    client.force_login(admin_user)
    body = client.get(reverse("appraisal:queue"), {"ky": moved_after_publication.pk}).content.decode()
    row = re.search(r"<tr[^>]*>\s*<td[^>]*><a [^>]*>Sở Tư pháp</a></td>\s*<td[^>]*>([^<]*)</td>", body)
    assert row is not None
    assert unescape(row.group(1)) == "Sở, ban, ngành tỉnh"


def test_the_api_queue_of_a_past_year_gives_a_moved_unit_that_years_group(
    moved_after_publication: Any, admin_user: Any,  # noqa: F811
) -> None:
    api = APIClient()
    api.force_authenticate(admin_user)
    url = "/api/v1/appraisal/queue/"
    rows = api.get(url, {"cycle": moved_after_publication.pk}).json()["rows"]
    assert [r["unit_code"] for r in rows] == THAT_YEAR
    moved = next(r for r in rows if r["unit_code"] == "so-tu-phap")
    assert moved["ranking_group"] == "so-ban-nganh"
    assert moved["assessment"]["unit"]["ranking_group"] == "nganh-doc"  # the unit as it is now
    filtered = api.get(url, {"cycle": moved_after_publication.pk, "group": "so-ban-nganh"}).json()["rows"]
    assert [r["unit_code"] for r in filtered] == THAT_YEAR


def test_next_in_queue_after_a_moved_unit_left_out_by_the_filter_follows_that_years_group(
    moved_after_publication: Any, admin_user: Any,  # noqa: F811
) -> None:
    # given So Tu phap reopened (out of the queue filtered to «Đã thông qua»)
    cycle = moved_after_publication
    Assessment.objects.filter(cycle=cycle, unit__code="so-tu-phap").update(state=Assessment.State.IN_APPRAISAL)
    moved = Assessment.objects.select_related("unit").get(cycle=cycle, unit__code="so-tu-phap")
    # when the next unit is asked from its review page, then it is the one after it by name in that year's group
    found = queue_next(user=admin_user, assessment=moved, cycle=cycle, group="", state="signed_off", area_code="",
                       page=1, per_page=50, new_explanations=False)
    assert found is not None
    assert found[0].unit.code == "so-xay-dung"
