"""Cycles: read by every signed-in user; created with a set per unit kind, given deadlines, moved a phase
forward or back, given sets and participating units, and one unit's extension, by administrators through
the administration services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from cchc.api import error_body
from scoring.administration import services as admin_services
from scoring.administration.services.cycles import (
    CUT_CONFIRMED_ANY,
    PhaseMoveConfirmation,
    cycle_deadlines_version,
    own_deadline_version,
)
from scoring.api.common import (
    DeadlineField,
    InputSerializer,
    IsAdministrator,
    QuerySerializer,
    ReadOrAdminWrite,
    _errors,
    etag_headers,
    etag_of,
    fields_for,
    if_match_fails,
    stale_etag_answer,
    stale_etag_response,
)
from scoring.api.filters import CycleFilter
from scoring.api.serializers import AssessmentSerializer, CycleSerializer
from scoring.errors import StateConflict
from scoring.models import Assessment, Cycle, IndicatorSet, Unit, UnitKind
from scoring.services import assessments_open

DEADLINES = admin_services.DEADLINE_FIELDS
CYCLE_ERROR_FIELDS = {"duplicate_cycle": "year", "deadline_order": "self_assessment_deadline",
                      "set_of_another_year": "indicator_sets", "set_not_valid": "indicator_sets"}


class DeadlinesSerializer(InputSerializer):
    self_assessment_deadline = DeadlineField(required=False, allow_null=True)
    appraisal_deadline = DeadlineField(required=False, allow_null=True)
    explanation_deadline = DeadlineField(required=False, allow_null=True)
    finalisation_deadline = DeadlineField(required=False, allow_null=True)


class DeadlinesChangeSerializer(DeadlinesSerializer):
    confirm = serializers.BooleanField(
        required=False, default=False,
        help_text="true: vẫn lưu hạn tự đánh giá mới đã qua hoặc còn chưa đến 24 giờ khi còn đơn vị đang tự đánh giá "
                  "(thiếu: 409 `deadline_cut_unconfirmed`, nêu các đơn vị đó).",
    )


class CycleCreateSerializer(DeadlinesSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=255)
    indicator_sets = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="key", queryset=IndicatorSet.objects.select_related("unit_kind")),
        required=False, default=list,
        help_text="Mã các bộ chỉ số, mỗi loại đơn vị một bộ (loại đơn vị lấy theo bộ).",
    )

    def validate_indicator_sets(self, value: list[IndicatorSet]) -> list[IndicatorSet]:
        kinds = [s.unit_kind_id for s in value]
        if len(kinds) != len(set(kinds)):
            raise serializers.ValidationError(_("Mỗi loại đơn vị chỉ chọn một bộ chỉ số."))
        return value


class PhaseSerializer(InputSerializer):
    phase = serializers.ChoiceField(choices=Cycle.Phase.choices)
    left = serializers.DictField(
        child=serializers.IntegerField(min_value=0), required=False, default=dict,
        help_text="Xác nhận vẫn mở giai đoạn kế tiếp khi còn bản đánh giá chưa xong: số bản theo trạng thái đã thấy "
                  "(gửi lại `left` của câu trả lời 409 `phase_left_unconfirmed`); bị từ chối nếu từ đó số này tăng.",
    )
    deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="Xác nhận đóng giai đoạn «Tự đánh giá» trước hạn: hạn muộn nhất đã thấy (gửi lại `deadline` của "
                  "câu trả lời 409 `self_assessment_deadline_not_passed`).",
    )
    back_confirmed = serializers.BooleanField(
        required=False, default=False, help_text="Xác nhận quay lại giai đoạn trước (kèm `reason`).")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, default="",
        help_text="Lý do quay lại giai đoạn trước; ghi vào nhật ký.")


class CycleSetSerializer(InputSerializer):
    indicator_set = serializers.SlugRelatedField(slug_field="key", queryset=IndicatorSet.objects.all())
    unit_kind = serializers.SlugRelatedField(
        slug_field="code", queryset=UnitKind.objects.all(), required=False,
        help_text="Mã loại đơn vị chấm theo bộ này; mặc định là loại của bộ (ví dụ các cơ quan ngành dọc theo bộ "
                  "của các sở).",
    )


class ParticipantsSerializer(InputSerializer):
    units = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.filter(active=True)),
        min_length=1, max_length=2000, help_text="Mã các đơn vị (đang hoạt động) tham gia kỳ đánh giá.",
    )


class ExtensionQuery(QuerySerializer):
    unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), help_text="Mã đơn vị tham gia kỳ có hạn riêng cần đọc."
    )


class ExtensionSerializer(InputSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    deadline = DeadlineField(allow_null=True, help_text="Hạn riêng của đơn vị; null để bỏ hạn riêng.")
    reason = serializers.CharField(max_length=2000)
    confirm = serializers.BooleanField(
        required=False, default=False,
        help_text="true: vẫn đổi khi hạn mới của đơn vị (chưa gửi) đã qua hoặc còn chưa đến 24 giờ (thiếu: 409 "
                  "`deadline_cut_unconfirmed`).",
    )


Opened = inline_serializer("OpenedAssessments", {"created": AssessmentSerializer(many=True)})


def _cycle(year: int) -> Cycle:
    return get_object_or_404(Cycle, year=year)


@extend_schema_view(
    get=extend_schema(tags=["catalogue"], responses={200: CycleSerializer(many=True), **_errors(400, 401)}),
    post=extend_schema(
        tags=["administration"], request=CycleCreateSerializer,
        responses={201: CycleSerializer, **_errors(400, 401, 403)},
    ),
)
class CycleList(generics.ListAPIView):
    """Cycles (filter by `year`, `phase`). An administrator opens a cycle with a valid set per unit kind."""

    serializer_class = CycleSerializer
    queryset = Cycle.objects.order_by("-year")
    filterset_class = CycleFilter
    permission_classes = [ReadOrAdminWrite]

    def post(self, request: Request) -> Response:
        payload = CycleCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with transaction.atomic(), fields_for(**CYCLE_ERROR_FIELDS):
            cycle = admin_services.cycle_open(
                year=data["year"], name=data["name"], sets={s.unit_kind: s for s in data["indicator_sets"]},
                deadlines={name: data.get(name) for name in DEADLINES}, actor=request.user,
            )
        return Response(CycleSerializer(cycle).data, status=201)


def cycle_etag(cycle: Cycle) -> str:
    """The cycle's `ETag`: the version of its deadlines (`cycle_deadlines_version`, as the cycle's page carries
    it)."""
    return etag_of(cycle_deadlines_version(cycle))


MSG_CYCLE_STALE = gettext_lazy(
    "Các hạn của kỳ đánh giá vừa được sửa ở nơi khác (người khác hoặc một lần gọi khác) sau khi anh/chị đọc nên chưa "
    "lưu thay đổi nào. Hãy xem bản mới nhất (`current`, thẻ ETag mới) rồi sửa lại."
)


CYCLE_ETAG_HEADER, CYCLE_IF_MATCH_HEADER = etag_headers(
    "của kỳ đánh giá", "Phiên bản các hạn của kỳ đánh giá (như trang của kỳ)",
    "Khi các hạn đã đổi từ đó (trên trang quản trị hoặc qua API)",
)


@extend_schema(
    tags=["catalogue"], methods=["GET"], responses={200: CycleSerializer, **_errors(401, 404)},
    parameters=[CYCLE_ETAG_HEADER],
)
@extend_schema(
    tags=["administration"], methods=["PATCH"], request=DeadlinesChangeSerializer,
    parameters=[CYCLE_IF_MATCH_HEADER, CYCLE_ETAG_HEADER],
    responses={
        200: CycleSerializer, **_errors(400, 401, 403, 404, 409),
        412: stale_etag_response(
            "Cycle", CycleSerializer(help_text="Kỳ đánh giá đang lưu; thẻ ETag mới ở tiêu đề `ETag` của câu trả lời."),
            "The 412 of a cycle's PATCH whose `If-Match` is no longer current: the one error body and the cycle now.",
            gettext_lazy("`If-Match` không còn đúng: các hạn của kỳ đã được người khác sửa (`stale`)"),
        ),
    },
)
@api_view(["GET", "PATCH"])
@permission_classes([ReadOrAdminWrite])
def cycle_detail(request: Request, year: int) -> Response:
    """One cycle; an administrator changes its deadlines with PATCH (deadlines not sent keep their value, null
    removes one; they must follow the order of the phases). A self-assessment deadline brought to the past or less
    than 24 hours away while units are still drafting: 409 `deadline_cut_unconfirmed` (naming them) unless
    `confirm` is true. The version of its deadlines is in `ETag`: a PATCH with `If-Match` (the `ETag` read) is
    refused with 412 `stale` when they changed since, on the cycle's page or through the API; without it, the last
    edit wins."""
    cycle = _cycle(year)
    if request.method == "GET":
        return Response(CycleSerializer(cycle).data, headers={"ETag": cycle_etag(cycle)})
    payload = DeadlinesChangeSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    with transaction.atomic(), fields_for(**CYCLE_ERROR_FIELDS):
        # read again under a lock: a colleague's change waits for this one, and the tag is checked against the
        # deadlines this one changes (those not sent are kept as they are now)
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        etag = cycle_etag(cycle)
        if if_match_fails(request.headers.get("If-Match", ""), etag):
            return stale_etag_answer(MSG_CYCLE_STALE, CycleSerializer(cycle).data, etag)
        deadlines: dict[str, Any] = {name: getattr(cycle, name) for name in DEADLINES}
        deadlines.update({k: v for k, v in payload.validated_data.items() if k in DEADLINES})
        saved = admin_services.cycle_update_deadlines(
            cycle=cycle, deadlines=deadlines, actor=request.user,
            confirmed=CUT_CONFIRMED_ANY if payload.validated_data["confirm"] else None, api=True,
        )
    return Response(CycleSerializer(saved).data, headers={"ETag": cycle_etag(saved)})


@extend_schema(
    tags=["administration"], request=PhaseSerializer,
    responses={200: CycleSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def cycle_phase(request: Request, year: int) -> Response:
    """Open the next phase or go back one (400 `phase_not_adjacent` otherwise), with the cycle page's confirmations:
    opening the next phase while assessments are left in the previous one is refused (409 `phase_left_unconfirmed`,
    with `left`: the counts by state) until `left` confirms them (refused again if more were left since); closing
    the self-assessment before a deadline still to come is refused (409 `self_assessment_deadline_not_passed`, with
    `deadline`) until `deadline` confirms it; a step back needs `back_confirmed` (409 `phase_back_unconfirmed`) and
    a `reason` (400 `reason_required`), recorded in the audit entry. «Đã công bố» is first opened by publishing (400
    `publish_to_publish`); a cycle with a publication returns to it from «Hoàn thiện kết quả», its latest
    publication staying the public one, and never goes back before «Hoàn thiện kết quả» (409
    `cycle_results_published`)."""
    cycle = _cycle(year)
    payload = PhaseSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    confirmed = PhaseMoveConfirmation(left=data["left"], deadline=data["deadline"], back=data["back_confirmed"],
                                      reason=data["reason"], api=True)
    try:
        with transaction.atomic():
            saved = admin_services.cycle_move_phase(cycle=cycle, phase=data["phase"], actor=request.user,
                                                    confirmed=confirmed)
    except StateConflict as exc:
        if exc.code not in {"phase_left_unconfirmed", "self_assessment_deadline_not_passed"}:
            raise
        # What the cycle page shows before its confirmation: sent back as it is, it confirms what was seen.
        details = exc.details if isinstance(exc.details, dict) else {}
        body = error_body(exc.code, exc.message, {"phase": [str(exc.message)]})
        if "left" in details:
            body["left"] = details["left"]
        if "deadline" in details:
            body["deadline"] = details["deadline"]
        return Response(body, status=exc.status)
    return Response(CycleSerializer(saved).data)


@extend_schema(
    tags=["administration"], request=CycleSetSerializer,
    responses={200: CycleSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def cycle_set(request: Request, year: int) -> Response:
    """Use a valid set for its unit kind (or `unit_kind`) in this cycle, replacing the kind's set as long as nobody
    did anything on the kind's assessments opened on it: they move to the new set, their lines rebuilt (409
    `cycle_in_use` otherwise, naming how many have work)."""
    cycle = _cycle(year)
    payload = CycleSetSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    with transaction.atomic():
        admin_services.indicator_set_activate(
            indicator_set=payload.validated_data["indicator_set"], cycle=cycle, actor=request.user,
            unit_kind=payload.validated_data.get("unit_kind"),
        )
    return Response(CycleSerializer(cycle).data)


@extend_schema(
    tags=["administration"], request=ParticipantsSerializer,
    responses={
        201: OpenApiResponse(Opened, description=gettext_lazy("Đã mở bản đánh giá cho ít nhất một đơn vị")),
        200: OpenApiResponse(
            Opened, description=gettext_lazy("Mọi đơn vị đã tham gia kỳ: không mở thêm bản nào (`created` rỗng)")
        ),
        **_errors(400, 401, 403, 404),
    },
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def cycle_units(request: Request, year: int) -> Response:
    """Open the assessments of these units (one empty line per leaf); units already taking part are kept. 201 when
    at least one assessment was opened; 200 (with `created` empty) when every unit already took part."""
    cycle = _cycle(year)
    payload = ParticipantsSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    with transaction.atomic(), fields_for(no_set_for_kind="units"):
        created = assessments_open(cycle=cycle, units=payload.validated_data["units"], actor=request.user)
    prefetch_related_objects([a.unit for a in created], "parent")  # the units' `parent_code`, in one query
    return Response({"created": AssessmentSerializer(created, many=True).data}, status=201 if created else 200)


MSG_OWN_DEADLINE_STALE = gettext_lazy(
    "Hạn riêng của đơn vị vừa được đổi ở nơi khác (người khác, trang của kỳ hoặc một lần gọi khác) sau khi anh/chị đọc "
    "nên chưa lưu thay đổi nào. Hãy xem hạn riêng đang lưu (`current`, thẻ ETag mới) rồi gửi lại."
)


EXTENSION_ETAG_HEADER, EXTENSION_IF_MATCH_HEADER = etag_headers(
    "của hạn riêng của đơn vị",
    "Phiên bản hạn riêng của đơn vị (như biểu mẫu gia hạn ở trang của kỳ mang theo)",
    "Khi hạn riêng đã đổi từ đó (trên trang của kỳ, khi duyệt đề nghị gia hạn hoặc qua API)",
)


def _participant(cycle: Cycle, unit: Unit) -> Assessment:
    """The unit's assessment of the cycle; 400 on `unit` when the unit does not take part."""
    assessment = Assessment.objects.select_related("unit", "cycle", "indicator_set").filter(
        cycle=cycle, unit=unit
    ).first()
    if assessment is None:
        raise serializers.ValidationError(
            {"unit": [_("Đơn vị «%(u)s» không tham gia kỳ đánh giá năm %(y)s.") % {"u": unit, "y": cycle.year}]}
        )
    return assessment


@extend_schema(
    tags=["administration"], methods=["GET"], parameters=[ExtensionQuery, EXTENSION_ETAG_HEADER],
    responses={200: AssessmentSerializer, **_errors(400, 401, 403, 404)},
)
@extend_schema(
    tags=["administration"], methods=["POST"], request=ExtensionSerializer,
    parameters=[EXTENSION_IF_MATCH_HEADER, EXTENSION_ETAG_HEADER],
    responses={
        200: AssessmentSerializer, **_errors(400, 401, 403, 404, 409),
        412: stale_etag_response(
            "Extension",
            AssessmentSerializer(help_text="Bản đánh giá đang lưu (hạn riêng ở `deadline_override`); thẻ ETag mới ở "
                                           "tiêu đề `ETag` của câu trả lời."),
            "The 412 of an extension whose `If-Match` is no longer current: the one error body and the assessment "
            "now.",
            gettext_lazy("`If-Match` không còn đúng: hạn riêng của đơn vị đã được đổi (`stale`)"),
        ),
    },
)
@api_view(["GET", "POST"])
@permission_classes([IsAdministrator])
def cycle_extension(request: Request, year: int) -> Response:
    """One unit's own self-assessment deadline. GET (`?unit=<code>`) reads it: the unit's assessment
    (`deadline_override`), with the version of that deadline (the one the cycle's page carries) in `ETag`, so that
    the first change can already be sent with `If-Match`. POST gives it (or removes it with null); a reason is
    required. A draft's deadline brought to the past or less than 24 hours away: 409 `deadline_cut_unconfirmed`
    unless `confirm`. With `If-Match` (the `ETag` of a GET or of the last change), the change is refused with 412
    `stale` (nothing saved) when that deadline changed since; without it, the last change wins. A unit not taking
    part in the cycle: 400 on `unit`."""
    cycle = _cycle(year)
    if request.method == "GET":
        query = ExtensionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        read = _participant(cycle, query.validated_data["unit"])
        return Response(AssessmentSerializer(read).data, headers={"ETag": etag_of(own_deadline_version(read))})
    payload = ExtensionSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    assessment = _participant(cycle, data["unit"])
    with transaction.atomic(), fields_for(reason_required="reason"):
        # read again under a lock: a colleague's change waits for this one, and the tag is checked against the
        # own deadline stored now
        assessment = Assessment.objects.select_for_update(of=("self",)).select_related(
            "unit", "cycle", "indicator_set").get(pk=assessment.pk)
        etag = etag_of(own_deadline_version(assessment))
        if if_match_fails(request.headers.get("If-Match", ""), etag):
            return stale_etag_answer(MSG_OWN_DEADLINE_STALE, AssessmentSerializer(assessment).data, etag)
        saved = admin_services.assessment_extend_deadline(
            assessment=assessment, deadline=data["deadline"], reason=data["reason"], actor=request.user,
            confirmed=data["confirm"], api=True,
        )
    return Response(AssessmentSerializer(saved).data, headers={"ETag": etag_of(own_deadline_version(saved))})
