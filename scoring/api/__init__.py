"""REST API of the scoring app: catalogue (units, sets, cycles) with the administrators' writes, assessments and
score lines, published results, role-scoped tokens.

Views are thin: parse with a serializer, authorize with `scoring.permissions`, call the same service or selector
as the HTML views. Errors are mapped to the one API error format by `cchc.api.exception_handler`.
"""

from scoring.api import schema  # noqa: F401  (registers the token scheme with the OpenAPI generator)
from scoring.api.assessments import (
    AssessmentList,
    assessment_detail,
    assessment_submit,
    assessment_withdraw,
    assessments_visible_to,
    line_detail,
    line_list,
)
from scoring.api.common import ERRORS, IsAdministrator, _errors
from scoring.api.cycles import CycleList, cycle_detail, cycle_extension, cycle_phase, cycle_set, cycle_units
from scoring.api.results import result_detail, result_list
from scoring.api.serializers import (
    AssessmentSerializer,
    CycleSerializer,
    IndicatorSerializer,
    IndicatorSetDetailSerializer,
    IndicatorSetSerializer,
    RankingGroupSerializer,
    ScoreLineSerializer,
    SelfSaveSerializer,
    UnitSerializer,
    WithdrawSerializer,
)
from scoring.api.sets import (
    IndicatorSetDetail,
    IndicatorSetList,
    indicator_create,
    indicator_detail,
    indicator_move,
    indicator_set_activate,
    indicator_set_clone,
)
from scoring.api.tokens import TokenList, token_detail, token_revoke
from scoring.api.units import RankingGroupList, UnitList, unit_activate, unit_deactivate, unit_detail, unit_merge

__all__ = [
    "ERRORS", "AssessmentList", "AssessmentSerializer", "CycleList", "CycleSerializer", "IndicatorSerializer",
    "IndicatorSetDetail", "IndicatorSetDetailSerializer", "IndicatorSetList", "IndicatorSetSerializer",
    "IsAdministrator", "RankingGroupList", "RankingGroupSerializer", "ScoreLineSerializer", "SelfSaveSerializer",
    "TokenList", "UnitList", "UnitSerializer", "WithdrawSerializer", "_errors", "assessment_detail",
    "assessment_submit", "assessment_withdraw", "assessments_visible_to", "cycle_detail", "cycle_extension",
    "cycle_phase", "cycle_set", "cycle_units", "indicator_create", "indicator_detail", "indicator_move",
    "indicator_set_activate", "indicator_set_clone", "line_detail", "line_list", "result_detail", "result_list",
    "token_detail", "token_revoke", "unit_activate", "unit_deactivate", "unit_detail", "unit_merge",
]
