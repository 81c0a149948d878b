"""A cycle's overdue drafts handed over to the appraisal team: the API's «Quá hạn, chưa gửi: chuyển Tổ thẩm định» of
the publish page, through the same service (`cycle_overdue_drafts_hand_over`). Administrators only."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from scoring.administration.services.cycles import cycle_drafts_standing
from scoring.api.common import InputSerializer, IsAdministrator, _errors, fields_for
from scoring.models import Cycle
from scoring.publication.services import cycle_overdue_drafts_hand_over


class HandOverInput(InputSerializer):
    reason = serializers.CharField(
        max_length=1000, allow_blank=True,
        help_text=gettext_lazy("Lý do, ghi vào nhật ký của từng bản đánh giá (ví dụ: đơn vị không gửi bản tự đánh "
                               "giá đúng hạn)."),
    )
    expected = serializers.IntegerField(
        min_value=0,
        help_text=gettext_lazy("Số đơn vị quá hạn chưa gửi đã thấy (`count` của GET): khác số hiện nay thì không "
                               "chuyển đơn vị nào (409 `hand_over_changed`)."),
    )


OverdueDraft = inline_serializer("OverdueDraft", {
    "assessment": serializers.IntegerField(help_text=gettext_lazy("Mã bản đánh giá.")),
    "unit_name": serializers.CharField(),
    "deadline": serializers.DateTimeField(help_text=gettext_lazy("Hạn tự đánh giá áp dụng cho đơn vị, đã qua.")),
})
Overdue = inline_serializer("OverdueDrafts", {
    "count": serializers.IntegerField(help_text=gettext_lazy("Gửi lại làm `expected` để chuyển.")),
    "drafts": OverdueDraft.__class__(many=True),
})
HandedOver = inline_serializer("OverdueDraftsHandedOver", {
    "handed_over": serializers.IntegerField(help_text=gettext_lazy("Số đơn vị đã chuyển cho Tổ thẩm định.")),
})


@extend_schema(
    tags=["administration"], methods=["GET"], responses={200: Overdue, **_errors(401, 403, 404)},
)
@extend_schema(
    tags=["administration"], methods=["POST"], request=HandOverInput,
    responses={
        200: OpenApiResponse(HandedOver, description=gettext_lazy("Đã chuyển, mỗi bản đánh giá ghi nhật ký")),
        **_errors(400, 401, 403, 404, 409),
    },
)
@api_view(["GET", "POST"])
@permission_classes([IsAdministrator])
def cycle_hand_over_overdue(request: Request, year: int) -> Response:
    """The units whose self-assessment deadline has passed without a submission and no extension request of which
    waits (GET), and handing them all over to the appraisal team as they stand (POST, with `reason` and the `count`
    seen as `expected`), all or nothing, as the publish page does: 409 `hand_over_changed` when that number changed
    since (nothing done), `nothing_to_hand_over` when there is none; 400 `reason_required`. Each is then «submitted»,
    with `handed_over` in the assessment's API and `not_submitted` once published."""
    cycle = get_object_or_404(Cycle, year=year)
    if request.method == "GET":
        overdue = [d for d in cycle_drafts_standing(cycle=cycle) if d.can_hand_over]
        drafts = [{"assessment": d.assessment_id, "unit_name": d.unit_name, "deadline": d.deadline} for d in overdue]
        return Response(Overdue.__class__({"count": len(drafts), "drafts": drafts}).data)
    payload = HandOverInput(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    with transaction.atomic(), fields_for(reason_required="reason", hand_over_changed="expected"):
        count = cycle_overdue_drafts_hand_over(cycle=cycle, actor=request.user, reason=data["reason"],
                                               expected=data["expected"])
    return Response({"handed_over": count})
