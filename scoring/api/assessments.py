"""Assessments and score lines: the unit's self-assessment, its submission and withdrawal."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from cchc.api import RefusalSerializer
from scoring import permissions, selectors, services
from scoring.api.common import _errors, fields_for, refuse_body, self_edit_conflict, value_fields
from scoring.api.filters import AssessmentFilter
from scoring.api.serializers import (
    STALE_LINE_409,
    AssessmentSerializer,
    ScoreLineSerializer,
    SelfSaveSerializer,
    WithdrawSerializer,
    hides_appraisal,
)
from scoring.models import Assessment, ScoreLine

# The request field a refused self-score is about (the service names its own for the value's inputs).
LINE_ERROR_FIELDS = {"na_not_allowed": "not_applicable", "na_reason_required": "not_applicable_reason"}

# --- assessments ------------------------------------------------------------------------------------------


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    """The same rule as `permissions.can_view_assessment` (the team's part: `appraisal.permissions.team_visible_q`;
    the successor's: `permissions.reads_as_successor`), as one query (and the walk of the user's mergers). Each row
    says whether the user reads it only as its successor's person (`successor_read`, as `read_only_as_successor`
    decides it for one assessment), in the same query."""
    qs = Assessment.objects.select_related(
        "unit__kind", "unit__ranking_group", "unit__parent", "cycle", "indicator_set"
    )
    if permissions.is_administrator(user):
        return qs.annotate(successor_read=Value(False))
    from appraisal.permissions import team_visible_q

    own = Q(unit_id__in=permissions.unit_ids(user))
    condition = own
    only_as_successor: Q | None = None
    predecessors = permissions.predecessor_unit_ids(user)
    if predecessors:
        successor = Q(unit_id__in=predecessors, state=Assessment.State.SIGNED_OFF)
        condition |= successor
        only_as_successor = successor & ~own
    if permissions.is_appraiser(user):
        team = team_visible_q(user)
        condition |= team
        if only_as_successor is not None:
            only_as_successor &= ~team
    return qs.filter(condition).annotate(successor_read=Value(False) if only_as_successor is None else
                                         ExpressionWrapper(only_as_successor, output_field=BooleanField()))


@extend_schema(tags=["assessments"], responses={200: AssessmentSerializer(many=True), **_errors(400, 401)})
class AssessmentList(generics.ListAPIView):
    """Assessments the user may see: their own unit's; the signed-off ones of the units merged into their unit
    (through every chain of mergers), to read only (`read_as_successor`), as the detail returns them; for the
    appraisal team, submitted ones in the person's scope (every unit for the lead; else the units and sets of their
    assignment in that cycle); all for admins (filter by `cycle` id, `year`, `unit` code, `state`)."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter

    def get_queryset(self) -> QuerySet[Assessment]:
        return assessments_visible_to(self.request.user).order_by("-cycle__year", "unit__code")


@extend_schema(tags=["assessments"], responses={200: AssessmentSerializer, **_errors(401, 404)})
@api_view(["GET"])
def assessment_detail(request: Request, assessment_id: int) -> Response:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    return Response(AssessmentSerializer(assessment, context={"request": request}).data)


@extend_schema(tags=["assessments"], responses={200: ScoreLineSerializer(many=True), **_errors(401, 404)})
@api_view(["GET"])
def line_list(request: Request, assessment_id: int) -> Response:
    """Every line of an assessment (not paginated: 105 leaves at most per set)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    lines = selectors.score_lines_of_assessment(assessment=assessment).select_related("indicator")
    context = _read_context(request.user, assessment)
    return Response(ScoreLineSerializer(lines, many=True, context=context).data)


def _read_context(user: Any, assessment: Assessment) -> dict[str, Any]:
    """What a line read needs: whether the appraisal is hidden from the user, and the lines whose explanation is
    new to them (`explanation_new`, the team's only; at most five queries for the whole list)."""
    from appraisal.selectors.explanation import new_explanation_lines_for

    hide = hides_appraisal(user, assessment)
    new = set() if hide else new_explanation_lines_for(user=user, assessment=assessment)
    return {"hide_appraisal": hide, "assessment": assessment, "new_explanations": new}


def _edit_refusal(user: Any, assessment: Assessment) -> None:
    """As the HTML sheet: 403 for people outside the unit, 409 for the unit's people when state or deadline forbid."""
    if permissions.can_edit_self_assessment(user, assessment):
        return
    if not permissions.is_unit_member(user, assessment.unit_id):
        raise exceptions.PermissionDenied(_("Chỉ cán bộ của đơn vị được sửa bản tự đánh giá."))
    raise self_edit_conflict(assessment)


@extend_schema(tags=["assessments"], methods=["GET"], responses={200: ScoreLineSerializer, **_errors(401, 404)})
@extend_schema(
    tags=["assessments"], methods=["PUT"],
    request=SelfSaveSerializer,
    responses={200: ScoreLineSerializer, **_errors(400, 401, 403, 404), 409: STALE_LINE_409},
)
@api_view(["GET", "PUT"])
def line_detail(request: Request, assessment_id: int, line_id: int) -> Response:
    """Read one line, or save the unit's self-score (with the `version` read; 409 `stale_version` when stale). A line
    is written with the names it is read by as well: `self_value` for `value`, `self_note` for `note` (both names
    with different values: 400)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    if request.method == "GET":
        return Response(ScoreLineSerializer(line, context=_read_context(request.user, assessment)).data)
    context = {"hide_appraisal": hides_appraisal(request.user, assessment), "assessment": assessment}
    _edit_refusal(request.user, assessment)
    payload = SelfSaveSerializer(data=request.data, context={"rule": selectors.leaf_rule(line.indicator)})
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    # A field left out keeps what is stored (an integrator sending only a note must not un-score the line).
    not_applicable = data.get("not_applicable", line.not_applicable)
    # A refused value is named as the request named it (`self_value` is `value`'s other name).
    value_name = "self_value" if "self_value" in request.data and "value" not in request.data else "value"
    with fields_for(**LINE_ERROR_FIELDS), value_fields(value_name):
        saved = services.score_line_save_self(
            line=line, actor=request.user, base_version=data["version"],
            value=data.get("value", line.self_value),
            note=data.get("note"), not_applicable=not_applicable,
            not_applicable_reason=data.get("not_applicable_reason", line.not_applicable_reason),
            explanation=data.get("explanation"),
        )
    return Response(ScoreLineSerializer(saved, context=context).data)


def _head_only(user: Any, assessment: Assessment, message: str) -> None:
    if not permissions.is_unit_head(user, assessment.unit_id):
        raise exceptions.PermissionDenied(message)


@extend_schema(
    tags=["assessments"], request=None,
    responses={
        200: AssessmentSerializer, **_errors(401, 403, 404, 409),
        400: OpenApiResponse(RefusalSerializer, description=gettext_lazy("Chưa gửi được: danh sách vướng mắc")),
    },
)
@api_view(["POST"])
def assessment_submit(request: Request, assessment_id: int) -> Response:
    """The unit head submits the self-assessment (400 `not_ready` while any problem remains: `problems`, one
    string each starting with the criterion's code, and `problem_details`, objects with `code`, `message`,
    `line_id` and `indicator_code`)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    _head_only(request.user, assessment, _("Chỉ thủ trưởng đơn vị được gửi bản tự đánh giá."))
    refuse_body(request)
    saved = services.assessment_submit(assessment=assessment, actor=request.user)
    return Response(AssessmentSerializer(saved).data)


@extend_schema(
    tags=["assessments"],
    request=WithdrawSerializer,
    responses={200: AssessmentSerializer, **_errors(401, 403, 404, 409)},
)
@api_view(["POST"])
def assessment_withdraw(request: Request, assessment_id: int) -> Response:
    """The unit head takes a submitted self-assessment back, before the appraisal starts."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    _head_only(request.user, assessment, _("Chỉ thủ trưởng đơn vị được rút lại bản tự đánh giá."))
    payload = WithdrawSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    saved = services.assessment_withdraw(
        assessment=assessment, actor=request.user, reason=payload.validated_data["reason"]
    )
    return Response(AssessmentSerializer(saved).data)
