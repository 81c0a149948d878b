"""REST API of the evidence library: list, upload (streamed), download, link and unlink, delete; the files of a
leaf. The same permission checks (`evidence.permissions`) and services as the HTML pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appraisal.services.common import MSG_NOT_FLAGGED
from cchc.api import ERR, ErrorSerializer
from evidence import permissions, selectors, services
from evidence.models import EvidenceFile
from evidence.uploads import EvidenceUploadHandler, StreamedUpload
from evidence.views import _same_names, _stream
from scoring.api.common import InputSerializer, fields_for, self_edit_conflict
from scoring.errors import StateConflict
from scoring.models import Assessment, ScoreLine
from scoring.permissions import assessment_get_for_user, can_attach_evidence, can_edit_self_assessment, is_unit_member


class EvidenceFileSerializer(serializers.ModelSerializer):
    size = serializers.IntegerField(source="blob.size", read_only=True)
    content_type = serializers.CharField(source="blob.content_type", read_only=True)
    sha256 = serializers.CharField(source="blob.sha256", read_only=True)

    class Meta:
        model = EvidenceFile
        fields = ["id", "original_name", "size", "content_type", "sha256", "uploaded_at"]


NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Không tìm thấy")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Không có quyền (`permission_denied`)")
STATE_409 = OpenApiResponse(
    ErrorSerializer,
    description="Trạng thái không cho phép thay đổi: `not_editable`, `cycle_closed`, `deadline_passed` (bản đánh "
    "giá đã gửi, kỳ chưa mở hoặc đã công bố, quá hạn), `not_flagged` (vòng giải trình: tiêu chí không được yêu cầu "
    "giải trình), `closed`, `link_locked`, `not_linked` (bỏ gắn một tệp không gắn với dòng), `file_locked`.",
)
# The request field an upload's refusal is about.
UPLOAD_ERROR_FIELDS = {"bad_type": "file", "too_large": "file", "empty": "file"}


@extend_schema(tags=["evidence"], responses={200: EvidenceFileSerializer(many=True), 404: NOT_FOUND})
@api_view(["GET"])
def library(request: Request, assessment_id: int) -> Response:
    """The unit's evidence library for the assessment's cycle, newest first: every file for the unit's people and
    the administrators; for the appraisal team (whoever else may see the assessment), the files linked to its
    leaves only, not the unit's working drafts."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    files = selectors.evidence_library_visible(assessment=assessment, user=request.user)
    return Response(EvidenceFileSerializer(files, many=True).data)


@extend_schema(tags=["evidence"], responses={(200, "*/*"): OpenApiTypes.BINARY, 404: NOT_FOUND})  # the file's own type
@api_view(["GET"])
def download(request: Request, file_id: int) -> HttpResponseBase:
    """The file's content, streamed; 404 for files of units the user may not see."""
    evidence_file = permissions.evidence_get_for_user(user=request.user, file_id=file_id)
    return _stream(evidence_file, inline=False)


class UploadSerializer(InputSerializer):
    # An empty file is the service's refusal (400 `empty` on `file`, as the schema says), not DRF's `invalid`.
    file = serializers.FileField(allow_empty_file=True, help_text="Tệp tài liệu kiểm chứng (một tệp mỗi yêu cầu).")
    line_id = serializers.IntegerField(required=False, help_text="Gắn ngay vào dòng này (tuỳ chọn).")


class LinkSerializer(InputSerializer):
    file_id = serializers.IntegerField()
    line_id = serializers.IntegerField()


class SameNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Tệp cũ cùng tên trong thư viện.")
    original_name = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    replaceable = serializers.BooleanField(
        help_text="Có thể thay tệp cũ bằng tệp mới (`POST /evidence/{id mới}/replace/`); false khi tệp cũ đã nộp kèm "
        "bản đánh giá (tệp cũ được giữ cùng tệp mới).",
    )


class UploadedFileSerializer(EvidenceFileSerializer):
    same_name = SameNameSerializer(
        read_only=True, allow_null=True,
        help_text="Thư viện đã có tệp cùng tên (khác nội dung), tệp mới nhất trong số đó: cả hai tệp đều được giữ, "
        "như trên trang thư viện; null khi không có.",
    )

    class Meta(EvidenceFileSerializer.Meta):
        fields = [*EvidenceFileSerializer.Meta.fields, "same_name"]


class ReplaceSerializer(InputSerializer):
    old_id = serializers.IntegerField(help_text="Tệp cũ cùng tên được thay bằng tệp này.")


class ReplacedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Tệp mới, nay gắn với các tiêu chí của tệp cũ.")
    replaced = serializers.IntegerField(help_text="Tệp cũ, đã rời thư viện.")
    line_ids = serializers.ListField(child=serializers.IntegerField(), help_text="Các dòng đổi sang tệp mới.")


def _refusal(user: Any, assessment: Assessment, line: ScoreLine | None = None) -> Exception:
    """Why a change to the library or a line's evidence is refused, as the pages answer it: the unit's own people
    hear the state that forbids it (409 `not_editable`, `cycle_closed` or `deadline_passed`; during an open
    explanation round, on a leaf not flagged, 409 `not_flagged` as the line's explanation answers), anyone else
    lacks the right (403)."""
    if not is_unit_member(user, assessment.unit_id) or can_edit_self_assessment(user, assessment):
        return PermissionDenied()  # the refusal was about the right, not the state
    if permissions.explanation_open(assessment):
        if line is not None and not line.explanation_requested:
            return StateConflict(MSG_NOT_FLAGGED, code="not_flagged")
        return PermissionDenied()
    return self_edit_conflict(assessment)


def _file_of(user: Any, assessment: Assessment, file_id: int) -> EvidenceFile:
    """As the library page: a file the user may see, of this assessment's library (else 404)."""
    evidence_file = permissions.evidence_get_for_user(user=user, file_id=file_id)
    if evidence_file.unit_id != assessment.unit_id or evidence_file.cycle_id != assessment.cycle_id:
        raise Http404
    return evidence_file


def _line_of(assessment: Assessment, line_id: int) -> ScoreLine:
    line = ScoreLine.objects.select_related("indicator").filter(pk=line_id, assessment_id=assessment.pk).first()
    if line is None:
        raise Http404
    line.assessment = assessment
    return line


class EvidenceUpload(APIView):
    """Upload one file into the unit's library (streamed to disk, checked by type, size and content)."""

    parser_classes = [MultiPartParser]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # The streaming handler must be in place before anything reads the body.
        self.handler = EvidenceUploadHandler(request)
        request.upload_handlers = [self.handler]
        return super().initialize_request(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.handler.cleanup()
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        tags=["evidence"], request={"multipart/form-data": UploadSerializer},
        responses={
            201: OpenApiResponse(
                UploadedFileSerializer,
                description="Tệp mới được lưu vào thư viện (`same_name`: tệp cũ cùng tên, nếu có).",
            ),
            200: OpenApiResponse(
                UploadedFileSerializer,
                description="Thư viện đã có tệp cùng nội dung: trả về tệp đó, không tạo tệp mới (vẫn gắn vào "
                "`line_id` nếu có).",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="Dữ liệu không hợp lệ; tệp bị từ chối (`bad_type`, `too_large`, `empty`) nêu trường "
                "`file`, như khi gửi nhiều hơn một tệp.",
            ),
            401: ERR, 403: FORBIDDEN, 404: ERR, 409: STATE_409,
        },
    )
    def post(self, request: Request, assessment_id: int) -> Response:
        assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
        if not permissions.can_manage_library(request.user, assessment):
            raise _refusal(request.user, assessment)
        if len(request.FILES.getlist("file")) > 1:
            # only the last part would be read: the others must not be dropped without a word
            raise ValidationError({"file": [_("Chỉ nhận một tệp mỗi yêu cầu: hãy gửi từng tệp trong một yêu cầu.")]})
        payload = UploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        line = None
        if payload.validated_data.get("line_id") is not None:  # 0 is a line id like any other (none has it: 404)
            line = _line_of(assessment, payload.validated_data["line_id"])
            if not can_attach_evidence(request.user, line):
                raise _refusal(request.user, assessment, line)
        item = payload.validated_data["file"]
        try:
            with transaction.atomic(), fields_for(**UPLOAD_ERROR_FIELDS):
                evidence_file = services.evidence_upload(
                    unit=assessment.unit, cycle=assessment.cycle, uploaded_file=item, actor=request.user
                )
                if line is not None:
                    services.evidence_link(evidence_file=evidence_file, line=line, actor=request.user)
        finally:
            if isinstance(item, StreamedUpload):
                item.close()
        created = not getattr(evidence_file, "already_present", False)
        same = _same_names(assessment, [evidence_file]) if created else []
        evidence_file.same_name = (  # type: ignore[attr-defined]
            {"id": same[0].old_id, "original_name": same[0].old_name, "uploaded_at": same[0].old_uploaded_at,
             "replaceable": not same[0].locked} if same else None
        )
        return Response(UploadedFileSerializer(evidence_file).data, status=201 if created else 200)


def _file_and_line(request: Request, assessment_id: int) -> tuple[EvidenceFile, ScoreLine]:
    """The file and the line a link or unlink names, both of this assessment, when the user may change the
    line's evidence (else 404 or 403)."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = LinkSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    evidence_file = _file_of(request.user, assessment, payload.validated_data["file_id"])
    line = _line_of(assessment, payload.validated_data["line_id"])
    if not can_attach_evidence(request.user, line):
        raise _refusal(request.user, assessment, line)
    return evidence_file, line


@extend_schema(
    tags=["evidence"], request=LinkSerializer,
    responses={200: EvidenceFileSerializer, 400: ERR, 401: ERR, 403: FORBIDDEN, 404: ERR, 409: STATE_409},
)
@api_view(["POST"])
def link(request: Request, assessment_id: int) -> Response:
    """Link a library file to a line (while self-assessing, or a flagged line while explaining)."""
    evidence_file, line = _file_and_line(request, assessment_id)
    services.evidence_link(evidence_file=evidence_file, line=line, actor=request.user)
    return Response(EvidenceFileSerializer(evidence_file).data)


@extend_schema(
    tags=["evidence"], request=LinkSerializer,
    responses={204: None, 400: ERR, 401: ERR, 403: FORBIDDEN, 404: ERR, 409: STATE_409},
)
@api_view(["POST"])
def unlink(request: Request, assessment_id: int) -> Response:
    """Detach a file from a line (the file stays in the library). While explaining, only the links added in the
    current round can be removed (409 `link_locked`). A file that is not linked to the line, an unlink sent
    twice included, is refused with 409 `not_linked` and nothing changes, as on the library page (nobody is told
    that something was removed when nothing was)."""
    evidence_file, line = _file_and_line(request, assessment_id)
    services.evidence_unlink(evidence_file=evidence_file, line=line, actor=request.user)
    return Response(status=204)


@extend_schema(tags=["evidence"], responses={204: None, 401: ERR, 403: FORBIDDEN, 404: ERR, 409: STATE_409})
@api_view(["DELETE"])
def delete(request: Request, file_id: int) -> Response:
    """Remove a file from the unit's library while the library accepts changes; a file linked to a submitted
    assessment stays (409 `file_locked`)."""
    evidence_file = permissions.evidence_get_for_user(user=request.user, file_id=file_id)
    assessment = permissions.library_assessment(evidence_file)
    if assessment is None:
        raise PermissionDenied
    if not permissions.can_manage_library(request.user, assessment):
        raise _refusal(request.user, assessment)
    services.evidence_delete(evidence_file=evidence_file, actor=request.user)
    return Response(status=204)


class LineFileSerializer(EvidenceFileSerializer):
    link_locked = serializers.BooleanField(
        read_only=True, help_text="Gắn trước khi gửi (hoặc ở vòng giải trình trước): được giữ nguyên."
    )
    removable = serializers.BooleanField(read_only=True, help_text="Người dùng gỡ được liên kết này.")

    class Meta(EvidenceFileSerializer.Meta):
        fields = [*EvidenceFileSerializer.Meta.fields, "link_locked", "removable"]


@extend_schema(tags=["evidence"], responses={200: LineFileSerializer(many=True), 401: ERR, 404: ERR})
@api_view(["GET"])
def line_files(request: Request, assessment_id: int, line_id: int) -> Response:
    """The files linked to one leaf, in the order they were linked (whoever may see the assessment)."""
    assessment = assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    line = _line_of(assessment, line_id)
    files = selectors.evidence_by_line(assessment=assessment).get(line.pk, [])
    may_attach = can_attach_evidence(request.user, line)
    for evidence_file in files:
        evidence_file.removable = may_attach and not evidence_file.link_locked  # type: ignore[attr-defined]
    return Response(LineFileSerializer(files, many=True).data)


@extend_schema(
    tags=["evidence"], request=ReplaceSerializer,
    responses={200: ReplacedSerializer, 400: ERR, 401: ERR, 403: FORBIDDEN, 404: ERR, 409: STATE_409},
)
@api_view(["POST"])
def replace(request: Request, file_id: int) -> Response:
    """Replace the older file `old_id` of the same name by this one (a corrected scan uploaded again), as the library
    page's «Thay tệp cũ»: this file takes the old one's leaves and the old one leaves the library. Refused, nothing
    changed: files of different libraries (400 `wrong_library`) or names (400 `not_same_name`), the same file
    (400 `same_file`), an old file locked by a submission (409 `file_locked`), a library closed to changes."""
    new_file = permissions.evidence_get_for_user(user=request.user, file_id=file_id)
    assessment = permissions.library_assessment(new_file)
    if assessment is None:
        raise PermissionDenied
    if not permissions.can_manage_library(request.user, assessment):
        raise _refusal(request.user, assessment)
    payload = ReplaceSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    old_file = permissions.evidence_get_for_user(user=request.user, file_id=payload.validated_data["old_id"])
    lines = services.evidence_replace(old_file=old_file, new_file=new_file, actor=request.user)
    return Response({"id": new_file.pk, "replaced": old_file.pk, "line_ids": [line.pk for line in lines]})
