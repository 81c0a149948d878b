"""A set's whole tree from Excel (django-import-export): a dry run lists problems row by row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from scoring.administration.services.common import _audit_set, _ensure_editable
from scoring.administration.services.tree import _renumber
from scoring.models import (
    IndicatorSet,
)

# What a criterion is, as the file states it: a change in any of these is a modified criterion in the audit
# entry (order, level and leaf-ness follow from the tree and are not listed).
AUDITED_FIELDS = (
    "parent", "name", "kind", "max_points", "floor", "method", "params", "evidence_required",
    "allow_not_applicable", "source", "guidance", "coordinating_department",
)
MAX_AUDITED_CODES = 200  # per list in the audit entry; the rest are counted


def _tree_by_code(indicator_set: IndicatorSet) -> dict[str, dict[str, Any]]:
    """Every criterion of the set by code (in tree order), with its audited fields (the parent by its code)."""
    rows = indicator_set.indicators.order_by("order", "pk").values("code", "parent__code", *AUDITED_FIELDS[1:])
    return {row["code"]: {"parent": row["parent__code"], **{f: row[f] for f in AUDITED_FIELDS[1:]}} for row in rows}


def _bounded(items: list[Any]) -> dict[str, Any]:
    return {"codes": items[:MAX_AUDITED_CODES], "more": max(len(items) - MAX_AUDITED_CODES, 0)}


def tree_changes(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Which criteria an import added, removed and modified (with the fields that differ), matched by code;
    each list holds at most MAX_AUDITED_CODES codes and counts the others in `more`."""
    added = [code for code in new if code not in old]
    removed = [code for code in old if code not in new]
    modified = []
    for code, fields in new.items():
        before = old.get(code)
        if before is not None:
            differing = [name for name in AUDITED_FIELDS if before.get(name) != fields.get(name)]
            if differing:
                modified.append({"code": code, "fields": differing})
    return {
        "indicators_added": _bounded(added),
        "indicators_removed": _bounded(removed),
        "indicators_modified": _bounded(modified),
    }


@dataclass
class TreeImport:
    """The outcome of an import or its dry run: per-row problems, warnings on the whole tree, rows read."""

    rows: int
    created: int = 0
    row_errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.row_errors


def indicator_set_tree_import(
    *, indicator_set: IndicatorSet, rows: Iterable[Mapping[str, Any]], actor: Any, dry_run: bool
) -> TreeImport:
    """Replace a draft set's whole tree with the rows of an Excel file (the official annex).

    Every row is checked first; the resource then imports inside a savepoint that is rolled back on a dry
    run or when any row failed, so nothing is written unless every row is valid.
    """
    import tablib

    from scoring.administration.resources import COLUMNS, IndicatorResource, clean_rows
    from scoring.administration.selectors import indicator_set_report

    rows = list(rows)
    with transaction.atomic():
        _ensure_editable(indicator_set)
        clean, errors = clean_rows(rows)
        outcome = TreeImport(rows=len(rows), dry_run=dry_run)
        if not rows:
            outcome.row_errors.append({"row": 0, "messages": [_("Tệp không có dòng dữ liệu nào.")]})
            return outcome
        headers = ["row", *COLUMNS]
        dataset = tablib.Dataset(*[[r[h] for h in headers] for r in clean], headers=headers)
        savepoint = transaction.savepoint()
        old_tree = _tree_by_code(indicator_set) if not dry_run else {}
        old_count = indicator_set.indicators.count()
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
            outcome.warnings = indicator_set_report(indicator_set=indicator_set).problems
        if dry_run or not outcome.ok:
            transaction.savepoint_rollback(savepoint)
            return outcome
        transaction.savepoint_commit(savepoint)
        _renumber(indicator_set)
        _audit_set(
            actor,
            "indicator_set.import_xlsx",
            indicator_set,
            {"indicators": {"old": old_count, "new": outcome.created},
             **tree_changes(old_tree, _tree_by_code(indicator_set))},
        )
    return outcome
