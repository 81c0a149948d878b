"""Each line's state recorded at a round's boundaries (self, appraisal, explanation, final)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from appraisal import selectors as appraisal_selectors
from appraisal.models import LineHistory
from appraisal.selectors.review import na_credited
from scoring.models import Assessment, ScoreLine


def _evidence_snapshot(assessment: Assessment) -> dict[int, list[dict[str, Any]]]:
    files = appraisal_selectors.evidence_files_by_line(assessment)
    return {
        line_id: [{"id": f.pk, "name": str(getattr(f, "original_name", f))} for f in items]
        for line_id, items in files.items()
    }


def _snapshot(
    *, assessment: Assessment, stage: str, round_no: int, actor: Any, lines: Iterable[ScoreLine] | None = None
) -> int:
    """Record each line's state at a round boundary (once per line, round and stage)."""
    lines = list(lines) if lines is not None else list(assessment.lines.all())
    done = set(
        LineHistory.objects.filter(assessment=assessment, round=round_no, stage=stage).values_list("line_id", flat=True)
    )
    with_files = stage in (LineHistory.Stage.SELF, LineHistory.Stage.EXPLANATION)
    evidence = _evidence_snapshot(assessment) if with_files else {}
    by = actor if getattr(actor, "pk", None) else None
    rows = []
    for line in lines:
        if line.pk in done:
            continue
        # The unit's stages keep its claim; the team's (appraisal, final) only what the team decided: a «không
        # phát sinh» it accepted, not one still waiting for its decision (recorded as not yet appraised).
        entry = LineHistory(
            line=line, assessment=assessment, round=round_no, stage=stage, recorded_by=by,
            not_applicable=line.not_applicable if stage in (LineHistory.Stage.SELF, LineHistory.Stage.EXPLANATION)
            else na_credited(line, assessment.state),
            evidence=evidence.get(line.pk, []),
        )
        if stage == LineHistory.Stage.SELF:
            entry.value, entry.score, entry.note, entry.explanation = (
                line.self_value, line.self_score, line.self_note, line.explanation
            )
        elif stage == LineHistory.Stage.EXPLANATION:
            entry.value, entry.score, entry.explanation = line.self_value, line.self_score, line.explanation
        else:  # appraisal, final
            entry.value, entry.score, entry.note = line.appraised_value, line.appraised_score, line.appraised_note
        rows.append(entry)
    LineHistory.objects.bulk_create(rows)
    return len(rows)
