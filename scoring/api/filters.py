"""Query filters of the list endpoints (django-filter). A value that does not parse, or names a code that does
not exist, is a 400 with the field's message in the one error format (never ignored, never a 500)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters

from scoring.administration.selectors import search_key, text_search
from scoring.models import Assessment, Cycle, IndicatorSet, RankingGroup, Unit, UnitKind

BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class StrictBooleanFilter(filters.ChoiceFilter):
    """`true`/`false` (or 1/0); anything else is refused rather than silently ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        super().__init__(*args, **kwargs)

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
    return IntegerFilter(min_value=2000, max_value=2100, label=_("Năm"), **kwargs)


class UnitFilter(filters.FilterSet):
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


class IndicatorSetFilter(filters.FilterSet):
    year = _year()
    unit_kind = filters.ModelChoiceFilter(
        queryset=UnitKind.objects.all(), to_field_name="code", label=_("Mã loại đơn vị")
    )
    status = filters.ChoiceFilter(choices=IndicatorSet.Status.choices, label=_("Trạng thái"))

    class Meta:
        model = IndicatorSet
        fields: list[str] = []


class CycleFilter(filters.FilterSet):
    year = _year()
    phase = filters.ChoiceFilter(choices=Cycle.Phase.choices, label=_("Giai đoạn"))

    class Meta:
        model = Cycle
        fields: list[str] = []


class AssessmentFilter(filters.FilterSet):
    cycle = filters.ModelChoiceFilter(queryset=Cycle.objects.all(), label=_("Mã số (id) kỳ đánh giá"))
    year = _year(field_name="cycle__year")
    unit = CodeOrIdFilter(
        queryset=Unit.objects.all(), to_field_name="code", label=_("Mã đơn vị, hoặc mã số (id) của đơn vị"),
        error_messages={"invalid_choice": _("Không có đơn vị «%(value)s» (mã đơn vị hoặc mã số id).")},
    )
    state = filters.ChoiceFilter(choices=Assessment.State.choices, label=_("Trạng thái"))

    class Meta:
        model = Assessment
        fields: list[str] = []
