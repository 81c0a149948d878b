"""Files of a publication: the official workbook, open data (CSV, JSON), the PDF report and a unit's evidence
pack. Every builder reads the publication's snapshot only. Text that a spreadsheet could take for a formula is
neutralised: in a workbook written as a string cell with Excel's quote-prefix mark, shown as typed
(`scoring.exports.text_cell`, `put_text`); in a CSV with a leading apostrophe (`scoring.exports.safe_text`). The
open-data schema is documented in docs/open-data.md; change it only by adding fields."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from scoring.exports import FORMULA_STARTS, KPS_FILL, put_text, safe_text
from scoring.exports import print_setup as _print_setup
from scoring.models import ExportJob, Indicator, Publication, ScoreLine
from scoring.publication import charts, selectors
from scoring.publication.criteria_identity import criteria_identity
from scoring.selectors import not_applicable_credit
from scoring.templatetags.scoring_tags import score as shown_score

OPEN_DATA_SCHEMA = "cchc-ket-qua/1"
# The format of a publication's files: raise it when a change of the code changes the bytes of an existing
# publication's file. Part of every public file's ETag (`downloads.served`) and of the name a whole-publication file
# is kept under in the export store (`job_path`), so a file built by the earlier code is built again, not served
# under the new ETag. 2: the JSON lists each set's classification bands; 3: ties in Vietnamese alphabetical order,
# the PDF's averages per indicator set; 4: the PDF's yearly averages per indicator set; 5: a correction's revision
# and reason in the workbook's header and the results CSV (`ly_do_dinh_chinh`), charts on a fixed scale, the PDF's
# average captions state only what the data shows; 6: the points each criterion counts for in the criteria CSV
# (`diem_tinh_chi_so`), the units that never submitted their self-assessment marked; 7: the unit kind's code in the
# results CSV (`ma_loai_don_vi`) and JSON (`unit_kind_code`), a correction's changed rows marked with the earlier
# figures and listed (workbook and PDF), the workbook set up for print and reading (print titles, orientation, frozen
# headers, widths, whole-word sheet names, each set's maxima), the PDF's charts titled and kept with their headings,
# the index's minus sign, each criterion's stable identifier and its code in the year published before in the
# criteria CSV (`ma_dinh_danh`, `ma_tieu_chi_nam_truoc`); 8: a penalty criterion's column of the workbook's criteria
# matrix and the PDF's per-area penalty column (headed «Điểm trừ», before «Trừ», as the workbook's) written as
# deductions (negative), each with the convention said; 9: the grading scale and the «Không gửi báo cáo tự đánh giá»
# legend under each ranking (workbook and PDF), the bonus with its plus sign as on the page (the PDF's «+1,50», the
# workbook's number format), the convention said, a long criterion title cut between words with «…» and whole in
# its cell's comment, sheet names that keep their meaning (the unit kind's name, the set's key, the group's code);
# 10: the sheet of a set of several unit kinds named after its kinds (or its name cut with «…»), not its key; 11: a
# deduction's cells (the «Điểm trừ» column, a penalty criterion's) shown with the true minus sign (`PENALTY_FORMAT`).
FILE_FORMAT = 11
# The official files (the workbook, the PDF report, the evidence pack) are the province's documents, in
# Vietnamese whoever asks for them first: each is built once per publication and then shared by everyone.
OFFICIAL_LANGUAGE = "vi"
CSV_COLUMNS = [
    "nam", "lan_cong_bo", "so_van_ban", "ngay_van_ban", "ma_khoi", "ten_khoi", "hang", "ma_don_vi", "ten_don_vi",
    "loai_don_vi", "ma_bo_chi_so", "phien_ban_bo_chi_so", "chi_so", "tong_diem", "diem_linh_vuc", "diem_cong",
    "diem_tru", "diem_toi_da_ap_dung", "xep_loai",
    # Added (the schema only adds columns): the correction's reason, empty in a first publication (`lan_cong_bo` 1).
    "ly_do_dinh_chinh",
    # Added: 1 for a unit that never submitted its self-assessment (handed over to the team, `NOT_SUBMITTED`).
    "khong_gui_tu_danh_gia",
    # Added: the unit kind's code (the catalogue's), empty when a publication made before it cannot tell it surely.
    "ma_loai_don_vi",
]
Progress = Callable[[int], None]
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
# An accepted «không phát sinh» (KPS) in a criteria matrix: the points the engine credits it, shown «1.50 KPS» on a
# tinted cell. The cell stays a number, so a row adds up to the unit's published total.
KPS_FORMAT = '0.00" KPS"'
# The official workbook is built in Vietnamese (`OFFICIAL_LANGUAGE`), as every other text of it.
KPS_LEGEND = gettext_lazy(
    "Ô tô nền vàng, ghi «KPS»: tiêu chí không phát sinh được Tổ thẩm định chấp nhận; số trong ô là điểm được tính "
    "cho tiêu chí khi tính chỉ số."
)
# A unit that never submitted its self-assessment (handed over to the appraisal team when its deadline passed, the
# leaves it did not score appraised 0): said beside its result, so that it does not read as a unit that scored so.
NOT_SUBMITTED = gettext_lazy("Không gửi báo cáo tự đánh giá")
# The «Điểm trừ» column of the workbooks (this one, the team's preliminary table, the unit's appraisal workbook) is
# a deduction, negative, as the pages write it («−0,50»): areas + bonus + penalty read across add up to the total.
# The open-data files keep their documented positive penalty (docs/open-data.md), so the sheet says which it is.
PENALTY_NOTE = gettext_lazy(
    "Cột «Điểm trừ» ghi số âm (điểm bị trừ), như trên trang kết quả: điểm các lĩnh vực + điểm cộng + điểm trừ = "
    "tổng điểm. Tệp dữ liệu mở (CSV, JSON) ghi điểm trừ là số dương."
)
# The same convention where the penalty criteria are among the others (the criteria matrix's columns, the evidence
# pack's rows): named, so that a reader knows which negative figures are deductions (a normal criterion's floor may
# be negative too).
PENALTY_CRITERIA_NOTE = gettext_lazy(
    "Điểm của tiêu chí điểm trừ (%(codes)s) ghi số âm (điểm bị trừ), như trên trang kết quả. Tệp dữ liệu mở (CSV, "
    "JSON) ghi điểm trừ là số dương."
)
# The bonus, as the pages write it («+1,50»): the PDF's per-area table with its plus sign, the workbook's cell a
# number shown so (a zero without a sign, as `signed_score` writes it); said beside the penalty's convention.
BONUS_FORMAT = "+0.00;-0.00;0.00"
# A deduction (a penalty, a penalty criterion's points and maximum), a negative number shown with the true minus sign
# the pages write («−1.00», not Excel's hyphen «-1.00»): a format's section for negative numbers shows no sign of its
# own, so the section writes «−» before the absolute value. The cell stays a number (sums, sorting, filters).
PENALTY_FORMAT = '0.00;"\u2212"0.00;0.00'
BONUS_NOTE = gettext_lazy(
    "Cột «Điểm cộng» ghi số dương có dấu «+» (điểm được cộng), như trên trang kết quả."
)
# The public ranking page's legend of the marker, in its words (templates/scoring/publication/cycle.html).
NOT_SUBMITTED_LEGEND = gettext_lazy(
    "Không gửi báo cáo tự đánh giá: đơn vị không gửi bản tự đánh giá đúng hạn. Chỉ số của đơn vị được tính từ bản "
    "đánh giá đơn vị để lại khi quá hạn, do Tổ thẩm định thẩm định; tiêu chí đơn vị không chấm được 0 điểm."
)
# A criterion's title in the criteria matrix's header cell: at most this many characters, cut between words with
# «…» (the whole title in the cell's comment, and in the criteria CSV), so that the wrapped header stays a few lines.
CRITERION_HEAD_MAX = 80
CRITERION_WIDTH = 15
CRITERION_TITLES_NOTE = gettext_lazy(
    "Tên tiêu chí dài được rút gọn ở hàng «Tiêu chí» (kết thúc bằng «…»); tên đầy đủ ở ghi chú (comment) của ô."
)
KPS_LEGEND_PERCENT = gettext_lazy(
    "Ô tô nền vàng để trống: tiêu chí không phát sinh được Tổ thẩm định chấp nhận, không tính vào điểm đạt và điểm "
    "tối đa khi tính chỉ số."
)


def _noop(_: int) -> None:
    return None


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def document_line(publication: Publication) -> str:
    return f"{publication.document_number} ngày {publication.document_date:%d/%m/%Y}"


def revision_line(publication: Publication) -> str:
    """The revision in words, for a file's header: empty for a first publication; for a correction «Lần công bố
    2 — đính chính: <reason>» (or that it corrects the document's information only, the results unchanged), so a
    printed copy of a correction never reads as the original. In the official language (built under it)."""
    if publication.revision <= 1:
        return ""
    if publication.snapshot.get("document_only"):
        line = gettext("Lần công bố %(n)s — đính chính thông tin văn bản, kết quả không thay đổi") % {
            "n": publication.revision}
    else:
        line = gettext("Lần công bố %(n)s — đính chính kết quả của lần công bố %(earlier)s") % {
            "n": publication.revision, "earlier": publication.revision - 1}
    if publication.reason:
        line += gettext("; lý do đính chính: %(reason)s") % {"reason": publication.reason}
    return line


SHEET_NAME_MAX = 31  # Excel's limit
_SHEET_REFUSED = re.compile(r"[\[\]:*?/\\]")
_SHEET_TRAILING = " ,;.-—'"


def _fit_words(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at the last comma that keeps at least half of it («…huyện, thị xã»
    loses «thị xã» whole, not «xã» alone), else between words (a word is never cut in two; a first word longer than
    the limit is, as the last resort), without a trailing comma or dash."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    comma = head.rfind(", ")
    if comma >= limit // 2:
        return head[:comma].rstrip(_SHEET_TRAILING)
    cut = head.rfind(" ")
    return (head[:cut] if cut > 0 else text[:limit]).rstrip(_SHEET_TRAILING)


def _sheet_title(name: str, used: set[str]) -> str:
    """A worksheet name Excel accepts: no `[]:*?/\\`, at most 31 characters cut between words, and unique in the
    workbook (Excel compares sheet names without regard to case). `used` holds the case-folded names taken so
    far. The sheet's full name is in its title rows."""
    title = _fit_words(_SHEET_REFUSED.sub(" ", name).strip(), SHEET_NAME_MAX).rstrip(_SHEET_TRAILING) or "Sheet"
    base, n = title, 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title, n = _fit_words(base, SHEET_NAME_MAX - len(suffix)) + suffix, n + 1
    used.add(title.casefold())
    return title


# «Bộ Chỉ số CCHC của …», «Bộ chỉ số …»: the words every set's name starts with, left out of a short sheet name.
_SET_NAME_LEAD = re.compile(r"^bộ\s+chỉ\s+số(\s+cchc)?(\s+(của|cho|dành\s+cho))?\s+", re.IGNORECASE)


def _kinds_names(kinds: list[str] | tuple[str, ...]) -> list[str]:
    """Ways to name the unit kinds of a set covering several, shortest first: their shared first words said once
    («UBND cấp huyện, xã» for «UBND cấp huyện» and «UBND cấp xã»), then every name whole («Sở, ban, ngành; Chi cục»)."""
    names = sorted({" ".join(_SHEET_REFUSED.sub(" ", k).split()) for k in kinds} - {""})
    if len(names) < 2:
        return []
    words = [n.split() for n in names]
    shared = 0
    while all(len(w) > shared + 1 and w[shared] == words[0][shared] for w in words):
        shared += 1
    found = []
    if shared:
        found.append(" ".join(words[0][:shared]) + " " + ", ".join(" ".join(w[shared:]) for w in words))
    found.append("; ".join(names))
    return found


def set_sheet_name(name: str, *, kinds: list[str] | tuple[str, ...] = ()) -> str:
    """A short name for a set's criteria sheet, never a name cut short of its words without saying so (Excel allows
    31 characters): its name when it fits; else «Điểm » and what follows «Bộ Chỉ số CCHC của» («Điểm các sở, ban,
    ngành tỉnh») when that fits; else «Điểm » and the unit kind its units are of («Điểm UBND cấp huyện»: «…các huyện,
    thành phố, thị xã» does not fit), or the kinds when they are of several («Điểm UBND cấp huyện, xã»); else «Điểm »
    and the set's name cut between words, ended with «…». The sheet's title rows give the set's full name."""
    clean = " ".join(_SHEET_REFUSED.sub(" ", name).split())
    if len(clean) <= SHEET_NAME_MAX:
        return clean
    rest = _SET_NAME_LEAD.sub("", clean)
    candidates = [rest] if rest != clean else []
    if len(set(kinds)) == 1:
        candidates.append(" ".join(_SHEET_REFUSED.sub(" ", kinds[0]).split()))
    candidates.extend(_kinds_names(kinds))
    for candidate in candidates:
        short = gettext("Điểm %(set)s") % {"set": candidate}
        if candidate and len(short) <= SHEET_NAME_MAX:
            return short
    room = SHEET_NAME_MAX - len(gettext("Điểm %(set)s") % {"set": ""}) - 1
    return gettext("Điểm %(set)s") % {"set": _fit_words(rest, room) + "…"}


def group_sheet_name(name: str, code: str) -> str:
    """A ranking group's sheet name: its name when it fits Excel's 31 characters, else its code (a name cut short
    loses words: «UBND các huyện, thị xã» for «…, thị xã, thành phố»); the sheet's title rows give the full name.
    A code that does not fit either (or none: the units outside every group) leaves the name, cut between words."""
    clean = " ".join(_SHEET_REFUSED.sub(" ", name).split())
    if len(clean) <= SHEET_NAME_MAX or not code or len(code) > SHEET_NAME_MAX:
        return clean
    return code


def criterion_head(name: str) -> str:
    """A criterion's title for the criteria matrix's header cell: whole when it has at most `CRITERION_HEAD_MAX`
    characters, else cut at the last space that fits, without a trailing comma or dash, and ended with «…» (a word
    is never cut in two, but a first word longer than the limit, as the last resort)."""
    text = " ".join(name.split())
    if len(text) <= CRITERION_HEAD_MAX:
        return text
    head = text[:CRITERION_HEAD_MAX]
    cut = head.rfind(" ")
    kept = (head[:cut] if cut > 0 else head).rstrip(_SHEET_TRAILING + ":(")
    return f"{kept}…"


def scale_lines(scale: selectors.ClassificationScale) -> list[str]:
    """A classification scale in the public page's words («Thang xếp loại», templates/scoring/publication/
    _bands.html): «Tốt: chỉ số từ 90,00 trở lên», «Khá: chỉ số từ 80,00 đến dưới 90,00», «Yếu: chỉ số dưới 65,00»,
    and «chỉ số dưới 10,00: không xếp loại» when the lowest band starts above 0. The band names as the set writes
    them; in the active language (the official files are built in Vietnamese)."""
    lines = []
    for b in scale.bands:
        if b.high is None:
            words = gettext("chỉ số từ %(low)s trở lên") % {"low": shown_score(b.low)}
        elif b.below_only:
            words = gettext("chỉ số dưới %(high)s") % {"high": shown_score(b.high)}
        else:
            words = gettext("chỉ số từ %(low)s đến dưới %(high)s") % {
                "low": shown_score(b.low), "high": shown_score(b.high)}
        lines.append(f"{b.label}: {words}")
    if scale.unclassified_below is not None:
        lines.append(gettext("chỉ số dưới %(low)s: không xếp loại") % {
            "low": shown_score(scale.unclassified_below)})
    return lines


def table_scales(snap: dict[str, Any], table: selectors.GroupTable) -> list[selectors.ClassificationScale]:
    """The classification scales of the sets a ranking table's units are scored with (one when they agree), each
    with the names of its sets, from the snapshot's bands (`selectors.classification_scales`)."""
    keys = {r["set_key"] for r in table.rows}
    sets = {k: s for k, s in snap.get("sets", {}).items() if k in keys}
    return selectors.classification_scales({"sets": sets})


WRAP = Alignment(wrap_text=True, vertical="top")
# Per workbook, each look its cells are given (font, fill, number format, wrapping → the cell's style), found once:
# setting a font or a format on a cell looks it up in the workbook's lists (hashing the font) for every cell, which
# a national workbook does some hundred thousand times; a cell made with its look found here is the same cell.
_LOOKS: WeakKeyDictionary[Any, dict[tuple[int, int, str | None, bool], tuple[Any, ...]]] = WeakKeyDictionary()


def _look(ws: Any, font: Font | None, fill: PatternFill | None, number_format: str | None, wrap: bool
          ) -> StyleArray | None:
    """The style of a cell of `ws`'s workbook with this look, set on a first cell once per workbook as on every
    cell before (the workbook's lists of fonts, fills and formats fill in the same order); None: no look."""
    if font is None and fill is None and number_format is None and not wrap:
        return None
    looks = _LOOKS.setdefault(ws.parent, {})
    key = (id(font), id(fill), number_format, wrap)  # the objects are kept beside their style: an id is not reused
    found = looks.get(key)
    if found is None:
        cell = WriteOnlyCell(ws)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if number_format is not None:
            cell.number_format = number_format
        if wrap:
            cell.alignment = WRAP
        found = looks[key] = (font, fill, cell._style)
    return found[2]


def _as_is(value: Any) -> bool:
    """Whether openpyxl writes `value`, given bare to a write-only sheet, as `put_text` and an unstyled cell would:
    a number, a blank, text that cannot read as a formula or an error («#N/A») and has no carriage return."""
    if isinstance(value, str):
        return not value.startswith(FORMULA_STARTS) and "\r" not in value and value not in ERROR_CODES
    return value is None or type(value) in (int, Decimal, float)


def _styled(ws: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
            number_format: str | None = None, wrap: bool = False) -> Any:
    """`value` for a write-only sheet's row with this look; text as typed, never a formula (`put_text`). A value
    without a look that openpyxl writes alike by itself is given bare (`_as_is`): a cell object costs more to write."""
    if type(value) is Decimal:
        # As the float openpyxl writes for it: it turns a Decimal into a float three times (not a number? infinite?
        # then "%.16g"); the same text in the file.
        value = float(value)
    style = _look(ws, font, fill, number_format, wrap)
    if style is None and _as_is(value):
        return value
    cell = Cell(ws, row=1, column=1, style_array=style)
    if isinstance(value, str):
        put_text(cell, value)
    elif value is not None:
        cell.value = value
    return cell


def _cell(ws: Any, value: Any, *, font: Font | None = None, number: bool = False, wrap: bool = False) -> Any:
    """A write-only sheet's cell; text as typed, never a formula (`text_cell`); a bare value when that writes the
    same (`_styled`)."""
    return _styled(ws, value, font=font, number_format="0.00" if number else None, wrap=wrap)


def publication_corrections(publication: Publication) -> dict[str, list[selectors.UnitCorrection]]:
    """unit code → the corrections up to `publication` that changed the unit's index, rank or classification,
    oldest first: what the public ranking page marks «đã đính chính» (`selectors.corrections`, against each
    correction's previous revision's snapshot). Nothing for a first revision."""
    if publication.revision <= 1:
        return {}
    revisions = selectors.publication_revisions(cycle_id=publication.cycle_id)
    return selectors.corrections(publication=publication, revisions=revisions)


def correction_note(correction: selectors.UnitCorrection) -> str:
    """One correction of a unit in words, for a file's «Ghi chú»: «Đính chính ở lần công bố 2: trước là 85,12
    điểm, hạng 2, xếp loại Tốt» (in the official language, built under it)."""
    change = correction.change
    if change.added:
        return gettext("Đính chính ở lần công bố %(n)s: chưa có kết quả ở lần công bố %(earlier)s") % {
            "n": correction.revision, "earlier": correction.earlier_revision}
    return gettext("Đính chính ở lần công bố %(n)s: trước là %(index)s điểm, hạng %(rank)s, xếp loại "
                   "%(classification)s") % {
        "n": correction.revision, "index": charts.vn_value(change.old_index or 0),
        "rank": change.old_rank or "—", "classification": change.old_classification or "—"}


def correction_rows(corrected: dict[str, list[selectors.UnitCorrection]], snapshot: dict[str, Any]
                    ) -> list[tuple[dict[str, Any], selectors.UnitCorrection]]:
    """(the unit's row, one correction) for every correction of every corrected unit, in the published order."""
    return [(row, c) for row in snapshot.get("rows", []) for c in corrected.get(row["unit_code"], [])]


def _kps_cell(ws: Any, credit: Decimal | None) -> Cell:
    """A KPS leaf's cell: the points the engine credits it, marked (blank but marked when it is left out)."""
    return _styled(ws, credit, fill=KPS_FILL, number_format=KPS_FORMAT)


def leaf_credit(indicator_set: dict[str, Any], leaf: dict[str, Any]) -> Decimal | None:
    """The points the engine credits an accepted «không phát sinh» of `leaf` in a snapshot set (None: left out of
    the points and of the maximum, percent mode). Snapshots before the index mode was kept: points mode."""
    return not_applicable_credit(kind=leaf["kind"], max_points=Decimal(leaf["max_points"]),
                                 index_mode=indicator_set.get("index_mode", "points"))


def set_leaves(indicator_set: dict[str, Any]) -> list[dict[str, Any]]:
    """The scored leaves of one snapshot set, in the set's order. A code means a criterion only within its set:
    the sets of a year share codes (1.5.2 of the departments' set is not 1.5.2 of the districts')."""
    return [ind for ind in indicator_set["indicators"] if ind["is_leaf"]]


def leaf_columns(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """(code, name) of every scored leaf across the snapshot's sets, in set order, codes not repeated (the
    first set's name wins). Only for a list of codes: per set, use `set_leaves`."""
    seen: dict[str, str] = {}
    for s in snapshot.get("sets", {}).values():
        for ind in s["indicators"]:
            if ind["is_leaf"] and ind["code"] not in seen:
                seen[ind["code"]] = ind["name"]
    return list(seen.items())


def _deducted(penalty: Decimal) -> Decimal:
    """A penalty, published as a positive amount, as the workbook writes it: a deduction (`PENALTY_NOTE`); a zero
    stays 0, never −0."""
    return -penalty if penalty else Decimal(0)


def _penalty_cell(ws: Any, value: Decimal | None, *, font: Font | None = None) -> Cell:
    """A deduction's cell: a number shown with the true minus sign (`PENALTY_FORMAT`)."""
    return _styled(ws, value, font=font, number_format=PENALTY_FORMAT)


def _signed_leaf(ind: dict[str, Any], points: Decimal | None) -> Decimal | None:
    """A snapshot leaf's points (or maximum) as the workbook writes them: a penalty criterion's as a deduction
    (`_deducted`, `PENALTY_CRITERIA_NOTE`), the others' as published; None (no score) stays None."""
    return _deducted(points) if points is not None and ind["kind"] == "penalty" else points


def area_label(snapshot: dict[str, Any], code: str) -> str:
    """«code. name» of an area for a column shared by every set's units; the sets' names of the code joined
    by « / » when they differ (each unit's figure is its own set's area of that code)."""
    names: list[str] = []
    for s in snapshot.get("sets", {}).values():
        for ind in s["indicators"]:
            if ind["parent"] is None and ind["code"] == code and ind["name"] not in names:
                names.append(ind["name"])
    return f"{code}. {' / '.join(names)}"


CORRECTIONS_SHEET = "Các đơn vị được đính chính"


def _corrections_sheet(wb: Any, used: set[str], snap: dict[str, Any],
                       corrected: dict[str, list[selectors.UnitCorrection]], *, title: str,
                       header: Callable[[Any], None], head_rows: int) -> None:
    """The sheet of a correction's changed units: each correction's earlier and new index, rank and classification,
    and its reason (one row a correction of a unit, in the published order)."""
    group_names = {g["code"]: g["name"] for g in snap.get("groups", [])}
    ws = wb.create_sheet(_sheet_title(CORRECTIONS_SHEET, used))
    top = 4 + head_rows
    _print_setup(ws, landscape=True, fit_width=True, title_rows=(top, top), freeze=f"B{top + 1}")
    for column, width in zip("ABCDEFGHIJ", (40, 24, 10, 11, 9, 12, 11, 9, 12, 48), strict=True):
        ws.column_dimensions[column].width = width
    ws.append([_cell(ws, title, font=TITLE)])
    header(ws)
    ws.append([])
    ws.append([_cell(ws, h, font=BOLD, wrap=True) for h in (
        "Đơn vị", "Khối", "Lần công bố đính chính", "Chỉ số trước", "Hạng trước", "Xếp loại trước",
        "Chỉ số sau", "Hạng sau", "Xếp loại sau", "Lý do đính chính")])
    for row, c in correction_rows(corrected, snap):
        change = c.change
        ws.append([
            _cell(ws, row["unit_name"], wrap=True), _cell(ws, group_names.get(row["group_code"], ""), wrap=True),
            c.revision, _cell(ws, change.old_index, number=True), change.old_rank,
            _cell(ws, change.old_classification), _cell(ws, change.new_index, number=True), change.new_rank,
            _cell(ws, change.new_classification), _cell(ws, c.reason, wrap=True),
        ])


def _bonus_cell(ws: Any, bonus: Decimal) -> Cell:
    """A unit's bonus, a number shown with its plus sign as the pages write it («+1.50»; a zero «0.00»)."""
    return _styled(ws, bonus, number_format=BONUS_FORMAT)


def _criterion_cell(ws: Any, name: str) -> Cell:
    """A criterion's title in the criteria matrix's header, wrapped: whole, or cut between words with «…»
    (`criterion_head`) and then whole in the cell's comment."""
    head = criterion_head(name)
    cell = _cell(ws, head, wrap=True)
    if head != " ".join(name.split()):
        cell.comment = Comment(name, "CCHC", width=360, height=120)
    return cell


def _ranking_legend(ws: Any, scales: list[selectors.ClassificationScale], *, several_scales: bool,
                    not_submitted: bool) -> None:
    """Under a ranking sheet's table, in the public page's words: the grading scale its units are classified by
    (each scale headed by its sets' names when the publication's sets differ), and the legend of «Không gửi báo cáo
    tự đánh giá» when one of its units is so marked."""
    if scales:
        ws.append([])
        ws.append([None, _cell(ws, gettext("Thang xếp loại"), font=BOLD)])
        for scale in scales:
            if several_scales:
                ws.append([None, _cell(ws, "; ".join(scale.set_names), font=BOLD, wrap=True)])
            for line in scale_lines(scale):
                ws.append([None, _cell(ws, line)])
    if not_submitted:
        ws.append([])
        ws.append([None, _cell(ws, str(NOT_SUBMITTED_LEGEND), wrap=True)])


def official_workbook(publication: Publication, path: Path | IO[bytes], progress: Progress = _noop) -> None:
    """The official workbook, written in openpyxl's write-only mode straight to `path` (memory stays flat
    with the number of units): one sheet per ranking group (title, approving document, ranking; under it the grading
    scale and, when a unit is so marked, the «Không gửi báo cáo tự đánh giá» legend, in the page's words), a sheet of
    per-area scores, and per indicator set a matrix of its units × its criteria (appraised scores, a penalty
    criterion's negative, as a deduction; an accepted «không phát sinh» with the points the engine credits it, on a
    tinted cell; both explained by a line below the table; a blank cell is a criterion without an appraised score;
    a long criterion title cut between words, whole in its cell's comment), the sheet named after the set
    (`set_sheet_name`). The bonus is shown with its plus sign, as on the page and in the PDF (`BONUS_FORMAT`)."""
    snap = publication.snapshot
    year = publication.cycle.year
    scores = publication.scores
    wb = Workbook(write_only=True)
    used: set[str] = set()
    doc = f"(Kèm theo {document_line(publication)})"
    correction = revision_line(publication)
    corrected = publication_corrections(publication)
    head_rows = 1 if correction else 0  # the correction's line under the document's

    def header(ws: Any) -> None:
        ws.append([_cell(ws, doc)])
        if correction:
            ws.append([_cell(ws, correction, font=BOLD)])

    def note(row: dict[str, Any]) -> str:
        parts = [str(NOT_SUBMITTED)] if row.get("not_submitted") else []
        parts += [correction_note(c) for c in corrected.get(row["unit_code"], [])]
        return "; ".join(parts)

    tables = selectors.ranking_tables(snapshot=snap)
    several_scales = len(selectors.classification_scales(snap)) > 1
    for table in tables:
        ws = wb.create_sheet(_sheet_title(group_sheet_name(table.name, table.code), used))
        top = 5 + head_rows  # the table's header row
        _print_setup(ws, landscape=False, fit_width=True, title_rows=(top, top), freeze=f"C{top + 1}")
        for column, width in zip("ABCDEF", (6, 44, 10, 9, 14, 48), strict=True):
            ws.column_dimensions[column].width = width
        ws.append([_cell(ws, f"KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}", font=TITLE)])
        ws.append([_cell(ws, table.name, font=BOLD)])
        header(ws)
        ws.append([])
        ws.append([_cell(ws, h, font=BOLD) for h in ("STT", "Đơn vị", "Chỉ số", "Xếp hạng", "Xếp loại", "Ghi chú")])
        for n, row in enumerate(table.rows, start=1):
            ws.append([n, _cell(ws, row["unit_name"], wrap=True), _cell(ws, Decimal(row["index"]), number=True),
                       row["rank"], _cell(ws, row["classification"]), _cell(ws, note(row), wrap=True)])
        _ranking_legend(ws, table_scales(snap, table), several_scales=several_scales,
                        not_submitted=any(row.get("not_submitted") for row in table.rows))
    if corrected:
        _corrections_sheet(wb, used, snap, corrected, title=f"CÁC ĐƠN VỊ ĐƯỢC ĐÍNH CHÍNH — CHỈ SỐ CCHC NĂM {year}",
                           header=header, head_rows=head_rows)
    progress(10)
    area_list = selectors.areas(snap)
    group_names = {g["code"]: g["name"] for g in snap.get("groups", [])}
    ws = wb.create_sheet(_sheet_title("Theo lĩnh vực", used))
    top = 4 + head_rows
    _print_setup(ws, landscape=True, fit_width=True, title_rows=(top, top), freeze=f"C{top + 1}")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 24
    for n in range(len(area_list) + 4):
        ws.column_dimensions[get_column_letter(3 + n)].width = 16 if n < len(area_list) else 10
    ws.append([_cell(ws, f"ĐIỂM THEO LĨNH VỰC — CHỈ SỐ CCHC NĂM {year}", font=TITLE)])
    header(ws)
    ws.append([_cell(ws, f"{PENALTY_NOTE} {BONUS_NOTE}")])
    ws.append([])
    ws.append([_cell(ws, h, font=BOLD, wrap=True) for h in
               ["Đơn vị", "Khối", *[area_label(snap, a["code"]) for a in area_list],
                "Điểm cộng", "Điểm trừ", "Chỉ số", "Xếp hạng"]])
    # The units of each indicator set under that set's maxima (the sets weigh an area differently), in the
    # published order within a set.
    for set_key, indicator_set in snap.get("sets", {}).items():
        set_rows = [row for row in snap.get("rows", []) if row["set_key"] == set_key]
        if not set_rows:
            continue
        maxima = {a["code"]: Decimal(str(a["max_points"])) for a in selectors.areas({"sets": {set_key: indicator_set}})}
        standard = indicator_set.get("standard_max")
        ws.append([
            _cell(ws, "Điểm tối đa", font=BOLD), _cell(ws, indicator_set.get("name") or set_key, font=BOLD, wrap=True),
            *[_cell(ws, maxima.get(a["code"]), font=BOLD, number=True) for a in area_list],
            None, None, _cell(ws, Decimal(str(standard)) if standard is not None else None, font=BOLD, number=True),
            None,
        ])
        for row in set_rows:
            ws.append([
                _cell(ws, row["unit_name"], wrap=True), _cell(ws, group_names.get(row["group_code"], ""), wrap=True),
                *[_cell(ws, _dec(row["area_totals"].get(a["code"])), number=True) for a in area_list],
                _bonus_cell(ws, Decimal(row["bonus"])),
                _penalty_cell(ws, _deducted(Decimal(row["penalty"]))),
                _cell(ws, Decimal(row["index"]), number=True), row["rank"],
            ])
    progress(20)
    # One matrix per indicator set: its criteria as columns, only its units as rows (codes repeat across sets
    # with other texts and maximums). Rows are written as they are read, so memory stays flat.
    rows = snap.get("rows", [])
    written = 0
    for set_key, indicator_set in snap.get("sets", {}).items():
        set_rows = [row for row in rows if row["set_key"] == set_key]
        if not set_rows:
            continue
        leaves = set_leaves(indicator_set)
        kinds = sorted({row["unit_kind"] for row in set_rows if row.get("unit_kind")})
        ws = wb.create_sheet(_sheet_title(set_sheet_name(indicator_set["name"], kinds=kinds), used))
        top = 4 + head_rows  # the codes' row; then the criteria's names and maxima
        # Wide (a column a criterion): landscape, pages across with the codes, names and maxima and the units'
        # names repeated on each, never shrunk to one page's width.
        _print_setup(ws, landscape=True, fit_width=False, title_rows=(top, top + 2), title_cols="A:B",
                     freeze=f"C{top + 3}")
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 40
        for n in range(len(leaves)):
            ws.column_dimensions[get_column_letter(3 + n)].width = CRITERION_WIDTH
        ws.append([_cell(ws, f"ĐIỂM THẨM ĐỊNH TỪNG TIÊU CHÍ — CHỈ SỐ CCHC NĂM {year}", font=TITLE)])
        ws.append([_cell(ws, f"{indicator_set['name']} ({indicator_set['decision_ref']}, "
                             f"phiên bản {indicator_set['version']})", font=BOLD)])
        header(ws)
        ws.append([_cell(ws, "Mã đơn vị", font=BOLD), _cell(ws, "Đơn vị", font=BOLD),
                   *[_cell(ws, ind["code"], font=BOLD) for ind in leaves]])
        heads = [_criterion_cell(ws, ind["name"]) for ind in leaves]
        ws.append([None, _cell(ws, "Tiêu chí"), *heads])
        # A penalty criterion's column a deduction, as the area sheet's «Điểm trừ» (`PENALTY_NOTE`): its maximum and
        # its points negative, so that a unit's row reads across to its total.
        penalties = [ind["code"] for ind in leaves if ind["kind"] == "penalty"]
        ws.append([None, _cell(ws, "Điểm tối đa"),
                   *[_penalty_cell(ws, _signed_leaf(ind, Decimal(ind["max_points"]))) if ind["kind"] == "penalty"
                     else _cell(ws, _signed_leaf(ind, Decimal(ind["max_points"])), number=True) for ind in leaves]])
        # Per criterion: its code, whether its points are a deduction, and its KPS cell's points (signed alike).
        columns = [(ind["code"], ind["kind"] == "penalty", _signed_leaf(ind, leaf_credit(indicator_set, ind)))
                   for ind in leaves]
        marked = False
        for row in set_rows:
            mine = scores.get(row["unit_code"], {})
            cells: list[Any] = []
            for code, penalty, credit in columns:
                # A unit's published scores as `selectors.published_leaf` reads them (None kept for an accepted «không
                # phát sinh», a leaf without a score left out), a score given as the float openpyxl writes (`_styled`).
                score = mine.get(code)
                if score is None:
                    if code in mine:
                        cells.append(_kps_cell(ws, credit))
                        marked = True
                    else:
                        cells.append(_penalty_cell(ws, None) if penalty else None)
                elif penalty:
                    cells.append(_penalty_cell(ws, _deducted(Decimal(score))))
                else:
                    cells.append(float(score))
            ws.append([_cell(ws, row["unit_code"]), _cell(ws, row["unit_name"]), *cells])
            written += 1
            if written % 200 == 0:
                progress(20 + 75 * written // len(rows))
        if marked:
            ws.append([])
            percent = indicator_set.get("index_mode", "points") == "percent"
            ws.append([_kps_cell(ws, None), _cell(ws, str(KPS_LEGEND_PERCENT if percent else KPS_LEGEND))])
        if penalties:
            if not marked:
                ws.append([])
            ws.append([None, _cell(ws, str(PENALTY_CRITERIA_NOTE) % {"codes": ", ".join(penalties)})])
        if any(cell.comment is not None for cell in heads):
            if not (marked or penalties):
                ws.append([])
            ws.append([None, _cell(ws, str(CRITERION_TITLES_NOTE))])
    wb.save(str(path) if isinstance(path, Path) else path)
    progress(100)


def csv_rows(publication: Publication) -> Iterator[list[Any]]:
    """The open-data table, one row per unit (header first). Numbers with a dot as decimal separator."""
    snap = publication.snapshot
    area_list = selectors.areas(snap)
    groups = {g["code"]: g["name"] for g in snap.get("groups", [])}
    yield CSV_COLUMNS + [f"linh_vuc_{a['code']}" for a in area_list]
    t = safe_text  # text cells only: a number such as "-1.00" stays a number (docs/open-data.md)
    codes = selectors.kind_codes(snap, publication.published_at)
    for r in snap.get("rows", []):
        yield [
            publication.cycle.year, publication.revision, t(publication.document_number),
            publication.document_date.isoformat(), t(r["group_code"]), t(groups.get(r["group_code"], "")), r["rank"],
            t(r["unit_code"]), t(r["unit_name"]), t(r["unit_kind"]), t(r["set_key"]), r["set_version"], r["index"],
            r["total"], r["normal_total"], r["bonus"], r["penalty"], r["applicable_max"], t(r["classification"]),
            t(publication.reason), 1 if r.get("not_submitted") else 0, t(selectors.row_kind_code(r, codes) or ""),
            *[r["area_totals"].get(a["code"], "") for a in area_list],
        ]


CRITERIA_COLUMNS = [
    "nam", "lan_cong_bo", "ma_don_vi", "ten_don_vi", "ma_bo_chi_so", "phien_ban_bo_chi_so", "ma_tieu_chi",
    "ten_tieu_chi", "loai", "diem_toi_da", "diem_tham_dinh", "khong_phat_sinh",
    # Added (the schema only adds columns): the points the index counts for the leaf.
    "diem_tinh_chi_so",
    # Added: the criterion followed across the years (`criteria_identity`): its stable identifier and its code in the
    # year published before, both empty where unknown (a snapshot made before the criteria's identities were kept).
    "ma_dinh_danh", "ma_tieu_chi_nam_truoc",
]


def criteria_rows(publication: Publication) -> Iterator[list[Any]]:
    """The per-criterion open-data table (long format): one row per unit and scored criterion, header first."""
    snap = publication.snapshot
    scores = publication.scores
    t = safe_text  # text cells only: a negative score ("-1.00") stays a number (docs/open-data.md)
    identity = criteria_identity(publication)
    yield list(CRITERIA_COLUMNS)
    for r in snap.get("rows", []):
        s = snap["sets"][r["set_key"]]
        mine = scores.get(r["unit_code"], {})
        for ind in s["indicators"]:
            if not ind["is_leaf"]:
                continue
            score = mine.get(ind["code"])
            not_applicable = ind["code"] in mine and score is None
            # What the index counts for it (`selectors.counted_leaf_score`): a normal leaf's add up to its area's total
            counted = selectors.counted_leaf_score(
                kind=ind["kind"], max_points=Decimal(ind["max_points"]), score=_dec(score),
                not_applicable=not_applicable, index_mode=s.get("index_mode", "points"))
            yield [
                publication.cycle.year, publication.revision, t(r["unit_code"]), t(r["unit_name"]), t(r["set_key"]),
                r["set_version"], t(ind["code"]), t(ind["name"]), ind["kind"], ind["max_points"],
                "" if score is None else score, 1 if not_applicable else 0, f"{counted:.2f}",
                _blank(identity.stable_id(r["set_key"], ind["code"])),
                t(_blank(identity.previous_code(r["set_key"], ind["code"]))),
            ]


def _blank(value: Any) -> Any:
    return "" if value is None else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(
    publication: Publication, rows: Callable[[Publication], Iterator[list[Any]]] = csv_rows
) -> Iterator[bytes]:
    """CSV in UTF-8 with a byte-order mark (so Excel reads the Vietnamese names), streamed row by row."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    for row in rows(publication):
        yield writer.writerow(row).encode("utf-8")


def open_data(publication: Publication) -> dict[str, Any]:
    """The JSON open-data document (schema in docs/open-data.md). Numbers are strings with two decimals."""
    snap = publication.snapshot
    bands = selectors.snapshot_bands(snap)
    codes = selectors.kind_codes(snap, publication.published_at)
    return {
        "schema": OPEN_DATA_SCHEMA,
        "cycle": {"year": publication.cycle.year, "name": publication.cycle.name},
        "publication": {
            "revision": publication.revision,
            "document_number": publication.document_number,
            "document_date": publication.document_date.isoformat(),
            # In the province's time, with its offset ("+07:00"), as every other date-time the site and API write.
            "published_at": timezone.localtime(publication.published_at, timezone.get_default_timezone()).isoformat(),
            "reason": publication.reason,
        },
        "indicator_sets": [
            {"key": s["key"], "version": s["version"], "name": s["name"], "decision_ref": s["decision_ref"],
             # The areas as this set defines them: a code's name and maximum may differ between the sets.
             "areas": [{"code": a["code"], "name": a["name"], "max_points": a["max_points"]}
                       for a in selectors.areas({"sets": {s["key"]: s}})],
             # The classification cut-offs (highest first): an index of at least `min` is classified `label`.
             "classification_bands": [{"label": b["label"], "min": b["min"]} for b in bands.get(s["key"], [])]}
            for s in snap.get("sets", {}).values()
        ],
        "groups": [{"code": g["code"], "name": g["name"]} for g in snap.get("groups", [])],
        "areas": [{"code": a["code"], "name": a["name"], "max_points": a["max_points"]} for a in selectors.areas(snap)],
        "results": [
            {
                "unit_code": r["unit_code"], "unit_name": r["unit_name"], "unit_kind": r["unit_kind"],
                "unit_kind_code": selectors.row_kind_code(r, codes),
                "group_code": r["group_code"], "rank": r["rank"], "index": r["index"], "total": r["total"],
                "normal_total": r["normal_total"], "bonus": r["bonus"], "penalty": r["penalty"],
                "applicable_max": r["applicable_max"], "classification": r["classification"],
                "indicator_set": {"key": r["set_key"], "version": r["set_version"]},
                "area_totals": r["area_totals"],
                "not_submitted": bool(r.get("not_submitted")),
            }
            for r in snap.get("rows", [])
        ],
    }


def open_data_bytes(publication: Publication) -> bytes:
    return json.dumps(open_data(publication), ensure_ascii=False, indent=1).encode("utf-8")


# --- PDF ---------------------------------------------------------------------------------------------------

FONT_FILES = ("NotoSans-Regular.ttf", "DejaVuSans.ttf")
FONT_BOLD_FILES = ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf")
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@lru_cache(maxsize=8)
def find_font(names: tuple[str, ...]) -> Path | None:
    """A font file with Vietnamese glyphs, looked up at run time in the project's static fonts and the
    standard system font folders (first name found wins; remembered for the process)."""
    folders = (Path(settings.BASE_DIR) / "static" / "fonts", *SYSTEM_FONT_DIRS)
    for name in names:
        for folder in folders:
            if folder.is_dir():
                hit = next(folder.rglob(name), None)
                if hit is not None:
                    return hit
    return None


def _area_charts(snap: dict[str, Any], table: selectors.GroupTable) -> list[dict[str, Any]]:
    """The group's areas against the average of every unit scored with the same indicator set, one chart per set
    of the group's units (a group's units share one as a rule), each with the set's own areas and maximums: the
    departments' and the districts' sets weigh an area differently (area 4: 10 and 11 points, area 6: 10 and 9 in
    Tiền Giang), so no average is taken across sets. Units scored 0 because they never submitted count, as they
    are ranked (`selectors.set_area_average`); `zeros` counts the units with an index of 0."""
    sets = snap.get("sets", {})
    found: list[dict[str, Any]] = []
    for key in [k for k in sets if any(r["set_key"] == k for r in table.rows)]:
        set_name = sets[key].get("name") or key
        group_average = selectors.group_area_average(snapshot=snap, group_code=table.code, set_key=key)
        set_average = selectors.set_area_average(snapshot=snap, set_key=key)
        set_rows = [r for r in snap.get("rows", []) if r["set_key"] == key]
        units = len(set_rows)
        # Only what the data shows: how many of them have an index of 0 (counted in the average), when any.
        zeros = sum(1 for r in set_rows if Decimal(r["index"]) == 0)
        chart = charts.area_comparison(
            [(f"{a['code']}. {a['name']}", Decimal(a["max_points"]), group_average.get(a["code"], Decimal(0)),
              set_average.get(a["code"], Decimal(0))) for a in selectors.areas({"sets": {key: sets[key]}})],
            title=gettext("Điểm lĩnh vực — %(group)s — %(set)s") % {"group": table.name, "set": set_name},
            first=gettext("Bình quân khối"), second=gettext("Bình quân chung cùng bộ chỉ số"),
            width=charts.PRINT_WIDTH,
        )
        found.append({"set_name": set_name, "units": units, "zeros": zeros, "chart": chart,
                      "title": gettext("Điểm lĩnh vực so với bình quân — %(set)s") % {"set": set_name}})
    return found


def _area_sets(snap: dict[str, Any], area_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-area table's units by indicator set, each set's under its own maxima (the sets weigh an area
    differently): its name, the maximum of each area (None for an area it has not), its standard maximum, its
    units' rows in the published order."""
    found = []
    for key, indicator_set in snap.get("sets", {}).items():
        rows = [r for r in snap.get("rows", []) if r["set_key"] == key]
        if not rows:
            continue
        maxima = {a["code"]: a["max_points"] for a in selectors.areas({"sets": {key: indicator_set}})}
        found.append({"name": indicator_set.get("name") or key, "maxima": [maxima.get(a["code"]) for a in area_list],
                      "standard_max": indicator_set.get("standard_max"), "rows": rows})
    return found


def report_context(publication: Publication) -> dict[str, Any]:
    snap = publication.snapshot
    tables = selectors.ranking_tables(snapshot=snap)
    area_list = selectors.areas(snap)
    group_names = {g["code"]: g["name"] for g in snap.get("groups", [])}
    scale_max = selectors.distribution_step(snap) * 20  # the largest standard maximum: one scale for every group
    corrected = publication_corrections(publication)
    several_scales = len(selectors.classification_scales(snap)) > 1
    for t in tables:
        # Under the ranking: the grading scale its units are classified by (its sets named when the publication's
        # sets differ) and whether the «Không gửi báo cáo tự đánh giá» legend is needed, as on the public page.
        t.scales = [  # type: ignore[attr-defined]
            {"set_names": scale.set_names if several_scales else [], "lines": scale_lines(scale)}
            for scale in table_scales(snap, t)
        ]
        t.not_submitted = any(r.get("not_submitted") for r in t.rows)  # type: ignore[attr-defined]
        t.chart_title = gettext("Biểu đồ xếp hạng theo chỉ số — %(group)s") % {"group": t.name}  # type: ignore[attr-defined]
        t.chart = charts.ranking_bars(  # type: ignore[attr-defined]
            [(r["unit_name"], Decimal(r["index"])) for r in t.rows], title=f"Xếp hạng — {t.name}",
            scale_max=scale_max, width=charts.PRINT_WIDTH,
        )
        t.area_charts = _area_charts(snap, t)  # type: ignore[attr-defined]
        t.area_chart = mark_safe("".join(c["chart"] for c in t.area_charts))  # type: ignore[attr-defined]  # noqa: S308
        t.average_sets = [c["set_name"] for c in t.area_charts]  # type: ignore[attr-defined]
    trends = [
        {"series": line, "chart": charts.trend(
            [(str(p.year), p.average) for p in line.points],
            title=gettext("Chỉ số bình quân qua các năm — %(set)s") % {"set": line.label}, scale_max=scale_max,
        )}
        for line in selectors.yearly_set_averages(up_to=publication.cycle.year) if len(line.points) > 1
    ]
    return {
        "publication": publication,
        "province_name": settings.CCHC_PROVINCE_NAME,
        "document_only": bool(snap.get("document_only")),
        "snapshot": snap,
        "tables": tables,
        # One line per indicator set (`selectors.yearly_set_averages`), never a mean across sets.
        "trends": trends,
        "areas": area_list,
        "area_labels": [area_label(snap, a["code"]) for a in area_list],
        "area_sets": _area_sets(snap, area_list),
        # The per-area table's «Điểm trừ» is a deduction («−1,00»), as in the workbook, which says so alike.
        "penalty_note": PENALTY_NOTE,
        # and «Điểm cộng» with its plus sign («+1,50»), as the page and the workbook write it
        "bonus_note": BONUS_NOTE,
        "not_submitted_legend": NOT_SUBMITTED_LEGEND,
        "group_names": group_names,
        # unit code → its corrections in words (the ranking's rows marked), and the table of the changes
        "corrected": {code: [correction_note(c) for c in found] for code, found in corrected.items()},
        "corrections": correction_rows(corrected, snap),
        "distribution": charts.distribution(
            [Decimal(r["index"]) for r in snap.get("rows", [])], title="Phân bố chỉ số",
            step=selectors.distribution_step(snap),
        ),
    }


def report_html(publication: Publication) -> str:
    """The PDF report's HTML, in Vietnamese whatever the language of the request that asks for it: the report is
    built once per publication and the same file is given to everyone (an official document, like the workbook)."""
    with translation.override(OFFICIAL_LANGUAGE):
        context = report_context(publication)
        regular, bold = find_font(FONT_FILES), find_font(FONT_BOLD_FILES)
        context["font_url"] = regular.as_uri() if regular else ""
        context["font_bold_url"] = bold.as_uri() if bold else ""
        return render_to_string("scoring/publication/report_pdf.html", context)


def pdf_report(publication: Publication, progress: Progress = _noop) -> bytes:
    """The PDF report (title page, ranking tables with charts, per-area tables) with an embedded font."""
    from weasyprint import HTML

    html = report_html(publication)
    progress(40)
    # Tagged (a structure tree of headings, tables with header cells, figures with their titles; marked content):
    # a screen reader reads the tables. Not «pdf/ua-1», which would claim a conformance nobody has checked.
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_tags=True)
    progress(95)
    return bytes(pdf)


# --- evidence pack -----------------------------------------------------------------------------------------


# The characters a file system refuses in a name (Windows: \\ / : * ? " < > |), each replaced by «_» in the evidence
# pack; every other character (Vietnamese letters, «–», brackets, commas…) is kept. A name there starts with its
# number («01-»), so it is never one of Windows' reserved names (CON, NUL…).
_REFUSED_IN_NAMES = re.compile(r'[\\/:*?"<>|]')
# Unicode categories dropped from a name as the upload drops them (`evidence.validation.clean_name`): controls,
# format characters (a direction override), line and paragraph separators, surrogates, private and unassigned.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
# A file's name in the pack (after its folder and number): at most this many characters, and this many bytes in
# UTF-8, the way ZIP stores it and most file systems count it (255 bytes a name; a Vietnamese letter takes 2 or 3).
PACK_NAME_CHARACTERS = 120
PACK_NAME_BYTES = 240
# An extension longer than this is no extension: the name is shortened as a whole.
_EXTENSION_MAX = 10


def _fits(text: str, characters: int, size: int) -> bool:
    return len(text) <= characters and len(text.encode("utf-8")) <= size


def pack_file_name(name: str) -> str:
    """A file's name in a unit's evidence pack: the name the unit gave it, composed (NFC: a name typed on a Mac comes
    decomposed), with the characters a file system refuses replaced by «_», shortened before its extension to fit
    (`PACK_NAME_CHARACTERS`, `PACK_NAME_BYTES`), so that «….pdf» stays a PDF, and never a letter cut from its
    accent. A name that cleans to nothing is «tep» (with its extension)."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    text = " ".join(_REFUSED_IN_NAMES.sub("_", text).split()).strip(" .")
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > _EXTENSION_MAX or not extension.isalnum():
        stem, extension = text, ""
    suffix = f".{extension}" if extension else ""
    stem = stem.rstrip(" .") or "tep"
    room_characters, room_bytes = PACK_NAME_CHARACTERS - len(suffix), PACK_NAME_BYTES - len(suffix.encode("utf-8"))
    if not _fits(stem, room_characters, room_bytes):
        cut = room_characters
        while cut and not _fits(stem[:cut], room_characters, room_bytes):
            cut -= 1
        while 0 < cut < len(stem) and unicodedata.combining(stem[cut]):  # not a letter without its mark
            cut -= 1
        stem = stem[:cut].rstrip(" .") or "tep"
    return stem + suffix


def evidence_pack(publication: Publication, unit_id: int, path: Path, progress: Progress = _noop) -> None:
    """A ZIP of the unit's evidence for the cycle, one folder per criterion code, with a summary workbook
    (criterion, appraised score — a penalty criterion's negative, as a deduction, said under the table —, files).
    Files are copied from storage by their hash only."""
    from evidence.storage import blob_path

    lines = list(
        ScoreLine.objects.filter(assessment__cycle_id=publication.cycle_id, assessment__unit_id=unit_id)
        .select_related("indicator")
        .prefetch_related("evidence_links__evidence_file__blob")
        .order_by("indicator__order")
    )
    row = next((r for r in publication.snapshot.get("rows", []) if r["unit_id"] == unit_id), None)
    published = publication.scores.get(row["unit_code"], {}) if row else {}
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    penalties: list[str] = []  # a penalty criterion's appraised points are a deduction (`PENALTY_CRITERIA_NOTE`)
    ws.append([f"HỒ SƠ TÀI LIỆU KIỂM CHỨNG — {row['unit_name'] if row else ''} — NĂM {publication.cycle.year}"])
    ws.append([f"Kèm theo {document_line(publication)}"])
    ws.append(["Mã tiêu chí", "Tiêu chí", "Điểm thẩm định", "Tệp trong hồ sơ", "SHA-256"])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, line in enumerate(lines, start=1):
            code = line.indicator.code
            score = _dec(published.get(code))
            if line.indicator.kind == Indicator.Kind.PENALTY:
                penalties.append(code)
                score = None if score is None else _deducted(score)
            links = list(line.evidence_links.all())
            if not links:
                ws.append([code, line.indicator.name, score, "", ""])
            for k, link in enumerate(links, start=1):
                ef = link.evidence_file
                # the number keeps the names of a folder unique (and in the order of the links)
                arcname = f"{code}/{k:02d}-{pack_file_name(ef.original_name)}"
                source = blob_path(ef.blob.sha256)
                if source.exists():
                    zf.write(source, arcname)
                ws.append([code, line.indicator.name, score, arcname, ef.blob.sha256])
            if line.indicator.kind == Indicator.Kind.PENALTY:  # its rows' points: a deduction, with «−»
                for written_row in range(ws.max_row - max(len(links), 1) + 1, ws.max_row + 1):
                    ws.cell(row=written_row, column=3).number_format = PENALTY_FORMAT
            progress(90 * n // max(len(lines), 1))
        if penalties:
            ws.append([])
            ws.append([None, str(PENALTY_CRITERIA_NOTE) % {"codes": ", ".join(penalties)}])
        for cells in ws.iter_rows():  # every text as typed, never a formula (a criterion named «- …»)
            for cell in cells:
                if isinstance(cell.value, str):
                    put_text(cell, cell.value)
        buffer = io.BytesIO()
        wb.save(buffer)
        zf.writestr("tong-hop.xlsx", buffer.getvalue())


# --- background jobs ---------------------------------------------------------------------------------------


def exports_root() -> Path:
    root = Path(settings.MEDIA_ROOT) / "exports"
    root.mkdir(parents=True, exist_ok=True)
    return root


def job_path(job: ExportJob) -> Path:
    """Where a job's file is kept: a whole-publication file under the current FILE_FORMAT (one the earlier code
    built is then missing here: built again, and swept as an orphan); a unit's evidence pack, which lists no
    ranking, under its job and the current EVIDENCE_PACK_FORMAT."""
    return _kept_path(job, job.file_name) if job.file_name else exports_root() / str(job.pk)


# The format of a unit's evidence pack, part of the name it is kept under (`_kept_path`): raise it when a change of
# the code changes a pack, so one the earlier code built is built again (and swept as an orphan). 2: the files'
# names keep their extension and their punctuation (`pack_file_name`); 3: a penalty criterion's appraised points
# in the summary written as a deduction (negative), the convention said under the table.
EVIDENCE_PACK_FORMAT = 3


def _kept_path(job: ExportJob, name: str) -> Path:
    if job.kind == "evidence":
        return exports_root() / f"{job.pk}-p{EVIDENCE_PACK_FORMAT}-{name}"
    return exports_root() / f"{job.pk}-f{FILE_FORMAT}-{name}"


def job_file_name(job: ExportJob) -> str:
    year = job.publication.cycle.year
    rev = job.publication.revision
    if job.kind == "pdf":
        return f"ket-qua-cchc-{year}-lan-{rev}.pdf"
    if job.kind == "xlsx":
        return f"ket-qua-cchc-{year}-lan-{rev}.xlsx"
    if job.kind == "criteria_csv":
        return f"diem-tieu-chi-cchc-{year}-lan-{rev}.csv"
    return f"ho-so-minh-chung-{job.unit.code if job.unit else 'don-vi'}-{year}.zip"


def build_job_file(job: ExportJob, progress: Progress) -> str:
    """Write the job's file under the exports folder; returns its name. Writes to a temporary file first,
    so a half-written file is never offered. Built in the official language whatever the language active where
    it runs (a request's, when the task runs eagerly or for a direct download): the file is shared by everyone."""
    with translation.override(OFFICIAL_LANGUAGE):
        return _build_job_file(job, progress)


def _build_job_file(job: ExportJob, progress: Progress) -> str:
    name = job_file_name(job)
    publication = Publication.objects.select_related("cycle").get(pk=job.publication_id)
    selectors.in_published_order(publication.snapshot)
    final = _kept_path(job, name)
    with tempfile.NamedTemporaryFile(dir=exports_root(), delete=False, suffix=".part") as tmp:
        tmp_path = Path(tmp.name)
    try:
        if job.kind == "xlsx":
            official_workbook(publication, tmp_path, progress)
        elif job.kind == "criteria_csv":
            with tmp_path.open("wb") as out:
                for chunk in csv_stream(publication, criteria_rows):
                    out.write(chunk)
        elif job.kind == "pdf":
            tmp_path.write_bytes(pdf_report(publication, progress))
        else:
            evidence_pack(publication, job.unit_id or 0, tmp_path, progress)
        tmp_path.replace(final)
    finally:
        tmp_path.unlink(missing_ok=True)
    return name
