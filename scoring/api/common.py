"""Pieces shared by the scoring API views: documented error responses, the administrator permission, a
deadline field, and the mapping of a refused service call to the request field it concerns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request

from cchc.api import ErrorSerializer
from scoring import permissions
from scoring.errors import DomainError

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
    client sees it under `fields` as well as in `message`."""
    try:
        yield
    except DomainError as exc:
        field = codes.get(exc.code)
        if field and exc.details is None:
            exc.details = {"field": field}
        raise


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


class InputSerializer(serializers.Serializer):
    """Base of the API's request serializers: field errors in Vietnamese."""

    def get_fields(self) -> dict[str, Any]:
        return {name: _in_vietnamese(field) for name, field in super().get_fields().items()}
