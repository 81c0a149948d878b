"""Which worksheet of an uploaded workbook is read: the one a person sees on opening the file."""

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
