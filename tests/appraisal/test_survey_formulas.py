"""A formula in a survey result file: Excel keeps the result it calculated beside the formula, and the import reads
that result. A file saved by a tool that does not calculate (openpyxl, converters) keeps no result: such a cell is
not read as empty («score missing») but refused, named, with the self-assessment import's wording; nothing is
applied."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from appraisal.models import SurveyImport
from appraisal.survey import problem_text, survey_import_apply, survey_import_preview
from scoring.errors import ValidationFailed
from scoring.models import ScoreLine

pytestmark = pytest.mark.django_db

HEADER = ["Mã đơn vị", "Mã tiêu chí", "Điểm"]
REFUSED = ("Ô %s là công thức chưa có kết quả (tệp được lưu bằng phần mềm không tính công thức): hãy mở tệp bằng "
           "Excel, lưu lại rồi tải lên, hoặc ghi thẳng giá trị vào ô.")


def _xlsx(rows: list[list[Any]], *, merges: tuple[str, ...] = (), results: dict[str, str] | None = None) -> bytes:
    """The rows as openpyxl saves them: a formula without its result; with `results` (by reference), the result
    written beside the formula, as Excel saves it."""
    book = Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    if not results:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, result in results.items():
                    text, found = re.subn(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>', rf"\g<1><v>{result}</v>",
                                          text)
                    assert found == 1
                data = text.encode()
            target.writestr(info, data)
    return out.getvalue()


def _score(cycle: Any, unit_code: str) -> Decimal | None:
    return ScoreLine.objects.get(assessment__cycle=cycle, assessment__unit__code=unit_code,
                                 indicator__code="1.2.3").appraised_score


def test_points_given_by_a_formula_without_its_result_are_refused_naming_the_cell_and_nothing_is_applied(
    survey_cycle: Any, admin_user: Any
) -> None:
    # given: the second data row's points a formula saved by openpyxl (no result)
    content = _xlsx([HEADER, ["so-tai-chinh", "1.2.3", 0.25], ["so-y-te", "1.2.3", "=0.25+0.25"]])
    # when
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-1.xlsx", content=content, actor=admin_user)
    # then: the row is refused naming the cell, not as a missing score; the file cannot be applied
    assert [r["unit_code"] for r in preview.rows] == ["so-tai-chinh"]
    assert [problem_text(p) for p in preview.problems] == [f"Dòng 3: {REFUSED % 'C3'}"]
    with pytest.raises(ValidationFailed) as caught:
        survey_import_apply(survey_import=preview, actor=admin_user)
    assert caught.value.code == "import_has_problems"
    assert _score(survey_cycle, "so-y-te") is None and _score(survey_cycle, "so-tai-chinh") is None


def test_a_formula_saved_with_its_result_is_read_and_applied(survey_cycle: Any, admin_user: Any) -> None:
    content = _xlsx([HEADER, ["so-y-te", "1.2.3", "=0.25+0.25"]], results={"C2": "0.5"})
    preview = survey_import_preview(cycle=survey_cycle, file_name="dot-2.xlsx", content=content, actor=admin_user)
    assert preview.problems == [] and [r["score"] for r in preview.rows] == ["0.50"]
    assert survey_import_apply(survey_import=preview, actor=admin_user) == 1
    assert _score(survey_cycle, "so-y-te") == Decimal("0.5")


def test_codes_given_by_formulas_without_results_are_named_also_down_a_merge_and_in_a_headerless_file(
    survey_cycle: Any, admin_user: Any
) -> None:
    # a unit code formula merged down two rows: both rows name its cell, the top-left one
    merged = _xlsx([HEADER, ['="so-y-"&"te"', "1.2.3", 0.5], [None, "1.2.4", 0.5]], merges=("A2:A3",))
    preview = survey_import_preview(cycle=survey_cycle, file_name="a.xlsx", content=merged, actor=admin_user)
    assert preview.rows == []
    assert [problem_text(p) for p in preview.problems] == [f"Dòng 2: {REFUSED % 'A2'}", f"Dòng 3: {REFUSED % 'A2'}"]
    # a row whose only cells are formulas is not skipped as blank; a headerless first row is not a bad header
    headerless = _xlsx([["so-y-te", "1.2.3", "=1/2"], ["=A1", "=B1", "=C1"]])
    preview = survey_import_preview(cycle=survey_cycle, file_name="b.xlsx", content=headerless, actor=admin_user)
    assert [problem_text(p) for p in preview.problems] == [f"Dòng 1: {REFUSED % 'C1'}", f"Dòng 2: {REFUSED % 'A2'}"]


def test_the_import_page_names_the_cell(client: Client, survey_cycle: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    upload = io.BytesIO(_xlsx([HEADER, ["so-y-te", "1.2.3", "=0.25+0.25"]]))
    upload.name = "dot-3.xlsx"
    response = client.post(reverse("appraisal:survey_import"), {"file": upload, "ky": survey_cycle.pk})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Ô C2 là công thức chưa có kết quả" in page
    assert SurveyImport.objects.get().problems
