"""REST API of the publication: the publications, the administrators' preview and publish (or correct) action,
and the public open data (rankings per year and group, one unit's result, the JSON and CSV files).

Public reads need no login and read a Publication's immutable snapshot through the same selectors and exports
as the public pages: an unpublished year (or revision, group, unit) is a 404 in the one error format.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from cchc.api import ERR, ErrorSerializer, RefusalSerializer, error_body
from scoring import permissions
from scoring.api.common import CalendarDateField, InputSerializer, QuerySerializer, RevisionQuery
from scoring.authentication import PUBLIC_READ_AUTHENTICATION
from scoring.engine import round_half_up
from scoring.errors import ValidationFailed
from scoring.models import Cycle, Publication
from scoring.publication import downloads, selectors, services
from scoring.publication.criteria_identity import criteria_identity

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Năm (hoặc lần công bố) chưa được công bố")
CSV, JSON = downloads.CSV_TYPE, downloads.JSON_TYPE


# --- serializers ------------------------------------------------------------------------------------------


class PublicationSerializer(serializers.Serializer):
    year = serializers.IntegerField(source="cycle.year")
    revision = serializers.IntegerField()
    document_number = serializers.CharField()
    document_date = serializers.DateField()
    published_at = serializers.DateTimeField()
    reason = serializers.CharField(help_text="Lý do đính chính (trống ở lần công bố đầu).")
    latest = serializers.BooleanField(help_text="Lần công bố mới nhất của năm.")


class PublicationQuerySerializer(QuerySerializer):
    year = serializers.IntegerField(required=False, min_value=1900, max_value=9999)


class RankingQuerySerializer(RevisionQuery):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Tìm theo tên đơn vị.")
    classification = serializers.CharField(required=False, allow_blank=True, max_length=60)


class PublishSerializer(InputSerializer):
    document_number = serializers.CharField(max_length=200, help_text="Ví dụ: Công văn số 4567/UBND-NC")
    document_date = CalendarDateField(input_formats=["%d/%m/%Y", "iso-8601"], help_text="dd/mm/yyyy hoặc ISO.")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="",
        help_text="Lý do đính chính: bắt buộc khi năm đã được công bố (lần công bố mới là một đính chính).",
    )
    document_only = serializers.BooleanField(
        required=False, default=False,
        help_text="Xác nhận lần công bố mới chỉ đính chính thông tin văn bản (kết quả không đổi): bắt buộc khi kết "
                  "quả giống hệt lần công bố hiện hành, bị từ chối khi kết quả đã thay đổi.",
    )


Numbers = {
    "index": serializers.CharField(help_text="Chỉ số CCHC, dấu chấm thập phân, hai chữ số."),
    "total": serializers.CharField(),
    "normal_total": serializers.CharField(),
    "bonus": serializers.CharField(),
    "penalty": serializers.CharField(),
    "applicable_max": serializers.CharField(),
}

UNIT_KIND_HELP = gettext_lazy("Tên loại đơn vị lúc công bố (tiếng Việt, như văn bản công bố).")
UNIT_KIND_CODE_HELP = gettext_lazy(
    "Mã loại đơn vị, như trường `kind` của danh mục đơn vị (/api/v1/units/): không đổi khi loại đơn vị được đổi "
    "tên. Lần công bố trước khi có trường này: suy ra từ tên loại đơn vị lúc công bố; null khi không xác định chắc "
    "chắn được."
)

OpenDataRankingRow = inline_serializer(
    "OpenDataRankingRow",
    {
        "unit_code": serializers.CharField(),
        "unit_name": serializers.CharField(),
        "unit_short_name": serializers.CharField(),
        "unit_kind": serializers.CharField(help_text=UNIT_KIND_HELP),
        "unit_kind_code": serializers.CharField(allow_null=True, help_text=UNIT_KIND_CODE_HELP),
        "group_code": serializers.CharField(),
        "rank": serializers.IntegerField(allow_null=True),
        **Numbers,
        "classification": serializers.CharField(),
        "area_totals": serializers.DictField(child=serializers.CharField()),
        "not_submitted": serializers.BooleanField(
            help_text="Đơn vị không gửi báo cáo tự đánh giá (bản đánh giá được chuyển cho Tổ thẩm định khi quá hạn; "
                      "tiêu chí đơn vị không chấm được thẩm định 0 điểm)."),
    },
)

OpenDataGroup = inline_serializer(
    "OpenDataRankingGroup",
    {
        "code": serializers.CharField(),
        "name": serializers.CharField(),
        "size": serializers.IntegerField(help_text="Số đơn vị của khối (trước khi lọc)."),
        "rows": OpenDataRankingRow.__class__(many=True),
    },
)

PublicationRef = inline_serializer(
    "OpenDataPublication",
    {
        "year": serializers.IntegerField(),
        "revision": serializers.IntegerField(),
        "document_number": serializers.CharField(),
        "document_date": serializers.DateField(),
        "published_at": serializers.DateTimeField(),
        "reason": serializers.CharField(
            help_text="Lý do đính chính của lần công bố này (trống ở lần công bố đầu, `revision` 1)."
        ),
    },
)

Rankings = inline_serializer(
    "OpenDataRankings",
    {"publication": PublicationRef, "groups": OpenDataGroup.__class__(many=True)},
)

GroupRanking = inline_serializer(
    "OpenDataGroupRanking",
    {"publication": PublicationRef, "group": OpenDataGroup},
)

AreaResult = inline_serializer(
    "OpenDataAreaResult",
    {
        "code": serializers.CharField(),
        "name": serializers.CharField(),
        "max_points": serializers.CharField(),
        "score": serializers.CharField(),
        "group_average": serializers.CharField(),
    },
)

BreakdownNode = inline_serializer(
    "OpenDataBreakdownNode",
    {
        "code": serializers.CharField(),
        "name": serializers.CharField(),
        "level": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "max_points": serializers.CharField(),
        "is_leaf": serializers.BooleanField(),
        "score": serializers.CharField(allow_null=True),
        "not_applicable": serializers.BooleanField(),
        "counted": serializers.CharField(
            allow_null=True,
            help_text="Điểm được tính vào chỉ số của tiêu chí thành phần (tiêu chí không phát sinh được chấp nhận: "
                      "điểm tối đa khi tính theo điểm); null ở lĩnh vực, tiêu chí có tiêu chí con.",
        ),
        "note": serializers.CharField(help_text="Ghi chú của Tổ thẩm định: chỉ cho chính đơn vị và quản trị."),
        "criterion_id": serializers.IntegerField(
            allow_null=True,
            help_text="Mã định danh của tiêu chí qua các năm (cột `ma_dinh_danh` của CSV điểm từng tiêu chí): "
                      "không đổi khi tiêu chí được sao chép sang bộ của năm sau hay đổi mã; null khi lần công bố "
                      "không lưu nó.",
        ),
        "previous_year_code": serializers.CharField(
            allow_null=True,
            help_text="Mã của tiêu chí này trong năm công bố trước (cột `ma_tieu_chi_nam_truoc`); null khi không biết "
                      "hoặc tiêu chí mới.",
        ),
    },
)

HistoryPoint = inline_serializer(
    "OpenDataHistoryPoint",
    {
        "year": serializers.IntegerField(),
        "revision": serializers.IntegerField(),
        "unit_name": serializers.CharField(),
        "group_name": serializers.CharField(),
        "rank": serializers.IntegerField(allow_null=True),
        "group_size": serializers.IntegerField(),
        "index": serializers.CharField(),
        "classification": serializers.CharField(),
        "not_submitted": serializers.BooleanField(
            help_text="Năm đó đơn vị không gửi báo cáo tự đánh giá (thêm vào sau; như `not_submitted` của kết quả "
                      "năm đó): chỉ số năm đó là kết quả thẩm định bản đánh giá đơn vị để lại khi quá hạn, không so "
                      "sánh được với năm đơn vị tự đánh giá. false ở lần công bố trước khi có thông tin này."),
    },
)

UnitResult = inline_serializer(
    "OpenDataUnitResult",
    {
        "publication": PublicationRef,
        "result": OpenDataRankingRow,
        "group": inline_serializer(
            "OpenDataUnitGroup",
            {"code": serializers.CharField(), "name": serializers.CharField(), "size": serializers.IntegerField()},
        ),
        "indicator_set": inline_serializer(
            "OpenDataUnitSet",
            {"key": serializers.CharField(), "version": serializers.IntegerField(), "name": serializers.CharField(),
             "decision_ref": serializers.CharField()},
        ),
        "areas": AreaResult.__class__(many=True),
        "breakdown": BreakdownNode.__class__(many=True),
        "history": HistoryPoint.__class__(many=True),
    },
)

OpenDataDocument = inline_serializer(
    "OpenDataDocument",
    {
        "schema": serializers.CharField(
            help_text="cchc-ket-qua/1: ý nghĩa từng trường ở trang Dữ liệu mở, /du-lieu-mo/"
        ),
        "cycle": inline_serializer("OpenDataCycle", {"year": serializers.IntegerField(),
                                                     "name": serializers.CharField()}),
        "publication": inline_serializer(
            "OpenDataDocumentPublication",
            {"revision": serializers.IntegerField(), "document_number": serializers.CharField(),
             "document_date": serializers.DateField(), "published_at": serializers.DateTimeField(),
             "reason": serializers.CharField()},
        ),
        "indicator_sets": inline_serializer(
            "OpenDataDocumentSet",
            {"key": serializers.CharField(), "version": serializers.IntegerField(), "name": serializers.CharField(),
             "decision_ref": serializers.CharField(),
             "classification_bands": inline_serializer(
                 "OpenDataDocumentBand",
                 {"label": serializers.CharField(),
                  "min": serializers.CharField(help_text="Ngưỡng: chỉ số từ mức này trở lên (dấu chấm, hai chữ số).")},
                 many=True,
             )},
            many=True,
        ),
        "groups": inline_serializer(
            "OpenDataDocumentGroup", {"code": serializers.CharField(), "name": serializers.CharField()}, many=True
        ),
        "areas": inline_serializer(
            "OpenDataDocumentArea",
            {"code": serializers.CharField(), "name": serializers.CharField(), "max_points": serializers.CharField()},
            many=True,
        ),
        "results": inline_serializer(
            "OpenDataDocumentResult",
            {
                "unit_code": serializers.CharField(), "unit_name": serializers.CharField(),
                "unit_kind": serializers.CharField(help_text=UNIT_KIND_HELP),
                "unit_kind_code": serializers.CharField(allow_null=True, help_text=UNIT_KIND_CODE_HELP),
                "group_code": serializers.CharField(),
                "rank": serializers.IntegerField(allow_null=True), **Numbers,
                "classification": serializers.CharField(),
                "indicator_set": inline_serializer(
                    "OpenDataDocumentResultSet", {"key": serializers.CharField(), "version": serializers.IntegerField()}
                ),
                "area_totals": serializers.DictField(child=serializers.CharField()),
            },
            many=True,
        ),
    },
)

Preview = inline_serializer(
    "PublicationPreview",
    {
        "year": serializers.IntegerField(),
        "ready": serializers.BooleanField(help_text="Không còn vướng mắc: công bố được."),
        "blockers": serializers.ListField(child=serializers.CharField()),
        "revisions": PublicationSerializer(many=True),
        "groups": OpenDataGroup.__class__(many=True),
    },
)


# --- helpers ----------------------------------------------------------------------------------------------

ROW_KEYS = (
    "unit_code", "unit_name", "unit_short_name", "unit_kind", "group_code", "rank", "index", "total", "normal_total",
    "bonus", "penalty", "applicable_max", "classification", "area_totals",
)


def _row(row: dict[str, Any], codes: dict[str, str]) -> dict[str, Any]:
    """A published row; `codes`: the kinds' codes of a snapshot stored before its rows had them
    (`selectors.kind_codes`)."""
    return {**{k: row.get(k, "") for k in ROW_KEYS}, "unit_kind_code": selectors.row_kind_code(row, codes),
            "not_submitted": bool(row.get("not_submitted"))}


def _tables(snapshot: dict[str, Any], at: datetime | None, **filters: str) -> list[dict[str, Any]]:
    """The snapshot's ranking tables; `at`: when it was published (None: a preview)."""
    codes = selectors.kind_codes(snapshot, at)
    return [
        {"code": t.code, "name": t.name, "size": t.total, "rows": [_row(r, codes) for r in t.rows]}
        for t in selectors.ranking_tables(snapshot=snapshot, **filters)
    ]


def _ref(publication: Publication) -> dict[str, Any]:
    return {
        "year": publication.cycle.year, "revision": publication.revision,
        "document_number": publication.document_number, "document_date": publication.document_date,
        "published_at": published_at(publication), "reason": publication.reason,
    }


def published_at(publication: Publication) -> str:
    """As every date-time of the API (DRF's DateTimeField): ISO 8601 in local time, `+07:00`."""
    return serializers.DateTimeField().to_representation(publication.published_at)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _publication(request: Request, year: int, *, with_scores: bool = False) -> Publication:
    revision = _query(RevisionQuery, request).get("revision")
    return selectors.publication_get(year=year, revision=revision, with_scores=with_scores)


def _listing(publications: list[Publication], latest: set[tuple[int, int]]) -> list[dict[str, Any]]:
    for p in publications:
        p.latest = (p.cycle_id, p.revision) in latest  # type: ignore[attr-defined]
    return list(PublicationSerializer(publications, many=True).data)


def _latest_revisions() -> set[tuple[int, int]]:
    return {(p.cycle_id, p.revision) for p in selectors.published_cycles()}


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(round_half_up(value))


# --- publications -----------------------------------------------------------------------------------------


@extend_schema(
    tags=["publications"], parameters=[PublicationQuerySerializer],
    responses={200: PublicationSerializer(many=True), 400: ERR},
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def publication_list(request: Request) -> Response:
    """Every publication (corrections are later revisions of the same year), newest year and revision first.
    Public."""
    year = _query(PublicationQuerySerializer, request).get("year")
    qs = (Publication.objects.select_related("cycle").defer("snapshot", "scores", "notes")
          .order_by("-cycle__year", "-revision"))
    if year is not None:
        qs = qs.filter(cycle__year=year)
    return Response(_listing(list(qs), _latest_revisions()))


MSG_PUBLISH_ADMIN_ONLY = gettext_lazy("Chỉ quản trị viên (Sở Nội vụ) được xem trước và công bố kết quả.")
# the appraisal leads are told, by design, where their own preliminary table is (the team's oversight page)
MSG_PREVIEW_LEAD = gettext_lazy(
    "Chỉ quản trị viên (Sở Nội vụ) được xem trước và công bố kết quả. Tổ trưởng Tổ thẩm định xem kết quả sơ bộ "
    "(chưa công bố) ở bảng kết quả sơ bộ của trang tổng quan thẩm định."
)


def _require_publisher(user: Any) -> None:
    """Administrators only (`permissions.can_publish`); the refusal says so, and tells a lead where to look."""
    if not permissions.can_publish(user):
        lead = bool(getattr(user, "is_authenticated", False)) and permissions.is_appraisal_lead(user)
        raise exceptions.PermissionDenied(MSG_PREVIEW_LEAD if lead else MSG_PUBLISH_ADMIN_ONLY)


@extend_schema(tags=["publications"], responses={200: Preview, 401: ERR, 403: ERR, 404: ERR})
@api_view(["GET"])
def publication_preview(request: Request, year: int) -> Response:
    """Administrators: what publishing the year now would publish, and what still blocks it."""
    _require_publisher(request.user)
    cycle = get_object_or_404(Cycle, year=year)
    blockers = services.publication_blockers(cycle=cycle)
    snapshot, _scores = services.snapshot_build(cycle=cycle, with_scores=False)
    revisions = selectors.publication_revisions(cycle_id=cycle.pk)
    for p in revisions:
        p.cycle = cycle
    latest = {(cycle.pk, revisions[0].revision)} if revisions else set()
    return Response({
        "year": cycle.year, "ready": not blockers, "blockers": blockers,
        "revisions": _listing(revisions, latest), "groups": _tables(snapshot, None),
    })


@extend_schema(
    tags=["publications"], request=PublishSerializer,
    responses={
        201: PublicationSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: OpenApiResponse(RefusalSerializer)
    },
)
@api_view(["POST"])
def publication_publish(request: Request, year: int) -> Response:
    """Administrators publish the year's results as an immutable snapshot; when the year is already published
    this is a correction (a new revision, `reason` required). 409 `not_ready` (with `problems`) while any
    assessment is not signed off or its result is being recomputed. 400 `document_date_before_results` (field
    `document_date`) when the decision is dated before the day the latest result it publishes was signed off and
    computed (for a correction: of the results it changes); `invalid_publication` names the other refused fields
    (a date after today, before the cycle's year or before the revision it corrects)."""
    _require_publisher(request.user)
    cycle = get_object_or_404(Cycle, year=year)
    payload = PublishSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    try:
        publication = services.cycle_publish(
            cycle=cycle, document_number=data["document_number"], document_date=data["document_date"],
            reason=data["reason"], actor=request.user, document_only=data["document_only"],
        )
    except ValidationFailed as exc:
        if isinstance(exc.details, dict) and "field" not in exc.details:
            # The service names every refused field at once: the one error format's `fields`.
            fields = {str(k): [str(v)] for k, v in exc.details.items()}
            return Response(error_body(exc.code, exc.message, fields), status=exc.status)
        raise
    publication.latest = True  # type: ignore[attr-defined]
    return Response(PublicationSerializer(publication).data, status=201)


# --- open data (public) -----------------------------------------------------------------------------------


@extend_schema(
    tags=["open data"], parameters=[RankingQuerySerializer], responses={200: Rankings, 400: ERR, 404: NOT_FOUND}
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def rankings(request: Request, year: int) -> Response:
    """A published year's ranking of every group (filter with `q` and `classification`). Public."""
    params = _query(RankingQuerySerializer, request)
    publication = _publication(request, year)
    tables = _tables(
        publication.snapshot, publication.published_at, query=params.get("q", ""),
        classification=params.get("classification", ""),
    )
    return Response({"publication": _ref(publication), "groups": tables})


@extend_schema(
    tags=["open data"], operation_id="v1_open_data_group_ranking", parameters=[RevisionQuery],
    responses={200: GroupRanking, 400: ERR, 404: NOT_FOUND},
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def group_ranking(request: Request, year: int, group_code: str) -> Response:
    """One ranking group's published table (ties share a rank). Public; 404 for a group not in the year."""
    publication = _publication(request, year)
    tables = _tables(publication.snapshot, publication.published_at, group=group_code)
    table = next((t for t in tables if t["code"] == group_code), None)
    if table is None:
        raise exceptions.NotFound()
    return Response({"publication": _ref(publication), "group": table})


@extend_schema(
    tags=["open data"], parameters=[RevisionQuery], responses={200: UnitResult, 400: ERR, 404: NOT_FOUND}
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def unit_result(request: Request, year: int, unit_code: str) -> Response:
    """One unit's published result: index, rank, each area against the group's average, every criterion's
    published score and the unit's published years. Public; the appraisers' notes only for the unit's own
    people and administrators."""
    publication = _publication(request, year, with_scores=True)
    snap = publication.snapshot
    row = selectors.unit_row(snapshot=snap, unit_code=unit_code)
    notes = selectors.own_notes(user=request.user, publication=publication, unit_code=row["unit_code"],
                               unit_id=row["unit_id"])
    breakdown = selectors.unit_breakdown(snapshot=snap, scores=publication.scores, row=row, notes=notes)
    identity = criteria_identity(publication)
    average = selectors.group_area_average(snapshot=snap, group_code=row["group_code"], set_key=row["set_key"])
    indicator_set = snap["sets"][row["set_key"]]
    areas = [
        {"code": a["code"], "name": a["name"], "max_points": a["max_points"],
         "score": row["area_totals"].get(a["code"], "0.00"),
         "group_average": _dec(average.get(a["code"], Decimal("0")))}
        for a in selectors.areas({"sets": {row["set_key"]: indicator_set}})
    ]
    group_name = next((g["name"] for g in snap.get("groups", []) if g["code"] == row["group_code"]), "")
    return Response({
        "publication": _ref(publication),
        "result": _row(row, selectors.kind_codes(snap, publication.published_at)),
        "group": {"code": row["group_code"], "name": group_name,
                  "size": len(selectors.group_rows(snapshot=snap, group_code=row["group_code"]))},
        "indicator_set": {k: indicator_set[k] for k in ("key", "version", "name", "decision_ref")},
        "areas": areas,
        "breakdown": [
            {"code": n.code, "name": n.name, "level": n.level, "kind": n.kind, "max_points": _dec(n.max_points),
             "is_leaf": n.is_leaf, "score": _dec(n.score), "not_applicable": n.not_applicable,
             "counted": _dec(n.counted), "note": n.note,
             "criterion_id": identity.stable_id(row["set_key"], n.code),
             "previous_year_code": identity.previous_code(row["set_key"], n.code)}
            for n in breakdown
        ],
        "history": [
            {"year": h.year, "revision": h.revision, "unit_name": h.unit_name, "group_name": h.group_name,
             "rank": h.rank, "group_size": h.group_size, "index": _dec(h.index), "classification": h.classification,
             "not_submitted": h.not_submitted}
            for h in selectors.rank_history(unit_id=row["unit_id"], shown=publication)
        ],
    })


def _file(request: Request, year: int, name: str, build: Any) -> HttpResponseBase:
    """A publication's open-data file as the public page serves it: cached and revalidated (ETag, Last-Modified;
    a revision named by `revision`/`lan` never changes), compressed for a client that accepts gzip."""
    revision = _query(RevisionQuery, request).get("revision")
    publication = selectors.publication_get(year=year, revision=revision)
    return downloads.served(request, publication, name=name, pinned=revision is not None, compress=True,
                            build=lambda: build(publication))


@extend_schema(
    tags=["open data"], parameters=[RevisionQuery],
    responses={(200, JSON): OpenDataDocument, 400: ERR, 404: NOT_FOUND},
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def open_data_json(request: Request, year: int) -> HttpResponseBase:
    """The open-data JSON document of the year (schema `cchc-ket-qua/1`, documented at /du-lieu-mo/), byte for
    byte the file the public page offers. Public; ETag and Last-Modified for conditional requests."""
    return _file(request, year, "results.json", downloads.results_json)


@extend_schema(
    tags=["open data"], parameters=[RevisionQuery],
    responses={(200, CSV): OpenApiTypes.STR, 400: ERR, 404: NOT_FOUND},
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def open_data_csv(request: Request, year: int) -> HttpResponseBase:
    """The results table as CSV (UTF-8 with BOM, one row per unit; columns at /du-lieu-mo/). Public."""
    return _file(request, year, "results.csv", downloads.results_csv)


@extend_schema(
    tags=["open data"], parameters=[RevisionQuery],
    responses={(200, CSV): OpenApiTypes.STR, 400: ERR, 404: NOT_FOUND},
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def criteria_csv(request: Request, year: int) -> HttpResponseBase:
    """Every unit's published score of every scored criterion as CSV (long format; columns at /du-lieu-mo/).
    Public."""
    return _file(request, year, "criteria.csv", lambda publication: downloads.criteria_csv(publication,
                                                                                          actor=request.user))
