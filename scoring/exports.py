"""Excel files of a self-assessment: the report (three official parts) and the sheet for the offline round trip.

Every text is written as a string cell (`put_text`), which no spreadsheet evaluates, so text starting with
= + - @ is shown exactly as typed; such a cell also carries Excel's quote-prefix mark, so that it stays text when
someone edits it in Excel. Every workbook people read is written so (this module's, the audit log's through
`list_workbook`, the published ones through `text_cell`): a leading apostrophe would show in Excel. `safe_text` (a
leading apostrophe) remains for the CSV files, which have no cell types; `scoring.imports` still removes that
apostrophe from older files.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from scoring import selectors
from scoring.models import Assessment, Indicator
from scoring.self_rating import provisional_text, sheet_rating
from scoring.text import normalize_line_breaks

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_MARKER = "cchc-phieu-tu-cham:v1"
# A1 of the sheet's very hidden companion holding each row's input cells as downloaded (`downloaded_columns`): the
# import tells a row the person edited from one left as it was. Files downloaded before it have none.
DOWNLOADED_MARKER = "cchc-phieu-tu-cham-goc:v1"
# A1 of the read-only copy downloaded once the assessment is no longer a draft: the import refuses it by name.
READ_ONLY_MARKER = "cchc-phieu-tu-cham-chi-xem:v1"
# A1 of the visible «Tổng hợp» sheet of the self-assessment workbook (its totals as computed when downloaded): never
# imported; a file saved with that sheet open is read from its criteria sheet (`scoring.imports.read_sheet`).
TOTALS_MARKER = "cchc-phieu-tu-cham-tong-hop:v1"
HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 1
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="EEF1F5")
INPUT_FILL = PatternFill("solid", fgColor="FFF8E1")
KPS_FILL = PatternFill("solid", fgColor="FFF2CC")  # a «không phát sinh» leaf's credited points
WRAP = Alignment(wrap_text=True, vertical="top")


# A number shown with two decimals, as the product writes every score: a maximum or a score that is not a deduction.
NUMBER_FORMAT = "0.00"
# An index (and the total it comes from), which penalties can take below zero: the true minus sign «−2.00» the pages
# write, not Excel's hyphen, as the published workbook writes a deduction (`PENALTY_FORMAT`); the cell a number.
INDEX_FORMAT = '0.00;"\u2212"0.00;0.00'


def provisional_format(number_format: str) -> str:
    """`number_format` with each of its sections followed by the mark of a provisional index in the language of the
    download, «12.50 (tạm tính)» (`self_rating.provisional_text`): the cell stays a number."""
    before, _index, after = provisional_text("\0").replace('"', "").partition("\0")
    quoted = (f'"{before}"' if before else "", f'"{after}"' if after else "")
    return ";".join(f"{quoted[0]}{section}{quoted[1]}" for section in number_format.split(";"))


def kps_number_format() -> str:
    """The number format of a «không phát sinh» leaf's credited points: the number stays a number (a sum adds it)
    and shows the abbreviation after it, «1.50 KPS», in the language of the download."""
    abbreviation = str(_("KPS")).replace('"', "")
    return f'0.00" {abbreviation}"'


def safe_text(value: Any) -> Any:
    """A CSV value that no spreadsheet evaluates: text starting like a formula gets a leading apostrophe (the usual
    CSV-injection defence; an Excel file writes a string cell instead, `put_text`)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def yes_text() -> str:
    """The yes/no words of the sheet, in the language of the download (the import accepts either language's)."""
    return str(_("Có"))


def no_text() -> str:
    return str(_("Không"))


def put_text(cell: Any, value: str) -> Any:
    """Write text into `cell` as a string cell, never a formula (openpyxl takes a str starting with "=" for one).
    Text starting like a formula gets Excel's own «text as typed» mark: no apostrophe shown, and the cell stays
    text when someone edits it and presses Enter. Works on a write-only workbook's cell too (`text_cell`)."""
    cell.value = normalize_line_breaks(value)
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def text_cell(ws: Any, value: Any) -> Any:
    """A cell of a write-only worksheet holding `value`, text written as `put_text` does."""
    cell = WriteOnlyCell(ws)
    if isinstance(value, str):
        put_text(cell, value)
    else:
        cell.value = value
    return cell


def put_cell(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write a value; text as a string cell (`put_text`)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        put_text(cell, value)
    else:
        cell.value = value
    return cell


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return str(value)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    ascii_name = filename.encode("ascii", "ignore").decode() or "cchc.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _put(ws: Worksheet, row: int, values: Sequence[Any], *, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = put_cell(ws, row, column, value)
        cell.alignment = WRAP
        if bold:
            cell.font = BOLD


def _widths(ws: Worksheet, widths: Iterable[int]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def print_setup(ws: Any, *, landscape: bool, fit_width: bool, title_rows: tuple[int, int] | None,
                title_cols: str = "", freeze: str = "") -> None:
    """A sheet set up for the screen and the printer (before its first row, as write-only sheets ask): the table's
    header rows (and its name columns) kept in view and repeated on every printed page, A4 in the orientation given,
    and a table fitted to the page's width when `fit_width` (as many pages down as it takes)."""
    if freeze:
        ws.freeze_panes = freeze
    if title_rows is not None:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if title_cols:
        ws.print_title_cols = title_cols
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0


@dataclass(frozen=True)
class Signer:
    """Who signs a printed workbook, in which column: the role in capitals, bold, and the hint under it («(Ký, ghi
    rõ họ tên)»)."""

    column: int
    role: str
    hint: str


def put_signatures(ws: Worksheet, row: int, signers: Sequence[Signer], *, dated: tuple[int, str] | None = None,
                   alignment: Alignment | None = None, hint_font: Font | None = None) -> int:
    """The signature block from `row`: the place and date line to fill in when `dated` (its column and text), then
    each signer's role and hint; `alignment` and `hint_font` as the printed page writes them. Returns the row after
    the hints (the space to sign is below them)."""
    if dated is not None:
        put_cell(ws, row, dated[0], dated[1])
    for signer in signers:
        role = put_cell(ws, row + 1, signer.column, signer.role)
        hint = put_cell(ws, row + 2, signer.column, signer.hint)
        role.font = BOLD
        if hint_font is not None:
            hint.font = hint_font
        if alignment is not None:
            role.alignment = hint.alignment = alignment
    return row + 3


def list_workbook(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet list for people to read (not for import): the header row bold on a tinted fill and frozen, then
    the rows, text as typed (`put_text`)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    for column, header in enumerate(headers, start=1):
        cell = put_cell(ws, 1, column, str(header))
        cell.font = BOLD
        cell.fill = HEAD_FILL
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            put_cell(ws, number, column, value)
    ws.freeze_panes = "A2"
    return _save(wb)


# --- the report -------------------------------------------------------------------------------------------


def _kps_self_score(leaf: selectors.LeafRow, index_mode: str) -> Decimal | str:
    """A «không phát sinh» leaf's self-score cell of the report: the points the engine credits it (a number, marked
    with `_mark_kps`), or, where the leaf is left out of the maximum (percent mode), «Không phát sinh» in words."""
    ind = leaf.indicator
    credit = selectors.not_applicable_credit(kind=ind.kind, max_points=ind.max_points, index_mode=index_mode)
    return _("Không phát sinh") if credit is None else credit


def _mark_kps(cell: Any) -> None:
    """A KPS leaf's credited points: the number stays a number (a sum adds it), shown «1.50 KPS» on a tinted cell."""
    cell.number_format = kps_number_format()
    cell.fill = KPS_FILL


def _deducted(value: Any) -> Any:
    """A penalty's points (stored positive) as the amount they take off the total: negative, so that a column of the
    workbook adds up as the totals do; a zero stays 0, text («KPS») and blanks as they are."""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool) and value:
        return -value
    return value


# A People's Committee heads its documents with its own name only (no superior body above it).
_PEOPLES_COMMITTEE = ("ubnd ", "ủy ban nhân dân", "uỷ ban nhân dân")
BLANK = "……"  # a part of the heading the unit's clerk fills in when the signed report is numbered and dated


@dataclass(frozen=True)
class ReportHeading:
    """The administrative heading of the self-assessment report (Nghị định 30/2020/NĐ-CP, Phụ lục I): the superior
    body above the unit's name on the left, the national name and motto on the right, then the document number
    and the place and date. The number and the day are left blank for the clerk, as on a draft to be signed; the
    year is the one it is printed in. `superior_typed`: the superior body is the unit's (Vietnamese data, as its
    name), not the province's People's Committee in the active language."""

    superior: str
    unit: str
    number: str
    place_date: str
    nation: str
    motto: str
    superior_typed: bool = False


def report_heading(assessment: Assessment) -> ReportHeading:
    """The heading's texts, in the active language (the setting names the province). The superior body is the
    unit's own (`Unit.superior_body`: a vertical agency's central agency, printed as stored, in capitals); where it
    is blank, the province's People's Committee, and none above a People's Committee."""
    unit = assessment.unit
    province = settings.CCHC_PROVINCE_NAME
    committee = unicodedata.normalize("NFC", unit.name).casefold().startswith(_PEOPLES_COMMITTEE)
    superior = unit.superior_body.strip()
    typed = bool(superior)
    if not typed:
        superior = "" if committee else _("UBND tỉnh %(province)s") % {"province": province}
    signer = "UBND" if committee else unit.short_name.strip() or BLANK
    return ReportHeading(
        superior=superior.upper(),
        unit=unit.name.upper(),
        number=_("Số: %(blank)s/BC-%(unit)s") % {"blank": BLANK, "unit": signer},
        place_date=_("%(place)s, ngày %(blank)s tháng %(blank)s năm %(year)s") % {
            "place": province, "blank": BLANK, "year": timezone.localdate().year},
        nation=_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        motto=_("Độc lập - Tự do - Hạnh phúc"),
        superior_typed=typed,
    )


def _put_heading(ws: Worksheet, heading: ReportHeading, *, split: int, width: int) -> int:
    """The heading in the first rows, the left block over columns 1..`split`, the right one over the rest up to
    `width`; returns the next free row."""
    rule = "—" * 6  # the short line under the unit's name; the motto is underlined as long as it is

    def block(row: int, first: int, last: int, text: str, font: Font | None = None) -> None:
        cell = put_cell(ws, row, first, text)
        cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
        if font is not None:
            cell.font = font
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    block(1, 1, split, heading.superior)
    block(1, split + 1, width, heading.nation, BOLD)
    block(2, 1, split, heading.unit, BOLD)
    block(2, split + 1, width, heading.motto, Font(bold=True, underline="single"))
    block(3, 1, split, rule, BOLD)
    block(4, 1, split, heading.number)
    block(4, split + 1, width, heading.place_date, Font(italic=True))
    return 6


def report_workbook(
    *, sheet: selectors.AssessmentSheet, rows: Sequence[selectors.ReportRow], explanations: Sequence[selectors.LeafRow]
) -> bytes:
    """Three sheets: I. summary of self-scores per criterion, II. explanations, III. difficulties, printed in that
    order as the report page is: the first opens with the report's administrative heading (`report_heading`), the
    last ends with the head's signature block. Each is set up for A4 (the tables landscape, the text portrait),
    fitted to the page's width, a table's header row frozen and repeated on every printed page. A penalty criterion's
    points and maximum, and the totals' bonus and penalty, are numbers shown with their signs as the published
    workbook shows them (`BONUS_FORMAT`, `PENALTY_FORMAT`: «+1.50», «−2.00» with the true minus sign), the total and
    the index with the true minus sign too (`INDEX_FORMAT`). While criteria are unscored the index is marked «tạm
    tính» and no class is given, as on the page (`self_rating`)."""
    # imported here, as that module imports this one
    from scoring.publication.exports import BONUS_FORMAT, PENALTY_FORMAT

    assessment = sheet.assessment
    comp = sheet.computation
    rating = sheet_rating(sheet)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(_("I. Tổng hợp điểm"))
    title = _("BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM %(year)s") % {
        "year": assessment.cycle.year
    }
    row_number = _put_heading(ws, report_heading(assessment), split=2, width=5)
    for text, font in ((title, BOLD), (f"{assessment.indicator_set.name} — {assessment.indicator_set.decision_ref}",
                                       None)):
        cell = put_cell(ws, row_number, 1, text)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        if font is not None:
            cell.font = font
        ws.merge_cells(start_row=row_number, start_column=1, end_row=row_number, end_column=5)
        row_number += 1
    row_number += 1
    header_row = row_number
    _put(ws, header_row, [_("STT"), _("Lĩnh vực / tiêu chí / tiêu chí thành phần"), _("Điểm tối đa"),
                          _("Điểm tự chấm"), _("Ghi chú")], bold=True)
    first_row = row_number = row_number + 1
    index_mode = assessment.indicator_set.index_mode
    credited: list[int] = []  # the rows of KPS leaves showing the points the engine credits them
    deducted: list[int] = []  # the rows of penalty criteria, written as deductions
    for row in rows:
        ind = row.indicator
        note = ""
        obtained: Any = row.obtained
        if row.leaf is not None and row.leaf.line.not_applicable:
            # The points the engine credits the leaf, so that the leaves add up to the totals below; marked KPS.
            note = f"{row.leaf.na_shown or _('Không phát sinh')}: {row.leaf.line.not_applicable_reason}"
            obtained = _kps_self_score(row.leaf, index_mode)
            if not isinstance(obtained, str):
                credited.append(row_number)
        elif row.leaf is not None:
            note = row.leaf.line.self_note
        if ind.kind != Indicator.Kind.NORMAL:
            note = f"[{ind.get_kind_display()}] {note}".strip()
        maximum: Any = ind.max_points
        if ind.kind == Indicator.Kind.PENALTY:  # deducted: written negative, as the report page writes «−2,50»
            maximum, obtained = _deducted(maximum), _deducted(obtained)
            deducted.append(row_number)
        _put(ws, row_number, [ind.code, ("   " * (row.depth - 1)) + ind.name, maximum, _number(obtained)
                              if not isinstance(obtained, str) else obtained, note], bold=ind.level == 1)
        row_number += 1
    row_number += 1
    signed: dict[int, str] = {}  # the totals' rows shown with their signs, as the published workbook's
    index_format = provisional_format(INDEX_FORMAT) if rating.provisional else INDEX_FORMAT
    for label, value, shown in (
        (_("Tổng điểm các lĩnh vực"), comp.normal_total, ""),
        (_("Điểm cộng"), comp.bonus, BONUS_FORMAT),
        (_("Điểm trừ"), _deducted(comp.penalty), PENALTY_FORMAT),
        (_("Tổng điểm tự đánh giá"), comp.total, INDEX_FORMAT),
        (_("Chỉ số tự đánh giá"), comp.index, index_format),  # «12.50 (tạm tính)» while criteria are unscored
    ):
        _put(ws, row_number, ["", label, "", value], bold=True)
        if shown:
            signed[row_number] = shown
        row_number += 1
    # The class as the report page shows it, the band's name in the language of the download («Weak» for «Yếu»);
    # none while criteria are unscored.
    _put(ws, row_number, ["", _("Xếp loại (tự đánh giá)"), "", rating.classification], bold=True)
    for r in ws.iter_rows(min_row=first_row, min_col=3, max_col=4):
        for cell in r:
            cell.number_format = NUMBER_FORMAT
    for number in deducted:  # «−2.00» with the true minus sign, the cells still numbers
        for column in (3, 4):
            ws.cell(row=number, column=column).number_format = PENALTY_FORMAT
    for number, shown in signed.items():
        ws.cell(row=number, column=4).number_format = shown
    for number in credited:
        _mark_kps(ws.cell(row=number, column=4))
    _widths(ws, [10, 80, 12, 14, 40])
    print_setup(ws, landscape=True, fit_width=True, title_rows=(header_row, header_row), freeze=f"A{first_row}")

    ws2 = wb.create_sheet(str(_("II. Giải trình")))
    _put(ws2, 1, [_("GIẢI TRÌNH CÁC TIÊU CHÍ KHÔNG CÓ HOẶC CHƯA ĐỦ TÀI LIỆU KIỂM CHỨNG")], bold=True)
    _put(ws2, 3, [_("Mã"), _("Tiêu chí thành phần"), _("Điểm tự chấm"), _("Tài liệu kiểm chứng"), _("Giải trình")],
         bold=True)
    for number, leaf in enumerate(explanations, start=4):
        count = len(leaf.files)
        evidence = ngettext("%(n)s tệp", "%(n)s tệp", count) % {"n": count} if count else _("Chưa có")
        # A «không phát sinh» leaf (the page lists none, but any list given is written) reads as in Part I.
        score = _kps_self_score(leaf, index_mode) if leaf.line.not_applicable else _number(
            _deducted(leaf.line.self_score) if leaf.indicator.kind == Indicator.Kind.PENALTY else leaf.line.self_score)
        _put(ws2, number, [leaf.indicator.code, leaf.indicator.name, score, evidence,
                           leaf.line.explanation or _("(chưa giải trình)")])
        cell = ws2.cell(row=number, column=3)
        if leaf.line.not_applicable and not isinstance(score, str):
            _mark_kps(cell)
        elif not isinstance(score, str):
            cell.number_format = PENALTY_FORMAT if leaf.indicator.kind == Indicator.Kind.PENALTY else NUMBER_FORMAT
    _widths(ws2, [10, 60, 14, 18, 70])
    print_setup(ws2, landscape=True, fit_width=True, title_rows=(3, 3), freeze="A4")

    ws3 = wb.create_sheet(str(_("III. Khó khăn, kiến nghị")))
    _put(ws3, 1, [_("KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ, ĐỀ XUẤT")], bold=True)
    _put(ws3, 3, [assessment.difficulties or _("(không có)")])
    # the end of the report, as the printed page ends: the head signs on the right
    put_signatures(ws3, 5, [Signer(1, _("THỦ TRƯỞNG ĐƠN VỊ"), _("(Ký, ghi rõ họ tên và đóng dấu)"))],
                   alignment=Alignment(horizontal="right"), hint_font=Font(italic=True))
    _widths(ws3, [100])
    print_setup(ws3, landscape=False, fit_width=True, title_rows=None)
    return _save(wb)


# --- the self-assessment sheet for the offline round trip ----------------------------------------------------


def count_keys(indicator: Indicator) -> list[tuple[str, str]]:
    """(key, label) of a formula's variables or a per-occurrence list, in the set's order."""
    params = indicator.params or {}
    if indicator.method == Indicator.Method.FORMULA:
        return [(str(v.get("name")), str(v.get("label") or v.get("name"))) for v in params.get("variables") or []]
    if indicator.method == Indicator.Method.PER_OCCURRENCE:
        return [(str(i.get("key")), str(i.get("label") or i.get("key"))) for i in params.get("items") or []]
    return []


def sheet_columns(count_columns: int) -> list[tuple[str, str]]:
    """(key, header) of the round-trip sheet's columns, in order; shared with the import."""
    columns = [
        ("line_id", _("Mã dòng (không sửa)")),
        ("version", _("Phiên bản (không sửa)")),
        ("code", _("Mã")),
        ("name", _("Tiêu chí thành phần")),
        ("max", _("Điểm tối đa")),
        ("method", _("Phương pháp chấm")),
        ("how", _("Cách nhập")),
        ("points", _("Điểm")),
        ("option", _("Mức")),
        ("yes_no", _("Có/Không")),
        ("numerator", _("Tử số")),
        ("denominator", _("Mẫu số")),
    ]
    columns += [(f"count{i}", _("Số liệu %(i)s") % {"i": i}) for i in range(1, count_columns + 1)]
    columns += [
        ("note", _("Ghi chú")),
        ("explanation", _("Giải trình")),
        ("na", _("Không phát sinh (Có/Không)")),
        ("na_reason", _("Lý do không phát sinh")),
        ("score", _("Điểm tự chấm hiện tại")),
    ]
    return columns


def downloaded_columns(count_columns: int) -> list[str]:
    """The keys of the sheet's columns a person may fill (the leaf's value, texts, «không phát sinh»), whose
    downloaded values the companion sheet keeps; shared with the import."""
    keys = [key for key, _header in sheet_columns(count_columns)]
    start, end = keys.index("points"), keys.index("score")
    return keys[start:end]


def self_assessment_kps_legend() -> str:
    """The line above «Điểm tự chấm hiện tại» that says what a cell marked «KPS» holds."""
    return str(_("Ô ghi «KPS» ở cột «Điểm tự chấm hiện tại»: tiêu chí đơn vị chọn không phát sinh; số trong ô là điểm "
                 "được tính cho tiêu chí khi tính chỉ số."))


def number_text(raw: Any) -> str:
    """A number written in a text of the sheet as the page's language writes it («0,25» in Vietnamese, «0.25» in
    English; «1.50» as «1,5»), by Django's number formatting for the active language. Not a number: as it is."""
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return str(raw)
    if not value.is_finite():
        return str(raw)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value, use_l10n=True)


def _numbers_in_text(text: str) -> str:
    """The decimals of a formula's limit («b <= 0.5 * a») as the page's language writes them."""
    return re.sub(r"\d+\.\d+", lambda m: number_text(m.group(0)), text)


def _how(ind: Indicator) -> str:
    params = ind.params or {}
    method = ind.method
    if method == Indicator.Method.MANUAL:
        return _("Nhập điểm vào cột «Điểm» (bước %(step)s).") % {"step": number_text(params.get("step", "0.25"))}
    if method == Indicator.Method.LEVELS:
        options = " | ".join(f"{o.get('label')} ({_level_points(ind, o.get('points'))})"
                             for o in params.get("options") or [])
        return _("Chọn một mức ở cột «Mức»: %(options)s") % {"options": options}
    if method == Indicator.Method.YES_NO:
        return _("Ghi «Có» hoặc «Không» ở cột «Có/Không».")
    if method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
        return _("Nhập tử số và mẫu số.")
    if method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
        keys = count_keys(ind)
        parts = [f"{_('Số liệu %(i)s') % {'i': i}} = {label}" for i, (_key, label) in enumerate(keys, 1)]
        column = {key: _("Số liệu %(i)s") % {"i": i} for i, (key, _label) in enumerate(keys, 1)}
        limits = (params.get("limits") or []) if method == Indicator.Method.FORMULA else []
        for limit in limits:  # "b + c <= a" in the sheet's own column names: "Số liệu 2 + Số liệu 3 ≤ Số liệu 1"
            named = re.sub(r"[A-Za-z_]\w*", lambda m: column.get(m.group(0), m.group(0)), str(limit))
            parts.append(_("điều kiện: %(limit)s") % {"limit": _numbers_in_text(named.replace("<=", "≤"))})
        return "; ".join(parts)
    return _("Điểm lấy từ điều tra xã hội học (không tự chấm).")


def _level_points(ind: Indicator, raw: Any) -> str:
    """A level's points in the «Cách nhập» text; a penalty's as the deduction the page writes («trừ 1», «không trừ
    điểm»). Only this column, which the import never reads: the «Mức» drop-down keeps the levels' names, so files
    downloaded before read back the same."""
    if ind.kind != Indicator.Kind.PENALTY:
        return number_text(raw)
    try:
        zero = Decimal(str(raw)) == 0
    except (InvalidOperation, ValueError):
        zero = False
    return _("không trừ điểm") if zero else _("trừ %(points)s") % {"points": number_text(raw)}


def _kind_how(ind: Indicator) -> str:
    """What a bonus or penalty leaf's row means, said after how to fill it: the engine counts it apart from the area's
    points; a penalty's points are written negative in the sheet's shown columns, while its input cells keep their
    meaning (counts, figures, or the points deducted typed without a sign, as on the page)."""
    if ind.kind == Indicator.Kind.BONUS:
        return _("Điểm cộng: không tính vào điểm lĩnh vực, cộng vào chỉ số.")
    if ind.kind != Indicator.Kind.PENALTY:
        return ""
    said = _("Điểm trừ: không tính vào điểm lĩnh vực, trừ vào chỉ số; «Điểm tối đa» và «Điểm tự chấm hiện tại» ghi "
             "số điểm bị trừ, có dấu âm.")
    if ind.method == Indicator.Method.MANUAL:
        said += " " + _("Ở cột «Điểm» ghi số điểm bị trừ, không ghi dấu âm.")
    return said


def _kind_name(ind: Indicator) -> str:
    """A leaf's name in the sheet, a bonus or penalty leaf's marked with its kind as the report marks it."""
    return ind.name if ind.kind == Indicator.Kind.NORMAL else f"[{ind.get_kind_display()}] {ind.name}"


def _level_label(ind: Indicator, key: Any) -> str:
    for option in (ind.params or {}).get("options") or []:
        if str(option.get("key")) == str(key):
            return str(option.get("label") or key)
    return str(key or "")


class _ChoiceLists:
    """The drop-down lists of the «Chọn mức» leaves, each a column of a hidden, protected sheet that the leaf's
    data validation points at. An inline list ("a,b,c") cannot hold a label with a comma and is cut at 255
    characters: such leaves had no drop-down at all. Leaves with the same options share one list."""

    def __init__(self, workbook: Workbook, ws: Worksheet) -> None:
        self.workbook = workbook
        self.ws = ws  # the sheet whose cells get the drop-downs
        self.sheet: Worksheet | None = None
        self.validations: dict[tuple[str, ...], DataValidation] = {}

    def validation(self, labels: Sequence[str]) -> DataValidation:
        key = tuple(labels)
        if key not in self.validations:
            if self.sheet is None:
                self.sheet = self.workbook.create_sheet(str(_("Danh sách chọn"))[:31])
                self.sheet.sheet_state = "hidden"  # never read by the import (scoring.sheets.shown_sheet)
                self.sheet.protection.sheet = True
            column = len(self.validations) + 1
            for row, label in enumerate(labels, start=1):
                put_cell(self.sheet, row, column, label)
            letter = get_column_letter(column)
            source = f"{quote_sheetname(self.sheet.title)}!${letter}$1:${letter}${len(labels)}"
            validation = DataValidation(type="list", formula1=source, allow_blank=True)
            self.ws.add_data_validation(validation)
            self.validations[key] = validation
        return self.validations[key]


class _DownloadedValues:
    """The companion sheet keeping each row's fillable cells as downloaded, by line id and version (very hidden:
    not listed among the sheets Excel can unhide; protected). Written with the same cell writer as the sheet, the
    values read back alike from both unless the person changed the row's cell. B1 names this download (a random id):
    an upload of the same file again is told apart from a colleague's copy downloaded at the same versions, so that
    what an earlier import of it wrote is not taken for a change made by somebody else (`scoring.imports`)."""

    def __init__(self, workbook: Workbook, assessment_id: int, count_columns: int) -> None:
        self.sheet = workbook.create_sheet(str(_("Giá trị lúc tải về"))[:31])
        self.sheet.sheet_state = "veryHidden"  # never read as the sheet to import (scoring.sheets.shown_sheet)
        self.sheet.protection.sheet = True
        self.keys = ["line_id", "version", *downloaded_columns(count_columns)]
        self.sheet.cell(row=1, column=1, value=f"{DOWNLOADED_MARKER}:{assessment_id}")
        self.sheet.cell(row=1, column=2, value=secrets.token_hex(12))
        for column, key in enumerate(self.keys, start=1):
            self.sheet.cell(row=2, column=column, value=key)
        self.row = 3

    def add(self, cells: dict[str, Any]) -> None:
        for column, key in enumerate(self.keys, start=1):
            put_cell(self.sheet, self.row, column, cells.get(key))
        self.row += 1


def _read_only_line(assessment: Assessment, downloaded_at: str) -> str:
    """The line of a read-only copy saying why nothing can be filled in it."""
    state = assessment.get_state_display()
    if assessment.submitted_at is not None:
        return _("Bản chỉ để xem: bản đánh giá đã gửi ngày %(date)s (trạng thái «%(state)s»), không nhập lại vào hệ "
                 "thống được. Tải về lúc %(at)s.") % {
            "date": timezone.localtime(assessment.submitted_at).strftime("%d/%m/%Y"), "state": state,
            "at": downloaded_at,
        }
    return _("Bản chỉ để xem: bản đánh giá đang ở trạng thái «%(state)s», không nhập lại vào hệ thống được. Tải về "
             "lúc %(at)s.") % {"state": state, "at": downloaded_at}


def self_assessment_workbook(*, sheet: selectors.AssessmentSheet) -> bytes:
    """One row per leaf; only the cells a unit fills are unlocked; the technical columns are hidden; the options
    of the «Chọn mức» leaves are listed on a hidden sheet for their drop-downs; the fillable cells as downloaded are
    kept on a very hidden one (`DOWNLOADED_MARKER`). A «không phát sinh» leaf's current score is the points the
    engine credits it, marked «KPS» as in the report's workbook, with a line saying so above the column.

    Once the assessment is no longer a draft (submitted, in appraisal, …) the unit cannot import anything: the file
    is a read-only copy that says so (`READ_ONLY_MARKER`), every cell locked, no input colour, no drop-down and no
    companion sheet."""
    # the published workbook's deduction, «−2.00» with the true minus sign (imported here, as that module imports
    # this one)
    from scoring.publication.exports import PENALTY_FORMAT

    assessment = sheet.assessment
    read_only = assessment.state != Assessment.State.DRAFT
    count_columns = max([len(count_keys(r.indicator)) for r in sheet.leaves] + [1])
    columns = sheet_columns(count_columns)
    position = {key: index for index, (key, _header) in enumerate(columns, start=1)}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(_("Phiếu tự chấm"))
    ws.cell(row=1, column=1, value=f"{READ_ONLY_MARKER if read_only else SHEET_MARKER}:{assessment.pk}")
    ws.cell(row=1, column=3, value=_("PHIẾU TỰ CHẤM ĐIỂM CHỈ SỐ CCHC NĂM %(year)s") % {"year": assessment.cycle.year})
    ws.cell(row=1, column=3).font = BOLD
    put_cell(ws, 2, 3, assessment.unit.name)
    downloaded_at = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    if read_only:
        ws.cell(row=3, column=3, value=_read_only_line(assessment, downloaded_at)).font = BOLD
    else:
        ws.cell(row=3, column=3, value=_("Tải về lúc %(at)s. Chỉ điền các ô màu vàng; không thêm, xóa hay đổi thứ "
                                         "tự dòng, cột.") % {"at": downloaded_at})
    for column, (_key, header) in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=column, value=header)
        cell.font, cell.fill, cell.alignment = BOLD, HEAD_FILL, WRAP
    yes, no = yes_text(), no_text()
    yes_no = DataValidation(type="list", formula1=f'"{yes},{no}"', allow_blank=True)
    if not read_only:
        ws.add_data_validation(yes_no)
    level_lists = _ChoiceLists(wb, ws)
    downloaded = None if read_only else _DownloadedValues(wb, assessment.pk, count_columns)
    index_mode = assessment.indicator_set.index_mode
    kps_credited = False
    for number, leaf in enumerate(sheet.leaves, start=FIRST_DATA_ROW):
        ind, line = leaf.indicator, leaf.line
        value = line.self_value or {}
        counts = value.get("counts") or {}
        how = "\n".join(text for text in (_how(ind), _kind_how(ind)) if text)
        cells: dict[str, Any] = {
            "line_id": line.pk, "version": line.version, "code": ind.code, "name": _kind_name(ind),
            "max": ind.max_points, "method": ind.get_method_display(), "how": how,
            "note": line.self_note, "explanation": line.explanation,
            "na": yes if line.not_applicable else "", "na_reason": line.not_applicable_reason,
            "score": line.self_score,
        }
        credit: Decimal | None = None
        if line.not_applicable:
            # As the report's workbook: the points the engine credits the leaf, a number marked «KPS» on a tinted
            # cell (the page shows «KPS (tính 1,50 điểm)»); left out of the maximum (percent mode): said in words.
            credit = selectors.not_applicable_credit(kind=ind.kind, max_points=ind.max_points, index_mode=index_mode)
            cells["score"] = credit if credit is not None else _("Không phát sinh")
        if ind.kind == Indicator.Kind.PENALTY:
            # Shown only (the import reads neither): the amount deducted, negative, as the page and the report write
            # it. The input cells keep the values the engine takes, so the file imports back as it was downloaded.
            cells["max"], cells["score"] = _deducted(cells["max"]), _deducted(cells["score"])
        editable: list[str] = []
        method = ind.method
        fillable = leaf.self_scored and not read_only
        if leaf.self_scored:
            editable = ["note", "explanation"]
            if ind.allow_not_applicable:
                editable += ["na", "na_reason"]
            if method == Indicator.Method.MANUAL:
                editable.append("points")
                cells["points"] = _number(value.get("points"))
            elif method == Indicator.Method.LEVELS:
                editable.append("option")
                cells["option"] = _level_label(ind, value.get("option")) if value else None
                labels = [str(o.get("label") or o.get("key")) for o in (ind.params or {}).get("options") or []]
                if labels and fillable:
                    level_lists.validation(labels).add(ws.cell(row=number, column=position["option"]))
            elif method == Indicator.Method.YES_NO:
                editable.append("yes_no")
                if "value" in value:
                    cells["yes_no"] = yes if value["value"] else no
                if fillable:
                    yes_no.add(ws.cell(row=number, column=position["yes_no"]))
            elif method in (Indicator.Method.RATIO_BANDS, Indicator.Method.PROPORTIONAL):
                editable += ["numerator", "denominator"]
                cells["numerator"] = _number(value.get("numerator"))
                cells["denominator"] = _number(value.get("denominator"))
            elif method in (Indicator.Method.FORMULA, Indicator.Method.PER_OCCURRENCE):
                for i, (key, _label) in enumerate(count_keys(ind), start=1):
                    editable.append(f"count{i}")
                    cells[f"count{i}"] = counts.get(key)
        if ind.allow_not_applicable and not read_only:
            yes_no.add(ws.cell(row=number, column=position["na"]))
        for key, column in position.items():
            cell = put_cell(ws, number, column, cells.get(key))
            cell.alignment = WRAP
            if key in editable and fillable:
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
        # The shown figures (never read back): two decimals as everywhere in the product, a penalty's «−2.00» with
        # the true minus sign; still numbers.
        for key in ("max", "score"):
            shown = ws.cell(row=number, column=position[key])
            if shown.value is not None and not isinstance(shown.value, str):
                shown.number_format = PENALTY_FORMAT if ind.kind == Indicator.Kind.PENALTY else NUMBER_FORMAT
        if credit is not None:
            score = ws.cell(row=number, column=position["score"])
            score.number_format, score.fill = kps_number_format(), KPS_FILL
            kps_credited = True
        if downloaded is not None:
            downloaded.add(cells)
    if kps_credited:  # above the column, unwrapped: it reads on to the right (rows 1-3 are not imported)
        put_cell(ws, HEADER_ROW - 1, position["score"], self_assessment_kps_legend())
    for key in ("line_id", "version"):
        ws.column_dimensions[get_column_letter(position[key])].hidden = True
    widths = {"code": 9, "name": 55, "max": 9, "method": 16, "how": 40, "note": 30, "explanation": 40,
              "na": 12, "na_reason": 30, "score": 12}
    for key, column in position.items():
        ws.column_dimensions[get_column_letter(column)].width = widths.get(key, 11)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=position["how"])
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # let people widen columns
    ws.protection.formatRows = False
    _totals_sheet(wb, sheet, downloaded_at)
    return _save(wb)


TOTALS_NUMBER = NUMBER_FORMAT


def _totals_sheet(wb: Workbook, sheet: selectors.AssessmentSheet, downloaded_at: str) -> None:
    """A second, visible and locked sheet with the totals the sheet page shows when the file is downloaded: each
    area, the areas' points, the bonus, the penalty (negative, as the criteria sheet writes a penalty), the index and
    its class, as the sheet page shows them (`self_rating`: the index «tạm tính» and no class while criteria are
    unscored; the index with the true minus sign below zero). Values, not formulas: they are the engine's (caps,
    «không phát sinh» credits, half-up rounding), which a formula over the criteria sheet would not reproduce; they
    say when they were computed. The import never reads this sheet (its A1 is `TOTALS_MARKER`), so the file goes back
    as it was downloaded."""
    # the published workbook's formats: the bonus «+1.50», a deduction with the true minus «−1.00» (imported here, as
    # that module imports this one)
    from scoring.publication.exports import BONUS_FORMAT, PENALTY_FORMAT

    ws = wb.create_sheet(str(_("Tổng hợp")), index=1)
    ws.cell(row=1, column=1, value=f"{TOTALS_MARKER}:{sheet.assessment.pk}")
    ws.column_dimensions["A"].hidden = True
    title = ws.cell(row=1, column=2, value=_("TỔNG HỢP ĐIỂM TỰ CHẤM NĂM %(year)s") % {
        "year": sheet.assessment.cycle.year})
    title.font = BOLD
    put_cell(ws, 2, 2, sheet.assessment.unit.name)
    put_cell(ws, 3, 2, _("Tính theo điểm đang lưu trên hệ thống lúc tải về (%(at)s). Không tự cập nhật khi sửa trang "
                         "«Phiếu tự chấm»: tải tệp lên hệ thống để xem tổng mới.") % {"at": downloaded_at})
    header = 5
    for column, text in enumerate((_("Lĩnh vực"), _("Tự chấm"), _("Tối đa")), start=2):
        cell = ws.cell(row=header, column=column, value=text)
        cell.font, cell.fill, cell.alignment = BOLD, HEAD_FILL, WRAP
    comp, rules = sheet.computation, sheet.rules
    rating = sheet_rating(sheet)
    rows: list[tuple[str, Any, Any, str]] = []
    for block in sheet.areas:
        total, maximum = block.total, block.max_points
        if block.area.kind == Indicator.Kind.PENALTY:
            rows.append((f"{block.area.code}. {block.area.name}", _deducted(total), _deducted(maximum),
                         PENALTY_FORMAT))
        else:
            rows.append((f"{block.area.code}. {block.area.name}", total, maximum, TOTALS_NUMBER))
    rows += [
        (_("Điểm các lĩnh vực"), comp.normal_total, comp.applicable_max, TOTALS_NUMBER),
        (_("Điểm cộng"), comp.bonus, rules.bonus_cap, BONUS_FORMAT),
        (_("Điểm trừ"), _deducted(comp.penalty), _deducted(rules.penalty_cap), PENALTY_FORMAT),
        (_("Chỉ số tự đánh giá"), comp.index, None,
         provisional_format(INDEX_FORMAT) if rating.provisional else INDEX_FORMAT),
        (_("Xếp loại tự đánh giá"), rating.classification, None, TOTALS_NUMBER),
    ]
    last = header + len(rows)
    for row, (label, points, maximum, number_format) in enumerate(rows, start=header + 1):
        put_cell(ws, row, 2, label).alignment = WRAP
        for column, value in ((3, points), (4, maximum)):
            cell = put_cell(ws, row, column, value)
            if not isinstance(value, str):
                cell.number_format = number_format
        if row >= last - 1:  # the index and its class, as the sheet page's last row
            for column in (2, 3):
                ws.cell(row=row, column=column).font = BOLD
    for letter, width in (("B", 60), ("C", 14), ("D", 12)):
        ws.column_dimensions[letter].width = width
    ws.protection.sheet = True
    ws.protection.formatColumns = False
