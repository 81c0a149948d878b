"""The clone form proposes the key and the name of the year chosen, not the next year's with its year swapped: with
tg-2020-huyen already cloned to 2021, 2021 is proposed tg-2021-huyen-v2 «… (phiên bản 2)», but 2022 and 2023 their
first set (tg-2022-huyen, no «phiên bản»); a clone of a second version does not carry the source's version mark to
another year. The page knows every year's proposal (its script follows the year typed), and a page posted with a
year whose proposal it did not show is shown again with that year's proposal, nothing made."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.sets import indicator_set_clone_proposal
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db

NAME = "Bộ chỉ số CCHC UBND cấp huyện năm 2020"


@pytest.fixture
def huyen(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """tg-2020-huyen, already cloned to 2021 as tg-2021-huyen."""
    source = services.indicator_set_clone(source=small_set, key="tg-2020-huyen", year=2020, actor=admin_user,
                                          name=NAME)
    services.indicator_set_clone(source=source, key="tg-2021-huyen", year=2021, actor=admin_user)
    return source


def test_a_later_year_is_proposed_its_first_set_without_a_version(huyen: IndicatorSet) -> None:
    for year in (2022, 2023):
        proposal = indicator_set_clone_proposal(source=huyen, year=year)
        assert proposal["key"] == f"tg-{year}-huyen"
        assert proposal["name"] == f"Bộ chỉ số CCHC UBND cấp huyện năm {year}"


def test_the_year_already_cloned_is_proposed_the_next_version(huyen: IndicatorSet) -> None:
    proposal = indicator_set_clone_proposal(source=huyen, year=2021)
    assert proposal["key"] == "tg-2021-huyen-v2"
    assert proposal["name"] == "Bộ chỉ số CCHC UBND cấp huyện năm 2021 (phiên bản 2)"


def test_a_second_versions_mark_is_not_carried_to_another_year(huyen: IndicatorSet, admin_user: Any) -> None:
    # given: the 2021 set's second version, made as proposed
    proposal = indicator_set_clone_proposal(source=huyen, year=2021)
    second = services.indicator_set_clone(source=huyen, key=proposal["key"], year=2021, actor=admin_user,
                                          name=proposal["name"])

    assert indicator_set_clone_proposal(source=second, year=2022)["key"] == "tg-2022-huyen"
    assert indicator_set_clone_proposal(source=second, year=2022)["name"] == "Bộ chỉ số CCHC UBND cấp huyện năm 2022"
    assert indicator_set_clone_proposal(source=second, year=2021)["key"] == "tg-2021-huyen-v3"
    assert indicator_set_clone_proposal(source=second, year=2021)["name"].endswith("năm 2021 (phiên bản 3)")


def test_every_years_proposal_is_the_one_computed_for_that_year(huyen: IndicatorSet) -> None:
    from scoring.administration.services.sets import indicator_set_clone_proposals

    proposals = indicator_set_clone_proposals(source=huyen)

    assert set(proposals) == set(range(2000, 2101))
    for year in (2000, 2019, 2020, 2021, 2022, 2023, 2100):
        assert proposals[year] == indicator_set_clone_proposal(source=huyen, year=year)


def test_every_years_proposal_is_read_in_a_few_queries(huyen: IndicatorSet, django_assert_max_num_queries: Any) -> None:
    from scoring.administration.services.sets import indicator_set_clone_proposals

    with django_assert_max_num_queries(3):
        indicator_set_clone_proposals(source=huyen)


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field"
    return found.group(1)


def test_the_clone_page_carries_each_years_proposal_for_its_script(
    client: Client, huyen: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)

    page = client.get(reverse("administration:set_clone", args=[huyen.pk])).content.decode()

    found = re.search(r'<script id="clone-proposals" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no proposals for the script"
    proposals = json.loads(found.group(1))
    assert proposals["2023"]["key"] == "tg-2023-huyen" and "phiên bản" not in proposals["2023"]["name"]
    assert proposals["2021"]["key"] == "tg-2021-huyen-v2"
    assert _field(page, "proposed_year") == "2021"


def test_a_page_posted_with_another_year_than_its_proposal_is_shown_again_with_that_years_proposal(
    client: Client, huyen: IndicatorSet, admin_user: Any
) -> None:
    # given: the page proposed 2021 (tg-2021-huyen-v2, «phiên bản 2»); the year was changed to 2022 only
    client.force_login(admin_user)
    shown = indicator_set_clone_proposal(source=huyen, year=2021)
    count = IndicatorSet.objects.count()

    response = client.post(reverse("administration:set_clone", args=[huyen.pk]), {
        "year": "2022", "key": shown["key"], "name": shown["name"], "decision_ref": "", "proposed_year": "2021"})

    # then: nothing made, the page shows 2022's proposal and says why
    assert response.status_code == 400
    assert IndicatorSet.objects.count() == count
    page = response.content.decode()
    assert _field(page, "key") == "tg-2022-huyen"
    assert _field(page, "name") == "Bộ chỉ số CCHC UBND cấp huyện năm 2022"
    assert _field(page, "proposed_year") == "2022"
    assert "năm 2022" in " ".join(str(m) for m in response.context["messages"])

    # and sent again as shown, the clone is made as the first set of 2022
    response = client.post(reverse("administration:set_clone", args=[huyen.pk]), {
        "year": "2022", "key": "tg-2022-huyen", "name": "Bộ chỉ số CCHC UBND cấp huyện năm 2022",
        "decision_ref": "", "proposed_year": "2022"})
    assert response.status_code == 302
    clone = IndicatorSet.objects.get(key="tg-2022-huyen")
    assert clone.version == 1 and "phiên bản" not in clone.name


def test_a_key_typed_by_hand_is_kept_when_the_year_changes(
    client: Client, huyen: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)

    response = client.post(reverse("administration:set_clone", args=[huyen.pk]), {
        "year": "2022", "key": "huyen-moi-2022", "name": "Bộ chỉ số huyện mới", "decision_ref": "",
        "proposed_year": "2021"})

    assert response.status_code == 302
    assert IndicatorSet.objects.get(key="huyen-moi-2022").name == "Bộ chỉ số huyện mới"
