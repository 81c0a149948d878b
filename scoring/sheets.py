"""Which worksheets of an uploaded workbook are read: the one a person sees on opening the file, and the hidden
companion that keeps the fillable cells as they were downloaded."""

from __future__ import annotations

from typing import Any


def shown_sheet(workbook: Any) -> Any:
    """The worksheet shown when the file is opened: the active one when it is visible, else the first visible
    one; None when the workbook has none. A hidden sheet is never read: what is imported must be what the person
    who checked the file saw (a hidden first sheet had been imported instead of the visible one)."""
    visible = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    try:
        active = workbook.active
    except (IndexError, KeyError):  # a workbook whose view names no sheet
        active = None
    if active is not None and active in visible:
        return active
    return visible[0] if visible else None


def downloaded_values(workbook: Any, *, marker: str, max_rows: int) -> dict[int, dict[str, Any]] | None:
    """The fillable cells of each row as the file was downloaded, by line id (with the row's `version`), from the
    workbook's companion sheet whose A1 is `marker` (`scoring.exports.DOWNLOADED_MARKER` and the assessment): row 2
    names the columns by key, each row below is one line. None when the workbook has no such sheet (a file
    downloaded before it was added, or another assessment's): then no row can be told to be left as it was."""
    for ws in workbook.worksheets:
        rows = ws.iter_rows(min_row=1, max_row=max_rows + 2, values_only=True)
        first = next(rows, ())
        if not first or str(first[0] or "") != marker:
            continue
        keys = [str(key or "") for key in next(rows, ())]
        found: dict[int, dict[str, Any]] = {}
        for values in rows:
            row = dict(zip(keys, values, strict=False))
            try:
                line_id, version = int(str(row.get("line_id"))), int(str(row.get("version")))
            except ValueError:
                continue
            row["version"] = version
            found[line_id] = row
        return found
    return None


def download_id(workbook: Any, *, marker: str) -> str:
    """The id the download wrote beside `marker` on the companion sheet (B1), or "" (a file downloaded before the
    id was written, or without the companion)."""
    for ws in workbook.worksheets:
        first = next(ws.iter_rows(min_row=1, max_row=1, max_col=2, values_only=True), ())
        if first and str(first[0] or "") == marker:
            return str((first[1] if len(first) > 1 else "") or "").strip()[:64]
    return ""
