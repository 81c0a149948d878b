"""The sheet and the Excel import read a unit's typed numbers as the engine does: thousands grouped as they can only
be read are saved («1.234.567,89»), a count that is negative or fractional is refused naming the count as the sheet
labels it (the same words on the sheet and in the import), and a numerator above the denominator says what to write
when a target was exceeded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, ScoreLine
from tests.scoring.test_workbook_cells import _preview, _rows

pytestmark = pytest.mark.django_db

FIXED_NOT_WHOLE = "«b: Đã xử lý xong» phải là số nguyên không âm (0, 1, 2…)."
ABOVE_TARGET = ("Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, "
                "hãy ghi tử số bằng mẫu số.")


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _autosave(client: Client, line: ScoreLine, fields: dict[str, str]) -> Any:
    data = {"version": str(line.version), **{f"l{line.pk}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("scoring:line_save", args=[line.assessment_id, line.pk]), data,
                       HTTP_ACCEPT="application/json")


@pytest.mark.parametrize("typed", ["-1", "1,5"])
def test_the_sheet_names_a_count_that_is_not_a_whole_number(
    client: Client, open_assessment: Assessment, unit_editor: Any, typed: str
) -> None:
    client.force_login(unit_editor)
    line = _line(open_assessment, "1.2.2")
    response = _autosave(client, line, {"counts.a": "4", "counts.b": typed, "counts.c": "1"})
    assert response.status_code == 400
    assert (response.json()["message"], response.json()["field"]) == (FIXED_NOT_WHOLE, "counts.b")


def test_the_import_names_a_count_that_is_not_a_whole_number_in_the_sheets_words(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.2.2": {"count1": 4, "count2": "1,5", "count3": 1}})
    assert response.status_code == 400
    row = _rows(response)["1.2.2"]
    assert row.errors == [FIXED_NOT_WHOLE]
    assert [(c.typed, c.message) for c in row.refused_cells] == [("1,5", FIXED_NOT_WHOLE)]
    assert FIXED_NOT_WHOLE in response.content.decode()


def test_the_sheet_saves_terms_grouped_the_vietnamese_way_and_says_what_to_do_above_the_target(
    client: Client, open_assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    line = _line(open_assessment, "1.1.2")
    above = _autosave(client, line, {"numerator": "120", "denominator": "100"})
    assert above.status_code == 400
    assert (above.json()["message"], above.json()["field"]) == (ABOVE_TARGET, "numerator")
    saved = _autosave(client, line, {"numerator": "1.234.567,5", "denominator": "1.500.000"})
    assert saved.status_code == 200, saved.content
    line.refresh_from_db()
    assert line.self_value == {"numerator": "1234567.5", "denominator": "1500000"}
    unclear = _autosave(client, line, {"numerator": "15,525", "denominator": "20"})
    assert unclear.status_code == 400 and "hãy viết 15525" in unclear.json()["message"]


def test_the_import_reads_grouped_terms_and_refuses_a_single_group_naming_both_readings(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.1.2": {"numerator": "1.234.567,5", "denominator": "1.500.000"}})
    row = _rows(response)["1.1.2"]
    assert row.errors == [] and row.new_score == "1.00"  # 82 %
    assert row.new_summary.replace(".", "").replace("\u00a0", "") == "1234567,5 / 1500000", row.new_summary
    refused = _rows(_preview(client, assessment, **{"1.1.2": {"numerator": "15,525", "denominator": "20"}}))["1.1.2"]
    assert refused.errors == [
        "Không rõ dấu phẩy trong «15,525» tách hàng nghìn hay là dấu thập phân: hãy viết 15525 nếu đó là dấu tách "
        "hàng nghìn, hoặc 15,5250 nếu đó là dấu thập phân."]
