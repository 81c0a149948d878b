"""The unit's explanation page: the leaves returned to it in the open round."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appraisal.models import LineHistory
from appraisal.selectors.review import evidence_files_by_line, history_by_line
from scoring import selectors as scoring_selectors
from scoring.models import Assessment, Indicator, ScoreLine


@dataclass
class FeedbackLine:
    line: ScoreLine
    indicator: Indicator
    files: list[Any]
    history: list[LineHistory]
    last_appraisal: LineHistory | None
    final: LineHistory | None


def feedback_lines(*, assessment: Assessment, flagged_only: bool = False) -> list[FeedbackLine]:
    """What the unit may see of the appraisal: only records of rounds that have ended (history snapshots),
    never the live scores and notes of a round in progress. Four queries."""
    lines = list(scoring_selectors.score_lines_of_assessment(assessment=assessment))
    files = evidence_files_by_line(assessment)
    history = history_by_line(assessment=assessment)
    out: list[FeedbackLine] = []
    for line in lines:
        line.assessment = assessment
        if flagged_only and not line.explanation_requested:
            continue
        entries = history.get(line.pk, [])
        appraisals = [e for e in entries if e.stage == LineHistory.Stage.APPRAISAL]
        finals = [e for e in entries if e.stage == LineHistory.Stage.FINAL]
        out.append(
            FeedbackLine(
                line=line,
                indicator=line.indicator,
                files=files.get(line.pk, []),
                history=entries,
                last_appraisal=appraisals[-1] if appraisals else None,
                final=finals[-1] if finals else None,
            )
        )
    return out
