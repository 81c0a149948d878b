"""Published results (public, no sign-in)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from scoring.api.common import QuerySerializer, RevisionQuery, _errors
from scoring.authentication import PUBLIC_READ_AUTHENTICATION
from scoring.publication import selectors as publication_selectors

# --- published results (public) ---------------------------------------------------------------------------


PublicationSummary = inline_serializer(
    "PublicationSummary",
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

RankingRow = inline_serializer(
    "RankingRow",
    {
        "unit_code": serializers.CharField(),
        "unit_name": serializers.CharField(),
        "group_code": serializers.CharField(),
        "index": serializers.CharField(),
        "rank": serializers.IntegerField(allow_null=True),
        "classification": serializers.CharField(),
        "not_submitted": serializers.BooleanField(
            help_text="Đơn vị không gửi báo cáo tự đánh giá (bản đánh giá do quản trị chuyển Tổ thẩm định "
                      "khi quá hạn); false ở kết quả công bố trước khi có thông tin này."),
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
        "document_date": serializers.DateField(),
        "published_at": serializers.DateTimeField(),
        "reason": serializers.CharField(
            help_text="Lý do đính chính của lần công bố này (trống ở lần công bố đầu, `revision` 1)."
        ),
        "groups": RankingTable.__class__(many=True),
    },
)


def _summary(p: Any) -> dict[str, Any]:
    return {
        "year": p.cycle.year, "revision": p.revision, "document_number": p.document_number,
        "document_date": p.document_date, "published_at": serializers.DateTimeField().to_representation(p.published_at),
        "reason": p.reason,
    }


class ResultListQuery(QuerySerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, help_text="Năm của kỳ đánh giá.")


class ResultDetailQuery(RevisionQuery):
    group = serializers.SlugField(max_length=40, required=False, help_text="Mã khối xếp hạng (đúng một khối).")
    classification = serializers.CharField(max_length=60, required=False, help_text="Xếp loại.")
    q = serializers.CharField(max_length=100, required=False, help_text="Tìm theo tên đơn vị.")


@extend_schema(
    tags=["results"], parameters=[ResultListQuery],
    responses={200: PublicationSummary.__class__(many=True), **_errors(400)},
)
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def result_list(request: Request) -> Response:
    """Every published cycle (latest revision), newest year first (filter by `year`). Public."""
    query = ResultListQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    year = query.validated_data.get("year")
    return Response(
        [_summary(p) for p in publication_selectors.published_cycles() if year is None or p.cycle.year == year]
    )


@extend_schema(tags=["results"], parameters=[ResultDetailQuery], responses={200: Results, **_errors(400, 404)})
@api_view(["GET", "HEAD"])
@authentication_classes(PUBLIC_READ_AUTHENTICATION)
@permission_classes([AllowAny])
def result_detail(request: Request, year: int) -> Response:
    """A published cycle's rankings per group (filter with `group`, `classification`, `q`): the latest revision,
    or the one `revision` (alias `lan`) names. Public; 404 until the year is published or for a revision it does
    not have; 400 for a group the publication does not have or a revision that is not a number from 1 to 9999."""
    query = ResultDetailQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    publication = publication_selectors.publication_get(year=year, revision=params.get("revision"))
    group = params.get("group", "")
    snapshot = publication.snapshot
    known = {g.get("code") for g in snapshot.get("groups", [])}
    known |= {r.get("group_code") for r in snapshot.get("rows", [])}
    if group and group not in known:
        raise serializers.ValidationError(
            {"group": [_("Kết quả năm %(y)s không có khối xếp hạng «%(g)s».") % {"y": year, "g": group}]}
        )
    tables = publication_selectors.ranking_tables(
        snapshot=publication.snapshot, query=params.get("q", ""), group=group,
        classification=params.get("classification", ""),
    )
    keys = ("unit_code", "unit_name", "group_code", "index", "rank", "classification")
    groups = [
        {"code": t.code, "name": t.name,
         "rows": [{**{k: row.get(k) for k in keys}, "not_submitted": bool(row.get("not_submitted"))} for row in t.rows]}
        for t in tables
    ]
    return Response({**_summary(publication), "groups": groups})
