"""A set's whole tree from Excel (django-import-export): a dry run lists problems row by row, and what the
import would change criterion by criterion; the file a person edits, with Vietnamese headers, the labels shown on
screen and drop-downs."""

from __future__ import annotations

import bisect
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.administration.services.common import _audit_set, _ensure_editable
from scoring.administration.services.params_text import params_cell, params_text
from scoring.administration.services.tree import _order_by_code, _renumber
from scoring.administration.xlsx import Sheet, read_sheet, write_sheet
from scoring.models import (
    Indicator,
    IndicatorSet,
)

# What a criterion is, as the file states it: a change in any of these is a modified criterion in the audit
# entry (order, level and leaf-ness follow from the tree and are not listed).
AUDITED_FIELDS = (
    "parent", "name", "kind", "max_points", "floor", "method", "params", "evidence_required",
    "allow_not_applicable", "on_time_submission", "source", "guidance", "coordinating_department",
)
MAX_AUDITED_CODES = 200  # per list in the audit entry; the rest are counted
# A modified criterion's old → new values in the audit entry (one entry per import, read in the audit viewer): each
# value cut to MAX_AUDITED_VALUE characters (as JSON for the parameters), and once the entry holds
# MAX_AUDITED_VALUES_TOTAL characters of values, the criteria after name their changed fields only.
MAX_AUDITED_VALUE = 300
MAX_AUDITED_VALUES_TOTAL = 30_000


def _tree_by_code(indicator_set: IndicatorSet) -> dict[str, dict[str, Any]]:
    """Every criterion of the set by code (in tree order), with its audited fields (the parent by its code)."""
    rows = indicator_set.indicators.order_by("order", "pk").values("code", "parent__code", *AUDITED_FIELDS[1:])
    return {row["code"]: {"parent": row["parent__code"], **{f: row[f] for f in AUDITED_FIELDS[1:]}} for row in rows}


def _bounded(items: list[Any]) -> dict[str, Any]:
    return {"codes": items[:MAX_AUDITED_CODES], "more": max(len(items) - MAX_AUDITED_CODES, 0)}


@dataclass
class FieldChange:
    """One field of a criterion the import changes, as the preview shows it (`old` → `new`, display text)."""

    name: str
    label: str
    old: str
    new: str


@dataclass
class CriterionChange:
    """A criterion added, removed or changed (`code`: its code in the file, or in the tree for a removed one;
    `old_code`: a changed criterion's code in the tree, another when the file renumbers it)."""

    code: str
    name: str
    fields: list[FieldChange] = field(default_factory=list)
    old_code: str = ""

    @property
    def renumbered(self) -> bool:
        return bool(self.old_code) and self.old_code != self.code


@dataclass
class CriterionMove:
    """A criterion the import puts elsewhere: under another parent, or in another place among its siblings
    (`old` → `new`, as the preview shows them: «thứ 2 trong 1.1»)."""

    code: str
    name: str
    old: str
    new: str
    old_code: str = ""


@dataclass
class CriterionRenumber:
    """A criterion the file gives another code («đổi mã 1.3 → 1.2»): recognised by what it is, not by its code."""

    old_code: str
    code: str
    name: str


@dataclass
class TreeDiff:
    """What an import does to the tree, criterion by criterion (`pair_criteria`: by code, or by name where the file
    gives a criterion another code): the criteria it adds, removes, changes (each changed field old → new),
    renumbers and moves (another parent or another place among its siblings), and how many it leaves as they
    are."""

    added: list[CriterionChange] = field(default_factory=list)
    removed: list[CriterionChange] = field(default_factory=list)
    modified: list[CriterionChange] = field(default_factory=list)
    moved: list[CriterionMove] = field(default_factory=list)
    renumbered: list[CriterionRenumber] = field(default_factory=list)
    unchanged: int = 0
    pairs: dict[str, str] = field(default_factory=dict)  # old code → new code of each criterion in both trees

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.modified or self.moved or self.renumbered)

    @property
    def modified_columns(self) -> list[tuple[str, int]]:
        """Each column the changed criteria change, with how many of them (the preview's summary of a long list:
        «Hướng dẫn: 103 tiêu chí»), in the file's column order."""
        counts: dict[str, int] = {}
        for criterion in self.modified:
            for change in criterion.fields:
                counts[change.name] = counts.get(change.name, 0) + 1
        return [(_field_label(name), counts[name]) for name in AUDITED_FIELDS if name in counts]


def _field_label(name: str) -> str:
    from scoring.administration.resources import COLUMN_HEADERS, COLUMNS

    return str(COLUMN_HEADERS[COLUMNS.index("parent_code" if name == "parent" else name)])


def _shown(name: str, value: Any) -> str:
    """A field's value as the preview shows it: a choice by its label, points with the page's decimal separator,
    a flag as Có / Không, parameters as JSON, nothing as «—»."""
    choices = {"kind": Indicator.Kind, "method": Indicator.Method, "source": Indicator.Source}.get(name)
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if value in (None, "", {}):
        return "—"
    if choices is not None:
        return str(choices(value).label) if value in choices.values else str(value)
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value.is_finite() else str(value)
        return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _field_shown(name: str, fields: Mapping[str, Any]) -> str:
    """A criterion's field as the preview shows it (`_shown`); its parameters as the file writes them, in Vietnamese
    for its method (`params_text.params_cell`: JSON where the text cannot say them exactly)."""
    value = fields.get(name)
    if name == "params" and value:
        return params_cell(str(fields.get("method") or ""), value)
    return _shown(name, value)


def _places(tree: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[Any, int]]:
    """Each criterion's parent (by code) and place among that parent's children (1, 2 …), in tree order."""
    counts: dict[Any, int] = {}
    places: dict[str, tuple[Any, int]] = {}
    for code, fields in tree.items():
        parent = fields.get("parent") or None
        counts[parent] = counts.get(parent, 0) + 1
        places[code] = (parent, counts[parent])
    return places


def _kept_in_order(codes: list[str], old_rank: Mapping[str, int]) -> set[str]:
    """The most siblings (in their new order) that keep their order relative to each other: the others are the
    ones moved (a longest increasing subsequence of their old places, O(n log n) for a long list)."""
    tails: list[int] = []  # tails[k]: index into `codes` ending the best run of length k + 1 found so far
    tail_ranks: list[int] = []  # the old place of each tail, for the binary search
    before: list[int] = [-1] * len(codes)
    for i, code in enumerate(codes):
        rank = old_rank[code]
        k = bisect.bisect_left(tail_ranks, rank)
        before[i] = tails[k - 1] if k else -1
        if k == len(tails):
            tails.append(i)
            tail_ranks.append(rank)
        else:
            tails[k], tail_ranks[k] = i, rank
    kept: set[str] = set()
    at = tails[-1] if tails else -1
    while at != -1:
        kept.add(codes[at])
        at = before[at]
    return kept


_GONE = "\x00"  # the new code of a parent that `new` does not have (no code holds a control character)


def _name_key(name: Any) -> str:
    """A criterion's name as compared to recognise it: NFC, any case, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", str(name or "")).casefold().split())


def _shape(tree: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, int], set[str]]:
    """Each criterion's depth (an area 1) and the codes that are parents, for a tree as `_tree_by_code` gives it."""
    levels: dict[str, int] = {}

    def level(code: str) -> int:
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in levels and current in tree and current not in chain:
            chain.append(current)
            current = tree[current].get("parent") or None
        depth = levels.get(current, 0) if current is not None else 0
        for item in reversed(chain):
            depth += 1
            levels[item] = depth
        return levels.get(code, 1)

    for code in tree:
        level(code)
    parents = {str(fields.get("parent")) for fields in tree.values() if fields.get("parent")}
    return levels, parents


def pair_criteria(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Which criterion of `new` each criterion of `old` is (old code → new code), both as `_tree_by_code` gives them.

    A criterion keeping its code and its name is itself. One whose code the file no longer holds, or gives to
    another criterion, is recognised by its name: the criterion of `new` of the same name, at the same depth, a
    group with a group and a leaf with a leaf, that is not itself already (1.2 deleted, 1.3 given the code 1.2:
    the new 1.2 is the old 1.3, and the old 1.2 is deleted). Names shared by several criteria are told apart by
    their parents (already paired: the tree is read from its areas down); what stays ambiguous is not guessed.
    Last, the criteria left on both sides under one code are one criterion whose name changed. A code reused for
    another criterion therefore never pairs it with the one that had the code, as long as a criterion's name and
    code do not both change at once (then it reads as a deletion and an addition)."""
    old_levels, old_parents = _shape(old)
    new_levels, new_parents = _shape(new)
    pairs = {code: code for code, fields in old.items()
             if code in new and _name_key(fields.get("name")) == _name_key(new[code].get("name"))}

    def key(
        code: str, tree: Mapping[str, Mapping[str, Any]], levels: dict[str, int], parents: set[str]
    ) -> tuple[str, bool, int]:
        return _name_key(tree[code].get("name")), code not in parents, levels[code]

    departed: dict[tuple[str, bool, int], list[str]] = {}
    for code in old:
        if code not in pairs:
            departed.setdefault(key(code, old, old_levels, old_parents), []).append(code)
    taken = set(pairs.values())
    arrived: dict[int, dict[tuple[str, bool, int], list[str]]] = {}
    for code in new:
        if code not in taken:
            arrived.setdefault(new_levels[code], {}).setdefault(key(code, new, new_levels, new_parents), []).append(
                code)

    def translated_parent(code: str) -> str | None:
        parent = old[code].get("parent") or None
        return None if parent is None else pairs.get(parent, _GONE)

    for level in sorted(arrived):
        for name_key, news in arrived[level].items():
            olds = [code for code in departed.get(name_key, []) if code not in pairs]
            if not olds:
                continue
            if len(olds) == 1 and len(news) == 1:
                pairs[olds[0]] = news[0]
                continue
            matches = {n: [o for o in olds if translated_parent(o) == (new[n].get("parent") or None)] for n in news}
            for n, found in matches.items():
                if len(found) == 1 and sum(found[0] in other for other in matches.values()) == 1:
                    pairs[found[0]] = n
    taken = set(pairs.values())
    for code in old:
        if code not in pairs and code in new and code not in taken:
            pairs[code] = code
    return pairs


def _reparented(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], pairs: Mapping[str, str]
) -> list[str]:
    """The criteria (by their code in `new`, in its order) that `new` puts under another parent than `old` did, the
    old parent as `pairs` renumbers it (a parent only renumbered is no move)."""
    was = {n: o for o, n in pairs.items()}
    found = []
    for code, fields in new.items():
        if code not in was:
            continue
        old_parent = old[was[code]].get("parent") or None
        parent = None if old_parent is None else pairs.get(old_parent, _GONE)
        if parent != (fields.get("parent") or None):
            found.append(code)
    return found


def _moves(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], pairs: Mapping[str, str]
) -> set[str]:
    """The criteria (by their code in `new`) that `new` puts under another parent (the old parent as `pairs`
    renumbers it), or out of order among the siblings they keep: of «a, b, c» made «b, a, c», one criterion moved
    (not every one whose number among its siblings shifts, as happens when a criterion before it is added or
    removed)."""
    was = {n: o for o, n in pairs.items()}
    moved = set(_reparented(old, new, pairs))
    old_places = _places(old)
    siblings: dict[Any, list[str]] = {}
    for code, fields in new.items():
        if code in was and code not in moved:
            siblings.setdefault(fields.get("parent") or None, []).append(code)
    for codes in siblings.values():
        rank = {code: old_places[was[code]][1] for code in codes}
        moved |= set(codes) - _kept_in_order(codes, rank)
    return moved


def _place_text(place: tuple[Any, int]) -> str:
    parent, number = place
    if parent is None:
        return _("lĩnh vực thứ %(n)s") % {"n": number}
    return _("thứ %(n)s trong «%(parent)s»") % {"n": number, "parent": parent}


def tree_diff(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], pairs: Mapping[str, str] | None = None
) -> TreeDiff:
    """What replacing the tree `old` by `new` (each `_tree_by_code`) changes, criterion by criterion (`pairs`, by
    default `pair_criteria`). A new parent is a move (listed with the place it leaves and the place it takes), not
    a changed field; a new code is a renumbering."""
    pairs = dict(pairs if pairs is not None else pair_criteria(old, new))
    diff = TreeDiff(pairs=pairs)
    was = {n: o for o, n in pairs.items()}
    moved = _moves(old, new, pairs)
    old_places, new_places = _places(old), _places(new)
    for code, fields in new.items():
        name = str(fields.get("name") or "")
        old_code = was.get(code)
        if old_code is None:
            diff.added.append(CriterionChange(code=code, name=name))
            continue
        before = old[old_code]
        differing = [
            FieldChange(name=field_name, label=_field_label(field_name), old=_field_shown(field_name, before),
                        new=_field_shown(field_name, fields))
            for field_name in AUDITED_FIELDS
            if field_name != "parent" and before.get(field_name) != fields.get(field_name)
        ]
        if old_code != code:
            diff.renumbered.append(CriterionRenumber(old_code=old_code, code=code, name=name))
        if differing:
            diff.modified.append(CriterionChange(code=code, name=name, fields=differing, old_code=old_code))
        if code in moved:
            diff.moved.append(CriterionMove(code=code, name=name, old=_place_text(old_places[old_code]),
                                            new=_place_text(new_places[code]), old_code=old_code))
        if not differing and code not in moved and old_code == code:
            diff.unchanged += 1
    diff.removed = [
        CriterionChange(code=code, name=str(fields.get("name") or ""))
        for code, fields in old.items()
        if code not in pairs
    ]
    return diff


def _recorded(value: Any) -> tuple[Any, int]:
    """A field's value as the audit entry records it, with its size: as the criterion editor records it (points
    as text, «0.50»), cut to MAX_AUDITED_VALUE characters (parameters too long then kept as their cut JSON)."""
    if isinstance(value, Decimal):
        value = str(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
        if len(text) <= MAX_AUDITED_VALUE:
            return value, len(text)
        value = text
    if isinstance(value, str) and len(value) > MAX_AUDITED_VALUE:
        value = value[: MAX_AUDITED_VALUE - 1] + "…"
    return value, len(str(value))


def tree_changes(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], diff: TreeDiff | None = None
) -> dict[str, Any]:
    """Which criteria an import added, removed, modified and moved (`tree_diff`), for the audit entry; a modified
    criterion with the fields that differ and their old → new values (`changes`, as the criterion editor records
    them, bounded: `_recorded`, MAX_AUDITED_VALUES_TOTAL), a renumbered one with its code old → new as its first
    field («1.2 (Mã: 1.3 → 1.2)», as the editor records a code change); a moved criterion with its place old → new
    (`_moved_places`). Each list holds at most MAX_AUDITED_CODES codes and counts the others in `more`."""
    diff = diff if diff is not None else tree_diff(old, new)
    fields_of = {c.code: [f.name for f in c.fields] for c in diff.modified}
    renumbered = {c.code: c.old_code for c in diff.renumbered}
    changed = [code for code in new if code in fields_of or code in renumbered]  # in tree order
    budget = MAX_AUDITED_VALUES_TOTAL
    modified: list[dict[str, Any]] = []
    for code in changed[:MAX_AUDITED_CODES]:
        old_code = renumbered.get(code, code)
        item: dict[str, Any] = {"code": code, "fields": [*(["code"] if code in renumbered else []),
                                                         *fields_of.get(code, [])]}
        if budget > 0:
            values: dict[str, Any] = {}
            for name in item["fields"]:
                if name == "code":
                    values[name] = {"old": old_code, "new": code}
                    budget -= len(old_code) + len(code)
                    continue
                before, before_size = _recorded(old[old_code].get(name))
                after, after_size = _recorded(new[code].get(name))
                values[name] = {"old": before, "new": after}
                budget -= before_size + after_size
            item["changes"] = values
        modified.append(item)
    return {
        "indicators_added": _bounded([c.code for c in diff.added]),
        "indicators_removed": _bounded([c.code for c in diff.removed]),
        "indicators_modified": {"codes": modified, "more": max(len(changed) - MAX_AUDITED_CODES, 0)},
        "indicators_moved": _moved_places(old, new, diff.moved),
    }


def _moved_places(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], moved: list[CriterionMove]
) -> dict[str, Any]:
    """The moved criteria for the audit entry, as the modified ones are recorded: each with its place old → new,
    the parent by its code (None: an area) and its order among that parent's children (1, 2 …, as the preview's
    «thứ 2 trong «1.2»»). Both are recorded, the place being the pair; `fields` (what the audit page lists) names
    the parent only when it changed: «1.2.2 (Thứ tự: 2 → 1)», «1.2.3 (Tiêu chí cha: 1.2 → 1.1; Thứ tự: 3 → 3)»."""
    if not moved:
        return _bounded([])
    old_places, new_places = _places(old), _places(new)
    return _bounded([_place_change(c.code, old_places[c.old_code or c.code], new_places[c.code]) for c in moved])


def _place_change(code: str, before: tuple[Any, int], after: tuple[Any, int]) -> dict[str, Any]:
    (old_parent, old_order), (new_parent, new_order) = before, after
    return {
        "code": code,
        "fields": ["parent", "order"] if old_parent != new_parent else ["order"],
        "changes": {"parent": {"old": old_parent, "new": new_parent}, "order": {"old": old_order, "new": new_order}},
    }


@dataclass
class TreeImport:
    """The outcome of an import or its dry run: per-row problems, warnings on the whole tree, rows read."""

    rows: int
    created: int = 0
    row_errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # the set check's warnings: worth a look, never blocking
    dry_run: bool = True
    changes: TreeDiff | None = None  # what the file changes in the tree (when every row is valid)
    # the optional columns the file does not have (by their headers): their fields are left as they are
    absent_columns: list[str] = field(default_factory=list)
    # the set this one was cloned from, when the import records its renumbered criteria as mappings from it
    mapped_from: IndicatorSet | None = None
    mappings_recorded: int = 0

    @property
    def ok(self) -> bool:
        return not self.row_errors


# The columns a file may leave out: a criterion already in the set keeps its value of each, a new one takes the
# default. (The unit import reads a missing optional column the same way: «không đổi».)
OPTIONAL_COLUMNS = (
    "floor", "evidence_required", "allow_not_applicable", "on_time_submission", "source", "guidance",
    "coordinating_department",
)


def _file_tree(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The criteria of a file's rows by code, with their parent's code and name (as `_tree_by_code`, enough for
    `pair_criteria`); the first row of a code duplicated (refused anyway) defines it."""
    tree: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = str(row.get("code") or "").strip()
        if code and code not in tree:
            tree[code] = {"parent": str(row.get("parent_code") or "").strip() or None, "name": row.get("name")}
    return tree


def _with_kept_columns(
    rows: list[Mapping[str, Any]], absent: Iterable[str], old: Mapping[str, Mapping[str, Any]],
    pairs: Mapping[str, str], file_tree: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The rows with each column the file lacks filled in, for a criterion already in the set, with its value now
    (what `clean_rows` reads back as that value); a new criterion's cell stays missing (the default). Whether a
    criterion needs evidence follows a leaf's or a group's default when it turns from one into the other."""
    was = {n: o for o, n in pairs.items()}
    _levels, old_parents = _shape(old)
    _levels, new_parents = _shape(file_tree)
    filled = []
    for row in rows:
        row = dict(row)
        code = str(row.get("code") or "").strip()
        before = old.get(was.get(code, ""))
        if before is not None:
            same_shape = (was[code] in old_parents) == (code in new_parents)
            for name in absent:
                if name == "evidence_required" and not same_shape:
                    continue
                value = before.get(name)
                row[name] = str(value) if isinstance(value, Decimal) else value
        filled.append(row)
    return filled


def indicator_set_tree_import(
    *, indicator_set: IndicatorSet, rows: Iterable[Mapping[str, Any]], actor: Any, dry_run: bool, file_set: str = "",
) -> TreeImport:
    """Replace a draft set's whole tree with the rows of an Excel file (the official annex).

    Every row is checked first; the resource then imports inside a savepoint that is rolled back on a dry
    run or when any row failed, so nothing is written unless every row is valid. An optional column the file
    lacks leaves that field of each criterion as it is (`OPTIONAL_COLUMNS`). A criterion the file renumbers is
    recognised (`pair_criteria`); in a set cloned from an older one, applying the file records the mappings from
    that set, as the editor does for a code changed on screen (`clone_mappings_follow`), each audited; each
    criterion recognised keeps the criterion it was cloned from (`_keep_links`), a new one has none; the criteria of
    a set cloned from this one point at the criterion recreated for the one they were copied from
    (`_keep_clones_links`), and at none when the file removed it. `file_set`: the key of another set the file was
    exported from (confirmed by the administrator), recorded in the audit entry.
    """
    import tablib

    from scoring.administration.resources import COLUMN_HEADERS, COLUMNS, IndicatorResource, clean_rows
    from scoring.administration.selectors import indicator_set_report
    from scoring.administration.services.mappings import clone_mappings_follow, clone_origins, clone_source

    rows = list(rows)
    with transaction.atomic():
        _ensure_editable(indicator_set)
        outcome = TreeImport(rows=len(rows), dry_run=dry_run)
        if not rows:
            outcome.row_errors.append({"row": 0, "messages": [_("Tệp không có dòng dữ liệu nào.")]})
            return outcome
        old_tree = _tree_by_code(indicator_set)
        absent = [name for name in OPTIONAL_COLUMNS if not any(name in row for row in rows)]
        outcome.absent_columns = [str(COLUMN_HEADERS[COLUMNS.index(name)]) for name in absent]
        if absent:
            file_tree = _file_tree(rows)
            rows = _with_kept_columns(rows, absent, old_tree, pair_criteria(old_tree, file_tree), file_tree)
        clean, errors = clean_rows(rows)
        headers = ["row", *COLUMNS]
        dataset = tablib.Dataset(*[[r[h] for h in headers] for r in clean], headers=headers)
        savepoint = transaction.savepoint()
        old_count = indicator_set.indicators.count()
        source = clone_source(indicator_set)
        origins = clone_origins(indicator_set, source) if source is not None else {}
        links: dict[str, int] = {
            code: origin
            for code, origin in indicator_set.indicators.filter(cloned_from__isnull=False).values_list(
                "code", "cloned_from"
            )
            if origin is not None
        }
        # the criteria of the sets cloned from this one, by the code of the criterion each was copied from: deleting
        # the tree empties their links (SET_NULL), which `_keep_clones_links` sets again on the recreated criteria
        clones_links = list(
            Indicator.objects.filter(cloned_from__indicator_set=indicator_set).values_list("pk", "cloned_from__code")
        )
        indicator_set.indicators.all().delete()
        resource = IndicatorResource(indicator_set=indicator_set, row_errors=errors)
        result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=False)
        for invalid in result.invalid_rows:
            messages = [str(m) for ms in invalid.error_dict.values() for m in ms]
            outcome.row_errors.append({"row": int(dataset[invalid.number - 1][0]), "messages": messages})
        for number, row_errors in result.row_errors():
            outcome.row_errors.append(
                {"row": int(dataset[number - 1][0]), "messages": [str(e.error) for e in row_errors]}
            )
        outcome.row_errors.sort(key=lambda e: e["row"])
        if outcome.ok:
            outcome.created = indicator_set.indicators.count()
            report = indicator_set_report(indicator_set=indicator_set)
            outcome.warnings = report.problems
            outcome.notices = [w.text for w in report.warnings]
            new_tree = _tree_by_code(indicator_set)
            pairs = pair_criteria(old_tree, new_tree)
            if reparented := _reparented(old_tree, new_tree, pairs):
                _place_by_code(indicator_set, reparented)
                new_tree = _tree_by_code(indicator_set)
            outcome.changes = tree_diff(old_tree, new_tree, pairs)
            _keep_links(indicator_set, links, outcome.changes.pairs)
            _keep_clones_links(indicator_set, clones_links, outcome.changes.pairs)
            if source is not None and outcome.changes.renumbered:
                outcome.mapped_from = source
        if dry_run or not outcome.ok:
            transaction.savepoint_rollback(savepoint)
            return outcome
        transaction.savepoint_commit(savepoint)
        _renumber(indicator_set)
        assert outcome.changes is not None
        _audit_set(
            actor,
            "indicator_set.import_xlsx",
            indicator_set,
            {"indicators": {"old": old_count, "new": outcome.created},
             **({"file_set": file_set} if file_set else {}),
             **tree_changes(old_tree, new_tree, outcome.changes)},
        )
        if source is not None:
            # each criterion keeps the origin it had in the source, under the code the file gives it
            followed = {origins[old_code]: new_code for old_code, new_code in outcome.changes.pairs.items()
                        if old_code in origins}
            outcome.mappings_recorded = clone_mappings_follow(
                indicator_set, source=source, origins=followed, codes={*old_tree, *new_tree}, actor=actor)
    return outcome


def _place_by_code(indicator_set: IndicatorSet, codes: list[str]) -> None:
    """The criteria (by code) a file puts under another parent take their place among their new siblings by code, as
    a criterion moved on the tree's page does (`_order_by_code`), not the place of their rows in the file: «3.2»
    written below «3.3» stands between «3.1» and «3.3»; last when its code does not start with its new parent's.
    Three queries per criterion, then the tree numbered again."""
    nodes = {node.code: node for node in indicator_set.indicators.filter(code__in=codes).select_related("parent")}
    for code in codes:
        node = nodes[code]
        order = _order_by_code(indicator_set, node.parent, code, exclude=node)
        Indicator.objects.filter(pk=node.pk).update(order=order)
    _renumber(indicator_set)


def _keep_links(indicator_set: IndicatorSet, links: Mapping[str, int], pairs: Mapping[str, str]) -> None:
    """Each criterion the file recognises (`pairs`: old code → new code) keeps the criterion of the older set it was
    copied as (`Indicator.cloned_from`), under the code the file gives it; a new one has none. Two queries."""
    kept = {new_code: links[old_code] for old_code, new_code in pairs.items() if old_code in links}
    if not kept:
        return
    nodes = list(indicator_set.indicators.filter(code__in=kept).only("pk", "code"))
    for node in nodes:
        node.cloned_from_id = kept[node.code]
    Indicator.objects.bulk_update(nodes, ["cloned_from"], batch_size=500)


def _keep_clones_links(
    indicator_set: IndicatorSet, clones_links: Iterable[tuple[int, str]], pairs: Mapping[str, str]
) -> None:
    """The criteria of the sets cloned from `indicator_set` (`clones_links`: a criterion's pk, the code in this set,
    before the file, of the criterion it was copied from) point again at the criterion of this set the file
    recognises as that one (`pairs`: old code → new code), under the code the file gives it; a criterion the file
    removed leaves its copies without a link, as deleting it on screen does. Two queries."""
    wanted = {pk: pairs[code] for pk, code in clones_links if code in pairs}
    if not wanted:
        return
    recreated = dict(indicator_set.indicators.filter(code__in=set(wanted.values())).values_list("code", "pk"))
    copies = [Indicator(pk=pk, cloned_from_id=recreated[code]) for pk, code in wanted.items() if code in recreated]
    Indicator.objects.bulk_update(copies, ["cloned_from"], batch_size=500)


# --- the file a person edits ------------------------------------------------------------------------------------

# A1 of the exported file's very hidden companion sheet, followed by the set's key and id (`indicator_set_tree_xlsx`):
# what the import reads to tell a file exported from another set (`tree_file_origin`)
TREE_MARKER = "cchc-cay-tieu-chi:v1"


@dataclass
class FileOrigin:
    """The set an uploaded tree file was exported from, when it is not the set it is imported into: its key as the
    file names it, and the set itself when it is still there."""

    key: str
    indicator_set: IndicatorSet | None = None
    # whether writing the file replaces criteria of the set it is imported into (nothing to lose in an empty set:
    # a new set started from another's file needs no confirmation)
    replaces: bool = True


def tree_file_origin(*, indicator_set: IndicatorSet, sheet: Sheet) -> FileOrigin | None:
    """The other set `sheet` was exported from, or None when it is `indicator_set`'s own export or says nothing of
    its set (a file made by hand). The export names its set on a hidden companion sheet (`TREE_MARKER`: key, id);
    a file exported before that by its worksheet's name, the set's key (cut to Excel's 31 characters), recognised
    only when it is the key of another set. A set whose key was changed since its export is still itself (its id).
    Two queries at most."""
    origin = _file_origin(indicator_set, sheet)
    if origin is not None:
        origin.replaces = indicator_set.indicators.exists()
    return origin


def _file_origin(indicator_set: IndicatorSet, sheet: Sheet) -> FileOrigin | None:
    if sheet.marked is not None:
        key = sheet.marked[0] if sheet.marked else ""
        exported_id = sheet.marked[1] if len(sheet.marked) > 1 else ""
        if not key or key == indicator_set.key:
            return None
        if exported_id == str(indicator_set.pk) and not IndicatorSet.objects.filter(key=key).exists():
            return None  # this set, renamed since the export
        return FileOrigin(key=key, indicator_set=IndicatorSet.objects.filter(key=key).first())
    title = sheet.title.strip()
    if not title or title == indicator_set.key[:31]:
        return None
    # set keys are lower-case letters, digits and hyphens: the prefix holds no wildcard of a LIKE
    for other in IndicatorSet.objects.filter(key__startswith=title).exclude(pk=indicator_set.pk).order_by("key"):
        if other.key[:31] == title:
            return FileOrigin(key=other.key, indicator_set=other)
    return None


def _example_params(method: str) -> dict[str, Any]:
    """One example of each method's parameters, as stored (the labels in the page's language)."""
    examples: dict[str, dict[str, Any]] = {
        Indicator.Method.MANUAL: {"step": "0.25"},
        Indicator.Method.LEVELS: {"options": [
            {"key": "dung_han", "label": _("Ban hành đúng hạn"), "points": "1"},
            {"key": "tre_han", "label": _("Ban hành trễ hạn"), "points": "0.5"},
            {"key": "khong_ban_hanh", "label": _("Không ban hành"), "points": "0"},
        ]},
        Indicator.Method.YES_NO: {"yes_points": "1", "no_points": "0"},
        Indicator.Method.RATIO_BANDS: {"bands": [
            {"min": "80", "inclusive": True, "points": "1"},
            {"min": "50", "inclusive": False, "points": "0.5"},
            {"min": "0", "inclusive": True, "points": "0"},
        ], "whole_numbers": True},
        Indicator.Method.PROPORTIONAL: {"threshold": "80", "below_points": "0", "whole_numbers": True},
        Indicator.Method.FORMULA: {
            "variables": [{"name": "a", "label": _("Số kiến nghị phải xử lý")},
                          {"name": "b", "label": _("Số kiến nghị đã xử lý xong")}],
            "expression": "b / a * 2.5", "on_zero_division": "2.5", "limits": ["b <= a"],
        },
        Indicator.Method.PER_OCCURRENCE: {"base": "1", "items": [
            {"key": "tre_han", "label": _("Mỗi báo cáo gửi trễ hạn"), "points": "-0.25"},
            {"key": "khong_gui", "label": _("Mỗi báo cáo không gửi"), "points": "-0.5"},
        ]},
        Indicator.Method.SURVEY: {},
    }
    return examples[Indicator.Method(method)]


def params_example(method: str) -> str:
    """One example of `method`'s parameters as the file's cell writes them (its lines joined by « ⏎ » when it has
    several, to be quoted in a sentence); «(để trống)» for a method without parameters."""
    text = params_text(method, _example_params(method))
    return " ⏎ ".join(text.splitlines()) if text else _("(để trống)")


# What the cell holds for each method, said before its example (`params_note`)
_METHOD_FORMATS = {
    Indicator.Method.MANUAL: gettext_lazy("«Bước điểm: …» (để trống: bước 0,25)"),
    Indicator.Method.LEVELS: gettext_lazy(
        "mỗi mức một dòng «[mã] nội dung = điểm»; mã giữ liên kết với điểm đã chấm, nên giữ nguyên; dòng thêm mới "
        "có thể bỏ «[mã]»: mã được đặt theo nội dung"),
    Indicator.Method.YES_NO: gettext_lazy("«Điểm khi «Có»: …; Điểm khi «Không»: …» (hoặc ngắn gọn «Có: …; Không: …»)"),
    Indicator.Method.RATIO_BANDS: gettext_lazy(
        "các mức từ ngưỡng cao xuống thấp, «≥ ngưỡng%: điểm» (tỷ lệ từ ngưỡng trở lên) hoặc «> ngưỡng%: điểm» (tỷ lệ "
        "trên ngưỡng), mức cuối «còn lại: điểm»; thêm «số nguyên» khi tử số và mẫu số là số đếm"),
    Indicator.Method.PROPORTIONAL: gettext_lazy(
        "«Ngưỡng tỷ lệ tối thiểu: …%; Điểm khi dưới ngưỡng: …» (đạt ngưỡng: điểm theo tỷ lệ của điểm tối đa); thêm "
        "«số nguyên» khi tử số và mẫu số là số đếm"),
    Indicator.Method.FORMULA: gettext_lazy(
        "mỗi dòng một mục: «Biến số <tên>: nội dung» (tên không dấu, viết liền), «Công thức: …», «Điểm khi chia cho "
        "0: …» (nếu cần), «Giới hạn giữa các số liệu: b + c <= a» (nếu cần)"),
    Indicator.Method.PER_OCCURRENCE: gettext_lazy(
        "«Điểm gốc: …» rồi mỗi trường hợp một dòng «[mã] nội dung = điểm mỗi lần» (mã như ở các mức)"),
    Indicator.Method.SURVEY: gettext_lazy("không có tham số"),
}


def params_note() -> str:
    """What the parameters column holds, method by method, with an example of each (the exported file's note on
    that header and its notes sheet, the import page's description of the column)."""
    lines = [
        _("Tham số của phương pháp chấm, viết bằng chữ với tên như trên trang sửa tiêu chí; để trống ở tiêu chí có "
          "tiêu chí con. Các mục ghi mỗi mục một dòng trong ô (Alt+Enter để xuống dòng); với Chấm điểm trực tiếp, "
          "Có/Không, Khung tỷ lệ và Tỷ lệ cũng có thể ngăn các mục bằng dấu «;». Số viết với dấu phẩy thập phân "
          "(0,5; dấu chấm cũng được nhận), không có dấu tách hàng nghìn («1.000» bị từ chối vì không rõ là một "
          "nghìn hay là một). Theo phương pháp (⏎: xuống dòng trong ô):"),
    ]
    lines += [
        _("• %(method)s: %(format)s. Ví dụ: %(example)s") % {
            "method": method.label, "format": _METHOD_FORMATS[method], "example": params_example(method)}
        for method in Indicator.Method
    ]
    lines.append(_(
        "Ô bắt đầu bằng «{» được đọc là JSON, như trong tệp xuất trước đây (khóa tiếng Anh, số viết trong ngoặc kép, "
        "ví dụ {\"step\": \"0.25\"}). Tệp xuất ra chỉ ghi JSON ở tiêu chí mà cách viết bằng chữ không diễn đạt "
        "đúng tham số đã lưu (chẳng hạn điểm lưu dạng số JSON, hoặc nội dung một mức có xuống dòng)."))
    return "\n".join(lines)


def column_help() -> list[tuple[str, str, str]]:
    """Each column of the file: its header, its key (the header of files exported before) and what it holds."""
    from scoring.administration.resources import COLUMN_HEADERS, COLUMN_LABELS, COLUMNS

    return [
        (str(header), key, params_note() if key == "params" else str(label))
        for key, header, label in zip(COLUMNS, COLUMN_HEADERS, COLUMN_LABELS, strict=True)
    ]


def indicator_set_tree_xlsx(*, indicator_set: IndicatorSet) -> bytes:
    """The set's tree as the Excel file an administrator edits and imports back: Vietnamese headers (each with a
    note), the kind, method and source by the labels the screen shows (each column with a drop-down of them),
    the parameters in Vietnamese (`params_text`), and a notes sheet describing every column."""
    from scoring.administration.resources import CHOICE_COLUMNS, COLUMNS, FLAG_COLUMNS, IndicatorResource

    dataset = IndicatorResource(indicator_set=indicator_set).export()
    positions = {name: COLUMNS.index(name) for name in (*CHOICE_COLUMNS, *FLAG_COLUMNS)}
    flag_words = [_("Có"), _("Không")]
    rows = []
    params_at, method_at = COLUMNS.index("params"), COLUMNS.index("method")
    for exported in dataset:
        row = list(exported)
        if row[params_at]:  # the JSON the resource renders, written as the person edits it (`params_text`)
            row[params_at] = params_cell(str(row[method_at] or ""), json.loads(row[params_at]))
        for name, choices in CHOICE_COLUMNS.items():
            value = row[positions[name]]
            if value in choices.values:
                row[positions[name]] = str(choices(value).label)
        for name in FLAG_COLUMNS:  # «Có» / «Không», as the screen says it (the widget renders 1 / 0)
            row[positions[name]] = flag_words[0] if str(row[positions[name]]) == "1" else flag_words[1]
        rows.append(row)
    help_rows = column_help()
    return write_sheet(
        title=indicator_set.key,
        marker=[TREE_MARKER, indicator_set.key, indicator_set.pk],
        headers=[header for header, _key, _text in help_rows],
        rows=rows,
        labels=[text for _header, _key, text in help_rows],
        comments=[text for _header, _key, text in help_rows],
        choices={
            **{positions[name]: [str(label) for label in choices.labels] for name, choices in CHOICE_COLUMNS.items()},
            **{positions[name]: flag_words for name in FLAG_COLUMNS},
        },
    )


def read_tree_sheet(uploaded: Any) -> Sheet:
    """An uploaded tree file's rows keyed by column key, whether its headers are the exported file's (in either
    language, any case or accents) or the keys (files exported before)."""
    from scoring.administration.resources import COLUMNS, REQUIRED_COLUMNS, column_aliases, column_names

    # a parent code merged down a block of rows is each row's parent (any other merge is refused: `xlsx.merge_fills`)
    sheet = read_sheet(uploaded, expected=REQUIRED_COLUMNS, aliases=column_aliases(), names=column_names(),
                       repeatable=("parent_code",), marker=TREE_MARKER)
    # a blank cell of a column the file has is that column's blank (a flag's «Không»), even at the end of a row that
    # the file stores shorter; only a column the file lacks takes its default
    present = [key for key in COLUMNS if key in sheet.headers]
    for row in sheet.rows:
        for key in present:
            row.setdefault(key, None)
    return sheet
