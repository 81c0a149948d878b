"""Bulk imports of units and users from Excel rows: every row valid, or nothing written."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from scoring.administration.services.common import nfc
from scoring.administration.services.units import (
    MSG_SUPERIOR_BODY_TOO_LONG,
    UNIT_SUPERIOR_BODY_MAX,
    unit_stopped_problem,
)
from scoring.administration.services.users import (
    account_problems,
    import_email_problems,
    role_unit_problem,
    user_create,
)
from scoring.administration.validators import (
    code_problems,
    email_problems,
    full_name_problems,
    username_problems,
)
from scoring.errors import DomainError, StateConflict, ValidationFailed
from scoring.models import (
    RankingGroup,
    RoleAssignment,
    Unit,
    UnitKind,
    UserImport,
)
from scoring.services import audit_record
from scoring.text import visible_text

logger = logging.getLogger("scoring.administration")


@dataclass
class RowProblem:
    row: int
    messages: list[str] = field(default_factory=list)


def _long_cell_problems(row: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    """A text cell longer than the import reads is refused, never cut short. `names`: key → how a message names the
    column (as `_row_texts`); a column without one (the units file's, whose headers are the keys) by its key."""
    from scoring.administration.xlsx import long_cell_problems

    return long_cell_problems(row, names)


def _formula_problems(row: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    """A cell that held a spreadsheet formula is refused (it is never evaluated); the column named as in
    `_long_cell_problems`."""
    from scoring.administration.xlsx import Formula

    return [
        _("Ô «%(col)s» chứa công thức Excel; chỉ nhận giá trị.") % {"col": (names or {}).get(name, name)}
        for name, value in row.items()
        if isinstance(value, Formula)
    ]


def _raise_rows(problems: list[RowProblem]) -> None:
    bad = [p for p in problems if p.messages]
    if bad:
        raise ValidationFailed(
            ngettext(
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                len(bad),
            )
            % {"n": len(bad)},
            code="invalid_rows",
            details=[{"row": p.row, "messages": p.messages} for p in bad],
        )


UNIT_CODE_MAX, UNIT_NAME_MAX, UNIT_SHORT_NAME_MAX = 40, 255, 60  # the Unit model's lengths (and `superior_body`'s)
def _active_flag(raw: Any) -> bool | None:
    """The `active` column: empty (active), else the yes/no words every import reads (`xlsx.yes_no_word`: Có /
    Không, x, 1 / 0 …); None for anything else."""
    from scoring.administration.xlsx import yes_no_word

    if raw is None or (isinstance(raw, str) and not nfc(raw)):
        return True
    return yes_no_word(raw)


def _name_key(name: Any) -> str:
    return " ".join(nfc(name).casefold().split())


# `superior_body` came last, later: a file without it (exported before) leaves the units' superior bodies as they are
UNIT_IMPORT_COLUMNS = ("code", "name", "short_name", "kind", "group", "parent", "active", "superior_body")
UNIT_REQUIRED_COLUMNS = ("code", "name", "kind")
# The header row of the units file (what a person reads, as the users' and the set tree's files); the import also
# takes the keys, as files exported before have them
UNIT_COLUMN_HEADERS = (
    _l("Mã đơn vị"), _l("Tên đơn vị"), _l("Tên viết tắt"), _l("Loại đơn vị"), _l("Khối xếp hạng"),
    _l("Mã đơn vị cấp trên"), _l("Đang hoạt động"), _l("Cơ quan chủ quản"),
)
UNIT_COLUMN_LABELS = (
    _l("Mã đơn vị (chữ thường không dấu, gạch nối): mã mới thêm đơn vị, mã đã có sửa đơn vị đó"),
    _l("Tên đơn vị"),
    _l("Tên viết tắt (không bắt buộc)"),
    _l("Loại đơn vị, như trên màn hình (chọn trong danh sách; cũng nhận mã: department …)"),
    _l("Khối xếp hạng, như trên màn hình (chọn trong danh sách; cũng nhận mã: so-ban-nganh …); để trống: không thuộc "
       "khối nào"),
    _l("Mã của đơn vị cấp trên (đơn vị đó đã có, hoặc ở một dòng phía trên); để trống: không có"),
    _l("Đang hoạt động: Có / Không (chọn trong danh sách; cũng nhận 1 / 0); để trống: đơn vị mới đang hoạt động, "
       "đơn vị đã có không đổi"),
    _l("Cơ quan chủ quản, in ở dòng đầu tiêu đề báo cáo của đơn vị (không bắt buộc): cơ quan trung ương của đơn vị "
       "ngành dọc, ví dụ Tổng cục Thuế; để trống: UBND tỉnh. Tệp không có cột này: không đổi"),
)
# After the import's columns, read-only: where a merged unit went (the units page says it); ignored on import
UNIT_MERGED_KEY = "merged_into"
UNIT_MERGED_HEADER = _l("Sáp nhập vào (mã)")
UNIT_MERGED_LABEL = _l("Chỉ để xem: mã của đơn vị mà đơn vị này đã sáp nhập vào; bỏ qua khi nhập")
MSG_UNITS_REASON = _l("Nhập danh sách đơn vị từ Excel (tệp «%(f)s»)")


def _column_aliases(columns: Sequence[str], headers: Sequence[Any]) -> dict[str, str]:
    """Every header an import reads as a column (as `xlsx.folded`): the key (older files), and the header of the
    exported file in each of the site's languages."""
    from scoring.administration.xlsx import folded

    aliases = {folded(key): key for key in columns}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            aliases.update({folded(str(header)): key for key, header in zip(columns, headers, strict=True)})
    return aliases


def _column_names(columns: Sequence[str], headers: Sequence[Any]) -> dict[str, str]:
    """Each column as a message names it: its header, then its key («Loại đơn vị (kind)»)."""
    return {key: f"{header} ({key})" for key, header in zip(columns, headers, strict=True)}


def unit_column_aliases() -> dict[str, str]:
    return _column_aliases((*UNIT_IMPORT_COLUMNS, UNIT_MERGED_KEY), (*UNIT_COLUMN_HEADERS, UNIT_MERGED_HEADER))


def unit_column_names() -> dict[str, str]:
    return _column_names(UNIT_IMPORT_COLUMNS, UNIT_COLUMN_HEADERS)


def read_units_sheet(uploaded: Any) -> Any:
    """An uploaded units file's rows keyed by column key, whether its headers are the exported file's (in either
    language, any case or accents) or the keys (files exported before). FileRefused as `xlsx.read_sheet`."""
    from scoring.administration.xlsx import read_sheet

    return read_sheet(uploaded, expected=UNIT_REQUIRED_COLUMNS, max_rows=2000, aliases=unit_column_aliases(),
                      names=unit_column_names())


YES_NO = (_l("Có"), _l("Không"))  # the state as the units file writes it


def units_xlsx(*, rows: Iterable[Any]) -> bytes:
    """The units file an administrator edits and imports back (`rows`: the units list's, in `UNIT_IMPORT_COLUMNS`
    with codes, the state as 1/0): Vietnamese headers (each with a note), each kind and ranking group by its name as
    the units page shows it and the state as Có / Không, each with a drop-down, and a notes sheet describing every
    column. A name two kinds (or groups) share is written as the code, so that the file imports back as it is."""
    from scoring.administration.xlsx import write_sheet

    kinds, groups = _CodedNames(UnitKind.objects.all()), _CodedNames(RankingGroup.objects.all())
    kind_at, group_at = UNIT_IMPORT_COLUMNS.index("kind"), UNIT_IMPORT_COLUMNS.index("group")
    active_at = UNIT_IMPORT_COLUMNS.index("active")
    yes_no = [str(word) for word in YES_NO]
    shown = []
    for exported in rows:
        row = list(exported)
        row[kind_at] = kinds.shown(row[kind_at])
        row[group_at] = groups.shown(row[group_at])
        if row[active_at] not in ("", None):
            row[active_at] = yes_no[0] if str(row[active_at]) == "1" else yes_no[1]
        shown.append(row)
    notes = [str(label) for label in (*UNIT_COLUMN_LABELS, UNIT_MERGED_LABEL)]
    notes[kind_at] = _("%(label)s. Các loại đơn vị: %(names)s.") % {"label": notes[kind_at], "names": kinds.text()}
    notes[group_at] = _("%(label)s. Các khối xếp hạng: %(names)s.") % {"label": notes[group_at],
                                                                      "names": groups.text()}
    return write_sheet(
        title=_("Đơn vị"),
        headers=[str(header) for header in (*UNIT_COLUMN_HEADERS, UNIT_MERGED_HEADER)],
        rows=shown,
        labels=notes,
        comments=notes,
        choices={kind_at: kinds.choices(), group_at: groups.choices(), active_at: yes_no},
    )


class _CodedNames:
    """Unit kinds or ranking groups as a units file names them: by the name the units page shows (any case or
    accents, as `xlsx.folded`), or by the code (files exported before); a name two of them share, by the code only."""

    def __init__(self, items: Iterable[Any]) -> None:
        from scoring.administration.xlsx import folded

        self.items = list(items)
        self.by_code = {item.code.lower(): item for item in self.items}
        self.by_name: dict[str, list[Any]] = {}
        for item in self.items:
            self.by_name.setdefault(folded(item.name), []).append(item)

    def _shared(self, item: Any) -> bool:
        from scoring.administration.xlsx import folded

        return len(self.by_name[folded(item.name)]) > 1 or folded(item.name) in self.by_code

    def find(self, text: str) -> tuple[Any | None, list[Any]]:
        """The item `text` names, or None with the items sharing that name (empty: it names none)."""
        from scoring.administration.xlsx import folded

        if text.lower() in self.by_code:
            return self.by_code[text.lower()], []
        named = self.by_name.get(folded(text), [])
        return (named[0], []) if len(named) == 1 else (None, named)

    def shown(self, code: Any) -> str:
        """How the file writes the item of that code: its name, or its code when the name would not name it alone."""
        item = self.by_code.get(str(code or "").lower())
        if item is None:
            return str(code or "")
        return item.code if self._shared(item) else item.name

    def choices(self) -> list[str]:
        return [self.shown(item.code) for item in self.items]

    def text(self) -> str:
        return ", ".join(f"{item.name} ({item.code})" for item in self.items)

    def name(self, code: str) -> str:
        item = self.by_code.get(code.lower())
        return item.name if item is not None else code


@dataclass
class UnitRowPlan:
    """What one row of a units file changes: a new unit, or an existing unit's fields and state (or nothing).
    `data` holds the unit's fields as the units page's services take them (kind, group, parent as codes here);
    `changes` are the Vietnamese lines the preview shows."""

    row: int
    code: str
    name: str
    create: bool = False
    update: bool = False
    data: dict[str, str] = field(default_factory=dict)
    active: bool | None = None  # a new unit's state, or an existing unit's new state; None: unchanged
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UnitImportCounts:
    """What an applied units file did: units created, changed (fields), stopped and started again; `units`: how
    many units it created or changed in any way."""

    units: int = 0
    created: int = 0
    updated: int = 0
    stopped: int = 0
    restarted: int = 0


def _units_reason(file_name: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language
        return str(MSG_UNITS_REASON % {"f": file_name or "—"})


def _units_check(
    rows: list[Mapping[str, Any]], columns: Iterable[str] | None
) -> tuple[list[UnitRowPlan], list[RowProblem]]:
    """Each row checked by the unit form's rules, against the units there and the rows above it."""
    kinds, groups = _CodedNames(UnitKind.objects.all()), _CodedNames(RankingGroup.objects.all())
    existing = {u.code: u for u in Unit.objects.select_related("kind", "ranking_group", "parent")}
    former: dict[str, UnitKind] | None = None  # read once, on the first kind a row names that does not exist

    def kind_missing(text: str) -> str:
        nonlocal former
        from scoring.administration.xlsx import folded

        if former is None:
            former = _former_kind_names()
        renamed = former.get(folded(text))
        if renamed is not None:
            return _("Loại đơn vị «%(k)s» đã đổi tên thành «%(new)s» (mã %(code)s): hãy ghi tên mới.") % {
                "k": text, "new": renamed.name, "code": renamed.code}
        return _kind_missing(text) + " " + _("Các loại đơn vị hiện có: %(names)s.") % {"names": kinds.text()}

    header = set(columns) if columns is not None else None
    columns_named = unit_column_names()
    seen: set[str] = set()
    problems: list[RowProblem] = []
    plans: list[UnitRowPlan] = []
    names = {_name_key(u.name): u.code for u in existing.values() if u.active}  # active units' names: their codes
    state = {code: u.active for code, u in existing.items()}  # in activity, as the rows above leave it

    def given(row: Mapping[str, Any], key: str) -> bool:
        """A column the file has: an empty cell there empties the field (a column left out changes nothing)."""
        return key in row or (header is not None and key in header)

    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row, columns_named)
                       + _long_cell_problems(row, columns_named))
        texts = _row_texts(row, UNIT_IMPORT_COLUMNS, p.messages, columns_named)
        code = texts["code"].lower()
        name = texts["name"]
        unit = existing.get(code) if code else None
        if (not code and _is_blank(row.get("code"))) or (not name and _is_blank(row.get("name"))):
            p.messages.append(_("Thiếu mã hoặc tên đơn vị."))
        if code:  # the unit form's rules: a code is used in public addresses
            p.messages.extend(code_problems(code))
            if len(code) > UNIT_CODE_MAX:
                p.messages.append(_("Mã đơn vị dài quá %(n)s ký tự.") % {"n": UNIT_CODE_MAX})
        if len(name) > UNIT_NAME_MAX:
            p.messages.append(_("Tên đơn vị dài quá %(n)s ký tự.") % {"n": UNIT_NAME_MAX})
        if len(texts["short_name"]) > UNIT_SHORT_NAME_MAX:
            p.messages.append(_("Tên viết tắt dài quá %(n)s ký tự.") % {"n": UNIT_SHORT_NAME_MAX})
        if len(texts["superior_body"]) > UNIT_SUPERIOR_BODY_MAX:
            p.messages.append(str(MSG_SUPERIOR_BODY_TOO_LONG % {"n": UNIT_SUPERIOR_BODY_MAX}))
        if code and code in seen:
            p.messages.append(_("Mã đơn vị «%(code)s» có ở một dòng trên.") % {"code": code})
        renamed = unit is None or unit.name != name
        if name and code and renamed and names.get(_name_key(name), code) != code:
            p.messages.append(_("Tên đơn vị «%(name)s» bị trùng với một đơn vị khác.") % {"name": name})
        if name and code and renamed:
            names[_name_key(name)] = code
        kind = _coded(kinds, texts["kind"], p.messages, kind_missing, _kind_shared)
        if not texts["kind"] and _is_blank(row.get("kind")):
            p.messages.append(_("Thiếu loại đơn vị."))
        if unit is None or given(row, "group"):
            group = _coded(groups, texts["group"], p.messages, _group_missing, _group_shared)
        else:
            group = unit.ranking_group.code if unit.ranking_group else ""
        old_parent = unit.parent.code if unit is not None and unit.parent else ""
        parent = texts["parent"].lower() if unit is None or given(row, "parent") else old_parent
        if parent and parent == code:
            p.messages.append(_("Đơn vị cấp trên không thể là chính nó («%(p)s»).") % {"p": parent})
        elif parent and parent not in existing and parent not in seen:
            p.messages.append(_("Đơn vị cấp trên «%(p)s» không tồn tại (phải đứng trước).") % {"p": parent})
        elif parent and parent != old_parent and not state.get(parent, True):
            # as the unit form and the API: a unit hangs below a unit still in activity (one that stopped since
            # stays where it is)
            p.messages.append(_("Đơn vị cấp trên «%(p)s» đã ngừng hoạt động.") % {"p": parent})
        seen.add(code)
        raw_active = row.get("active")
        flag = _active_flag(raw_active if isinstance(raw_active, bool | int | float) else texts["active"])
        if flag is None:
            p.messages.append(
                _("Cột «%(col)s» là «%(v)s»: chỉ nhận Có (đang hoạt động) hoặc Không (ngừng hoạt động), cũng nhận 1 "
                  "hoặc 0; để trống: đơn vị mới đang hoạt động, đơn vị đã có không đổi.")
                % {"col": columns_named["active"], "v": texts["active"]}
            )
        plan = UnitRowPlan(row=row["row"], code=code, name=name, create=unit is None)
        plan.data = {
            "code": code, "name": name,
            "short_name": texts["short_name"] if unit is None or given(row, "short_name") else unit.short_name,
            "kind": kind, "group": group, "parent": parent,
            "superior_body": (texts["superior_body"] if unit is None or given(row, "superior_body")
                              else unit.superior_body),
        }
        active_given = isinstance(raw_active, bool | int | float) or bool(texts["active"])
        if unit is None:
            plan.active = flag is not False
            if not p.messages:
                plan.changes.append(_("Thêm đơn vị mới") if plan.active else _("Thêm đơn vị mới (ngừng hoạt động)"))
        elif not p.messages:
            old = {"name": unit.name, "short_name": unit.short_name, "kind": unit.kind.code, "group":
                   unit.ranking_group.code if unit.ranking_group else "", "parent": old_parent,
                   "superior_body": unit.superior_body}
            labels = {"name": _("Tên"), "short_name": _("Tên viết tắt"), "kind": _("Loại đơn vị"),
                      "group": _("Khối xếp hạng"), "parent": _("Đơn vị cấp trên"),
                      "superior_body": _("Cơ quan chủ quản")}
            named = {"kind": kinds.name, "group": groups.name}  # a kind and a group as the units page names them
            for key, label in labels.items():
                if plan.data[key] != old[key]:
                    shown = named.get(key, str)
                    plan.update = True
                    plan.changes.append(_("%(f)s: «%(old)s» → «%(new)s»") % {
                        "f": label, "old": shown(old[key]) if old[key] else "—",
                        "new": shown(plan.data[key]) if plan.data[key] else "—"})
            if active_given and flag is not None and flag != unit.active:
                plan.active = flag
                plan.changes.append(_("Hoạt động trở lại") if flag else _("Ngừng hoạt động"))
        if flag is not None and code:
            state[code] = flag if (unit is None or active_given) else unit.active
        problems.append(p)
        plans.append(plan)
    return plans, problems


def _former_kind_names() -> dict[str, UnitKind]:
    """The names the unit kinds had before a rename (each rename is audited, old → new), as `xlsx.folded` → the kind
    that had it; a name some kind has now, or that several kinds had, is left out."""
    from scoring.administration.xlsx import folded
    from scoring.models import AuditEntry

    kinds = {str(kind.pk): kind for kind in UnitKind.objects.all()}
    current = {folded(kind.name) for kind in kinds.values()}
    found: dict[str, set[str]] = {}
    for object_id, changes in AuditEntry.objects.filter(object_type="UnitKind", action="unit_kind.rename").values_list(
        "object_id", "changes"
    ):
        old = (changes or {}).get("name", {}).get("old") if isinstance((changes or {}).get("name"), dict) else None
        if old and object_id in kinds and folded(old) not in current:
            found.setdefault(folded(old), set()).add(object_id)
    return {name: kinds[next(iter(ids))] for name, ids in found.items() if len(ids) == 1}


def _kind_missing(text: str) -> str:
    return _("Loại đơn vị «%(k)s» không tồn tại.") % {"k": text}


def _kind_shared(text: str, codes: str) -> str:
    return _("Có nhiều loại đơn vị cùng tên «%(k)s» (mã %(codes)s): hãy ghi mã của loại cần chọn.") % {
        "k": text, "codes": codes}


def _group_missing(text: str) -> str:
    return _("Khối xếp hạng «%(g)s» không tồn tại.") % {"g": text}


def _group_shared(text: str, codes: str) -> str:
    return _("Có nhiều khối xếp hạng cùng tên «%(g)s» (mã %(codes)s): hãy ghi mã của khối cần chọn.") % {
        "g": text, "codes": codes}


def _coded(
    known: _CodedNames, text: str, messages: list[str], missing: Callable[[str], str],
    shared: Callable[[str, str], str],
) -> str:
    """The code of the kind or group a cell names (`_CodedNames.find`); empty when blank, or when it names none or
    several, each said in `messages`."""
    if not text:
        return ""
    item, alike = known.find(text)
    if item is not None:
        return str(item.code)
    messages.append(shared(text, ", ".join(i.code for i in alike)) if alike else missing(text))
    return ""


def _units_write(plans: list[UnitRowPlan], *, actor: Any, reason: str) -> tuple[UnitImportCounts, list[RowProblem]]:
    """The plans written, row by row, through the units page's services (each change audited with `reason`): a
    row those services refuse (a unit under assessment stopped or given another kind, a merged unit started
    again, a parent below the unit) is that row's problem. The caller rolls everything back when any is."""
    from scoring.administration.services.units import unit_set_active, unit_update

    kinds = {k.code: k for k in UnitKind.objects.all()}
    groups = {g.code: g for g in RankingGroup.objects.all()}
    units = {u.code: u for u in Unit.objects.select_related("kind", "ranking_group", "parent")}
    problems: list[RowProblem] = []
    created = updated = stopped = restarted = 0
    for plan in plans:
        if not plan.changes:
            continue
        data = plan.data
        fields = {
            "code": data["code"], "name": data["name"], "short_name": data["short_name"], "kind": kinds[data["kind"]],
            "ranking_group": groups.get(data["group"]) if data["group"] else None,
            "parent": units.get(data["parent"]) if data["parent"] else None,
            "superior_body": data["superior_body"],
        }
        try:
            with transaction.atomic():
                if plan.create:
                    unit = Unit.objects.create(**fields, active=bool(plan.active))
                    units[unit.code] = unit
                    audit_record(
                        actor=actor, action="unit.create", object_type="Unit", object_id=unit.pk, unit=unit,
                        changes={"name": {"old": None, "new": unit.name}, "code": {"old": None, "new": unit.code}},
                        reason=reason,
                    )
                    created += 1
                    continue
                unit = units[plan.code]
                if plan.update:
                    unit_update(unit=unit, data=fields, actor=actor, reason=reason)
                    updated += 1
                if plan.active is not None:
                    unit_set_active(unit=unit, active=plan.active, actor=actor, reason=reason)
                    if plan.active:
                        restarted += 1
                    else:
                        stopped += 1
        except DomainError as exc:
            problems.append(RowProblem(row=plan.row, messages=[str(exc.message)]))
    written = sum(1 for plan in plans if plan.changes)
    counts = UnitImportCounts(units=written, created=created, updated=updated, stopped=stopped, restarted=restarted)
    return counts, problems


def units_import_plan(
    *, rows: Iterable[Mapping[str, Any]], actor: Any, columns: Iterable[str] | None = None, file_name: str = "",
) -> list[UnitRowPlan]:
    """What a units file would change, row by row, or ValidationFailed naming every bad row (nothing written).

    The file is the units list's download: a row per unit, by its code. A new code makes a unit (`active` empty:
    in activity); an existing code's row changes what differs (name, short name, kind, group, parent, superior
    body; `active` 1/0 stops or starts it again, empty: unchanged), and a row the same as the unit is no change.
    `columns` are the file's: a column it lacks changes nothing. The rows are also tried through the units page's
    services (rolled back), so that a change they refuse is a row's problem in the preview, not at the
    confirmation."""
    rows = list(rows)
    plans, problems = _units_check(rows, columns)
    _raise_rows(problems)
    with transaction.atomic():
        _counts, refused = _units_write(plans, actor=actor, reason=_units_reason(file_name))
        transaction.set_rollback(True)
    _raise_rows(refused)
    return plans


@transaction.atomic
def units_import_apply(
    *, rows: Iterable[Mapping[str, Any]], actor: Any, columns: Iterable[str] | None = None, file_name: str = "",
) -> UnitImportCounts:
    """Apply a units file (see `units_import_plan`): every row valid, or nothing written. New units are created,
    existing ones changed through the units page's services (`unit_update`, `unit_set_active`); every change is
    audited with a reason naming the import and its file."""
    plans, problems = _units_check(list(rows), columns)
    _raise_rows(problems)
    counts, refused = _units_write(plans, actor=actor, reason=_units_reason(file_name))
    _raise_rows(refused)  # rolls back the rows already written
    return counts


def units_import(*, rows: Iterable[Mapping[str, Any]], actor: Any, columns: Iterable[str] | None = None) -> int:
    """Apply a units file (`units_import_apply`); how many units were created or changed."""
    return units_import_apply(rows=rows, actor=actor, columns=columns).units


USER_COLUMNS = ("username", "full_name", "email", "password", "role", "unit", "active")
USER_REQUIRED_COLUMNS = ("username", "password", "role")
# The header row of the users file (what a person reads, as the set tree's file); the import also takes the keys, as
# files exported before have them
USER_COLUMN_HEADERS = (
    _l("Tên đăng nhập"), _l("Họ và tên"), _l("Thư điện tử"), _l("Mật khẩu ban đầu"), _l("Vai trò"), _l("Mã đơn vị"),
    _l("Đang hoạt động"),
)
USER_COLUMN_LABELS = (
    _l("Tên đăng nhập"),
    _l("Họ và tên"),
    _l("Thư điện tử"),
    _l("Mật khẩu ban đầu (tài khoản mới; để trống với tài khoản đã có)"),
    _l("Vai trò, như trên màn hình (chọn trong danh sách; cũng nhận mã: unit_editor …); một dòng cho mỗi vai trò"),
    _l("Mã đơn vị của vai trò (chuyên viên, thủ trưởng đơn vị: bắt buộc; quản trị: để trống)"),
    _l("Đang hoạt động: Có / Không (chọn trong danh sách; cũng nhận 1 / 0); để trống: không đổi (tài khoản mới: Có)"),
)


def user_column_aliases() -> dict[str, str]:
    return _column_aliases(USER_COLUMNS, USER_COLUMN_HEADERS)


def user_column_names() -> dict[str, str]:
    return _column_names(USER_COLUMNS, USER_COLUMN_HEADERS)


def _role_lookup() -> dict[str, str]:
    """A role's code by what a person may write for it (`resources.choice_lookup`): its code, or its label as the
    screen shows it, in any case, with or without accents."""
    from scoring.administration.resources import choice_lookup

    return choice_lookup(RoleAssignment.Role)


def roles_text() -> str:
    """The roles a users file accepts, as the screen names them."""
    return ", ".join(str(label) for label in RoleAssignment.Role.labels)


def read_users_sheet(uploaded: Any) -> Any:
    """An uploaded users file's rows keyed by column key, whether its headers are the exported file's (in either
    language, any case or accents) or the keys (files exported before). FileRefused as `xlsx.read_sheet`."""
    from scoring.administration.xlsx import read_sheet

    # a role, a unit or a state merged down a block of rows is each row's (any other merge is refused)
    return read_sheet(uploaded, expected=USER_REQUIRED_COLUMNS, max_rows=2000, aliases=user_column_aliases(),
                      names=user_column_names(), repeatable=("role", "unit", "active"))


def users_xlsx(*, rows: Iterable[Any]) -> bytes:
    """The users file an administrator edits and imports back (`rows`: the users list's, in `USER_COLUMNS` with
    codes, the state as 1/0): Vietnamese headers (each with a note), each role by its label and the state as Có /
    Không, both with a drop-down, and a notes sheet describing every column."""
    from scoring.administration.xlsx import write_sheet

    role_at, active_at = USER_COLUMNS.index("role"), USER_COLUMNS.index("active")
    yes_no = [_("Có"), _("Không")]
    shown = []
    for exported in rows:
        row = list(exported)
        if row[role_at] in RoleAssignment.Role.values:
            row[role_at] = str(RoleAssignment.Role(row[role_at]).label)
        if row[active_at] not in ("", None):
            row[active_at] = yes_no[0] if str(row[active_at]) == "1" else yes_no[1]
        shown.append(row)
    notes = [str(label) for label in USER_COLUMN_LABELS]
    notes[role_at] = _("%(label)s. Các vai trò: %(roles)s.") % {"label": notes[role_at], "roles": roles_text()}
    return write_sheet(
        title=_("Người dùng"),
        headers=[str(header) for header in USER_COLUMN_HEADERS],
        rows=shown,
        labels=notes,
        comments=notes,
        choices={role_at: [str(label) for label in RoleAssignment.Role.labels], active_at: yes_no},
    )


@dataclass
class UserRowPlan:
    """What one row of a users file changes: a new account, a role added, an account locked or unlocked (or
    nothing). `changes` are the Vietnamese lines the preview shows."""

    row: int
    username: str
    create: bool = False
    role: str = ""
    unit_code: str = ""
    add_role: bool = False
    active: bool | None = None  # the account's new state; None: unchanged
    full_name: str = ""  # a new account's, as the file gives them
    email: str = ""
    changes: list[str] = field(default_factory=list)


def _cell_text(raw: Any) -> str:
    """A cell of these imports as stored (`nfc`). Every cell is a code, a username, an e-mail address, a name or a
    flag: one with a character that cannot be seen (a zero-width space, a soft hyphen, a control or direction
    override) is refused (ValidationFailed), or «so-y-te» and «so-y-te» + U+200B would look the same and differ."""
    return visible_text(raw)


def _row_texts(
    row: Mapping[str, Any], keys: Iterable[str], messages: list[str], names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The row's text cells as stored (`_cell_text`); a cell with a hidden character is that row's problem (named
    by its column: `names`, else its key) and reads as empty, so the other cells and rows are still checked. A
    formula cell reads as empty too: `_formula_problems` says why, once."""
    from scoring.administration.xlsx import Formula

    texts: dict[str, str] = {}
    for key in keys:
        raw = row.get(key)
        if isinstance(raw, Formula):
            texts[key] = ""
            continue
        try:
            texts[key] = _cell_text(raw)
        except ValidationFailed as exc:
            messages.append(_("Cột «%(col)s»: %(why)s") % {"col": (names or {}).get(key, key), "why": exc.message})
            texts[key] = ""
    return texts


def _is_blank(raw: Any) -> bool:
    """Whether a cell is empty (a cell refused for a hidden character or a formula is not: its own message says
    why)."""
    from scoring.administration.xlsx import Formula

    if isinstance(raw, Formula):
        return False
    try:
        return not _cell_text(raw)
    except ValidationFailed:
        return False


def _unit_named(typed: str, units: Mapping[str, Unit]) -> tuple[Unit | None, str]:
    """The unit named `typed` by the «Tạo tài khoản» form's look-up (the name as stored, else whatever its case,
    accents and spacing), a unit in activity first; or none, and why when several units have that name."""
    from scoring.administration.forms import units_named_among

    rows = [(unit.pk, unit.code, unit.name) for unit in units.values()]
    for among in ([row for row in rows if units[row[1]].active], rows):
        found = units_named_among(among, typed)
        if len(found) == 1:
            return units[found[0][1]], ""
        if found:
            return None, _("Có %(n)s đơn vị tên «%(name)s» (mã %(codes)s): hãy nhập mã của đơn vị cần chọn.") % {
                "n": len(found), "name": typed.strip(), "codes": ", ".join(code for _pk, code, _name in found)}
    return None, ""


def _full_name(user: Any) -> str:
    return " ".join(" ".join(part for part in (user.first_name, user.last_name) if part).split())


def users_import_plan(
    *, rows: Iterable[Mapping[str, Any]], actor: Any, after_preview: bool = False
) -> list[UserRowPlan]:
    """What a users file would change, row by row, or ValidationFailed naming every bad row (nothing written).

    The file is the users list's download: a row per role (the account's name, e-mail and state repeated). A new
    username makes an account (it needs a password and a role; its later rows may add roles). A username that
    exists keeps its password, name and e-mail (the password cell stays empty; the name and e-mail, when given,
    must be the account's); its row may add a role, and its `active` cell (1/0, empty: unchanged) locks or unlocks
    it by the users page's rules (an administrator does not lock their own account). A role already held is no
    change, even at a unit that has stopped; a new role needs a unit in activity.

    `after_preview`: the rows are checked again as their preview is confirmed; a row refused then was valid when
    previewed, and its message says what changed meanwhile (an account made since).

    A role is its code or its label as the screen shows it (any case, accents or not: «Chuyên viên đơn vị»); the
    state is Có / Không or 1 / 0. Unlocking an account is refused on its row when another account active then (now,
    or by the rows above) uses its address: the users page's rule (`user_set_active`)."""
    user_model = get_user_model()
    rows = list(rows)
    units = {u.code: u for u in Unit.objects.all()}
    accounts = {user.username.lower(): user for user in user_model.objects.all()}
    held = {
        (user_id, role, code or "")
        for user_id, role, code in RoleAssignment.objects.values_list("user_id", "role", "unit__code")
    }
    problems: list[RowProblem] = []
    plans: list[UserRowPlan] = []
    new_names: set[str] = set()
    # a new account's first row (its row, name, e-mail and password): its later rows add roles and, where they
    # repeat a cell (an Excel user copies the whole row), must agree with it
    first_rows: dict[str, tuple[int, str, str, str]] = {}
    stopped: dict[str, str] = {}  # a stopped unit's code: why no new role goes there (where it was merged)
    roles_in_file: set[tuple[str, str, str]] = set()
    wanted_state: dict[str, tuple[int, bool]] = {}  # username: (first row, state) of the rows that say one
    # one active account per address: the active accounts' and the new ones' of the rows above
    active_emails = {user.email.lower(): user.username for user in accounts.values() if user.is_active and user.email}
    new_emails: dict[str, tuple[int, str]] = {}
    role_of = _role_lookup()
    names = user_column_names()
    named: dict[str, tuple[Unit | None, str]] = {}  # a unit cell that is no code: the unit it names
    from scoring.administration.xlsx import folded

    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row, names) + _long_cell_problems(row, names))
        texts = _row_texts(row, ("username", "full_name", "email", "role", "unit", "active"), p.messages, names)
        username = user_model.normalize_username(texts["username"])  # as the account stores it
        key = username.lower()
        password = str(row.get("password") or "")
        plan = UserRowPlan(row=row["row"], username=username)
        existing = accounts.get(key)
        role, unit_code = role_of.get(folded(texts["role"]), texts["role"]), texts["unit"].lower()
        unit, ambiguous = units.get(unit_code), ""
        if unit is None and unit_code:  # a unit's name, as the «Tạo tài khoản» form takes it
            if texts["unit"] not in named:
                named[texts["unit"]] = _unit_named(texts["unit"], units)
            unit, ambiguous = named[texts["unit"]]
            if ambiguous:
                p.messages.append(ambiguous)
            unit_code = unit.code if unit is not None else unit_code
        if not username:
            if _is_blank(row.get("username")):
                p.messages.append(_("Thiếu tên đăng nhập."))
        elif existing is None and key not in new_names:
            plan.create = True
            new_names.add(key)
            first_rows[key] = (row["row"], " ".join(texts["full_name"].split()), texts["email"], password)
            # The create form's rules (username characters and length, name length, e-mail, password).
            if password:
                p.messages.extend(account_problems(
                    username=username, full_name=texts["full_name"], email=texts["email"], password=password,
                ))
            else:  # the password rules would only say it is too short
                p.messages.extend(username_problems(username) + full_name_problems(texts["full_name"])
                                  + email_problems(texts["email"]))
                p.messages.append(_("Tài khoản mới cần mật khẩu."))
            p.messages.extend(import_email_problems(texts["email"], row=row["row"], username=username,
                                                    active=active_emails, in_file=new_emails, actor=actor))
            if not role:
                p.messages.append(_("Tài khoản mới cần một vai trò."))
        elif existing is None:  # a new account's later row: another role
            p.messages.extend(_repeated_row_problems(username, first_rows[key], texts, password, names))
        elif password:  # an existing account
            if after_preview:  # the preview passed this row: the account was made since
                p.messages.append(_(
                    "Tài khoản «%(u)s» đã được tạo sau khi xem trước tệp này; hãy tải tệp lên lại để xem trước "
                    "các thay đổi."
                ) % {"u": username})
            else:
                p.messages.append(_(
                    "Tài khoản «%(u)s» đã có: để trống cột «%(col)s» (mật khẩu được đặt lại ở trang của người dùng)."
                ) % {"u": username, "col": USER_COLUMN_HEADERS[USER_COLUMNS.index("password")]})
        if existing is not None:
            if texts["full_name"] and " ".join(texts["full_name"].split()) != _full_name(existing):
                p.messages.append(_(
                    "Họ và tên «%(n)s» khác với tài khoản «%(u)s» («%(old)s»); nhập Excel không đổi họ tên."
                ) % {"n": texts["full_name"], "u": username, "old": _full_name(existing)})
            if texts["email"] and texts["email"].lower() != existing.email.lower():
                p.messages.append(_(
                    "Thư điện tử «%(e)s» khác với tài khoản «%(u)s» («%(old)s»); nhập Excel không đổi thư điện tử."
                ) % {"e": texts["email"], "u": username, "old": existing.email})
        if unit_code and unit is None and not ambiguous:
            p.messages.append(_("Đơn vị «%(u)s» không tồn tại.") % {"u": texts["unit"]})
        if role:
            if role not in RoleAssignment.Role.values:
                p.messages.append(_("Vai trò «%(r)s» không hợp lệ; hãy chọn một trong: %(choices)s.")
                                  % {"r": role, "choices": roles_text()})
            else:
                # an unknown unit code is reported above: not also as a missing one
                # nor a unit cell refused for its own reason (a hidden character) as an empty one
                problem = role_unit_problem(role, bool(unit_code) or not _is_blank(row.get("unit")))
                if problem:
                    p.messages.append(problem)
                elif username:
                    if (key, role, unit_code) in roles_in_file:
                        p.messages.append(_("Vai trò này của «%(u)s» đã có ở một dòng trên.") % {"u": username})
                    roles_in_file.add((key, role, unit_code))
                    plan.role, plan.unit_code = role, unit_code
                    plan.add_role = existing is None or (existing.pk, role, unit_code) not in held
                    if plan.add_role and unit is not None and not unit.active:
                        if unit_code not in stopped:
                            stopped[unit_code] = unit_stopped_problem(unit, shown=unit_code)
                        p.messages.append(stopped[unit_code])
        elif unit_code:
            p.messages.append(_("Có mã đơn vị nhưng thiếu vai trò."))
        flag = _active_flag(texts["active"]) if texts["active"] else None
        if texts["active"] and flag is None:
            p.messages.append(
                _("Cột «%(col)s» là «%(v)s»: chỉ nhận Có (đang hoạt động) hoặc Không (khoá), cũng nhận 1 / 0; để "
                  "trống là không đổi (tài khoản mới: đang hoạt động).")
                % {"col": USER_COLUMN_HEADERS[USER_COLUMNS.index("active")], "v": texts["active"]}
            )
        if flag is not None and username:
            first = wanted_state.setdefault(key, (row["row"], flag))
            if first[1] != flag:
                p.messages.append(_("Dòng %(r)s ghi trạng thái khác cho «%(u)s».") % {"r": first[0], "u": username})
            elif existing is not None and existing.pk == getattr(actor, "pk", None) and not flag:
                p.messages.append(_("Không thể tự khoá tài khoản của chính mình."))
            elif first[0] == row["row"] and (existing.is_active if existing is not None else True) != flag:
                plan.active = flag
                if existing is not None:
                    p.messages.extend(_state_email_problems(existing, flag, in_use=active_emails,
                                                            in_file=new_emails, actor=actor))
        if not p.messages:
            if plan.create:
                plan.changes.append(_("Tạo tài khoản mới"))
                # what the account will be called, as read from the file: a name whose accents Excel mangled is
                # caught here, before the accounts exist
                plan.full_name, plan.email = " ".join(texts["full_name"].split()), texts["email"]
                plan.changes.append(_("Họ và tên: %(name)s; thư điện tử: %(email)s") % {
                    "name": _("«%(v)s»") % {"v": plan.full_name} if plan.full_name else _("(để trống)"),
                    "email": _("«%(v)s»") % {"v": plan.email} if plan.email else _("(để trống)"),
                })
            if plan.add_role:
                label = RoleAssignment.Role(plan.role).label
                plan.changes.append(
                    _("Thêm vai trò «%(r)s» tại «%(u)s»") % {"r": label, "u": unit.name}
                    if unit else _("Thêm vai trò «%(r)s»") % {"r": label}
                )
            if plan.active is not None:
                plan.changes.append(_("Mở khoá tài khoản") if plan.active else _("Khoá tài khoản"))
        problems.append(p)
        plans.append(plan)
    _raise_rows(problems)
    return plans


def _repeated_row_problems(
    username: str, first: tuple[int, str, str, str], texts: Mapping[str, str], password: str,
    names: Mapping[str, str],
) -> list[str]:
    """A new account's later row against its first (`first`: row, full name, e-mail, password): a cell left empty
    or repeating the first row's is one account with another role; a cell that differs is refused, naming the
    column and the first row (a password is never shown). A first row without a password is refused on its own."""
    row, full_name, email, first_password = first
    problems = []
    given = " ".join(texts["full_name"].split())
    if given and given != full_name:
        problems.append(_(
            "Cột «%(col)s» là «%(v)s», khác với dòng %(r)s («%(first)s») của tài khoản mới «%(u)s»: các dòng của một "
            "tài khoản ghi cùng họ tên, hoặc để trống."
        ) % {"col": names["full_name"], "v": given, "r": row, "first": full_name or _("để trống"), "u": username})
    if texts["email"] and texts["email"].lower() != email.lower():
        problems.append(_(
            "Cột «%(col)s» là «%(v)s», khác với dòng %(r)s («%(first)s») của tài khoản mới «%(u)s»: các dòng của một "
            "tài khoản ghi cùng thư điện tử, hoặc để trống."
        ) % {"col": names["email"], "v": texts["email"], "r": row, "first": email or _("để trống"), "u": username})
    if password and first_password and password != first_password:
        problems.append(_(
            "Cột «%(col)s» khác với dòng %(r)s của tài khoản mới «%(u)s»: các dòng của một tài khoản ghi cùng mật "
            "khẩu, hoặc để trống."
        ) % {"col": names["password"], "r": row, "u": username})
    return problems


def _state_email_problems(
    user: Any, state: bool, *, in_use: dict[str, str], in_file: dict[str, tuple[int, str]], actor: Any
) -> list[str]:
    """An existing account locked or unlocked (`state`) by a row, against the addresses in use as the rows above
    leave them (`in_use`: the active accounts', kept up to date here; `in_file`: the new accounts' of the rows
    above): locking frees its address for the rows below; unlocking is refused when an active account, or a new
    one, uses it."""
    from scoring.administration.services.users import MSG_EMAIL_REPEATED_IN_FILE, email_taken_message

    key = user.email.lower()
    if not key:
        return []
    if not state:
        if in_use.get(key) == user.username:
            del in_use[key]
        return []
    if key in in_use:
        return [email_taken_message(user.email, other_username=in_use[key], actor=actor)]
    if key in in_file:
        first_row, username = in_file[key]
        return [str(MSG_EMAIL_REPEATED_IN_FILE % {"e": user.email, "r": first_row, "u": username})]
    in_use[key] = user.username
    return []


def _active_units() -> dict[str, Unit]:
    return {u.code: u for u in Unit.objects.filter(active=True)}


@dataclass(frozen=True)
class UserImportCounts:
    """What an applied users file did: accounts made, roles added (each new account's first role, made with the
    account, aside), accounts locked and unlocked."""

    created: int = 0
    roles_added: int = 0
    locked: int = 0
    unlocked: int = 0


def users_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Apply a users file (see `users_import_apply`); returns how many accounts were made."""
    return users_import_apply(rows=rows, actor=actor).created


@transaction.atomic
def users_import_apply(
    *, rows: Iterable[Mapping[str, Any]], actor: Any, reason: str = "", after_preview: bool = False
) -> UserImportCounts:
    """Apply a users file (see `users_import_plan`): all rows valid or nothing. New accounts through
    `user_create`, roles through `role_assign`, locking and unlocking through `user_set_active` (the users page's
    services: each change audited). Returns what was done. Each new password is hashed (about 0.4 s each): a
    worker runs it for a file (`user_import_start`). `reason` goes to each change's audit record (it names the
    import)."""
    from scoring.administration.services.users import role_assign, user_set_active

    rows = list(rows)
    plans = users_import_plan(rows=rows, actor=actor, after_preview=after_preview)
    units = _active_units()
    user_model = get_user_model()
    created = roles_added = locked = unlocked = 0
    for row, plan in zip(rows, plans, strict=True):
        unit = units.get(plan.unit_code) if plan.unit_code else None
        if plan.create:
            user = user_create(
                username=plan.username,
                full_name=nfc(row.get("full_name")),
                email=nfc(row.get("email")),
                password=str(row["password"]),
                role=plan.role,
                unit=unit,
                actor=actor,
                reason=reason,
            )
            created += 1
        else:
            user = user_model.objects.get(username__iexact=plan.username)
            if plan.add_role:
                role_assign(user=user, role=plan.role, unit=unit, actor=actor, reason=reason)
                roles_added += 1
        if plan.active is not None:
            user_set_active(user=user, active=plan.active, actor=actor, reason=reason)
            if plan.active:
                unlocked += 1
            else:
                locked += 1
    return UserImportCounts(created=created, roles_added=roles_added, locked=locked, unlocked=unlocked)


def _import_path(job_id: int) -> Path:
    """Where a pending import's rows wait for the worker: private (never served), readable by the owner only."""
    return Path(settings.MEDIA_ROOT) / "private" / "imports" / f"users-{job_id}.json"


PREVIEW_PREFIX = "users-preview-"
_PREVIEW_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what `secrets.token_urlsafe` makes: safe in a file name
MSG_PREVIEW_GONE = _l("Không còn bản xem trước của tệp này (đã nhập hoặc đã hết phiên); hãy tải tệp lên lại.")
MSG_PREVIEW_REPLACED = _l(
    "Bản xem trước này đã được thay bằng bản xem trước của một tệp tải lên sau (có thể ở một thẻ khác); "
    "không ghi gì. Hãy xác nhận bản xem trước mới nhất, hoặc tải tệp này lên lại."
)
MSG_CHANGED_SINCE_PREVIEW = _l(
    "Dữ liệu đã thay đổi từ lúc xem trước: %(n)s dòng không còn hợp lệ; không ghi dòng nào. Hãy tải tệp lên lại."
)
MSG_IMPORT_REASON = _l("Nhập từ Excel (lần nhập #%(n)s)")


class ImportStorageFailed(DomainError):
    """The server could not keep the rows on its disk; nothing was started."""

    status = 503
    code = "storage_failed"


UNITS_PREVIEW_PREFIX = "units-preview-"


def _preview_file(key: str, prefix: str = PREVIEW_PREFIX) -> Path:
    """Where a previewed file's rows wait for their confirmation, beside the jobs' rows."""
    return Path(settings.MEDIA_ROOT) / "private" / "imports" / f"{prefix}{key}.json"


def _preview_path(key: Any, prefix: str = PREVIEW_PREFIX) -> Path | None:
    """`_preview_file`, or None for a key that `user_import_preview_hold` never makes."""
    if not isinstance(key, str) or not _PREVIEW_KEY.fullmatch(key):
        return None
    return _preview_file(key, prefix)


def _write_private(path: Path, rows: Any) -> None:
    """Rows (with the initial passwords) to a new file readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        json.dump(rows, out, ensure_ascii=False, default=str)


MSG_DATA_CHANGED = _l(
    "Dữ liệu đã được sửa từ lúc xem trước tệp này (có thể một quản trị viên khác vừa sửa): không ghi gì, để không "
    "ghi đè những thay đổi đó. Hãy tải tệp lên lại để xem trước với dữ liệu hiện tại."
)


def _fingerprint(*querysets: Any) -> str:
    """A hash of what a preview was computed from: a confirmation applies it only to the same data."""
    digest = hashlib.sha256()
    for queryset in querysets:
        digest.update(json.dumps(list(queryset), ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def users_fingerprint() -> str:
    """The accounts and roles a users file's preview read (who exists, who is active, which roles where)."""
    return _fingerprint(
        get_user_model().objects.order_by("pk").values_list("pk", "username", "is_active", "first_name", "email"),
        RoleAssignment.objects.order_by("pk").values_list("pk", "user_id", "role", "unit_id"),
    )


def units_fingerprint() -> str:
    """The units a units file's preview read (their fields and states)."""
    return _fingerprint(Unit.objects.order_by("pk").values_list(
        "pk", "code", "name", "short_name", "kind_id", "ranking_group_id", "parent_id", "active", "superior_body"))


def _check_still_current(held: Any, current: str, *, taken: Path) -> None:
    """Refuse (and forget) a preview whose data changed since it was made: applying it would overwrite a
    colleague's changes the preview never showed."""
    if isinstance(held, dict) and held.get("fingerprint") not in (None, current):
        taken.unlink(missing_ok=True)
        raise StateConflict(MSG_DATA_CHANGED, code="changed_since_preview")


def user_import_preview_hold(*, rows: Iterable[Mapping[str, Any]], file_name: str = "") -> str:
    """Keep a checked users file's rows until the administrator confirms its preview, and return the random key
    that names them (the caller keeps the key, e.g. in the session: never the rows, which hold the initial
    passwords). The rows go to a private file readable by the owner only; it is removed when the preview is
    confirmed (`user_import_confirm`), replaced (`user_import_preview_drop`), or left unconfirmed past
    `WORKER_JOB_TIMEOUT_MINUTES` (the periodic sweep, `user_imports_abandon`). ImportStorageFailed when the file
    cannot be written (nothing kept). `file_name`, the uploaded file's, is kept with them for the confirmation's
    audit record."""
    return _preview_hold(PREVIEW_PREFIX, {"file_name": str(file_name or ""), "rows": list(rows),
                                          "fingerprint": users_fingerprint()})


def _preview_hold(prefix: str, held: dict[str, Any]) -> str:
    """Write a checked file's rows (and what they were checked against) to a private file named by a new random
    key, and return the key; ImportStorageFailed when it cannot be written (nothing kept)."""
    key = secrets.token_urlsafe(24)
    path = _preview_file(key, prefix)
    try:
        _write_private(path, held)
    except OSError as exc:
        logger.exception("import preview: the rows could not be written")
        path.unlink(missing_ok=True)
        raise ImportStorageFailed(_("Không lưu được tệp để nhập; hãy thử lại.")) from exc
    return key


def _preview_drop(key: Any, prefix: str) -> None:
    path = _preview_path(key, prefix)
    if path is not None:
        path.unlink(missing_ok=True)


def user_import_preview_drop(*, key: Any) -> None:
    """Forget a held preview (a new file replaces it): its rows' file is removed."""
    _preview_drop(key, PREVIEW_PREFIX)


def user_import_confirm(*, key: Any, actor: Any) -> UserImport:
    """Start the import of a held preview (`user_import_start`, which checks the rows again), and remove the
    preview's file. ValidationFailed (MSG_PREVIEW_GONE) when no preview is held under `key` (confirmed already,
    replaced, or swept); a refusal of the rows leaves the preview held as it was. The file is taken by renaming it
    first, so that two confirmations of one preview (a double click) start one import."""
    path = _preview_path(key)
    if path is None:
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone")
    taken = path.with_name(f"{path.stem}.{secrets.token_hex(8)}.taken")
    try:
        os.rename(path, taken)
    except FileNotFoundError as exc:
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone") from exc
    try:
        text = taken.read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # swept meanwhile (held past the sweep's limit)
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone") from exc
    held = json.loads(text)
    _check_still_current(held, users_fingerprint(), taken=taken)
    rows, file_name = (held["rows"], held.get("file_name", "")) if isinstance(held, dict) else (held, "")
    try:
        job = user_import_start(rows=rows, actor=actor, file_name=file_name)
    except ValidationFailed as exc:
        with contextlib.suppress(FileNotFoundError):
            os.rename(taken, path)  # refused: the preview stays as it was
        if exc.code == "invalid_rows":  # the preview passed these rows: something changed since
            n = len(exc.details) if isinstance(exc.details, list) else 0
            raise ValidationFailed(MSG_CHANGED_SINCE_PREVIEW % {"n": n}, code="invalid_rows",
                                   details=exc.details) from exc
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.rename(taken, path)  # refused: the preview stays as it was
        raise
    taken.unlink(missing_ok=True)
    return job


def _previews_abandon(*, before: datetime.datetime) -> int:
    """Remove the held previews (and any half-taken one) written before `before`: never confirmed."""
    folder = Path(settings.MEDIA_ROOT) / "private" / "imports"
    removed = 0
    for path in [*folder.glob(f"{PREVIEW_PREFIX}*"), *folder.glob(f"{UNITS_PREVIEW_PREFIX}*")]:
        try:
            if path.stat().st_mtime < before.timestamp():
                path.unlink()
                removed += 1
        except FileNotFoundError:  # confirmed or replaced meanwhile
            continue
    return removed


def unit_import_preview_hold(*, rows: Iterable[Mapping[str, Any]], columns: Iterable[str], file_name: str) -> str:
    """Keep a checked units file's rows until its preview is confirmed (`unit_import_confirm`), as a users file's
    (`user_import_preview_hold`): a private file named by the random key returned, removed on confirmation, on a
    newer upload (`unit_import_preview_drop`) or by the periodic sweep. ImportStorageFailed when it cannot be
    written."""
    return _preview_hold(UNITS_PREVIEW_PREFIX, {"file_name": str(file_name or ""), "columns": list(columns),
                                                "rows": list(rows), "fingerprint": units_fingerprint()})


def unit_import_preview_drop(*, key: Any) -> None:
    _preview_drop(key, UNITS_PREVIEW_PREFIX)


def unit_import_confirm(*, key: Any, actor: Any) -> UnitImportCounts:
    """Apply a held units preview (`units_import_apply`, which checks the rows again) and remove it.
    ValidationFailed (MSG_PREVIEW_GONE) when nothing is held under `key`; a refusal of the rows (the units changed
    since the preview) leaves the preview held. Taken by renaming it first: a double click applies it once."""
    path = _preview_path(key, UNITS_PREVIEW_PREFIX)
    if path is None:
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone")
    taken = path.with_name(f"{path.stem}.{secrets.token_hex(8)}.taken")
    try:
        os.rename(path, taken)
        held = json.loads(taken.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone") from exc
    _check_still_current(held, units_fingerprint(), taken=taken)
    try:
        counts = units_import_apply(rows=held["rows"], actor=actor, columns=held.get("columns"),
                                    file_name=held.get("file_name", ""))
    except ValidationFailed as exc:
        with contextlib.suppress(FileNotFoundError):
            os.rename(taken, path)
        if exc.code == "invalid_rows":
            n = len(exc.details) if isinstance(exc.details, list) else 0
            raise ValidationFailed(MSG_CHANGED_SINCE_PREVIEW % {"n": n}, code="invalid_rows",
                                   details=exc.details) from exc
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.rename(taken, path)
        raise
    taken.unlink(missing_ok=True)
    return counts


@transaction.atomic
def user_import_start(*, rows: Iterable[Mapping[str, Any]], actor: Any, file_name: str = "") -> UserImport:
    """Check every row now, as its preview is confirmed (a refusal names each bad row and writes nothing, as
    `users_import`), then leave the accounts to a worker (`user_import_run`): hashing a few hundred initial
    passwords outlasts a web request. The confirmation is audited (who, which file, how many rows and changes).
    The rows (with the passwords) wait in a private file written once the job is committed; the worker removes
    it."""
    rows = list(rows)
    plans = users_import_plan(rows=rows, actor=actor, after_preview=True)
    job = UserImport.objects.create(rows=len(rows), requested_by=actor if getattr(actor, "pk", None) else None)
    audit_record(
        actor=actor,
        action="user_import.confirm",
        object_type="UserImport",
        object_id=job.pk,
        changes={
            "file": {"old": None, "new": file_name},
            "rows": {"old": None, "new": len(rows)},
            "rows_changed": {"old": None, "new": sum(1 for plan in plans if plan.changes)},
        },
        reason=_reason(job.pk),
    )

    def hand_over() -> None:
        from scoring.tasks import user_import_run_task

        path = _import_path(job.pk)
        try:
            _write_private(path, rows)
        except OSError:
            logger.exception("user import %s: the rows could not be written", job.pk)
            UserImport.objects.filter(pk=job.pk).update(
                status=UserImport.Status.FAILED, error=_("Không lưu được tệp để nhập; hãy thử lại."),
                finished_at=timezone.now(),
            )
            return
        user_import_run_task.delay(job.pk)

    transaction.on_commit(hand_over)
    return job


def _reason(job_id: int) -> str:
    """The audit reason of an import's changes: stored text, in the site's language (not the confirming page's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(MSG_IMPORT_REASON % {"n": job_id})


def user_import_run(*, job_id: int) -> None:
    """The worker's part of an import: the accounts of a pending job, all or none; its outcome on the job. A job
    that is not pending (done, failed, or taken by another worker) is left alone. The rows' file is removed
    whatever happens."""
    claimed = UserImport.objects.filter(pk=job_id, status=UserImport.Status.PENDING).update(
        status=UserImport.Status.RUNNING
    )
    if not claimed:
        return
    job = UserImport.objects.select_related("requested_by").get(pk=job_id)
    path = _import_path(job_id)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        with transaction.atomic():  # the accounts and "done" together: a job still running made none
            done = users_import_apply(rows=rows, actor=job.requested_by, reason=_reason(job_id), after_preview=True)
            UserImport.objects.filter(pk=job_id).update(
                status=UserImport.Status.DONE, created=done.created, roles_added=done.roles_added,
                locked=done.locked, unlocked=done.unlocked, finished_at=timezone.now(),
            )
    except DomainError as exc:  # the data changed since the check (a username taken meanwhile, a unit closed)
        UserImport.objects.filter(pk=job_id).update(
            status=UserImport.Status.FAILED, error=str(exc.message), finished_at=timezone.now(),
            problems=exc.details if isinstance(exc.details, list) else [],
        )
    except Exception:
        logger.exception("user import %s failed", job_id)
        UserImport.objects.filter(pk=job_id).update(
            status=UserImport.Status.FAILED, error=_("Lỗi khi tạo tài khoản; không tài khoản nào được tạo."),
            finished_at=timezone.now(),
        )
    finally:
        path.unlink(missing_ok=True)


def user_imports_abandon(*, before: datetime.datetime) -> int:
    """Imports asked for before `before` and still pending or running: their worker died, or the queue lost
    them. Each is marked failed (it made no account: the accounts and "done" are written together) and its
    rows' file, with the initial passwords, is removed. Previews held since before `before` and never confirmed
    are removed too (their files hold the initial passwords as well). Returns how many imports were given up.
    Run by the periodic sweep."""
    previews = _previews_abandon(before=before)
    if previews:
        logger.info("user import previews removed (never confirmed): %s", previews, extra={"removed": previews})
    stuck = list(UserImport.objects.filter(
        status__in=[UserImport.Status.PENDING, UserImport.Status.RUNNING], created_at__lt=before
    ).values_list("pk", flat=True))
    for job_id in stuck:
        UserImport.objects.filter(
            pk=job_id, status__in=[UserImport.Status.PENDING, UserImport.Status.RUNNING]
        ).update(status=UserImport.Status.FAILED, finished_at=timezone.now(),
                 error=_("Máy chủ không xử lý xong yêu cầu; không tài khoản nào được tạo. Hãy nhập lại tệp."))
        _import_path(job_id).unlink(missing_ok=True)
    if stuck:
        logger.warning("user imports abandoned (never finished): %s", stuck)
    return len(stuck)
