"""Reading and writing the administration's Excel files safely.

Reading checks the upload as a zip archive before openpyxl opens it (size, entry count, total
uncompressed size: a zip bomb is refused unopened), then reads cells in read-only mode, never evaluating
a formula (a formula cell is a row error) and stopping at a row limit. The read-only reader cannot see merged cells:
their ranges are read from the sheet's XML, and a merge is either read as meant or the file refused (`merge_fills`).
Writing puts text as string cells, never a formula: text a spreadsheet would take for one gets Excel's own «text as
typed» mark (`exports.put_cell`), no character added. Files written before carried a leading apostrophe instead,
which reading still removes.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation

from scoring.dates import local_day, local_moment
from scoring.exports import FORMULA_STARTS, put_cell
from scoring.sheets import shown_sheet

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 200
MAX_ROWS = 5000
MAX_CELL_TEXT = 10000
ZIP_SIGNATURE = b"PK\x03\x04"


class FileRefused(Exception):
    """The upload as a whole is refused; nothing was read. `message` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Formula(str):
    """A cell that held a formula (kept as text, never evaluated; reported as a row error)."""

    __slots__ = ()


class Number(str):
    """A cell Excel holds as a number (not as text), in its plain text («1.5», «1000»): never a thousands
    separator, whatever its digits (`grouped_number_problem` reads only text cells)."""

    __slots__ = ()


class DateCell(str):
    """A cell Excel holds as a date or a time, in the text it was always read as («2026-01-02 00:00:00»). Excel turns
    what is typed into a date when the column is not formatted as text: a code «1.1.2» or «1.2», a «1/2». An import
    whose column cannot mean a date refuses it (`date_cell_problem`) rather than store that text."""

    __slots__ = ()

    @property
    def shown(self) -> str:
        """The date as a person reads it in the active language («02/01/2026», «2 Jan 2026» in English; with the
        time of day when it has one, «02/01/2026 08:30»); the text else."""
        try:
            moment = datetime.datetime.fromisoformat(str(self))
        except ValueError:
            return str(self)
        if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
            return local_day(moment)
        return local_moment(moment)


def date_cell_problem(column: Any, value: DateCell, *, code: str = "") -> str:
    """Why a date in a column that cannot hold one is refused, and how to mend it. `code`: "code" for a code column,
    "parent" for a parent-code one (Excel turns a code «1.1.2» into a date), "" for another text or number column."""
    if code:
        said = (_("ô mã là ngày tháng (Excel đã tự đổi «1.1.2» thành ngày); hãy định dạng cột là Văn bản và nhập lại "
                  "mã") if code == "code" else
                _("ô mã cha là ngày tháng (Excel đã tự đổi «1.1» thành ngày); hãy định dạng cột là Văn bản và nhập "
                  "lại mã cha"))
        return _("Cột «%(col)s»: %(said)s (giá trị đọc được: %(date)s).") % {
            "col": column, "said": said, "date": value.shown}
    return _(
        "Cột «%(col)s»: ô là ngày tháng (%(date)s) nhưng cột này không nhận ngày tháng (Excel có thể đã tự đổi giá trị "
        "gõ vào thành ngày); hãy định dạng cột là Văn bản và nhập lại."
    ) % {"col": column, "date": value.shown}


def numeric_code_hint(column: Any, value: Any, *, parent: bool = False) -> str:
    """The hint added to a code refused (a duplicate, a parent not in the file) when its cell is a number, not a text:
    Excel drops a number's trailing zeros, so «3.10» typed in a column not formatted as text is read «3.1»."""
    said = (_("ô mã cha là số, không phải văn bản (Excel có thể đã tự đổi «3.10» thành «3.1»); hãy định dạng cột là "
              "Văn bản và nhập lại mã cha") if parent else
            _("ô mã là số, không phải văn bản (Excel có thể đã tự đổi «3.10» thành «3.1»); hãy định dạng cột là Văn "
              "bản và nhập lại mã"))
    return _("Cột «%(col)s»: %(said)s (giá trị đọc được: %(value)s).") % {"col": column, "said": said, "value": value}


class TooLong(str):
    """A text cell longer than `MAX_CELL_TEXT` characters: kept whole (never cut short), reported as a row error."""

    __slots__ = ()


def long_cell_problems(row: Any, names: Mapping[str, str] | None = None) -> list[str]:
    """The row's problem for each cell too long to import, naming the column (`names`: key → how a message names
    it, as the file's header; else its key) and the limit."""
    return [
        _("Ô «%(col)s» dài %(n)s ký tự, quá giới hạn %(max)s ký tự; hãy rút gọn (hệ thống không tự cắt bớt).")
        % {"col": (names or {}).get(name, name), "n": len(value), "max": MAX_CELL_TEXT}
        for name, value in row.items()
        if isinstance(value, TooLong)
    ]


# Text that may group thousands: «1.000», «12.500», «1,000», «1.000.000», «1.000,5» (the engine's rule for typed
# numbers, `engine.to_decimal(refuse_groups=True)`)
_GROUPED = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:[.,][0-9]{3})+(?:[.,][0-9]*)?")


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f").replace(".", ",") if number else "0"


def grouped_number_problem(raw: Any, column: Any) -> str | None:
    """Why a number cell written as text is refused: «1.000» is a one to whoever reads the point as a decimal point,
    a thousand to whoever reads it as the Vietnamese thousands separator, so it is not guessed. None when it is not
    such a text (a cell Excel holds as a number, `Number`, is never ambiguous)."""
    if not isinstance(raw, str) or isinstance(raw, Number):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if not _GROUPED.fullmatch(text):
        return None
    separators = [ch for ch in text if ch in ".,"]
    thousand = text.replace(separators[0], "")
    if len(separators) == 1:  # one separator: a decimal separator or a thousands one
        one = _plain(Decimal(text.replace(",", ".")))
        return _("Cột «%(col)s»: «%(raw)s» không rõ là %(one)s hay %(thousand)s — ghi %(one)s hoặc %(thousand)s "
                 "không có dấu %(sep)s phân cách.") % {
            "col": column, "raw": text, "one": one, "thousand": thousand,
            "sep": _("chấm") if separators[0] == "." else _("phẩy"),
        }
    return _("Cột «%(col)s»: «%(raw)s» có dấu phân cách hàng nghìn — ghi %(thousand)s, không có dấu %(sep)s phân "
             "cách.") % {"col": column, "raw": text, "thousand": thousand,
                         "sep": _("chấm") if separators[0] == "." else _("phẩy")}


@dataclass
class Sheet:
    headers: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""  # the worksheet's name, as the file has it
    # the cells after `marker` on the first row of the companion sheet whose A1 is the `marker` read_sheet was given
    # (`write_sheet`'s `marker`); None when the file has no such sheet
    marked: list[str] | None = None


def _marked(workbook: Any, marker: str) -> list[str] | None:
    """The cells after `marker` on the first row of the workbook's sheet whose A1 is `marker` (hidden or not)."""
    for ws in workbook.worksheets:
        first = next(ws.iter_rows(min_row=1, max_row=1, max_col=8, values_only=True), ())
        if first and str(first[0] or "") == marker:
            return [clean_text(value) if value is not None else "" for value in first[1:]]
    return None


def check_archive(uploaded: Any) -> None:
    """Refuse anything that is not a reasonable .xlsx before any XML is parsed."""
    name = str(getattr(uploaded, "name", "") or "")
    if not name.lower().endswith(".xlsx"):
        raise FileRefused(_("Chỉ nhận tệp Excel .xlsx."))
    size = int(getattr(uploaded, "size", 0) or 0)
    if size == 0:
        raise FileRefused(_("Tệp rỗng."))
    if size > MAX_UPLOAD_BYTES:
        raise FileRefused(_("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    handle: IO[bytes] = uploaded
    handle.seek(0)
    if handle.read(4) != ZIP_SIGNATURE:
        raise FileRefused(_("Tệp không phải là tệp Excel .xlsx hợp lệ (có thể bị hỏng hoặc bị cắt cụt)."))
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            total = sum(info.file_size for info in infos)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileRefused(_("Tệp Excel bị hỏng hoặc bị cắt cụt, không đọc được.")) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRefused(_("Tệp Excel có cấu trúc bất thường (quá nhiều thành phần); không đọc."))
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRefused(_("Tệp Excel quá lớn khi giải nén (nghi là tệp nén độc hại); không đọc."))
    if "xl/workbook.xml" not in names:
        raise FileRefused(_("Tệp không phải là tệp Excel .xlsx hợp lệ."))
    handle.seek(0)


def folded(text: Any) -> str:
    """Text as a person means it whatever its case, accents and spacing: «Điểm  Cộng», «diem cong» and «ĐIỂM CỘNG»
    are one (for matching a column header or a choice's label, never for storing)."""
    decomposed = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.casefold().split())


def clean_text(raw: Any) -> str:
    """Text as stored: NFC, control characters dropped, the protective apostrophe of a file exported before removed
    («'=Xã Mới»: the export wrote «=Xã Mới» so; a file exported now holds the text itself, `write_sheet`). Never cut
    short: `_cell` marks a text longer than `MAX_CELL_TEXT` for the row's checks to refuse."""
    text = unicodedata.normalize("NFC", str(raw))
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def _cell(raw: Any, data_type: str | None) -> Any:
    if raw is None:
        return None
    if data_type == "f" or (isinstance(raw, str) and raw.startswith("=") and data_type not in ("s", "inlineStr")):
        return Formula(str(raw))
    if isinstance(raw, bool | int):
        return raw
    if isinstance(raw, datetime.date | datetime.time | datetime.timedelta):
        return DateCell(raw)
    if isinstance(raw, float):
        return Number(format(Decimal(repr(raw)), "f"))
    text = clean_text(raw)
    return TooLong(text) if len(text) > MAX_CELL_TEXT else text


# --- Merged cells -------------------------------------------------------------------------------------------------
# Excel keeps a merged range's value in its top-left cell only; every other cell of the range reads as empty. Read
# as such, a parent code merged over three rows makes the 2nd and 3rd criteria top-level, an explanation merged over
# four leaves erases three. One rule for every import: a merge down one column that the import declares repeatable
# (a text that may be shared by a block of rows: a parent code, an explanation) is read as its value on each of its
# rows; any other merge that touches a column the import reads (a key, a number, a code, a flag, or a merge across
# columns) refuses the file, naming the range and the column. Nothing is dropped silently.
_MERGE_TAG = "mergeCell"


@dataclass(frozen=True)
class Merge:
    """One merged range of a sheet (1-based rows and columns, as Excel numbers them)."""

    ref: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int

    @classmethod
    def parse(cls, ref: str) -> Merge | None:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            return None
        if None in (min_col, min_row, max_col, max_row):
            return None
        return cls(ref=ref.upper(), min_col=min_col, min_row=min_row, max_col=max_col, max_row=max_row)


def _mentions_merges(part: IO[bytes]) -> bool:
    """Whether the sheet's XML may hold a merge: a byte scan for the element's name (no XML parsed), so a sheet
    without merges, nearly every upload, costs only its decompression. A part not in UTF-8 (its first bytes a UTF-16
    mark, or a NUL) is always parsed."""
    head = part.read(4)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        return True
    tail = head
    while True:
        chunk = part.read(1 << 20)
        if _MERGE_TAG.encode() in tail + chunk[:len(_MERGE_TAG)] or _MERGE_TAG.encode() in chunk:
            return True
        if not chunk:
            return False
        tail = chunk[-len(_MERGE_TAG):]


def merged_ranges(workbook: Any, ws: Any) -> list[Merge]:
    """The merged ranges of `ws`. A workbook opened normally lists them; one opened read-only (the fast reader, which
    cannot see them) has them read from the sheet's XML part: first a byte scan for the element's name, then, when
    there may be one, the part streamed through defusedxml (no entity expansion) without building the rows. Measured
    on a 5,000-row, 20-column sheet (0.5 MB) whose read-only cell read takes 2.7 to 4.3 s on the shared machine: the
    scan 0.03 s (no merge: nothing more), the parse with 1,250 merges 0.7 to 1.9 s, a normal-mode load (which
    lists the merges itself, holding every cell in memory) 3.8 to 4.1 s."""
    ranges = getattr(getattr(ws, "merged_cells", None), "ranges", None)
    if ranges is not None:
        found = [Merge.parse(str(r.coord)) for r in ranges]
        return [m for m in found if m is not None]
    archive, path = getattr(workbook, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or not path:
        return []
    merges: list[Merge] = []
    try:
        with archive.open(path) as part:
            if not _mentions_merges(part):
                return []
        with archive.open(path) as part:
            for _event, element in iterparse(part, events=("end",)):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == _MERGE_TAG:
                    merge = Merge.parse(str(element.get("ref") or ""))
                    if merge is not None:
                        merges.append(merge)
                elif tag == "row":
                    element.clear()  # the cells are not needed here; keep the memory flat
    except (KeyError, ParseError, DefusedXmlException, zipfile.BadZipFile, OSError) as exc:
        raise FileRefused(_("Tệp Excel bị hỏng, không đọc được.")) from exc
    return merges


def merge_refusal(merge: Merge, columns: Sequence[str]) -> str:
    """The message refusing a file for `merge`, naming its range and the columns (as the file's headers) it spans."""
    named = ", ".join(_("«%(col)s»") % {"col": column} for column in columns)
    return _(
        "Ô gộp %(ref)s ở cột %(cols)s: hãy bỏ gộp ô (Merge & Center → Unmerge Cells) và ghi giá trị vào từng ô. Khi "
        "gộp ô, Excel chỉ giữ giá trị ở ô đầu tiên, các ô còn lại bị đọc là trống, nên tệp không được nhập (không "
        "ghi dòng nào)."
    ) % {"ref": merge.ref, "cols": named}


def merge_fills(
    merges: Iterable[Merge], *, first_row: int, names: Mapping[int, str], repeatable: Iterable[int] = ()
) -> list[Merge]:
    """The merges whose top-left value is read on each of their rows (`merge_fill`), or FileRefused for the first
    merge the import cannot read as meant.

    `first_row`: the header row (merges above it, a title's, are not read); `names`: each column the import reads
    (1-based index → its header); `repeatable`: the columns where one value for a block of rows is meaningful."""
    allowed = set(repeatable)
    fills = []
    for merge in sorted(merges, key=lambda m: (m.min_row, m.min_col)):
        if merge.max_row < first_row or (merge.min_row, merge.min_col) == (merge.max_row, merge.max_col):
            continue  # a title's merge above the header row; a «merge» of one cell hides nothing
        read = [names[col] for col in range(merge.min_col, merge.max_col + 1) if col in names]
        if not read:
            continue  # a column the import does not read: nothing of it is used
        if merge.min_col == merge.max_col and merge.min_row > first_row and merge.min_col in allowed:
            fills.append(merge)
            continue
        raise FileRefused(merge_refusal(merge, read))
    return fills


def merge_fill(rows: Mapping[int, list[Any]], fills: Iterable[Merge], *, row_is_data: Any = None) -> None:
    """Put each fill's top-left value in the other cells of its range, in `rows` (Excel row → its cells, 0-based),
    on the rows that hold something else (`row_is_data`, a row → bool; default: any non-empty cell): a merge running
    past the last data row does not make rows of its own."""
    for merge in fills:
        top = rows.get(merge.min_row)
        index = merge.min_col - 1
        value = top[index] if top is not None and index < len(top) else None
        if value in (None, ""):
            continue
        for number in range(merge.min_row + 1, merge.max_row + 1):
            cells = rows.get(number)
            if cells is None:
                continue
            if not (row_is_data(cells) if row_is_data else any(v not in (None, "") for v in cells)):
                continue
            if index >= len(cells):
                cells.extend([None] * (index + 1 - len(cells)))
            cells[index] = value


# --- Yes / no cells: one rule for every import ------------------------------------------------------------------
# As `folded` (any case, with or without accents): «Có» / «Không» (what our files write), «x» (a ticked column),
# TRUE / FALSE, yes / no, 1 / 0, «đúng». A blank cell is the caller's to read (an unticked flag, an unchanged state,
# an unanswered question).
YES_WORDS = frozenset({"co", "x", "yes", "true", "1", "dung"})
NO_WORDS = frozenset({"khong", "no", "false", "0"})


def yes_no_word(raw: Any) -> bool | None:
    """A yes/no cell as every import reads it (`YES_WORDS`, `NO_WORDS`, a boolean or 0/1 number cell); None when
    it is blank or none of them."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    word = folded(raw)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


HEADER_SEARCH_ROWS = 5  # a title (and a blank row, a subtitle) above the header row is found, not refused


def _header_keys(cells: Sequence[Any], aliases: Mapping[str, str] | None) -> list[str]:
    headers = [clean_text(c.value).lower() if c.value is not None else "" for c in cells]
    if aliases:
        headers = [aliases.get(folded(h), h) if h else "" for h in headers]
    return headers


def read_sheet(
    uploaded: Any,
    *,
    expected: Sequence[str],
    max_rows: int = MAX_ROWS,
    aliases: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    repeatable: Sequence[str] = (),
    marker: str = "",
) -> Sheet:
    """The first worksheet: header row of column keys, then one dict per non-empty row (with its `row` number).

    The header row is the first of the first `HEADER_SEARCH_ROWS` rows that has every `expected` column (a title
    above it is skipped). `aliases`: other headers of a column (as `folded`) → its key, so a file may name its
    columns for people (in either language) as well as by their keys; `names`: key → the header a refusal names a
    missing column by; `repeatable`: the keys of the columns where a merge down the column is read as its value on
    each of its rows (`merge_fills`; any other merge the import would read is refused); `marker`: the A1 of a
    companion sheet whose first row is read into `Sheet.marked`."""
    check_archive(uploaded)
    try:
        workbook = load_workbook(uploaded, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise FileRefused(_("Tệp Excel bị hỏng, không đọc được.")) from exc
    shown = names or {}
    try:
        ws = shown_sheet(workbook)
        if ws is None:
            raise FileRefused(_("Tệp Excel không có trang tính nào."))
        merges = merged_ranges(workbook, ws)
        rows = ws.iter_rows()
        candidates: list[tuple[int, list[str]]] = []
        header_row = 0
        for number in range(1, HEADER_SEARCH_ROWS + 1):
            cells = next(rows, None)
            if cells is None:
                break
            keys = _header_keys(cells, aliases)
            candidates.append((number, keys))
            if all(name in keys for name in expected):
                header_row = number
                break
        if not candidates:
            raise FileRefused(_("Tệp Excel trống."))
        if not header_row:
            # the row most like a header row (the first on a tie: row 1 of a file with no header row at all)
            number, keys = max(candidates, key=lambda c: (sum(name in c[1] for name in expected), -c[0]))
            missing = [name for name in expected if name not in keys]
            raise FileRefused(
                _("Thiếu cột: %(cols)s. Dòng đầu phải là tên cột: %(all)s.")
                % {"cols": ", ".join(shown.get(n, n) for n in missing),
                   "all": ", ".join(shown.get(n, n) for n in expected)}
                + ("" if number == 1 else " " + _("(Hàng tên cột đọc được ở dòng %(n)s.)") % {"n": number})
            )
        headers = candidates[-1][1]
        read_columns = {i + 1: shown.get(key, key) for i, key in enumerate(headers) if key}
        fills = merge_fills(merges, first_row=header_row, names=read_columns,
                            repeatable=[i + 1 for i, key in enumerate(headers) if key and key in repeatable])
        sheet = Sheet(headers=headers, title=str(ws.title or ""),
                      marked=_marked(workbook, marker) if marker else None)
        pending = fills[::-1]  # by their first row, the next one last
        active: dict[Merge, Any] = {}  # the merges reaching the current row, with their top-left value
        for number, cells in enumerate(rows, start=header_row + 1):
            values = {
                headers[i]: _cell(c.value, getattr(c, "data_type", None))
                for i, c in enumerate(cells)
                if i < len(headers) and headers[i]
            }
            while pending and pending[-1].min_row <= number:
                merge = pending.pop()
                active[merge] = values.get(headers[merge.min_col - 1]) if merge.min_row == number else None
            if all(v in (None, "") for v in values.values()):
                continue
            for merge, top in list(active.items()):
                if number > merge.max_row:
                    del active[merge]
                elif number > merge.min_row and top not in (None, ""):
                    values[headers[merge.min_col - 1]] = top
            if len(sheet.rows) >= max_rows:
                raise FileRefused(
                    _("Tệp có hơn %(n)s dòng dữ liệu; hãy chia nhỏ tệp. Không ghi dòng nào.") % {"n": max_rows}
                )
            values["row"] = number
            sheet.rows.append(values)
    finally:
        workbook.close()
    return sheet


def _put_row(ws: Any, row: int, values: Iterable[Any]) -> None:
    for column, value in enumerate(values, start=1):
        put_cell(ws, row, column, value)


def write_sheet(
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    labels: Sequence[str] = (),
    comments: Sequence[str] = (),
    choices: Mapping[int, Sequence[str]] | None = None,
    marker: Sequence[Any] = (),
) -> bytes:
    """A one-sheet workbook: the keys as the header row (what import reads), then the rows, text as string cells
    that no spreadsheet evaluates (`_put`).

    `labels`: a notes sheet, one line per column (its header, its description); `comments`: a note on each header
    cell (empty: none); `choices`: column index → the values offered in a drop-down on that column's cells (kept on
    a hidden sheet, so a label may hold a comma; a value not in the list is warned about, not refused, by Excel);
    `marker`: the first row of a very hidden, protected companion sheet naming what the file was exported from
    (never read as the sheet to import: `shown_sheet`; read back by `read_sheet`'s `marker`)."""
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = title[:31]
    _put_row(ws, 1, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF1F5")
    for number, row in enumerate(rows, start=2):
        _put_row(ws, number, row)
    for cell, comment in zip(ws[1], comments, strict=False):
        if comment:
            cell.comment = Comment(str(comment), "CCHC", width=360, height=220)
    if labels:
        notes = workbook.create_sheet(_("Chú thích")[:31])
        for number, (key, label) in enumerate(zip(headers, labels, strict=False), start=1):
            _put_row(notes, number, [key, str(label)])
    if choices:
        _add_choices(workbook, ws, choices)
    if marker:
        companion = workbook.create_sheet("cchc")
        companion.sheet_state = "veryHidden"
        companion.protection.sheet = True
        _put_row(companion, 1, [str(value) for value in marker])
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_choices(workbook: Workbook, ws: Any, choices: Mapping[int, Sequence[str]]) -> None:
    """A drop-down on each column of `choices` (from row 2 to the last row a person may fill), its values on a
    hidden sheet (`shown_sheet` never reads a hidden one)."""
    lists = workbook.create_sheet(_("Danh mục")[:31])
    lists.sheet_state = "hidden"
    last_row = max(ws.max_row, 2) + 1000
    for position, (column, values) in enumerate(sorted(choices.items()), start=1):
        letter = get_column_letter(position)
        for number, value in enumerate(values, start=1):
            put_cell(lists, number, position, str(value))
        sheet_name = lists.title.replace("'", "''")
        validation = DataValidation(
            type="list", formula1=f"'{sheet_name}'!${letter}$1:${letter}${max(len(values), 1)}", allow_blank=True,
            showErrorMessage=True, errorStyle="warning",
        )
        validation.error = _(
            "Giá trị không có trong danh sách. Khi nhập tệp, giá trị không phải là một mục của danh sách (hoặc mã của "
            "mục đó) được báo lỗi ở dòng này."
        )
        validation.errorTitle = _("Giá trị ngoài danh sách")
        ws.add_data_validation(validation)
        target = get_column_letter(column + 1)
        validation.add(f"{target}2:{target}{last_row}")
