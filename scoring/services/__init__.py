"""Writes. Each service is one transaction, takes the acting user, and leaves an audit record.

A package by topic; everything is importable from `scoring.services` as before.
"""

from __future__ import annotations

from scoring.services.assessments import (
    assessment_transition,
    assessments_open,
    cycle_create,
    cycle_set_phase,
    line_lock,
    score_line_accept_not_applicable,
    score_line_appraise,
    score_line_save_self,
    score_line_save_self_with_totals,
)
from scoring.services.common import (
    APPRAISABLE_STATES,
    SELF_EDITABLE_STATES,
    User,
    audit_record,
    audit_records,
    logger,
)
from scoring.services.results import (
    assessment_compute,
    index_result_recompute,
    ranking_group_rerank,
)
from scoring.services.sets import (
    indicator_set_import,
)
from scoring.services.submission import (
    assessment_difficulties_save,
    assessment_submit,
    assessment_withdraw,
    score_lines_import_self,
)
from scoring.services.units import (
    unit_catalogue_load,
)

__all__ = [
    "APPRAISABLE_STATES",
    "SELF_EDITABLE_STATES",
    "User",
    "assessment_compute",
    "assessment_difficulties_save",
    "assessment_submit",
    "assessment_transition",
    "assessment_withdraw",
    "assessments_open",
    "audit_record",
    "audit_records",
    "cycle_create",
    "cycle_set_phase",
    "index_result_recompute",
    "indicator_set_import",
    "line_lock",
    "logger",
    "ranking_group_rerank",
    "score_line_accept_not_applicable",
    "score_line_appraise",
    "score_line_save_self",
    "score_line_save_self_with_totals",
    "score_lines_import_self",
    "unit_catalogue_load",
]
