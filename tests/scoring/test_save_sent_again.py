"""A unit's save whose answer was lost is sent again by the page with the version it started from: when what it
sends is what is stored, it is answered as saved (the stored line, its version), writing nothing and recording
nothing — not as a conflict with oneself. Anything else from an old version is still a conflict."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.errors import StaleVersion
from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.services import score_line_save_self, score_line_save_self_with_totals

pytestmark = pytest.mark.django_db


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return ScoreLine.objects.select_related("assessment__indicator_set", "indicator").get(
        assessment=assessment, indicator__code=code)


def test_the_same_save_sent_again_from_its_old_version_is_answered_as_saved(
    assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "2.1.1")
    base = line.version
    first = score_line_save_self(line=line, actor=unit_editor, base_version=base,
                                 value={"numerator": 9, "denominator": 10}, note="Đã cập nhật")
    assert first.version == base + 1
    audits, version = AuditEntry.objects.count(), Assessment.objects.get(pk=assessment.pk).version

    again = _line(assessment, "2.1.1")  # as the page's retry reads it: the stored line
    saved, totals = score_line_save_self_with_totals(line=again, actor=unit_editor, base_version=base,
                                                     value={"numerator": 9, "denominator": 10}, note="Đã cập nhật")

    assert saved.version == base + 1 and saved.self_note == "Đã cập nhật"
    assert totals is not None
    assert AuditEntry.objects.count() == audits
    assert Assessment.objects.get(pk=assessment.pk).version == version
    assert ScoreLine.objects.get(pk=line.pk).version == base + 1


def test_something_else_from_an_old_version_is_still_a_conflict(assessment: Assessment, unit_editor: Any) -> None:
    line = _line(assessment, "2.1.1")
    base = line.version
    score_line_save_self(line=line, actor=unit_editor, base_version=base, value={"numerator": 9, "denominator": 10})
    with pytest.raises(StaleVersion):
        score_line_save_self(line=_line(assessment, "2.1.1"), actor=unit_editor, base_version=base,
                             value={"numerator": 8, "denominator": 10})
    assert ScoreLine.objects.get(pk=line.pk).version == base + 1
