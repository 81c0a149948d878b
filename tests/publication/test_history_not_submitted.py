"""The open-data API's years of a unit (`history` of a unit's result) say which year it did not submit its
self-assessment («Không gửi báo cáo tự đánh giá», the published row's `not_submitted`), as the year-over-year
comparison and the history table do: a boolean per year, documented in the schema; false for a snapshot published
before the mark existed, as the comparison reads it."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client

from scoring.models import Publication
from scoring.publication.selectors import year_over_year
from tests.publication.test_compare_not_submitted import two_years  # noqa: F401  (re-exported fixture)

pytestmark = pytest.mark.django_db

Years = tuple[Publication, Publication]


def _flags(year: int, code: str) -> dict[int, bool]:
    body = Client().get(f"/api/v1/open-data/{year}/units/{code}/").json()
    return {h["year"]: h["not_submitted"] for h in body["history"]}


def test_the_open_data_history_says_the_year_a_unit_did_not_submit(two_years: Years) -> None:  # noqa: F811
    assert _flags(2021, "so-xay-dung") == {2020: True, 2021: False}
    assert _flags(2020, "so-xay-dung") == {2020: True, 2021: False}
    assert _flags(2021, "so-y-te") == {2020: False, 2021: False}


def test_a_snapshot_published_before_the_mark_reads_as_submitted_as_the_comparison_reads_it(
    two_years: Years,  # noqa: F811
) -> None:
    earlier, later = two_years
    snapshot = earlier.snapshot
    for row in snapshot["rows"]:
        row.pop("not_submitted", None)
    Publication.objects.filter(pk=earlier.pk).update(snapshot=snapshot)
    earlier.refresh_from_db()
    change = next(c for c in year_over_year(earlier=earlier, later=later) if c.unit_code == "so-xay-dung")
    assert not change.earlier_not_submitted
    assert _flags(2021, "so-xay-dung") == {2020: False, 2021: False}


def test_the_schema_documents_the_history_flag() -> None:
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    point = schema["components"]["schemas"]["OpenDataHistoryPoint"]
    assert point["properties"]["not_submitted"]["type"] == "boolean"
    assert "không gửi báo cáo tự đánh giá" in point["properties"]["not_submitted"]["description"]
    assert "not_submitted" in point["required"]


def test_the_results_api_ranking_rows_say_which_unit_did_not_submit(two_years: Years) -> None:  # noqa: F811
    body = Client().get("/api/v1/results/2020/").json()
    flags = {row["unit_code"]: row["not_submitted"] for group in body["groups"] for row in group["rows"]}
    assert flags["so-xay-dung"] is True
    assert flags["so-y-te"] is False
    assert Client().get("/api/v1/results/2021/").json()["groups"][0]["rows"][0]["not_submitted"] is False
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    assert schema["components"]["schemas"]["RankingRow"]["properties"]["not_submitted"]["type"] == "boolean"
