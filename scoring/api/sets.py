"""Indicator sets and their tree: read by every signed-in user; created (from the set file format), edited
while a draft, cloned into a new year or version, activated for a cycle (frozen from then on) and their nodes
added, edited, moved and deleted by administrators, through the administration services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from scoring import services
from scoring.administration import services as admin_services
from scoring.administration.services import INDICATOR_FIELDS
from scoring.api.common import InputSerializer, IsAdministrator, ReadOrAdminWrite, _errors, fields_for
from scoring.api.filters import IndicatorSetFilter
from scoring.api.serializers import IndicatorSerializer, IndicatorSetDetailSerializer, IndicatorSetSerializer
from scoring.models import Cycle, Indicator, IndicatorSet, UnitKind
from scoring.services.sets import VERSION_LIMIT

DECIMAL = {"max_digits": 7, "decimal_places": 2}
SET_ERROR_FIELDS = {
    "duplicate_key": "key", "key_required": "key", "invalid_year": "year", "duplicate_version": "version",
    "name_required": "name",
}
NODE_ERROR_FIELDS = {
    "code_required": "code", "duplicate_code": "code", "name_required": "name", "invalid_kind": "kind",
    "negative_max": "max_points", "floor_above_max": "floor", "unknown_method": "method", "tree_cycle": "parent",
}


class BandSerializer(InputSerializer):
    min = serializers.DecimalField(**DECIMAL)
    label = serializers.CharField(max_length=60)


class SetMetaSerializer(InputSerializer):
    name = serializers.CharField(max_length=255)
    decision_ref = serializers.CharField(max_length=255, required=False, allow_blank=True)
    standard_max = serializers.DecimalField(**DECIMAL, required=False)
    index_mode = serializers.ChoiceField(choices=IndicatorSet.IndexMode.choices, required=False)
    bonus_cap = serializers.DecimalField(**DECIMAL, required=False, allow_null=True)
    penalty_cap = serializers.DecimalField(**DECIMAL, required=False, allow_null=True)
    classification_bands = BandSerializer(many=True, required=False)
    source_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class SetCreateSerializer(SetMetaSerializer):
    """The set file format (docs/scoring-methods.md). With `indicators` the whole tree is imported and checked
    by the engine; without, an empty draft is created for the tree editor. A new set is always a draft."""

    key = serializers.SlugField(max_length=60)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    version = serializers.IntegerField(min_value=1, max_value=VERSION_LIMIT, default=1)
    unit_kind = serializers.SlugRelatedField(slug_field="code", queryset=UnitKind.objects.all())
    indicators = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    status = serializers.CharField(
        required=False, allow_blank=True, max_length=20,
        help_text="Chấp nhận để một tệp bộ chỉ số đã xuất gửi lại được, nhưng bị bỏ qua: bộ mới luôn là bản nháp.",
    )


class CloneSerializer(InputSerializer):
    key = serializers.SlugField(max_length=60)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    decision_ref = serializers.CharField(max_length=255, required=False, allow_null=True, default=None)


class ActivateSerializer(InputSerializer):
    cycle = serializers.SlugRelatedField(
        slug_field="year", queryset=Cycle.objects.all(), help_text="Năm của kỳ đánh giá dùng bộ chỉ số."
    )
    unit_kind = serializers.SlugRelatedField(
        slug_field="code", queryset=UnitKind.objects.all(), required=False,
        help_text="Mã loại đơn vị chấm theo bộ này; mặc định là loại của bộ (ví dụ các cơ quan ngành dọc theo bộ "
                  "của các sở).",
    )


class NodeSerializer(InputSerializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=5000)
    kind = serializers.ChoiceField(choices=Indicator.Kind.choices, required=False)
    max_points = serializers.DecimalField(**DECIMAL)
    floor = serializers.DecimalField(**DECIMAL, required=False)
    method = serializers.ChoiceField(choices=Indicator.Method.choices, required=False, allow_blank=True)
    params = serializers.DictField(required=False)
    evidence_required = serializers.BooleanField(required=False)
    allow_not_applicable = serializers.BooleanField(required=False)
    guidance = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    source = serializers.ChoiceField(choices=Indicator.Source.choices, required=False)
    coordinating_department = serializers.CharField(required=False, allow_blank=True, max_length=200)


class NodeCreateSerializer(NodeSerializer):
    parent = serializers.CharField(
        max_length=30, required=False, allow_null=True, default=None,
        help_text="Mã tiêu chí cha; bỏ trống để thêm một lĩnh vực.",
    )


class MoveSerializer(InputSerializer):
    direction = serializers.ChoiceField(choices=["up", "down"], required=False)
    parent = serializers.CharField(max_length=30, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("direction" in attrs) == ("parent" in attrs):
            raise serializers.ValidationError(
                {"direction": [_("Gửi một trong hai: «direction» (up/down) hoặc «parent» (mã tiêu chí cha; null: "
                                 "thành lĩnh vực).")]}
            )
        return attrs


def _set(key: str) -> IndicatorSet:
    return get_object_or_404(IndicatorSet.objects.select_related("unit_kind"), key=key)


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return get_object_or_404(Indicator.objects.select_related("indicator_set", "parent"), indicator_set=indicator_set,
                             code=code)


def _parent(indicator_set: IndicatorSet, code: str | None) -> Indicator | None:
    if not code:
        return None
    parent = indicator_set.indicators.filter(code=code).first()
    if parent is None:
        raise serializers.ValidationError({"parent": [_("Bộ chỉ số không có tiêu chí mã «%(c)s».") % {"c": code}]})
    return parent


@extend_schema_view(
    get=extend_schema(tags=["catalogue"], responses={200: IndicatorSetSerializer(many=True), **_errors(400, 401)}),
    post=extend_schema(
        tags=["administration"], request=SetCreateSerializer,
        responses={201: IndicatorSetDetailSerializer, **_errors(400, 401, 403)},
    ),
)
class IndicatorSetList(generics.ListAPIView):
    """Indicator sets (filter by `year`, `unit_kind`, `status`). An administrator creates a draft set with POST."""

    serializer_class = IndicatorSetSerializer
    queryset = IndicatorSet.objects.select_related("unit_kind").order_by("-year", "key")
    filterset_class = IndicatorSetFilter
    permission_classes = [ReadOrAdminWrite]

    def post(self, request: Request) -> Response:
        payload = SetCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("status", None)  # a new set is a draft; activation is a separate, checked step
        with transaction.atomic(), fields_for(**SET_ERROR_FIELDS):
            if data["indicators"]:
                file_shape = {**request.data, "unit_kind": data["unit_kind"].code, "version": data["version"]}
                file_shape.pop("status", None)  # a new set is a draft; activation is a separate, checked step
                created = services.indicator_set_import(data=file_shape, actor=request.user)
            else:
                created = admin_services.indicator_set_create(
                    key=data.pop("key"), year=data.pop("year"), unit_kind=data.pop("unit_kind"),
                    version=data.pop("version"), data=data, actor=request.user,
                )
        return Response(IndicatorSetDetailSerializer(created).data, status=201)


def _set_meta(indicator_set: IndicatorSet) -> dict[str, Any]:
    return {name: getattr(indicator_set, name) for name in (*admin_services.SET_FIELDS, "classification_bands")}


@extend_schema_view(
    get=extend_schema(tags=["catalogue"], responses={200: IndicatorSetDetailSerializer, **_errors(401, 404)}),
    patch=extend_schema(
        tags=["administration"], request=SetMetaSerializer(partial=True),
        responses={200: IndicatorSetSerializer, **_errors(400, 401, 403, 404, 409)},
    ),
    delete=extend_schema(tags=["administration"], responses={204: None, **_errors(401, 403, 404, 409)}),
)
class IndicatorSetDetail(generics.RetrieveAPIView):
    """One set with its whole tree. An administrator edits a draft's name, decision, maximum, caps and bands
    (PATCH) or deletes a draft nothing uses (DELETE); a set a cycle uses is frozen (409 `set_frozen`)."""

    serializer_class = IndicatorSetDetailSerializer
    queryset = IndicatorSet.objects.select_related("unit_kind")
    lookup_field = "key"
    permission_classes = [ReadOrAdminWrite]

    def patch(self, request: Request, key: str) -> Response:
        indicator_set = _set(key)
        payload = SetMetaSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        if "classification_bands" in changes:
            changes["classification_bands"] = [
                {"min": str(b["min"]), "label": b["label"]} for b in changes["classification_bands"]
            ]
        with transaction.atomic(), fields_for(**SET_ERROR_FIELDS):
            saved = admin_services.indicator_set_update(
                indicator_set=indicator_set, data={**_set_meta(indicator_set), **changes}, actor=request.user
            )
        return Response(IndicatorSetSerializer(saved).data)

    def delete(self, request: Request, key: str) -> Response:
        indicator_set = _set(key)
        with transaction.atomic():
            admin_services.indicator_set_delete(indicator_set=indicator_set, actor=request.user)
        return Response(status=204)


@extend_schema(
    tags=["administration"], request=CloneSerializer,
    responses={201: IndicatorSetSerializer, **_errors(400, 401, 403, 404)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def indicator_set_clone(request: Request, key: str) -> Response:
    """Copy a set with its whole tree into a new draft: a new year, or the next version of the same year."""
    source = _set(key)
    payload = CloneSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    with transaction.atomic(), fields_for(**SET_ERROR_FIELDS):
        clone = admin_services.indicator_set_clone(source=source, actor=request.user, **payload.validated_data)
    return Response(IndicatorSetSerializer(clone).data, status=201)


@extend_schema(
    tags=["administration"], request=ActivateSerializer,
    responses={200: IndicatorSetSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def indicator_set_activate(request: Request, key: str) -> Response:
    """Use a valid set for its unit kind (or `unit_kind`) in a cycle of the same year; the set is frozen from then
    on (400 `set_invalid` with the `problems` while the validation report finds any)."""
    indicator_set = _set(key)
    payload = ActivateSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    with transaction.atomic():
        saved = admin_services.indicator_set_activate(
            indicator_set=indicator_set, cycle=payload.validated_data["cycle"], actor=request.user,
            unit_kind=payload.validated_data.get("unit_kind"),
        ).indicator_set
    return Response(IndicatorSetSerializer(saved).data)


# --- the tree (a draft set only) -------------------------------------------------------------------------


@extend_schema(
    tags=["administration"], request=NodeCreateSerializer,
    responses={201: IndicatorSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def indicator_create(request: Request, key: str) -> Response:
    """Add a node as the last child of `parent` (an area when none); a leaf parent becomes a group."""
    indicator_set = _set(key)
    payload = NodeCreateSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = dict(payload.validated_data)
    parent = _parent(indicator_set, data.pop("parent"))
    with transaction.atomic(), fields_for(**NODE_ERROR_FIELDS):
        node = admin_services.indicator_create(
            indicator_set=indicator_set, parent=parent, data=data, actor=request.user
        )
    return Response(IndicatorSerializer(node).data, status=201)


@extend_schema(
    tags=["administration"], request=NodeSerializer(partial=True), methods=["PATCH"],
    responses={200: IndicatorSerializer, **_errors(400, 401, 403, 404, 409)},
)
@extend_schema(tags=["administration"], methods=["DELETE"], responses={204: None, **_errors(401, 403, 404, 409)})
@api_view(["PATCH", "DELETE"])
@permission_classes([IsAdministrator])
def indicator_detail(request: Request, key: str, code: str) -> Response:
    """Edit a node (fields not sent keep their value; a leaf's method is checked by the engine) or delete it
    with its subtree."""
    indicator_set = _set(key)
    node = _node(indicator_set, code)
    if request.method == "DELETE":
        with transaction.atomic():
            admin_services.indicator_delete(indicator=node, actor=request.user)
        return Response(status=204)
    payload = NodeSerializer(data=request.data, partial=True)
    payload.is_valid(raise_exception=True)
    current = {name: getattr(node, name) for name in INDICATOR_FIELDS}
    with transaction.atomic(), fields_for(**NODE_ERROR_FIELDS):
        saved = admin_services.indicator_update(
            indicator=node, data={**current, **payload.validated_data}, actor=request.user
        )
    return Response(IndicatorSerializer(saved).data)


@extend_schema(
    tags=["administration"], request=MoveSerializer,
    responses={200: IndicatorSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def indicator_move(request: Request, key: str, code: str) -> Response:
    """Swap a node with its previous (`up`) or next (`down`) sibling, or move it under another `parent`."""
    indicator_set = _set(key)
    node = _node(indicator_set, code)
    payload = MoveSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    with transaction.atomic(), fields_for(**NODE_ERROR_FIELDS):
        if "parent" in data:
            moved = admin_services.indicator_reparent(
                indicator=node, new_parent=_parent(indicator_set, data["parent"]), actor=request.user
            )
        else:
            moved = admin_services.indicator_move(indicator=node, direction=data["direction"], actor=request.user)
    return Response(IndicatorSerializer(moved).data)
