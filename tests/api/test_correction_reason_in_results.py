"""A correction's reason wherever the API gives a publication's results: the results (`/results/<year>/` and the
list), the open-data rankings, a group's and a unit's result (`publication.reason`), documented in the schema; empty
for a first publication."""

from __future__ import annotations

from typing import Any

import pytest

from tests.publication.conftest import DOC_DATE

pytestmark = pytest.mark.django_db

REASON = "Cắt điểm tiêu chí 1.1.1 của Sở Y tế"


@pytest.fixture
def corrected(publication: Any, admin_user: Any) -> Any:
    from scoring.publication.services import cycle_publish

    return cycle_publish(cycle=publication.cycle, document_number="Công văn số 4600/UBND-NC", document_date=DOC_DATE,
                         reason=REASON, actor=admin_user, document_only=True)


@pytest.mark.parametrize("path", [
    "/api/v1/open-data/2020/rankings/", "/api/v1/open-data/2020/units/so-y-te/",
])
def test_the_open_data_results_carry_the_corrections_reason(api: Any, corrected: Any, path: str) -> None:
    assert api.get(path).json()["publication"]["reason"] == REASON
    assert api.get(path, {"lan": 1}).json()["publication"]["reason"] == ""


def test_the_group_ranking_carries_the_corrections_reason(api: Any, corrected: Any) -> None:
    code = corrected.snapshot["groups"][0]["code"]
    assert api.get(f"/api/v1/open-data/2020/rankings/{code}/").json()["publication"]["reason"] == REASON


def test_the_schema_documents_the_reason_of_the_open_data_publication(api: Any) -> None:
    import yaml

    schema = yaml.safe_load(api.get("/api/schema/").content)
    reason = schema["components"]["schemas"]["OpenDataPublication"]["properties"]["reason"]
    assert reason["type"] == "string" and "đính chính" in reason["description"]


def test_the_results_endpoint_carries_the_corrections_reason(api: Any, corrected: Any) -> None:
    assert api.get("/api/v1/results/2020/").json()["reason"] == REASON
    assert api.get("/api/v1/results/2020/", {"lan": 1}).json()["reason"] == ""
    assert api.get("/api/v1/results/").json()[0]["reason"] == REASON


def test_the_schema_documents_the_results_reason(api: Any) -> None:
    import yaml

    schemas = yaml.safe_load(api.get("/api/schema/").content)["components"]["schemas"]
    for name in ("PublishedResults", "PublicationSummary"):
        assert "đính chính" in schemas[name]["properties"]["reason"]["description"], name
