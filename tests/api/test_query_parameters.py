"""Query parameters the API shares between endpoints: which revision of a publication (`revision`, alias `lan`),
the page size of every paginated list, and one format for the publication's date-time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.publication.conftest import DOC_DATE

pytestmark = pytest.mark.django_db

FIRST, SECOND = "Công văn số 4567/UBND-NC", "Công văn số 4600/UBND-NC"
REVISION_READERS = [
    "/api/v1/results/2020/",
    "/api/v1/open-data/2020/rankings/",
    "/api/v1/open-data/2020/rankings/khoi-so/",
    "/api/v1/open-data/2020/results.json",
]


@pytest.fixture(autouse=True)
def no_throttling_left_over() -> Any:
    """These tests make many anonymous requests: each starts and ends with the throttle's counts cleared, so that
    neither they nor the tests after them meet the anonymous rate."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def corrected(publication: Any, admin_user: Any) -> Any:
    from scoring.publication.services import cycle_publish

    return cycle_publish(cycle=publication.cycle, document_number=SECOND, document_date=DOC_DATE,
                         reason="Đính chính", actor=admin_user, document_only=True)


def _revision_of(response: Any) -> int:
    body = response.json()
    return (body.get("publication") or body)["revision"]


def test_the_results_and_open_data_read_the_revision_asked_by_either_name(api: Any, corrected: Any) -> None:
    group = corrected.snapshot["groups"][0]["code"]
    for url in [u.replace("khoi-so", group) for u in REVISION_READERS]:
        assert _revision_of(api.get(url)) == 2, url
        assert _revision_of(api.get(url, {"revision": 1})) == 1, url
        assert _revision_of(api.get(url, {"lan": 1})) == 1, url
        assert _revision_of(api.get(url, {"revision": 1, "lan": 1})) == 1, url
    assert api.get("/api/v1/results/2020/", {"lan": 1}).json()["document_number"] == FIRST


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5", "10000", "99999999999999999999"])
@pytest.mark.parametrize("name", ["revision", "lan"])
def test_a_revision_that_is_not_a_number_from_1_to_9999_is_a_field_error(
    api: Any, publication: Any, name: str, raw: str
) -> None:
    for url in (*REVISION_READERS, "/api/v1/open-data/2020/results.csv", "/api/v1/open-data/2020/criteria.csv"):
        response = api.get(url, {name: raw})
        assert response.status_code == 400, (url, raw)
        assert response.json()["code"] == "invalid"
        assert list(response.json()["fields"]) == [name], url


def test_a_revision_the_year_does_not_have_is_a_404(api: Any, publication: Any) -> None:
    for url in (*REVISION_READERS, "/api/v1/open-data/2020/results.csv"):
        for name in ("revision", "lan"):
            response = api.get(url, {name: 2})
            assert response.status_code == 404, (url, name)
            assert response.json()["code"] == "not_found"


def test_two_different_revisions_at_once_are_refused(api: Any, corrected: Any) -> None:
    response = api.get("/api/v1/results/2020/", {"revision": 1, "lan": 2})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["lan"]


# --- page size ---------------------------------------------------------------------------------------------

PAGE_SIZE_ERROR = {"page_size": ["Số dòng mỗi trang phải là số nguyên từ 1 đến 500."]}


@pytest.mark.parametrize("raw", ["0", "-1", "501", "99999", "99999999999999999999", "abc", "1.5", "5e1"])
def test_a_page_size_outside_1_to_500_is_the_same_field_error_on_every_list(
    api: Any, admin_user: Any, assessment: Any, raw: str
) -> None:
    api.force_login(admin_user)
    for url in ("/api/v1/assessments/", "/api/v1/units/", "/api/v1/cycles/", "/api/v1/appraisal/queue/"):
        response = api.get(url, {"page_size": raw})
        assert response.status_code == 400, (url, raw)
        assert response.json()["fields"] == PAGE_SIZE_ERROR, url


def test_a_page_size_from_1_to_500_is_used(api: Any, admin_user: Any, assessment: Any) -> None:
    api.force_login(admin_user)
    for size in ("1", "500"):
        response = api.get("/api/v1/units/", {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(int(size), response.json()["count"])


# --- one date-time format ----------------------------------------------------------------------------------


def test_the_publication_date_time_has_one_format_in_every_json_answer(api: Any, publication: Any) -> None:
    from rest_framework.fields import DateTimeField

    expected = DateTimeField().to_representation(publication.published_at)
    assert expected.endswith("+07:00")  # DRF's DateTimeField: local time, as every other date-time of the API
    seen = [
        api.get("/api/v1/results/").json()[0]["published_at"],
        api.get("/api/v1/results/2020/").json()["published_at"],
        api.get("/api/v1/publications/").json()[0]["published_at"],
        api.get("/api/v1/open-data/2020/rankings/").json()["publication"]["published_at"],
    ]
    assert seen == [expected] * len(seen)
