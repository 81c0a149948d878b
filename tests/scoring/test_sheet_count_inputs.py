"""Counts on the sheet (a formula's «a/b/c», a penalty's occurrences) are text inputs, so the server sees exactly
what was typed (a number box drops a decimal comma: «1,5» became 15): a fractional count is refused with the
import's message and nothing is saved, «10,0» is read as 10 as the engine reads it. The Excel import names an
empty cell by its column, not by the engine's field; its preview shows an empty formula count as «?»; the
preview's first column is the file's row; the formula hint's condition is a sentence of its own."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.forms import method_input_context
from scoring.models import Assessment, AuditEntry, Indicator, ScoreLine
from tests.scoring.test_workbook_cells import _preview, _rows

pytestmark = pytest.mark.django_db

# a count that is not a whole number, named as the sheet labels it (as the import names it)
NOT_A_WHOLE_NUMBER = {"1.2.2": "«b: Đã xử lý xong» phải là số nguyên không âm (0, 1, 2…).",
                      "2.3.1": "«Số người» phải là số nguyên không âm (0, 1, 2…)."}


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _autosave(client: Client, line: ScoreLine, fields: dict[str, str]) -> Any:
    """What the page's script sends for one leaf, answered in JSON."""
    data = {"version": str(line.version), **{f"l{line.pk}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("scoring:line_save", args=[line.assessment_id, line.pk]), data,
                       HTTP_ACCEPT="application/json")


def test_count_inputs_are_text_inputs_that_keep_a_decimal_comma(
    client: Client, open_assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:assessment", args=[open_assessment.pk])).content.decode()
    formula, penalty = _line(open_assessment, "1.2.2"), _line(open_assessment, "2.3.1")
    for name in (f"l{formula.pk}-counts.a", f"l{formula.pk}-counts.c", f"l{penalty.pk}-counts.disciplined"):
        tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', body)
        assert tag is not None, name
        assert 'type="text"' in tag.group(0) and 'inputmode="numeric"' in tag.group(0), tag.group(0)
    assert 'type="number"' not in body


@pytest.mark.parametrize(("code", "fields"), [
    ("1.2.2", {"counts.a": "4", "counts.b": "1,5", "counts.c": "1"}),
    ("2.3.1", {"counts.disciplined": "1,5"}),
])
def test_a_fractional_count_is_refused_with_the_imports_message_and_nothing_is_saved(
    client: Client, open_assessment: Assessment, unit_editor: Any, code: str, fields: dict[str, str]
) -> None:
    client.force_login(unit_editor)
    line = _line(open_assessment, code)
    version = line.version
    response = _autosave(client, line, fields)
    assert response.status_code == 400
    assert response.json()["message"] == NOT_A_WHOLE_NUMBER[code]
    assert response.json()["field"] == next(k for k, v in fields.items() if v == "1,5")
    line.refresh_from_db()
    assert (line.self_value, line.self_score, line.version) == (None, None, version)
    assert not AuditEntry.objects.filter(action="score_line.self", object_id=str(line.pk)).exists()


def test_a_whole_count_written_with_a_zero_decimal_is_read_as_the_engine_reads_it(
    client: Client, open_assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    line = _line(open_assessment, "2.3.1")
    response = _autosave(client, line, {"counts.disciplined": "1,0"})
    assert response.status_code == 200, response.content
    line.refresh_from_db()
    assert line.self_value == {"counts": {"disciplined": 1}} and line.self_score == Decimal("1.00")


def test_the_formula_hint_ends_its_formula_before_the_condition() -> None:
    indicator = Indicator(
        code="1.3.3", method=Indicator.Method.FORMULA, max_points=Decimal("1"),
        params={"variables": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                "expression": "(b / a) * 1 + (c / a) * 0.5", "limits": ["b + c <= a"]},
    )
    with translation.override("vi"):
        hint = method_input_context(indicator, None)["hint"]
    assert hint == "Công thức: (b / a) × 1 + (c / a) × 0,5. Điều kiện: b + c ≤ a."


# --- the Excel import ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "cells", "code", "wanted", "internal"), [
    ("vi", {"numerator": 45}, "1.1.2", "Hãy nhập «Mẫu số».", "denominator"),
    ("vi", {"denominator": 50}, "1.1.2", "Hãy nhập «Tử số».", "numerator"),
    ("vi", {"count2": 1, "count3": 1}, "1.2.2", "Hãy nhập «Số liệu 1 (Số vấn đề phát hiện)».", "counts.a"),
    ("en", {"numerator": 45}, "1.1.2", None, "denominator"),
    ("en", {"count2": 1, "count3": 1}, "1.2.2", None, "counts.a"),
])
def test_an_empty_cell_is_named_by_its_column_not_the_engines_field(
    client: Client, assessment: Assessment, unit_editor: Any,
    language: str, cells: dict[str, Any], code: str, wanted: str | None, internal: str,
) -> None:
    client.force_login(unit_editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = _preview(client, assessment, **{code: cells})
    assert response.status_code == 400
    row = _rows(response)[code]
    assert len(row.errors) == 1
    message = row.errors[0]
    assert internal not in message
    with translation.override(language):
        from scoring.exports import sheet_columns

        headers = dict(sheet_columns(3))
    column = {"denominator": "denominator", "numerator": "numerator", "counts.a": "count1"}[internal]
    assert headers[column] in message
    if wanted is not None:
        assert message == wanted
    # the cell is listed with its reference, and nothing is written
    assert [c.column for c in row.refused_cells] == [headers[column]]
    assert ScoreLine.objects.get(assessment=assessment, indicator__code=code).self_value is None


def test_an_empty_term_is_named_together_with_a_refused_one(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.1.2": {"numerator": "1.000"}})
    row = _rows(response)["1.1.2"]
    assert [(c.column, c.typed) for c in row.refused_cells] == [("Tử số", "1.000"), ("Mẫu số", "")]
    assert row.errors[1] == "Hãy nhập «Mẫu số»."
    assert row.new_summary == "1.000 / ?"
    body = response.content.decode()
    assert "cột «Mẫu số»), để trống: Hãy nhập «Mẫu số»." in body


def test_the_preview_shows_an_empty_formula_count_as_missing_not_as_zero(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.2.2": {"count2": 1, "count3": 1},
                                                "1.1.2": {"numerator": "1.000", "denominator": "2.000"}})
    rows = _rows(response)
    assert rows["1.2.2"].new_summary == "Số vấn đề phát hiện: ?; Đã xử lý xong: 1; Đang xử lý: 1"
    assert rows["1.1.2"].new_summary == "1.000 / 2.000"  # refused: as typed, never «1,000 / 2,000»
    body = response.content.decode()
    assert "Số vấn đề phát hiện: ?" in body and "Số vấn đề phát hiện: 0" not in body
    assert "1,000 / 2,000" not in body


def test_an_empty_occurrence_count_is_shown_as_zero_as_the_engine_reads_it(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # an empty occurrence count is 0 to the engine: the preview says 0, not «?»
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"2.1.2": {"count1": "abc"}})
    assert _rows(response)["2.1.2"].new_summary == "Báo cáo trễ hạn: abc; Thiếu báo cáo: 0"


def test_the_previews_first_column_is_the_files_row_not_a_number_of_rows(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _preview(client, assessment, **{"1.2.3": {"points": "0.5"}})
    assert response.status_code == 200
    body = response.content.decode()
    head = re.search(r'<table class="grid compact preview[^"]*">\s*<thead>(.*?)</thead>', body, re.S)
    assert head is not None
    first = re.search(r"<th[^>]*>(.*?)</th>", head.group(1))
    assert first is not None and first.group(1) != "Rows"
