"""django-import-export resource of a set's tree: one row per node, parents before their children.

Columns: code, parent_code, name, kind, max_points, floor, method, params (text, or JSON), evidence_required,
allow_not_applicable, on_time_submission, source, guidance, coordinating_department. The file a person edits names
them in Vietnamese (`COLUMN_HEADERS`) and writes the kind, method and source as the screen shows them; a file with
the keys as headers and the codes as values (exported before) reads the same. `clean_rows` checks every row against
the whole file (duplicates, missing parents, cycles, numbers, methods through the engine) and the resource
turns those findings into import-export row validation errors, so a dry run lists them row by row.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from scoring import engine
from scoring.administration.forms import DECIMAL_PARAMS, PERCENT_PARAMS, band_comparison, number_problem, percent_text
from scoring.administration.services.common import nfc
from scoring.administration.validators import step_problem
from scoring.administration.xlsx import (
    DateCell,
    Formula,
    Number,
    date_cell_problem,
    folded,
    grouped_number_problem,
    long_cell_problems,
    numeric_code_hint,
)
from scoring.errors import ValidationFailed
from scoring.models import Indicator, IndicatorSet
from scoring.text import visible_text

COLUMNS = (
    "code",
    "parent_code",
    "name",
    "kind",
    "max_points",
    "floor",
    "method",
    "params",
    "evidence_required",
    "allow_not_applicable",
    "on_time_submission",
    "source",
    "guidance",
    "coordinating_department",
)
REQUIRED_COLUMNS = ("code", "parent_code", "name", "kind", "max_points", "method", "params")
# The header row of the exported file (what a person reads; the import also takes the keys, as older files have them)
COLUMN_HEADERS = (
    gettext_lazy("Mã tiêu chí"),
    gettext_lazy("Mã tiêu chí cha"),
    gettext_lazy("Nội dung"),
    gettext_lazy("Loại"),
    gettext_lazy("Điểm tối đa"),
    gettext_lazy("Điểm tối thiểu"),
    gettext_lazy("Phương pháp chấm"),
    gettext_lazy("Tham số phương pháp chấm"),
    gettext_lazy("Cần tài liệu kiểm chứng"),
    gettext_lazy("Cho phép không phát sinh"),
    gettext_lazy("Tiêu chí về thời hạn gửi báo cáo tự đánh giá"),
    gettext_lazy("Nguồn điểm"),
    gettext_lazy("Hướng dẫn"),
    gettext_lazy("Cơ quan phối hợp thẩm định"),
)
# the headers of files exported before, still read: the parameters were JSON only
OLD_COLUMN_HEADERS = {"params": gettext_lazy("Tham số phương pháp chấm (JSON)")}
# lazy: the import page and the exported file's notes show them in the page's language
COLUMN_LABELS = (
    gettext_lazy("Mã tiêu chí (1, 1.1, 1.1.1 …)"),
    gettext_lazy("Mã tiêu chí cha (trống: lĩnh vực)"),
    gettext_lazy("Nội dung"),
    gettext_lazy("Loại: Thường / Điểm cộng / Điểm trừ (chọn trong danh sách)"),
    gettext_lazy("Điểm tối đa"),
    gettext_lazy("Điểm tối thiểu (mặc định 0)"),
    gettext_lazy("Phương pháp chấm (chỉ tiêu chí thành phần; chọn trong danh sách)"),
    gettext_lazy("Tham số của phương pháp chấm (viết bằng chữ hoặc JSON; xem ghi chú ở tên cột)"),
    gettext_lazy("Cần tài liệu kiểm chứng: Có / Không (chọn trong danh sách; cũng nhận x / để trống, 1 / 0)"),
    gettext_lazy("Cho phép không phát sinh: Có / Không (chọn trong danh sách; cũng nhận x / để trống, 1 / 0)"),
    gettext_lazy("Tiêu chí về thời hạn gửi báo cáo tự đánh giá: Có / Không (chọn trong danh sách; cũng nhận x / để "
                 "trống, 1 / 0)"),
    gettext_lazy("Nguồn điểm: Tự chấm / Điều tra xã hội học (chọn trong danh sách)"),
    gettext_lazy("Hướng dẫn"),
    gettext_lazy("Cơ quan phối hợp thẩm định"),
)
CHOICE_COLUMNS: dict[str, type[models.TextChoices]] = {
    "kind": Indicator.Kind,
    "method": Indicator.Method,
    "source": Indicator.Source,
}


def column_aliases() -> dict[str, str]:
    """Every header the import reads as a column (as `xlsx.folded`): the key (older files), and the header of the
    exported file in each of the site's languages, now and before (`OLD_COLUMN_HEADERS`)."""
    aliases = {folded(key): key for key in COLUMNS}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            aliases.update({folded(str(header)): key for key, header in zip(COLUMNS, COLUMN_HEADERS, strict=True)})
            aliases.update({folded(str(header)): key for key, header in OLD_COLUMN_HEADERS.items()})
    return aliases


def column_names() -> dict[str, str]:
    """Each column as a message names it: the exported file's header, then its key, which files exported before
    have as their header («Nội dung (name)»), as the users import names its columns."""
    return {key: f"{header} ({key})" for key, header in zip(COLUMNS, COLUMN_HEADERS, strict=True)}


def choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """A choice's value by what a person may write for it (as `xlsx.folded`): its code, or its label as the screen
    shows it in any of the site's languages («Điểm cộng», «điểm cộng», «Bonus points» → bonus)."""
    lookup: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            lookup.update({folded(str(label)): str(value) for value, label in choices.choices})
    lookup.update({folded(value): str(value) for value in choices.values})
    return lookup


def _choices_text(choices: type[models.TextChoices]) -> str:
    return ", ".join(str(label) for label in choices.labels)


# a flag as a person writes it (as `xlsx.folded`): «Có» / «Không» (the exported file's), «x» / blank, 1 / 0,
# TRUE / FALSE (a boolean cell, or the text)
FLAG_COLUMNS = ("evidence_required", "allow_not_applicable", "on_time_submission")


class TextJSONWidget(widgets.Widget):
    """JSON that a person can read in Excel (accents kept), parsed strictly on import."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if isinstance(value, dict):
            return value
        return json.loads(value) if value else {}

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return json.dumps(value, ensure_ascii=False) if value else ""


class PlainDecimalWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return Decimal(str(value))

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        """A number cell (never text: a negative number as text would be taken for a formula and quote-prefixed),
        whole when it is whole (10, not 10.00)."""
        if value is None:
            return ""
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else number.normalize()


class FlagWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        return bool(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> int:
        return 1 if value else 0


class IndicatorResource(resources.ModelResource):
    parent_code = fields.Field(column_name="parent_code", readonly=True)
    max_points = fields.Field(attribute="max_points", column_name="max_points", widget=PlainDecimalWidget())
    floor = fields.Field(attribute="floor", column_name="floor", widget=PlainDecimalWidget())
    params = fields.Field(attribute="params", column_name="params", widget=TextJSONWidget())
    evidence_required = fields.Field(
        attribute="evidence_required", column_name="evidence_required", widget=FlagWidget()
    )
    allow_not_applicable = fields.Field(
        attribute="allow_not_applicable", column_name="allow_not_applicable", widget=FlagWidget()
    )
    on_time_submission = fields.Field(
        attribute="on_time_submission", column_name="on_time_submission", widget=FlagWidget()
    )

    class Meta:
        model = Indicator
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("code",)
        skip_unchanged = False
        use_bulk = False
        # The set's old tree is deleted before the rows are imported: every row is a new criterion, so no query
        # per row looks for an existing one (4,000 rows: 4,000 queries saved).
        force_init_instance = True
        skip_diff = True  # the outcome reads the row errors only, never a row's before/after (built per row)

    def __init__(self, *, indicator_set: IndicatorSet, row_errors: Mapping[int, list[str]] | None = None) -> None:
        super().__init__()
        self.indicator_set = indicator_set
        self.row_errors = dict(row_errors or {})
        self.by_code: dict[str, Indicator] = {}
        self.parent_codes: set[str] = set()
        self.order = 0

    def get_queryset(self) -> Any:
        return Indicator.objects.filter(indicator_set=self.indicator_set).select_related("parent").order_by("order")

    def dehydrate_parent_code(self, indicator: Indicator) -> str:
        return indicator.parent.code if indicator.parent_id and indicator.parent else ""

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self.parent_codes = {str(code) for code in dataset["parent_code"] if code}

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        problems = self.row_errors.get(int(row.get("row") or 0))
        if problems:
            raise ValidationError(problems)

    def before_save_instance(self, instance: Indicator, row: Any, **kwargs: Any) -> None:
        parent = self.by_code.get(str(row.get("parent_code") or ""))
        self.order += 1
        instance.indicator_set = self.indicator_set
        instance.parent = parent
        instance.level = parent.level + 1 if parent else 1
        instance.order = self.order
        instance.is_leaf = instance.code not in self.parent_codes
        if not instance.is_leaf:
            instance.method, instance.params = "", {}

    def after_save_instance(self, instance: Indicator, row: Any, **kwargs: Any) -> None:
        self.by_code[instance.code] = instance


# --- checking the rows against the whole file -------------------------------------------------------------


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw).strip()


def _said(raw: Any, label: Any, problems: list[str], *, one_line: bool = False) -> str:
    """A text cell as stored (`nfc`: NFC, trimmed, empty when it would look empty); a control or direction-override
    character is the row's problem, as on the criterion form; `one_line` (a name): held to `visible_text`, as the
    form holds it (no line break, tab or character that cannot be seen)."""
    try:
        return visible_text(_text(raw)) if one_line else nfc(_text(raw))
    except ValidationFailed as exc:
        problems.append(_("Cột «%(col)s»: %(why)s") % {"col": label, "why": exc.message})
        return ""


def _number(raw: Any, label: str, problems: list[str], default: str | None = None) -> Decimal | None:
    if ambiguous := grouped_number_problem(raw, label):  # «1.000» as text: one, or a thousand?
        problems.append(ambiguous)
        return None
    text = _text(raw).replace(",", ".")
    if not text and default is not None:
        text = default
    if not text:  # a blank cell is no number, but not one to quote back («» says nothing)
        problems.append(_("%(label)s bị bỏ trống.") % {"label": label})
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        problems.append(_("%(label)s «%(raw)s» không phải là số.") % {"label": label, "raw": _text(raw)})
        return None
    if not value.is_finite() or abs(value) >= Decimal("100000"):
        problems.append(_("%(label)s «%(raw)s» không hợp lệ.") % {"label": label, "raw": _text(raw)})
        return None
    if value != value.quantize(Decimal("0.01")):
        problems.append(_("%(label)s chỉ có tối đa hai chữ số thập phân.") % {"label": label})
        return None
    return value


def _flag(row: Mapping[str, Any], name: str, label: str, problems: list[str], default: bool) -> bool:
    """A yes/no column: `default` when the file has no such column; a blank cell is «Không» (a column ticked
    with «x»)."""
    if name not in row:
        return default
    from scoring.administration.xlsx import yes_no_word  # the yes/no words every import reads

    if not _text(row[name]):
        return False
    flag = yes_no_word(_text(row[name]))
    if flag is not None:
        return flag
    problems.append(_("%(label)s «%(raw)s» phải là Có hoặc Không (hoặc x / để trống, 1 / 0).")
                    % {"label": label, "raw": _text(row[name])})
    return default


def clean_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """Canonical rows for the resource and the problems of each row (keyed by the Excel row number)."""
    errors: dict[int, list[str]] = {}
    clean: list[dict[str, Any]] = []
    all_codes = [_text(r.get("code")) for r in rows]
    known_codes = set(all_codes)  # membership per row: a set, not a scan of the list (quadratic at 4,000 rows)
    parent_of: dict[str, str] = {}
    for r in rows:  # the first row of a duplicated code defines it; later ones are errors
        parent_of.setdefault(_text(r.get("code")), _text(r.get("parent_code")))
    duplicated = {c for c, n in Counter(all_codes).items() if n > 1}
    # codes read from a cell Excel holds as a number («3.10» typed so is «3.1»): a clash they make gets the hint
    numeric_codes = {_text(r.get("code")) for r in rows if isinstance(r.get("code"), Number)}
    has_children = {p for p in parent_of.values() if p}
    seen: set[str] = set()
    lookups = {name: choice_lookup(choices) for name, choices in CHOICE_COLUMNS.items()}
    names = column_names()
    for raw in rows:
        number = int(raw.get("row") or 0)
        problems: list[str] = []
        formula_cells = [name for name, value in raw.items() if isinstance(value, Formula)]
        for name in formula_cells:
            problems.append(
                _("Ô «%(col)s» chứa công thức Excel; chỉ nhận giá trị (công thức không được tính).")
                % {"col": names.get(name, name)}
            )
        problems.extend(long_cell_problems(raw, names))
        # a date where none is meant (a code «1.1.2» Excel turned into one): said once, first, and its cell not read
        # again as a number, a choice or a flag (the codes are still read, for the rows naming them as parent)
        dated = {name for name, value in raw.items() if isinstance(value, DateCell)}
        for name in [key for key in COLUMNS if key in dated]:
            problems.append(date_cell_problem(names.get(name, name), raw[name],
                                              code={"code": "code", "parent_code": "parent"}.get(name, "")))
        raw = {name: (None if name in dated and name not in ("code", "parent_code") else value)
               for name, value in raw.items()}
        code, parent_code = _text(raw.get("code")), _text(raw.get("parent_code"))
        if not code:
            problems.append(_("Thiếu mã tiêu chí."))
        elif len(code) > 30:
            problems.append(_("Mã tiêu chí dài quá 30 ký tự."))
        elif code in seen:
            problems.append(_("Mã tiêu chí «%(code)s» bị trùng.") % {"code": code})
            if code in numeric_codes:
                problems.append(numeric_code_hint(names.get("code", "code"), code))
        if parent_code:
            if parent_code == code or (code not in duplicated and _in_cycle(code, parent_of)):
                problems.append(_("Mã cha «%(p)s» tạo thành vòng lặp cha – con.") % {"p": parent_code})
            elif parent_code not in known_codes:
                problems.append(_("Mã cha «%(p)s» không có trong tệp.") % {"p": parent_code})
                if isinstance(raw.get("parent_code"), Number):
                    problems.append(numeric_code_hint(names.get("parent_code", "parent_code"), parent_code,
                                                      parent=True))
            elif parent_code not in seen:
                problems.append(_("Dòng của mã cha «%(p)s» phải đứng trước dòng này.") % {"p": parent_code})
        seen.add(code)
        name = _said(raw.get("name"), _("Nội dung"), problems, one_line=True)
        if not name and "name" not in dated:
            problems.append(_("Thiếu nội dung tiêu chí."))
        kind = _choice(raw.get("kind"), lookups["kind"]) or Indicator.Kind.NORMAL
        if kind not in Indicator.Kind.values:
            problems.append(_("Loại «%(k)s» không hợp lệ; hãy chọn một trong: %(choices)s.")
                            % {"k": kind, "choices": _choices_text(Indicator.Kind)})
        max_points = _number(raw.get("max_points"), _("Điểm tối đa"), problems) if "max_points" not in dated else None
        floor = _number(raw.get("floor"), _("Điểm tối thiểu"), problems, default="0") if "floor" not in dated else None
        # A wrong range is said once: by its first cause (a negative maximum is also below the default floor), and
        # not again by the engine in its own words.
        range_ok = True
        if max_points is not None and max_points < 0:
            problems.append(_("Điểm tối đa không được âm."))
            range_ok = False
        elif max_points is not None and floor is not None and floor > max_points:
            problems.append(_("Điểm tối thiểu lớn hơn điểm tối đa."))
            range_ok = False
        params: Any = {}
        bad_params = "params" in dated
        params_text = _text(raw.get("params"))
        method = _choice(raw.get("method"), lookups["method"])
        leaf = code not in has_children
        if params_text and not isinstance(raw.get("params"), Formula) and not params_text.startswith("{"):
            # the parameters as the exported file writes them, in Vietnamese (`params_text`); JSON starts with «{»
            if leaf and method in Indicator.Method.values:
                from scoring.administration.services.params_text import params_from_text

                said = len(problems)
                params = params_from_text(method, params_text, problems)
                bad_params = bad_params or len(problems) > said
            else:
                bad_params = True  # no method to read them by: the method (or the group) is what is said
        elif params_text and not isinstance(raw.get("params"), Formula):
            try:
                params = json.loads(params_text)
            except ValueError:
                problems.append(_("Tham số không phải là JSON hợp lệ."))
                params, bad_params = {}, True
            if not isinstance(params, dict):
                problems.append(_("Tham số phải là một đối tượng JSON {…}."))
                params, bad_params = {}, True
            numbers_said = len(problems)
            params = _params_numbers(params, problems)
            bad_params = bad_params or len(problems) > numbers_said  # said once, not again by the engine
        if leaf and "method" in dated:
            pass  # said above
        elif leaf:
            if not method:
                problems.append(_("Chưa có phương pháp chấm (tiêu chí không có tiêu chí con được chấm trực tiếp)."))
            elif method not in Indicator.Method.values:
                problems.append(_("Phương pháp chấm «%(m)s» không hợp lệ; hãy chọn một trong: %(choices)s.")
                                % {"m": method, "choices": _choices_text(Indicator.Method)})
            elif range_ok and max_points is not None and floor is not None and kind in Indicator.Kind.values \
                    and not bad_params:
                try:
                    engine.validate_params(
                        engine.LeafRule(method=method, params=params, max_points=max_points, floor=floor, kind=kind)
                    )
                except engine.EngineError as exc:  # worded as the criterion editor words it (its labels)
                    from scoring.administration.services.tree import labelled_engine_refusal

                    problems.append(str(labelled_engine_refusal(
                        exc, params=params, floor=floor, max_points=max_points, method=method,
                        params_cell=str(COLUMN_HEADERS[COLUMNS.index("params")]),
                    ).message))
                else:
                    if method == Indicator.Method.MANUAL and (unreachable := step_problem(
                        max_points=max_points, floor=floor, step=params.get("step"),
                    )):
                        problems.append(unreachable)  # the criterion form's rule (services.tree.clean_indicator)
                    expression = params.get("expression")
                    if method == Indicator.Method.FORMULA and isinstance(expression, str):
                        # kept in the engine's notation, as the criterion form keeps it («× 0,5» → «* 0.5»)
                        params = {**params, "expression": engine.normalize_expression(expression.strip())}
        elif method:
            problems.append(_("Tiêu chí có tiêu chí con không được có phương pháp chấm."))
        source = _choice(raw.get("source"), lookups["source"]) or Indicator.Source.SELF
        if source not in Indicator.Source.values:
            problems.append(_("Nguồn điểm «%(s)s» không hợp lệ; hãy chọn một trong: %(choices)s.")
                            % {"s": source, "choices": _choices_text(Indicator.Source)})
        row = {
            "row": number,
            "code": code,
            "parent_code": parent_code,
            "name": name,
            "kind": kind,
            "max_points": str(max_points or 0),
            "floor": str(floor or 0),
            "method": method if leaf else "",
            "params": params if leaf else {},
            "evidence_required": _flag(raw, "evidence_required", _("Cần tài liệu"), problems, leaf),
            "allow_not_applicable": _flag(raw, "allow_not_applicable", _("Không phát sinh"), problems, False),
            # a group is not scored: the mark is a leaf's only
            "on_time_submission": leaf and _flag(raw, "on_time_submission", _("Thời hạn gửi báo cáo tự đánh giá"),
                                                 problems, False),
            "source": source,
            "guidance": _said(raw.get("guidance"), _("Hướng dẫn"), problems),
            "coordinating_department": _said(raw.get("coordinating_department"), _("Cơ quan phối hợp"), problems),
        }
        if problems:
            errors[number] = problems
        clean.append(row)
    return clean, errors


def _choice(raw: Any, lookup: Mapping[str, str]) -> str:
    """A choice's code from what the cell says (its code or its label, `choice_lookup`); the text as written when
    it is neither (the row's problem names it)."""
    text = _text(raw)
    return lookup.get(folded(text), text) if text else ""


def _params_numbers(params: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    """The parameters with each number written as text read as the criterion form reads a number field
    (`forms.number_problem`): a decimal comma stored as a point («0,5» → "0.5"); «1.000», which may be a thousand,
    refused with the parameter named (a list's entry by its place); a percentage's trailing «%» («90%») dropped. A
    JSON number is kept as it is. A ratio band's `inclusive` may be written as the editor's comparison column writes
    it («>», «>=», «≥», «=>»); any other text is refused with what to write, never read as one or the other."""

    def number(value: Any, field: str, *, percent: bool = False) -> Any:
        if not isinstance(value, str):
            return value
        text = percent_text(value) if percent else value
        problem = number_problem(text)
        if problem:
            problems.append(_("Tham số %(field)s: %(why)s") % {"field": field, "why": problem})
            return value
        return format(engine.to_decimal(text, field="value"), "f")

    def comparison(value: Any, position: int) -> Any:
        if not isinstance(value, str):
            return value  # true / false, or what the engine refuses in its words
        inclusive = band_comparison(value)
        if inclusive is None:
            problems.append(_(
                "Tham số «bands», mục %(n)s, «inclusive»: «%(raw)s» không phải là phép so sánh của khung tỷ lệ; hãy "
                "ghi true (hoặc «>=»: tỷ lệ từ ngưỡng trở lên) hay false (hoặc «>»: tỷ lệ trên ngưỡng)."
            ) % {"n": position, "raw": value})
            return value
        return inclusive

    def entry_value(name: str, key: str, item: Any, position: int) -> Any:
        if name == "bands" and key == "inclusive":
            return comparison(item, position)
        if key in DECIMAL_PARAMS:
            return number(item, _("«%(list)s», mục %(n)s, «%(key)s»") % {"list": name, "n": position, "key": key},
                          percent=key in PERCENT_PARAMS)
        return item

    clean: dict[str, Any] = {}
    for name, value in params.items():
        if name in DECIMAL_PARAMS:
            clean[name] = number(value, f"«{name}»", percent=name in PERCENT_PARAMS)
        elif isinstance(value, list):
            clean[name] = [
                {key: entry_value(name, key, item, position) for key, item in entry.items()}
                if isinstance(entry, dict) else entry
                for position, entry in enumerate(value, start=1)
            ]
        else:
            clean[name] = value
    return clean


def _in_cycle(code: str, parent_of: Mapping[str, str]) -> bool:
    current, steps = parent_of.get(code), 0
    while current and steps <= len(parent_of):
        if current == code:
            return True
        current, steps = parent_of.get(current), steps + 1
    return False
