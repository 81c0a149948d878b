"""A set's tree of criteria: add, edit, move and delete nodes, kept numbered in pre-order."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from scoring import engine
from scoring.administration.services.common import (
    INDICATOR_FIELDS,
    _display,
    _ensure_editable,
    locked_at_version,
    nfc,
    to_points,
)
from scoring.administration.services.mappings import clone_mappings_follow, clone_origins, clone_source
from scoring.administration.services.sets import _assign, version_value
from scoring.administration.validators import step_problem
from scoring.errors import StateConflict, ValidationFailed, engine_failure
from scoring.models import (
    Indicator,
    IndicatorSet,
)
from scoring.services import audit_record, audit_records
from scoring.text import user_text, visible_text

MSG_TREE_CHANGED = gettext_lazy("Bộ chỉ số đã thay đổi từ lúc xem trước; hãy tải tệp lên lại.")
MSG_OTHER_SET_UNCONFIRMED = gettext_lazy(
    "Tệp này xuất từ bộ «%(key)s», không phải từ bộ «%(target)s». Chưa ghi gì: nếu đúng là muốn thay cây tiêu chí của "
    "bộ «%(target)s» bằng cây trong tệp, hãy đánh dấu ô xác nhận rồi ghi lại."
)
MSG_RENUMBER_CHANGED = gettext_lazy(
    "Cây tiêu chí đã thay đổi từ lúc xem trước nên chưa đánh số lại; hãy xem lại bảng mã cũ → mã mới rồi xác nhận."
)
MSG_INDICATOR_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu không mang phiên bản của tiêu chí nên chưa lưu gì; hãy tải lại trang rồi sửa lại."
)
MSG_INDICATOR_CHANGED = gettext_lazy(
    "Tiêu chí này đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được mở nên "
    "chưa lưu gì. Giá trị đang lưu ghi ở dưới; hãy xem lại rồi bấm «Lưu tiêu chí» nếu vẫn muốn sửa."
)


def indicator_version(indicator: Indicator) -> str:
    """The criterion's version for optimistic concurrency, without a version column: a digest of what its edit page
    changes (and whether it is a leaf, which decides the fields the page shows). Any change by a colleague, from
    the page, the API or a child added under it, changes it."""
    values = [
        version_value(getattr(indicator, name), points=name in ("max_points", "floor")) for name in INDICATOR_FIELDS
    ]
    values.append(indicator.is_leaf)
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _renumber(indicator_set: IndicatorSet) -> None:
    """Rewrite `order` (pre-order through the tree, siblings by their order) and `level` of every node."""
    nodes = list(indicator_set.indicators.order_by("order", "pk"))
    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    changed: list[Indicator] = []
    counter = 0

    def walk(parent_id: int | None, level: int) -> None:
        nonlocal counter
        for node in children.get(parent_id, []):
            counter += 1
            leaf = node.pk not in children
            if (node.order, node.level, node.is_leaf) != (counter, level, leaf):
                node.order, node.level, node.is_leaf = counter, level, leaf
                changed.append(node)
            walk(node.pk, level + 1)

    walk(None, 1)
    Indicator.objects.bulk_update(changed, ["order", "level", "is_leaf"])


def clean_indicator(
    *, indicator_set: IndicatorSet, data: Mapping[str, Any], leaf: bool, instance: Indicator | None = None
) -> dict[str, Any]:
    """The node's fields, checked: unique code, numbers, kind and (for a leaf) the method, by the engine."""
    clean: dict[str, Any] = {
        "code": nfc(data.get("code")),
        # a one-line name, as a unit's (`visible_text`): no zero-width space, line break or tab
        "name": visible_text(data.get("name"), field="name"),
        "kind": data.get("kind") or Indicator.Kind.NORMAL,
        "max_points": to_points(data.get("max_points"), label=_("Điểm tối đa")),
        "floor": to_points(
            data.get("floor") if data.get("floor") not in (None, "") else "0", label=_("Điểm tối thiểu")
        ),
        "method": (data.get("method") or "") if leaf else "",
        "params": dict(data.get("params") or {}) if leaf else {},
        "evidence_required": bool(data.get("evidence_required", leaf)),
        "allow_not_applicable": bool(data.get("allow_not_applicable", False)),
        "on_time_submission": bool(data.get("on_time_submission", False)) and leaf,
        "guidance": user_text(data.get("guidance"), field="guidance"),
        "source": data.get("source") or Indicator.Source.SELF,
        "coordinating_department": user_text(data.get("coordinating_department"), field="coordinating_department"),
    }
    if not clean["code"]:
        raise ValidationFailed(_("Hãy nhập mã tiêu chí."), code="code_required")
    if len(clean["code"]) > 30:
        raise ValidationFailed(_("Mã tiêu chí dài quá 30 ký tự."))
    if not clean["name"]:
        raise ValidationFailed(_("Hãy nhập nội dung tiêu chí."), code="name_required")
    clash = indicator_set.indicators.filter(code=clean["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed(
            _("Mã «%(code)s» đã có trong bộ chỉ số.") % {"code": clean["code"]}, code="duplicate_code"
        )
    if clean["kind"] not in Indicator.Kind.values:
        raise ValidationFailed(_("Loại tiêu chí không hợp lệ."), code="invalid_kind")
    if clean["source"] not in Indicator.Source.values:
        raise ValidationFailed(_("Nguồn điểm không hợp lệ."))
    if clean["max_points"] < 0:
        raise ValidationFailed(_("Điểm tối đa không được âm."), code="negative_max")
    if clean["floor"] > clean["max_points"]:
        raise ValidationFailed(_("Điểm tối thiểu không được lớn hơn điểm tối đa."), code="floor_above_max")
    if leaf:
        if not clean["method"]:  # a new criterion is a leaf until criteria are added under it
            raise ValidationFailed(
                _("Hãy chọn phương pháp chấm: tiêu chí chưa có tiêu chí con được chấm điểm trực tiếp."),
                code="method_required", details={"field": "method"},
            )
        if clean["method"] not in Indicator.Method.values:
            raise ValidationFailed(
                _("Phương pháp chấm «%(m)s» không hợp lệ.") % {"m": clean["method"]}, code="unknown_method",
                details={"field": "method"},
            )
        try:
            engine.validate_params(
                engine.LeafRule(
                    method=clean["method"],
                    params=clean["params"],
                    max_points=clean["max_points"],
                    floor=clean["floor"],
                    kind=clean["kind"],
                )
            )
        except engine.EngineError as exc:
            raise _labelled(engine_failure(exc), exc, clean) from None
        if clean["method"] == Indicator.Method.MANUAL:
            # the engine takes only multiples of the step: a maximum off the step is out of every unit's reach (the
            # editor's rule, held here for the API and every other caller)
            unreachable = step_problem(
                max_points=clean["max_points"], floor=clean["floor"], step=clean["params"].get("step")
            )
            if unreachable:
                raise ValidationFailed(unreachable, code="step_unreachable", details={"field": "max_points"})
        expression = clean["params"].get("expression")
        if clean["method"] == Indicator.Method.FORMULA and isinstance(expression, str):
            # stored in the engine's notation (what it evaluates, and what the unit's hint and exports show):
            # «b / a × 0,5» as typed is kept as «b / a * 0.5»
            clean["params"]["expression"] = engine.normalize_expression(expression.strip())
    return clean


# The editor's labels of a leaf's parameters (as `indicator_form.html` shows them): a refusal names the field the
# administrator sees, never the parameter's internal name.
PARAM_LABELS = {
    "step": gettext_lazy("Bước điểm"),
    "yes_points": gettext_lazy("Điểm khi «Có»"),
    "no_points": gettext_lazy("Điểm khi «Không»"),
    "threshold": gettext_lazy("Ngưỡng tỷ lệ tối thiểu (%)"),
    "below_points": gettext_lazy("Điểm khi dưới ngưỡng"),
    "whole_numbers": gettext_lazy("Tử số và mẫu số là số đếm (số nguyên)"),
    "on_zero_division": gettext_lazy("Điểm khi chia cho 0"),
    "base": gettext_lazy("Điểm gốc"),
    "expression": gettext_lazy("Công thức"),
    "options": gettext_lazy("Các mức"),
    "items": gettext_lazy("Các trường hợp"),
    "variables": gettext_lazy("Biến số"),
    "bands": gettext_lazy("Khung tỷ lệ"),
    "limits": gettext_lazy("Giới hạn giữa các số liệu"),
}
_PARAM_FIELD = re.compile(r"^(?P<name>[a-z_]+)(?:\[(?P<index>\d+)\])?")


def labelled_engine_refusal(
    exc: Any, *, params: Mapping[str, Any], floor: Decimal, max_points: Decimal, method: str = "",
    params_cell: str | None = None,
) -> ValidationFailed:
    """An engine refusal of a leaf's parameters as the editor words it (its labels, the page's language): for the
    live preview, which checks what is typed before anything is saved, and the tree file's rows (`params_cell`: the
    header of the file's parameters column, which the advice on parameters left from another method names)."""
    clean = {"params": params, "floor": floor, "max_points": max_points, "method": method}
    return _labelled(engine_failure(exc), exc, clean, params_cell=params_cell)


def _param_named(name: str) -> str:
    """A parameter as a refusal names it: the editor's label, with the key a JSON writer sees («Bước điểm» (step))."""
    label = PARAM_LABELS.get(name)
    return _("«%(label)s» (%(key)s)") % {"label": label, "key": name} if label else f"«{name}»"


def leftover_params_refusal(method: str, params: Mapping[str, Any], *, params_cell: str | None = None) -> str | None:
    """Why parameters that `method` does not take are refused, each one named (a leaf whose method changed, its old
    parameters kept: «Điểm khi «Có»», «Điểm khi «Không»» under «Chấm điểm trực tiếp»), and what to do: in the tree
    file, clear the parameters cell (`params_cell`, its header) or write the new method's; elsewhere, leave them
    out. None when every parameter is the method's (or the method is unknown: refused on its own)."""
    from scoring.administration.forms import METHOD_PARAMS

    if method not in METHOD_PARAMS:
        return None
    taken = METHOD_PARAMS[method]
    leftover = [str(name) for name in params if name not in taken]
    if not leftover:
        return None
    label = Indicator.Method(method).label
    named = ", ".join(_param_named(name) for name in leftover)
    said = (_("Tham số %(names)s không dùng được với phương pháp «%(method)s».") if len(leftover) == 1 else
            _("Các tham số %(names)s không dùng được với phương pháp «%(method)s».")) % {
        "names": named, "method": label}
    own = ", ".join(_param_named(name) for name in taken) or _("không có tham số nào")
    if params_cell is not None:
        from scoring.administration.services.tree_excel import params_example

        advice = _(
            "Khi đổi phương pháp chấm, hãy xoá nội dung ô «%(cell)s» (để trống: tham số mặc định của phương pháp) "
            "hoặc chỉ ghi tham số của phương pháp mới (%(own)s), ví dụ %(example)s."
        ) % {"cell": params_cell, "own": own, "example": params_example(method)}
    else:
        advice = _("Hãy bỏ các tham số đó; phương pháp này dùng: %(own)s.") % {"own": own}
    return f"{said} {advice}"


def _points_text(raw: Any) -> str:
    """Points as a person reads them here: decimal comma, no trailing zeros (0,5; 10)."""
    try:
        number = Decimal(str(raw).replace(",", "."))
    except (InvalidOperation, ValueError):
        return str(raw)
    return format(number.normalize(), "f").replace(".", ",") if number.is_finite() else str(raw)


def _labelled(
    failure: ValidationFailed, exc: Any, clean: Mapping[str, Any], *, params_cell: str | None = None
) -> ValidationFailed:
    """The engine's refusal of one parameter, worded with the editor's label of that field; parameters the method
    does not take all named at once (`leftover_params_refusal`)."""
    if getattr(exc, "code", "") == "unknown_param" and isinstance(clean.get("params"), Mapping):
        leftover = leftover_params_refusal(str(clean.get("method") or ""), clean["params"], params_cell=params_cell)
        if leftover is not None:
            return ValidationFailed(leftover, code=failure.code, details=failure.details)
    field = str(getattr(exc, "field", "") or "")
    parsed = _PARAM_FIELD.match(field)
    label = PARAM_LABELS.get(parsed.group("name")) if parsed else None
    if label is None or parsed is None:
        return failure
    if getattr(exc, "code", "") == "points_out_of_range" and field in clean["params"]:
        value = clean["params"].get(exc.field)
        message = _(
            "%(label)s là %(value)s, nằm ngoài khoảng điểm của tiêu chí (từ %(floor)s đến %(max)s)."
        ) % {"label": label, "value": _points_text(value), "floor": _points_text(clean["floor"]),
             "max": _points_text(clean["max_points"])}
    else:  # the name as the engine quotes it, in either language; a list's entry also by its line
        message = str(failure.message)
        name, index = parsed.group("name"), parsed.group("index")
        line = _("«%(label)s», dòng %(n)s") % {"label": label, "n": int(index) + 1} if index is not None else None
        for quoted in (f"«{exc.field}»", f"'{exc.field}'", f"“{exc.field}”"):
            message = message.replace(quoted, line or f"«{label}»")
        for quoted in (f"«{name}»", f"'{name}'", f"“{name}”"):
            message = message.replace(quoted, f"«{label}»")
    return ValidationFailed(message, code=failure.code, details=failure.details)


def _best_points(
    method: str, params: Mapping[str, Any], *, max_points: Decimal, kind: str
) -> tuple[Decimal, str] | None:
    """The most a leaf's method can give a unit, with where that comes from (the editor's label), for the methods
    whose best is read from the parameters: levels (the best level), yes/no (the better of «Có» and «Không»),
    ratio bands (the best band), per occurrence in a normal criterion whose items only deduct (the base). None for
    the others: direct points (their maximum off the step is refused, `step_problem`), a proportional score (full
    at 100 %), a formula, a survey, a bonus or penalty per occurrence (unbounded counts)."""

    def number(raw: Any) -> Decimal:
        return engine.to_decimal(raw, field="value")

    entries = params.get("options") if method == Indicator.Method.LEVELS else params.get("bands")
    if method in (Indicator.Method.LEVELS, Indicator.Method.RATIO_BANDS) and isinstance(entries, list) and entries:
        label = _("mức cao nhất") if method == Indicator.Method.LEVELS else _("khung tỷ lệ cao nhất")
        return max(number(entry["points"]) for entry in entries), label
    if method == Indicator.Method.YES_NO:
        yes = number(params.get("yes_points", max_points))
        no = number(params.get("no_points", "0"))
        return (yes, str(PARAM_LABELS["yes_points"])) if yes >= no else (no, str(PARAM_LABELS["no_points"]))
    if method == Indicator.Method.PER_OCCURRENCE and kind == Indicator.Kind.NORMAL:
        items = params.get("items") or []
        if all(number(item["points"]) <= 0 for item in items):
            return number(params.get("base", "0")), str(PARAM_LABELS["base"])
    return None


def unreachable_maximum(indicator: Indicator) -> str | None:
    """The set check's warning (never a refusal) on a leaf whose maximum is more than its method can give («Có»
    worth 1 under a maximum of 2; a best level of 1,5 under 2): no unit can reach it, so the parent's and the area's
    maxima count points nobody can get. None when the maximum is reachable, or not known from the parameters.
    The leaf's parameters are taken as valid (checked by the engine before)."""
    try:
        best = _best_points(
            indicator.method, indicator.params or {}, max_points=indicator.max_points, kind=indicator.kind
        )
    except (engine.EngineError, KeyError, TypeError, AttributeError):
        return None  # parameters the engine refuses: the check's problem, said there
    if best is None or best[0] >= indicator.max_points:
        return None
    method = Indicator.Method(indicator.method).label
    return ngettext(
        "«%(code)s»: điểm tối đa là %(max)s nhưng phương pháp «%(method)s» cho nhiều nhất %(best)s điểm (%(where)s), "
        "nên không đơn vị nào đạt được điểm tối đa. Hãy sửa điểm tối đa hoặc tham số nếu đó là nhầm lẫn.",
        "«%(code)s»: điểm tối đa là %(max)s nhưng phương pháp «%(method)s» cho nhiều nhất %(best)s điểm (%(where)s), "
        "nên không đơn vị nào đạt được điểm tối đa. Hãy sửa điểm tối đa hoặc tham số nếu đó là nhầm lẫn.",
        plural_count(best[0]),
    ) % {"code": indicator.code, "max": _shown_points(indicator.max_points), "method": method,
         "best": _shown_points(best[0]), "where": best[1]}


def _lowest_points(method: str, params: Mapping[str, Any], *, max_points: Decimal) -> Decimal | None:
    """The fewest points a leaf's method can give, for the methods whose scores are listed in the parameters (levels,
    ratio bands, yes/no); None for the others, or when a parameter is not a number (the engine's to refuse)."""
    try:
        if method == Indicator.Method.LEVELS:
            entries = params.get("options")
        elif method == Indicator.Method.RATIO_BANDS:
            entries = params.get("bands")
        elif method == Indicator.Method.YES_NO:
            return min(engine.to_decimal(params.get("yes_points", max_points), field="value"),
                       engine.to_decimal(params.get("no_points", "0"), field="value"))
        else:
            return None
        if not isinstance(entries, list) or not entries:
            return None
        return min(engine.to_decimal(entry["points"], field="value") for entry in entries)
    except (engine.EngineError, KeyError, TypeError, AttributeError):
        return None


def rule_warnings(indicator: Indicator) -> list[str]:
    """The set check's warnings (never refusals) on a leaf's rule that the engine takes but that makes no sense on
    a unit's sheet: «Có» and «Không» worth the same, or «Không» worth more; a higher ratio band worth fewer points
    than a lower one; a floor below 0 that no level, band or answer gives (the sheet shows «thấp nhất -1,00» with no
    such choice left). The leaf's parameters are taken as valid (checked by the engine before)."""
    method, params = indicator.method, indicator.params or {}
    code = indicator.code
    said: list[str] = []
    number = functools.partial(engine.to_decimal, field="value")
    try:
        if method == Indicator.Method.YES_NO:
            yes = number(params.get("yes_points", indicator.max_points))
            no = number(params.get("no_points", "0"))
            if yes == no:
                said.append(ngettext(
                    "«%(code)s»: «Có» và «Không» cùng cho %(points)s điểm, nên câu trả lời của đơn vị không đổi được "
                    "điểm. Hãy sửa «Điểm khi «Có»» hoặc «Điểm khi «Không»» nếu đó là nhầm lẫn.",
                    "«%(code)s»: «Có» và «Không» cùng cho %(points)s điểm, nên câu trả lời của đơn vị không đổi được "
                    "điểm. Hãy sửa «Điểm khi «Có»» hoặc «Điểm khi «Không»» nếu đó là nhầm lẫn.",
                    plural_count(yes),
                ) % {"code": code, "points": _shown_points(yes)})
            elif no > yes:
                said.append(ngettext(
                    "«%(code)s»: «Không» cho %(no)s điểm, nhiều hơn «Có» (%(yes)s). Hãy kiểm tra lại nếu đó là "
                    "nhầm lẫn.",
                    "«%(code)s»: «Không» cho %(no)s điểm, nhiều hơn «Có» (%(yes)s). Hãy kiểm tra lại nếu đó là "
                    "nhầm lẫn.",
                    plural_count(no),
                ) % {"code": code, "no": _shown_points(no), "yes": _shown_points(yes)})
        elif method == Indicator.Method.RATIO_BANDS:
            bands = params.get("bands") or []
            for higher, lower in itertools.pairwise(bands):
                if number(higher["points"]) < number(lower["points"]):
                    said.append(_(
                        "«%(code)s»: tỷ lệ cao hơn lại được ít điểm hơn: khung %(high)s %% cho %(high_points)s, khung "
                        "%(low)s %% cho %(low_points)s. Hãy kiểm tra «Khung tỷ lệ» nếu đó là nhầm lẫn."
                    ) % {"code": code, "high": _shown_points(number(higher["min"])),
                         "high_points": _shown_points(number(higher["points"])),
                         "low": _shown_points(number(lower["min"])),
                         "low_points": _shown_points(number(lower["points"]))})
                    break
    except (engine.EngineError, KeyError, TypeError, AttributeError):
        return said  # parameters the engine refuses: the check's problem, said there
    lowest = _lowest_points(method, params, max_points=indicator.max_points)
    if lowest is not None and indicator.floor < 0 and indicator.floor < lowest:
        said.append(ngettext(
            "«%(code)s»: điểm tối thiểu là %(floor)s nhưng phương pháp «%(method)s» cho ít nhất %(lowest)s điểm; "
            "phiếu chấm vẫn ghi «thấp nhất %(floor)s». Hãy sửa điểm tối thiểu thành %(proposed)s.",
            "«%(code)s»: điểm tối thiểu là %(floor)s nhưng phương pháp «%(method)s» cho ít nhất %(lowest)s điểm; "
            "phiếu chấm vẫn ghi «thấp nhất %(floor)s». Hãy sửa điểm tối thiểu thành %(proposed)s.",
            plural_count(lowest),
        ) % {"code": code, "floor": _shown_points(indicator.floor), "method": Indicator.Method(method).label,
             "lowest": _shown_points(lowest), "proposed": _shown_points(min(lowest, Decimal("0")))})
    return said


def _floor_following_points(indicator: Indicator, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A leaf's negative floor that was its lowest level (band, answer) follows the list when that choice is removed
    or raised: the floor is stored, and left as it was it made the unit's sheet say «thấp nhất -1,00» with no such
    choice left. Only when the administrator did not change the floor and the method stays; it becomes the new lowest
    points, or 0 when none is negative. A floor set apart from the choices stays as it is."""
    method = str(data.get("method") or "")
    if not indicator.is_leaf or method != indicator.method or indicator.floor >= 0:
        return data
    old_lowest = _lowest_points(indicator.method, indicator.params or {}, max_points=indicator.max_points)
    try:
        posted_floor = Decimal(str(data.get("floor") or "0").replace(",", "."))
        new_max = Decimal(str(data.get("max_points")).replace(",", "."))
    except (InvalidOperation, ValueError):
        return data  # clean_indicator says what is wrong
    new_lowest = _lowest_points(method, data.get("params") or {}, max_points=new_max)
    if old_lowest != indicator.floor or posted_floor != indicator.floor or new_lowest is None:
        return data
    if new_lowest <= indicator.floor:
        return data
    return {**data, "floor": format(min(new_lowest, Decimal("0")), "f")}


def plural_count(number: Decimal) -> int:
    """The count `ngettext` takes for a number of points: «1 point», «0 points», «1.5 points» in English."""
    return int(abs(number)) if number == number.to_integral_value() else 2


def _shown_points(number: Decimal) -> str:
    """Points in the page's language: «1,5» in Vietnamese, «1.5» in English; whole without decimals («2»)."""
    text = format(number.normalize(), "f") if number else "0"
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _yes_points_following_maximum(indicator: Indicator, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A yes/no leaf's «Có» points that were the maximum follow a new maximum.

    The engine and the editor take «Có» as the maximum when the parameter is left out ("mặc định: điểm tối đa"),
    but a set cloned or imported may hold it written out, equal to the maximum; the editor then shows it filled in.
    Left as it was, lowering the maximum was refused (the «Có» points above it) and raising it left «Có» short
    of full points. When the stored «Có» points are the old maximum and the administrator did not change them,
    they go back to the default, the maximum, whatever it becomes (written out again as the new maximum,
    `_yes_no_defaults_written`). «Có» points set apart from the maximum stay
    as they are (an out-of-range value is then refused)."""
    yes_no = Indicator.Method.YES_NO
    params = dict(data.get("params") or {})
    if not indicator.is_leaf or yes_no not in (indicator.method, data.get("method")) or "yes_points" not in params:
        return data
    if indicator.method != data.get("method"):
        return data
    old_max = indicator.max_points
    try:
        stored = Decimal(str(indicator.params.get("yes_points", old_max)))
        posted = Decimal(str(params["yes_points"]).replace(",", "."))
        new_max = Decimal(str(data.get("max_points")).replace(",", "."))
    except (InvalidOperation, ValueError):
        return data  # clean_indicator says what is wrong
    if stored != old_max or posted != old_max or new_max == old_max:
        return data
    del params["yes_points"]
    return {**data, "params": params}


_NUMBER_IN_TEXT = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?(?![\d])")
_NUMBER_PARAMS = ("step", "yes_points", "no_points", "threshold", "below_points", "on_zero_division", "base")
_NUMBER_ENTRIES = ("points", "min")


def _param_numbers(params: Mapping[str, Any]) -> set[Decimal]:
    """The numbers a leaf's parameters hold (scalars and the points and thresholds of its lists)."""
    found: list[Any] = [params.get(name) for name in _NUMBER_PARAMS]
    for entries in params.values():
        if isinstance(entries, list):
            found.extend(entry.get(key) for entry in entries if isinstance(entry, Mapping) for key in _NUMBER_ENTRIES)
    numbers: set[Decimal] = set()
    for raw in found:
        try:
            number = Decimal(str(raw).replace(",", "."))
        except (InvalidOperation, ValueError):
            continue
        if number.is_finite():
            numbers.add(abs(number).normalize())  # «trừ 0,25 điểm» for -0.25
    return numbers


def guidance_stale_numbers(*, guidance: str, old_params: Mapping[str, Any], new_params: Mapping[str, Any]) -> list[str]:
    """The numbers the guidance text mentions (as written there) that were a parameter before a change and no longer
    are: the unit reads the old rule («dưới 80 %» after a threshold made 70). Zero is left out (too common)."""
    gone = _param_numbers(old_params) - _param_numbers(new_params) - {Decimal(0)}
    said: list[str] = []
    for match in _NUMBER_IN_TEXT.finditer(guidance or ""):
        if Decimal(match.group(0).replace(",", ".")).normalize() in gone and match.group(0) not in said:
            said.append(match.group(0))
    return said


def _yes_no_defaults_written(clean: dict[str, Any]) -> dict[str, Any]:
    """A yes/no leaf's «Có» / «Không» points left out written out as the defaults the editor states (the maximum, 0):
    the form, the Excel export and the public page then show them, as they do for a set imported with them."""
    if clean.get("method") != Indicator.Method.YES_NO:
        return clean
    params = dict(clean["params"])
    params.setdefault("yes_points", format(clean["max_points"].normalize(), "f"))
    params.setdefault("no_points", "0")
    return {**clean, "params": params}


def _leaf_to_group(parent: Indicator | None, *, confirmed: bool) -> dict[str, Any]:
    """Turn a leaf parent into a group (only leaves are scored, so its method and parameters go), but only when
    the administrator confirmed it: every leaf has a method, and losing one silently loses the work put into its
    parameters. Returns the audit changes recording what was dropped (empty when `parent` is not a leaf)."""
    if parent is None or not parent.is_leaf:
        return {}
    if not confirmed:
        method = Indicator.Method(parent.method).label if parent.method in Indicator.Method.values else parent.method
        raise ValidationFailed(
            _(
                "«%(code)s» đang là tiêu chí thành phần, chấm theo phương pháp «%(method)s». Đặt tiêu chí con vào "
                "đó sẽ biến nó thành nhóm và bỏ phương pháp chấm cùng các tham số của nó. Hãy đánh dấu ô xác nhận "
                "nếu đúng ý, hoặc chọn tiêu chí cha khác."
            )
            % {"code": parent.code, "method": method or "—"},
            code="parent_is_leaf",
            details={"field": "parent"},
        )
    Indicator.objects.filter(pk=parent.pk).update(is_leaf=False, method="", params={})
    return {
        "parent_method": {"old": parent.method, "new": ""},
        "parent_params": {"old": parent.params, "new": {}},
    }


def code_order_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """The natural order of criteria codes: the numbers in a code compared as numbers («1.9» before «1.10»), the
    rest as text, case aside («1.3» before «1.3.1» before «1.3a»)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.findall(r"\d+|\D+", code))


def _order_by_code(
    indicator_set: IndicatorSet, parent: Indicator | None, code: str, *, exclude: Indicator | None = None
) -> int:
    """The `order` a child of `parent` with `code` takes to stand before the first sibling whose code comes after
    its own (the nodes from that sibling on moved one place down), or after the whole tree (last child). Only the
    siblings whose codes start with the parent's are compared, and a code that does not start with it («1.2» under
    «3») has no place by code among them: last (`code_follows_parent`; any code places an area). `exclude`: a node
    already among the siblings that is placed again (a criterion moved under its own parent), not compared.
    Two queries, three when siblings move down."""
    from scoring.administration.selectors import code_follows_parent

    def placed_by_code(other: str) -> bool:
        return parent is None or code_follows_parent(other, parent.code)

    following = None
    if placed_by_code(code):
        key = code_order_key(code)
        siblings = indicator_set.indicators.filter(parent=parent)
        if exclude is not None:
            siblings = siblings.exclude(pk=exclude.pk)
        following = next(
            (order for order, other in siblings.order_by("order", "pk").values_list("order", "code")
             if placed_by_code(other) and code_order_key(other) > key),
            None,
        )
    if following is None:
        return (indicator_set.indicators.aggregate(m=Max("order"))["m"] or 0) + 1
    indicator_set.indicators.filter(order__gte=following).update(order=F("order") + 1)
    return following


@transaction.atomic
def indicator_create(
    *,
    indicator_set: IndicatorSet,
    parent: Indicator | None,
    data: Mapping[str, Any],
    actor: Any,
    leaf_parent_confirmed: bool = False,
) -> Indicator:
    """Add a node under `parent` (an area when None), placed by its code among its siblings (`code_order_key`:
    «1.3.1» before «1.3.2», «1.10» after «1.9»): before the first sibling whose code comes after its own, else
    last (also when its code does not start with the parent's). So a criterion re-added under a code a deleted one
    left sits where the decision numbers it, and «Đánh số lại» keeps its code. A leaf parent becomes a group, its
    method and parameters dropped (only leaves are scored): refused unless `leaf_parent_confirmed`, and then
    recorded in the audit entry."""
    _ensure_editable(indicator_set)
    if parent is not None and parent.indicator_set_id != indicator_set.pk:
        raise ValidationFailed(_("Tiêu chí cha không thuộc bộ chỉ số này."))
    clean = _yes_no_defaults_written(clean_indicator(indicator_set=indicator_set, data=data, leaf=True))
    dropped = _leaf_to_group(parent, confirmed=leaf_parent_confirmed)
    node = Indicator.objects.create(
        indicator_set=indicator_set,
        parent=parent,
        order=_order_by_code(indicator_set, parent, clean["code"]),
        level=parent.level + 1 if parent else 1,
        is_leaf=True,
        **clean,
    )
    _renumber(indicator_set)
    node.refresh_from_db()
    audit_record(
        actor=actor,
        action="indicator.create",
        object_type="Indicator",
        object_id=node.pk,
        changes={
            **{f: {"old": None, "new": _display(clean[f])} for f in ("code", "name", "max_points", "method")},
            **({"parent": {"old": None, "new": parent.code}} if dropped and parent else {}),
            **dropped,
        },
    )
    return node


@transaction.atomic
def indicator_update(
    *, indicator: Indicator, data: Mapping[str, Any], actor: Any, expected_version: str | None = None,
    carry_prefix: bool = False,
) -> Indicator:
    """Change a node's fields; a leaf's method and parameters are validated by the engine.

    `expected_version` (the criterion's page): the `indicator_version` the change was based on; refused (`stale`,
    nothing written) when the criterion changed since, or when it is empty. None: no condition (the API).
    A criterion given another code takes its place among its siblings by that code, as one moved under another
    parent does (`_order_by_code`: «1.5» made «1.2» goes between «1.1» and «1.3»; last when the code does not start
    with its parent's).
    `carry_prefix`: a group given another code carries it to the criteria under it whose codes begin with its old
    one («1.3» made «1.2»: «1.3.1» becomes «1.2.1»), each recorded as a code change (`_recode`); refused, nothing
    written, when one of those codes is held by another criterion."""
    if expected_version is not None:
        indicator = locked_at_version(
            Indicator.objects.all(), indicator.pk, expected=expected_version, version_of=indicator_version,
            missing=MSG_INDICATOR_VERSION_MISSING, changed=MSG_INDICATOR_CHANGED,
        )
    indicator_set = indicator.indicator_set
    _ensure_editable(indicator_set)
    data = _floor_following_points(indicator, _yes_points_following_maximum(indicator, data))
    clean = _yes_no_defaults_written(
        clean_indicator(indicator_set=indicator_set, data=data, leaf=indicator.is_leaf, instance=indicator)
    )
    old_code = indicator.code
    carried = (
        _prefix_carried(indicator, old_code=old_code, new_code=clean["code"])
        if carry_prefix and clean["code"] != old_code else {}
    )
    changes = _assign(indicator, clean)
    indicator.save()
    if indicator.code != old_code:
        _follow_code_in_clone(indicator_set, old_code=old_code, new_code=indicator.code, actor=actor)
        # its new code places it among its siblings, as a move under another parent does
        order = _order_by_code(indicator_set, indicator.parent, indicator.code, exclude=indicator)
        Indicator.objects.filter(pk=indicator.pk).update(order=order)
        _renumber(indicator_set)
        indicator.refresh_from_db(fields=["order", "level", "is_leaf"])
    if changes:
        audit_record(
            actor=actor, action="indicator.update", object_type="Indicator", object_id=indicator.pk, changes=changes
        )
    if carried:
        reason = _("Đổi theo mã của tiêu chí cha: «%(old)s» → «%(new)s».") % {"old": old_code, "new": indicator.code}
        _recode(indicator_set, carried, actor=actor, reason=reason)
    return indicator


def _descendants(indicator: Indicator) -> list[Indicator]:
    """The criteria under `indicator`, in tree order (one query for the set)."""
    nodes = list(Indicator.objects.filter(indicator_set_id=indicator.indicator_set_id).order_by("order", "pk"))
    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    found: list[Indicator] = []

    def walk(parent_id: int) -> None:
        for child in children.get(parent_id, []):
            found.append(child)
            walk(child.pk)

    walk(indicator.pk)
    return found


def _prefix_carried(indicator: Indicator, *, old_code: str, new_code: str) -> dict[int, str]:
    """The new codes (by id) of the criteria under `indicator` whose codes begin with its old code and a point, the
    old code replaced by the new one; refused when a code so made is another criterion's, or too long."""
    under = [node for node in _descendants(indicator) if node.code.startswith(f"{old_code}.")]
    carried = {node.pk: new_code + node.code[len(old_code):] for node in under}
    _refuse_clashes(indicator.indicator_set, carried, codes_of={node.pk: node.code for node in under})
    return carried


def _refuse_clashes(indicator_set: IndicatorSet, new_codes: Mapping[int, str], *, codes_of: Mapping[int, str]) -> None:
    """Refuse (ValidationFailed) new codes (by id) that another criterion of the set keeps, or longer than a code
    may be. `codes_of`: the current codes of the criteria given new ones."""
    too_long = [code for code in new_codes.values() if len(code) > 30]
    if too_long:
        raise ValidationFailed(
            _("Mã mới «%(code)s» dài quá 30 ký tự.") % {"code": too_long[0]}, code="code_too_long")
    kept = indicator_set.indicators.exclude(pk__in=list(new_codes)).filter(code__in=set(new_codes.values()))
    clash = kept.order_by("order").first()
    if clash is not None:
        was = next(codes_of[pk] for pk, code in new_codes.items() if code == clash.code)
        raise ValidationFailed(
            _(
                "Không đổi được mã «%(old)s» thành «%(new)s»: mã này đang là của tiêu chí «%(new)s %(name)s». Hãy đổi "
                "mã của tiêu chí đó trước, hoặc đánh số lại cả nhánh chứa nó. Chưa đổi mã nào."
            ) % {"old": was, "new": clash.code, "name": clash.name},
            code="duplicate_code", details={"field": "code"},
        )


def _recode(indicator_set: IndicatorSet, new_codes: Mapping[int, str], *, actor: Any, reason: str = "") -> int:
    """Give criteria (by id) new codes, all at once (a permutation of codes too: «1.1.3» and «1.1.4» swapped), each
    audited as a code change (`indicator.update`, with `reason`: what changed them); in a set cloned from an older
    one, the mappings from that set follow (`clone_mappings_follow`), as a code changed on the criterion's page.
    Returns how many changed."""
    nodes = {node.pk: node for node in indicator_set.indicators.filter(pk__in=list(new_codes))}
    changed = {pk: code for pk, code in new_codes.items() if pk in nodes and nodes[pk].code != code}
    if not changed:
        return 0
    source = clone_source(indicator_set)
    origins = clone_origins(indicator_set, source) if source is not None else {}
    before = {pk: nodes[pk].code for pk in changed}
    # through codes no criterion holds: the set's codes stay unique at every write
    Indicator.objects.bulk_update([Indicator(pk=pk, code=f"~{pk}~") for pk in changed], ["code"])
    Indicator.objects.bulk_update([Indicator(pk=pk, code=code) for pk, code in changed.items()], ["code"])
    audit_records(actor=actor, entries=[
        {"action": "indicator.update", "object_type": "Indicator", "object_id": pk,
         "changes": {"code": {"old": before[pk], "new": code}}, "reason": reason}
        for pk, code in changed.items()
    ])
    if source is not None:
        renamed = {before[pk]: code for pk, code in changed.items()}
        followed = {origin: renamed.get(code, code) for code, origin in origins.items()}
        clone_mappings_follow(indicator_set, source=source, origins=followed,
                              codes={*before.values(), *changed.values()}, actor=actor)
    return len(changed)


def _follow_code_in_clone(indicator_set: IndicatorSet, *, old_code: str, new_code: str, actor: Any) -> None:
    """A criterion of a cloned set given another code stays the criterion of the source set it was copied as: the
    mapping source → clone (`IndicatorMapping`, which the comparison page pairs criteria by, before their codes) is
    recorded, so that a code freed by a deletion and given to a criterion moved there («1.5.3» renumbered «1.4.3»)
    is not paired with the deleted one. Its origin: the source's code a mapping already gave it, else its old code
    when the source has that code and no mapping sends it elsewhere (otherwise the criterion was added in the
    clone: nothing to record). Back to its origin's code, the mapping goes (the codes pair it). Audited as the
    administrator's mappings (`indicator_mapping.save` / `.delete`)."""
    from scoring.administration.selectors import older_and_newer
    from scoring.models import IndicatorMapping

    source = indicator_set.cloned_from
    if source is None or older_and_newer(source, indicator_set)[0].pk != source.pk:
        return
    mappings = IndicatorMapping.objects.filter(from_set=source, to_set=indicator_set)
    given = mappings.filter(to_code=old_code).first()
    if given is not None:
        origin = given.from_code
    elif source.indicators.filter(code=old_code).exists() and not mappings.filter(from_code=old_code).exists():
        origin = old_code
    else:
        return
    replaced = list(mappings.filter(Q(from_code=origin) | Q(to_code__in=(old_code, new_code))))
    for mapping in replaced:
        text, pk = str(mapping), mapping.pk
        mapping.delete()
        audit_record(actor=actor, action="indicator_mapping.delete", object_type="IndicatorMapping", object_id=pk,
                     changes={"mapping": {"old": text, "new": None}})
    if origin == new_code:
        return
    mapping = IndicatorMapping.objects.create(from_set=source, to_set=indicator_set, from_code=origin,
                                              to_code=new_code)
    audit_record(actor=actor, action="indicator_mapping.save", object_type="IndicatorMapping", object_id=mapping.pk,
                 changes={"from": {"old": None, "new": f"{source.key}:{origin}"},
                          "to": {"old": None, "new": f"{indicator_set.key}:{new_code}"}})


def _subtree_codes(indicator: Indicator) -> list[str]:
    return [indicator.code, *(code for child in indicator.children.all() for code in _subtree_codes(child))]


def _forget_codes_in_clone(indicator_set: IndicatorSet, *, codes: list[str], actor: Any) -> None:
    """The mappings source → clone onto criteria just deleted go with them (`_follow_code_in_clone`): a code the
    deletion frees is no longer claimed, and the comparison shows the source's criterion as deleted."""
    from scoring.models import IndicatorMapping

    if indicator_set.cloned_from_id is None:
        return
    for mapping in IndicatorMapping.objects.filter(from_set_id=indicator_set.cloned_from_id, to_set=indicator_set,
                                                   to_code__in=codes):
        text, pk = str(mapping), mapping.pk
        mapping.delete()
        audit_record(actor=actor, action="indicator_mapping.delete", object_type="IndicatorMapping", object_id=pk,
                     changes={"mapping": {"old": text, "new": None}})


def _make_leaf_if_childless(parent_id: int | None) -> None:
    """A group left without children becomes a leaf scored by hand (the report shows it for review)."""
    if parent_id is None or Indicator.objects.filter(parent_id=parent_id).exists():
        return
    Indicator.objects.filter(pk=parent_id, method="").update(is_leaf=True, method=Indicator.Method.MANUAL, params={})


@transaction.atomic
def indicator_move(*, indicator: Indicator, direction: str, actor: Any) -> Indicator:
    """Swap a node with its previous ("up") or next ("down") sibling."""
    _ensure_editable(indicator.indicator_set)
    siblings = list(
        Indicator.objects.filter(indicator_set_id=indicator.indicator_set_id, parent_id=indicator.parent_id).order_by(
            "order"
        )
    )
    at = next(i for i, s in enumerate(siblings) if s.pk == indicator.pk)
    other = at - 1 if direction == "up" else at + 1
    if direction not in ("up", "down") or not 0 <= other < len(siblings):
        return indicator
    siblings[at], siblings[other] = siblings[other], siblings[at]
    # Give siblings the orders they held between them, then renumber the subtrees after them.
    orders = sorted(s.order for s in siblings)
    for s, order in zip(siblings, orders, strict=True):
        s.order = order
    Indicator.objects.bulk_update(siblings, ["order"])
    _renumber(indicator.indicator_set)
    audit_record(
        actor=actor,
        action="indicator.move",
        object_type="Indicator",
        object_id=indicator.pk,
        changes={"position": {"old": at + 1, "new": other + 1}},
    )
    indicator.refresh_from_db()
    return indicator


@transaction.atomic
def indicator_reparent(
    *, indicator: Indicator, new_parent: Indicator | None, actor: Any, leaf_parent_confirmed: bool = False
) -> Indicator:
    """Move a node (with its subtree) under another parent (an area when None), placed by its code among its new
    siblings as a new criterion is (`_order_by_code`): «3.2» between «3.1» and «3.3»; last when its code does not
    start with the new parent's (its code is kept: the decision's numbering, changed only by the administrator).
    Refuses a move into itself, and a move under a leaf unless `leaf_parent_confirmed` (the leaf becomes a group
    and loses its method: recorded in the audit entry); a refusal writes nothing."""
    indicator_set = indicator.indicator_set
    _ensure_editable(indicator_set)
    if new_parent is not None:
        if new_parent.indicator_set_id != indicator_set.pk:
            raise ValidationFailed(_("Tiêu chí cha không thuộc bộ chỉ số này."))
        ancestor: Indicator | None = new_parent
        while ancestor is not None:
            if ancestor.pk == indicator.pk:
                raise ValidationFailed(
                    _("Không thể chuyển «%(code)s» vào chính nó hoặc tiêu chí con của nó (vòng lặp cha – con).")
                    % {"code": indicator.code},
                    code="tree_cycle",
                )
            ancestor = ancestor.parent
    old_parent_id = indicator.parent_id
    old_code = indicator.parent.code if indicator.parent else None
    dropped = _leaf_to_group(new_parent, confirmed=leaf_parent_confirmed)
    order = _order_by_code(indicator_set, new_parent, indicator.code, exclude=indicator)
    Indicator.objects.filter(pk=indicator.pk).update(parent=new_parent, order=order)
    _make_leaf_if_childless(old_parent_id)
    _renumber(indicator_set)
    audit_record(
        actor=actor,
        action="indicator.reparent",
        object_type="Indicator",
        object_id=indicator.pk,
        changes={"parent": {"old": old_code, "new": new_parent.code if new_parent else None}, **dropped},
    )
    indicator.refresh_from_db()
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, actor: Any) -> None:
    """Delete a node and its subtree."""
    indicator_set = indicator.indicator_set
    _ensure_editable(indicator_set)
    parent_id, pk, code = indicator.parent_id, indicator.pk, indicator.code
    removed = 1 + _descendant_count(indicator)
    codes = _subtree_codes(indicator)
    indicator.delete()
    _forget_codes_in_clone(indicator_set, codes=codes, actor=actor)
    _make_leaf_if_childless(parent_id)
    _renumber(indicator_set)
    audit_record(
        actor=actor,
        action="indicator.delete",
        object_type="Indicator",
        object_id=pk,
        changes={"code": {"old": code, "new": None}, "nodes": {"old": removed, "new": 0}},
    )


@dataclass(frozen=True)
class CodeChange:
    """One criterion «Đánh số lại» gives another code (`old` → `new`)."""

    indicator_id: int
    old: str
    new: str
    name: str
    level: int


def renumber_plan(*, indicator_set: IndicatorSet, root: Indicator | None) -> list[CodeChange]:
    """The codes «Đánh số lại» gives, in tree order: each criterion under `root` (the whole set when None) numbered
    by its place among its parent's children, after its parent's new code («1.2», «1.2.1» …; the areas «1», «2» …).
    `root` keeps its own code. Only the criteria whose code changes are listed."""
    nodes = list(indicator_set.indicators.order_by("order", "pk"))
    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    plan: list[CodeChange] = []

    def walk(parent_id: int | None, prefix: str) -> None:
        for number, node in enumerate(children.get(parent_id, []), start=1):
            code = f"{prefix}.{number}" if prefix else str(number)
            if code != node.code:
                plan.append(CodeChange(indicator_id=node.pk, old=node.code, new=code, name=node.name,
                                       level=node.level))
            walk(node.pk, code)

    walk(root.pk if root is not None else None, root.code if root is not None else "")
    return plan


def renumber_digest(plan: Iterable[CodeChange]) -> str:
    """What a renumbering preview showed, to apply that renumbering only (`indicator_set_renumber`)."""
    text = json.dumps([[c.indicator_id, c.old, c.new] for c in plan])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def renumber_refusal(*, indicator_set: IndicatorSet, plan: list[CodeChange]) -> str | None:
    """Why a renumbering cannot be applied (a new code held by a criterion outside it), for the preview; None when
    it can."""
    try:
        _refuse_clashes(indicator_set, {c.indicator_id: c.new for c in plan},
                        codes_of={c.indicator_id: c.old for c in plan})
    except ValidationFailed as exc:
        return str(exc.message)
    return None


def indicator_set_renumber(
    *, indicator_set: IndicatorSet, root: Indicator | None, expected: str, actor: Any
) -> list[CodeChange]:
    """«Đánh số lại»: give the criteria under `root` (the whole set when None) the codes of `renumber_plan`, as the
    preview the administrator confirmed showed them (`expected`, its `renumber_digest`: refused, 409, when the tree
    changed since). Only a draft set. Each code change is audited, and in a set cloned from an older one the
    mappings follow, as for a code changed on the criterion's page (`_recode`). Refused, nothing written, when a new
    code is held by a criterion outside the renumbered branch."""
    with transaction.atomic():
        IndicatorSet.objects.select_for_update().filter(pk=indicator_set.pk).first()
        _ensure_editable(indicator_set)
        if root is not None and root.indicator_set_id != indicator_set.pk:
            raise ValidationFailed(_("Tiêu chí không thuộc bộ chỉ số này."))
        plan = renumber_plan(indicator_set=indicator_set, root=root)
        if renumber_digest(plan) != expected:
            raise StateConflict(MSG_RENUMBER_CHANGED, code="set_changed")
        new_codes = {c.indicator_id: c.new for c in plan}
        _refuse_clashes(indicator_set, new_codes, codes_of={c.indicator_id: c.old for c in plan})
        scope = (_("Đánh số lại các tiêu chí trong «%(code)s».") % {"code": root.code} if root is not None
                 else _("Đánh số lại toàn bộ bộ chỉ số."))
        _recode(indicator_set, new_codes, actor=actor, reason=scope)
    return plan


def next_free_code(
    *, indicator_set: IndicatorSet, parent: Indicator | None, exclude: Indicator | None = None
) -> str:
    """The code a new child of `parent` (an area when None) would take: the parent's code and the next number
    after its children's count that no criterion of the set holds yet («1.4.5»). `exclude`: a child already there
    that the code is proposed for (a criterion just moved), not counted."""
    siblings = indicator_set.indicators.filter(parent=parent)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    taken = set(indicator_set.indicators.values_list("code", flat=True))
    number = siblings.count() + 1
    while (code := f"{parent.code}.{number}" if parent else str(number)) in taken:
        number += 1
    return code


def _descendant_count(indicator: Indicator) -> int:
    return sum(1 + _descendant_count(child) for child in indicator.children.all())


def indicator_set_tree_fingerprint(indicator_set: IndicatorSet) -> str:
    """A digest of every node of the set's tree as stored (ids included): any edit, move, addition or deletion
    changes it, and so does an import, which replaces every node by new ones."""
    fields = [f.attname for f in Indicator._meta.concrete_fields]
    rows = indicator_set.indicators.order_by("pk").values_list(*fields)
    text = json.dumps([list(row) for row in rows], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def indicator_set_tree_import_apply(
    *, indicator_set: IndicatorSet, rows: Iterable[Mapping[str, Any]], fingerprint: str, actor: Any,
    file_set: str = "", file_set_confirmed: bool = False,
) -> Any:
    """Write a previewed file's rows (`indicator_set_tree_import`), but only onto the tree the preview was made
    against (`fingerprint`, taken at the preview). The import replaces every node, so a preview applies once:
    applied again, or after the tree was edited elsewhere, it is refused (409) and nothing is written. The set
    row is locked so that two applies of one preview run one after the other. `file_set`: the key of the other set
    the file was exported from (`tree_excel.tree_file_origin`): the preview still holding, refused (400
    `other_set_unconfirmed`) unless the administrator confirmed it (`file_set_confirmed`) or the set has no criterion
    to replace; recorded in the audit entry."""
    from scoring.administration.services.tree_excel import indicator_set_tree_import

    with transaction.atomic():
        IndicatorSet.objects.select_for_update().filter(pk=indicator_set.pk).first()
        if indicator_set_tree_fingerprint(indicator_set) != fingerprint:
            raise StateConflict(MSG_TREE_CHANGED, code="set_changed")
        _ensure_editable(indicator_set)
        if file_set and not file_set_confirmed and indicator_set.indicators.exists():
            raise ValidationFailed(MSG_OTHER_SET_UNCONFIRMED % {"key": file_set, "target": indicator_set.key},
                                   code="other_set_unconfirmed")
        return indicator_set_tree_import(indicator_set=indicator_set, rows=rows, actor=actor, dry_run=False,
                                         file_set=file_set)
