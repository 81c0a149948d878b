"""Queries compiled once per process (scoring/selectors/compiled.py) give what the ORM gives, for any argument."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.demo import sample_value
from scoring.models import Assessment, ScoreLine, Unit
from scoring.selectors import compiled
from scoring.services import score_line_save_self

pytestmark = pytest.mark.django_db


def _lines(assessment_id: int) -> Any:
    return ScoreLine.objects.filter(assessment_id=assessment_id).order_by("id").values_list(
        "id", "self_score", "not_applicable", "self_value")


def test_rows_equal_the_orm_for_each_argument_and_convert_as_it_does(assessment: Assessment, unit_editor: Any) -> None:
    line = assessment.lines.select_related("indicator").filter(indicator__source="self").first()
    assert line is not None
    value = sample_value(line.indicator, random.Random(7), 1.0)
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    got = compiled.rows("test_lines", _lines, assessment.pk)
    assert got == list(_lines(assessment.pk))
    saved = next(row for row in got if row[0] == line.pk)
    assert isinstance(saved[1], Decimal) and saved[1] > 0  # exact, as the ORM converts it (SQLite too)
    assert saved[3] == ScoreLine.objects.get(pk=line.pk).self_value and isinstance(saved[3], dict)  # JSON decoded
    assert compiled.rows("test_lines", _lines, -1) == []  # the same kept SQL, another argument
    assert compiled.rows("test_lines", _lines, 2**70) == []  # beyond any id: nothing, as the ORM answers


def test_instances_carry_their_select_related_objects_without_more_queries(assessment: Assessment) -> None:
    def build(pk: int) -> Any:
        return Assessment.objects.select_related("unit", "cycle", "indicator_set").filter(pk=pk)

    compiled.instances("test_assessment", build, assessment.pk)  # compiled on first use
    with CaptureQueriesContext(connection) as queries:
        (found,) = compiled.instances("test_assessment", build, assessment.pk)
        names = (found.unit.name, found.cycle.year, found.indicator_set.name)
    assert len(queries) == 1
    assert found == assessment and names == (assessment.unit.name, assessment.cycle.year,
                                              assessment.indicator_set.name)
    assert found.indicator_set.classification_bands == assessment.indicator_set.classification_bands


def test_text_arguments_and_a_lookup_that_would_change_them_is_refused(catalogue: Any) -> None:
    unit = Unit.objects.order_by("code").first()
    assert unit is not None
    assert compiled.rows("test_unit", lambda code: Unit.objects.filter(code=code).values_list("pk"),
                         unit.code) == [(unit.pk,)]
    assert compiled.rows("test_unit", lambda code: Unit.objects.filter(code=code).values_list("pk"), "x") == []
    with pytest.raises(ValueError, match="not parameters"):  # icontains wraps the text in %…%: no exact mark
        compiled.rows("test_unit_like", lambda code: Unit.objects.filter(code__icontains=code).values_list("pk"),
                      unit.code)
