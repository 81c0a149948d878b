"""Administration forms: they parse what a person typed; the services decide what is valid.

A leaf's parameters are edited as plain fields and one-entry-per-line lists ("key | label | points"),
so the editor works without JavaScript; `params_from_post` builds the engine's params from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from cchc.collation import vietnamese
from scoring import engine
from scoring.administration.validators import CODE_ERRORS, EMAIL_ERRORS, step_problem
from scoring.errors import ValidationFailed, engine_text
from scoring.models import Cycle, Indicator, IndicatorSet, RankingGroup, RoleAssignment, Unit, UnitKind
from scoring.text import visible_text

LIST_PARAMS = {
    "options": ("key", "label", "points"),
    "items": ("key", "label", "points"),
    "variables": ("name", "label"),
    "bands": ("min", "inclusive", "points"),
}
TEXT_LIST_PARAMS = {"limits"}  # a list of texts, one per line ("b + c <= a")
METHOD_PARAMS: dict[str, tuple[str, ...]] = {
    "manual": ("step",),
    "levels": ("options",),
    "yes_no": ("yes_points", "no_points"),
    "ratio_bands": ("bands", "whole_numbers"),
    "proportional": ("threshold", "below_points", "whole_numbers"),
    "formula": ("variables", "expression", "on_zero_division", "limits"),
    "per_occurrence": ("items", "base"),
    "survey": (),
}
DECIMAL_PARAMS = {
    "step",
    "yes_points",
    "no_points",
    "threshold",
    "below_points",
    "on_zero_division",
    "base",
    "points",
    "min",
}
# Ticked or not (a checkbox `p_<name>` posting "1"): stored as true when ticked, left out when not (the engine's
# default, false), so a set saved before the parameter existed reads the same.
BOOL_PARAMS = {"whole_numbers"}
_TICKED = frozenset({"1", "on", "true"})


# The parameters that are a percentage (a ratio band's threshold, the proportional threshold): a trailing «%» as
# typed («90%», «90 %») is the column's unit, not part of the number.
PERCENT_PARAMS = {"min", "threshold"}
# The comparison column of a ratio band: «>» (the rate must be above the threshold) or «>=» (at or above it), «≥»
# and «=>» read as «>=». Anything else («<=», «≤», blank, a word) is refused by the editor (`band_comparison`).
BAND_COMPARISONS = {">": False, ">=": True, "≥": True, "=>": True}


def band_comparison(text: str) -> bool | None:
    """Whether a band's comparison as typed includes its threshold (True: «>=»), excludes it (False: «>»), or None
    when it is not one the column takes."""
    return BAND_COMPARISONS.get("".join(str(text).split()))


def _number_text(raw: str) -> str:
    return raw.strip().replace(",", ".")


def percent_text(raw: str) -> str:
    """A percentage as typed, without the trailing «%» the column's unit allows («90 %» → «90»)."""
    text = raw.strip()
    return text[:-1].rstrip() if text.endswith("%") else text


def number_problem(raw: str) -> str | None:
    """Why a typed number is refused, by the rule of the score sheet and the engine (`engine.to_decimal` with
    `refuse_groups`): «1.000» and «1,000» may be a thousand or a one, so they are refused, not read as 1; None
    when it is a number."""
    try:
        engine.to_decimal(raw, field="value", refuse_groups=True)
    except engine.EngineError as exc:
        return str(engine_text(exc))
    return None


class NumberField(forms.CharField):
    """A decimal typed in an administration form (points, a step, a cap, a threshold), read as the score sheet
    reads one: a decimal comma or point, no thousands separator. Cleaned to the number's plain text with a
    point ("0.25", "100"; "" when left empty), as the services take it; the services check the range."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return ""
        problem = number_problem(text)
        if problem:
            raise forms.ValidationError(problem, code="invalid_number")
        number = engine.to_decimal(text, field="value")
        return format(number.normalize(), "f") if number else "0"


def _list_from_text(name: str, text: str) -> list[dict[str, Any]]:
    keys = LIST_PARAMS[name]
    out: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        entry: dict[str, Any] = {}
        for key, part in zip(keys, parts, strict=False):
            if key == "inclusive":  # anything but the column's comparisons is refused first (`band_comparison`)
                entry[key] = bool(band_comparison(part))
            elif key in PERCENT_PARAMS:
                entry[key] = _number_text(percent_text(part))
            elif key in DECIMAL_PARAMS:
                entry[key] = _number_text(part)
            else:
                entry[key] = part
        if name == "bands" and len(parts) == 2:  # "min | points": inclusive by default
            entry = {"min": _number_text(percent_text(parts[0])), "inclusive": True, "points": _number_text(parts[1])}
        out.append(entry)
    return out


def params_from_post(method: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The engine params of `method` from the posted fields `p_<name>` (empty fields are left out)."""
    params: dict[str, Any] = {}
    for name in METHOD_PARAMS.get(method, ()):
        raw = str(data.get(f"p_{name}", "") or "")
        if name in LIST_PARAMS:
            params[name] = _list_from_text(name, raw)
        elif name in BOOL_PARAMS:
            if raw.strip().lower() in _TICKED:
                params[name] = True
        elif name in TEXT_LIST_PARAMS:  # one entry per line; none: left out
            if entries := [line.strip() for line in raw.splitlines() if line.strip()]:
                params[name] = entries
        elif raw.strip():
            if name in PERCENT_PARAMS:
                raw = percent_text(raw)
            params[name] = _number_text(raw) if name in DECIMAL_PARAMS else raw.strip()
    return params


def _display_number(raw: Any) -> str:
    """A number as a person types it: decimal comma, never an exponent (Decimal("100").normalize() is 1E+2)."""
    if raw is None:
        return ""
    if isinstance(raw, Decimal) and raw.is_finite():
        return format(raw.normalize(), "f").replace(".", ",")
    return str(raw).replace(".", ",")


def params_initial(params: Mapping[str, Any]) -> dict[str, str]:
    """The posted-field form (`p_<name>`) of stored params, for the editor."""
    initial: dict[str, str] = {}
    for name, value in (params or {}).items():
        if name in BOOL_PARAMS:
            initial[f"p_{name}"] = "1" if value is True else ""
        elif name in TEXT_LIST_PARAMS and isinstance(value, list):
            initial[f"p_{name}"] = "\n".join(str(entry) for entry in value)
        elif name in LIST_PARAMS and isinstance(value, list):
            lines = []
            for entry in value:
                if name == "bands":
                    op = ">=" if entry.get("inclusive") else ">"
                    lines.append(f"{_display_number(entry.get('min'))} | {op} | {_display_number(entry.get('points'))}")
                else:
                    cells = [
                        _display_number(entry.get(k)) if k in DECIMAL_PARAMS else str(entry.get(k, ""))
                        for k in LIST_PARAMS[name]
                    ]
                    lines.append(" | ".join(cells))
            initial[f"p_{name}"] = "\n".join(lines)
        else:
            initial[f"p_{name}"] = _display_number(value) if name in DECIMAL_PARAMS else str(value)
    return initial


def _comparable(value: Any) -> Any:
    """A value as typed or stored, for telling whether two are the same: spaces collapsed, numbers as numbers
    («0,5» is 0.5), lists and mappings entry by entry."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _comparable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_comparable(v) for v in value)
    if isinstance(value, Decimal):
        return value.normalize() if value.is_finite() else value
    if isinstance(value, str):
        text = " ".join(value.split())
        try:
            number = Decimal(text.replace(",", "."))
        except (InvalidOperation, ValueError):
            return text
        return number.normalize() if number.is_finite() else text
    return value


def _shown(field: forms.Field, raw: Any) -> str:
    """A stored value as its form field shows it."""
    if isinstance(field, forms.BooleanField):
        return str(_("Có") if raw else _("Không"))
    if isinstance(field, forms.ChoiceField):
        choices: Any = field.choices
        return str(dict(choices).get(raw, raw) or "—")
    return str(raw) if raw not in (None, "") else "—"


def stored_differences(typed: forms.Form, stored: forms.Form) -> list[tuple[Any, str]]:
    """The fields of `typed` (a valid form as a person filled it) whose value differs from the one in `stored`
    (the same form filled with the values stored now): (label, stored value as the form shows it)."""
    stored.is_valid()
    differences = []
    for name, field in typed.fields.items():
        if name not in typed.cleaned_data or name not in stored.cleaned_data:
            continue
        if _comparable(typed.cleaned_data[name]) != _comparable(stored.cleaned_data[name]):
            differences.append((field.label, _shown(field, stored.data.get(name))))
    return differences


class SetMetaForm(forms.Form):
    # changed only while the set is a draft nothing uses (the form is shown only then; the service checks it);
    # not posted at all (a form drawn before it had the field), the key is kept; posted blank, it is refused
    key = forms.SlugField(label=_l("Mã bộ (chữ thường, gạch nối)"), max_length=60, error_messages=CODE_ERRORS,
                          required=False)
    name = forms.CharField(label=_l("Tên bộ chỉ số"), max_length=255)
    decision_ref = forms.CharField(label=_l("Quyết định ban hành"), max_length=255, required=False)
    standard_max = NumberField(label=_l("Điểm chuẩn"), initial="100")
    index_mode = forms.ChoiceField(label=_l("Cách tính chỉ số"), choices=IndicatorSet.IndexMode.choices)
    bonus_cap = NumberField(label=_l("Trần điểm cộng"), required=False)
    penalty_cap = NumberField(label=_l("Trần điểm trừ"), required=False)
    bands = forms.CharField(
        label=_l("Thang xếp loại (mỗi dòng: ngưỡng | tên, từ cao xuống thấp)"),
        help_text=_l("Mức thấp nhất có ngưỡng 0 và gồm cả chỉ số âm (do điểm trừ hoặc lựa chọn điểm âm)."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    source_note = forms.CharField(label=_l("Ghi chú nguồn"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_key(self) -> str:
        """A key emptied on the form is refused (it named the set in its pages' addresses and the API), not
        silently kept."""
        key = self.cleaned_data.get("key") or ""
        if not key.strip() and "key" in self.data:
            raise forms.ValidationError(
                _("Hãy nhập mã bộ chỉ số (chữ thường không dấu, chữ số, gạch nối), ví dụ «tg-2026-so»; để trống "
                  "thì không lưu được."),
                code="required",
            )
        return key

    def clean_bands(self) -> list[dict[str, str]]:
        bands = []
        for line in self.cleaned_data["bands"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|", 1)]
            if len(parts) != 2 or not parts[1]:
                raise forms.ValidationError(_("Mỗi dòng gồm: ngưỡng | tên mức (ví dụ «90 | Tốt»)."))
            try:
                threshold = NumberField().clean(parts[0])
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    _("Ngưỡng «%(v)s»: %(why)s") % {"v": parts[0], "why": " ".join(exc.messages)}
                ) from None
            bands.append({"min": threshold, "label": parts[1]})
        return bands

    @staticmethod
    def initial_for(indicator_set: IndicatorSet) -> dict[str, Any]:
        return {
            "key": indicator_set.key,
            "name": indicator_set.name,
            "decision_ref": indicator_set.decision_ref,
            "standard_max": _display_number(indicator_set.standard_max.normalize()),
            "index_mode": indicator_set.index_mode,
            "bonus_cap": _display_number(indicator_set.bonus_cap) if indicator_set.bonus_cap is not None else "",
            "penalty_cap": _display_number(indicator_set.penalty_cap) if indicator_set.penalty_cap is not None else "",
            "bands": "\n".join(
                f"{_display_number(b['min'])} | {b['label']}" for b in indicator_set.classification_bands
            ),
            "source_note": indicator_set.source_note,
        }

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["classification_bands"] = data.pop("bands")
        return data


class SetCreateForm(SetMetaForm):
    key = forms.SlugField(label=_l("Mã bộ (chữ thường, gạch nối)"), max_length=60, error_messages=CODE_ERRORS)
    year = forms.IntegerField(label=_l("Năm"), min_value=2000, max_value=2100)
    unit_kind = forms.ModelChoiceField(label=_l("Loại đơn vị"), queryset=UnitKind.objects.all())

    field_order = ["key", "year", "unit_kind"]


class CloneForm(forms.Form):
    """The clone's key and name follow the year typed (static/js/set-clone.js) until they are edited by hand."""

    key = forms.SlugField(label=_l("Mã bộ mới"), max_length=60, error_messages=CODE_ERRORS,
                          widget=forms.TextInput(attrs={"data-follows-year": "key"}))
    year = forms.IntegerField(label=_l("Năm áp dụng"), min_value=2000, max_value=2100,
                              widget=forms.NumberInput(attrs={"data-clone-year": ""}))
    name = forms.CharField(label=_l("Tên bộ mới"), max_length=255, required=False,
                           widget=forms.TextInput(attrs={"data-follows-year": "name"}))
    decision_ref = forms.CharField(label=_l("Quyết định ban hành"), max_length=255, required=False)


class IndicatorForm(forms.Form):
    # Only a leaf is scored: its method, source and evidence settings are not shown for a group (an area or a
    # criterion with children), so a group keeps the values it has (`initial`) instead of what was not posted.
    LEAF_ONLY = ("method", "source", "evidence_required", "allow_not_applicable", "on_time_submission")

    code = forms.CharField(label=_l("Mã"), max_length=30)
    name = forms.CharField(label=_l("Nội dung"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_l("Loại"), choices=Indicator.Kind.choices)
    max_points = NumberField(label=_l("Điểm tối đa"))
    floor = NumberField(label=_l("Điểm tối thiểu"), required=False, initial="0")
    method = forms.ChoiceField(label=_l("Phương pháp chấm"), choices=Indicator.Method.choices, required=False)
    evidence_required = forms.BooleanField(label=_l("Cần tài liệu kiểm chứng"), required=False)
    allow_not_applicable = forms.BooleanField(label=_l("Cho phép «không phát sinh»"), required=False)
    on_time_submission = forms.BooleanField(
        label=_l("Tiêu chí về thời hạn gửi báo cáo tự đánh giá"), required=False,
        help_text=_l("Tổ thẩm định được cảnh báo ở tiêu chí này khi đơn vị không gửi hoặc gửi báo cáo tự đánh giá "
                     "sau thời hạn."))
    source = forms.ChoiceField(label=_l("Nguồn điểm"), choices=Indicator.Source.choices)
    coordinating_department = forms.CharField(label=_l("Cơ quan phối hợp thẩm định"), required=False)
    guidance = forms.CharField(label=_l("Hướng dẫn"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, leaf: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaf = leaf
        # the refusals of the method's parameters (not form fields: typed in the editor's own inputs), by the
        # parameter at fault, so the page marks that input and links to it
        self.param_errors: dict[str, list[str]] = {}
        if not leaf:
            for name in self.LEAF_ONLY:
                self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        """The method's number parameters read as the number fields are; a direct-points maximum that is not a
        multiple of the step (the engine's rule: never reachable) refused on the maximum."""
        data = super().clean() or {}
        method = str(data.get("method") or "") if self.leaf else ""
        for name, problem in self._param_number_problems(method):
            self.add_param_error(name, problem)
        if method == Indicator.Method.MANUAL and data.get("max_points") and "max_points" not in self.errors:
            raw_step = str(self.data.get("p_step", "") or "").strip()
            if not number_problem(raw_step or "0"):  # left empty: the engine's default step
                unreachable = step_problem(
                    max_points=Decimal(data["max_points"]), floor=Decimal(data.get("floor") or "0"),
                    step=_number_text(raw_step) or None,
                )
                if unreachable:
                    self.add_error("max_points", unreachable)
        return data

    def add_param_error(self, name: str, message: Any) -> None:
        """A refusal of the parameter `name` («options»): the form is invalid, and the page marks that input."""
        self.param_errors.setdefault(name, []).append(str(message))
        self.add_error(None, message)

    def _param_number_problems(self, method: str) -> list[tuple[str, str]]:
        """The refusals of the numbers typed in `method`'s parameters (a list's by its line), labelled as the editor
        shows them, each with the parameter at fault."""
        from scoring.administration.services.tree import PARAM_LABELS

        problems: list[tuple[str, str]] = []
        for name in METHOD_PARAMS.get(method, ()):
            raw = str(self.data.get(f"p_{name}", "") or "")
            label = PARAM_LABELS.get(name, name)
            if name in LIST_PARAMS:
                keys = LIST_PARAMS[name]
                for number, line in enumerate(raw.splitlines(), start=1):
                    parts = [p.strip() for p in line.split("|")]
                    if name == "bands" and len(parts) == 2:  # "min | points"
                        cells = [percent_text(parts[0]), parts[1]]
                    else:
                        cells = [percent_text(p) if k in PERCENT_PARAMS else p
                                 for k, p in zip(keys, parts, strict=False) if k in DECIMAL_PARAMS]
                    for cell in cells:
                        if cell and (problem := number_problem(cell)):
                            problems.append((name, _("«%(label)s», dòng %(n)s: %(why)s") % {
                                "label": label, "n": number, "why": problem}))
            elif name in DECIMAL_PARAMS and raw.strip() and (
                problem := number_problem(percent_text(raw) if name in PERCENT_PARAMS else raw)
            ):
                problems.append((name, _("«%(label)s»: %(why)s") % {"label": label, "why": problem}))
        return problems

    @staticmethod
    def initial_for(indicator: Indicator) -> dict[str, Any]:
        initial = {
            "code": indicator.code,
            "name": indicator.name,
            "kind": indicator.kind,
            "max_points": _display_number(indicator.max_points.normalize()),
            "floor": _display_number(indicator.floor.normalize()),
            "method": indicator.method,
            "evidence_required": indicator.evidence_required,
            "allow_not_applicable": indicator.allow_not_applicable,
            "on_time_submission": indicator.on_time_submission,
            "source": indicator.source,
            "coordinating_department": indicator.coordinating_department,
            "guidance": indicator.guidance,
        }
        initial.update(params_initial(indicator.params))
        return initial

    @staticmethod
    def stored_differences(
        typed: IndicatorForm, posted: Mapping[str, Any], indicator: Indicator
    ) -> list[tuple[Any, str]]:
        """The fields (and the method's parameters) typed on the criterion's page whose stored value, now, differs:
        (label, stored value as the page shows it)."""
        from scoring.administration.services.tree import PARAM_LABELS

        initial = IndicatorForm.initial_for(indicator)
        differences = stored_differences(typed, IndicatorForm(initial, leaf=indicator.is_leaf))
        if not indicator.is_leaf:
            return differences
        typed_method = str(typed.cleaned_data.get("method") or "")
        typed_params = params_from_post(typed_method, posted)
        stored_params = params_from_post(indicator.method, initial)
        names = dict.fromkeys((*METHOD_PARAMS.get(indicator.method, ()), *METHOD_PARAMS.get(typed_method, ())))
        for name in names:
            if _comparable(typed_params.get(name)) != _comparable(stored_params.get(name)):
                shown = (str(_("Có") if stored_params.get(name) else _("Không")) if name in BOOL_PARAMS
                         else initial.get(f"p_{name}") or "—")
                differences.append((PARAM_LABELS.get(name, name), shown))
        return differences

    def service_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        clean = dict(self.cleaned_data)
        if not self.leaf:
            for name in self.LEAF_ONLY:
                clean[name] = self.initial.get(name, self.fields[name].initial)
            clean["method"] = ""
        clean["params"] = params_from_post(clean.get("method") or "", data)
        return clean


class MappingForm(forms.Form):
    from_code = forms.CharField(label=_l("Mã ở bộ cũ"), max_length=30)
    to_code = forms.CharField(label=_l("Mã ở bộ mới"), max_length=30)


class UploadForm(forms.Form):
    file = forms.FileField(label=_l("Tệp Excel (.xlsx)"))


def _units_below(unit: Unit) -> set[int]:
    """The ids of the units below `unit` (its children, theirs, and so on, stopped ones included): one query."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Unit.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    below: set[int] = set()
    waiting = list(children.get(unit.pk, []))
    while waiting:
        pk = waiting.pop()
        if pk not in below and pk != unit.pk:  # a cycle stored before the service refused them ends here
            below.add(pk)
            waiting.extend(children.get(pk, []))
    return below


def _vietnamese_data_select() -> forms.Select:
    """A drop-down of names (units, kinds, groups, people): Vietnamese data whatever the page's language, marked
    so for a screen reader on a page in English (WCAG 3.1.2, as `data_language` marks texts)."""
    return forms.Select(attrs={"lang": "vi"})


class ParentUnitChoiceField(forms.ModelChoiceField):
    """A parent unit by name; a stopped one (a unit's current parent stays offered) says so: a unit in activity may
    carry the name of a stopped one (a department re-established after a reorganisation)."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.name if obj.active else _("%(name)s (ngừng hoạt động)") % {"name": obj.name}


class UnitForm(forms.Form):
    code = forms.SlugField(label=_l("Mã"), max_length=40, error_messages=CODE_ERRORS)
    name = forms.CharField(label=_l("Tên đơn vị"), max_length=255)
    short_name = forms.CharField(label=_l("Tên viết tắt"), max_length=60, required=False)
    kind = forms.ModelChoiceField(
        label=_l("Loại đơn vị"), queryset=UnitKind.objects.all(), widget=_vietnamese_data_select()
    )
    ranking_group = forms.ModelChoiceField(
        label=_l("Khối xếp hạng"), queryset=RankingGroup.objects.all(), required=False,
        widget=_vietnamese_data_select(),
    )
    parent = ParentUnitChoiceField(
        label=_l("Đơn vị cấp trên"), queryset=Unit.objects.filter(active=True), required=False,
        widget=_vietnamese_data_select(),
        # a unit the list leaves out, posted from a page opened before a change (or typed): say which are offered
        error_messages={"invalid_choice": _l(
            "Không thể chọn đơn vị này: đơn vị cấp trên phải đang hoạt động, không phải chính đơn vị đang sửa hay "
            "một đơn vị cấp dưới của nó. Hãy chọn lại trong danh sách."
        )},
    )
    superior_body = forms.CharField(
        label=_l("Cơ quan chủ quản"), max_length=255, required=False,
        help_text=_l("In ở dòng đầu tiêu đề báo cáo của đơn vị, phía trên tên đơn vị (Nghị định 30/2020/NĐ-CP): cơ "
                     "quan trung ương của đơn vị ngành dọc, ví dụ «Tổng cục Thuế». Để trống: UBND tỉnh."),
    )

    def __init__(self, *args: Any, unit: Unit | None = None, **kwargs: Any) -> None:
        """`unit`: the unit edited (None: a new one). The parents offered are the units in activity, in Vietnamese
        alphabetical order (as the merge list), never the unit itself nor a unit below it (its children and theirs,
        which the service refuses: a cycle); its current parent stays offered after it stopped, so that a save
        leaves the unit where it is instead of failing on the drop-down."""
        super().__init__(*args, **kwargs)
        offered = Q(active=True)
        if unit is not None and unit.parent_id:
            offered |= Q(pk=unit.parent_id)
        parents = Unit.objects.filter(offered)
        if unit is not None:
            parents = parents.exclude(pk__in=[unit.pk, *_units_below(unit)])
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = parents.order_by(vietnamese("name"), "code")

    def clean_superior_body(self) -> str:
        """The service's rule (`visible_text`), said under the field: a hidden character is refused."""
        try:
            return visible_text(self.cleaned_data.get("superior_body"), field="superior_body")
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc


class MergeUnitChoiceField(forms.ModelChoiceField):
    """A unit to merge into, shown with its ranking group: a merge into another group changes where its people's
    unit is ranked."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.ranking_group.name})" if obj.ranking_group_id else obj.name


class MergeForm(forms.Form):
    # every active unit is taken here; the page offers those of the unit's kind, and the service refuses another kind
    into = MergeUnitChoiceField(label=_l("Sáp nhập vào đơn vị"), queryset=Unit.objects.filter(active=True))
    reason = forms.CharField(label=_l("Căn cứ (quyết định sáp nhập)"), widget=forms.Textarea(attrs={"rows": 2}))
    # ticked when the page asked to confirm a merge into another ranking group
    group_change_seen = forms.BooleanField(required=False)


class CodeNameForm(forms.Form):
    code = forms.SlugField(label=_l("Mã"), max_length=40, error_messages=CODE_ERRORS)
    name = forms.CharField(label=_l("Tên"), max_length=200)


# A day is typed dd/mm/yyyy, as on the publish form: a native date picker shows the browser's format (mm/dd/yyyy
# in an English browser, where 03/01 reads as 1 March). ISO dates (what a date picker posts) are still read.
DATE_INPUT = forms.DateInput(
    attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}, format="%d/%m/%Y"
)
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_PICKER = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the audit log's filter


class DayField(forms.DateField):
    """A date typed dd/mm/yyyy (`DATE_INPUT`)."""

    widget = DATE_INPUT

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": _l("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy.")})
        super().__init__(**kwargs)
UNIT_DATALIST = "unit-codes"  # the id of the page's list of units (`{% unit_datalist %}`)


class UnitCodeField(forms.ModelChoiceField):
    """A unit typed by its code, or by its name as the page's list of units shows it (picked from that list as one
    types its name or code): a national site's 4,000 units do not fit a drop-down (nor a page: two of them made
    435 KB). A name is matched whatever its case, accents and spacing, when one unit has it."""

    def __init__(self, *, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {
            "invalid_choice": _l("Không có đơn vị nào tên hoặc mã «%(value)s» (hoặc đơn vị đã ngừng hoạt động)."),
        })
        super().__init__(
            queryset=queryset, to_field_name="code",
            widget=forms.TextInput(attrs={"list": UNIT_DATALIST, "autocomplete": "off", "spellcheck": "false",
                                          "placeholder": _l("tên hoặc mã đơn vị")}),
            **kwargs,
        )

    def to_python(self, value: Any) -> Any:
        code = value.strip().lower() if isinstance(value, str) else value
        try:
            return super().to_python(code)
        except forms.ValidationError as refused:
            named = self._by_name(value) if code and refused.code == "invalid_choice" else None
            if named is not None:
                return named
            # a unit left out of the choices because it stopped: said so, and where it was merged (the unit the
            # official wants instead), rather than that no such unit exists
            stopped = None
            if code and refused.code == "invalid_choice":
                stopped = (Unit.objects.filter(code=code, active=False).first()
                           or _one_named(Unit.objects.filter(active=False), value))
            if stopped is None and refused.code == "invalid_choice" and isinstance(value, str):
                # quoted as typed (a name keeps its capitals), not as the code it was first tried as
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": value.strip()}) from refused
            if stopped is None:
                raise
            from scoring.administration.services.units import unit_stopped_problem

            raise forms.ValidationError(unit_stopped_problem(stopped), code="unit_stopped") from refused

    def _by_name(self, typed: str) -> Unit | None:
        """The one unit of the choices named `typed`; refused, naming the codes, when several are."""
        units = self.queryset if self.queryset is not None else Unit.objects.none()
        found = _units_named(units, typed)
        if len(found) > 1:
            raise forms.ValidationError(
                _("Có %(n)s đơn vị tên «%(name)s» (mã %(codes)s): hãy nhập mã của đơn vị cần chọn.")
                % {"n": len(found), "name": typed.strip(), "codes": ", ".join(code for _pk, code, _name in found)},
                code="unit_ambiguous",
            )
        return units.get(pk=found[0][0]) if found else None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):  # an initial value given as the unit's id
            return Unit.objects.filter(pk=value).values_list("code", flat=True).first() or ""
        return super().prepare_value(value)


def _units_named(units: Any, typed: str) -> list[tuple[int, str, str]]:
    """(id, code, name) of the units of `units` named `typed`: the name as stored if some are, else the name
    whatever its case, accents and spacing («ubnd huyen cai be» for «UBND huyện Cái Bè»)."""
    return units_named_among(list(units.values_list("pk", "code", "name")), typed)


def units_named_among(rows: list[tuple[int, str, str]], typed: str) -> list[tuple[int, str, str]]:
    """`_units_named` over units already read, as (id, code, name): the users import's look-up of a unit cell."""
    from scoring.administration.xlsx import folded

    wanted = " ".join(typed.split())
    exact = [row for row in rows if " ".join(row[2].split()) == wanted]
    return exact or [row for row in rows if folded(row[2]) == folded(wanted)]


def _one_named(units: Any, typed: str) -> Unit | None:
    found = _units_named(units, typed)
    return Unit.objects.get(pk=found[0][0]) if len(found) == 1 else None


class CycleForm(forms.Form):
    year = forms.IntegerField(label=_l("Năm"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_l("Tên kỳ đánh giá"), max_length=255)
    self_assessment_deadline = DayField(label=_l("Hạn tự đánh giá"), required=False)
    appraisal_deadline = DayField(label=_l("Hạn thẩm định"), required=False)
    explanation_deadline = DayField(label=_l("Hạn giải trình"), required=False)
    finalisation_deadline = DayField(label=_l("Hạn hoàn thiện"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = {kind.pk: kind for kind in UnitKind.objects.annotate(
            active_units=Count("units", filter=Q(units__active=True)))}
        for kind in self.kinds.values():
            # A kind may be scored on another kind's set (vertical agencies on the departments' set): every set
            # is offered, the kind's own first; the service checks the set's year.
            field = forms.ModelChoiceField(
                label=_("Bộ chỉ số cho «%(kind)s»") % {"kind": kind.name},
                queryset=IndicatorSet.objects.select_related("unit_kind")
                .annotate(own=Case(When(unit_kind=kind, then=Value(0)), default=Value(1)))
                .order_by("own", "-year", "-version", "key"),
                required=False,
                # left empty, the kind takes no part: said before, as the cycle's page says it after
                help_text=ngettext(
                    "%(n)s đơn vị đang hoạt động. Để trống thì đơn vị đó không được đánh giá trong kỳ này.",
                    "%(n)s đơn vị đang hoạt động. Để trống thì các đơn vị đó không được đánh giá trong kỳ này.",
                    kind.active_units,  # type: ignore[attr-defined]
                ) % {"n": kind.active_units} if kind.active_units else "",  # type: ignore[attr-defined]
            )
            field.label_from_instance = _set_choice_label  # type: ignore[method-assign,assignment]
            self.fields[f"set_{kind.pk}"] = field

    def chosen_sets(self) -> dict[UnitKind, IndicatorSet]:
        """The set chosen for each unit kind, keyed by the kind of its field (not the set's own kind)."""
        return {
            self.kinds[int(name.removeprefix("set_"))]: s
            for name, s in self.cleaned_data.items()
            if name.startswith("set_") and s is not None
        }


def _set_choice_label(indicator_set: IndicatorSet) -> str:
    return f"{indicator_set.key} — {indicator_set.name} ({indicator_set.year}, {indicator_set.unit_kind.name})"


class DeadlinesForm(forms.Form):
    self_assessment_deadline = DayField(label=_l("Hạn tự đánh giá"), required=False)
    appraisal_deadline = DayField(label=_l("Hạn thẩm định"), required=False)
    explanation_deadline = DayField(label=_l("Hạn giải trình"), required=False)
    finalisation_deadline = DayField(label=_l("Hạn hoàn thiện"), required=False)

    def __init__(self, *args: Any, cycle: Cycle | None = None, **kwargs: Any) -> None:
        """`cycle`: each of its stored deadlines' time of day said beside its field (the form holds days; a deadline
        ends at 17:00 or 23:59)."""
        from django.utils import timezone

        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            stored = getattr(cycle, name, None) if cycle is not None else None
            if stored is not None:
                field.help_text = _("đến %(time)s") % {"time": timezone.localtime(stored).strftime("%H:%M")}

    @staticmethod
    def initial_for(cycle: Cycle) -> dict[str, Any]:
        from django.utils import timezone

        return {
            name: timezone.localtime(getattr(cycle, name)).date() if getattr(cycle, name) else None
            for name in (
                "self_assessment_deadline",
                "appraisal_deadline",
                "explanation_deadline",
                "finalisation_deadline",
            )
        }


class ExtendForm(forms.Form):
    """One unit's own deadline from the cycle's page: a new date, or (the «Bỏ hạn riêng» button, `action=remove`)
    none, so that the cycle's deadline applies to it again; a reason either way."""

    REMOVE = "remove"

    deadline = DayField(label=_l("Hạn mới"), required=False)
    reason = forms.CharField(label=_l("Lý do gia hạn"), max_length=500)
    action = forms.CharField(required=False)

    @property
    def removing(self) -> bool:
        return self.data.get("action") == self.REMOVE

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.removing:
            data["deadline"] = None  # a date typed next to «Bỏ hạn riêng» is not the one wanted
        elif data.get("deadline") is None and "deadline" not in self.errors:
            self.add_error("deadline", _l("Hãy chọn hạn mới, hoặc bấm «Bỏ hạn riêng» để đơn vị theo hạn của kỳ."))
        return data


class UserCreateForm(forms.Form):
    # its characters are checked by the service, as the account will store it (NFKC, after the duplicate check):
    # the import's rule and message, with the unaccented form suggested
    username = forms.CharField(label=_l("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_l("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_l("Thư điện tử"), required=False, error_messages=EMAIL_ERRORS)
    password = forms.CharField(label=_l("Mật khẩu ban đầu"), widget=forms.PasswordInput)
    role = forms.ChoiceField(label=_l("Vai trò"), choices=RoleAssignment.Role.choices)
    unit = UnitCodeField(label=_l("Đơn vị (tên hoặc mã đơn vị)"), queryset=Unit.objects.filter(active=True),
                         required=False,
                         help_text=_l("Gõ tên đơn vị rồi chọn trong danh sách gợi ý, hoặc gõ mã đơn vị."))


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_l("Vai trò"), choices=RoleAssignment.Role.choices)
    unit = UnitCodeField(label=_l("Đơn vị (tên hoặc mã đơn vị)"), queryset=Unit.objects.filter(active=True),
                         required=False,
                         help_text=_l("Gõ tên đơn vị rồi chọn trong danh sách gợi ý, hoặc gõ mã đơn vị."))


class UserEditForm(forms.Form):
    """An account's full name and e-mail address as typed; the service checks them by the create form's rules (and
    names a hidden character's place, which a form field would only call invalid)."""

    full_name = forms.CharField(label=_l("Họ và tên"))
    email = forms.CharField(label=_l("Thư điện tử"), required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}))


class PasswordSetForm(forms.Form):
    """A new password typed twice by an administrator; the service checks it against the password validators."""

    password1 = forms.CharField(label=_l("Mật khẩu mới"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_l("Nhập lại mật khẩu mới"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            raise forms.ValidationError(_("Hai lần nhập mật khẩu không khớp nhau."), code="password_mismatch")
        return data


class PersonChoiceField(forms.ModelChoiceField):
    """A user shown as people know them: full name, then the username."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class AuditFilterForm(forms.Form):
    actor = PersonChoiceField(
        label=_l("Người thực hiện"),
        queryset=get_user_model().objects.order_by("last_name", "first_name", "username"),
        required=False, error_messages={"invalid_choice": _l("Không có người dùng mã «%(value)s».")},
        widget=_vietnamese_data_select(),
    )
    unit = UnitCodeField(label=_l("Đơn vị"), queryset=Unit.objects.all(), required=False,  # stopped ones too
                         error_messages={"invalid_choice": _l("Không có đơn vị mã «%(value)s».")})
    object_type = forms.CharField(label=_l("Loại đối tượng"), required=False)
    object_id = forms.CharField(label=_l("Mã đối tượng"), required=False, max_length=60)
    action = forms.CharField(label=_l("Thao tác"), required=False, max_length=60)
    date_from = forms.DateField(label=_l("Từ ngày"), required=False, widget=DATE_PICKER)
    date_to = forms.DateField(label=_l("Đến ngày"), required=False, widget=DATE_PICKER)
