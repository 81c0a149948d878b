"""REST API of the appraisal: the queue, the review actions, explanation rounds (both sides), sign-off, reopen.

Same permission checks (`appraisal.permissions`) and the same services as the HTML views; domain errors become
the one API error format in `cchc.api.exception_handler`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from appraisal import forms, permissions, selectors, services
from appraisal.models import ExplanationRound, LineHistory
from appraisal.selectors.explanation import (
    FeedbackLine,
    agreed_in_round,
    feedback_answers,
    leaves_to_mark_seen,
    new_explanations_for,
)
from appraisal.services.common import MSG_VALUE_REQUIRED
from appraisal.services.rounds import (
    MSG_AGREE_WITHOUT_TEXT,
    QUESTION_LIMIT,
    explanation_agree_remaining,
    line_agree,
)
from cchc.api import ERR, PAGE_SIZE_MESSAGE, Pagination
from scoring.api import AssessmentSerializer, ScoreLineSerializer
from scoring.api.common import (
    InputSerializer,
    QuerySerializer,
    ScoreValueInput,
    fields_for,
    refuse_body,
    value_fields,
)
from scoring.api.filters import MSG_NO_CYCLE, MSG_NO_CYCLE_YEAR
from scoring.api.serializers import STALE_LINE_409
from scoring.errors import DomainError, ValidationFailed
from scoring.models import Assessment, Cycle, Indicator, RankingGroup, ScoreLine
from scoring.permissions import is_unit_head, is_unit_member
from scoring.selectors import leaf_rule
from scoring.templatetags.scoring_tags import score as score_text


def api_refusals(view: Callable[..., Response]) -> Callable[..., Response]:
    """A refusal for a missing assignment in an API caller's words (`AssignmentRefused.api_message`: which assignment
    is needed, nothing about reloading a page)."""

    @functools.wraps(view)
    def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return view(request, *args, **kwargs)
        except permissions.AssignmentRefused as exc:
            raise PermissionDenied(exc.api_message) from exc

    return wrapped


MSG_API_REOPEN_ROLE = gettext_lazy("Chỉ quản trị viên được mở lại bản đánh giá đã thông qua.")
MSG_API_RESUBMIT_ROLE = gettext_lazy(
    "Chỉ thủ trưởng đơn vị được gửi giải trình cho Tổ thẩm định; cán bộ của đơn vị lưu giải trình từng tiêu chí."
)
MSG_API_EXPLAIN_ROLE = gettext_lazy(
    "Chỉ cán bộ của đơn vị được giải trình hoặc đồng ý với kết quả thẩm định (quản trị viên chỉ xem)."
)
MSG_API_QUEUE_ROLE = gettext_lazy(
    "Chỉ thành viên Tổ thẩm định, Tổ trưởng và quản trị viên xem được danh sách thẩm định."
)


class AppraiseSerializer(ScoreValueInput):
    version = serializers.IntegerField(min_value=1)
    value = serializers.DictField(help_text="Số liệu thẩm định theo phương pháp chấm.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


@extend_schema(
    tags=["appraisal"], request=AppraiseSerializer,
    responses={200: ScoreLineSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: STALE_LINE_409},
)
@api_view(["POST"])
@api_refusals
def appraise_line(request: Request, assessment_id: int, line_id: int) -> Response:
    """The appraiser's input for one leaf of an assigned area (a reason is required when it differs). On a leaf
    the unit declared «không phát sinh», a score (with its reason) means the team does not accept it. In a round
    after the first, a score changed from the previous round's needs a reason of this round, not none nor that
    round's (400 `round_reason_required`, field `note`); a score kept with no reason keeps that round's."""
    _assessment, line = selectors.line_to_appraise(request.user, assessment_id, line_id)
    payload = AppraiseSerializer(data=request.data, context={"rule": leaf_rule(line.indicator)})
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    with value_fields():
        try:
            saved = services.line_appraise(
                line=line, actor=request.user, base_version=data["version"], value=data["value"], note=data["note"]
            )
        except DomainError as exc:
            if exc.code == "missing_value" and not data["value"]:
                refusal = _empty_value_refusal(line)
                raise refusal from refusal.__cause__  # the rule's refusal, which `value_fields` names
            raise
    return Response(ScoreLineSerializer(saved).data)


def _empty_value_refusal(line: ScoreLine) -> DomainError:
    """An empty `value` refused as the self-score save refuses it: the leaf's rule names the first input it lacks
    (`value.numerator` once `value_fields` has named it); `value` as a whole if the rule names none."""
    from scoring import engine
    from scoring.errors import engine_failure

    try:
        engine.score_leaf(leaf_rule(line.indicator), {})
    except engine.ScoringInputError as err:
        refusal = engine_failure(err)
        refusal.__cause__ = err
        return refusal
    except engine.EngineError:
        pass
    return ValidationFailed(MSG_VALUE_REQUIRED, code="missing_value", details={"field": "value"})


class SignOffSerializer(InputSerializer):
    confirm_unread_explanations = serializers.BooleanField(
        required=False, default=False,
        help_text="Xác nhận thông qua dù còn giải trình mới chưa xem (như ô «Tôi đã đọc / vẫn thông qua» của trang "
        "thẩm định): các giải trình đó được ghi là đã xem. Thiếu xác nhận khi còn giải trình mới chưa xem: 400 "
        "`unread_explanations`, liệt kê các tiêu chí trong `problem_details`.",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, default=None,
        help_text="Phiên bản của bản đánh giá (`version` của `/assessments/{id}/`) mà người thông qua đã xem. Nếu từ "
        "phiên bản đó đến nay có người khác thay đổi tiêu chí nào, chỉ số được thông qua sẽ không phải số đã xem: "
        "409 `changed_since_seen`, `problem_details` nêu từng tiêu chí, người thay đổi và lúc nào; hãy đọc lại bản "
        "đánh giá rồi gửi lại với phiên bản mới. Bỏ trường này: không kiểm tra (không khuyến nghị).",
    )


@extend_schema(
    tags=["appraisal"], request=SignOffSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def sign_off(request: Request, assessment_id: int) -> Response:
    """The appraisal lead signs off an assessment whose every leaf the team has decided: an appraised score, or
    the unit's «không phát sinh» accepted (400 `missing_appraisal` naming the undecided leaves otherwise). New
    explanations the team has not looked at (a line's `explanation_new`, the queue's `new_explanations`) must be
    confirmed with `confirm_unread_explanations` (400 `unread_explanations` naming their leaves otherwise); no body
    is taken as no confirmation. With `version` (the assessment's, as read), a leaf changed by someone else since
    refuses it (409 `changed_since_seen`, naming the leaves)."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    confirmed = False
    version = None
    if request.data is not None and not (isinstance(request.data, Mapping) and not request.data):
        payload = SignOffSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        confirmed = payload.validated_data["confirm_unread_explanations"]
        version = payload.validated_data["version"]
    saved = services.assessment_sign_off(assessment=assessment, actor=request.user, unread_confirmed=confirmed,
                                         base_version=version)
    return Response(AssessmentSerializer(saved).data)


class QuestionInput(InputSerializer):
    line_id = serializers.IntegerField(min_value=1, help_text="Dòng (`id` của dòng điểm) được hỏi.")
    question = serializers.CharField(
        allow_blank=True, help_text=f"Câu hỏi cho đơn vị về tiêu chí này (tối đa {QUESTION_LIMIT} ký tự).",
    )


class ExplanationRequestSerializer(InputSerializer):
    deadline = serializers.CharField(help_text="Hạn giải trình: yyyy-mm-dd hoặc dd/mm/yyyy (hết ngày, giờ địa phương).")
    line_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None,
        help_text="Các dòng (`id` của dòng điểm) cần giải trình. Bỏ trường này hoặc gửi null = mọi tiêu chí thành "
        "phần (trừ tiêu chí lấy điểm từ điều tra xã hội học), như ô «toàn bộ» của trang thẩm định. Danh sách rỗng "
        "`[]` bị từ chối (400 `nothing_flagged` trên trường `line_ids`); một dòng không thuộc bản đánh giá: 400 "
        "`unknown_line` trên `line_ids`.",
    )
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="",
        help_text="Nội dung yêu cầu chung: đơn vị đọc bên cạnh các tiêu chí không có câu hỏi riêng (`questions`) và "
        "chưa có điểm thẩm định kèm lý do. Bắt buộc khi có tiêu chí như vậy trong yêu cầu (400 `question_required`, "
        "`problem_details` nêu các tiêu chí).",
    )
    questions = QuestionInput(
        many=True, required=False, default=list,
        help_text="Câu hỏi của Tổ thẩm định cho từng tiêu chí được yêu cầu giải trình (không bắt buộc; mỗi tiêu chí "
        f"một câu hỏi, tối đa {QUESTION_LIMIT} ký tự): đơn vị đọc bên cạnh tiêu chí đó; lưu cùng vòng giải trình "
        "(`questions` của `/rounds/`). Câu hỏi rỗng được bỏ qua. Câu hỏi quá dài hoặc có ký tự ẩn: 400 "
        "`question_invalid`; câu hỏi cho tiêu chí không được chọn: 400 `question_not_flagged`; dòng không thuộc "
        "bản đánh giá: 400 `unknown_line` (trên trường `questions`).",
    )
    documents = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list,
        help_text="Các dòng (`id` của dòng điểm) Tổ thẩm định chỉ đề nghị «Bổ sung tài liệu kiểm chứng» thay cho giải "
        "trình, như cột cùng tên của trang yêu cầu giải trình: tài liệu đơn vị gắn vào tiêu chí đó trong vòng giải "
        "trình là câu trả lời (ghi chú không bắt buộc); tiêu chí đó không cần câu hỏi riêng hay `message`. Mỗi dòng "
        "phải là một tiêu chí được yêu cầu (trong `line_ids`, hoặc mọi tiêu chí khi bỏ `line_ids`): nếu không, 400 "
        "`documents_not_flagged`, `problem_details` nêu tiêu chí; dòng không thuộc bản đánh giá: 400 `unknown_line` "
        "trên trường `documents`. Lưu cùng vòng giải trình (`documents` của `/rounds/`).",
    )

    def validate_questions(self, value: list[dict[str, Any]]) -> dict[int, str]:
        asked: dict[int, str] = {}
        for item in value:
            if item["line_id"] in asked:
                raise ValidationError(_("Dòng %(id)s có hơn một câu hỏi: mỗi tiêu chí chỉ một câu hỏi.")
                                      % {"id": item["line_id"]})
            asked[item["line_id"]] = item["question"]
        return asked


@extend_schema(
    tags=["appraisal"], request=ExplanationRequestSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def request_explanation(request: Request, assessment_id: int) -> Response:
    """The lead returns the assessment (or chosen lines) to the unit for explanation with a deadline: `line_ids`
    omitted or null flags every leaf except the survey's; a list flags exactly those lines; an empty list is
    refused (400 `nothing_flagged` on `line_ids`). A line without an appraised score and its reason needs its own
    question (`questions`) or the request's `message` (400 `question_required`, naming the lines), as on the request
    page, unless it is asked for documents only (`documents`, each a line flagged: 400 `documents_not_flagged`
    naming it otherwise). A refused request changes nothing."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = ExplanationRequestSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    deadline = forms.deadline_from_post(data["deadline"])
    with fields_for(unknown_line="line_ids", nothing_flagged="line_ids"):
        services.explanation_request(
            assessment=assessment, actor=request.user, deadline=deadline, line_ids=data["line_ids"],
            message=data["message"], questions=data["questions"], documents=data["documents"],
            require_questions=True,
        )
    assessment.refresh_from_db()
    return Response(AssessmentSerializer(assessment).data)


class ReopenSerializer(InputSerializer):
    reason = serializers.CharField(max_length=5000, allow_blank=True)


@extend_schema(
    tags=["appraisal"], request=ReopenSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def reopen(request: Request, assessment_id: int) -> Response:
    """An administrator reopens a signed-off assessment with a reason (recorded)."""
    if not permissions.can_reopen(request.user):
        raise PermissionDenied(MSG_API_REOPEN_ROLE)
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = ReopenSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    saved = services.assessment_reopen(
        assessment=assessment, actor=request.user, reason=payload.validated_data["reason"]
    )
    return Response(AssessmentSerializer(saved).data)


# --- review actions the review page offers ---------------------------------------------------------------


class VersionSerializer(InputSerializer):
    version = serializers.IntegerField(min_value=1, help_text="Phiên bản của dòng mà người dùng đã xem.")


@extend_schema(
    tags=["appraisal"], request=VersionSerializer,
    responses={200: ScoreLineSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: STALE_LINE_409},
)
@api_view(["POST"])
@api_refusals
def accept_line(request: Request, assessment_id: int, line_id: int) -> Response:
    """Accept the unit's self-score of one leaf as the appraised score, or its «không phát sinh» (until accepted or
    overruled, that declaration waits for the team and sign-off is refused); 409 `stale_version` when stale."""
    _assessment, line = selectors.line_to_appraise(request.user, assessment_id, line_id)
    payload = VersionSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    saved = services.line_accept_self(line=line, actor=request.user, base_version=payload.validated_data["version"])
    return Response(ScoreLineSerializer(saved).data)


AreaAccepted = inline_serializer(
    "AreaAccepted", {
        "accepted": serializers.IntegerField(),
        "skipped": serializers.IntegerField(help_text="Số tiêu chí bỏ qua, kể cả các tiêu chí nêu ở hai trường sau."),
        "not_applicable": serializers.IntegerField(help_text="Số tiêu chí «không phát sinh» trong số đã chấp nhận."),
        "evidence_missing": serializers.ListField(
            child=serializers.CharField(),
            help_text="Mã các tiêu chí «Cần tài liệu kiểm chứng» mà đơn vị không gửi tài liệu: không được chấp nhận "
            "cùng cả lĩnh vực, Tổ thẩm định quyết định từng tiêu chí.",
        ),
        "awaiting_explanation": serializers.ListField(
            child=serializers.CharField(),
            help_text="Mã các tiêu chí đang chờ đơn vị giải trình (vòng giải trình đang mở): thẩm định lại khi vòng "
            "giải trình kết thúc.",
        ),
        "evidence_noted": serializers.ListField(
            child=serializers.CharField(),
            help_text="Mã các tiêu chí «Cần tài liệu kiểm chứng» không có tài liệu nhưng có ghi chú hoặc giải trình "
            "của đơn vị về tài liệu, được chấp nhận theo lời đơn vị (các tiêu chí gửi trong noted_lines); nằm trong "
            "số accepted.",
        ),
    }
)
AREA_ACCEPTED_FIELDS = (
    "accepted", "skipped", "not_applicable", "evidence_missing", "awaiting_explanation", "evidence_noted",
)


class AreaAcceptInput(InputSerializer):
    noted_lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list,
        help_text="Id các dòng (tiêu chí) Tổ thẩm định chọn chấp nhận không có tài liệu kiểm chứng, sau khi đọc ghi "
        "chú hoặc giải trình của đơn vị về tài liệu (ví dụ lưu bản giấy tại đơn vị): mỗi tiêu chí là một quyết định "
        "riêng. Khi gửi, chỉ các tiêu chí này được chấp nhận (không tiêu chí nào khác của lĩnh vực); một tiêu chí "
        "không còn chưa thẩm định, thiếu tài liệu và có ghi chú của đơn vị thì không tiêu chí nào được chấp nhận.",
    )


@extend_schema(
    tags=["appraisal"], request=AreaAcceptInput,
    responses={200: AreaAccepted, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def accept_area(request: Request, assessment_id: int, area_id: int) -> Response:
    """Accept what the unit declared for every undecided leaf of one area (only the criteria assigned to the user):
    the self-score, or the unit's «không phát sinh» (counted apart in `not_applicable`); survey and unscored
    leaves are skipped, and so are, named, the leaves needing evidence the unit did not send (`evidence_missing`)
    and, during an explanation round, the leaves it flagged (`awaiting_explanation`). With `noted_lines`,
    only those leaves, each missing evidence the unit wrote a note or explanation on, are accepted, on the unit's
    word (`evidence_noted`). Each leaf is audited."""
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    area, mine = selectors.area_to_accept(request.user, assessment, area_id)
    payload = AreaAcceptInput(data=request.data or {})
    payload.is_valid(raise_exception=True)
    if noted := payload.validated_data["noted_lines"]:
        counts = services.area_accept_noted(assessment=assessment, area=area, actor=request.user, leaf_ids=mine,
                                            line_ids=set(noted))
    else:
        counts = services.area_accept_self(assessment=assessment, area=area, actor=request.user, leaf_ids=mine)
    return Response({key: counts[key] for key in AREA_ACCEPTED_FIELDS})


ExplanationsSeen = inline_serializer(
    "ExplanationsSeen", {
        "marked": serializers.ListField(
            child=serializers.CharField(),
            help_text="Mã các tiêu chí vừa được đánh dấu đã xem giải trình, theo thứ tự của bộ chỉ số; rỗng khi không "
            "còn giải trình mới nào chưa xem (gửi lại lần nữa không đổi gì).",
        ),
        "remaining": serializers.IntegerField(
            help_text="Số tiêu chí người dùng thẩm định trong bản đánh giá vẫn còn giải trình mới chưa xem.",
        ),
    }
)


def _explanations_seen_answer(user: Any, assessment: Assessment, marked: list[str]) -> Response:
    return Response({"marked": marked, "remaining": new_explanations_for(user=user, assessment=assessment).total})


@extend_schema(
    tags=["appraisal"], request=None,
    responses={200: ExplanationsSeen, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def explanation_seen_line(request: Request, assessment_id: int, line_id: int) -> Response:
    """Mark read the leaf's new explanation (sent by the unit in the explanation round that just ended) without
    deciding the leaf again, as the review page's «Đã xem giải trình»: no score, note or version changes; audited
    (`score_line.explanation_seen`). A decision on the leaf (appraise, accept) marks it read by itself. Only a leaf of
    the user's areas (403 otherwise); 409 `not_appraising` outside the appraisal."""
    assessment, line = selectors.line_to_appraise(request.user, assessment_id, line_id)
    refuse_body(request)
    marked = services.explanations_mark_seen(assessment=assessment, actor=request.user,
                                             leaf_ids={line.indicator_id})
    return _explanations_seen_answer(request.user, assessment, marked)


class AreaInput(InputSerializer):
    """One area of the assessment's set, by its id (`area`) or its code (`area_code`, as the queue's `area` takes it
    and as the pages show it: "2"), or neither: every area."""

    area = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text="Mã số (id) lĩnh vực: chỉ các tiêu chí của lĩnh vực này (bỏ trống: mọi lĩnh vực).",
    )
    area_code = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20,
        help_text="Hoặc mã lĩnh vực trong bộ chỉ số (ví dụ \"2\"), thay cho `area`; không gửi cả hai.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        code = attrs.pop("area_code", "").strip()
        if code and attrs.get("area") is not None:
            both = _("Chỉ gửi một trong hai: area (mã số) hoặc area_code (mã lĩnh vực).")
            raise ValidationError({"area_code": [both]})
        if code:
            assessment = self.context["assessment"]
            area_id = (Indicator.objects.filter(indicator_set_id=assessment.indicator_set_id, parent__isnull=True,
                                                code=code).values_list("pk", flat=True).first())
            if area_id is None:
                raise ValidationError({"area_code": [_("Bộ chỉ số của bản đánh giá không có lĩnh vực «%(code)s».")
                                                     % {"code": code}]})
            attrs["area"] = area_id
        return attrs


class ExplanationsSeenSerializer(AreaInput):
    pass


@extend_schema(
    tags=["appraisal"], request=ExplanationsSeenSerializer,
    responses={200: ExplanationsSeen, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def explanations_seen(request: Request, assessment_id: int) -> Response:
    """Mark read every new explanation of the leaves the user appraises, in the whole assessment or one `area`, as
    the review page's «Đánh dấu đã xem» (and an area's «Đã xem»): no score changes; each leaf audited. 400 on `area`
    for an area not of the assessment's set; 403 when none of its leaves is the user's; 409 `not_appraising`
    outside the appraisal."""
    assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = ExplanationsSeenSerializer(data=request.data, context={"assessment": assessment})
    payload.is_valid(raise_exception=True)
    try:
        _area, leaves = leaves_to_mark_seen(user=request.user, assessment=assessment,
                                            area_id=payload.validated_data["area"])
    except Http404:
        raise ValidationError({"area": [_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá.")]}) from None
    marked = services.explanations_mark_seen(assessment=assessment, actor=request.user, leaf_ids=leaves)
    return _explanations_seen_answer(request.user, assessment, marked)


class ZeroUnscoredSerializer(AreaInput):
    reason = serializers.CharField(max_length=5000, allow_blank=True,
                                   help_text="Lý do, ghi vào từng tiêu chí được chấm 0 điểm (bắt buộc).")


ZeroUnscored = inline_serializer(
    "ZeroUnscored", {
        "zeroed": serializers.IntegerField(help_text="Số tiêu chí đã chấm 0 điểm."),
        "skipped": serializers.ListField(
            child=serializers.CharField(),
            help_text="Mã các tiêu chí không có số liệu nào cho 0 điểm: Tổ thẩm định chấm từng tiêu chí."),
    }
)


@extend_schema(
    tags=["appraisal"], request=ZeroUnscoredSerializer,
    responses={200: ZeroUnscored, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def zero_unscored(request: Request, assessment_id: int) -> Response:
    """The lead scores 0 every leaf the unit did not score (no self-score, no «không phát sinh») and the team has
    not decided, in the whole assessment or one `area`, with a `reason` (400 `reason_required` without). Each leaf
    is appraised and audited on its own; leaves with a self-score or an appraised score, and survey leaves, are left
    as they are; a leaf no input scores 0 is listed in `skipped`. Sent again, it finds nothing left (`zeroed` 0)."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = ZeroUnscoredSerializer(data=request.data, context={"assessment": assessment})
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    area = None
    if data["area"] is not None:
        area = Indicator.objects.filter(pk=data["area"]).first()
        if area is None:
            raise ValidationError({"area": [_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá.")]})
    with fields_for(wrong_area="area"):
        done = services.assessment_zero_unscored(
            assessment=assessment, actor=request.user, reason=data["reason"], area=area
        )
    return Response(done)


@extend_schema(
    tags=["appraisal"], request=None,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def start(request: Request, assessment_id: int) -> Response:
    """The lead starts the appraisal explicitly (the unit can no longer withdraw)."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    refuse_body(request)
    saved = services.appraisal_start(assessment=assessment, actor=request.user)
    return Response(AssessmentSerializer(saved).data)


class CloseExplanationSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


@extend_schema(
    tags=["appraisal"], request=CloseExplanationSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def close_explanation(request: Request, assessment_id: int) -> Response:
    """The lead ends an explanation round whose deadline passed without the unit's resubmission
    (409 `deadline_not_passed` before the deadline); the appraisal goes on in the next round."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = CloseExplanationSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    saved = services.explanation_close(
        assessment=assessment, actor=request.user, reason=payload.validated_data["reason"]
    )
    return Response(AssessmentSerializer(saved).data)


class WithdrawExplanationSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=5000, allow_blank=True,
        help_text="Lý do rút lại yêu cầu giải trình (bắt buộc; ghi vào nhật ký và gửi cho đơn vị).",
    )


@extend_schema(
    tags=["appraisal"], request=WithdrawExplanationSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def withdraw_explanation(request: Request, assessment_id: int) -> Response:
    """The lead withdraws the open explanation round before its deadline, with a `reason` (400 `reason_required`
    without): the appraisal goes on in the next round; explanations already written are kept; the unit's people
    are e-mailed. 409 `not_explaining` when no round is open, `deadline_passed` once overdue (close it instead)."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = WithdrawExplanationSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    saved = services.explanation_withdraw(
        assessment=assessment, actor=request.user, reason=payload.validated_data["reason"]
    )
    return Response(AssessmentSerializer(saved).data)


class ExplanationDeadlineSerializer(InputSerializer):
    deadline = serializers.CharField(
        help_text="Hạn giải trình mới: yyyy-mm-dd hoặc dd/mm/yyyy (hết ngày, giờ địa phương); sau thời điểm hiện "
        "tại, không quá giới hạn của kỳ.",
    )
    reason = serializers.CharField(
        max_length=5000, allow_blank=True,
        help_text="Lý do đổi hạn giải trình (bắt buộc; ghi vào nhật ký).",
    )


@extend_schema(
    tags=["appraisal"], request=ExplanationDeadlineSerializer,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def change_explanation_deadline(request: Request, assessment_id: int) -> Response:
    """The lead moves the open round's deadline (shorter, or more time, also once it has passed) with a `reason`;
    the unit's people are e-mailed the new deadline. 400 on `deadline` (`deadline_in_past`, `deadline_too_late`,
    `deadline_unchanged`, `bad_deadline`) or `reason` (`reason_required`); 409 `not_explaining` without an open
    round."""
    assessment = permissions.lead_get_for_user(user=request.user, assessment_id=assessment_id)
    payload = ExplanationDeadlineSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    deadline = forms.deadline_from_post(data["deadline"])
    services.explanation_deadline_change(
        assessment=assessment, actor=request.user, deadline=deadline, reason=data["reason"]
    )
    assessment.refresh_from_db()
    return Response(AssessmentSerializer(assessment).data)


# --- the unit's side: explanations and resubmission ------------------------------------------------------


class ExplainSerializer(InputSerializer):
    version = serializers.IntegerField(min_value=1, help_text="Phiên bản của dòng mà người dùng đã xem.")
    explanation = serializers.CharField(allow_blank=True, max_length=5000, required=False, default="")
    agree = serializers.BooleanField(
        required=False, default=False,
        help_text="true: đơn vị đồng ý với kết quả thẩm định của tiêu chí (không cần `explanation`; gửi kèm nội dung "
        "giải trình thì bị từ chối, 400 `agree_with_text`).",
    )


class ExplainedLineSerializer(serializers.ModelSerializer):
    """What the unit gets back: its answer, never the live appraisal of a round in progress. Context: `round`, the
    open explanation round."""

    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    explanation = serializers.CharField(
        read_only=True,
        help_text="Nội dung giải trình đơn vị đã lưu cho tiêu chí. Khi đơn vị đồng ý với kết quả thẩm định "
        "(`agreed`), đây là nội dung tiêu chí đã có lúc vòng giải trình bắt đầu (không phải câu trả lời của vòng).",
    )
    agreed = serializers.SerializerMethodField(
        help_text="Câu trả lời của đơn vị ở tiêu chí trong vòng giải trình đang mở là «Đồng ý với kết quả thẩm "
        "định» (không có nội dung giải trình).",
    )

    class Meta:
        model = ScoreLine
        fields = ["id", "indicator", "explanation", "explanation_requested", "agreed", "version", "updated_at"]

    def get_agreed(self, line: ScoreLine) -> bool:
        return agreed_in_round(line, self.context.get("round"))


@extend_schema(
    tags=["appraisal"], request=ExplainSerializer,
    responses={200: ExplainedLineSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: STALE_LINE_409},
)
@api_view(["POST"])
@api_refusals
def explain_line(request: Request, assessment_id: int, line_id: int) -> Response:
    """The unit's answer on one leaf flagged in the current explanation round (before its deadline): its explanation,
    or (`agree`) its agreement with the team's appraisal, recorded in the round apart from any text (`agreed`; an
    explanation written in the round gives way to it, one written afterwards replaces it)."""
    assessment = permissions.feedback_get_for_user(user=request.user, assessment_id=assessment_id)
    line = get_object_or_404(ScoreLine.objects.select_related("indicator"), pk=line_id, assessment=assessment)
    line.assessment = assessment
    if not is_unit_member(request.user, assessment.unit_id):
        raise PermissionDenied(MSG_API_EXPLAIN_ROLE)
    payload = ExplainSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    if data["agree"] and data["explanation"].strip():
        raise ValidationFailed(MSG_AGREE_WITHOUT_TEXT, code="agree_with_text", details={"field": "explanation"})
    if data["agree"]:
        saved = line_agree(line=line, actor=request.user, base_version=data["version"])
    else:
        saved = services.line_explain(
            line=line, actor=request.user, base_version=data["version"], explanation=data["explanation"]
        )
    return Response(ExplainedLineSerializer(saved, context={"round": selectors.open_round(assessment=assessment)}).data)


@extend_schema(
    tags=["appraisal"], request=None,
    responses={200: ExplainedLineSerializer(many=True), 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def agree_remaining(request: Request, assessment_id: int) -> Response:
    """The unit agrees with the team's appraisal of every leaf flagged in the open explanation round that it has not
    answered yet (no explanation written in the round, no agreement given in it), as the explanation page's
    «Đồng ý với kết quả thẩm định ở N tiêu chí còn lại»: each leaf recorded and audited as `…/lines/{id}/explain/`
    with `agree` records one; the leaves explained in the round are left as they are. Answers the leaves agreed, in the
    set's order. A person of the unit only (403 otherwise); 409 `nothing_to_agree` when every flagged leaf is
    answered, `deadline_passed` after the deadline, `not_explaining` (or why: `already_resubmitted`, `round_ended`,
    `round_withdrawn`) when no round is open."""
    assessment = permissions.feedback_get_for_user(user=request.user, assessment_id=assessment_id)
    if not is_unit_member(request.user, assessment.unit_id):
        raise PermissionDenied(MSG_API_EXPLAIN_ROLE)
    refuse_body(request)
    agreed = explanation_agree_remaining(assessment=assessment, actor=request.user)
    current = selectors.open_round(assessment=assessment)
    return Response(ExplainedLineSerializer(agreed, many=True, context={"round": current}).data)


@extend_schema(
    tags=["appraisal"], request=None,
    responses={200: AssessmentSerializer, 400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR},
)
@api_view(["POST"])
@api_refusals
def resubmit(request: Request, assessment_id: int) -> Response:
    """The unit head sends the explanations back to the appraisal team (every flagged leaf explained, before
    the deadline): the assessment returns to the appraisal in the next round."""
    assessment = permissions.feedback_get_for_user(user=request.user, assessment_id=assessment_id)
    if not is_unit_head(request.user, assessment.unit_id):
        raise PermissionDenied(MSG_API_RESUBMIT_ROLE)
    refuse_body(request)
    saved = services.explanation_resubmit(assessment=assessment, actor=request.user)
    return Response(AssessmentSerializer(saved).data)


# --- the appraisal as the unit's explanation page shows it ------------------------------------------------


def _step_label(entry: LineHistory) -> str:
    """An entry's step as the page names it («Thẩm định vòng 1», «Giải trình (vòng đã rút)», …)."""
    withdrawn = getattr(entry, "round_withdrawn", False)
    number = getattr(entry, "round_shown", entry.round)
    if entry.stage == LineHistory.Stage.SELF:
        return _("Tự chấm")
    if entry.stage == LineHistory.Stage.APPRAISAL:
        return _("Thẩm định (vòng đã rút)") if withdrawn else _("Thẩm định vòng %(r)s") % {"r": number}
    if entry.stage == LineHistory.Stage.EXPLANATION:
        return _("Giải trình (vòng đã rút)") if withdrawn else _("Giải trình vòng %(r)s") % {"r": number}
    return _("Kết quả cuối cùng")


def _score_shown(entry: LineHistory, row: FeedbackLine) -> str:
    """An entry's score as the page writes it: the points a «không phát sinh» the team accepted is credited, a claim
    the team had not decided («Chờ thẩm định»), a leaf it had not scored («Chưa thẩm định»), else the score."""
    if entry.stage == LineHistory.Stage.EXPLANATION:
        return ""
    if entry.not_applicable:
        return row.na_shown or (_("KPS") if entry.stage != LineHistory.Stage.SELF else _("Không phát sinh"))
    if entry.score is None and row.line.not_applicable and entry.stage != LineHistory.Stage.SELF:
        return _("Chờ thẩm định")
    if entry.score is None and entry.stage == LineHistory.Stage.APPRAISAL:
        return _("Chưa thẩm định")
    return score_text(entry.score)


class FeedbackStepSerializer(serializers.Serializer):
    """One recorded step of a leaf (`LineHistory`), as the page lists it in «Quá trình chấm điểm»."""

    stage = serializers.CharField(help_text="self, appraisal, explanation hoặc final.")
    label = serializers.SerializerMethodField(help_text="Tên bước như trang ghi: «Thẩm định vòng 1»…")
    round = serializers.SerializerMethodField(help_text="Số vòng như trang ghi (null: vòng đã rút).")
    round_withdrawn = serializers.SerializerMethodField()
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    not_applicable = serializers.BooleanField()
    shown = serializers.SerializerMethodField(
        help_text="Điểm như trang ghi: «0,00», «KPS (tính 1,50 điểm)», «Chờ thẩm định», «Chưa thẩm định» (rỗng ở "
        "bước giải trình).")
    note = serializers.CharField(help_text="Lý do của Tổ thẩm định (bước thẩm định, kết quả cuối cùng).")
    question = serializers.SerializerMethodField(help_text="Câu hỏi của Tổ thẩm định cho tiêu chí ở vòng này.")
    agreed = serializers.SerializerMethodField(help_text="Câu trả lời của đơn vị ở vòng này là «Đồng ý».")
    explanation = serializers.CharField()
    evidence = serializers.SerializerMethodField(help_text="Tên các tài liệu kiểm chứng lúc đó.")
    recorded_at = serializers.DateTimeField()
    same_until = serializers.SerializerMethodField(
        help_text="Các bước sau không đổi so với bước này được gộp vào nó, như trang: thời điểm bước cuối cùng "
        "(null: không gộp).")

    def get_label(self, entry: LineHistory) -> str:
        return _step_label(entry)

    def get_round(self, entry: LineHistory) -> int | None:
        return None if getattr(entry, "round_withdrawn", False) else getattr(entry, "round_shown", entry.round)

    def get_round_withdrawn(self, entry: LineHistory) -> bool:
        return bool(getattr(entry, "round_withdrawn", False))

    def get_shown(self, entry: LineHistory) -> str:
        return _score_shown(entry, self.context["row"])

    def get_question(self, entry: LineHistory) -> str:
        return str(getattr(entry, "question", ""))

    def get_agreed(self, entry: LineHistory) -> bool:
        return bool(getattr(entry, "agreed", False))

    def get_evidence(self, entry: LineHistory) -> list[str]:
        return [str(f.get("name", "")) for f in (entry.evidence or []) if isinstance(f, dict)]

    def get_same_until(self, entry: LineHistory) -> Any:
        last = getattr(entry, "same_until", None)
        return serializers.DateTimeField().to_representation(last.recorded_at) if last is not None else None


class FeedbackLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(source="line.pk")
    indicator = serializers.CharField(source="indicator.code", help_text="Mã tiêu chí.")
    name = serializers.CharField(source="indicator.name")
    max_points = serializers.DecimalField(source="indicator.max_points", max_digits=7, decimal_places=2)
    self_score = serializers.DecimalField(source="line.self_score", max_digits=7, decimal_places=2, allow_null=True)
    self_not_applicable = serializers.BooleanField(source="line.not_applicable")
    explanation_requested = serializers.BooleanField(source="line.explanation_requested")
    appraisal = serializers.SerializerMethodField(
        help_text="Thẩm định của vòng gần nhất đã kết thúc (dòng «Thẩm định vòng N: điểm — lý do» của trang); null "
        "khi chưa có vòng nào kết thúc.")
    final = serializers.SerializerMethodField(help_text="Kết quả cuối cùng sau khi thông qua; null trước đó.")
    question = serializers.CharField(
        help_text="Nội dung cần giải trình ở vòng giải trình đang mở: câu hỏi của Tổ thẩm định cho tiêu chí, nếu "
        "không có và thẩm định không nêu lý do thì nội dung yêu cầu chung; rỗng nếu tiêu chí không được yêu cầu.")
    agreed = serializers.BooleanField(help_text="Đơn vị đã trả lời «Đồng ý với kết quả thẩm định» (vòng đang mở, "
                                      "hoặc vòng gần nhất khi không có vòng nào mở).")
    can_agree = serializers.BooleanField(
        help_text="Tiêu chí có kết quả thẩm định để đồng ý (chỉ tiêu chí được yêu cầu ở vòng đang mở).")
    documents_asked = serializers.BooleanField(
        help_text="Vòng đang mở chỉ đề nghị «Bổ sung tài liệu kiểm chứng» ở tiêu chí này (thay cho giải trình): tài "
        "liệu đơn vị gắn vào tiêu chí trong vòng là câu trả lời, `explanation` là ghi chú không bắt buộc.")
    documented = serializers.BooleanField(
        help_text="Ở tiêu chí `documents_asked`: đơn vị đã gắn tài liệu vào tiêu chí trong vòng đang mở.")
    explanation = serializers.CharField(
        source="explanation_draft", help_text="Giải trình viết trong vòng đang mở (ngoài vòng: giải trình đang lưu).")
    earlier_explanation = serializers.CharField(help_text="Giải trình trước đây, không tính cho vòng đang mở.")
    history = serializers.SerializerMethodField()

    def get_appraisal(self, row: FeedbackLine) -> Any:
        entry = row.last_appraisal
        return FeedbackStepSerializer(entry, context={"row": row}).data if entry is not None else None

    def get_final(self, row: FeedbackLine) -> Any:
        entry = row.final
        return FeedbackStepSerializer(entry, context={"row": row}).data if entry is not None else None

    @extend_schema_field(FeedbackStepSerializer(many=True))
    def get_history(self, row: FeedbackLine) -> Any:
        from appraisal.selectors.review import history_shown

        return FeedbackStepSerializer(history_shown(list(row.history)), many=True, context={"row": row}).data


FeedbackLineSerializer.get_appraisal = extend_schema_field(  # type: ignore[method-assign]
    FeedbackStepSerializer(allow_null=True))(FeedbackLineSerializer.get_appraisal)
FeedbackLineSerializer.get_final = extend_schema_field(  # type: ignore[method-assign]
    FeedbackStepSerializer(allow_null=True))(FeedbackLineSerializer.get_final)


class FeedbackRoundSerializer(serializers.Serializer):
    number = serializers.IntegerField(allow_null=True, help_text="Số vòng giải trình như trang ghi.")
    deadline = serializers.DateTimeField()
    message = serializers.CharField(help_text="Nội dung yêu cầu chung của Tổ thẩm định.")
    line_count = serializers.IntegerField()


class FeedbackSerializer(serializers.Serializer):
    assessment = serializers.IntegerField(source="assessment.pk")
    state = serializers.CharField(source="assessment.state")
    open_round = FeedbackRoundSerializer(allow_null=True, help_text="Vòng giải trình đang mở; null nếu không có.")
    lines = FeedbackLineSerializer(many=True)


@extend_schema(tags=["appraisal"], responses={200: FeedbackSerializer, 401: ERR, 404: ERR})
@api_view(["GET"])
@api_refusals
def feedback(request: Request, assessment_id: int) -> Response:
    """The team's appraisal of every leaf as the unit's explanation page shows it (its «Kết quả thẩm định và giải
    trình»): only what rounds that have ended recorded (never the scores of a round in progress), each leaf's last
    appraisal with its reason, the final result once signed off, its history, and during an explanation round what
    the team asks on each flagged leaf (`question`) and the unit's answers (`agreed`, `explanation`). The unit's
    people and administrators only, once a round has ended (404 otherwise, as the page)."""
    assessment = permissions.feedback_get_for_user(user=request.user, assessment_id=assessment_id)
    current = selectors.open_round(assessment=assessment)
    rows = selectors.feedback_lines(assessment=assessment, current_round=current)
    rounds = selectors.explanation_rounds(assessment=assessment)
    feedback_answers(rows, open_round=current, rounds=rounds)
    shown_round = next((r for r in rounds if current is not None and r.pk == current.pk), None)
    return Response(FeedbackSerializer({"assessment": assessment, "open_round": shown_round, "lines": rows}).data)


QuestionOutput = inline_serializer(
    "RoundQuestion",
    {
        "line_id": serializers.IntegerField(help_text="Dòng (`id` của dòng điểm) được hỏi."),
        "indicator": serializers.CharField(help_text="Mã tiêu chí."),
        "question": serializers.CharField(help_text="Câu hỏi của Tổ thẩm định cho đơn vị về tiêu chí này."),
    },
).__class__


DocumentsOutput = inline_serializer(
    "RoundDocumentsAsked",
    {
        "line_id": serializers.IntegerField(help_text="Dòng (`id` của dòng điểm) được đề nghị bổ sung tài liệu."),
        "indicator": serializers.CharField(help_text="Mã tiêu chí."),
    },
).__class__


class RoundSerializer(serializers.ModelSerializer):
    """`round` is the round's stored number (its key: the appraisal round it was asked in, counting withdrawn rounds
    and a reopen's new appraisal round); `number` the one shown to people, «vòng giải trình N»: its place among the
    assessment's explanation rounds not withdrawn (null for a withdrawn round), whatever the reopens before it."""

    requested_by = serializers.SerializerMethodField()
    ended = serializers.BooleanField(read_only=True)
    withdrawn = serializers.BooleanField(read_only=True, help_text="The lead withdrew the round before its deadline.")
    number = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="The round's number as shown to people («vòng giải trình N»): its place among the assessment's "
        "explanation rounds, oldest first; withdrawn rounds take none (null) and are not counted. A reopen does not "
        "count (`round`, the stored key, does).",
    )

    questions = serializers.SerializerMethodField(
        help_text="Câu hỏi Tổ thẩm định ghi cho từng tiêu chí khi yêu cầu giải trình, theo thứ tự của bộ chỉ số "
        "(các tiêu chí không có câu hỏi riêng: đơn vị đọc `message` khi điểm thẩm định không kèm lý do).",
    )
    agreed = serializers.SerializerMethodField(
        help_text="Mã các tiêu chí đơn vị trả lời «Đồng ý với kết quả thẩm định» trong vòng này (không giải trình), "
        "theo thứ tự của bộ chỉ số.",
    )
    documents = serializers.SerializerMethodField(
        help_text="Các tiêu chí Tổ thẩm định chỉ đề nghị «Bổ sung tài liệu kiểm chứng» ở vòng này thay cho giải trình "
        "(tài liệu đơn vị gắn vào tiêu chí trong vòng là câu trả lời), theo thứ tự của bộ chỉ số; các tiêu chí khác "
        "của vòng được yêu cầu giải trình. Rỗng ở vòng yêu cầu trước khi có lựa chọn này.",
    )

    class Meta:
        model = ExplanationRound
        fields = [
            "round", "number", "withdrawn", "requested_at", "requested_by", "deadline", "message", "questions",
            "agreed", "documents", "line_count", "resubmitted_at", "closed_at", "ended",
        ]

    def get_requested_by(self, obj: ExplanationRound) -> str:
        user = obj.requested_by
        return user.get_full_name() or user.get_username()

    def _codes(self) -> dict[str, tuple[int, str]]:
        """{line id: (the set's order, code)} of the assessment's lines (the context's `codes`)."""
        return self.context.get("codes", {})

    @extend_schema_field(QuestionOutput(many=True))
    def get_questions(self, obj: ExplanationRound) -> list[dict[str, Any]]:
        codes = self._codes()
        asked = [(codes.get(key, (0, "")), key, text) for key, text in (obj.questions or {}).items()]
        return [{"line_id": int(key), "indicator": code, "question": text}
                for (_order, code), key, text in sorted(asked)]

    def get_agreed(self, obj: ExplanationRound) -> list[str]:
        codes = self._codes()
        return [code for _order, code in sorted(codes[str(pk)] for pk in obj.agreed_lines or [] if str(pk) in codes)]

    @extend_schema_field(DocumentsOutput(many=True))
    def get_documents(self, obj: ExplanationRound) -> list[dict[str, Any]]:
        codes = self._codes()
        asked = sorted((codes[str(pk)], pk) for pk in obj.documents_requested or [] if str(pk) in codes)
        return [{"line_id": pk, "indicator": code} for (_order, code), pk in asked]


def _rounds_assessment(user: Any, assessment_id: int) -> Assessment:
    """The rounds are shown on the review page (the team) and on the unit's explanation page: whoever may open
    either sees them; anyone else gets a 404."""
    if permissions.can_use_workbench(user):
        try:
            return permissions.review_get_for_user(user=user, assessment_id=assessment_id)
        except (PermissionDenied, Http404):
            pass
    return permissions.feedback_get_for_user(user=user, assessment_id=assessment_id)


@extend_schema(tags=["appraisal"], responses={200: RoundSerializer(many=True), 401: ERR, 404: ERR})
@api_view(["GET"])
@api_refusals
def rounds(request: Request, assessment_id: int) -> Response:
    """The explanation rounds of an assessment, oldest first."""
    assessment = _rounds_assessment(request.user, assessment_id)
    codes = {str(pk): (order, code) for pk, order, code in
             ScoreLine.objects.filter(assessment=assessment).values_list("pk", "indicator__order", "indicator__code")}
    return Response(RoundSerializer(selectors.explanation_rounds(assessment=assessment), many=True,
                                    context={"codes": codes}).data)


# --- the appraiser's queue -------------------------------------------------------------------------------


MSG_CYCLE_YEAR_MISMATCH = gettext_lazy("Kỳ đánh giá «%(cycle)s» không phải kỳ năm %(year)s.")
MSG_NO_GROUP = gettext_lazy("Không có khối xếp hạng «%(group)s».")
MSG_CYCLE_IS_YEAR = gettext_lazy("Để lọc theo năm, dùng year=%(year)s.")
MSG_NO_AREA = gettext_lazy("Kỳ đánh giá năm %(year)s không có lĩnh vực «%(area)s».")
MSG_NO_SORT = gettext_lazy(
    "Không có thứ tự «{input}»: hãy dùng group, name, most_open, least_open, submitted_first, submitted_last, "
    "self_index_high hoặc self_index_low."
)


# The API's names of the queue's orders (`selectors.SORTS`, the page's `sap-xep` values).
QUEUE_SORTS = {
    "group": selectors.SORT_GROUP,
    "name": selectors.SORT_NAME,
    "most_open": selectors.SORT_MOST_OPEN,
    "least_open": selectors.SORT_LEAST_OPEN,
    "submitted_first": selectors.SORT_SUBMITTED_FIRST,
    "submitted_last": selectors.SORT_SUBMITTED_LAST,
    "self_index_high": selectors.SORT_SELF_HIGH,
    "self_index_low": selectors.SORT_SELF_LOW,
}


class QueueQuerySerializer(QuerySerializer):
    """The queue's filters, by code as the rest of the API names things (`year` of the cycle, ranking group
    `code`); the ids taken before still work (`cycle`, a group's number)."""

    cycle = serializers.IntegerField(
        required=False, min_value=1,
        help_text="Mã số (id) kỳ đánh giá (mặc định: kỳ mới nhất); hoặc dùng `year`.",
    )
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100,
        help_text="Năm của kỳ đánh giá, như `/cycles/{year}/` (mặc định: kỳ mới nhất).",
    )
    group = serializers.CharField(
        required=False, max_length=40,
        help_text="Mã khối xếp hạng, ví dụ «so-ban-nganh» (như bộ lọc `group` của `/units/`); một số nguyên không "
        "phải mã của khối nào được hiểu là mã số (id) của khối. Là khối đơn vị được xếp hạng trong kỳ đó "
        "(`ranking_group` của dòng): với kỳ đã công bố, khối của đơn vị năm đó, kể cả khi đơn vị đã chuyển khối.",
    )
    state = serializers.ChoiceField(
        required=False, choices=[s for s in Assessment.State.values if s in selectors.WORK_STATES]
    )
    area = serializers.CharField(
        required=False, max_length=20,
        help_text="Mã lĩnh vực, ví dụ «2»; một số nguyên không phải mã của lĩnh vực nào trong các bộ chỉ số của kỳ "
        "được hiểu là mã số (id) của lĩnh vực.",
    )
    my_areas_open = serializers.BooleanField(
        required=False, default=False,
        help_text="Chỉ các bản đánh giá còn tiêu chí chưa thẩm định xong trong các lĩnh vực người hỏi được phân công "
        "(hoặc trong lĩnh vực `area` khi có), như bộ lọc «Lĩnh vực của tôi chưa xong» của danh sách thẩm định: "
        "tiêu chí chưa có điểm thẩm định và không phải «không phát sinh» đã được chấp nhận.",
    )
    sort = serializers.ChoiceField(
        required=False, default="group", choices=list(QUEUE_SORTS),
        help_text="Thứ tự, như «Sắp xếp» của danh sách thẩm định: `group` theo khối xếp hạng, rồi tên đơn vị (A–Z; "
        "mặc định); `name` tên đơn vị (A–Z), một danh sách chung cho mọi khối; "
        "`most_open` / `least_open` còn nhiều / ít tiêu chí chưa thẩm định nhất trong các lĩnh vực người hỏi được "
        "phân công (hoặc trong lĩnh vực `area` khi có) trước; `submitted_first` / `submitted_last` gửi sớm / muộn "
        "nhất trước (chưa gửi: cuối); `self_index_high` / `self_index_low` chỉ số tự đánh giá (`self_index`) cao / "
        "thấp nhất trước (không có: cuối). Cùng hạng thì theo khối và tên đơn vị.",
        error_messages={"invalid_choice": MSG_NO_SORT},
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1, help_text="Trang (từ 1).")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=Pagination.max_page_size, default=Pagination.page_size,
        help_text="Số dòng mỗi trang (1 đến 500).",
        # the words of every other list's `page_size` refusal (cchc.api.Pagination)
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value", "max_string_length"), PAGE_SIZE_MESSAGE),
    )


AreaProgressSerializer = inline_serializer(
    "QueueAreaProgress",
    {
        "code": serializers.CharField(), "name": serializers.CharField(), "done": serializers.IntegerField(),
        "total": serializers.IntegerField(), "complete": serializers.BooleanField(),
        "new_explanations": serializers.IntegerField(
            help_text="Số tiêu chí người hỏi thẩm định của lĩnh vực có giải trình mới Tổ thẩm định chưa xem (như danh "
            "sách thẩm định và nút «Đã xem» của lĩnh vực trên trang thẩm định).",
        ),
        "evidence_missing": serializers.IntegerField(
            help_text="Số tiêu chí chưa thẩm định của lĩnh vực «Cần tài liệu kiểm chứng» mà đơn vị không gửi tài "
            "liệu: không được chấp nhận cùng cả lĩnh vực (`…/areas/{id}/accept/`), cần quyết định từng tiêu chí.",
        ),
    },
)

QueueRowSerializer = inline_serializer(
    "QueueRow",
    {
        "assessment": AssessmentSerializer(),
        "unit_code": serializers.CharField(),
        "unit_name": serializers.CharField(),
        "ranking_group": serializers.CharField(
            allow_null=True,
            help_text="Mã khối đơn vị được xếp hạng trong kỳ: với kỳ đã công bố, khối của đơn vị năm đó (khối hiện "
            "nay của đơn vị ở `assessment.unit.ranking_group`); null khi đơn vị không thuộc khối nào.",
        ),
        "can_lead": serializers.BooleanField(),
        "self_index": serializers.DecimalField(
            max_digits=9, decimal_places=2, allow_null=True,
            help_text="Chỉ số tự đánh giá: chỉ số tính từ điểm tự chấm của bản đánh giá đơn vị đã gửi, như trang tự "
            "đánh giá của đơn vị (làm tròn 2 chữ số thập phân); null khi không tính được (mọi tiêu chí đều không "
            "phát sinh).",
        ),
        "explanation_deadline": serializers.DateTimeField(
            allow_null=True,
            help_text="Hạn của vòng giải trình đơn vị đang ở (trạng thái `explanation`); null ngoài vòng giải trình.",
        ),
        "explanation_overdue": serializers.BooleanField(
            help_text="Đơn vị đang ở vòng giải trình mà đã quá hạn giải trình: Tổ trưởng kết thúc vòng (như dòng "
            "được tô của danh sách thẩm định).",
        ),
        "done": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "new_explanations": serializers.IntegerField(
            help_text="Số tiêu chí có giải trình mới (gửi ở vòng giải trình vừa kết thúc) mà Tổ thẩm định chưa chấm "
            "lại, chấp nhận hay đánh dấu đã xem, trong các tiêu chí người hỏi thẩm định (của lĩnh vực hoặc tiêu chí "
            "được phân công; không tính tiêu chí lấy điểm từ điều tra xã hội học): như «N tiêu chí có giải trình mới "
            "chưa xem» của danh sách thẩm định và của trang thẩm định. Các tiêu chí đó có `explanation_new` trong "
            "`/assessments/{id}/lines/`.",
        ),
        "areas": AreaProgressSerializer.__class__(many=True),
    },
)

QueueSerializer = inline_serializer(
    "AppraisalQueue",
    {
        "cycle": serializers.IntegerField(allow_null=True, help_text="Mã số (id) của kỳ đánh giá."),
        "cycle_year": serializers.IntegerField(
            allow_null=True, help_text="Năm của kỳ đánh giá: như `cycle` của từng bản đánh giá và bộ lọc `year`."
        ),
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "rows": QueueRowSerializer.__class__(many=True),
    },
)


def _index_text(value: Decimal | None) -> str | None:
    """An index as the API writes decimals («6.58»); None for none."""
    return None if value is None else serializers.DecimalField(max_digits=9, decimal_places=2).to_representation(value)


def _moment_text(value: datetime | None) -> str | None:
    """A moment as the API writes them (ISO 8601, the site's time zone); None for none."""
    return None if value is None else serializers.DateTimeField().to_representation(value)


def _queue_cycle(params: dict[str, Any]) -> Cycle | None:
    """The cycle named by its id (`cycle`) or its `year`, 400 on the parameter that names none; both must agree."""
    cycle = None
    if params.get("cycle"):
        cycle = Cycle.objects.filter(pk=params["cycle"]).first()
        if cycle is None:
            message = str(MSG_NO_CYCLE % {"cycle": params["cycle"]})
            if Cycle.objects.filter(year=params["cycle"]).exists():  # a year given as the id
                message = " ".join([message, str(MSG_CYCLE_IS_YEAR % {"year": params["cycle"]})])
            raise ValidationError({"cycle": [message]})
    year = params.get("year")
    if year is None:
        return cycle
    if cycle is not None:
        if cycle.year != year:
            raise ValidationError({"year": [str(MSG_CYCLE_YEAR_MISMATCH % {"cycle": cycle.pk, "year": year})]})
        return cycle
    found = Cycle.objects.filter(year=year).first()
    if found is None:
        raise ValidationError({"year": [str(MSG_NO_CYCLE_YEAR % {"year": year})]})
    return found


def _queue_group(raw: str) -> RankingGroup | None:
    """The ranking group named by its code, or (as before codes were taken) by its id; 400 on `group` when none."""
    text = raw.strip()
    if not text:
        return None
    group = RankingGroup.objects.filter(code=text).first() if "\x00" not in text else None  # NUL: no code has one
    if group is None and text.isascii() and text.isdigit() and len(text) <= 18:
        group = RankingGroup.objects.filter(pk=int(text)).first()
    if group is None:
        raise ValidationError({"group": [str(MSG_NO_GROUP % {"group": text})]})
    return group


def _queue_area(raw: str, cycle: Cycle | None) -> str:
    """The code of the area named by its code, or (as a group) by its id, among the areas of the cycle's sets (those
    the cycle uses and those its assessments were opened on); 400 on `area` when none. Blank: no filter."""
    text = raw.strip()
    if not text:
        return ""
    if "\x00" in text:  # no code has one (and the database takes no NUL in a query)
        raise ValidationError({"area": [str(MSG_NO_AREA % {"year": cycle.year if cycle else "", "area": text})]})
    if cycle is None:  # no cycle at all: the queue is empty whatever the area
        return text
    used = set(cycle.cycle_sets.values_list("indicator_set_id", flat=True))
    used |= set(Assessment.objects.filter(cycle=cycle).order_by().values_list("indicator_set_id", flat=True).distinct())
    areas = Indicator.objects.filter(indicator_set_id__in=used, parent__isnull=True)
    if areas.filter(code=text).exists():
        return text
    if text.isascii() and text.isdigit() and len(text) <= 18:
        code = areas.filter(pk=int(text)).values_list("code", flat=True).first()
        if code is not None:
            return str(code)
    raise ValidationError({"area": [str(MSG_NO_AREA % {"year": cycle.year, "area": text})]})


@extend_schema(
    tags=["appraisal"], parameters=[QueueQuerySerializer],
    responses={200: QueueSerializer, 400: ERR, 401: ERR, 403: ERR},
)
@api_view(["GET"])
@api_refusals
def queue(request: Request) -> Response:
    """The assessments the user appraises (submitted ones of assigned units, never their own unit), with the
    progress of each area assigned to them; administrators see every one. Filters: `year` (or the cycle's id
    `cycle`), ranking group `group` (its code, or its id; the group the unit is ranked in that year, as each row's
    `ranking_group`), `state`, area `area` (its code, or its id), `my_areas_open` (a leaf of the user's areas, or of
    `area`, still undecided, as the page's «Lĩnh vực của tôi chưa xong»); a filter that names nothing is a 400 on
    that parameter. `sort` orders the rows as the page's «Sắp xếp» (by group, then by
    name by default; `name` is one list by name across the groups; an unknown order is a 400 on `sort`). Each row has
    the unit's self-assessed index (`self_index`, `selectors.self_indices`) and its open explanation round's deadline
    (`explanation_deadline`, `explanation_overdue`). The answer names the cycle shown by its id (`cycle`) and its
    year (`cycle_year`, as each row's assessment names it). Paginated as every list (`page`, `page_size` up to 500;
    `count`, `next`, `previous`)."""
    if not permissions.can_use_workbench(request.user):
        raise PermissionDenied(MSG_API_QUEUE_ROLE)
    query = QueueQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    problems: dict[str, Any] = {}  # every filter that names nothing, at once (as a serializer's field errors)
    cycle = group = None
    try:
        cycle = _queue_cycle(params)
    except ValidationError as exc:
        problems.update(exc.detail)  # type: ignore[arg-type]
    try:
        group = _queue_group(params.get("group", ""))
    except ValidationError as exc:
        problems.update(exc.detail)  # type: ignore[arg-type]
    area_code = ""
    if "cycle" not in problems and "year" not in problems:  # an area is looked up in the cycle's sets
        cycle = cycle or selectors.current_cycle()  # read once: the queue shows the same one
        try:
            area_code = _queue_area(params.get("area", ""), cycle)
        except ValidationError as exc:
            problems.update(exc.detail)  # type: ignore[arg-type]
    if problems:
        raise ValidationError(problems)
    data = selectors.queue_for_user(
        user=request.user, cycle=cycle, group=group.pk if group else None, state=params.get("state", ""),
        area_code=area_code, per_page=params["page_size"], page=params["page"],
        open_areas=params["my_areas_open"], sort=QUEUE_SORTS[params["sort"]],
    )
    shown = data.page
    assert shown is not None  # paginated: per_page was given (an empty page without any cycle)
    if params["page"] > max(1, shown.paginator.num_pages):  # as every other list: a page that is not there is a 400
        raise ValidationError({"page": [_("Không có trang «%(p)s».") % {"p": params["page"]}]})
    here = request.build_absolute_uri()
    rows = []
    # One serializer for the page (a ModelSerializer builds its fields each time it is made: once per row, that
    # was most of the answer's time); the units' parents (`parent_code`) come joined with the rows
    assessments = AssessmentSerializer([row.assessment for row in data.rows], many=True).data
    for row, assessment in zip(data.rows, assessments, strict=True):
        a = row.assessment
        rows.append({
            "assessment": assessment,
            "unit_code": a.unit.code,
            "unit_name": a.unit.name,
            # the group the unit is ranked in that year (its `assessment.unit` says the group it is in now)
            "ranking_group": a.ranking_group.code if a.ranking_group else None,
            "can_lead": row.can_lead,
            "self_index": _index_text(row.self_index),
            "explanation_deadline": _moment_text(row.open_explanation_deadline),
            "explanation_overdue": row.deadline_passed,
            "done": row.done,
            "total": row.total,
            "new_explanations": row.new_explanations,  # counted with the progress: no query of its own
            "areas": [
                {"code": p.area.code, "name": p.area.name, "done": p.done, "total": p.total, "complete": p.complete,
                 "new_explanations": p.new_explanations, "evidence_missing": p.evidence_missing}
                for p in row.areas if p.mine
            ],
        })
    return Response({
        "cycle": data.cycle.pk if data.cycle else None,
        "cycle_year": data.cycle.year if data.cycle else None,
        "count": shown.paginator.count,
        "next": replace_query_param(here, "page", shown.next_page_number()) if shown.has_next() else None,
        "previous": replace_query_param(here, "page", shown.previous_page_number()) if shown.has_previous() else None,
        "rows": rows,
    })
