"""The review page opened without `linh-vuc` (a link in an e-mail, a bookmark) by an appraiser limited to some
areas shows theirs only, with «Xem tất cả lĩnh vực»; «tất cả» chosen sticks through the page's links and forms.
The lead, who covers every area, sees them all."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Indicator

pytestmark = pytest.mark.django_db
ALL_LINK = "Xem tất cả lĩnh vực"


def _page(client: Client, user: Any, assessment: Any, **params: str) -> Any:
    client.force_login(user)
    return client.get(reverse("appraisal:review", args=[assessment.pk]), params)


def _shown(page: Any) -> list[str]:
    return [a.area.code for a in page.context["shown"]]


def test_an_appraiser_of_one_area_opening_the_page_directly_sees_that_area(
    client: Client, submitted: Any, appraiser: Any,
) -> None:
    every = [a.area.code for a in _page(client, appraiser, submitted, **{"linh-vuc": "tat-ca"}).context["shown"]]
    assert len(every) > 1
    page = _page(client, appraiser, submitted)
    assert _shown(page) == ["2"]
    body = page.content.decode()
    assert ALL_LINK in body
    assert f'href="?linh-vuc=tat-ca" data-all-areas>{ALL_LINK}' in body


def test_all_areas_chosen_sticks_within_the_pages_links_and_forms(
    client: Client, submitted: Any, appraiser: Any,
) -> None:
    page = _page(client, appraiser, submitted, **{"linh-vuc": "tat-ca", "tu": "linh-vuc=2"})
    assert len(_shown(page)) > 1
    body = unescape(page.content.decode())
    assert ALL_LINK not in body
    assert 'value="tat-ca" selected' in body
    # the forms come back to the page as it is (`next`), and the links to the lead's pages carry it
    assert "linh-vuc=tat-ca" in page.context["next"] and "linh-vuc=tat-ca" in page.context["filters"]


def test_an_appraiser_of_two_areas_sees_both_an_area_assigned_through_a_criterion_included(
    client: Client, submitted: Any, appraiser: Any, cycle: Any,
) -> None:
    from appraisal.models import AppraisalAssignment

    member = AppraisalAssignment.objects.get(cycle=cycle, user=appraiser)
    member.areas.set(Indicator.objects.filter(indicator_set=submitted.indicator_set, code="1.1"))
    assert _shown(_page(client, appraiser, submitted)) == ["1"]
    # the small set has two areas: both theirs, nothing is hidden and no link is needed
    member.areas.set(Indicator.objects.filter(indicator_set=submitted.indicator_set, code__in=["1.1", "2"]))
    page = _page(client, appraiser, submitted)
    assert _shown(page) == ["1", "2"]
    assert ALL_LINK not in page.content.decode()


def test_an_area_chosen_is_still_shown_alone(client: Client, submitted: Any, appraiser: Any) -> None:
    assert _shown(_page(client, appraiser, submitted, **{"linh-vuc": "1"})) == ["1"]


def test_the_lead_covering_every_area_sees_them_all_without_the_link(
    client: Client, submitted: Any, lead: Any,
) -> None:
    page = _page(client, lead, submitted)
    assert len(_shown(page)) > 1 and _shown(page) == [a.area.code for a in page.context["review"].areas]
    assert ALL_LINK not in page.content.decode()
