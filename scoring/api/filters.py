"""Query filters of the list endpoints (django-filter). A value that does not parse, or names a code that does
not exist, is a 400 with the field's message in the one error format (never ignored, never a 500)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from drf_spectacular.drainage import set_override
from rest_framework import serializers

from scoring.administration.selectors import search_key, text_search
from scoring.models import Assessment, Cycle, IndicatorSet, RankingGroup, Unit, UnitKind

BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


MIN_YEAR, MAX_YEAR = 2000, 2100


def _words(key: str, **params: Any) -> Any:
    """One of the API's own field messages (`scoring.api.common`, the words of the queue's and the bodies'
    refusals), filled in lazily: a filter says «Giá trị phải nhỏ hơn hoặc bằng 2100.» like the queue, not Django's
    stock text."""
    from scoring.api.common import _COMMON_MESSAGES

    return lazy(lambda: str(_COMMON_MESSAGES[key]).format(**params), str)()


# A filter that names no cycle: the words of the appraisal queue's `cycle` and `year` (which imports them)
MSG_NO_CYCLE_YEAR = _("Không có kỳ đánh giá năm %(year)s.")
MSG_NO_CYCLE = _("Không có kỳ đánh giá mã số (id) %(cycle)s.")


def _filled(message: Any, **params: Any) -> Any:
    """`message` % `params`, lazily (Django fills in `%(value)s` when a choice names nothing)."""
    return lazy(lambda: str(message) % params, str)()


class ApiFilterSet(filters.FilterSet):
    """A list's filters, refused in the API's own words (those of the bodies and the queue) rather than Django's
    stock ones («Hãy chọn một lựa chọn hợp lệ…»): a choice that names nothing, a number that is not one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in self.filters.values():
            messages = dict(item.extra.get("error_messages") or {})
            if isinstance(item, filters.ModelChoiceFilter):
                messages.setdefault("invalid_choice", _words("does_not_exist", value="%(value)s"))
            elif isinstance(item, filters.ChoiceFilter):
                messages.setdefault("invalid_choice", _words("invalid_choice", input="%(value)s"))
            elif isinstance(item, filters.NumberFilter):
                messages.setdefault("invalid", _("Hãy nhập một số nguyên."))
            item.extra["error_messages"] = messages
            item.__dict__.pop("_field", None)  # a form field built before (the schema reads them) has the old words


class StrictBooleanFilter(filters.ChoiceFilter):
    """`true`/`false` (or 1/0); anything else is refused rather than silently ignored. Documented as a boolean (a
    client sends `true` or `false`), not as a boolean with an enum of strings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        super().__init__(*args, **kwargs)
        set_override(self, "field", {"type": "boolean", "description": kwargs.get("label", "")})

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value in ("true", "1")})


class CodeOrIdChoiceField(filter_fields.ModelChoiceField):
    """A row named by its code or, when no row has that code and the value is a whole number, by its id (as the
    appraisal queue's `group`); anything else is refused with `invalid_choice`."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        # no code holds a NUL (and the database takes none in a query): nothing is named so
        found = self.queryset.filter(**{self.to_field_name or "pk": text}).first() if "\x00" not in text else None
        if found is None and text.isascii() and text.isdigit() and len(text) <= 18:
            found = self.queryset.filter(pk=int(text)).first()
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )
        return found


class CodeOrIdFilter(filters.ModelChoiceFilter):
    field_class = CodeOrIdChoiceField


def _year(**kwargs: Any) -> IntegerFilter:
    """A year from 2000 to 2100, refused in the words of the queue's `year` (and documented with its bounds)."""
    kwargs.setdefault("label", _("Năm"))
    year = IntegerFilter(
        min_value=MIN_YEAR, max_value=MAX_YEAR,
        error_messages={
            "invalid": _("Hãy nhập một số nguyên."),
            "min_value": _words("min_value", min_value=MIN_YEAR),
            "max_value": _words("max_value", max_value=MAX_YEAR),
        },
        **kwargs,
    )
    set_override(year, "field", {
        "type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR, "description": kwargs["label"],
    })
    return year


class UnitFilter(ApiFilterSet):
    kind = filters.ModelChoiceFilter(
        queryset=UnitKind.objects.all(), to_field_name="code", label=_("Mã loại đơn vị")
    )
    group = filters.ModelChoiceFilter(
        field_name="ranking_group", queryset=RankingGroup.objects.all(), to_field_name="code",
        label=_("Mã khối xếp hạng"),
    )
    ranking_group = filters.ModelChoiceFilter(
        queryset=RankingGroup.objects.all(), to_field_name="code", label=_("Mã khối xếp hạng (tên cũ của group)")
    )
    active = StrictBooleanFilter(label=_("Đang hoạt động"))
    parent = filters.ModelChoiceFilter(queryset=Unit.objects.all(), to_field_name="code", label=_("Mã đơn vị cấp trên"))
    q = filters.CharFilter(method="search", max_length=100, label=_("Tìm theo tên, tên viết tắt hoặc mã"))

    class Meta:
        model = Unit
        fields: list[str] = []

    def search(self, qs: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        if not search_key(value):
            return qs
        return qs.filter(text_search(value, "name", "short_name", "code"))  # as the units page searches


class IndicatorSetFilter(ApiFilterSet):
    year = _year()
    unit_kind = filters.ModelChoiceFilter(
        queryset=UnitKind.objects.all(), to_field_name="code", label=_("Mã loại đơn vị")
    )
    status = filters.ChoiceFilter(choices=IndicatorSet.Status.choices, label=_("Trạng thái"))

    class Meta:
        model = IndicatorSet
        fields: list[str] = []


class CycleFilter(ApiFilterSet):
    year = _year()
    phase = filters.ChoiceFilter(choices=Cycle.Phase.choices, label=_("Giai đoạn"))

    class Meta:
        model = Cycle
        fields: list[str] = []


class AssessmentFilter(ApiFilterSet):
    """A `cycle` or `year` that names no cycle is a 400 on it, in the appraisal queue's words."""

    cycle = filters.ModelChoiceFilter(
        queryset=Cycle.objects.all(), label=_("Mã số (id) kỳ đánh giá"),
        error_messages={"invalid_choice": _filled(MSG_NO_CYCLE, cycle="%(value)s")},
    )
    year = _year(field_name="cycle__year", method="filter_year",
                 label=_("Năm của kỳ đánh giá (một năm không có kỳ nào là lỗi 400)"))
    unit = CodeOrIdFilter(
        queryset=Unit.objects.all(), to_field_name="code", label=_("Mã đơn vị, hoặc mã số (id) của đơn vị"),
        error_messages={"invalid_choice": _("Không có đơn vị «%(value)s» (mã đơn vị hoặc mã số id).")},
    )
    state = filters.ChoiceFilter(choices=Assessment.State.choices, label=_("Trạng thái"))

    class Meta:
        model = Assessment
        fields: list[str] = []

    def filter_year(self, qs: QuerySet[Assessment], name: str, value: int | None) -> QuerySet[Assessment]:
        if value is None:
            return qs
        if not Cycle.objects.filter(year=value).exists():
            raise serializers.ValidationError({"year": [_filled(MSG_NO_CYCLE_YEAR, year=value)]})
        return qs.filter(cycle__year=value)
