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


def test_the_save_reads_line_assessment_and_roles_at_once_and_the_permission_check_asks_no_more(
    assessment: Assessment, unit_editor: Any, appraiser: Any, django_assert_num_queries: Any
) -> None:
    from django.contrib.auth import get_user_model
    from django.http import Http404

    from scoring import permissions
    from scoring.models import RoleAssignment, Unit

    RoleAssignment.objects.create(user=unit_editor, role=RoleAssignment.Role.UNIT_EDITOR,  # a second row
                                  unit=Unit.objects.get(code="so-tu-phap"))
    line = assessment.lines.order_by("id").first()
    assert line is not None
    editor = get_user_model().objects.get(pk=unit_editor.pk)  # nothing read of them yet
    selectors.assessment_totals(assessment=assessment)  # the set's skeleton, read once per process
    with django_assert_num_queries(1):
        found = permissions.line_get_for_save(user=editor, assessment_id=assessment.pk, line_id=line.pk)
        assert found.assessment.unit.name == assessment.unit.name and found.assessment.cycle.year
        assert permissions.can_edit_self_assessment(editor, found.assessment)
    fresh = get_user_model().objects.get(pk=unit_editor.pk)
    assert sorted(permissions.roles_of(editor)) == sorted(permissions.roles_of(fresh))  # what `roles_of` reads
    assert len(permissions.roles_of(editor)) == 2
    assert (found.pk, found.version, found.self_value) == (line.pk, line.version, line.self_value)
    assert "appraised_note" in found.get_deferred_fields()  # a save neither checks nor changes it
    outsider = get_user_model().objects.get(pk=appraiser.pk)  # a draft: not theirs to see
    with pytest.raises(Http404):
        permissions.line_get_for_save(user=outsider, assessment_id=assessment.pk, line_id=line.pk)
    other = Assessment.objects.exclude(pk=assessment.pk).first()
    if other is not None:  # a line of another assessment, asked for through this one: 404
        with pytest.raises(Http404):
            permissions.line_get_for_save(user=editor, assessment_id=other.pk, line_id=line.pk)
