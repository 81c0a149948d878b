"""The sheet's reads: the light totals agree with the full sheet, and both with the engine's computation."""

from __future__ import annotations

from typing import Any

import pytest

from scoring import selectors
from scoring.models import Assessment
from scoring.services import assessment_compute, score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def test_the_light_totals_equal_the_full_sheet_and_the_engine(assessment: Assessment, unit_editor: Any,
                                                             django_assert_num_queries: Any) -> None:
    for line in assessment.lines.select_related("indicator"):
        code = line.indicator.code
        if code == "1.2.2":
            score_line_save_self(line=line, actor=unit_editor, base_version=1, value=None, not_applicable=True,
                                 not_applicable_reason="Không có đợt kiểm tra")
        elif code != "1.2.3":
            score_line_save_self(line=line, actor=unit_editor, base_version=1, value=SMALL_SET_VALUES[code][0],
                                 explanation="x" if code == "1.1.1" else None)
    assessment.refresh_from_db()
    sheet = selectors.assessment_sheet(assessment=assessment)
    with django_assert_num_queries(2):  # the set's skeleton (first time in this process), the lines with files
        totals = selectors.assessment_totals(assessment=assessment)
    with django_assert_num_queries(1):  # the set is in use, so it cannot change: its skeleton is kept
        again = selectors.assessment_totals(assessment=assessment)
    assert again == totals
    engine_view = assessment_compute(assessment=assessment, basis="self")
    assert totals.computation == sheet.computation == engine_view
    assert totals.areas == [(b.area.code, b.total, b.max_points) for b in sheet.areas]
    assert totals.progress == sheet.progress
    assert (totals.progress.total, totals.progress.scored) == (9, 8)
    assert (totals.progress.evidence_missing, totals.progress.explanation_missing) == (8, 7)  # N/A needs none


def test_the_full_sheet_reads_with_a_fixed_number_of_queries(assessment: Assessment,
                                                             django_assert_num_queries: Any) -> None:
    assessment.refresh_from_db()
    _ = (assessment.indicator_set, assessment.unit, assessment.cycle)
    with django_assert_num_queries(3):  # indicators, lines, evidence links
        sheet = selectors.assessment_sheet(assessment=assessment)
    assert len(sheet.leaves) == 9 and [b.area.code for b in sheet.areas] == ["1", "2"]
