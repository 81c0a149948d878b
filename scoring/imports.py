"""Reading an uploaded self-assessment sheet (see `scoring.exports.self_assessment_workbook`).

The file is checked (extension, zip signature, size before and after decompression, our marker for this
assessment), every row is validated by the engine against the line it names, and the result is a preview:
the rows that change something, each with its old and new score and its errors. Nothing is written here.

A row marked «không phát sinh» keeps the leaf's figures, as the sheet page does (its fields greyed out, not emptied):
those of the row (checked by the engine), or the stored ones where its figure cells are empty; the preview says so, and
withdrawing the declaration later (on the page or in the next download, which writes them in their cells) scores the
leaf from them again.

A row whose fillable cells are still those of the download (kept on the file's hidden companion sheet) was left
as it was. When the leaf was saved on the system since and the file's cells now differ from what is stored, the row
is neither a change applied silently (it must not undo a colleague's change) nor hidden: it is listed with both
values (`ImportPreview.newer_on_system`), the system's kept unless the person chooses the file's; it blocks no other
row. Files downloaded before the companion existed are read as before: every row is compared with what is stored.

The same file uploaded again after an import of it (`earlier_imports`: the versions those imports wrote, by the
download's id the companion keeps): what they wrote is not somebody else's change. A row is compared with what is
stored, and its cell differing from it is an edit, even one back to the download's value (the file's cell is what
the person sees). A version written by anybody else in between is a change made on the system as above.

Merged cells (Excel keeps a merge's value in its top-left cell only): a merge down the note, explanation or reason
column is that text on each of its rows; any other merge over a column the import reads refuses the file, naming the
range and the column (`scoring.administration.xlsx.merge_fills`, the rule of every import).

Formulas: Excel saves the result it calculated beside each formula, and that result is what is read. A file saved by a
tool that does not calculate (openpyxl, some converters) has formulas without results, which the reader would take for
empty cells (unscoring the leaf, or skipping the row as left as downloaded): such a cell is refused, named
(`_uncalculated_formulas`).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from scoring import engine, selectors
from scoring.administration.xlsx import FileRefused, merge_fill, merge_fills, merged_ranges, yes_no_word
from scoring.errors import engine_text
from scoring.exports import (
    DOWNLOADED_MARKER,
    FIRST_DATA_ROW,
    HEADER_ROW,
    READ_ONLY_MARKER,
    SHEET_MARKER,
    TOTALS_MARKER,
    count_keys,
    downloaded_columns,
    sheet_columns,
)
from scoring.forms import field_label, number_display, points_text, value_summary
from scoring.models import Indicator
from scoring.self_rating import self_rating, sheet_rating
from scoring.sheets import download_id, downloaded_values, shown_sheet
from scoring.text import normalize_line_breaks

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 2000
MAX_TEXT = 5000
ZIP_SIGNATURE = b"PK\x03\x04"
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_DIGITS = 15  # Excel keeps and shows a number's first 15 significant digits
MAX_SHOWN = 24  # a longer number is shown in the preview as Excel shows it (1E+308), a longer text cut short
MAX_TEXT_SHOWN = 80  # an old or new note / explanation in the preview, cut short past this
# The text columns where one text may be written for a block of leaves by merging the cells down the column: read as
# that text on each row of the merge (every other merge is refused, `xlsx.merge_fills`).
REPEATABLE_COLUMNS = ("note", "explanation", "na_reason")
SHOWN_ONLY_COLUMNS = ("name", "max", "method", "how", "score")  # the sheet's columns the import does not read
# A formula's element in the sheet's XML, unprefixed or prefixed (<x:f>): a byte scan for it spares the parse of a
# sheet without formulas (every file the download writes, and nearly every upload).
FORMULA_TAGS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")
# Said of a formula saved without its result (`_uncalculated_formulas`), here and by the survey import.
MSG_UNCALCULATED_FORMULA = gettext_noop(
    "Ô %(cell)s là công thức chưa có kết quả (tệp được lưu bằng phần mềm không tính công thức): hãy mở tệp bằng "
    "Excel, lưu lại rồi tải lên, hoặc ghi thẳng giá trị vào ô."
)


class SheetRefused(Exception):
    """The upload as a whole is refused; the message says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RefusedCell:
    """One cell the import refuses: where it is, what was typed in it (as typed, never rewritten) and why."""

    cell: str  # the sheet's reference, "H12"
    code: str
    column: str
    typed: str
    message: str


@dataclass
class TextChange:
    """A note, explanation or reason the row changes, as the preview shows it: the text stored and the file's, each
    cut short; `cleared`: the file's cell is empty, so applying erases the stored text."""

    label: str
    old: str
    new: str
    cleared: bool = False


@dataclass
class ImportRow:
    """One changed row of the upload, as the preview shows it and the apply step writes it."""

    excel_row: int
    line_id: int
    version: int
    code: str
    name: str
    # The method's input; for a «không phát sinh» row, the figures the leaf keeps (None: the stored ones stay).
    value: dict[str, Any] | None
    note: str
    explanation: str
    not_applicable: bool
    not_applicable_reason: str
    old_score: str | None = None
    new_score: str | None = None
    # A penalty leaf: its points (stored positive, as the engine takes them) are shown as the amount deducted, with
    # the minus sign, as the sheet page, the report and the workbook write them.
    penalty: bool = False
    # A «không phát sinh» leaf's score as the sheet, the workbook and the report show it («KPS (tính 1,50 điểm)»),
    # before and after: the stored score of such a leaf is empty, the points it counts for are not.
    old_shown: str = ""
    new_shown: str = ""
    old_summary: str = ""
    new_summary: str = ""
    changes: list[str] = field(default_factory=list)
    text_changes: list[TextChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused_cells: list[RefusedCell] = field(default_factory=list)

    def service_row(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id, "version": self.version, "value": self.value, "note": self.note,
            "explanation": self.explanation, "not_applicable": self.not_applicable,
            "not_applicable_reason": self.not_applicable_reason,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TotalChange:
    """One total of the sheet page (an area's, the areas' sum, bonus, penalty, the index) as stored and as it will
    be once the previewed rows are applied, both computed by the engine."""

    key: str  # "area:1", "normal_total", "bonus", "penalty", "index" (the sheet page's data-total), "classification"
    label: str
    old: Decimal | str | None  # the classification as shown (`self_rating`: none while criteria are unscored)
    new: Decimal | str | None
    # the index as shown, «tạm tính» while criteria are unscored (`self_rating`); empty for the other totals
    old_shown: str = ""
    new_shown: str = ""

    @property
    def changed(self) -> bool:
        return self.old != self.new or self.old_shown != self.new_shown


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    unchanged: int
    file_errors: list[str] = field(default_factory=list)
    # The rows left as downloaded whose leaf was changed on the system since and now differs from the file: the
    # system's value is kept unless the person chooses the file's (old: stored, new: the file's; `version` the
    # stored one, so that a later save by anybody makes the choice stale).
    newer_on_system: list[ImportRow] = field(default_factory=list)
    # The codes of the self-scored leaves with no row in the file (deleted rows): their stored values are kept.
    missing: list[str] = field(default_factory=list)
    # The download's id (B1 of the companion sheet; "" for an older file): what the same file uploaded again is
    # known by (`earlier_imports` of `read_sheet`).
    download_id: str = ""
    # The sheet's totals before and after applying; empty when nothing can be applied (no row, or errors).
    totals: list[TotalChange] = field(default_factory=list)

    @property
    def refused_cells(self) -> list[RefusedCell]:
        """Every refused cell of the file, in the sheet's order: the list to fix in one go."""
        return [cell for row in self.rows for cell in row.refused_cells]

    @property
    def choosable(self) -> list[ImportRow]:
        """The rows changed on the system since the download whose file value may be chosen (no error)."""
        return [row for row in self.newer_on_system if not row.errors]

    @property
    def error_count(self) -> int:
        """Rows with errors (a file error names one row; a row may have several messages)."""
        return len(self.file_errors) + sum(1 for r in self.rows if r.errors)


def _clean_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.strftime("%d/%m/%Y")
    text = normalize_line_breaks(unicodedata.normalize("NFC", str(raw)))
    if text.startswith("'") and text[1:].startswith(DANGEROUS_STARTS):
        text = text[1:]  # the apostrophe the export added
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def _cell_value(raw: Any) -> Any:
    """A number cell as the engine takes it (int, Decimal via text for floats, or text as typed)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return _("Có") if raw else _("Không")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        # As Excel shows it: 0.1 + 0.65 is stored as 0.7500000000000001 and shown as 0.75.
        if not math.isfinite(raw):
            return repr(raw)  # the engine refuses it as not finite
        return format(Decimal(format(raw, f".{EXCEL_DIGITS}g")), "f")
    text = _clean_text(raw)
    return text or None


def _check_file(uploaded: Any) -> None:
    name = str(getattr(uploaded, "name", "") or "")
    if not name.lower().endswith(".xlsx"):
        raise SheetRefused(_("Chỉ nhận tệp Excel .xlsx (tệp phiếu tự chấm đã tải về)."))
    size = int(getattr(uploaded, "size", 0) or 0)
    if size == 0:
        raise SheetRefused(_("Tệp rỗng."))
    if size > MAX_UPLOAD_BYTES:
        raise SheetRefused(_("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    handle: IO[bytes] = uploaded
    handle.seek(0)
    if handle.read(4) != ZIP_SIGNATURE:
        raise SheetRefused(_("Tệp không phải là tệp Excel .xlsx hợp lệ."))
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise SheetRefused(_("Tệp Excel bị hỏng, không đọc được.")) from exc
    if "xl/workbook.xml" not in names:
        raise SheetRefused(_("Tệp không phải là tệp Excel .xlsx hợp lệ."))
    if total > MAX_UNCOMPRESSED_BYTES:
        raise SheetRefused(_("Tệp Excel quá lớn khi giải nén."))
    handle.seek(0)


def _yes(raw: Any) -> bool | None:
    """«Không phát sinh»: blank is no, else the yes/no words every import reads (`xlsx.yes_no_word`)."""
    if not _clean_text(raw):
        return False
    return yes_no_word(_clean_text(raw) if isinstance(raw, str) else raw)


def _option_key(ind: Indicator, raw: Any) -> Any:
    text = _clean_text(raw)
    if not text:
        return None
    options = (ind.params or {}).get("options") or []
    for option in options:
        if str(option.get("key")) == text:
            return text
    # A label as the sheet's drop-down wrote it and the cell gives it back, read the way every cell is read
    # (composed accents, no edge spaces): a set file may store it decomposed or with a trailing space.
    for option in options:
        if _clean_text(option.get("label") or "").casefold() == text.casefold():
            return str(option.get("key"))
    return text  # the engine refuses it with its message


def _value_from_cells(ind: Indicator, cells: dict[str, Any]) -> dict[str, Any] | None:
    method = ind.method
    if method == Indicator.Method.MANUAL:
        points = _cell_value(cells.get("points"))
        return None if points is None else {"points": points}
    if method == Indicator.Method.LEVELS:
        key = _option_key(ind, cells.get("option"))
        return None if key is None else {"option": key}
    if method == Indicator.Method.YES_NO:
        answer = _cell_value(cells.get("yes_no"))
        if answer is None:
            return None
        # «x» as every import reads it (`xlsx.yes_no_word`); any other text goes to the engine, which names it
        flag = yes_no_word(answer) if isinstance(answer, str) else None
        return {"value": answer if flag is None else flag}
    if method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        numerator, denominator = _cell_value(cells.get("numerator")), _cell_value(cells.get("denominator"))
        if numerator is None and denominator is None:
            return None
        value = {}
        if numerator is not None:
            value["numerator"] = numerator
        if denominator is not None:
            value["denominator"] = denominator
        return value
    if method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
        counts = {}
        for i, (key, _label) in enumerate(count_keys(ind), start=1):
            raw = _cell_value(cells.get(f"count{i}"))
            if raw is not None:
                counts[key] = raw
        return {"counts": counts} if counts else None
    return None


VALUE_COLUMNS = ("points", "option", "yes_no", "numerator", "denominator")
TEXT_COLUMNS = ("note", "explanation", "na_reason")


def _compared(key: str, raw: Any) -> Any:
    """A fillable cell as the import reads it, to tell whether the person changed it since the download: a text
    as read (an edge space or a line break's kind is no change), «Không phát sinh» as yes or no, a number as a
    number (45 and 45.0 alike: a spreadsheet may write either), any other text as typed, case aside."""
    if key == "na":
        return _yes(raw)
    if key in TEXT_COLUMNS:
        return _clean_text(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            return Decimal(str(_cell_value(raw)))
        except InvalidOperation:  # not finite
            return repr(raw)
    value = _cell_value(raw)
    return value.casefold() if isinstance(value, str) else value


def _left_as_downloaded(
    cells: dict[str, Any], version: int, downloaded: dict[str, Any] | None, fillable: Sequence[str]
) -> bool:
    """Whether every fillable cell of the row is what the download wrote in it (False when that is not known)."""
    if downloaded is None or downloaded.get("version") != version or any(k not in downloaded for k in fillable):
        return False
    return all(_compared(key, cells.get(key)) == _compared(key, downloaded[key]) for key in fillable)


def _value_columns(ind: Indicator) -> list[str]:
    """The sheet's columns that hold this leaf's value (its method's input)."""
    method = ind.method
    if method == Indicator.Method.MANUAL:
        return ["points"]
    if method == Indicator.Method.LEVELS:
        return ["option"]
    if method == Indicator.Method.YES_NO:
        return ["yes_no"]
    if method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        return ["numerator", "denominator"]
    if method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
        return [f"count{i}" for i in range(1, len(count_keys(ind)) + 1)]
    return []


@dataclass
class _RowCells:
    """One data row's cells by column key, with what names them: a refused cell is listed by its reference."""

    values: dict[str, Any]
    letters: dict[str, str]  # column key -> column letter
    headers: dict[str, str]
    excel_row: int

    def typed(self, key: str) -> str:
        """The cell as the person typed it: a text never rewritten («1.000» stays «1.000»), a number cell as
        Excel shows it; only a very long one is cut short."""
        raw = self.values.get(key)
        if isinstance(raw, str):
            text = _clean_text(raw)
            return text if len(text) <= MAX_SHOWN * 2 else f"{text[:MAX_SHOWN * 2]}…"
        value = _cell_value(raw)
        return "" if value is None else number_display(_shown(value))

    def refuse(self, row: ImportRow, key: str, message: str) -> None:
        row.errors.append(message)
        row.refused_cells.append(RefusedCell(
            cell=f"{self.letters[key]}{self.excel_row}", code=row.code, column=self.headers[key],
            typed=self.typed(key), message=message,
        ))


def _mentions_formulas(part: IO[bytes]) -> bool:
    """Whether the sheet's XML may hold a formula (a byte scan, no XML parsed). A part not in UTF-8 (its first bytes
    a UTF-16 mark, or a NUL) is always parsed."""
    head = part.read(4)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        return True
    longest = max(len(tag) for tag in FORMULA_TAGS)
    tail = head
    while True:
        chunk = part.read(1 << 20)
        if any(tag in tail + chunk for tag in FORMULA_TAGS):
            return True
        if not chunk:
            return False
        tail = chunk[-longest:]


def _uncalculated_formulas(workbook: Any, ws: Any) -> dict[tuple[int, int], tuple[str, str]]:
    """The cells of `ws` (opened read-only) holding a formula saved without its result, by (row, column), each with
    its reference and its formula as typed («H30», «=0.5+0.25»). The reader in `data_only` mode gives such a cell as
    empty; Excel's own files keep every result, so a cell listed here comes from a tool that does not calculate. A
    formula whose result is an empty text (`t="str"` with an empty value) is one Excel calculated: not listed."""
    archive, path = getattr(workbook, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or not path:
        return {}
    found: dict[tuple[int, int], tuple[str, str]] = {}
    try:
        with archive.open(path) as part:
            if not _mentions_formulas(part):
                return {}
        row_number, column = 0, 0
        with archive.open(path) as part:
            for event, element in iterparse(part, events=("start", "end")):
                tag = element.tag.rsplit("}", 1)[-1]
                if event == "start":
                    if tag == "row":  # a row or a cell may leave out its reference: it is the next one
                        row_number = int(element.get("r") or row_number + 1)
                        column = 0
                    continue
                if tag == "c":
                    ref = element.get("r")
                    column = column_index_from_string(coordinate_from_string(ref)[0]) if ref else column + 1
                    children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                    formula, value = children.get("f"), children.get("v")
                    if formula is not None and (value is None or (not value.text and element.get("t") != "str")):
                        found[(row_number, column)] = (f"{get_column_letter(column)}{row_number}",
                                                       f"={formula.text or ''}")
                elif tag == "row":
                    element.clear()  # keep the memory flat
    except (KeyError, ValueError, ParseError, DefusedXmlException, zipfile.BadZipFile, OSError) as exc:
        raise SheetRefused(_("Tệp Excel bị hỏng, không đọc được.")) from exc
    return found


def _refuse_uncalculated(row: ImportRow, cells: _RowCells, blank: list[tuple[str, str, str]]) -> None:
    """Refuse the row's formulas saved without their results: (column key, the cell's reference, the formula)."""
    for key, ref, formula in blank:
        row.errors.append(_(MSG_UNCALCULATED_FORMULA) % {"cell": ref})
        row.refused_cells.append(RefusedCell(
            cell=ref, code=row.code, column=cells.headers[key],
            typed=formula if len(formula) <= MAX_SHOWN * 2 else f"{formula[:MAX_SHOWN * 2]}…",
            message=_("Công thức chưa có kết quả (tệp được lưu bằng phần mềm không tính công thức): hãy mở tệp bằng "
                      "Excel, lưu lại rồi tải lên, hoặc ghi thẳng giá trị vào ô."),
        ))


def _refuse_misplaced_values(row: ImportRow, ind: Indicator, cells: _RowCells) -> None:
    """A value in a column the leaf's method does not read would be silently dropped (moving a score to the
    wrong column would unscore the leaf): say which column the leaf uses instead."""
    headers = cells.headers
    used = _value_columns(ind)
    others = [k for k in headers if (k in VALUE_COLUMNS or k.startswith("count")) and k not in used]
    expected = ", ".join(_("«%(name)s»") % {"name": headers[k]} for k in used)  # quoted as the language quotes
    for key in others:
        raw = cells.values.get(key)
        if raw is None or (isinstance(raw, str) and not _clean_text(raw)):
            continue
        cells.refuse(row, key, _("Cột «%(column)s» không dùng cho tiêu chí này; hãy ghi ở cột %(expected)s.")
                     % {"column": headers[key], "expected": expected})


def _field_columns(ind: Indicator) -> dict[str, str]:
    """The engine's field of a value (as its refusals name it) -> the sheet column it is typed in."""
    fields = {"points": "points", "option": "option", "value": "yes_no", "numerator": "numerator",
              "denominator": "denominator"}
    fields.update({f"counts.{key}": f"count{i}" for i, (key, _label) in enumerate(count_keys(ind), start=1)})
    return fields


def _refuse_numbers(row: ImportRow, ind: Indicator, cells: _RowCells) -> bool:
    """Check every number cell of the leaf on its own, as the engine reads it, so that each refused cell is
    named (the engine stops at the first); True when one is refused."""
    method = ind.method
    refused = False
    if method == Indicator.Method.MANUAL:
        checks = [("points", "points", False)]
    elif method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        checks = [("numerator", "numerator", False), ("denominator", "denominator", False)]
    elif method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
        checks = [(f"count{i}", f"counts.{key}", True) for i, (key, _label) in enumerate(count_keys(ind), start=1)]
    else:
        checks = []
    # A ratio's two terms and every count of a formula are needed once one of them is filled (a list of
    # occurrences reads an empty count as 0): an empty one is named with the others, not after they are fixed.
    required = method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL, Indicator.Method.FORMULA)
    entered = any(_cell_value(cells.values.get(key)) is not None for key, _field, _count in checks)
    for key, engine_field, is_count in checks:
        value = _cell_value(cells.values.get(key))
        if value is None:
            if required and entered:
                cells.refuse(row, key, _missing_text(ind, key, cells))
                refused = True
            continue
        try:
            if is_count:
                # a negative or fractional count is named as the sheet names it («b: Số tồn tại…»)
                engine.to_count(value, field=engine_field, label=field_label(ind, engine_field))
            else:
                engine.to_decimal(value, field=engine_field, refuse_groups=True)
        except engine.EngineError as exc:
            cells.refuse(row, key, engine_text(exc))
            refused = True
    return refused


def _missing_text(ind: Indicator, column: str, cells: _RowCells) -> str:
    """An empty cell the value needs, named as the sheet names its column («Mẫu số»; a count with what it counts,
    «Số liệu 1 (Số vấn đề phát hiện)»), in the words the sheet page uses; the engine names its own field
    («counts.a»), which the person never sees."""
    label = cells.headers[column]
    if column.startswith("count"):
        counted = dict(enumerate((name for _key, name in count_keys(ind)), start=1)).get(int(column[5:]))
        if counted:
            label = f"{label} ({counted})"
    return _("Hãy nhập «%(label)s».") % {"label": label}


def _typed_summary(ind: Indicator, value: dict[str, Any], cells: _RowCells) -> str:
    """A refused value in words with each cell as typed (value_summary would write «1.000» as «1,000»)."""
    method = ind.method
    if method == Indicator.Method.MANUAL:
        return points_text(cells.typed("points"))
    if method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        return f"{cells.typed('numerator') or '?'} / {cells.typed('denominator') or '?'}"
    if method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
        # An empty count is missing in a formula («?», as an empty ratio term), 0 in a list of occurrences (the
        # engine reads it so).
        empty = "?" if method == Indicator.Method.FORMULA else "0"
        return "; ".join(f"{label}: {cells.typed(f'count{i}') or empty}"
                         for i, (_key, label) in enumerate(count_keys(ind), start=1))
    return value_summary(ind, _shown(value))


def _shown(value: Any) -> Any:
    """The value as the preview shows it: a number too long to read as Excel writes it (1E+308), a long text
    cut short. Only for display: the engine checks (and refuses) the value as read."""
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    if isinstance(value, (int, str)) and not isinstance(value, bool) and len(str(value)) > MAX_SHOWN:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return f"{str(value)[:MAX_SHOWN]}…"
        return format(number.normalize(), "E") if number.is_finite() else str(value)
    return value


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_TEXT_SHOWN else f"{flat[:MAX_TEXT_SHOWN]}…"


def _kps_summary(ind: Indicator, figures: dict[str, Any] | None) -> str:
    """A «không phát sinh» leaf in words, with the figures it keeps for when the declaration is withdrawn."""
    if not figures:
        return _("Không phát sinh")
    return _("Không phát sinh (giữ số liệu đã nhập: %(figures)s, dùng lại khi bỏ «không phát sinh»)") % {
        "figures": value_summary(ind, figures)}


def _score_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _compare(
    row: ImportRow, leaf: selectors.LeafRow, cells: _RowCells, *, index_mode: str, numbers_refused: bool = False,
    edited: bool = False,
) -> None:
    """Validate the row with the engine and list what it changes (row.changes empty: nothing changes).
    With `numbers_refused` a number cell is already refused (and named): the engine would only repeat it.
    `edited`: the row is known to have been edited in the file (its downloaded cells are known and differ)."""
    ind, line = leaf.indicator, leaf.line
    row.old_score = _score_text(line.self_score)
    row.old_summary = _kps_summary(ind, line.self_value) if line.not_applicable else value_summary(ind, line.self_value)
    if line.not_applicable:
        row.old_shown = leaf.na_shown or selectors.not_applicable_shown(indicator=ind, index_mode=index_mode)
    # The row's figures, checked by the engine whether they count or are kept for a «không phát sinh» leaf.
    normalized: dict[str, Any] | None = None
    if row.value is not None and numbers_refused:
        row.new_summary = _typed_summary(ind, row.value, cells)
    elif row.value is not None:
        try:
            score, normalized = engine.score_and_normalize(selectors.leaf_rule(ind), row.value)
            row.new_score = _score_text(score)
            row.new_summary = value_summary(ind, normalized)
        except engine.EngineError as exc:
            column = _field_columns(ind).get(str(getattr(exc, "field", None) or ""))
            if column is not None and column in cells.letters:
                cells.refuse(row, column, _missing_text(ind, column, cells) if exc.code == "missing_value"
                             else engine_text(exc))
            else:
                row.errors.append(engine_text(exc))
            row.new_summary = _typed_summary(ind, row.value, cells)
    else:
        row.new_summary = value_summary(ind, None)
    if row.not_applicable:
        # Declared «không phát sinh»: no score of its own. Its figures are kept, as the sheet page keeps them (its
        # fields greyed out, not emptied), so that withdrawing the declaration scores the leaf again: those of the
        # row, or, where its figure cells are empty, those stored.
        row.new_score = None
        if not ind.allow_not_applicable:
            # The leaf cannot be KPS at all: a missing reason would only be a second error for the same cell's choice.
            cells.refuse(row, "na", _("Tiêu chí này không cho phép chọn «không phát sinh»."))
            row.new_summary = _("Không phát sinh")
        else:
            row.new_shown = selectors.not_applicable_shown(indicator=ind, index_mode=index_mode)
            if not row.not_applicable_reason:
                cells.refuse(row, "na_reason", _("Hãy nêu lý do không phát sinh."))
            if row.value is None or normalized is not None:  # else: the figures as typed, refused
                row.new_summary = _kps_summary(ind, line.self_value if row.value is None else normalized)
        row.value = normalized  # None: the service keeps the stored figures
        if row.not_applicable == line.not_applicable and normalized is not None and normalized != line.self_value:
            row.changes.append(_("Số liệu"))
    if row.not_applicable != line.not_applicable or (not row.not_applicable and normalized != line.self_value):
        row.changes.append(_("Điểm"))
    # Texts stored before line breaks were normalised may hold CR+LF: the same text is not a change.
    texts = [(_("Ghi chú"), row.note, line.self_note), (_("Giải trình"), row.explanation, line.explanation)]
    if row.not_applicable:
        texts.insert(0, (_("Lý do không phát sinh"), row.not_applicable_reason, line.not_applicable_reason))
    for label, new, stored in texts:
        old = normalize_line_breaks(stored or "")
        if new != old:
            row.changes.append(label)
            # shown old → new, so that what applying erases is seen before it is applied
            row.text_changes.append(TextChange(label=label, old=_cut(old), new=_cut(new), cleared=not new))
    if not row.not_applicable and line.not_applicable and (line.not_applicable_reason or "").strip():
        # the leaf counts again: its reason is dropped on writing (the change is listed as «Điểm»)
        row.text_changes.insert(0, TextChange(label=_("Lý do không phát sinh"),
                                              old=_cut(normalize_line_breaks(line.not_applicable_reason)), new="",
                                              cleared=True))
    if row.errors and not row.changes:
        row.changes.append(_("Điểm"))
    if row.changes and row.version != line.version and edited:
        # Edited on both sides: neither overwrites the other. The rows left as downloaded are skipped, so putting
        # this one back as it was lets the others be applied.
        row.errors.append(
            _("Tiêu chí này đã được sửa trên hệ thống sau khi tải tệp về (phiên bản %(old)s → %(new)s), và dòng này "
              "cũng được sửa trong tệp. Hãy sửa tiêu chí này trên trang; để nhập các dòng còn lại, trả các ô của dòng "
              "này về như lúc tải về (hoặc tải phiếu mới).") % {"old": row.version, "new": line.version}
        )
    elif row.changes and row.version != line.version:
        row.errors.append(
            _("Tiêu chí này đã được sửa trên hệ thống sau khi tải tệp về (phiên bản %(old)s → %(new)s); "
              "hãy tải phiếu mới.") % {"old": row.version, "new": line.version}
        )


def _figures(
    sheet: selectors.AssessmentSheet, comp: engine.IndexComputation, scores: dict[str, engine.LeafScore]
) -> list[tuple[str, str, Decimal]]:
    """(key, label, value) of the totals the sheet page shows, computed as `selectors.assessment_sheet` does."""
    figures = []
    for block in sheet.areas:
        area = block.area
        if area.code in comp.area_totals:
            total = comp.area_totals[area.code]
        else:  # a bonus or penalty area: its capped sum
            total, _maximum = selectors.subtree_total(sheet.rules, area.code, scores)
        figures.append((f"area:{area.code}", f"{area.code}. {area.name}", total))
    figures += [
        ("normal_total", _("Điểm các lĩnh vực"), comp.normal_total),
        ("bonus", _("Điểm cộng"), comp.bonus),
        ("penalty", _("Điểm trừ"), comp.penalty),
        ("index", _("Chỉ số tự đánh giá"), comp.index),
    ]
    return figures


def _totals(sheet: selectors.AssessmentSheet, rows: Sequence[ImportRow]) -> list[TotalChange]:
    """The sheet's totals as stored and once `rows` are written, both by the engine from the leaves' scores (a KPS
    leaf counts for the points the engine credits it): what the preview announces is what the page shows after."""
    old_scores = {
        r.indicator.code: engine.LeafScore(score=r.line.self_score, not_applicable=r.line.not_applicable)
        for r in sheet.leaves
    }
    new_scores = dict(old_scores)
    for row in rows:
        code = sheet.by_line[row.line_id].indicator.code
        score = None if row.not_applicable or row.new_score is None else Decimal(row.new_score)
        new_scores[code] = engine.LeafScore(score=score, not_applicable=row.not_applicable)
    try:
        new_comp = engine.compute_index(sheet.rules, new_scores)
    except engine.ScoringInputError:  # percent mode with nothing left applicable: no index to announce
        return []
    old = _figures(sheet, sheet.computation, old_scores)
    new = _figures(sheet, new_comp, new_scores)
    # the index and its class as the sheet's summary shows them: provisional, and no class, while criteria the unit
    # scores are unscored (a KPS one counts as scored)
    own = [r.indicator.code for r in sheet.leaves if r.self_scored]
    scored = sum(1 for code in own if new_scores[code].not_applicable or new_scores[code].score is not None)
    before = sheet_rating(sheet)
    after = self_rating(index=new_comp.index, classification=new_comp.classification, scored=scored, total=len(own))
    changes = [TotalChange(key=key, label=label, old=was, new=will)
               for (key, label, was), (_key, _label, will) in zip(old, new, strict=True)]
    for change in changes:
        if change.key == "index":
            change.old_shown, change.new_shown = before.index_shown, after.index_shown
    return [
        *changes,
        TotalChange(key="classification", label=_("Xếp loại tự đánh giá"), old=before.classification,
                    new=after.classification),
    ]


def _header_text(raw: Any) -> str:
    return " ".join(_clean_text(raw).split())


def _quoted(text: str) -> str:
    shown = text if len(text) <= MAX_SHOWN * 2 else f"{text[:MAX_SHOWN * 2]}…"
    return _("«%(name)s»") % {"name": shown}  # quoted as the language quotes


def _header_problem(found_row: Sequence[Any], count_columns: int) -> str | None:
    """Why the header row is not the one the download writes (in either language), or None.

    A deleted, added or moved column shifts every value after it into another column's meaning; the file is
    refused rather than previewed with values read from the wrong columns."""
    found = [_header_text(raw) for raw in found_row]
    while found and not found[-1]:
        found.pop()
    expected_by_language = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            expected_by_language[language] = [_header_text(header) for _key, header in sheet_columns(count_columns)]
    keys = [header.casefold() for header in found]
    if any(keys == [header.casefold() for header in expected] for expected in expected_by_language.values()):
        return None
    # Say what differs from the language the file was most likely written in (the page's language on a tie).
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    languages = sorted(expected_by_language, key=lambda code: code != current)
    expected = max(
        (expected_by_language[code] for code in languages),
        key=lambda headers: len({header.casefold() for header in headers} & set(keys)),
    )
    wanted = {header.casefold() for header in expected}
    missing = [header for header in expected if header.casefold() not in keys]
    unexpected = [header for header in found if header and header.casefold() not in wanted]
    problems = []
    if missing:
        problems.append(_("thiếu cột %(names)s") % {"names": ", ".join(_quoted(h) for h in missing)})
    if unexpected:
        problems.append(_("có cột không có trong phiếu tải về %(names)s")
                        % {"names": ", ".join(_quoted(h) for h in unexpected)})
    if not problems:  # the same columns, in another order (or with an empty header between them)
        for index, header in enumerate(expected):
            have = found[index] if index < len(found) else ""
            if have.casefold() != header.casefold():
                problems.append(
                    _("cột %(column)s phải là %(expected)s (trong tệp: %(found)s)") % {
                        "column": get_column_letter(index + 1), "expected": _quoted(header),
                        "found": _quoted(have) if have else _("để trống"),
                    }
                )
                break
    return _("Hàng tiêu đề (dòng %(row)s) không khớp với phiếu tải về: %(problems)s. Hãy tải phiếu mới, điền "
             "vào đó và không thêm, xóa hay đổi thứ tự cột.") % {"row": HEADER_ROW, "problems": "; ".join(problems)}


def _written_by_earlier_imports(
    line_id: int, downloaded: int, stored: int, written: Mapping[int, Collection[int]]
) -> bool:
    """Whether every version of the line after the download's (`downloaded`) up to the stored one was written by an
    earlier import of the same file (`written`: the versions they wrote, by line id)."""
    versions = written.get(line_id) or ()
    return stored > downloaded and all(version in versions for version in range(downloaded + 1, stored + 1))


def _first_cell(ws: Any) -> str:
    first = next(ws.iter_rows(min_row=1, max_row=1, max_col=1, values_only=True), ())
    return str((first[0] if first else "") or "")


def _criteria_sheet(workbook: Any) -> Any:
    """The sheet to import: the one shown on opening the file (`shown_sheet`), unless that is the download's
    «Tổng hợp» sheet (saved while the person read the totals), which holds no input: then the first visible sheet
    that is not one."""
    ws = shown_sheet(workbook)
    if ws is None or not _first_cell(ws).startswith(TOTALS_MARKER + ":"):
        return ws
    for other in workbook.worksheets:
        if getattr(other, "sheet_state", "visible") == "visible" and not _first_cell(other).startswith(
                TOTALS_MARKER + ":"):
            return other
    return ws


def read_sheet(
    uploaded: Any, *, sheet: selectors.AssessmentSheet,
    earlier_imports: Mapping[str, Mapping[int, Collection[int]]] | None = None,
) -> ImportPreview:
    """The preview of an uploaded sheet for this assessment; raises SheetRefused for an unusable file.
    `earlier_imports`: by download id, the line versions imports of that file wrote (for this person)."""
    _check_file(uploaded)
    try:
        workbook = load_workbook(uploaded, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file; the message is what matters
        raise SheetRefused(_("Tệp Excel bị hỏng, không đọc được.")) from exc
    try:
        ws = _criteria_sheet(workbook)
        if ws is None:
            raise SheetRefused(_("Tệp Excel không có trang tính nào."))
        try:
            merges = merged_ranges(workbook, ws)
        except FileRefused as exc:
            raise SheetRefused(exc.message) from exc
        formulas = _uncalculated_formulas(workbook, ws)
        data = list(ws.iter_rows(min_row=1, max_row=FIRST_DATA_ROW + MAX_ROWS + 1, values_only=True))
        downloaded = downloaded_values(
            workbook, marker=f"{DOWNLOADED_MARKER}:{sheet.assessment.pk}", max_rows=MAX_ROWS + 1
        )
        file_id = download_id(workbook, marker=f"{DOWNLOADED_MARKER}:{sheet.assessment.pk}") if downloaded else ""
    finally:
        workbook.close()
    marker = str((data[0][0] if data and data[0] else "") or "")
    if marker.startswith(READ_ONLY_MARKER + ":"):
        raise SheetRefused(_("Tệp này là bản chỉ để xem, tải về khi bản đánh giá đã gửi, nên không nhập được. Hãy tải "
                             "phiếu tự chấm mới rồi điền vào đó."))
    if not marker.startswith(SHEET_MARKER + ":"):
        raise SheetRefused(_("Đây không phải phiếu tự chấm tải từ hệ thống (thiếu dấu nhận dạng)."))
    if marker != f"{SHEET_MARKER}:{sheet.assessment.pk}":
        raise SheetRefused(_("Phiếu này thuộc bản đánh giá khác; hãy tải phiếu của đơn vị mình."))
    body = data[FIRST_DATA_ROW - 1:]
    if len(body) > MAX_ROWS:
        raise SheetRefused(_("Tệp có quá nhiều dòng (tối đa %(n)s).") % {"n": MAX_ROWS})
    count_columns = max([len(count_keys(r.indicator)) for r in sheet.leaves] + [1])
    problem = _header_problem(data[HEADER_ROW - 1] if len(data) >= HEADER_ROW else (), count_columns)
    if problem is not None:
        raise SheetRefused(problem)
    columns = sheet_columns(count_columns)
    keys = [key for key, _header in columns]
    headers = dict(columns)
    try:
        # a merge over a column shown for reading only (the criterion's name, its method) loses nothing
        fills = merge_fills(merges, first_row=HEADER_ROW,
                            names={i: h for i, (k, h) in enumerate(columns, start=1) if k not in SHOWN_ONLY_COLUMNS},
                            repeatable=[i for i, key in enumerate(keys, start=1) if key in REPEATABLE_COLUMNS])
    except FileRefused as exc:
        raise SheetRefused(exc.message) from exc
    if fills:
        rows = {number: list(values) for number, values in enumerate(data, start=1)}
        merge_fill(rows, fills)
        data = [rows[number] for number in range(1, len(data) + 1)]
        body = data[FIRST_DATA_ROW - 1:]
        for merge in fills:  # a formula at the top of a merge is each of its rows' value: refused on each, named
            top = formulas.get((merge.min_row, merge.min_col))
            if top is not None:
                for number in range(merge.min_row + 1, merge.max_row + 1):
                    formulas[(number, merge.min_col)] = top
    letters = {key: get_column_letter(index) for index, key in enumerate(keys, start=1)}
    fillable = downloaded_columns(count_columns)
    preview = ImportPreview(rows=[], unchanged=0, download_id=file_id)
    written = (earlier_imports or {}).get(file_id, {}) if file_id else {}
    seen: set[int] = set()
    for offset, values in enumerate(body):
        excel_row = FIRST_DATA_ROW + offset
        cells = dict(zip(keys, list(values) + [None] * (len(keys) - len(values)), strict=False))
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        try:
            line_id, version = int(str(cells.get("line_id"))), int(str(cells.get("version")))
        except ValueError:
            preview.file_errors.append(_("Dòng %(row)s: thiếu mã dòng hoặc phiên bản (cột ẩn A, B).")
                                       % {"row": excel_row})
            continue
        leaf = sheet.by_line.get(line_id)
        if leaf is None or _clean_text(cells.get("code")) != leaf.indicator.code:
            preview.file_errors.append(_("Dòng %(row)s: không khớp với tiêu chí nào của bản đánh giá.")
                                       % {"row": excel_row})
            continue
        if line_id in seen:
            preview.file_errors.append(_("Dòng %(row)s: tiêu chí %(code)s xuất hiện hai lần.")
                                       % {"row": excel_row, "code": leaf.indicator.code})
            continue
        seen.add(line_id)
        if not leaf.self_scored:
            continue
        row_cells = _RowCells(values=cells, letters=letters, headers=headers, excel_row=excel_row)
        blank = [(key, *formulas[(excel_row, index)]) for index, key in enumerate(keys, start=1)
                 if key not in SHOWN_ONLY_COLUMNS and (excel_row, index) in formulas]
        if blank:
            # Read as empty, the cell would unscore the leaf or leave the row «as downloaded»: refused, nothing else
            # of the row is read until it holds its value.
            row = ImportRow(
                excel_row=excel_row, line_id=line_id, version=version, code=leaf.indicator.code,
                name=leaf.indicator.name, value=None, note="", explanation="", not_applicable=False,
                not_applicable_reason="", penalty=leaf.indicator.kind == Indicator.Kind.PENALTY,
            )
            _refuse_uncalculated(row, row_cells, blank)
            preview.rows.append(row)
            continue
        as_downloaded = None if downloaded is None else downloaded.get(line_id)
        if as_downloaded is not None and as_downloaded.get("version") != version:
            as_downloaded = None  # not this row's download: compared with what is stored, as an older file
        left = _left_as_downloaded(cells, version, as_downloaded, fillable)
        if left and leaf.line.version == version:
            preview.unchanged += 1  # not edited in the file, nor on the system: nothing to write
            continue
        ours = as_downloaded is not None and _written_by_earlier_imports(line_id, version, leaf.line.version, written)
        if ours:
            # Every save since the download was an import of this very file: the row is compared with what is
            # stored, from the stored version (a cell put back to the download's value is an edit too).
            version = leaf.line.version
        texts = {k: _clean_text(cells.get(k)) for k in ("note", "explanation", "na_reason")}
        row = ImportRow(
            excel_row=excel_row, line_id=line_id, version=version, code=leaf.indicator.code,
            name=leaf.indicator.name, value=_value_from_cells(leaf.indicator, cells),
            note=texts["note"], explanation=texts["explanation"], not_applicable=False,
            not_applicable_reason=texts["na_reason"], penalty=leaf.indicator.kind == Indicator.Kind.PENALTY,
        )
        _refuse_misplaced_values(row, leaf.indicator, row_cells)
        for key, text in texts.items():
            if len(text) > MAX_TEXT:
                row_cells.refuse(
                    row, key,
                    _("Cột «%(column)s» dài %(length)s ký tự, quá giới hạn %(n)s ký tự; hãy rút gọn.")
                    % {"column": headers[key], "length": len(text), "n": MAX_TEXT},
                )
                texts[key] = text[:MAX_TEXT]
        na = _yes(cells.get("na"))
        if na is None:
            row_cells.refuse(row, "na", _("Cột «Không phát sinh» chỉ nhận «Có» hoặc để trống."))
        row.not_applicable = bool(na)
        if not row.not_applicable:
            stored_reason = normalize_line_breaks(leaf.line.not_applicable_reason or "").strip()
            if na is not None and texts["na_reason"] and texts["na_reason"] != stored_reason:
                # It would be dropped on writing (a leaf that counts has no reason), as the sheet page refuses it.
                row_cells.refuse(row, "na_reason", _("Lý do không phát sinh chỉ được lưu khi cột «%(column)s» là "
                                                     "«Có».") % {"column": headers["na"]})
            row.not_applicable_reason = ""
        numbers_refused = _refuse_numbers(row, leaf.indicator, row_cells)
        if left and not ours:
            # Not edited in the file, saved on the system since: listed beside the stored value when they differ,
            # the system's kept unless chosen (from the stored version: a save meanwhile makes the choice stale).
            row.version = leaf.line.version
            _compare(row, leaf, row_cells, index_mode=sheet.assessment.indicator_set.index_mode,
                     numbers_refused=numbers_refused)
            if row.changes:
                preview.newer_on_system.append(row)
            else:
                preview.unchanged += 1
            continue
        _compare(row, leaf, row_cells, index_mode=sheet.assessment.indicator_set.index_mode,
                 numbers_refused=numbers_refused, edited=as_downloaded is not None)
        if row.changes:
            preview.rows.append(row)
        else:
            preview.unchanged += 1
    if not preview.file_errors:
        preview.missing = [r.indicator.code for r in sheet.leaves if r.self_scored and r.line.pk not in seen]
    if preview.rows and not preview.error_count:
        preview.totals = _totals(sheet, preview.rows)
    return preview

