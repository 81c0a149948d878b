"""Extension requests (đề nghị gia hạn) through the API: a unit's head asks for a later self-assessment deadline and
may withdraw the request while it waits; the unit's people and administrators read the unit's requests;
administrators list a cycle's waiting requests and grant or refuse each. The same services and permissions as the
pages (`scoring.services.extension_requests`, `scoring.permissions`)."""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from scoring import permissions
from scoring.api.common import ERRORS, CalendarDateField, InputSerializer, IsAdministrator, _errors
from scoring.models import Assessment, Cycle, ExtensionRequest
from scoring.selectors.extension_requests import extension_requests_of, extension_requests_pending
from scoring.services.extension_requests import (
    extends_nothing,
    extension_request_create,
    extension_request_grant,
    extension_request_refuse,
    extension_request_withdraw,
    grant_refusal,
)

MSG_DATE_INVALID = gettext_lazy("Ngày phải có dạng yyyy-mm-dd.")

CONFLICT_409 = OpenApiResponse(
    ERRORS[409].response,
    description=gettext_lazy(
        "Trạng thái không cho phép: `not_pending` (đề nghị đã được xử lý hoặc đã rút), `not_draft` (bản đánh giá "
        "không còn ở trạng thái tự đánh giá), `already_pending` (đơn vị đã có một đề nghị đang chờ), `cycle_closed`."
    ),
)
INVALID_400 = OpenApiResponse(
    ERRORS[400].response,
    description=gettext_lazy(
        "Dữ liệu không hợp lệ, lỗi ghi dưới trường liên quan: `reason_required`, `hidden_characters`, `too_long`, "
        "`date_required`, `date_in_past`, `extension_not_later` (ngày không sau hạn tự đánh giá đang áp dụng: "
        "chấp thuận không bao giờ rút ngắn hạn), `deadline_too_late`."
    ),
)


class FreeTextField(serializers.CharField):
    """People's text, checked by the service (hidden characters, a NUL among them, and length): its message, in
    Vietnamese, under the field's name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


# --- serializers ------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="UnitExtensionRequest")  # "ExtensionRequest" is the extension's request body
class ExtensionRequestSerializer(serializers.ModelSerializer):
    """A request and its answer. Deadlines are the end of the day, local time."""

    assessment = serializers.IntegerField(source="assessment_id", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id", "assessment", "status", "requested_deadline", "reason", "deadline_at_request", "requested_at",
            "requested_by", "granted_deadline", "decision_reason", "decided_at", "decided_by",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="PendingExtensionRequest")
class PendingExtensionRequestSerializer(ExtensionRequestSerializer):
    """A waiting request as an administrator decides it: the unit, the deadline that applies to it now, whether
    that deadline already reaches the requested day (`covered`: granting it as asked is refused), whether it may
    still be granted (`grantable`: only while the assessment is a draft and the cycle takes self-scores, neither
    in its setup nor published; otherwise only refused)."""

    unit = serializers.CharField(source="assessment.unit.code", read_only=True)
    assessment_state = serializers.CharField(source="assessment.state", read_only=True)
    current_deadline = serializers.SerializerMethodField()
    covered = serializers.SerializerMethodField()
    grantable = serializers.SerializerMethodField()

    class Meta(ExtensionRequestSerializer.Meta):
        fields = [*ExtensionRequestSerializer.Meta.fields, "unit", "assessment_state", "current_deadline", "covered",
                  "grantable"]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_current_deadline(self, obj: ExtensionRequest) -> str | None:
        current = permissions.self_assessment_deadline(obj.assessment)
        return serializers.DateTimeField().to_representation(current) if current is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_covered(self, obj: ExtensionRequest) -> bool:
        return extends_nothing(deadline=obj.requested_deadline,
                               current=permissions.self_assessment_deadline(obj.assessment))

    @extend_schema_field(serializers.BooleanField())
    def get_grantable(self, obj: ExtensionRequest) -> bool:
        return grant_refusal(obj.assessment) is None


class CreateSerializer(InputSerializer):
    requested_date = CalendarDateField(
        allow_null=True, error_messages={"invalid": MSG_DATE_INVALID, "datetime": MSG_DATE_INVALID},
        help_text="Ngày đề nghị gia hạn đến (hết ngày đó); phải sau hạn tự đánh giá đang áp dụng.",
    )
    reason = FreeTextField(help_text="Lý do đề nghị (bắt buộc, tối đa 1000 ký tự).")


class WithdrawRequestSerializer(InputSerializer):
    """Nothing to send but the request's id in the path: an empty object (or no body)."""


class GrantSerializer(InputSerializer):
    deadline = CalendarDateField(
        required=False, allow_null=True, default=None,
        error_messages={"invalid": MSG_DATE_INVALID, "datetime": MSG_DATE_INVALID},
        help_text="Gia hạn đến ngày này (hết ngày); bỏ trống hoặc null: ngày đơn vị đề nghị. Phải sau hạn tự đánh "
                  "giá đang áp dụng và chưa qua.",
    )
    note = FreeTextField(required=False, default="", help_text="Ý kiến của Sở Nội vụ (không bắt buộc).")


class RefuseSerializer(InputSerializer):
    reason = FreeTextField(help_text="Lý do không chấp thuận (bắt buộc), đơn vị sẽ đọc.")


# --- helpers ----------------------------------------------------------------------------------------------


def _request_of(assessment: Assessment, request_id: int) -> ExtensionRequest:
    return get_object_or_404(
        ExtensionRequest.objects.select_related("assessment__unit", "assessment__cycle"),
        pk=request_id, assessment=assessment,
    )


def _request_in_cycle(year: int, request_id: int) -> ExtensionRequest:
    cycle = get_object_or_404(Cycle, year=year)
    return get_object_or_404(
        ExtensionRequest.objects.select_related("assessment__unit", "assessment__cycle"),
        pk=request_id, assessment__cycle=cycle,
    )


def _head_only(user: Any, assessment: Assessment, message: str) -> None:
    if not permissions.is_unit_head(user, assessment.unit_id):
        raise exceptions.PermissionDenied(message)


# --- the unit ---------------------------------------------------------------------------------------------


@extend_schema(
    tags=["assessments"], methods=["GET"],
    responses={200: ExtensionRequestSerializer(many=True), **_errors(401, 403, 404)},
)
@extend_schema(
    tags=["assessments"], methods=["POST"], request=CreateSerializer,
    responses={201: ExtensionRequestSerializer, 400: INVALID_400, **_errors(401, 403, 404), 409: CONFLICT_409},
)
@api_view(["GET", "POST"])
def assessment_extension_requests(request: Request, assessment_id: int) -> Response:
    """GET: the unit's requests for this assessment and their answers, the latest first (not paginated); for the
    unit's people and administrators. POST: the unit's head asks for a later self-assessment deadline, with a
    reason, while the assessment is a draft (one waiting request at a time; 409 otherwise)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    if not permissions.can_view_extension_requests(request.user, assessment):
        raise exceptions.PermissionDenied(_("Chỉ cán bộ của đơn vị và quản trị viên xem được các đề nghị gia hạn."))
    if request.method == "GET":
        return Response(ExtensionRequestSerializer(extension_requests_of(assessment=assessment), many=True).data)
    _head_only(request.user, assessment, _("Chỉ thủ trưởng đơn vị được đề nghị gia hạn."))
    payload = CreateSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    made = extension_request_create(
        assessment=assessment, actor=request.user, requested_date=payload.validated_data["requested_date"],
        reason=payload.validated_data["reason"],
    )
    return Response(ExtensionRequestSerializer(made).data, status=201)


@extend_schema(
    tags=["assessments"], request={"application/json": OpenApiTypes.OBJECT},  # an empty object: nothing to send
    responses={200: ExtensionRequestSerializer, **_errors(400, 401, 403, 404), 409: CONFLICT_409},
)
@api_view(["POST"])
def assessment_extension_request_withdraw(request: Request, assessment_id: int, request_id: int) -> Response:
    """The unit's head withdraws its waiting request (409 `not_pending` once it was decided or withdrawn)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    _head_only(request.user, assessment, _("Chỉ thủ trưởng đơn vị được rút đề nghị gia hạn."))
    WithdrawRequestSerializer(data=request.data or {}).is_valid(raise_exception=True)
    found = _request_of(assessment, request_id)
    withdrawn = extension_request_withdraw(extension_request=found, actor=request.user)
    return Response(ExtensionRequestSerializer(withdrawn).data)


# --- the administrators -----------------------------------------------------------------------------------


@extend_schema(
    tags=["administration"],
    responses={200: PendingExtensionRequestSerializer(many=True), **_errors(401, 403, 404)},
)
@api_view(["GET"])
@permission_classes([IsAdministrator])
def cycle_extension_requests(request: Request, year: int) -> Response:
    """The cycle's requests waiting for a decision, the oldest first (not paginated: one at most per unit)."""
    cycle = get_object_or_404(Cycle, year=year)
    pending = extension_requests_pending(cycle=cycle)
    return Response(PendingExtensionRequestSerializer(pending, many=True).data)


@extend_schema(
    tags=["administration"], request=GrantSerializer,
    responses={200: ExtensionRequestSerializer, 400: INVALID_400, **_errors(401, 403, 404), 409: CONFLICT_409},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def extension_request_grant_api(request: Request, year: int, request_id: int) -> Response:
    """Grant a waiting request: the unit's own deadline becomes the end of the requested date, or of `deadline`.
    Refused, nothing changed: 409 `not_pending`, 409 `not_draft` (the unit submitted: the request may only be
    refused), 409 `cycle_closed` (the cycle takes no self-scores now), 400 `date_in_past`, 400
    `deadline_too_late` (past the years the cycle's deadlines may take), 400 `extension_not_later` (the date is
    not after the deadline that applies to the unit now: a grant never shortens it)."""
    found = _request_in_cycle(year, request_id)
    payload = GrantSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    granted = extension_request_grant(
        extension_request=found, actor=request.user, deadline_date=payload.validated_data["deadline"],
        note=payload.validated_data["note"],
    )
    return Response(ExtensionRequestSerializer(granted).data)


@extend_schema(
    tags=["administration"], request=RefuseSerializer,
    responses={200: ExtensionRequestSerializer, 400: INVALID_400, **_errors(401, 403, 404), 409: CONFLICT_409},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def extension_request_refuse_api(request: Request, year: int, request_id: int) -> Response:
    """Refuse a waiting request with the reason the unit reads (409 `not_pending` once decided, whatever the
    reason sent)."""
    found = _request_in_cycle(year, request_id)
    payload = RefuseSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    refused = extension_request_refuse(extension_request=found, actor=request.user,
                                       reason=payload.validated_data["reason"])
    return Response(ExtensionRequestSerializer(refused).data)
