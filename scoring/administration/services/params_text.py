"""A leaf's scoring parameters as the tree's Excel file writes them: Vietnamese text in one cell, named with the
criterion editor's labels (`tree.PARAM_LABELS`), numbers with a decimal comma, read back strictly.

The formats, method by method (entries on lines of the cell; where no entry holds free text, also separated by
«;»):

• Chấm điểm trực tiếp: «Bước điểm: 0,25».
• Có/Không: «Điểm khi «Có»: 1; Điểm khi «Không»: 0» (or, shorter, «Có: 1; Không: 0»).
• Khung tỷ lệ: «≥ 30%: 1; > 20%: 0,5; còn lại: 0; số nguyên» (from the highest threshold down; «≥» takes the
  threshold in, «>» leaves it out; «còn lại» is «≥ 0%»; «số nguyên»: both terms are counts).
• Tỷ lệ: «Ngưỡng tỷ lệ tối thiểu: 80%; Điểm khi dưới ngưỡng: 0; số nguyên».
• Theo mức, one level a line: «[on_time] Ban hành đúng thời hạn = 1» (the level's key in brackets, then its label,
  «=» and its points; a new line may leave out «[…]»: its key is made from its label).
• Mỗi lần phát sinh: the same lines for the cases, and «Điểm gốc: 1,5».
• Công thức: «Biến số a: Số tồn tại phát hiện», «Công thức: (b / a) * 0,5», «Điểm khi chia cho 0: 1»,
  «Giới hạn giữa các số liệu: b + c <= a», one a line.
• Điều tra xã hội học: no parameters (a blank cell).

A cell that starts with «{» is JSON (files exported before, and parameters the text cannot write exactly, such as
a points value stored as a JSON number): `params_cell` writes the text only when reading it back gives the
parameters as stored, so a file exported and imported back changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring import engine
from scoring.administration.forms import band_comparison, number_problem, percent_text
from scoring.administration.xlsx import folded
from scoring.models import Indicator

# the words of the format that are not the editor's labels
REST_WORD = gettext_lazy("còn lại")  # the last band of a ratio: from 0 % up
WHOLE_WORD = gettext_lazy("số nguyên")  # a ratio's terms are counts (`whole_numbers`)

_METHODS = frozenset(method.value for method in Indicator.Method)
# the methods whose entries hold no free text: «;» separates them as well as a line break
_SHORT_METHODS = {"manual", "yes_no", "proportional", "ratio_bands"}
# each method's named parameters (one value each), as «label: value»
_NAMED = {
    "manual": ("step",),
    "yes_no": ("yes_points", "no_points"),
    "proportional": ("threshold", "below_points"),
    "per_occurrence": ("base",),
    "formula": ("expression", "on_zero_division"),
}
_PERCENT = {"threshold"}
_KEYED_LINE = re.compile(r"^\[(?P<key>[^\[\]]*)\]\s*(?P<rest>.*)$")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_BAND = re.compile(r"^(?P<op>>=|=>|≥|>)\s*(?P<min>[^:]*?)\s*:\s*(?P<points>.*)$")


class _Refused(Exception):
    """One entry of the cell that cannot be read (the message says which and why)."""


def _label(name: str) -> str:
    """A parameter's label as the file writes it: the editor's, without the unit the value carries («(%)»)."""
    from scoring.administration.services.tree import PARAM_LABELS

    return str(PARAM_LABELS[name]).replace("(%)", "").strip()


def _words(text: Any) -> str:
    """A label as compared: `folded`, without quotes («Điểm khi «Có»» is «diem khi co») or a unit «(%)»."""
    return folded(re.sub(r"[«»“”\"'‘’]", "", str(text)).replace("(%)", ""))


def _in_every_language(make: Callable[[], dict[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.update(make())
    return found


@cache
def _names() -> dict[str, str]:
    """Each named parameter, and the flag, by its label as compared (`_words`), in any of the site's languages (the
    same for the whole process: worked out once)."""
    from scoring.administration.services.tree import PARAM_LABELS

    def make() -> dict[str, str]:
        names = {_words(label): name for name, label in PARAM_LABELS.items()}
        names[_words(WHOLE_WORD)] = "whole_numbers"
        names[_words(_("Có"))], names[_words(_("Không"))] = "yes_points", "no_points"  # «Có: 1; Không: 0»
        return names

    return _in_every_language(make)


def _number_shown(value: Any, *, percent: bool = False) -> str | None:
    """A stored number (text with a point, «0.5») as the cell writes it («0,5»; «80%»); None when it is not such
    text (a JSON number: the cell is then written as JSON)."""
    if not isinstance(value, str) or number_problem(value) is not None:
        return None
    return value.strip().replace(".", ",") + ("%" if percent else "")


def _cell_name() -> str:
    from scoring.administration.resources import COLUMN_HEADERS, COLUMNS

    return str(COLUMN_HEADERS[COLUMNS.index("params")])


# --- writing --------------------------------------------------------------------------------------------------


def params_text(method: str, params: Any) -> str | None:
    """The parameters as the cell's text, or None when they cannot be written so exactly (the cell holds JSON)."""
    if not isinstance(params, Mapping):
        return None
    if not params:
        return ""
    try:
        text = _written(method, params)
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    if not text:
        return None  # a blank cell reads as no parameters at all
    problems: list[str] = []
    return text if params_from_text(method, text, problems) == dict(params) and not problems else None


def params_cell(method: str, params: Any) -> str:
    """What the file's parameters cell holds: the text (`params_text`), or JSON when the text cannot say exactly
    what is stored; nothing for no parameters."""
    if not params:
        return ""
    text = params_text(method, params)
    return text if text is not None else json.dumps(params, ensure_ascii=False)


def _written(method: str, params: Mapping[str, Any]) -> str | None:
    entries: list[str] = []
    flag = params.get("whole_numbers")
    if method in ("ratio_bands", "proportional") and flag is not None and flag is not True:
        return None  # «false» stored: the text only says the flag when it is true
    if method == "ratio_bands":
        bands = params.get("bands")
        if not isinstance(bands, list):
            return None
        for position, band in enumerate(bands):
            points = _number_shown(band["points"])
            if points is None:
                return None
            if position == len(bands) - 1 and band["min"] == "0" and band["inclusive"] is True:
                entries.append(f"{REST_WORD}: {points}")
                continue
            minimum = _number_shown(band["min"], percent=True)
            if minimum is None:
                return None
            entries.append(f"{'≥' if band['inclusive'] is True else '>'} {minimum}: {points}")
    if method in ("levels", "per_occurrence"):
        listed = params.get("options" if method == "levels" else "items")
        if method == "per_occurrence" and "base" in params:
            entries.append(_named_entry("base", params["base"]))
        if not isinstance(listed, list):
            return None
        for entry in listed:
            points = _number_shown(entry["points"])
            if points is None:
                return None
            label = entry.get("label")
            entries.append(f"[{entry['key']}] {label} = {points}" if label else f"[{entry['key']}] = {points}")
    if method == "formula":
        for variable in params.get("variables") or []:
            label = variable.get("label")
            head = f"{_label('variables')} {variable['name']}"
            entries.append(f"{head}: {label}" if label else head)
    for name in _NAMED.get(method, ()):
        if name in params and not (method == "per_occurrence" and name == "base"):
            entries.append(_named_entry(name, params[name]))
    if method == "formula":
        entries += [f"{_label('limits')}: {limit}" for limit in params.get("limits") or []]
    if flag is True:
        entries.append(str(WHOLE_WORD))
    return ("; " if method in _SHORT_METHODS else "\n").join(entries)


def _named_entry(name: str, value: Any) -> str:
    if name == "expression":  # its decimals with a comma, as the editor takes them («* 0,5»)
        return f"{_label(name)}: {_DECIMAL_POINT.sub(',', str(value))}"
    shown = _number_shown(value, percent=name in _PERCENT)
    if shown is None:
        raise ValueError(name)
    return f"{_label(name)}: {shown}"


# --- reading --------------------------------------------------------------------------------------------------


def params_from_text(method: str, text: str, problems: list[str]) -> dict[str, Any]:
    """The parameters of `method` a cell's text gives; each entry that cannot be read appended to `problems`
    (the cell, the entry and why), in which case what is returned is incomplete and must not be used."""
    lines = [line.strip() for line in str(text).splitlines()]
    entries = [part.strip() for line in lines for part in (line.split(";") if method in _SHORT_METHODS else [line])]
    entries = [entry for entry in entries if entry]
    if method not in _METHODS:
        return {}  # the row's method is refused on its own
    if method == "survey":
        if entries:
            problems.append(_("Ô «%(cell)s»: phương pháp «%(method)s» không có tham số; hãy để trống ô.")
                            % {"cell": _cell_name(), "method": Indicator.Method(method).label})
        return {}
    names = _names()
    params: dict[str, Any] = {}
    listed: list[dict[str, Any]] = []
    for entry in entries:
        try:
            _read_entry(method, entry, names, params, listed)
        except _Refused as refusal:
            problems.append(_("Ô «%(cell)s», «%(entry)s»: %(why)s") % {
                "cell": _cell_name(), "entry": entry, "why": refusal.args[0]})
    if method in ("levels", "per_occurrence"):
        params["options" if method == "levels" else "items"] = _with_keys(listed)
    elif method == "ratio_bands":
        params["bands"] = listed
    return params


def _read_entry(
    method: str, entry: str, names: Mapping[str, str], params: dict[str, Any], listed: list[dict[str, Any]],
) -> None:
    if method in ("ratio_bands", "proportional") and names.get(_words(entry)) == "whole_numbers":
        _put(params, "whole_numbers", True, entry)
        return
    if method == "ratio_bands":
        listed.append(_band(entry))
        return
    if method in ("levels", "per_occurrence"):
        keyed = _KEYED_LINE.match(entry)
        head = entry.partition(":")[0]
        if keyed is None and method == "per_occurrence" and names.get(_words(head.partition("=")[0])) == "base":
            if ":" not in entry:  # «Điểm gốc = 1»: not a case named «Điểm gốc»
                raise _Refused(_("hãy ghi «%(base)s: …» (dấu «:», không phải «=»).") % {"base": _label("base")})
            _put(params, "base", _number(entry.partition(":")[2]), head)
            return
        listed.append(_keyed_entry(entry, keyed))
        return
    head, colon, value = entry.partition(":")
    if method == "formula":
        variable = _variable(head, colon, value)
        if variable is not None:
            params.setdefault("variables", []).append(variable)
            return
    if not colon:
        raise _Refused(_("thiếu dấu «:» giữa tên tham số và giá trị; phương pháp này nhận: %(own)s.")
                       % {"own": _own(method)})
    name = names.get(_words(head))
    if method == "formula" and name == "limits":
        params.setdefault("limits", []).append(value.strip())
        return
    if name not in _NAMED.get(method, ()):
        raise _Refused(_("«%(head)s» không phải là tham số của phương pháp «%(method)s», phương pháp này nhận: "
                         "%(own)s.") % {"head": head.strip(), "method": Indicator.Method(method).label,
                                         "own": _own(method)})
    if name == "expression":  # in the engine's notation, as the editor stores it («× 0,5» → «* 0.5»)
        _put(params, name, engine.normalize_expression(value.strip()), head)
    else:
        _put(params, name, _number(percent_text(value) if name in _PERCENT else value), head)


def _own(method: str) -> str:
    """What the cell takes for `method`, by the labels it writes."""
    own = [f"«{_label(name)}»" for name in _NAMED.get(method, ())]
    if method == "formula":
        own = [f"«{_label('variables')} a»", *own, f"«{_label('limits')}»"]
    if method == "proportional":
        own.append(f"«{WHOLE_WORD}»")
    return ", ".join(own)


def _put(params: dict[str, Any], name: str, value: Any, head: str) -> None:
    if name in params:
        raise _Refused(_("«%(head)s» được ghi hai lần; mỗi tham số chỉ ghi một lần.") % {"head": head.strip()})
    params[name] = value


def _number(raw: str) -> str:
    """A number as typed (decimal comma or point, no thousands separator) as stored: text with a point."""
    text = raw.strip()
    if not text:
        raise _Refused(_("thiếu số."))
    problem = number_problem(text)
    if problem is not None:
        raise _Refused(problem)
    return format(engine.to_decimal(text, field="value"), "f")


def _band(entry: str) -> dict[str, Any]:
    head, colon, points = entry.partition(":")
    if colon and _words(head) in _rest_words():
        return {"min": "0", "inclusive": True, "points": _number(points)}
    match = _BAND.match(entry)
    if match is None:
        raise _Refused(_("không phải là một mức của khung tỷ lệ; hãy ghi «≥ 80%%: 0,5» (tỷ lệ từ 80%% trở lên), "
                         "«> 80%%: 0,5» (tỷ lệ trên 80%%) hoặc «%(rest)s: 0» (mức cuối: mọi tỷ lệ còn lại).")
                       % {"rest": REST_WORD})
    inclusive = band_comparison(match.group("op"))
    return {"min": _number(percent_text(match.group("min"))), "inclusive": bool(inclusive),
            "points": _number(match.group("points"))}


@cache
def _rest_words() -> set[str]:
    return set(_in_every_language(lambda: {_words(REST_WORD): "rest"}))


def _keyed_entry(entry: str, keyed: re.Match[str] | None) -> dict[str, Any]:
    rest = keyed.group("rest") if keyed else entry
    label, equals, points = rest.rpartition("=")
    if not equals:
        raise _Refused(_("thiếu «= điểm» ở cuối dòng (ví dụ «[dung_han] Ban hành đúng hạn = 1»)."))
    item: dict[str, Any] = {}
    if keyed is not None:
        key = keyed.group("key").strip()
        if not key:
            raise _Refused(_("mã trong ngoặc vuông [ ] để trống; hãy ghi mã hoặc bỏ cả ngoặc (mã được đặt theo nhãn)."))
        item["key"] = key
    if label.strip():
        item["label"] = label.strip()
    item["points"] = _number(points)
    return item


def _with_keys(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The levels or cases in their order, each line written without a key given one made from its label
    («Ban hành đúng hạn» → «ban_hanh_dung_han»), never one another line has."""
    taken = {str(item["key"]) for item in listed if "key" in item}
    keyed = []
    for position, item in enumerate(listed, start=1):
        if "key" not in item:
            stem = re.sub(r"[^a-z0-9]+", "_", folded(item.get("label", ""))).strip("_")[:40].strip("_")
            stem = stem or f"muc_{position}"
            key, number = stem, 1
            while key in taken:
                number += 1
                key = f"{stem}_{number}"
            taken.add(key)
            item = {"key": key, **item}
        keyed.append(item)
    return keyed


@cache
def _variable_words() -> dict[str, str]:
    return _in_every_language(lambda: {_words(_label("variables")): "variables"})


def _variable(head: str, colon: str, value: str) -> dict[str, Any] | None:
    """A formula's variable line («Biến số a: nhãn», or «Biến số a» without a label), or None for another line."""
    words = _variable_words()
    name_part = head.strip()
    for prefix in words:
        folded_head = _words(name_part)
        if folded_head.startswith(prefix + " "):
            name = name_part.split()[-1]
            if len(_words(name_part).split()) != len(prefix.split()) + 1:
                raise _Refused(_("tên biến là một từ viết liền, không dấu (ví dụ «a», «so_ho_so»)."))
            variable: dict[str, Any] = {"name": name}
            if colon and value.strip():
                variable["label"] = value.strip()
            return variable
    return None
