"""The API's appraisal queue gives each row the unit's self-assessed index and its open explanation round's
deadline (and whether it has passed), sorts by the self-assessed index and by name across the ranking groups (by
group first by default), as the page's queue does; the schema documents the fields and the orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from scoring.models import Assessment, Unit
from scoring.services import assessments_open
from tests.api.conftest import as_user
from tests.appraisal.conftest import later, line_of, self_score, submit
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db
URL = "/api/v1/appraisal/queue/"


@pytest.fixture
def three(submitted: Any, cycle: Any, unit_editor: Any, unit_head: Any) -> list[Assessment]:
    """Cục Thuế tỉnh (Cơ quan ngành dọc, 5.58), Sở Tài chính (7.58), Sở Y tế (6.58)."""
    found = []
    for code, values in (("cuc-thue", {**SMALL_SET_VALUES, "1.2.1": ({"value": False}, Decimal("0"))}),
                         ("so-tai-chinh", {**SMALL_SET_VALUES, "1.1.1": ({"option": "on_time"}, Decimal("1"))})):
        assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(assessment, unit_editor, values)
        found.append(submit(assessment, unit_head))
    return [*found, submitted]


def _rows(api: Any, **params: Any) -> list[dict[str, Any]]:
    answer = api.get(URL, params)
    assert answer.status_code == 200, answer.json()
    return list(answer.json()["rows"])


def test_each_row_has_the_self_index_and_the_open_round_s_deadline(api: Any, three: list[Assessment],
                                                                   lead: Any) -> None:
    from appraisal.services import explanation_request

    y_te = three[2]
    deadline = later()
    explanation_request(assessment=y_te, actor=lead, deadline=deadline, line_ids=[line_of(y_te, "2.1.1").pk])
    rows = {r["unit_code"]: r for r in _rows(as_user(api, lead))}
    assert {code: r["self_index"] for code, r in rows.items()} == {
        "cuc-thue": "5.58", "so-tai-chinh": "7.58", "so-y-te": "6.58"}
    assert rows["so-tai-chinh"]["explanation_deadline"] is None
    assert rows["so-tai-chinh"]["explanation_overdue"] is False
    assert parse_datetime(rows["so-y-te"]["explanation_deadline"]) == deadline
    assert rows["so-y-te"]["explanation_overdue"] is False
    Assessment.objects.filter(pk=y_te.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    rows = {r["unit_code"]: r for r in _rows(api)}
    assert rows["so-y-te"]["explanation_overdue"] is True and rows["so-tai-chinh"]["explanation_overdue"] is False


def test_the_api_sorts_by_self_index_and_by_name_across_the_groups(api: Any, three: list[Assessment],
                                                                   lead: Any) -> None:
    as_user(api, lead)
    grouped = ["so-tai-chinh", "so-y-te", "cuc-thue"]
    assert [r["unit_code"] for r in _rows(api)] == grouped
    assert [r["unit_code"] for r in _rows(api, sort="group")] == grouped
    assert [r["unit_code"] for r in _rows(api, sort="name")] == ["cuc-thue", "so-tai-chinh", "so-y-te"]
    assert [r["unit_code"] for r in _rows(api, sort="self_index_high")] == ["so-tai-chinh", "so-y-te", "cuc-thue"]
    low = [r["unit_code"] for r in _rows(api, sort="self_index_low")]
    assert low == ["cuc-thue", "so-y-te", "so-tai-chinh"]
    # across the pages
    first = api.get(URL, {"sort": "self_index_low", "page_size": 2}).json()
    assert [r["unit_code"] for r in first["rows"]] == low[:2] and first["count"] == 3
    assert [r["unit_code"] for r in api.get(first["next"]).json()["rows"]] == low[2:]
    # an unknown order names the new ones
    refused = api.get(URL, {"sort": "self_index"})
    assert refused.status_code == 400 and "self_index_high" in str(refused.json()["fields"]["sort"])


def test_the_self_index_costs_the_same_queries_for_one_row_or_many(
    api: Any, submitted: Any, lead: Any, cycle: Any, unit_editor: Any, unit_head: Any
) -> None:
    as_user(api, lead)
    counts = {}
    for order in ("group", "self_index_high"):
        _rows(api, sort=order)  # warm the caches every first request fills
        with CaptureQueriesContext(connection) as one:
            _rows(api, sort=order)
        counts[order] = len(one.captured_queries)
    for code in ("so-tai-chinh", "so-xay-dung", "cuc-thue"):
        other = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(other, unit_editor)
        submit(other, unit_head)
    for order, count in counts.items():
        with CaptureQueriesContext(connection) as many:
            rows = _rows(api, sort=order)
        assert len(rows) == 4 and {r["self_index"] for r in rows} == {"6.58"}
        assert len(many.captured_queries) == count, order


def test_the_schema_documents_the_new_fields_and_orders(api: Any, db: Any) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    row = schema["components"]["schemas"]["QueueRow"]["properties"]
    assert row["self_index"]["type"] == "string" and row["self_index"].get("nullable") is True
    assert row["self_index"].get("description")
    assert row["explanation_deadline"]["format"] == "date-time" and row["explanation_deadline"].get("nullable")
    assert row["explanation_overdue"]["type"] == "boolean"
    sort = next(p for p in schema["paths"][URL]["get"]["parameters"] if p["name"] == "sort")
    assert {"group", "name", "self_index_high", "self_index_low"} <= set(sort["schema"]["enum"])
    assert sort["schema"]["default"] == "group"
