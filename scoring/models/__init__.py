"""Units, indicator sets and their tree, cycles, assessments, score lines, results, roles and the audit record.

One module per topic; every model is importable from `scoring.models` as before.
"""

from __future__ import annotations

from scoring.models.assessments import Assessment, Cycle, CycleSet, IndexResult, ScoreLine
from scoring.models.audit import AuditEntry
from scoring.models.criteria import Indicator, IndicatorSet
from scoring.models.extension_requests import ExtensionRequest
from scoring.models.publication import ExportJob, IndicatorMapping, Publication, UnitSuccession
from scoring.models.units import ApiToken, RankingGroup, RoleAssignment, Unit, UnitKind, UserImport, UserProfile

__all__ = [
    "ApiToken",
    "Assessment",
    "AuditEntry",
    "Cycle",
    "CycleSet",
    "ExportJob",
    "ExtensionRequest",
    "IndexResult",
    "Indicator",
    "IndicatorMapping",
    "IndicatorSet",
    "Publication",
    "RankingGroup",
    "RoleAssignment",
    "ScoreLine",
    "Unit",
    "UnitKind",
    "UnitSuccession",
    "UserImport",
    "UserProfile",
]
