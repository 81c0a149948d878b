"""Pieces shared by the scoring API views: documented error responses, the administrator permission, a
deadline field, the mapping of a refused service call to the request field it concerns, and the `ETag` /
`If-Match` check of the administrators' edits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from cchc.api import ErrorSerializer, error_body
from scoring import permissions
from scoring.errors import DomainError, StateConflict, self_edit_refusal

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Dữ liệu không hợp lệ")),
    401: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Chưa đăng nhập")),
    403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Không có quyền")),
    404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Không tìm thấy")),
    409: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Xung đột trạng thái hoặc phiên bản")),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: ERRORS[c] for c in codes}


class IsAdministrator(BasePermission):
    """Administrators (Sở Nội vụ) only; a token limited to another role is refused (403), anonymous 401."""

    message = gettext_lazy("Chỉ quản trị viên (Sở Nội vụ) được thực hiện thao tác này.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and permissions.is_administrator(user)


class ReadOrAdminWrite(BasePermission):
    """Reading for every signed-in user; writing for administrators."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return IsAuthenticated().has_permission(request, view)
        return IsAdministrator().has_permission(request, view)


@contextmanager
def fields_for(**codes: str) -> Iterator[None]:
    """Attach a refused service call to the request field it is about (by the service's error code), so the
    client sees it under `fields` as well as in `message`. A refusal that already carries a dict of details (a
    file's name, …) keeps them and gains the field; one that names its own field, or lists problems, is left
    as it is."""
    try:
        yield
    except DomainError as exc:
        field = codes.get(exc.code)
        if field and exc.details is None:
            exc.details = {"field": field}
        elif field and isinstance(exc.details, dict) and not exc.details.get("field"):
            exc.details = {**exc.details, "field": field}
        raise


@contextmanager
def value_fields(name: str = "value") -> Iterator[None]:
    """Name a scoring rule's refusal of a line's `value` as the request names the input: `value.numerator`,
    `value.counts.a`, `value.value` (a yes/no leaf's answer), `value` for the object as a whole — the names the
    refusal of an unknown key uses (`value_key_errors`), so that one input has one name whoever refuses it. The
    rule names its inputs inside the value (`numerator`, `counts.a`), as the pages' form fields do. `name` is the
    request's own name for the value when it used another (`self_value`, the name a line is read by)."""
    from scoring import engine

    try:
        yield
    except DomainError as exc:
        details = exc.details if exc.details is not None else {}
        if isinstance(exc.__cause__, engine.ScoringInputError) and isinstance(details, dict):
            inner = details.get("field")
            exc.details = {**details, "field": f"{name}.{inner}" if inner else name}
        raise


def etag_of(version: str) -> str:
    """An `ETag` from the version the administration pages carry for the same object (`unit_version`,
    `indicator_set_version`, `indicator_version`): a save on the page makes an API client's tag stale, and the
    other way round."""
    return f'"{version}"'


def etag_headers(what: str, version_of: str, changed: str) -> tuple[OpenApiParameter, OpenApiParameter]:
    """The schema's `ETag` (answer) and `If-Match` (request) headers of an object edited by PATCH under optimistic
    locking, in the one wording: `what` names the object («của đơn vị»), `version_of` what its version covers
    («Phiên bản của đơn vị (các trường sửa được)»), `changed` when a tag is stale («Khi đơn vị đã đổi từ đó»)."""
    etag = OpenApiParameter(
        "ETag", str, OpenApiParameter.HEADER, response=[200, 412],
        description=f"{version_of}: gửi lại trong `If-Match` khi sửa.",
    )
    if_match = OpenApiParameter(
        "If-Match", str, OpenApiParameter.HEADER, required=False,
        description=f"Tuỳ chọn: thẻ `ETag` {what} mà người dùng đã xem. {changed}: 412 `stale`, không lưu gì. Không "
        "gửi thì bản sửa sau cùng được lưu (như trước).",
    )
    return etag, if_match


def stale_etag_response(name: str, current: serializers.Serializer, doc: str, description: Any) -> OpenApiResponse:
    """The schema's 412 of a PATCH whose `If-Match` is no longer current, in the one shape: the one error body with
    `current`, the object as stored now (`current`, its serializer with a help text). `name` names the component
    (`Stale<name>Error`), `doc` describes it, `description` is the answer's line in the operation."""
    serializer = type(
        f"Stale{name}ErrorSerializer", (ErrorSerializer,), {"__doc__": doc, "__module__": __name__, "current": current}
    )
    return OpenApiResponse(serializer, description=description)


def stale_etag_answer(message: Any, current: Mapping[str, Any], etag: str) -> Response:
    """The 412 itself: the `stale` error body with the object as stored now and its tag, nothing saved."""
    return Response({**error_body("stale", message), "current": current}, status=412, headers={"ETag": etag})


def if_match_fails(header: str, etag: str) -> bool:
    """Whether `If-Match` names neither `*` nor the object's current tag, among any it lists. The tag is a hash of
    the object's editable fields, not of the answer's bytes: the compression of an answer marks its tag weak
    (`W/"…"`), and that tag names the same object, so `W/` is set aside. A tag sent without its quotes is read as
    the same tag. No header, or an empty one: no condition."""
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if not tags:
        return False
    bare = {tag.removeprefix("W/").strip() for tag in tags}
    quoted = {tag if tag.startswith('"') else f'"{tag}"' for tag in bare}
    return "*" not in tags and etag not in quoted


def self_edit_conflict(assessment: Any) -> StateConflict:
    """The 409 a unit's own people get when the assessment's state, the cycle's phase or the deadline forbids
    their change (the code and words of the pages' refusal: `not_editable`, `cycle_closed`, `deadline_passed`);
    a missing right stays a 403, decided by the caller."""
    message, code = self_edit_refusal(assessment)
    return StateConflict(message, code=code)


def end_of_day(value: date) -> datetime:
    """A deadline given as a date means the end of that day, local time (as in the browser)."""
    return datetime.combine(value, time(23, 59, 59), tzinfo=timezone.get_current_timezone())


@extend_schema_field(OpenApiTypes.DATETIME)
class DeadlineField(serializers.Field):
    """A deadline: an ISO date (the end of that day, local time) or an ISO date-time; null removes it."""

    default_error_messages = {
        "invalid": gettext_lazy("Hạn phải là ngày (yyyy-mm-dd) hoặc thời điểm theo ISO 8601."),
    }

    def to_internal_value(self, data: Any) -> datetime:
        text = str(data).strip()
        try:
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:
            self.fail("invalid")
        if day is not None:
            return end_of_day(day)
        if moment is None:
            self.fail("invalid")
        assert moment is not None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


def _date_shape(input_format: str) -> re.Pattern[str]:
    """What a date written in `input_format` looks like, whatever its numbers («%d/%m/%Y» → dd/mm/yyyy)."""
    if input_format.lower() == ISO_8601:
        return re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
    parts = re.split(r"(%[dmY])", input_format)
    digits = {"%d": r"\d{1,2}", "%m": r"\d{1,2}", "%Y": r"\d{4}"}
    return re.compile("".join(digits.get(part) or re.escape(part) for part in parts))


class CalendarDateField(serializers.DateField):
    """A date; one written in an accepted form that the calendar does not have (31/02/2026, 2026-13-01) is refused
    as such, not as a date in a wrong format."""

    default_error_messages = {"no_such_day": gettext_lazy("Ngày «{input}» không có trên lịch.")}

    def to_internal_value(self, value: Any) -> date:
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            text = value.strip() if isinstance(value, str) else ""
            formats = getattr(self, "input_formats", None) or api_settings.DATE_INPUT_FORMATS
            if text and any(_date_shape(f).fullmatch(text) for f in formats):
                self.fail("no_such_day", input=text)
            raise


# DRF's own Vietnamese catalogue leaves most field messages in English; the API's input serializers say them in
# Vietnamese (msgids in Vietnamese, as everywhere in the project, so the English catalogue can translate back).
_COMMON_MESSAGES = {
    "null": gettext_lazy("Trường này không được để trống (null)."),
    "max_value": gettext_lazy("Giá trị phải nhỏ hơn hoặc bằng {max_value}."),
    "min_value": gettext_lazy("Giá trị phải lớn hơn hoặc bằng {min_value}."),
    "invalid_choice": gettext_lazy("«{input}» không phải là lựa chọn hợp lệ."),
    "does_not_exist": gettext_lazy("Không có «{value}»."),
    "not_a_dict": gettext_lazy("Cần một đối tượng JSON, không phải «{input_type}»."),
    "not_a_list": gettext_lazy("Cần một danh sách, không phải «{input_type}»."),
    "max_digits": gettext_lazy("Không được quá {max_digits} chữ số."),
    "max_decimal_places": gettext_lazy("Không được quá {max_decimal_places} chữ số thập phân."),
    "max_whole_digits": gettext_lazy("Không được quá {max_whole_digits} chữ số phần nguyên."),
    "max_string_length": gettext_lazy("Giá trị quá dài."),
    "empty": gettext_lazy("Không được để trống."),
}
_BY_TYPE: list[tuple[type, dict[str, Any]]] = [
    (serializers.IntegerField, {"invalid": gettext_lazy("Hãy nhập một số nguyên.")}),
    (serializers.DecimalField, {"invalid": gettext_lazy("Hãy nhập một số.")}),
    (serializers.BooleanField, {"invalid": gettext_lazy("Hãy nhập true hoặc false.")}),
    (serializers.SlugField, {"invalid": gettext_lazy("Chỉ dùng chữ không dấu, chữ số, gạch dưới hoặc gạch nối.")}),
    (serializers.CharField, {
        "invalid": gettext_lazy("Cần một chuỗi ký tự."),
        "max_length": gettext_lazy("Không được dài quá {max_length} ký tự."),
        "min_length": gettext_lazy("Cần ít nhất {min_length} ký tự."),
    }),
    (serializers.ListField, {
        "max_length": gettext_lazy("Không được quá {max_length} phần tử."),
        "min_length": gettext_lazy("Cần ít nhất {min_length} phần tử."),
    }),
    (serializers.RelatedField, {"invalid": gettext_lazy("Giá trị không hợp lệ.")}),
    (serializers.BaseSerializer, {"invalid": gettext_lazy("Cần một đối tượng JSON.")}),
]


def _in_vietnamese(field: Any) -> Any:
    """The same field built again with Vietnamese messages (rebuilt, not patched: DRF bakes some messages into
    validators when a field is constructed)."""
    if isinstance(field, InputSerializer):
        return field  # builds its own fields
    if isinstance(field, serializers.ListSerializer):  # `many=True`: its messages are read when used
        field.error_messages.update({k: v for k, v in _COMMON_MESSAGES.items() if k in field.error_messages})
        return field
    wanted = [k for k in field.error_messages if k in _COMMON_MESSAGES]
    messages: dict[str, Any] = {k: _COMMON_MESSAGES[k] for k in wanted}
    for kind, texts in _BY_TYPE:
        if isinstance(field, kind):
            messages.update({k: v for k, v in texts.items() if k in field.error_messages})
            break
    kwargs = dict(field._kwargs)
    kwargs["error_messages"] = {**messages, **kwargs.get("error_messages", {})}
    if "child" in kwargs:
        kwargs["child"] = _in_vietnamese(kwargs["child"])
    return field.__class__(*field._args, **kwargs)


MSG_UNKNOWN_FIELD = gettext_lazy("Trường «%(name)s» không được hỗ trợ.")


MSG_MORE_UNKNOWN_FIELDS = gettext_lazy(
    "Còn %(n)s trường khác không được hỗ trợ (chỉ nêu %(shown)s trường đầu). Hãy gửi đúng các trường của yêu cầu này."
)
# Named one by one up to this many: a body of a hundred thousand stray keys would otherwise be answered with as many
# messages (megabytes, seconds of a worker), while no honest mistake misspells more than a few.
MAX_UNKNOWN_FIELDS_NAMED = 20


def unknown_field_errors(names: Iterable[str]) -> dict[str, list[str]]:
    """One field error per key the endpoint does not take, under that key's own name: the first
    `MAX_UNKNOWN_FIELDS_NAMED` of them, and how many more under `non_field_errors`."""
    names = list(names)
    shown = names[:MAX_UNKNOWN_FIELDS_NAMED]
    message = str(MSG_UNKNOWN_FIELD)
    errors = {name: [message % {"name": name}] for name in shown}
    if len(names) > len(shown):
        errors["non_field_errors"] = [
            str(MSG_MORE_UNKNOWN_FIELDS) % {"n": len(names) - len(shown), "shown": len(shown)}
        ]
    return errors


class InputSerializer(serializers.Serializer):
    """Base of the API's request serializers: field errors in Vietnamese, and a key the serializer does not
    have is refused (400 `invalid`, one field error per unknown key, together with the other field errors) so
    that a misspelt field (`not_aplicable`) never lets the write through without it."""

    refuse_unknown = True

    def get_fields(self) -> dict[str, Any]:
        return {name: _in_vietnamese(field) for name, field in super().get_fields().items()}

    def unknown_fields(self, data: Mapping[str, Any]) -> list[str]:
        """The keys of `data` this serializer does not take (subclasses add nested ones, e.g. `value.x`)."""
        if not self.refuse_unknown:
            return []
        known = {name for name, field in self.fields.items() if not field.read_only}
        return [str(key) for key in data if key not in known]

    def to_internal_value(self, data: Any) -> Any:
        unknown = unknown_field_errors(self.unknown_fields(data)) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                merged = {**exc.detail, **unknown}
                if "non_field_errors" in exc.detail and "non_field_errors" in unknown:
                    merged["non_field_errors"] = [*exc.detail["non_field_errors"], *unknown["non_field_errors"]]
                raise serializers.ValidationError(merged) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class NoBodyInput(InputSerializer):
    """The body of an endpoint that takes none: every key is unknown."""


def refuse_body(request: Request) -> None:
    """An endpoint that takes no body (submit, sign-off, start, …) refuses one that carries anything, as every
    request body is strict: 400 `invalid`, one field error per key («Trường «foo» không được hỗ trợ.»), before
    anything is done. No body, `{}`, `null` or an empty form are taken."""
    data = request.data
    if data is None or (isinstance(data, Mapping) and not data):
        return
    NoBodyInput(data=data).is_valid(raise_exception=True)


class QuerySerializer(InputSerializer):
    """Query parameters: checked and worded as request bodies, but other parameters are ignored (a list's
    filters, `page`, `format` or a cache buster belong to the URL, not to this serializer)."""

    refuse_unknown = False


def value_key_errors(value: Any, rule: Any) -> list[str]:
    """The keys of a score `value` the leaf's method does not take, as `value.<key>` (`value.counts.<key>` inside
    the counts): the engine's `input_fields` lists the expected ones ("counts.a" is key "a" of "counts"). A rule the
    engine refuses is left to the service, which says why."""
    from scoring import engine

    if not isinstance(value, Mapping):
        return []
    try:
        expected = engine.input_fields(rule)
    except engine.EngineError:
        return []
    nested: dict[str, set[str]] = {}
    top: set[str] = set()
    for name in expected:
        head, _dot, tail = name.partition(".")
        top.add(head)
        if tail:
            nested.setdefault(head, set()).add(tail)
    if str(rule.method) in {engine.Method.FORMULA.value, engine.Method.PER_OCCURRENCE.value}:
        top.add("counts")  # even a method without any item takes its (empty) counts
        nested.setdefault("counts", set())
    unknown = [f"value.{key}" for key in value if key not in top]
    for head, keys in nested.items():
        inner = value.get(head)
        if isinstance(inner, Mapping):
            unknown += [f"value.{head}.{key}" for key in inner if key not in keys]
    return unknown


class ScoreValueInput(InputSerializer):
    """A request with a score `value`: the view passes the leaf's rule as `context["rule"]`, and keys of `value`
    the leaf's method does not take are refused as unknown fields."""

    def unknown_fields(self, data: Mapping[str, Any]) -> list[str]:
        unknown = super().unknown_fields(data)
        rule = self.context.get("rule")
        if rule is not None:
            unknown += value_key_errors(data.get("value"), rule)
        return unknown


MAX_REVISION = 9999
MSG_REVISION_TWICE = gettext_lazy("«lan» là tên khác của «revision»: chỉ gửi một trong hai (hoặc cùng một số).")


class RevisionQuery(QuerySerializer):
    """Which publication of a year to read: `revision` (or `lan`, the public pages' name for it); the latest when
    neither is given. Not a whole number from 1 to 9999 → 400 on that parameter; a revision the year does not
    have → 404."""

    revision = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_REVISION, help_text="Lần công bố (mặc định: lần mới nhất)."
    )
    lan = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_REVISION,
        help_text="Tên khác của `revision` (như `?lan=` của trang công khai).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lan = attrs.pop("lan", None)
        if lan is not None:
            if attrs.get("revision", lan) != lan:
                raise serializers.ValidationError({"lan": [MSG_REVISION_TWICE]})
            attrs["revision"] = lan
        return attrs
