"""Survey results (điều tra xã hội học): reading an xlsx or CSV file (unit code, indicator code, points),
checking every row against the cycle's assessments and the engine, a kept preview, and the all-or-nothing
apply. The first row may be a header (Vietnamese or English names, accents optional); without one the
first three columns are taken in that order. The header's other columns (notes) are not read; a CSV row with more
cells than the header has columns is refused. An xlsx cell read by the import holding a formula saved without its
result (a tool that does not calculate wrote the file) is refused, named, as the self-assessment import refuses it
(`scoring.imports._uncalculated_formulas`): read as empty, it would say «score missing» of a cell that is not.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from appraisal.models import SurveyImport
from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.dates import local_moment
from scoring.errors import StateConflict, ValidationFailed
from scoring.imports import MSG_UNCALCULATED_FORMULA
from scoring.models import Assessment, Cycle, Indicator, ScoreLine, Unit
from scoring.services import audit_record, audit_records
from scoring.sheets import shown_sheet

MSG_ALREADY_APPLIED = gettext_lazy("Tệp kết quả điều tra này đã được áp dụng.")
MSG_IMPORT_HAS_PROBLEMS = gettext_lazy("Tệp còn lỗi: không dòng nào được áp dụng.")
MSG_TOO_LARGE = gettext_lazy("Tệp quá lớn (tối đa 5 MB).")
MSG_NEWER_PREVIEW = gettext_lazy(
    "Bản xem trước này đã cũ: %(who)s đã nhập tệp «%(name)s» lúc %(at)s cho cùng các tiêu chí sau bản này. Không "
    "có gì được áp dụng; hãy xem bản mới hơn, hoặc nhập lại tệp này nếu đúng là nó cần được áp dụng."
)
MSG_CHANGED_SINCE_PREVIEW = gettext_lazy(
    "Bản xem trước này đã cũ: điểm của %(n)s tiêu chí đã thay đổi từ lúc xem trước. Không có gì được áp dụng; "
    "hãy nhập lại tệp để xem trước với điểm hiện tại."
)
# A row's problem is stored as its message's Vietnamese source text and its values (`_problem`), and worded in the
# language of the page that shows it (`problem_text`): the uploader's language is not the reader's.
MSG_ROW = gettext_noop("Dòng %(row)s: %(message)s")
MSG_NO_UNIT = gettext_noop("không có đơn vị mã «%(code)s».")
MSG_NO_ASSESSMENT = gettext_noop("«%(unit)s» chưa có bản đánh giá trong kỳ.")
MSG_NO_LEAF = gettext_noop("bộ chỉ số của «%(unit)s» không có tiêu chí thành phần «%(code)s».")
MSG_NOT_SURVEY = gettext_noop("tiêu chí «%(code)s» không lấy điểm từ điều tra xã hội học.")
MSG_DUPLICATE = gettext_noop("trùng đơn vị và tiêu chí với một dòng trước.")
MSG_STATE = gettext_noop("bản đánh giá của «%(unit)s» đang ở trạng thái «%(state)s».")
MSG_NO_LINE = gettext_noop("không có dòng chấm điểm cho tiêu chí «%(code)s».")
MSG_CELLS = gettext_noop(
    "dòng có %(cells)s ô nhưng tệp có %(expected)s cột, nên không rõ ô nào là điểm. Nếu điểm viết với dấu phẩy "
    "thập phân (0,45) trong tệp CSV phân cách bằng dấu phẩy, hãy đặt số trong dấu ngoặc kép (\"0,45\"), viết "
    "với dấu chấm (0.45), hoặc lưu tệp CSV phân cách bằng dấu chấm phẩy (;) hay tệp .xlsx."
)
MSG_SPLIT = gettext_noop(
    "điểm «%(points)s» và ô «%(next)s» của cột «%(column)s» có thể là một số viết với dấu phẩy thập phân "
    "(%(points)s,%(next)s) bị tách làm hai ô, nên không rõ điểm là bao nhiêu. Hãy đặt điểm trong dấu ngoặc kép "
    "(\"%(points)s,%(next)s\"), viết với dấu chấm (%(points)s.%(next)s), hoặc lưu tệp CSV phân cách bằng dấu chấm "
    "phẩy (;) hay tệp .xlsx; nếu điểm đúng là %(points)s, hãy đặt nó trong dấu ngoặc kép (\"%(points)s\")."
)
SCORABLE_STATES = (Assessment.State.SUBMITTED, Assessment.State.IN_APPRAISAL, Assessment.State.EXPLANATION)
MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 50_000
HEADERS = {
    "unit": {"unit", "unit code", "unit_code", "ma don vi", "ma_don_vi", "don vi", "ma dv"},
    "indicator": {"indicator", "indicator code", "indicator_code", "ma tieu chi", "ma_tieu_chi", "tieu chi", "ma tc"},
    "points": {"points", "score", "diem", "diem dieu tra", "so diem"},
}


@dataclass(frozen=True)
class RawRow:
    row: int
    unit_code: str
    indicator_code: str
    points: str
    # A CSV row's cells (trailing empty ones aside), how many the file's columns make and how many reach the last
    # column read: a row with more than the columns, or stopping before one it needs, was split otherwise than the
    # header (a decimal comma in a comma-separated file), so it is refused. Its notes may be left off.
    cells: int = 0
    expected: int = 0
    required: int = 0
    # A whole number of points followed by a cell of digits in the (unread) column after it, both unquoted, in a
    # comma-separated file: maybe one decimal comma split in two (the next cell and its column's name), refused.
    split: tuple[str, str] | None = None
    # The reference of the row's first cell read (unit, indicator, points) holding a formula saved without its
    # result (an xlsx file), refused.
    formula: str | None = None


def _plain(text: Any) -> str:
    """Lower case, without Vietnamese accents (đ → d), single spaces."""
    decomposed = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().replace("_", " ").split())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Spreadsheets store numbers as binary floats: their shortest text is what the user typed.
        return repr(value) if value != int(value) else str(int(value))
    text = unicodedata.normalize("NFC", str(value))
    # Control characters (NUL cannot even be stored) are never part of a code, a name or a number.
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def _columns(header: list[str]) -> dict[str, int] | None:
    names = [_plain(h) for h in header]
    found: dict[str, int] = {}
    for key, accepted in HEADERS.items():
        for position, name in enumerate(names):
            if name in {_plain(a) for a in accepted}:
                found[key] = position
                break
    return found if len(found) == 3 else None


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.replace(",", "."))
    except (InvalidOperation, ValueError):
        return False
    return True


@dataclass(frozen=True)
class _Table:
    rows: list[list[str]]
    # A comma-separated CSV's records as written (quotes kept), to tell a quoted cell from an unquoted one.
    records: list[str] | None = None
    dialect: Any = None
    # An xlsx sheet's merged ranges (Excel keeps a merge's value in its top-left cell only: `read_rows` reads a
    # unit code merged down its rows on each of them and refuses any other merge over a column it reads).
    merges: list[Any] | None = None
    # An xlsx sheet's cells holding a formula saved without its result, by (row, column) from 1: (reference, formula).
    formulas: dict[tuple[int, int], tuple[str, str]] | None = None


WHOLE = re.compile(r"[+-]?[0-9]+")
DIGITS = re.compile(r"[0-9]+")


def _quoted_cells(record: str, dialect: Any) -> list[bool]:
    """Which of a CSV record's cells are written in quotes, read as the csv module reads them (an empty list when
    the dialect quotes nothing)."""
    delimiter, quote, escape = dialect.delimiter, dialect.quotechar, dialect.escapechar
    if not quote or dialect.quoting == csv.QUOTE_NONE:
        return []
    text = record.rstrip("\r\n")
    flags: list[bool] = []
    i, end = 0, len(text)
    while True:
        if dialect.skipinitialspace:
            while i < end and text[i] == " ":
                i += 1
        inside = i < end and text[i] == quote
        flags.append(inside)
        i += 1 if inside else 0
        while i < end:
            char = text[i]
            doubled = inside and char == quote and dialect.doublequote and text[i + 1 : i + 2] == quote
            if doubled or (escape and char == escape):  # a doubled quote, an escaped character: two characters
                i += 2
            elif inside and char == quote:
                inside = False
                i += 1
            elif not inside and char == delimiter:
                break
            else:
                i += 1
        if i >= end:
            return flags
        i += 1  # past the delimiter


def _split_points(table: _Table, index: int, row: list[str], points: int, header: list[str]) -> tuple[str, str] | None:
    """The next cell and its column's name when a CSV row's whole number of points and the digits after it may be one
    decimal comma split in two (both unquoted); None when they cannot be."""
    cells = [*row, "", ""]
    if table.records is None or not WHOLE.fullmatch(cells[points]) or not DIGITS.fullmatch(cells[points + 1]):
        return None
    quoted = _quoted_cells(table.records[index], table.dialect)
    if len(quoted) == len(row) and (quoted[points] or quoted[points + 1]):
        return None  # a quoted cell was written whole: no split
    return cells[points + 1], header[points + 1]


def _table_rows(file_name: str, content: bytes) -> _Table:
    name = file_name.lower()
    if name.endswith(".xlsx"):
        if not zipfile.is_zipfile(io.BytesIO(content)):
            raise ValidationFailed(_("Tệp «%(name)s» không phải là tệp Excel (xlsx) hợp lệ.") % {"name": file_name},
                                   code="bad_file")
        from openpyxl import load_workbook

        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:  # a zip bomb is refused before any XML is read
                expanded = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile as exc:
            raise ValidationFailed(_("Không đọc được tệp «%(name)s».") % {"name": file_name}, code="bad_file") from exc
        if expanded > MAX_UNCOMPRESSED_BYTES:
            raise ValidationFailed(_("Tệp «%(name)s» quá lớn khi giải nén.") % {"name": file_name}, code="too_large")
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors for damaged files
            raise ValidationFailed(
                _("Không đọc được tệp «%(name)s».") % {"name": file_name}, code="bad_file"
            ) from exc
        sheet = shown_sheet(workbook)
        if sheet is None:
            workbook.close()
            raise ValidationFailed(_("Tệp «%(name)s» không có trang tính nào.") % {"name": file_name}, code="bad_file")
        from scoring.administration.xlsx import FileRefused, merged_ranges

        try:
            merges = merged_ranges(workbook, sheet)
        except FileRefused as exc:
            workbook.close()
            raise ValidationFailed(_("Không đọc được tệp «%(name)s».") % {"name": file_name}, code="bad_file") from exc
        from scoring.imports import SheetRefused, _uncalculated_formulas

        try:
            formulas = _uncalculated_formulas(workbook, sheet)
        except SheetRefused as exc:
            workbook.close()
            raise ValidationFailed(_("Không đọc được tệp «%(name)s».") % {"name": file_name}, code="bad_file") from exc
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return _Table(rows, merges=merges, formulas=formulas)
    if name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(_("Tệp CSV phải được lưu với mã UTF-8."), code="bad_encoding") from exc
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        lines = io.StringIO(text).readlines()
        reader = csv.reader(lines, dialect)
        rows: list[list[str]] = []
        records: list[str] = []
        read = 0
        for row in reader:  # a record spans the lines the reader took for it (a quoted cell may hold a line break)
            rows.append([_cell(v) for v in row])
            records.append("".join(lines[read : reader.line_num]))
            read = reader.line_num
        if dialect.delimiter != ",":  # only a comma splits a decimal comma
            return _Table(rows)
        return _Table(rows, records, dialect)
    raise ValidationFailed(_("Chỉ nhận tệp .xlsx hoặc .csv."), code="bad_extension")


def read_rows(file_name: str, content: bytes) -> list[RawRow]:
    """The data rows of the file (blank rows skipped). Raises ValidationFailed when it cannot be read."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(MSG_TOO_LARGE, code="too_large")
    read = _table_rows(file_name, content)
    formulas = read.formulas or {}
    formula_rows = {number for number, _column in formulas}  # a formula read as empty leaves its row not blank
    table = [(index, row) for index, row in enumerate(read.rows) if any(cell for cell in row)
             or index + 1 in formula_rows]
    if not table:
        raise ValidationFailed(_("Tệp không có dòng dữ liệu nào."), code="empty")
    columns = _columns(table[0][1])
    start = 1
    if columns is None:
        first = [*table[0][1], "", "", ""]
        # points given by a formula without its result: a data row (refused, named), not a header unrecognised
        if not _looks_numeric(first[2]) and (table[0][0] + 1, 3) not in formulas:
            raise ValidationFailed(
                _("Không nhận ra dòng tiêu đề: cần các cột «mã đơn vị», «mã tiêu chí», «điểm»."), code="no_header"
            )
        columns, start = {"unit": 0, "indicator": 1, "points": 2}, 0
    if len(table) - start > MAX_ROWS:
        raise ValidationFailed(_("Tệp có quá nhiều dòng (tối đa %(n)s).") % {"n": MAX_ROWS}, code="too_many_rows")
    if read.merges:
        _merges_read(read, table, columns, header_index=table[0][0] if start else -1)
    read_columns = sorted(columns.values())
    rows: list[RawRow] = []
    width = max(columns.values()) + 1
    # A spreadsheet's cell holds a whole number; a CSV's line is split at every separator, a decimal comma too.
    expected = (_filled(table[0][1]) if start else 3) if file_name.lower().endswith(".csv") else 0
    header = [*table[0][1], ""] if start else []
    points = columns["points"]
    # the column after the points, when it is one the file has and this import does not read (notes): a decimal
    # comma split there leaves as many cells as the header, the points' whole part read alone
    notes_after = bool(start) and points + 1 < expected and points + 1 not in columns.values()
    for index, row in table[start:]:
        cells = row + [""] * (width - len(row))
        rows.append(
            RawRow(
                row=index + 1,
                unit_code=cells[columns["unit"]],
                indicator_code=cells[columns["indicator"]],
                points=cells[points],
                cells=_filled(row) if expected else 0,
                expected=expected,
                required=width if expected else 0,
                split=_split_points(read, index, row, points, header) if notes_after else None,
                formula=next((formulas[(index + 1, c + 1)][0] for c in read_columns if (index + 1, c + 1) in formulas),
                             None),
            )
        )
    if not rows:
        raise ValidationFailed(_("Tệp không có dòng dữ liệu nào."), code="empty")
    return rows


def _merges_read(read: _Table, table: list[tuple[int, list[str]]], columns: dict[str, int], *,
                 header_index: int) -> None:
    """A unit code merged down a block of rows is each row's (the file's rows in `table` are filled in place); any
    other merge over a column the import reads refuses the file, naming the range and the column, as every import
    does (`scoring.administration.xlsx.merge_fills`). `header_index`: the header row's index (-1: none)."""
    from scoring.administration.xlsx import FileRefused, merge_fill, merge_fills

    header = read.rows[header_index] if header_index >= 0 else []
    labels = {"unit": _("mã đơn vị"), "indicator": _("mã tiêu chí"), "points": _("điểm")}
    names = {index + 1: (header[index] if index < len(header) and header[index] else labels[key])
             for key, index in columns.items()}
    try:
        fills = merge_fills(read.merges or [], first_row=header_index + 1, names=names,
                            repeatable=[columns["unit"] + 1])
    except FileRefused as exc:
        raise ValidationFailed(exc.message, code="merged_cells") from exc
    by_row = {index + 1: row for index, row in table}
    merge_fill(by_row, fills)
    formulas = read.formulas if read.formulas is not None else {}
    for merge in fills:  # a formula at the top of a merge is each of its rows' value: refused on each, named
        top = formulas.get((merge.min_row, merge.min_col))
        if top is not None:
            for number in range(merge.min_row + 1, merge.max_row + 1):
                formulas[(number, merge.min_col)] = top


def _filled(row: list[str]) -> int:
    """How many cells a row has, its trailing empty ones aside (a spreadsheet's CSV ends lines with them)."""
    count = len(row)
    while count and not row[count - 1]:
        count -= 1
    return count


def _problem(raw: RawRow, message: str, **params: Any) -> dict[str, Any]:
    """A row's problem as stored: its row, its message's Vietnamese source text and its values."""
    return {"row": raw.row, "message": message, "params": params}


def problem_text(problem: Any) -> str:
    """A stored row problem in the active language («Dòng 5: …»); a preview stored as text before is shown as
    it is."""
    if not isinstance(problem, dict):
        return str(problem)
    params = dict(problem.get("params") or {})
    if "state" in params and params["state"] in Assessment.State.values:
        params["state"] = Assessment.State(params["state"]).label
    english = problem.get("message_en")
    if english is not None:  # the engine's own wording, in both languages
        message = english if (get_language() or "").startswith("en") else problem["message"]
    else:
        message = _(problem["message"]) % params if params else _(problem["message"])
    return _(MSG_ROW) % {"row": problem["row"], "message": message}


def _survey_check(cycle: Cycle, raw_rows: list[RawRow]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row checked against the cycle's assessments and the engine. Four queries."""
    units = {u.code: u for u in Unit.objects.filter(code__in={r.unit_code for r in raw_rows})}
    assessments = {
        a.unit_id: a for a in Assessment.objects.filter(cycle=cycle, unit__in=units.values()).select_related("unit")
    }
    set_ids = {a.indicator_set_id for a in assessments.values()}
    indicators = {
        (i.indicator_set_id, i.code): i
        for i in Indicator.objects.filter(indicator_set_id__in=set_ids, code__in={r.indicator_code for r in raw_rows})
    }
    lines = {
        (line.assessment_id, line.indicator_id): line
        for line in ScoreLine.objects.filter(
            assessment__in=assessments.values(), indicator__in=indicators.values()
        )
    }
    problems: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for raw in raw_rows:
        if raw.formula is not None:
            problems.append(_problem(raw, MSG_UNCALCULATED_FORMULA, cell=raw.formula))
            continue
        if raw.expected and not raw.required <= raw.cells <= raw.expected:
            problems.append(_problem(raw, MSG_CELLS, cells=raw.cells, expected=raw.expected))
            continue
        if raw.split is not None:
            problems.append(_problem(raw, MSG_SPLIT, points=raw.points, next=raw.split[0], column=raw.split[1]))
            continue
        unit = units.get(raw.unit_code)
        if unit is None:
            problems.append(_problem(raw, MSG_NO_UNIT, code=raw.unit_code))
            continue
        assessment = assessments.get(unit.pk)
        if assessment is None:
            problems.append(_problem(raw, MSG_NO_ASSESSMENT, unit=unit.name))
            continue
        indicator = indicators.get((assessment.indicator_set_id, raw.indicator_code))
        if indicator is None or not indicator.is_leaf:
            problems.append(_problem(raw, MSG_NO_LEAF, unit=unit.name, code=raw.indicator_code))
            continue
        if indicator.source != Indicator.Source.SURVEY:
            problems.append(_problem(raw, MSG_NOT_SURVEY, code=indicator.code))
            continue
        if (raw.unit_code, raw.indicator_code) in seen:
            problems.append(_problem(raw, MSG_DUPLICATE))
            continue
        seen.add((raw.unit_code, raw.indicator_code))
        if assessment.state not in SCORABLE_STATES:
            problems.append(_problem(raw, MSG_STATE, unit=unit.name, state=assessment.state))
            continue
        line = lines.get((assessment.pk, indicator.pk))
        if line is None:
            problems.append(_problem(raw, MSG_NO_LINE, code=indicator.code))
            continue
        rule = scoring_selectors.leaf_rule(indicator)
        try:
            value = engine.normalize_value(rule, {"points": raw.points})
            score = engine.score_leaf(rule, {"points": raw.points})
        except engine.EngineError as exc:
            problems.append({"row": raw.row, "message": exc.message, "message_en": exc.message_en})
            continue
        rows.append({
            "row": raw.row, "unit_code": unit.code, "unit_name": unit.name, "indicator_code": indicator.code,
            "indicator_name": indicator.name, "points": value["points"], "score": str(score),
            "current": None if line.appraised_score is None else str(line.appraised_score), "line_id": line.pk,
        })
    return rows, problems


@transaction.atomic
def survey_import_preview(*, cycle: Cycle, file_name: str, content: bytes, actor: Any) -> SurveyImport:
    """Parse and check a survey result file; nothing is scored yet. The preview is kept for `survey_import_apply`.

    Raises ValidationFailed when the file cannot be read at all; row problems are listed in the preview, each
    stored as its message's source text and values (`problem_text` words it in the reader's language).
    """
    name = unicodedata.normalize("NFC", file_name or "").strip()[:255] or "survey"
    raw_rows = read_rows(name, content)
    rows, problems = _survey_check(cycle, raw_rows)
    survey_import = SurveyImport.objects.create(
        cycle=cycle, file_name=name, sha256=hashlib.sha256(content).hexdigest(), rows=rows, problems=problems,
        created_by=actor,
    )
    audit_record(
        actor=actor, action="survey_import.preview", object_type="SurveyImport", object_id=survey_import.pk,
        changes={"rows": {"old": None, "new": len(rows)}, "problems": {"old": None, "new": len(problems)}},
    )
    return survey_import


def _appraise_all(rows: list[dict[str, Any]], *, actor: Any, note: str) -> None:
    """Each row's points as the appraised score of its leaf, written as `score_line_appraise` writes one (the
    engine's value and score, the note, a new version, who and when; the assessment's version bumped; an audit
    entry per leaf, old → new), in a few statements: a national file has some 30,000 rows, which one at a time
    outlasted a web request. The lines are locked first and then their assessments, the order an appraiser's
    save takes them in; the assessments' states are checked again once locked (all rows or none)."""
    now = timezone.now()
    by_line = {row["line_id"]: row for row in rows}
    lines = list(
        ScoreLine.objects.select_for_update(of=("self",)).filter(pk__in=by_line).select_related("indicator")
        .order_by("pk")
    )
    old: dict[int, tuple[Any, Any]] = {}
    # The lines that take the same value and score are written by one UPDATE (a survey's points are few
    # distinct values): a handful of statements, where Django's bulk_update built a CASE per row (22 s).
    alike: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for line in lines:
        rule = scoring_selectors.leaf_rule(line.indicator)
        score, value = engine.score_and_normalize(rule, {"points": by_line[line.pk]["points"]})  # checked already
        old[line.pk] = (line.appraised_value, line.appraised_score)
        line.appraised_value, line.appraised_score = value, score
        alike[(json.dumps(value, sort_keys=True), score)].append(line.pk)
    who = actor if getattr(actor, "pk", None) else None
    for (value_text, score), ids in alike.items():
        for start in range(0, len(ids), 1000):
            ScoreLine.objects.filter(pk__in=ids[start : start + 1000]).update(
                appraised_value=json.loads(value_text), appraised_score=score, appraised_note=note,
                version=F("version") + 1, updated_at=now, updated_by=who,
            )
    assessment_ids = sorted({line.assessment_id for line in lines})
    Assessment.objects.filter(pk__in=assessment_ids).update(version=F("version") + 1)
    assessments = Assessment.objects.select_related("unit").in_bulk(assessment_ids)  # locked by the update above
    moved = [a for a in assessments.values() if a.state not in SCORABLE_STATES]
    if moved:
        raise ValidationFailed(MSG_IMPORT_HAS_PROBLEMS, code="import_has_problems", details=[
            _("bản đánh giá của «%(unit)s» đang ở trạng thái «%(state)s».")
            % {"unit": a.unit.name, "state": a.get_state_display()} for a in moved
        ])
    audit_records(actor=actor, entries=[
        {"action": "score_line.appraise", "object_type": "ScoreLine", "object_id": line.pk,
         "unit": assessments[line.assessment_id].unit, "assessment": assessments[line.assessment_id],
         "changes": {"appraised_value": {"old": old[line.pk][0], "new": line.appraised_value},
                     "appraised_score": {"old": old[line.pk][1], "new": line.appraised_score}},
         "reason": note}
        for line in lines
    ])


def survey_newer_previews(*, survey_import: SurveyImport) -> list[SurveyImport]:
    """The previews of the same cycle made after this one (by anyone, applied or not) that score one of its
    leaves: applying this one would overwrite what they show or wrote. Newest first."""
    mine = {row["line_id"] for row in survey_import.rows}
    later = SurveyImport.objects.filter(cycle_id=survey_import.cycle_id, pk__gt=survey_import.pk).select_related(
        "created_by"
    ).order_by("-pk")
    return [other for other in later if mine & {row["line_id"] for row in other.rows}]


def _stale_refusal(locked: SurveyImport, fresh: list[dict[str, Any]]) -> StateConflict | None:
    """Why applying this preview would overwrite something its preview did not show (None: it would not): a
    newer preview of the same leaves, or a leaf's score changed since the preview."""
    newer = survey_newer_previews(survey_import=locked)
    if newer:
        who = newer[0].created_by
        return StateConflict(
            MSG_NEWER_PREVIEW % {
                "who": who.get_full_name() or who.get_username(), "name": newer[0].file_name,
                "at": local_moment(newer[0].created_at),
            },
            code="stale_preview",
        )
    shown = {row["line_id"]: row["current"] for row in locked.rows}
    changed = [f"{row['unit_name']} · {row['indicator_code']}" for row in fresh
               if row["current"] != shown.get(row["line_id"])]
    if changed:
        return StateConflict(MSG_CHANGED_SINCE_PREVIEW % {"n": len(changed)}, code="stale_preview", details=changed)
    return None


@transaction.atomic
def survey_import_apply(*, survey_import: SurveyImport, actor: Any) -> int:
    """Write every previewed row's points as the appraised score of its survey leaf — all rows or none.

    The rows are checked again (assessments may have moved on since the preview); any problem refuses
    the whole file. A stale preview is refused too (StateConflict, nothing written): a newer preview scores
    one of its leaves, or a leaf's score is no longer the one the preview showed. Each leaf is written as
    the scoring service writes one (engine, version, audit).
    """
    locked = SurveyImport.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=survey_import.pk)
    if locked.status == SurveyImport.Status.APPLIED:
        raise StateConflict(MSG_ALREADY_APPLIED, code="already_applied")
    if locked.problems:
        raise ValidationFailed(MSG_IMPORT_HAS_PROBLEMS, code="import_has_problems",
                               details=[problem_text(p) for p in locked.problems])
    raw_rows = [RawRow(row=r["row"], unit_code=r["unit_code"], indicator_code=r["indicator_code"],
                       points=r["points"]) for r in locked.rows]
    rows, problems = _survey_check(locked.cycle, raw_rows)
    if problems:
        raise ValidationFailed(MSG_IMPORT_HAS_PROBLEMS, code="import_has_problems",
                               details=[problem_text(p) for p in problems])
    stale = _stale_refusal(locked, rows)
    if stale is not None:
        raise stale
    note = _("Điểm điều tra xã hội học (tệp %(name)s).") % {"name": locked.file_name}
    _appraise_all(rows, actor=actor, note=note)
    SurveyImport.objects.filter(pk=locked.pk).update(
        status=SurveyImport.Status.APPLIED, applied_at=timezone.now(), applied_by=actor
    )
    audit_record(
        actor=actor, action="survey_import.apply", object_type="SurveyImport", object_id=locked.pk,
        changes={"status": {"old": locked.status, "new": SurveyImport.Status.APPLIED}}, reason=locked.file_name,
    )
    return len(rows)
