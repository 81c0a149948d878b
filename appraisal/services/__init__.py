"""Appraisal writes: review of each leaf, explanation rounds, sign-off, reopen and the set-wise recompute.

Each service is one transaction, takes the acting user and leaves an audit record; states change only through
`scoring.services.assessment_transition`. Survey imports are in `appraisal.survey`, notifications in
`appraisal.notifications`.

A package by topic; everything is importable from `appraisal.services` as before.
"""

from __future__ import annotations

from appraisal.services.common import (
    APPRAISING_STATES,
    MSG_ALREADY_RESUBMITTED,
    MSG_DEADLINE_AFTER_CYCLE,
    MSG_DEADLINE_IN_PAST,
    MSG_DEADLINE_NOT_PASSED,
    MSG_DEADLINE_PASSED,
    MSG_DEADLINE_TOO_LATE,
    MSG_EXPLANATION_REQUIRED,
    MSG_EXPLANATION_UNCHANGED,
    MSG_EXPLANATIONS_MISSING,
    MSG_NA_OVERRULE_REASON,
    MSG_NO_OPEN_ROUND,
    MSG_NOT_APPRAISING,
    MSG_NOT_FLAGGED,
    MSG_NOT_SELF_SCORED,
    MSG_NOTHING_FLAGGED,
    MSG_REASON_FOR_REOPEN,
    MSG_REASON_REQUIRED,
    MSG_ROUND_ENDED,
    MSG_SURVEY_IMPORT_ONLY,
    MSG_UNKNOWN_LINE,
    MSG_VALUE_REQUIRED,
)
from appraisal.services.recompute import (
    RESULT_FIELDS,
    cycle_results_recompute,
    index_result_enqueue,
)
from appraisal.services.review import (
    MSG_ZERO_REASON_REQUIRED,
    appraisal_start,
    area_accept_noted,
    area_accept_self,
    assessment_zero_unscored,
    explanations_mark_seen,
    line_accept_self,
    line_appraise,
)
from appraisal.services.rounds import (
    explanation_close,
    explanation_deadline_change,
    explanation_overdue,
    explanation_request,
    explanation_resubmit,
    explanation_withdraw,
    line_explain,
)
from appraisal.services.signoff import (
    assessment_reopen,
    assessment_sign_off,
)

__all__ = [
    "APPRAISING_STATES",
    "MSG_ALREADY_RESUBMITTED",
    "MSG_DEADLINE_AFTER_CYCLE",
    "MSG_DEADLINE_IN_PAST",
    "MSG_DEADLINE_NOT_PASSED",
    "MSG_DEADLINE_PASSED",
    "MSG_DEADLINE_TOO_LATE",
    "MSG_EXPLANATIONS_MISSING",
    "MSG_EXPLANATION_REQUIRED",
    "MSG_EXPLANATION_UNCHANGED",
    "MSG_NA_OVERRULE_REASON",
    "MSG_NOTHING_FLAGGED",
    "MSG_NOT_APPRAISING",
    "MSG_NOT_FLAGGED",
    "MSG_NOT_SELF_SCORED",
    "MSG_NO_OPEN_ROUND",
    "MSG_REASON_FOR_REOPEN",
    "MSG_REASON_REQUIRED",
    "MSG_ROUND_ENDED",
    "MSG_SURVEY_IMPORT_ONLY",
    "MSG_UNKNOWN_LINE",
    "MSG_VALUE_REQUIRED",
    "MSG_ZERO_REASON_REQUIRED",
    "RESULT_FIELDS",
    "appraisal_start",
    "area_accept_noted",
    "area_accept_self",
    "assessment_reopen",
    "assessment_sign_off",
    "assessment_zero_unscored",
    "cycle_results_recompute",
    "explanation_close",
    "explanation_deadline_change",
    "explanation_overdue",
    "explanation_request",
    "explanation_resubmit",
    "explanation_withdraw",
    "explanations_mark_seen",
    "index_result_enqueue",
    "line_accept_self",
    "line_appraise",
    "line_explain",
]
