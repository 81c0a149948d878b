"""Units and ranking groups: read by every signed-in user; created, renamed, deactivated and merged by
administrators through the same services as the administration pages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from scoring.administration import services as admin_services
from scoring.administration.services.units import unit_stopped_namesake
from scoring.api.common import (
    InputSerializer,
    IsAdministrator,
    ReadOrAdminWrite,
    _errors,
    etag_headers,
    etag_of,
    fields_for,
    if_match_fails,
    stale_etag_answer,
    stale_etag_response,
)
from scoring.api.filters import UnitFilter
from scoring.api.serializers import RankingGroupSerializer, UnitSerializer
from scoring.models import RankingGroup, Unit, UnitKind

UNIT_ERROR_FIELDS = {"duplicate_unit": "code", "unit_required": "name", "unit_kind_required": "kind",
                     "duplicate_unit_name": "name", "invalid_parent": "parent"}


class UnitWriteSerializer(InputSerializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=255)
    short_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    kind = serializers.SlugRelatedField(slug_field="code", queryset=UnitKind.objects.all())
    ranking_group = serializers.SlugRelatedField(
        slug_field="code", queryset=RankingGroup.objects.all(), required=False, allow_null=True, default=None
    )
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.filter(active=True), required=False, allow_null=True, default=None
    )
    superior_body = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="", label=gettext_lazy("Cơ quan chủ quản"),
        help_text=gettext_lazy("In ở dòng đầu tiêu đề báo cáo của đơn vị, phía trên tên đơn vị; để trống: UBND "
                               "tỉnh."),
    )


class ReasonSerializer(InputSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MergeSerializer(InputSerializer):
    into = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.filter(active=True))
    reason = serializers.CharField(max_length=2000)


class NamesakeSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=gettext_lazy("Mã đơn vị đã ngừng hoạt động."))
    name = serializers.CharField(read_only=True)


class UnitSavedSerializer(UnitSerializer):
    """A unit as created or changed, with the stopped unit of the same name, if any (allowed, not refused: a
    department re-established after a reorganisation; the lists mark the stopped one «(ngừng hoạt động)»), as the
    units page says it after a save."""

    namesake_stopped = NamesakeSerializer(
        read_only=True, allow_null=True,
        help_text=gettext_lazy("Đơn vị đã ngừng hoạt động mang cùng tên (không phân biệt hoa thường, khoảng trắng "
                               "thừa), nếu có; các danh sách ghi «(ngừng hoạt động)» sau tên đơn vị đó. null: không "
                               "có."),
    )

    class Meta(UnitSerializer.Meta):
        fields = [*UnitSerializer.Meta.fields, "namesake_stopped"]


def _saved(unit: Unit) -> dict[str, Any]:
    """`UnitSavedSerializer`'s answer for a unit just saved."""
    unit.namesake_stopped = unit_stopped_namesake(name=unit.name, exclude=unit)  # type: ignore[attr-defined]
    return UnitSavedSerializer(unit).data


def _unit(code: str) -> Unit:
    return get_object_or_404(Unit.objects.select_related("kind", "ranking_group", "parent"), code=code)


@extend_schema_view(
    get=extend_schema(tags=["catalogue"], responses={200: UnitSerializer(many=True), **_errors(400, 401)}),
    post=extend_schema(
        tags=["administration"], request=UnitWriteSerializer,
        responses={201: UnitSavedSerializer, **_errors(400, 401, 403)},
    ),
)
class UnitList(generics.ListAPIView):
    """Every unit of the province (filter by `kind`, `group`, `active`, `parent`, `q`). An administrator adds a
    unit with POST."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    permission_classes = [ReadOrAdminWrite]

    def get_queryset(self) -> QuerySet[Unit]:
        return Unit.objects.select_related("kind", "ranking_group", "parent").order_by("code")

    def post(self, request: Request) -> Response:
        payload = UnitWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with transaction.atomic(), fields_for(**UNIT_ERROR_FIELDS):
            unit = admin_services.unit_create(data=payload.validated_data, actor=request.user)
        return Response(_saved(unit), status=201)


def _current(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
        "ranking_group": unit.ranking_group, "parent": unit.parent, "superior_body": unit.superior_body,
    }


def unit_etag(unit: Unit) -> str:
    """The unit's `ETag`: its version (`unit_version`, as the units page's edit form carries it), in quotes."""
    return etag_of(admin_services.unit_version(unit))


MSG_UNIT_STALE = gettext_lazy(
    "Đơn vị vừa được sửa ở nơi khác (người khác hoặc một lần gọi khác) sau khi anh/chị đọc nên chưa lưu thay "
    "đổi nào. Hãy xem bản mới nhất (`current`, thẻ ETag mới) rồi sửa lại."
)


ETAG_HEADER, IF_MATCH_HEADER = etag_headers(
    "của đơn vị", "Phiên bản của đơn vị (các trường sửa được)", "Khi đơn vị đã đổi từ đó",
)


@extend_schema(
    tags=["catalogue"], responses={200: UnitSerializer, **_errors(401, 404)}, methods=["GET"],
    parameters=[ETAG_HEADER],
)
@extend_schema(
    tags=["administration"], request=UnitWriteSerializer(partial=True), methods=["PATCH"],
    parameters=[IF_MATCH_HEADER, ETAG_HEADER],
    responses={
        200: UnitSavedSerializer, **_errors(400, 401, 403, 404, 409),
        412: stale_etag_response(
            "Unit", UnitSerializer(help_text="Đơn vị đang lưu; thẻ ETag mới ở tiêu đề `ETag` của câu trả lời."),
            "The 412 of a unit's PATCH whose `If-Match` is no longer current: the one error body and the unit now.",
            gettext_lazy("`If-Match` không còn đúng: đơn vị đã được người khác sửa (`stale`)"),
        ),
    },
)
@api_view(["GET", "PATCH"])
@permission_classes([ReadOrAdminWrite])
def unit_detail(request: Request, code: str) -> Response:
    """One unit, with its version in `ETag`; an administrator renames, regroups or re-parents it with PATCH (the
    fields not sent keep their value; past assessments keep pointing at the unit). A PATCH with `If-Match` (the
    `ETag` read) is refused with 412 `stale` when the unit changed since; without it, the last edit wins. A created
    or changed unit's answer names a stopped unit of the same name (`namesake_stopped`), which is not refused."""
    unit = _unit(code)
    if request.method == "GET":
        return Response(UnitSerializer(unit).data, headers={"ETag": unit_etag(unit)})
    payload = UnitWriteSerializer(data=request.data, partial=True)
    payload.is_valid(raise_exception=True)
    with transaction.atomic(), fields_for(**UNIT_ERROR_FIELDS, unit_busy="kind"):
        # read again under a lock: a colleague's PATCH waits for this one, and the tag is checked against the
        # row this one changes
        unit = (
            Unit.objects.select_for_update(of=("self",)).select_related("kind", "ranking_group", "parent")
            .get(pk=unit.pk)
        )
        etag = unit_etag(unit)
        if if_match_fails(request.headers.get("If-Match", ""), etag):
            return stale_etag_answer(MSG_UNIT_STALE, UnitSerializer(unit).data, etag)
        saved = admin_services.unit_update(
            unit=unit, data={**_current(unit), **payload.validated_data}, actor=request.user
        )
    return Response(_saved(saved), headers={"ETag": unit_etag(saved)})


def _set_active(request: Request, code: str, active: bool) -> Response:
    unit = _unit(code)
    payload = ReasonSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    with transaction.atomic():
        saved = admin_services.unit_set_active(
            unit=unit, active=active, actor=request.user, reason=payload.validated_data["reason"]
        )
    return Response(UnitSerializer(saved).data)


@extend_schema(
    tags=["administration"], request=ReasonSerializer,
    responses={200: UnitSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def unit_deactivate(request: Request, code: str) -> Response:
    """The unit stops taking part (its history is kept); idempotent."""
    return _set_active(request, code, False)


@extend_schema(
    tags=["administration"], request=ReasonSerializer,
    responses={200: UnitSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def unit_activate(request: Request, code: str) -> Response:
    return _set_active(request, code, True)


@extend_schema(
    tags=["administration"], request=MergeSerializer,
    responses={200: UnitSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def unit_merge(request: Request, code: str) -> Response:
    """Merge the unit into `into`, a unit of the same kind (another kind: 400 `merge_other_kind`): it is
    deactivated, its people move to the successor, its history stays its own. Into another ranking group of the
    kind: allowed, the change of group recorded in the audit. Answers the merged (now inactive) unit."""
    unit = _unit(code)
    payload = MergeSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    with transaction.atomic(), fields_for(same_unit="into", already_merged="into", merge_other_kind="into"):
        admin_services.unit_merge(
            unit=unit, into=payload.validated_data["into"], reason=payload.validated_data["reason"],
            actor=request.user,
        )
    return Response(UnitSerializer(unit).data)


@extend_schema(tags=["catalogue"], responses={200: RankingGroupSerializer(many=True), **_errors(400, 401)})
class RankingGroupList(generics.ListAPIView):
    serializer_class = RankingGroupSerializer
    queryset = RankingGroup.objects.order_by("order", "code")
