"""Reads: engine inputs built from the database, and querysets with their joins fixed.

- `rules`: leaf and set rules for the engine, the sets' trees and summaries, stale results;
- `sheet`: the self-assessment sheet, its problems before submitting, a line's history, the report;
- `totals`: the running totals an autosave returns (one query).
"""

from __future__ import annotations

from scoring.selectors.rules import (
    indicator_set_summaries,
    indicator_tree,
    indicators_of_set,
    leaf_rule,
    score_lines_of_assessment,
    set_rules,
    stale_assessment_ids,
)
from scoring.selectors.sheet import (
    AreaBlock,
    AssessmentSheet,
    LeafRow,
    Problem,
    Progress,
    ReportRow,
    TreeRow,
    assessment_sheet,
    earlier_imports,
    evidence_library_of,
    line_history,
    not_applicable_credit,
    not_applicable_shown,
    open_cycle,
    other_years_of,
    predecessor_years_of,
    report_explanations,
    report_rounds_since_submission,
    report_rows,
    self_assessment_problems,
    subtree_total,
    unit_assessment_in_open_cycle,
)
from scoring.selectors.totals import (
    SheetTotals,
    Skeleton,
    assessment_totals,
    line_for_save,
    set_skeleton,
    totals_from_rows,
    totals_rows_sql,
)

__all__ = [
    "AreaBlock",
    "AssessmentSheet",
    "LeafRow",
    "Problem",
    "Progress",
    "ReportRow",
    "SheetTotals",
    "Skeleton",
    "TreeRow",
    "assessment_sheet",
    "assessment_totals",
    "earlier_imports",
    "evidence_library_of",
    "indicator_set_summaries",
    "indicator_tree",
    "indicators_of_set",
    "leaf_rule",
    "line_for_save",
    "line_history",
    "not_applicable_credit",
    "not_applicable_shown",
    "open_cycle",
    "other_years_of",
    "predecessor_years_of",
    "report_explanations",
    "report_rounds_since_submission",
    "report_rows",
    "score_lines_of_assessment",
    "self_assessment_problems",
    "set_rules",
    "set_skeleton",
    "stale_assessment_ids",
    "subtree_total",
    "totals_from_rows",
    "totals_rows_sql",
    "unit_assessment_in_open_cycle",
]
