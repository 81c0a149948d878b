"""Appraisal reads. Each returns plain rows with the number of queries fixed, whatever the amount of data.

A package by topic; everything is importable from `appraisal.selectors` as before.
"""

from __future__ import annotations

from appraisal.selectors.explanation import (
    FeedbackLine,
    explained_in_round,
    feedback_lines,
    open_round,
)
from appraisal.selectors.oversight import (
    AreaAverage,
    Dashboard,
    DifferingLeaf,
    GroupRanking,
    dashboard,
    result_of,
    result_pending,
)
from appraisal.selectors.queue import (
    AreaProgress,
    Queue,
    QueueRow,
    current_cycle,
    queue_for_user,
    queue_next,
)
from appraisal.selectors.recompute import (
    changed_results,
    group_sums,
    set_shapes,
    survey_imports,
)
from appraisal.selectors.review import (
    UNSCORED,
    Review,
    ReviewArea,
    ReviewLine,
    ReviewSummary,
    assessment_handover,
    assessment_has_no_lead,
    evidence_files_by_line,
    explanation_rounds,
    history_by_line,
    line_unscored,
    review,
    review_summary,
)
from appraisal.selectors.tree import (
    WORK_STATES,
    SetTree,
    area_to_accept,
    leaves_to_appraise,
    line_to_appraise,
    set_tree,
)

__all__ = [
    "UNSCORED",
    "WORK_STATES",
    "AreaAverage",
    "AreaProgress",
    "Dashboard",
    "DifferingLeaf",
    "FeedbackLine",
    "GroupRanking",
    "Queue",
    "QueueRow",
    "Review",
    "ReviewArea",
    "ReviewLine",
    "ReviewSummary",
    "SetTree",
    "area_to_accept",
    "assessment_handover",
    "assessment_has_no_lead",
    "changed_results",
    "current_cycle",
    "dashboard",
    "evidence_files_by_line",
    "explained_in_round",
    "explanation_rounds",
    "feedback_lines",
    "group_sums",
    "history_by_line",
    "leaves_to_appraise",
    "line_to_appraise",
    "line_unscored",
    "open_round",
    "queue_for_user",
    "queue_next",
    "result_of",
    "result_pending",
    "review",
    "review_summary",
    "set_shapes",
    "set_tree",
    "survey_imports",
]
