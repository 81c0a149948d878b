"""Shared pieces of the REST API: one error format, pagination and throttling.

Every failure answers `{"code": ..., "message": <Vietnamese>, "fields": {field: [messages]}}`, whether it comes
from a domain service (scoring.errors), DRF (validation, authentication, throttling) or Django (404, 403).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, parsers, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from scoring.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (documented in the schema)."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERR = OpenApiResponse(ErrorSerializer)  # a documented error answer, whatever its status


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Loại vướng mắc, ví dụ `evidence_missing`.")
    message = serializers.CharField()
    line_id = serializers.IntegerField(allow_null=True, help_text="Dòng điểm (nếu vướng mắc thuộc một dòng).")
    indicator_code = serializers.CharField(allow_null=True, help_text="Mã tiêu chí, ví dụ `1.2.3`.")


class RefusalSerializer(ErrorSerializer):
    """The error body of a refusal that lists its problems (`not_ready`, …)."""

    problems = serializers.ListField(
        child=serializers.CharField(), help_text="Mỗi vướng mắc một chuỗi, bắt đầu bằng mã tiêu chí nếu có."
    )
    problem_details = ProblemSerializer(many=True)


MSG_NO_DATA = gettext_lazy("Chưa gửi dữ liệu nào: thân yêu cầu rỗng hoặc là null.")


def _text(item: Any) -> str:
    """One field message; DRF's "No data provided" is not translatable in DRF, so it is worded here."""
    if isinstance(item, exceptions.ErrorDetail) and item.code == "null" and str(item) == "No data provided":
        return str(MSG_NO_DATA)
    return str(item)


def _messages(detail: Any) -> list[str]:
    """The messages of one field's error, however deep DRF nested them (a list's items by position, an object's
    fields by name): "#1: Không có «x».", "code: Trường này là bắt buộc.", never a Python repr."""
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            where = f"#{int(key) + 1}" if isinstance(key, int) or str(key).isdigit() else str(key)
            out.extend(f"{where}: {message}" for message in _messages(value))
        return out
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    return [_text(detail)]


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _messages(value) for key, value in detail.items()}
    return {}


def error_body(code: str, message: Any, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _domain_response(exc: DomainError, context: dict[str, Any] | None = None) -> Response:
    fields: dict[str, list[str]] = {}
    if isinstance(exc.details, dict) and exc.details.get("field"):
        fields[str(exc.details["field"])] = [str(exc.message)]
    body = error_body(exc.code, exc.message, fields)
    current = getattr(exc.details, "pk", None)
    if current is not None and hasattr(exc.details, "version"):
        # A stale write: hand back the stored line so the client can choose which value to keep.
        from scoring.api.serializers import ScoreLineSerializer, hides_appraisal

        request = context.get("request") if context else None
        line = exc.details
        hide = request is not None and hides_appraisal(request.user, line.assessment)
        body["current"] = ScoreLineSerializer(line, context={"hide_appraisal": hide}).data
        if request is not None:
            body["current_by"] = _line_writer(line, request.user, hide)
    elif isinstance(exc.details, list):
        details = [_problem(exc.code, p) for p in exc.details]
        body["problems"] = [f"{d['indicator_code']}: {d['message']}" if d["indicator_code"] else d["message"]
                            for d in details]
        body["problem_details"] = details
    return Response(body, status=exc.status)


def _line_writer(line: Any, user: Any, appraisal_hidden: bool) -> dict[str, Any] | None:
    """Who made the stored version a stale write met, when and by which write (the audit's latest write of the
    leaf, the team's left out for a reader the appraisal in progress is hidden from), as the review page's conflict
    box names them; None when the audit names nobody."""
    from appraisal.selectors.changes import last_line_write
    from scoring.administration.audit_labels import ACTION_LABELS

    entry = last_line_write(line=line, appraisal_hidden=appraisal_hidden)
    if entry is None:
        return None
    actor = entry.actor
    return {
        "username": actor.get_username() if actor is not None else None,
        "name": str(actor.get_full_name() or actor.get_username()) if actor is not None else "",
        "at": serializers.DateTimeField().to_representation(entry.at),
        "action": entry.action,
        "action_label": str(ACTION_LABELS.get(entry.action, entry.action)),
        "yours": actor is not None and actor.pk == getattr(user, "pk", None),
    }


def _problem(code: str, problem: Any) -> dict[str, Any]:
    """One problem of a refusal as an object: the problem's own kind (else the refusal's code), its message, and
    the line and criterion it is about when it carries them (a submission's problems do; a publication's
    blockers are plain messages)."""
    return {
        "code": str(getattr(problem, "kind", "") or code),
        "message": str(getattr(problem, "message", problem)),
        "line_id": getattr(problem, "line_id", None),
        "indicator_code": getattr(problem, "code", None),
    }


MSG_API_CSRF_FAILED = gettext_lazy(
    "Thiếu hoặc sai mã chống giả mạo (CSRF) của phiên đăng nhập: gửi kèm tiêu đề X-CSRFToken (lấy từ cookie "
    "csrftoken), hoặc dùng mã truy cập API thay cho phiên."
)

STATUS_MESSAGES = {
    "not_authenticated": gettext_lazy("Cần đăng nhập (phiên làm việc hoặc mã truy cập) để dùng chức năng này."),
    "authentication_failed": gettext_lazy("Mã truy cập không hợp lệ hoặc đã bị thu hồi."),
    "permission_denied": gettext_lazy("Anh/chị không có quyền thực hiện thao tác này."),
    "not_found": gettext_lazy("Không tìm thấy dữ liệu yêu cầu."),
    "method_not_allowed": gettext_lazy("Phương thức không được hỗ trợ."),
    "throttled": gettext_lazy("Quá nhiều yêu cầu; hãy thử lại sau ít phút."),
    "parse_error": gettext_lazy("Dữ liệu gửi lên không đọc được (JSON không hợp lệ)."),
    "parse_error_form": gettext_lazy("Dữ liệu gửi lên không đọc được (biểu mẫu hoặc tệp gửi kèm không hợp lệ)."),
    "unsupported_media_type": gettext_lazy("Kiểu dữ liệu gửi lên không được hỗ trợ."),
    "not_acceptable": gettext_lazy("Không trả được dữ liệu theo định dạng yêu cầu."),
    "invalid": gettext_lazy("Dữ liệu không hợp lệ; xem lỗi từng trường."),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map every API failure to the one error format; never an HTML error page."""
    if isinstance(exc, DomainError):
        return _domain_response(exc, context)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # Django's: its own message when raised with one (a view's reason), else the generic one
        exc = exceptions.PermissionDenied(str(exc.args[0]) if exc.args and exc.args[0] else None)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # a signed-in browser session without its CSRF token: not a missing right
        return Response(error_body("csrf_failed", MSG_API_CSRF_FAILED), status=403)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real server error: let it be logged and answered 500
    if isinstance(exc, exceptions.ParseError) and _headers_too_long(exc):
        # a file's part headers over Django's 1 kB (a name over ~900 characters): said as the pages say it
        return Response(error_body("bad_upload", str(MSG_BAD_UPLOAD)), status=400)
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        fields = _flatten(exc.detail)
        if not fields:
            items = exc.detail if isinstance(exc.detail, list) else [exc.detail]
            fields = {"non_field_errors": [_text(i) for i in items]}
        body = error_body(code, STATUS_MESSAGES["invalid"], fields)
    else:
        code = exc.default_code if isinstance(exc.default_code, str) else "error"
        message = STATUS_MESSAGES.get(code, exc.detail if isinstance(exc.detail, str) else exc.default_detail)
        if isinstance(exc, exceptions.PermissionDenied) and _own_message(exc):
            message = exc.detail  # the view's reason («Chỉ thủ trưởng đơn vị …»), not the generic refusal
        if isinstance(exc, exceptions.ParseError) and "json" not in _content_type(context):
            message = STATUS_MESSAGES["parse_error_form"]  # a multipart or form body that does not parse
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            message = _("Quá nhiều yêu cầu; hãy thử lại sau %(s)s giây.") % {"s": int(exc.wait) + 1}
        body = error_body(code, message)
    response = Response(body, status=exc.status_code)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


def _headers_too_long(exc: exceptions.ParseError) -> bool:
    """Whether DRF's multipart parse error comes from Django refusing a part's headers over its size limit."""
    from django.http.multipartparser import MultiPartParserError

    cause = exc.__cause__ or exc.__context__
    return isinstance(cause, MultiPartParserError) and "header size" in str(cause)


def _own_message(exc: exceptions.PermissionDenied) -> bool:
    """Whether a refusal carries its raiser's message rather than DRF's default (which says nothing more than the
    generic one, and in English)."""
    return isinstance(exc.detail, str) and str(exc.detail) != str(exceptions.PermissionDenied.default_detail)


def _content_type(context: dict[str, Any]) -> str:
    request = context.get("request")
    return str(getattr(request, "content_type", "") or "").lower()


def document_common_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """Schema post-processing: the answers any operation may give besides its own, in the one error format —
    429 (too many requests) and 401 (not signed in, or a wrong token) everywhere; 400 (a body that does not
    parse) and 415 (a body sent with no content type, or one no parser reads) where a body is read, and 413 (a body
    over Django's size limit, `payload_too_large`)."""

    def error(description: str) -> dict[str, Any]:
        return {"description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("429", error(str(_("Quá nhiều yêu cầu"))))
            # a caller who must sign in and has not, or any caller whose token is wrong (public data included)
            responses.setdefault("401", error(str(_("Chưa đăng nhập hoặc mã truy cập không hợp lệ"))))
            if "requestBody" in operation:
                responses.setdefault("400", error(str(_("Dữ liệu không hợp lệ"))))
                responses.setdefault("415", error(str(_("Kiểu dữ liệu gửi lên không được hỗ trợ"))))
                responses.setdefault("413", error(str(_("Dữ liệu gửi lên quá lớn"))))
    return result


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than the decoder can follow (thousands of brackets) is a parse
    error like any other malformed JSON, not a server error."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError() from None


MSG_PAGE_SIZE = gettext_lazy("Số dòng mỗi trang phải là số nguyên từ 1 đến %(max)s.")
DOC_PAGE = gettext_lazy("Trang (từ 1; một trang không có là lỗi 400 trên `page`).")
DOC_PAGE_SIZE = gettext_lazy("Số dòng mỗi trang (1 đến %(max)s, mặc định %(default)s).")


class Pagination(PageNumberPagination):
    """50 a page (`?page_size=` from 1 to 500). A page that is not a number from 1 to the last page, or a page
    size that is not a number from 1 to 500, is a 400 field error on `page` or `page_size`, like every other bad
    query parameter (DRF would answer a 404 for the one and quietly use another size for the other)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param) or ""
        text = raw.strip()
        if not text:  # as a serializer reads a query string: blank is not given
            return self.page_size
        # a number only: « 1» would come back in the next page's link as «+1»
        if text != raw or not (
            text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= self.max_page_size
        ):
            raise exceptions.ValidationError({self.page_size_query_param: [page_size_message()]})
        return int(text)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """`page` and `page_size` as every paginated list takes them (the appraisal queue's words and bounds)."""
        return [
            {
                "name": self.page_query_param, "required": False, "in": "query", "description": str(DOC_PAGE),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param, "required": False, "in": "query",
                "description": str(DOC_PAGE_SIZE) % {"max": self.max_page_size, "default": self.page_size},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
            },
        ]

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.page_query_param: [_("Không có trang «%(p)s».") % {"p": request.query_params.get("page")}]}
            ) from None


def page_size_message() -> str:
    return str(MSG_PAGE_SIZE) % {"max": Pagination.max_page_size}


PAGE_SIZE_MESSAGE = lazy(page_size_message, str)()  # for a serializer field's `error_messages`


class AnonThrottle(AnonRateThrottle):
    scope = "anon"


class UserThrottle(UserRateThrottle):
    scope = "user"


@csrf_exempt  # nothing is changed here; a POST without a CSRF token must get the same JSON 404
def unknown_path(request: Any, *args: Any, **kwargs: Any) -> Any:
    """Every URL under the API that matches no endpoint (for instance `/assessments/abc/`): the one error
    format's 404 rather than Django's HTML page."""
    from django.http import JsonResponse

    return JsonResponse(error_body("not_found", STATUS_MESSAGES["not_found"]), status=404)


MSG_SERVER_ERROR = gettext_lazy(
    "Máy chủ gặp lỗi ngoài dự kiến nên thao tác chưa được thực hiện; lỗi đã được ghi lại. Hãy thử lại sau."
)


def server_error(request: Any, *args: Any, **kwargs: Any) -> Any:
    """The site's 500 handler: the API's one error format under /api/ (a system reads JSON, never an HTML
    page), Django's own page elsewhere. The exception itself is logged by Django before this runs."""
    from django.http import JsonResponse
    from django.views import defaults

    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", str(MSG_SERVER_ERROR)), status=500)
    return defaults.server_error(request, *args, **kwargs)



MSG_BAD_HOST = gettext_lazy(
    "Yêu cầu gửi tới một tên miền (tiêu đề Host) không phải của hệ thống nên không được xử lý. Hãy gọi API qua "
    "đúng địa chỉ của hệ thống."
)
MSG_BAD_REQUEST = gettext_lazy("Yêu cầu không hợp lệ nên máy chủ không xử lý được; hãy kiểm tra lại yêu cầu.")
MSG_PAYLOAD_TOO_LARGE = gettext_lazy(
    "Dữ liệu gửi lên quá lớn (tối đa %(mb)s MB, không kể tệp gửi kèm) nên không được xử lý."
)
MSG_TOO_MANY_FIELDS = gettext_lazy("Yêu cầu có quá nhiều trường (tối đa %(n)s trường) nên không được xử lý.")
MSG_TOO_MANY_FILES = gettext_lazy("Yêu cầu có quá nhiều tệp (tối đa %(n)s tệp) nên không được xử lý.")
MSG_BAD_UPLOAD = gettext_lazy(
    "Không đọc được các tệp gửi lên, nên không tệp nào được lưu: tên một tệp quá dài (hơn khoảng 900 ký tự) hoặc "
    "dữ liệu gửi lên bị hỏng. Hãy đặt tên tệp ngắn hơn rồi gửi lại."
)


def _size_in_mb(size: int) -> str:
    """A byte count in MB (MiB) as the request's language writes it: 2621440 → «2,5» in Vietnamese."""
    from decimal import Decimal

    from django.utils.formats import number_format

    mb = (Decimal(size) / Decimal(2**20)).quantize(Decimal("0.1")).normalize()
    return number_format(mb if mb != mb.to_integral_value() else mb.to_integral_value(), use_l10n=True)


def _limit_body(exception: Exception) -> tuple[str, str, int] | None:
    """(code, message, status) for a request Django refused for one of its size limits (read when it happens: the
    limits are settings), None for any other bad request."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
    from django.http.multipartparser import MultiPartParserError

    if isinstance(exception, MultiPartParserError):  # a file's part headers over 1 kB (a very long name), or broken
        return "bad_upload", str(MSG_BAD_UPLOAD), 400
    if isinstance(exception, RequestDataTooBig):
        size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return "payload_too_large", str(MSG_PAYLOAD_TOO_LARGE) % {"mb": _size_in_mb(size)}, 413
    if isinstance(exception, TooManyFieldsSent):
        return "too_many_fields", str(MSG_TOO_MANY_FIELDS) % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}, 400
    if isinstance(exception, TooManyFilesSent):
        return "too_many_files", str(MSG_TOO_MANY_FILES) % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES}, 400
    return None


def bad_request(request: Any, exception: Exception, *args: Any, **kwargs: Any) -> Any:
    """The site's 400 handler (an unknown Host, a request too large or malformed): under /api/ the API's one error
    format, `bad_host` for an unknown Host, 413 `payload_too_large` for a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    `too_many_fields` / `too_many_files` over DATA_UPLOAD_MAX_NUMBER_FIELDS / _FILES (each naming the limit), and
    `bad_request` for the rest. Elsewhere the same limits, and `bad_upload` for a multipart body Django cannot
    read (a file name over ~900 characters), are said on the site's 400 page (JSON to a script asking for it);
    anything else gets Django's handler, rendering the site's 400.html. What was wrong is never echoed: it is in
    the security log.

    It may run before the language middleware did (the HTTPS redirect reads the Host first), so the request's
    language is chosen here; and it never reads the Host (`request.get_host()` would raise again)."""
    from django.core.exceptions import DisallowedHost
    from django.http import HttpResponseBadRequest, JsonResponse
    from django.template import loader
    from django.utils import translation
    from django.views import defaults

    from cchc.middleware import request_language

    with translation.override(request_language(request)):
        if request.path.startswith("/api/"):
            if isinstance(exception, DisallowedHost):
                return JsonResponse(error_body("bad_host", MSG_BAD_HOST), status=400)
            limit = _limit_body(exception)
            if limit is not None:  # the client can act on it: say which limit, not only «không hợp lệ»
                code, message, status = limit
                return JsonResponse(error_body(code, message), status=status)
            return JsonResponse(error_body("bad_request", MSG_BAD_REQUEST), status=400)
        limit = None if isinstance(exception, DisallowedHost) else _limit_body(exception)
        if limit is not None:  # a page's form or script sent too much, or a file it cannot read: say which
            code, message, status = limit
            if "application/json" in request.META.get("HTTP_ACCEPT", ""):
                return JsonResponse({"ok": False, "code": code, "message": message, "field": None}, status=status)
            return HttpResponseBadRequest(loader.get_template("400.html").render({"message": message}),
                                          status=status)
        return defaults.bad_request(request, exception, *args, **kwargs)


MSG_CSRF_FAILED = gettext_lazy(
    "Trang đã cũ hoặc trình duyệt chặn cookie nên yêu cầu chưa được thực hiện. Hãy tải lại trang rồi thử lại "
    "(và cho phép cookie của trang này)."
)


# Django's reasons (`django.middleware.csrf`) for a request refused for where it came from, not for its token.
_CSRF_ORIGIN_REASONS = ("Origin checking failed", "Referer checking failed")
MSG_CSRF_OTHER_SITE = gettext_lazy(
    "Yêu cầu được gửi từ một trang hoặc địa chỉ khác, không phải địa chỉ của hệ thống, nên chưa được thực hiện. "
    "Hãy mở hệ thống đúng địa chỉ của nó (gõ lại địa chỉ hoặc dùng dấu trang) rồi thử lại."
)
MSG_CSRF_NO_REFERER = gettext_lazy(
    "Trình duyệt không cho biết yêu cầu được gửi từ trang nào nên yêu cầu chưa được thực hiện (kết nối an toàn cần "
    "điều đó). Hãy mở hệ thống đúng địa chỉ của nó rồi thử lại; nếu trình duyệt hoặc một tiện ích chặn thông tin "
    "này, hãy cho phép nó với trang này."
)


def _csrf_reason(reason: str) -> tuple[str, Any]:
    """(code, message) for Django's refusal `reason`: a bad Origin or Referer (`csrf_origin`: the request came from
    another site or address, or its page did not say where it came from), else a token missing or wrong
    (`csrf_failed`)."""
    from django.middleware.csrf import REASON_NO_REFERER

    if reason == REASON_NO_REFERER:
        return "csrf_origin", MSG_CSRF_NO_REFERER
    if reason.startswith(_CSRF_ORIGIN_REASONS):
        return "csrf_origin", MSG_CSRF_OTHER_SITE
    return "csrf_failed", MSG_CSRF_FAILED


def csrf_failure(request: Any, reason: str = "") -> Any:
    """The site's CSRF refusal (`CSRF_FAILURE_VIEW`): 403 in the user's language — the API's one error format
    under /api/, the site's 403 page with what to do elsewhere — instead of Django's English page. A request refused
    for where it came from (another site's Origin or Referer) is told that, not that its token is missing or wrong;
    a page's script reads it in the keys of the site's other refusals (`ok`, `code`, `message`, `field`)."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        return JsonResponse(error_body("csrf_failed", str(MSG_API_CSRF_FAILED)), status=403)
    code, message = _csrf_reason(reason or "")
    if "application/json" in request.headers.get("Accept", ""):  # a page's script: its answer is read, not shown
        return JsonResponse({"ok": False, "code": code, "message": str(message), "field": None}, status=403)
    return render(request, "403.html", {"reason_text": message}, status=403)
