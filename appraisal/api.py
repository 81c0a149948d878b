"""REST API of the appraisal: appraise a line, sign off. Same permission checks and services as the HTML views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from appraisal import forms, permissions, selectors, services
from cchc.api import ErrorSerializer
from scoring.api import AssessmentSerializer, ScoreLineSerializer
from scoring.models import ScoreLine

ERR = OpenApiResponse(ErrorSerializer)


class AppraiseSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    value = serializers.DictField(help_text="Số liệu thẩm định theo phương pháp chấm.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


@extend_schema(
    tags=["appraisal"], request=AppraiseSerializer,
    responses={200: ScoreLineSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
def appraise_line(request: Request, assessment_id: int, line_id: int) -> Response:
    """The appraiser's input for one leaf of an assigned area (a reason is required when it differs)."""
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    allowed = permissions.area_ids_for(request.user, assessment)
    tree = selectors.set_tree(assessment.indicator_set_id)
    if not permissions.may_appraise_node(allowed, line.indicator_id, tree.parent_of):
        raise PermissionDenied
    payload = AppraiseSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    saved = services.line_appraise(
        line=line, actor=request.user, base_version=data["version"], value=data["value"], note=data["note"]
    )
    return Response(ScoreLineSerializer(saved).data)


@extend_schema(
    tags=["appraisal"], request=None,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
def sign_off(request: Request, assessment_id: int) -> Response:
    """The appraisal lead signs off an assessment whose every leaf has an appraised score."""
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.can_lead(request.user, assessment):
        raise PermissionDenied
    saved = services.assessment_sign_off(assessment=assessment, actor=request.user)
    return Response(AssessmentSerializer(saved).data)


class ExplanationRequestSerializer(serializers.Serializer):
    deadline = serializers.CharField(help_text="Hạn giải trình: yyyy-mm-dd hoặc dd/mm/yyyy (hết ngày, giờ địa phương).")
    line_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None,
        help_text="Các dòng cần giải trình; bỏ trống = toàn bộ bản đánh giá.",
    )
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


@extend_schema(
    tags=["appraisal"], request=ExplanationRequestSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
def request_explanation(request: Request, assessment_id: int) -> Response:
    """The lead returns the assessment (or chosen lines) to the unit for explanation with a deadline."""
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.can_lead(request.user, assessment):
        raise PermissionDenied
    payload = ExplanationRequestSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    deadline = forms.deadline_from_post(data["deadline"])
    services.explanation_request(
        assessment=assessment, actor=request.user, deadline=deadline, line_ids=data["line_ids"],
        message=data["message"],
    )
    assessment.refresh_from_db()
    return Response(AssessmentSerializer(assessment).data)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


@extend_schema(
    tags=["appraisal"], request=ReopenSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
def reopen(request: Request, assessment_id: int) -> Response:
    """An administrator reopens a signed-off assessment with a reason (recorded)."""
    if not permissions.can_reopen(request.user):
        raise PermissionDenied
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = ReopenSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    saved = services.assessment_reopen(
        assessment=assessment, actor=request.user, reason=payload.validated_data["reason"]
    )
    return Response(AssessmentSerializer(saved).data)
