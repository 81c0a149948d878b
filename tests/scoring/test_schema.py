"""What the database holds beside the models: indexes that the national-scale reads and writes rely on."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: c["columns"] for name, c in constraints.items() if c["index"] or c["unique"]}


def test_a_lines_assessment_is_indexed_by_the_unique_assessment_indicator_index_not_by_one_of_its_own() -> None:
    # Every read of an assessment's lines is served by the unique index that leads with the assessment; an index
    # of the assessment alone cost a national cycle's opening about a fifth of its 430,000 lines' insert.
    indexes = _indexes("scoring_scoreline")
    assert indexes["uniq_line_per_assessment_indicator"] == ["assessment_id", "indicator_id"]
    alone = sorted(name for name, columns in indexes.items() if columns == ["assessment_id"])
    assert alone == ["line_na_idx"]  # the partial index of the few not-applicable lines (the recompute's)
