"""Indicator sets and their tree: read by every signed-in user; created (from the set file format), edited
while a draft, cloned into a new year or version, activated for a cycle (frozen from then on) and their nodes
added, edited, moved, deleted and renumbered («Đánh số lại») by administrators, through the administration
services. A set's information and a criterion carry the version their pages' forms carry as `ETag`; a PATCH with
`If-Match` is refused (412 `stale`) when the page or another call changed them since, as a unit's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from cchc.api import ErrorSerializer
from scoring import services
from scoring.administration import services as admin_services
from scoring.administration.services import INDICATOR_FIELDS, MSG_FROZEN
from scoring.administration.services import tree as tree_services
from scoring.administration.services.mappings import clone_source
from scoring.administration.services.sets import indicator_set_version
from scoring.administration.services.tree import indicator_version
from scoring.api.common import (
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
from scoring.api.filters import IndicatorSetFilter
from scoring.api.serializers import IndicatorSerializer, IndicatorSetDetailSerializer, IndicatorSetSerializer
from scoring.errors import DomainError, StateConflict, ValidationFailed
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


LEAF_PARENT_HELP = gettext_lazy(
    "true: đồng ý để tiêu chí cha đang là tiêu chí thành phần (có phương pháp chấm) thành nhóm, bỏ phương pháp chấm "
    "và các tham số của nó (ghi vào nhật ký). Không gửi: bị từ chối (400 `parent_is_leaf`)."
)
MSG_LEAF_PARENT = gettext_lazy(
    "«%(code)s» đang là tiêu chí thành phần, chấm theo phương pháp «%(method)s». Đặt tiêu chí con vào đó sẽ biến nó "
    "thành nhóm và bỏ phương pháp chấm cùng các tham số của nó. Gửi kèm «leaf_parent_confirmed»: true nếu đúng ý, "
    "hoặc chọn tiêu chí cha khác."
)


class NodeCreateSerializer(NodeSerializer):
    parent = serializers.CharField(
        max_length=30, required=False, allow_null=True, default=None,
        help_text="Mã tiêu chí cha; bỏ trống để thêm một lĩnh vực.",
    )
    leaf_parent_confirmed = serializers.BooleanField(required=False, default=False, help_text=LEAF_PARENT_HELP)


class MoveSerializer(InputSerializer):
    direction = serializers.ChoiceField(choices=["up", "down"], required=False)
    parent = serializers.CharField(max_length=30, required=False, allow_null=True)
    leaf_parent_confirmed = serializers.BooleanField(required=False, default=False, help_text=LEAF_PARENT_HELP)

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
    return _criterion(indicator_set, code, field="parent")


@contextmanager
def _leaf_parent_refusal(parent: Indicator | None) -> Iterator[None]:
    """The set editor's refusal of a leaf as parent, saying what the API takes to confirm it (not the page's box)."""
    try:
        yield
    except DomainError as exc:
        if exc.code != "parent_is_leaf" or parent is None:
            raise
        method = Indicator.Method(parent.method).label if parent.method in Indicator.Method.values else parent.method
        raise ValidationFailed(MSG_LEAF_PARENT % {"code": parent.code, "method": method or "—"},
                               code=exc.code, details={"field": "parent"}) from exc


def _criterion(indicator_set: IndicatorSet, code: str, *, field: str) -> Indicator:
    """The set's criterion `code`, named by the request's `field`; 400 on that field when the set has none."""
    found = indicator_set.indicators.filter(code=code).first()
    if found is None:
        raise serializers.ValidationError({field: [_("Bộ chỉ số không có tiêu chí mã «%(c)s».") % {"c": code}]})
    return found


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


# --- versions: `ETag` / `If-Match`, as a unit's, on the version the pages' forms carry --------------------


def set_etag(indicator_set: IndicatorSet) -> str:
    """The set's `ETag`: the version of its information (`indicator_set_version`, as the set's page carries it)."""
    return etag_of(indicator_set_version(indicator_set))


def criterion_etag(indicator: Indicator) -> str:
    """The criterion's `ETag`: its version (`indicator_version`, as its edit page carries it)."""
    return etag_of(indicator_version(indicator))


MSG_SET_STALE = gettext_lazy(
    "Thông tin bộ chỉ số vừa được sửa ở nơi khác (người khác hoặc một lần gọi khác) sau khi anh/chị đọc nên chưa lưu "
    "thay đổi nào. Hãy xem bản mới nhất (`current`, thẻ ETag mới) rồi sửa lại."
)
MSG_CRITERION_STALE = gettext_lazy(
    "Tiêu chí vừa được sửa ở nơi khác (người khác hoặc một lần gọi khác) sau khi anh/chị đọc nên chưa lưu thay đổi "
    "nào. Hãy xem bản mới nhất (`current`, thẻ ETag mới) rồi sửa lại."
)


SET_ETAG_HEADER, SET_IF_MATCH_HEADER = etag_headers(
    "của bộ chỉ số", "Phiên bản thông tin của bộ chỉ số (các trường sửa được, như trang của bộ)",
    "Khi thông tin của bộ đã đổi từ đó (trên trang quản trị hoặc qua API)",
)
CRITERION_ETAG_HEADER, CRITERION_IF_MATCH_HEADER = etag_headers(
    "của tiêu chí", "Phiên bản của tiêu chí (các trường sửa được, như trang sửa tiêu chí)",
    "Khi tiêu chí đã đổi từ đó (trên trang quản trị hoặc qua API)",
)


class ReadOrAdministratorWrite(ReadOrAdminWrite):
    """Reading for every signed-in user; a write by anyone else than an administrator is refused saying so, as on
    the endpoints only administrators use."""

    message = IsAdministrator.message


@extend_schema_view(
    get=extend_schema(
        tags=["catalogue"], responses={200: IndicatorSetDetailSerializer, **_errors(401, 404)},
        parameters=[SET_ETAG_HEADER],
    ),
    patch=extend_schema(
        tags=["administration"], request=SetMetaSerializer(partial=True),
        parameters=[SET_IF_MATCH_HEADER, SET_ETAG_HEADER],
        responses={
            200: IndicatorSetSerializer, **_errors(400, 401, 403, 404, 409),
            412: stale_etag_response(
                "Set",
                IndicatorSetSerializer(help_text="Bộ chỉ số đang lưu; thẻ ETag mới ở tiêu đề `ETag` của câu trả lời."),
                "The 412 of a set's PATCH whose `If-Match` is no longer current: the one error body and the set now.",
                gettext_lazy("`If-Match` không còn đúng: thông tin bộ chỉ số đã được người khác sửa (`stale`)"),
            ),
        },
    ),
    delete=extend_schema(tags=["administration"], responses={204: None, **_errors(401, 403, 404, 409)}),
)
class IndicatorSetDetail(generics.RetrieveAPIView):
    """One set with its whole tree, with the version of its information in `ETag`. An administrator edits a draft's
    name, decision, maximum, caps and bands (PATCH) or deletes a draft nothing uses (DELETE); a set a cycle uses is
    frozen (409 `set_frozen`). A PATCH with `If-Match` (the `ETag` read) is refused with 412 `stale` when the set's
    information changed since, on its page or through the API; without it, the last edit wins."""

    serializer_class = IndicatorSetDetailSerializer
    queryset = IndicatorSet.objects.select_related("unit_kind")
    lookup_field = "key"
    permission_classes = [ReadOrAdminWrite]

    def get(self, request: Request, key: str) -> Response:
        indicator_set = self.get_object()
        return Response(self.get_serializer(indicator_set).data, headers={"ETag": set_etag(indicator_set)})

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
            # read again under a lock: the page's save of the same set waits for this one, and the tag is checked
            # against the row this one changes
            indicator_set = (
                IndicatorSet.objects.select_for_update(of=("self",)).select_related("unit_kind")
                .get(pk=indicator_set.pk)
            )
            etag = set_etag(indicator_set)
            if if_match_fails(request.headers.get("If-Match", ""), etag):
                return stale_etag_answer(MSG_SET_STALE, IndicatorSetSerializer(indicator_set).data, etag)
            saved = admin_services.indicator_set_update(
                indicator_set=indicator_set, data={**_set_meta(indicator_set), **changes}, actor=request.user
            )
        return Response(IndicatorSetSerializer(saved).data, headers={"ETag": set_etag(saved)})

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
    """Add a node under `parent` (an area when none), placed by its code among its siblings (`1.3.1` before
    `1.3.2`, `1.10` after `1.9`; last when no sibling's code comes after it). A leaf parent becomes a group, its
    method and parameters dropped, only with `leaf_parent_confirmed` (else 400 `parent_is_leaf`), as in the set
    editor."""
    indicator_set = _set(key)
    payload = NodeCreateSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = dict(payload.validated_data)
    parent = _parent(indicator_set, data.pop("parent"))
    confirmed = data.pop("leaf_parent_confirmed")
    with _leaf_parent_refusal(parent), transaction.atomic(), fields_for(**NODE_ERROR_FIELDS):
        node = admin_services.indicator_create(
            indicator_set=indicator_set, parent=parent, data=data, actor=request.user,
            leaf_parent_confirmed=confirmed,
        )
    return Response(IndicatorSerializer(node).data, status=201)


@extend_schema(
    tags=["catalogue"], methods=["GET"], responses={200: IndicatorSerializer, **_errors(401, 404)},
    parameters=[CRITERION_ETAG_HEADER],
)
@extend_schema(
    tags=["administration"], request=NodeSerializer(partial=True), methods=["PATCH"],
    parameters=[CRITERION_IF_MATCH_HEADER, CRITERION_ETAG_HEADER],
    responses={
        200: IndicatorSerializer, **_errors(400, 401, 403, 404, 409),
        412: stale_etag_response(
            "Criterion",
            IndicatorSerializer(help_text="Tiêu chí đang lưu; thẻ ETag mới ở tiêu đề `ETag` của câu trả lời."),
            "The 412 of a criterion's PATCH whose `If-Match` is no longer current: the one error body and the "
            "criterion now.",
            gettext_lazy("`If-Match` không còn đúng: tiêu chí đã được người khác sửa (`stale`)"),
        ),
    },
)
@extend_schema(tags=["administration"], methods=["DELETE"], responses={204: None, **_errors(401, 403, 404, 409)})
@api_view(["GET", "PATCH", "DELETE"])
@permission_classes([ReadOrAdministratorWrite])
def indicator_detail(request: Request, key: str, code: str) -> Response:
    """One criterion, with its version in `ETag` (the one its edit page carries); an administrator edits it (fields
    not sent keep their value; a leaf's method is checked by the engine) or deletes it with its subtree. A PATCH
    with `If-Match` (the `ETag` read) is refused with 412 `stale` when the criterion changed since, on its page or
    through the API; without it, the last edit wins. Deleting and moving take no version, as on the set's page."""
    indicator_set = _set(key)
    node = _node(indicator_set, code)
    if request.method == "GET":
        return Response(IndicatorSerializer(node).data, headers={"ETag": criterion_etag(node)})
    if request.method == "DELETE":
        with transaction.atomic():
            admin_services.indicator_delete(indicator=node, actor=request.user)
        return Response(status=204)
    payload = NodeSerializer(data=request.data, partial=True)
    payload.is_valid(raise_exception=True)
    with transaction.atomic(), fields_for(**NODE_ERROR_FIELDS):
        # read again under a lock: the page's save of the same criterion waits for this one, and the tag is checked
        # against the row this one changes
        node = (
            Indicator.objects.select_for_update(of=("self",)).select_related("indicator_set", "parent")
            .get(pk=node.pk)
        )
        etag = criterion_etag(node)
        if if_match_fails(request.headers.get("If-Match", ""), etag):
            return stale_etag_answer(MSG_CRITERION_STALE, IndicatorSerializer(node).data, etag)
        current = {name: getattr(node, name) for name in INDICATOR_FIELDS}
        saved = admin_services.indicator_update(
            indicator=node, data={**current, **payload.validated_data}, actor=request.user
        )
    return Response(IndicatorSerializer(saved).data, headers={"ETag": criterion_etag(saved)})


@extend_schema(
    tags=["administration"], request=MoveSerializer,
    responses={200: IndicatorSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["POST"])
@permission_classes([IsAdministrator])
def indicator_move(request: Request, key: str, code: str) -> Response:
    """Swap a node with its previous (`up`) or next (`down`) sibling, or move it under another `parent` (a leaf only
    with `leaf_parent_confirmed`, as for an addition)."""
    indicator_set = _set(key)
    node = _node(indicator_set, code)
    payload = MoveSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    parent = _parent(indicator_set, data["parent"]) if "parent" in data else None
    with _leaf_parent_refusal(parent), transaction.atomic(), fields_for(**NODE_ERROR_FIELDS):
        if "parent" in data:
            moved = admin_services.indicator_reparent(
                indicator=node, new_parent=parent, actor=request.user,
                leaf_parent_confirmed=data["leaf_parent_confirmed"],
            )
        else:
            moved = admin_services.indicator_move(indicator=node, direction=data["direction"], actor=request.user)
    return Response(IndicatorSerializer(moved).data)


# --- «Đánh số lại»: renumbering a branch or the whole set (a draft set only) ------------------------------

MSG_RENUMBER_STALE = gettext_lazy(
    "Cây tiêu chí đã thay đổi từ lúc xem trước nên chưa đánh số lại mã nào; hãy xem trước lại (GET cùng địa chỉ) "
    "rồi gửi «plan» mới."
)
ROOT_HELP = gettext_lazy(
    "Mã tiêu chí (lĩnh vực hoặc nhóm) mà các tiêu chí bên trong được đánh số lại; tiêu chí đó giữ mã của nó. Bỏ "
    "trống (hoặc null) để đánh số lại toàn bộ bộ chỉ số."
)


class RenumberQuery(QuerySerializer):
    root = serializers.CharField(max_length=30, required=False, allow_blank=True, help_text=ROOT_HELP)


class RenumberSerializer(InputSerializer):
    root = serializers.CharField(max_length=30, required=False, allow_null=True, allow_blank=True, default=None,
                                 help_text=ROOT_HELP)
    plan = serializers.CharField(
        max_length=64,
        help_text=gettext_lazy("Giá trị «plan» của bản xem trước đã duyệt: chỉ đánh số lại đúng như bản đó."),
    )


class CodeChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="indicator_id", help_text=gettext_lazy("Mã số (id) của tiêu chí."))
    old = serializers.CharField(help_text=gettext_lazy("Mã hiện tại."))
    new = serializers.CharField(help_text=gettext_lazy("Mã mới."))
    name = serializers.CharField()
    level = serializers.IntegerField()


class RenumberPreviewSerializer(serializers.Serializer):
    root = serializers.CharField(allow_null=True, help_text=ROOT_HELP)
    changes = CodeChangeSerializer(
        many=True, help_text=gettext_lazy("Các tiêu chí đổi mã, theo thứ tự trên cây; tiêu chí khác giữ nguyên mã.")
    )
    plan = serializers.CharField(
        help_text=gettext_lazy("Gửi lại giá trị này khi xác nhận (POST); cây đổi từ lúc xem trước thì bị từ chối.")
    )
    refusal = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy("Vì sao chưa áp dụng được (một mã mới đang là của tiêu chí ngoài nhánh); null: được."),
    )
    mappings_follow_from = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy("Khoá bộ chỉ số mà bộ này sao chép từ: đối chiếu mã với bộ đó được ghi theo mã mới "
                               "(như khi đổi mã một tiêu chí). Null: không có."),
    )


class RenumberResultSerializer(serializers.Serializer):
    root = serializers.CharField(allow_null=True, help_text=ROOT_HELP)
    changes = CodeChangeSerializer(many=True, help_text=gettext_lazy("Các tiêu chí đã đổi mã (rỗng: không có mã "
                                                                     "nào phải đổi)."))


_CHANGE_EXAMPLE = [
    {"id": 41, "old": "1.2", "new": "1.1", "name": "Báo cáo CCHC", "level": 2},
    {"id": 42, "old": "1.2.1", "new": "1.1.1", "name": "Báo cáo đúng hạn", "level": 3},
]
_PLAN_EXAMPLE = "5f0c3a8e1b2d4c6e8a9b0c1d2e3f4a5b"
PREVIEW_EXAMPLES = [
    OpenApiExample(
        "preview", response_only=True, status_codes=["200"],
        summary=gettext_lazy("Lĩnh vực «1» sau khi xoá nhóm «1.1»"),
        value={"root": "1", "changes": _CHANGE_EXAMPLE, "plan": _PLAN_EXAMPLE, "refusal": None,
               "mappings_follow_from": "bo-chi-so-so-2020"},
    ),
]
APPLY_EXAMPLES = [
    OpenApiExample(
        "apply", request_only=True, summary=gettext_lazy("Áp dụng bản xem trước của lĩnh vực «1»"),
        value={"root": "1", "plan": _PLAN_EXAMPLE},
    ),
    OpenApiExample(
        "applied", response_only=True, status_codes=["200"], summary=gettext_lazy("Đã đánh số lại hai tiêu chí"),
        value={"root": "1", "changes": _CHANGE_EXAMPLE},
    ),
]
RENUMBER_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=gettext_lazy("`set_frozen`: bộ chỉ số đang được dùng (hãy nhân bản rồi sửa bản mới); `set_changed`: "
                             "cây đã đổi từ lúc xem trước (POST)"),
)


def _renumber_root(indicator_set: IndicatorSet, code: str | None) -> Indicator | None:
    """The criterion whose branch is renumbered (None: the whole set). A set in use is refused first, as the page
    shows it no renumbering and its service refuses one (409 `set_frozen`)."""
    if admin_services.set_is_frozen(indicator_set):
        raise StateConflict(MSG_FROZEN % {"key": indicator_set.key}, code="set_frozen")
    return _criterion(indicator_set, code, field="root") if code else None


def _renumber_refused(exc: DomainError) -> DomainError:
    """The service's refusal as the API says it: a plan gone stale names `plan` and the way to a new one, a new code
    held outside the branch (or too long) names `root`, the branch to widen."""
    if exc.code == "set_changed":
        return StateConflict(MSG_RENUMBER_STALE, code=exc.code, details={"field": "plan"})
    if exc.code in ("duplicate_code", "code_too_long"):
        exc.details = {"field": "root"}
    return exc


@extend_schema(
    tags=["administration"], methods=["GET"], parameters=[RenumberQuery], examples=PREVIEW_EXAMPLES,
    responses={200: RenumberPreviewSerializer, **_errors(400, 401, 403, 404), 409: RENUMBER_CONFLICT},
)
@extend_schema(
    tags=["administration"], methods=["POST"], request=RenumberSerializer, examples=APPLY_EXAMPLES,
    responses={200: RenumberResultSerializer, **_errors(400, 401, 403, 404), 409: RENUMBER_CONFLICT},
)
@api_view(["GET", "POST"])
@permission_classes([IsAdministrator])
def indicator_set_renumber(request: Request, key: str) -> Response:
    """«Đánh số lại» of a draft set, as in its editor: GET previews the codes the criteria under `root` (the whole set
    when none) would take, numbered by their places under their parents («1.2», «1.2.1» …), and writes nothing; POST
    with the preview's `plan` applies exactly that preview, each code change audited (and followed by the mappings
    from the set it was cloned from). Refused, nothing written: a set in use (409 `set_frozen`), a tree changed
    since the preview, so a preview applies once (409 `set_changed`, field `plan`), a new code another criterion
    outside the branch holds (400 `duplicate_code`, field `root`: renumber a wider branch), a `root` the set does
    not have (400, field `root`)."""
    indicator_set = _set(key)
    if request.method == "GET":
        query = RenumberQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        root = _renumber_root(indicator_set, query.validated_data.get("root"))
        plan = tree_services.renumber_plan(indicator_set=indicator_set, root=root)
        source = clone_source(indicator_set) if plan else None
        return Response(RenumberPreviewSerializer({
            "root": root.code if root is not None else None, "changes": plan,
            "plan": tree_services.renumber_digest(plan),
            "refusal": tree_services.renumber_refusal(indicator_set=indicator_set, plan=plan) if plan else None,
            "mappings_follow_from": source.key if source is not None else None,
        }).data)
    payload = RenumberSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    root = _renumber_root(indicator_set, payload.validated_data["root"])
    try:
        with transaction.atomic():
            done = tree_services.indicator_set_renumber(
                indicator_set=indicator_set, root=root, expected=payload.validated_data["plan"], actor=request.user
            )
    except DomainError as exc:
        raise _renumber_refused(exc) from exc
    return Response(RenumberResultSerializer({"root": root.code if root is not None else None, "changes": done}).data)
