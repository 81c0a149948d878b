"""REST API of the scoring app: catalogue, cycles, assessments, score lines, submission, published results, tokens.

Views are thin: parse with a serializer, authorize with `scoring.permissions`, call the same service or selector
as the HTML views. Errors are mapped to the one API error format by `cchc.api.exception_handler`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, generics, serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cchc.api import ErrorSerializer
from scoring import permissions, selectors, services
from scoring.models import Assessment, Cycle, Indicator, IndicatorSet, RankingGroup, ScoreLine, Unit
from scoring.publication import selectors as publication_selectors

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Dữ liệu không hợp lệ")),
    401: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Chưa đăng nhập")),
    403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Không có quyền")),
    404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Không tìm thấy")),
    409: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Xung đột trạng thái hoặc phiên bản")),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: ERRORS[c] for c in codes}


# --- serializers ------------------------------------------------------------------------------------------


class RankingGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = RankingGroup
        fields = ["id", "code", "name", "order"]


class UnitSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    ranking_group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "ranking_group", "parent", "active"]


class IndicatorSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id", "code", "name", "parent", "level", "order", "is_leaf", "kind", "max_points", "floor", "method",
            "params", "evidence_required", "allow_not_applicable", "guidance", "source",
        ]


class IndicatorSetSerializer(serializers.ModelSerializer):
    unit_kind = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = IndicatorSet
        fields = [
            "id", "key", "year", "version", "unit_kind", "name", "decision_ref", "standard_max", "index_mode",
            "bonus_cap", "penalty_cap", "classification_bands", "status",
        ]


class IndicatorSetDetailSerializer(IndicatorSetSerializer):
    indicators = serializers.SerializerMethodField()

    class Meta(IndicatorSetSerializer.Meta):
        fields = [*IndicatorSetSerializer.Meta.fields, "indicators"]

    @extend_schema_field(IndicatorSerializer(many=True))
    def get_indicators(self, obj: IndicatorSet) -> list[dict[str, Any]]:
        rows = selectors.indicator_tree(indicator_set=obj)
        return IndicatorSerializer([r["node"] for r in rows], many=True).data  # type: ignore[return-value]


class CycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = [
            "id", "year", "name", "phase", "self_assessment_deadline", "appraisal_deadline",
            "explanation_deadline", "finalisation_deadline",
        ]


class AssessmentSerializer(serializers.ModelSerializer):
    unit = UnitSerializer(read_only=True)
    cycle = serializers.SlugRelatedField(slug_field="year", read_only=True)
    indicator_set = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id", "cycle", "unit", "indicator_set", "state", "version", "deadline_override", "appraisal_round",
            "explanation_deadline", "submitted_at", "signed_off_at",
        ]


class ScoreLineSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ScoreLine
        fields = [
            "id", "indicator", "self_value", "self_score", "self_note", "not_applicable", "not_applicable_reason",
            "appraised_value", "appraised_score", "appraised_note", "explanation", "explanation_requested",
            "version", "updated_at",
        ]


class SelfSaveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=_("Phiên bản của dòng mà người dùng đã xem."))
    value = serializers.DictField(required=False, allow_null=True, help_text=_("Số liệu theo phương pháp chấm."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    not_applicable = serializers.BooleanField(required=False, default=False)
    not_applicable_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    explanation = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


# --- catalogue (read for every signed-in user) ----------------------------------------------------------


@extend_schema(tags=["catalogue"], responses={200: UnitSerializer(many=True), **_errors(401)})
class UnitList(generics.ListAPIView):
    """Every unit of the province (filter by `kind`, `ranking_group`, `active`)."""

    serializer_class = UnitSerializer
    filterset_fields = ["active"]

    def get_queryset(self) -> QuerySet[Unit]:
        qs = Unit.objects.select_related("kind", "ranking_group").order_by("code")
        params = self.request.query_params
        if params.get("kind"):
            qs = qs.filter(kind__code=params["kind"])
        if params.get("ranking_group"):
            qs = qs.filter(ranking_group__code=params["ranking_group"])
        return qs


@extend_schema(tags=["catalogue"], responses={200: RankingGroupSerializer(many=True), **_errors(401)})
class RankingGroupList(generics.ListAPIView):
    serializer_class = RankingGroupSerializer
    queryset = RankingGroup.objects.order_by("order", "code")


@extend_schema(tags=["catalogue"], responses={200: IndicatorSetSerializer(many=True), **_errors(401)})
class IndicatorSetList(generics.ListAPIView):
    serializer_class = IndicatorSetSerializer
    queryset = IndicatorSet.objects.select_related("unit_kind").order_by("-year", "key")
    filterset_fields = ["year", "status"]


@extend_schema(tags=["catalogue"], responses={200: IndicatorSetDetailSerializer, **_errors(401, 404)})
class IndicatorSetDetail(generics.RetrieveAPIView):
    """One set with its whole tree (areas, criteria and scored leaves in order)."""

    serializer_class = IndicatorSetDetailSerializer
    queryset = IndicatorSet.objects.select_related("unit_kind")
    lookup_field = "key"


@extend_schema(tags=["catalogue"], responses={200: CycleSerializer(many=True), **_errors(401)})
class CycleList(generics.ListAPIView):
    serializer_class = CycleSerializer
    queryset = Cycle.objects.order_by("-year")


# --- assessments ------------------------------------------------------------------------------------------


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    """The same rule as `permissions.can_view_assessment`, as one query."""
    qs = Assessment.objects.select_related("unit__kind", "unit__ranking_group", "cycle", "indicator_set")
    if permissions.is_administrator(user):
        return qs
    condition = Q(unit_id__in=permissions.unit_ids(user))
    if permissions.is_appraiser(user):
        own = permissions.unit_ids(user, permissions.Role.APPRAISER, permissions.Role.APPRAISAL_LEAD)
        condition |= ~Q(state=Assessment.State.DRAFT) & ~Q(unit_id__in=own)
    return qs.filter(condition)


@extend_schema(tags=["assessments"], responses={200: AssessmentSerializer(many=True), **_errors(401)})
class AssessmentList(generics.ListAPIView):
    """Assessments the user may see: their own unit's; submitted ones for the appraisal team; all for admins."""

    serializer_class = AssessmentSerializer
    filterset_fields = ["state"]

    def get_queryset(self) -> QuerySet[Assessment]:
        qs = assessments_visible_to(self.request.user).order_by("-cycle__year", "unit__code")
        year = self.request.query_params.get("year")
        if year and year.isdigit():
            qs = qs.filter(cycle__year=int(year))
        return qs


@extend_schema(tags=["assessments"], responses={200: AssessmentSerializer, **_errors(401, 404)})
@api_view(["GET"])
def assessment_detail(request: Request, assessment_id: int) -> Response:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    return Response(AssessmentSerializer(assessment).data)


@extend_schema(tags=["assessments"], responses={200: ScoreLineSerializer(many=True), **_errors(401, 404)})
@api_view(["GET"])
def line_list(request: Request, assessment_id: int) -> Response:
    """Every line of an assessment (not paginated: 105 leaves at most per set)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    lines = selectors.score_lines_of_assessment(assessment=assessment).select_related("indicator")
    return Response(ScoreLineSerializer(lines, many=True).data)


def _edit_refusal(user: Any, assessment: Assessment) -> None:
    """As the HTML sheet: 403 for people outside the unit, 409 for the unit's people when state or deadline forbid."""
    if permissions.can_edit_self_assessment(user, assessment):
        return
    if not permissions.is_unit_member(user, assessment.unit_id):
        raise exceptions.PermissionDenied(_("Chỉ cán bộ của đơn vị được sửa bản tự đánh giá."))
    from scoring.errors import MSG_DEADLINE_PASSED, MSG_NOT_EDITABLE, StateConflict

    if assessment.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": assessment.get_state_display()}, code="not_editable")
    raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")


@extend_schema(
    tags=["assessments"],
    request=SelfSaveSerializer,
    responses={200: ScoreLineSerializer, **_errors(400, 401, 403, 404, 409)},
)
@api_view(["GET", "PUT"])
def line_detail(request: Request, assessment_id: int, line_id: int) -> Response:
    """Read one line, or save the unit's self-score (with the `version` read; 409 `stale_version` when stale)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    if request.method == "GET":
        return Response(ScoreLineSerializer(line).data)
    _edit_refusal(request.user, assessment)
    payload = SelfSaveSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    saved = services.score_line_save_self(
        line=line, actor=request.user, base_version=data["version"], value=data.get("value"),
        note=data.get("note"), not_applicable=data["not_applicable"],
        not_applicable_reason=data["not_applicable_reason"], explanation=data.get("explanation"),
    )
    return Response(ScoreLineSerializer(saved).data)


def _head_only(user: Any, assessment: Assessment, message: str) -> None:
    if not permissions.is_unit_head(user, assessment.unit_id):
        raise exceptions.PermissionDenied(message)


@extend_schema(
    tags=["assessments"], request=None, responses={200: AssessmentSerializer, **_errors(400, 401, 403, 404, 409)}
)
@api_view(["POST"])
def assessment_submit(request: Request, assessment_id: int) -> Response:
    """The unit head submits the self-assessment (400 `not_ready` with the problems while any remain)."""
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    _head_only(request.user, assessment, _("Chỉ thủ trưởng đơn vị được gửi bản tự đánh giá."))
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


# --- published results (public) ---------------------------------------------------------------------------


PublicationSummary = inline_serializer(
    "PublicationSummary",
    {
        "year": serializers.IntegerField(),
        "revision": serializers.IntegerField(),
        "document_number": serializers.CharField(),
        "document_date": serializers.DateField(),
        "published_at": serializers.DateTimeField(),
    },
)

RankingRow = inline_serializer(
    "RankingRow",
    {
        "unit_code": serializers.CharField(),
        "unit_name": serializers.CharField(),
        "group_code": serializers.CharField(),
        "index": serializers.CharField(),
        "rank": serializers.IntegerField(allow_null=True),
        "classification": serializers.CharField(),
    },
)

RankingTable = inline_serializer(
    "RankingTable",
    {"code": serializers.CharField(), "name": serializers.CharField(), "rows": RankingRow.__class__(many=True)},
)

Results = inline_serializer(
    "PublishedResults",
    {
        "year": serializers.IntegerField(),
        "revision": serializers.IntegerField(),
        "document_number": serializers.CharField(),
        "groups": RankingTable.__class__(many=True),
    },
)


def _summary(p: Any) -> dict[str, Any]:
    return {
        "year": p.cycle.year, "revision": p.revision, "document_number": p.document_number,
        "document_date": p.document_date, "published_at": p.published_at,
    }


@extend_schema(tags=["results"], responses={200: PublicationSummary.__class__(many=True)})
@api_view(["GET"])
@permission_classes([AllowAny])
def result_list(request: Request) -> Response:
    """Every published cycle (latest revision), newest year first. Public."""
    return Response([_summary(p) for p in publication_selectors.published_cycles()])


@extend_schema(tags=["results"], responses={200: Results, **_errors(404)})
@api_view(["GET"])
@permission_classes([AllowAny])
def result_detail(request: Request, year: int) -> Response:
    """A published cycle's rankings per group (filter with `group`, `classification`, `q`). Public; 404 until
    the year is published."""
    publication = publication_selectors.publication_get(year=year)
    params = request.query_params
    tables = publication_selectors.ranking_tables(
        snapshot=publication.snapshot, query=params.get("q", "")[:100], group=params.get("group", "")[:40],
        classification=params.get("classification", "")[:60],
    )
    keys = ("unit_code", "unit_name", "group_code", "index", "rank", "classification")
    groups = [
        {"code": t.code, "name": t.name, "rows": [{k: row.get(k) for k in keys} for row in t.rows]} for t in tables
    ]
    return Response({**_summary(publication), "groups": groups})


# --- access tokens for systems (administrators) -----------------------------------------------------------


@transaction.atomic
def api_token_issue(*, user: Any, actor: Any) -> Token:
    """Create (or replace) the user's API token; the token acts as that user with the user's roles."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    services.audit_record(
        actor=actor, action="api_token.issue", object_type="User", object_id=user.pk, changes={}
    )
    return token


@transaction.atomic
def api_token_revoke(*, user: Any, actor: Any) -> bool:
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        services.audit_record(
            actor=actor, action="api_token.revoke", object_type="User", object_id=user.pk, changes={}
        )
    return bool(deleted)


class TokenIssueSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


TokenSerializer = inline_serializer("ApiToken", {"username": serializers.CharField(), "token": serializers.CharField()})


def _require_admin(user: Any) -> None:
    if not permissions.is_administrator(user):
        raise exceptions.PermissionDenied(_("Chỉ quản trị viên được cấp hoặc thu hồi mã truy cập."))


def _user_by_name(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise exceptions.ValidationError({"username": [_("Không có người dùng «%(u)s».") % {"u": username}]})
    return user


@extend_schema(
    tags=["tokens"], request=TokenIssueSerializer, responses={201: TokenSerializer, **_errors(400, 401, 403)}
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def token_issue(request: Request) -> Response:
    """An administrator issues a token for a user (a system account); issuing again replaces the old token."""
    _require_admin(request.user)
    payload = TokenIssueSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    user = _user_by_name(payload.validated_data["username"])
    token = api_token_issue(user=user, actor=request.user)
    return Response({"username": user.get_username(), "token": token.key}, status=201)


@extend_schema(tags=["tokens"], request=TokenIssueSerializer, responses={204: None, **_errors(400, 401, 403, 404)})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def token_revoke(request: Request) -> Response:
    """An administrator revokes a user's token (404 when the user has none)."""
    _require_admin(request.user)
    payload = TokenIssueSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    user = _user_by_name(payload.validated_data["username"])
    if not api_token_revoke(user=user, actor=request.user):
        raise exceptions.NotFound()
    return Response(status=204)
