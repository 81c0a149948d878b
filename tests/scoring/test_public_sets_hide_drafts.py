"""A set the province is still editing (a draft, such as next year's clone) is not public: the home page lists only
the issued sets, and a draft's public page answers as an unknown key does; administrators keep the draft in the
administration pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scoring.administration import services
from scoring.models import Cycle, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_year_draft(cycle: Cycle, admin_user: Any) -> IndicatorSet:
    """The 2020 set in use, cloned for 2021: a draft named as the next year's set."""
    return services.indicator_set_clone(source=cycle.cycle_sets.first().indicator_set, key="tg-2021-so", year=2021,
                                        actor=admin_user, name="Bộ chỉ số dự thảo năm 2021")


def test_the_home_page_lists_the_issued_sets_but_not_a_draft(client: Client, next_year_draft: IndicatorSet) -> None:
    html = client.get("/").content.decode()

    assert "Bộ chỉ số thử nghiệm" in html and "/bo-chi-so/test-set/" in html
    assert "Bộ chỉ số dự thảo năm 2021" not in html and "/bo-chi-so/tg-2021-so/" not in html


def test_a_drafts_public_page_is_a_404_like_an_unknown_key(client: Client, next_year_draft: IndicatorSet) -> None:
    draft = client.get("/bo-chi-so/tg-2021-so/")
    unknown = client.get("/bo-chi-so/khong-co/")

    assert draft.status_code == 404 and unknown.status_code == 404
    body = draft.content.decode()
    assert "Bộ chỉ số dự thảo năm 2021" not in body and "1.2.2" not in body
    assert "data-set-not-public" in body and "data-admin-set" not in body
    assert "data-set-not-public" in unknown.content.decode()  # nothing tells a draft's key from a wrong one


def test_a_signed_in_unit_person_does_not_see_a_draft_either(
    client: Client, next_year_draft: IndicatorSet, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    assert client.get("/bo-chi-so/tg-2021-so/").status_code == 404
    assert "Bộ chỉ số dự thảo năm 2021" not in client.get("/?cong-khai").content.decode()


def test_an_administrator_is_pointed_to_the_drafts_administration_page(
    client: Client, next_year_draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)

    response = client.get("/bo-chi-so/tg-2021-so/")

    assert response.status_code == 404
    assert f'href="/quan-ly/bo-chi-so/{next_year_draft.pk}/"' in response.content.decode()
    assert client.get(f"/quan-ly/bo-chi-so/{next_year_draft.pk}/").status_code == 200


def test_an_issued_set_stays_public_in_use_and_once_retired(client: Client, cycle: Cycle) -> None:
    in_use = cycle.cycle_sets.first().indicator_set
    assert in_use.status == IndicatorSet.Status.ACTIVE
    assert client.get(f"/bo-chi-so/{in_use.key}/").status_code == 200

    IndicatorSet.objects.filter(pk=in_use.pk).update(status=IndicatorSet.Status.RETIRED)

    assert client.get(f"/bo-chi-so/{in_use.key}/").status_code == 200
    assert f"/bo-chi-so/{in_use.key}/" in client.get("/").content.decode()
