"""Form helpers shared by the self-assessment and the appraisal pages.

The method input is the same control everywhere a leaf is scored:

- `method_value_from_post(indicator, data, prefix)` reads the posted fields of the leaf's method into the
  engine's value dict (strings as typed; the engine validates), or None when nothing was entered;
- `method_input_context(indicator, value, prefix, disabled=False)` is what
  `templates/scoring/_method_input.html` needs (`{% include "scoring/_method_input.html" with ctx=... %}`).

Field names are `prefix + engine field`: `points`, `option`, `value` (yes/no), `numerator`, `denominator`,
`counts.<key>`. An engine error's `field` therefore names the input to mark (`prefix + error.field`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext

from scoring.models import Indicator
from scoring.templatetags.scoring_tags import MINUS

YES = "yes"
NO = "no"

__all__ = [
    "NO", "YES", "as_deduction", "field_label", "method_input_context", "method_value_from_post",
    "number_display", "value_summary",
]

def _get(data: Mapping[str, Any], name: str) -> str:
    raw = data.get(name)
    if isinstance(raw, list):  # a plain dict built from a QueryDict by hand
        raw = raw[-1] if raw else None
    return "" if raw is None else str(raw).strip()


def _params(indicator: Indicator) -> dict[str, Any]:
    return dict(indicator.params or {})


def _count_keys(indicator: Indicator) -> list[tuple[str, str, str | None]]:
    """(key, label, points per occurrence or None) of a formula's variables or a per-occurrence list."""
    params = _params(indicator)
    if indicator.method == Indicator.Method.FORMULA:
        return [(str(v.get("name", "")), str(v.get("label") or v.get("name", "")), None)
                for v in params.get("variables") or []]
    if indicator.method == Indicator.Method.PER_OCCURRENCE:
        return [(str(i.get("key", "")), str(i.get("label") or i.get("key", "")), str(i.get("points", "")))
                for i in params.get("items") or []]
    return []


def method_value_from_post(indicator: Indicator, data: Mapping[str, Any], prefix: str = "") -> dict[str, Any] | None:
    """The engine value posted for the leaf's method, strings as typed; None when nothing was entered.

    A partly filled input is returned as it is (the engine reports what is missing).
    """
    method = indicator.method
    if method in (Indicator.Method.MANUAL, Indicator.Method.SURVEY):
        points = _get(data, f"{prefix}points")
        return {"points": points} if points else None
    if method == Indicator.Method.LEVELS:
        option = _get(data, f"{prefix}option")
        return {"option": option} if option else None
    if method == Indicator.Method.YES_NO:
        answer = _get(data, f"{prefix}value")
        return {"value": answer} if answer else None
    if method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        numerator = _get(data, f"{prefix}numerator")
        denominator = _get(data, f"{prefix}denominator")
        if not numerator and not denominator:
            return None
        value: dict[str, Any] = {}
        if numerator:
            value["numerator"] = numerator
        if denominator:
            value["denominator"] = denominator
        return value
    if method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
        counts = {key: text for key, _label, _pts in _count_keys(indicator)
                  if (text := _get(data, f"{prefix}counts.{key}"))}
        return {"counts": counts} if counts else None
    return None


def number_display(raw: Any) -> str:
    """A number (Decimal, int or canonical text) with the active language's decimal separator."""
    if raw is None or raw == "":
        return ""
    if isinstance(raw, bool):
        return str(raw)
    text = str(raw)
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return text  # what the user typed, shown back as typed
    separator = str(get_format("DECIMAL_SEPARATOR"))
    return text.replace(".", separator) if separator != "." else text


def _shown_expression(expression: str) -> str:
    """A formula as the page's language writes its numbers (0.5 → 0,5 in Vietnamese); only for display."""
    separator = str(get_format("DECIMAL_SEPARATOR"))
    return re.sub(r"(?<=\d)\.(?=\d)", separator, expression) if separator != "." else expression


def _is_one(shown: str) -> bool:
    """Whether a number as shown («1», «-1», «0,5») takes the singular: one, whatever its sign."""
    try:
        return abs(Decimal(str(shown).replace(",", ".").replace(MINUS, "-"))) == 1
    except (InvalidOperation, ValueError):
        return False


def _is_zero(shown: str) -> bool:
    """Whether a number as shown («0», «0,00») is zero."""
    try:
        return Decimal(str(shown).replace(",", ".").replace(MINUS, "-")) == 0
    except (InvalidOperation, ValueError):
        return False


def points_text(shown: str) -> str:
    """A number of points as shown («1», «0,5») with its word: «1 điểm», «0,5 điểm»; in English «1 point»,
    «-1 point», «0.5 points» (the plural as the language writes it)."""
    return npgettext("a number of points", "%(p)s điểm", "%(p)s điểm", 1 if _is_one(shown) else 2) % {"p": shown}


def points_each_time(shown: str) -> str:
    """Points per occurrence: «1 điểm/lần»; in English «1 point/time», «0.5 points/time»."""
    return npgettext("points per occurrence", "%(p)s điểm/lần", "%(p)s điểm/lần", 1 if _is_one(shown) else 2) % {
        "p": shown}


def _points_display(raw: Any) -> str:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return str(raw)
    text = format(abs(value).normalize(), "f") if value != value.to_integral_value() else str(abs(int(value)))
    # A negative one (a level worth -1, a deduction per occurrence) with the minus sign the pages write «−1,00» with
    # (`scoring_tags.score`), not a hyphen beside them.
    return (MINUS if value < 0 and text != "0" else "") + number_display(text)


def _yes_no_answer(raw: Any) -> str:
    """"yes", "no" or "" from a stored bool or a posted word."""
    if isinstance(raw, bool):
        return YES if raw else NO
    word = str(raw if raw is not None else "").strip().casefold()
    if word in {"yes", "true", "1", "có", "co", "on"}:
        return YES
    if word in {"no", "false", "0", "không", "khong", "off"}:
        return NO
    return ""


def _ratio_hint(indicator: Indicator) -> str:
    params = _params(indicator)
    if indicator.method == Indicator.Method.RATIO_BANDS:
        parts = []
        for band in params.get("bands") or []:
            sign = "≥" if band.get("inclusive") else ">"
            points = band.get("points", "0")
            try:
                one = Decimal(str(points)) == 1
            except (InvalidOperation, ValueError):
                one = False
            parts.append(  # «1 point», «0.5 points» in English
                ngettext("%(sign)s %(min)s%%: %(points)s điểm", "%(sign)s %(min)s%%: %(points)s điểm", 1 if one else 2)
                % {"sign": sign, "min": _points_display(band.get("min", "0")), "points": _points_display(points)}
            )
        return "; ".join(parts)
    maximum = _points_display(indicator.max_points)
    raw_threshold = params.get("threshold")
    try:
        no_threshold = raw_threshold in (None, "") or Decimal(str(raw_threshold)) == 0
    except (InvalidOperation, ValueError):
        no_threshold = False  # shown as written; the set's check reports it
    if no_threshold:
        # Without a threshold (the engine's 0 %) every rate reaches it: a "below 0 %" clause would say nothing.
        return _("Điểm = tỷ lệ (tử số / mẫu số) × %(max)s") % {"max": points_text(maximum)}
    threshold = _points_display(raw_threshold)
    below = _points_display(params.get("below_points", "0"))
    return _("Tỷ lệ ≥ %(t)s%%: tỷ lệ × %(max)s điểm; dưới %(t)s%%: %(below)s điểm") % {
        "t": threshold, "max": maximum, "below": below,
    }


def method_input_context(
    indicator: Indicator,
    value: Mapping[str, Any] | None,
    prefix: str = "",
    disabled: bool = False,
    *,
    error_field: str | None = None,
    allow_clear: bool = True,
    typed: bool = False,
) -> dict[str, Any]:
    """Everything `_method_input.html` renders for one leaf.

    `value` is a stored engine value (canonical) or, with `typed`, the dict `method_value_from_post` returned: a
    refused form shows numbers back exactly as typed («1.000» stays «1.000», not «1,000», which would read as 1).
    `error_field` is an engine error's `field` ("numerator", "counts.a", …): that input is marked invalid.
    `allow_clear` adds a "not chosen" choice to radio methods so a leaf can be emptied without JavaScript.
    """
    value = dict(value or {})
    method = indicator.method
    ctx: dict[str, Any] = {
        "method": method,
        "method_label": Indicator.Method(method).label if method in Indicator.Method.values else method,
        "prefix": prefix,
        "disabled": disabled,
        "allow_clear": allow_clear,
        "group_id": f"{prefix}method",
        "hint": "",
        "options": [],
        "fields": [],
        "error_field": error_field,
    }

    def field(key: str, label: str, raw: Any, kind: str, extra: str = "") -> dict[str, Any]:
        name = f"{prefix}{key}"
        return {
            "key": key,
            "name": name,
            "id": "id_" + name.replace(".", "_"),
            "label": label,
            "value": str(raw if raw is not None else "") if typed else number_display(raw),
            "kind": kind,  # "decimal" or "count"
            "extra": extra,
            "invalid": error_field == key or (error_field == "counts" and key.startswith("counts.")),
        }

    if method in (Indicator.Method.MANUAL, Indicator.Method.SURVEY):
        step = _points_display(_params(indicator).get("step", "0.25"))
        if method == Indicator.Method.MANUAL:
            ctx["hint"] = _("Từ %(floor)s đến %(max)s điểm, bước %(step)s.") % {
                "floor": _points_display(indicator.floor), "max": _points_display(indicator.max_points), "step": step,
            }
        else:
            ctx["hint"] = _("Điểm lấy từ kết quả điều tra xã hội học, đơn vị không tự chấm.")
            ctx["disabled"] = True
        ctx["fields"] = [field("points", _("Điểm"), value.get("points"), "decimal")]
        ctx["step"] = step
    elif method == Indicator.Method.LEVELS:
        chosen = str(value.get("option", "") or "")
        ctx["options"] = [
            {
                "value": str(o.get("key")),
                "label": str(o.get("label") or o.get("key")),
                "points": _points_display(o.get("points", "0")),
                "checked": str(o.get("key")) == chosen,
                "id": f"id_{prefix}option_{position}",
            }
            for position, o in enumerate(_params(indicator).get("options") or [])
        ]
        for option in ctx["options"]:
            option["points_text"] = points_text(option["points"])
        ctx["radio_name"] = f"{prefix}option"
        ctx["invalid"] = error_field == "option"
        ctx["none_checked"] = not chosen
    elif method == Indicator.Method.YES_NO:
        params = _params(indicator)
        answer = _yes_no_answer(value.get("value"))
        ctx["options"] = [
            {"value": YES, "label": _("Có"), "points": _points_display(params.get("yes_points", indicator.max_points)),
             "checked": answer == YES, "id": f"id_{prefix}value_yes"},
            {"value": NO, "label": _("Không"), "points": _points_display(params.get("no_points", "0")),
             "checked": answer == NO, "id": f"id_{prefix}value_no"},
        ]
        for option in ctx["options"]:
            option["points_text"] = points_text(option["points"])
        ctx["radio_name"] = f"{prefix}value"
        ctx["invalid"] = error_field == "value"
        ctx["none_checked"] = not answer
    elif method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        ctx["hint"] = _ratio_hint(indicator)
        ctx["fields"] = [
            field("numerator", _("Tử số"), value.get("numerator"), "decimal"),
            field("denominator", _("Mẫu số"), value.get("denominator"), "decimal"),
        ]
    elif method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
        counts = value.get("counts") if isinstance(value.get("counts"), Mapping) else {}
        assert isinstance(counts, Mapping)
        if method == Indicator.Method.FORMULA:
            expression = str(_params(indicator).get("expression", ""))
            ctx["hint"] = _("Công thức: %(expr)s") % {"expr": _shown_expression(expression).replace("*", "×")}
            limits = [str(limit).replace("<=", "≤") for limit in _params(indicator).get("limits") or []]
            if limits:  # the formula ends its sentence before the condition's («… × 0,5. Điều kiện: …»)
                ctx["hint"] += ". " + _("Điều kiện: %(limits)s.") % {"limits": "; ".join(limits)}
        else:
            ctx["hint"] = _per_occurrence_hint(indicator)
        ctx["fields"] = [
            field(
                f"counts.{key}",
                label if method == Indicator.Method.PER_OCCURRENCE else f"{key}: {label}",
                counts.get(key),
                "count",
                points_each_time(_points_display(points)) if points is not None else "",
            )
            for key, label, points in _count_keys(indicator)
        ]
    if indicator.kind == Indicator.Kind.PENALTY:
        as_deduction(ctx)
    return ctx


def _per_occurrence_hint(indicator: Indicator) -> str:
    """How a per-occurrence leaf is scored, with the limits the engine clamps it to: its maximum, and its floor when
    an occurrence takes points away (the sum would otherwise read as going below it: 1,5 − 2 × 1 is 0, not −0,5).
    A penalty leaf's sum is the points deducted, said so."""
    params = _params(indicator)
    base = params.get("base", "0")
    figures = {"base": _points_display(base), "max": _points_display(indicator.max_points),
               "floor": _points_display(indicator.floor)}
    try:
        no_base = Decimal(str(base)) == 0
    except (InvalidOperation, ValueError):
        no_base = False  # shown as written; the set's check reports it
    if indicator.kind == Indicator.Kind.PENALTY:
        if no_base:
            return _("Số điểm bị trừ = số lần × điểm mỗi lần, tối đa %(max)s.") % figures
        return _("Số điểm bị trừ = %(base)s + số lần × điểm mỗi lần, tối đa %(max)s.") % figures
    takes_away = False
    for item in params.get("items") or []:
        try:
            takes_away = takes_away or Decimal(str(item.get("points", "0"))) < 0
        except (InvalidOperation, ValueError):
            continue
    if takes_away:
        return _("Điểm = %(base)s + số lần × điểm mỗi lần, thấp nhất %(floor)s, tối đa %(max)s.") % figures
    return _("Điểm = %(base)s + số lần × điểm mỗi lần, tối đa %(max)s.") % figures


def as_deduction(ctx: dict[str, Any]) -> None:
    """A penalty leaf's control labelled as what it takes: the points deducted. The values stay what the engine
    takes (a count, a level, a positive number of points); only the words change: the legend, a number of points'
    label, each level's and each occurrence's points («trừ 1 điểm», «trừ 0,5 điểm/lần»). `method_input_context`
    applies it to every penalty leaf, so that the unit's sheet, the appraisers' form and the set's page say alike.
    Only a leaf scored directly asks for the points «ghi số dương»: a count leaf's inputs take a number of times (an
    official reading «số điểm» would type 1,0 for two occurrences), a row of radios takes nothing typed; a level that
    takes nothing says «không trừ điểm», not «trừ 0 điểm»."""
    method = ctx["method"]
    if method == Indicator.Method.MANUAL:
        label = _("%(method)s — số điểm bị trừ (ghi số dương)")
    elif method == Indicator.Method.PER_OCCURRENCE:
        label = _("%(method)s — điểm trừ, nhập số lần (không ghi số điểm)")
    elif method == Indicator.Method.FORMULA:
        label = _("%(method)s — điểm trừ, nhập số liệu (không ghi số điểm)")
    else:
        label = _("%(method)s — điểm trừ")
    ctx["method_label"] = label % {"method": ctx["method_label"]}
    for option in ctx["options"]:
        if _is_zero(option["points"]):
            option["points_text"] = _("không trừ điểm")
        else:
            option["points_text"] = _("trừ %(points)s") % {"points": option["points_text"]}
    for field in ctx["fields"]:
        if field["kind"] == "decimal" and field["key"] == "points":
            field["label"] = _("Số điểm bị trừ")
        if field["extra"]:
            field["extra"] = _("trừ %(points)s") % {"points": field["extra"]}


def value_summary(indicator: Indicator, value: Mapping[str, Any] | None) -> str:
    """A stored or posted value in words, for history, conflicts and previews ("Tử số 45 / mẫu số 50")."""
    if not value:
        return _("(chưa chấm)")
    method = indicator.method
    if method in (Indicator.Method.MANUAL, Indicator.Method.SURVEY):
        return points_text(number_display(value.get("points")))
    if method == Indicator.Method.LEVELS:
        key = str(value.get("option", ""))
        for option in _params(indicator).get("options") or []:
            if str(option.get("key")) == key:
                return str(option.get("label") or key)
        return key
    if method == Indicator.Method.YES_NO:
        answer = _yes_no_answer(value.get("value"))
        return _("Có") if answer == YES else _("Không") if answer == NO else str(value.get("value", ""))
    if method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        numerator, denominator = value.get("numerator", "?"), value.get("denominator", "?")
        return f"{number_display(numerator)} / {number_display(denominator)}"
    counts = value.get("counts") if isinstance(value.get("counts"), Mapping) else {}
    assert isinstance(counts, Mapping)
    return "; ".join(f"{label}: {counts.get(key, 0)}" for key, label, _pts in _count_keys(indicator))


def field_label(indicator: Indicator, field: str | None) -> str:
    """The label the user sees for an engine field ("denominator" → "Mẫu số", "counts.b" → its label)."""
    if not field:
        return ""
    for entry in method_input_context(indicator, None, "")["fields"]:
        if entry["key"] == field:
            return str(entry["label"])
    return {"option": _("Mức"), "value": _("Có / Không")}.get(field, field)
