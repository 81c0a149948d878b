"""Evidence reads: fixed query counts and the contract other pages rely on."""

from __future__ import annotations

from typing import Any

import pytest

from evidence import selectors, services
from scoring import selectors as scoring_selectors
from scoring.services import assessment_transition
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db


def _files(assessment: Any, actor: Any, count: int) -> list[Any]:
    return [
        services.evidence_upload(
            unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload(f"f{i}.pdf", samples.pdf(f"f{i}")),
            actor=actor,
        )
        for i in range(count)
    ]


def test_evidence_by_line_maps_each_line_to_its_files_in_one_query(
    assessment: Any, unit_editor: Any, django_assert_num_queries: Any
) -> None:
    files = _files(assessment, unit_editor, 3)
    lines = {line.indicator.code: line for line in assessment.lines.select_related("indicator", "assessment")}
    services.evidence_link(evidence_file=files[0], line=lines["1.1.1"], actor=unit_editor)
    services.evidence_link(evidence_file=files[1], line=lines["1.1.1"], actor=unit_editor)
    services.evidence_link(evidence_file=files[0], line=lines["2.1.1"], actor=unit_editor)

    with django_assert_num_queries(1):
        by_line = selectors.evidence_by_line(assessment=assessment)
        sizes = [f.blob.size for files_ in by_line.values() for f in files_]

    assert {lines["1.1.1"].pk: [files[0].pk, files[1].pk], lines["2.1.1"].pk: [files[0].pk]} == {
        k: [f.pk for f in v] for k, v in by_line.items()
    }
    assert all(sizes)


def test_the_running_totals_count_each_lines_files_in_their_one_query(
    assessment: Any, unit_editor: Any, django_assert_num_queries: Any
) -> None:
    # given two files on one leaf, one on another, none on the rest
    files = _files(assessment, unit_editor, 2)
    lines = {line.indicator.code: line for line in assessment.lines.select_related("indicator", "assessment")}
    services.evidence_link(evidence_file=files[0], line=lines["1.1.1"], actor=unit_editor)
    services.evidence_link(evidence_file=files[1], line=lines["1.1.1"], actor=unit_editor)
    services.evidence_link(evidence_file=files[1], line=lines["2.1.1"], actor=unit_editor)

    scoring_selectors.assessment_totals(assessment=assessment)  # the set's skeleton, read once

    # when the sheet's running totals are read (as after each autosave)
    with django_assert_num_queries(1):
        totals = scoring_selectors.assessment_totals(assessment=assessment)

    # then: the same numbers the full read gives, unlinked leaves absent, and the two leaves have their evidence
    assert totals.files == {lines["1.1.1"].pk: 2, lines["2.1.1"].pk: 1}
    assert totals.files == {k: len(v) for k, v in selectors.evidence_by_line(assessment=assessment).items()}
    required = sum(1 for line in lines.values() if line.indicator.evidence_required and line.indicator.is_leaf
                   and line.indicator.source != "survey")
    linked = sum(1 for code in ("1.1.1", "2.1.1") if lines[code].indicator.evidence_required)
    assert totals.progress.evidence_missing == required - linked


def test_links_made_before_submission_are_marked_locked(assessment: Any, unit_editor: Any, unit_head: Any) -> None:
    (evidence_file,) = _files(assessment, unit_editor, 1)
    line = assessment.lines.select_related("assessment").get(indicator__code="1.1.1")
    services.evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    assert selectors.evidence_by_line(assessment=assessment)[line.pk][0].link_locked is False
    submitted = assessment_transition(assessment=assessment, to_state="submitted", actor=unit_head)
    assert selectors.evidence_by_line(assessment=submitted)[line.pk][0].link_locked is True


def test_the_library_is_newest_first_with_its_blob(
    assessment: Any, unit_editor: Any, django_assert_num_queries: Any
) -> None:
    files = _files(assessment, unit_editor, 3)
    with django_assert_num_queries(1):
        listed = list(selectors.evidence_library(unit=assessment.unit, cycle=assessment.cycle))
        assert [f.blob.content_type for f in listed] == ["application/pdf"] * 3
    assert [f.pk for f in listed] == [f.pk for f in reversed(files)]


@pytest.mark.parametrize("count", [1, 6])
def test_the_library_page_rows_cost_the_same_queries_for_any_number_of_files(
    assessment: Any, unit_editor: Any, django_assert_num_queries: Any, count: int
) -> None:
    files = _files(assessment, unit_editor, count)
    for evidence_file in files:
        for code in ("1.1.1", "1.2.1"):
            line = assessment.lines.select_related("assessment").get(indicator__code=code)
            services.evidence_link(evidence_file=evidence_file, line=line, actor=unit_editor)
    unit_editor._cchc_roles = None  # count the roles query too
    with django_assert_num_queries(3):  # roles, files, links with their lines and indicators
        rows = selectors.evidence_library_rows(assessment=assessment, user=unit_editor)
    assert all([link.code for link in row.links] == ["1.1.1", "1.2.1"] for row in rows)
    assert all(row.deletable and all(link.removable for link in row.links) for row in rows)
