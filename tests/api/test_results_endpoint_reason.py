"""`/api/v1/results/<year>/` (and the list) carry the revision's correction reason, documented in the schema.
Goes with /tmp/pub2/api_results_reason.patch (scoring/api/results.py): place under tests/api/ when applied."""

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


def test_the_results_endpoint_carries_the_corrections_reason(api: Any, corrected: Any) -> None:
    assert api.get("/api/v1/results/2020/").json()["reason"] == REASON
    assert api.get("/api/v1/results/2020/", {"lan": 1}).json()["reason"] == ""
    assert api.get("/api/v1/results/").json()[0]["reason"] == REASON


def test_the_schema_documents_the_results_reason(api: Any) -> None:
    import yaml

    schemas = yaml.safe_load(api.get("/api/schema/").content)["components"]["schemas"]
    for name in ("PublishedResults", "PublicationSummary"):
        assert "đính chính" in schemas[name]["properties"]["reason"]["description"], name
