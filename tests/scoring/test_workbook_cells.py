"""The Excel round trip: numbers read as Excel shows them; the header row must be the download's."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from scoring.exports import HEADER_ROW, XLSX_TYPE
from scoring.models import Assessment, ScoreLine
from tests.scoring.test_workbook import _col, _download, _row_of

pytestmark = pytest.mark.django_db

def _upload(client: Client, assessment: Assessment, workbook: Any) -> Any:
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("phieu.xlsx", buffer.getvalue(), content_type=XLSX_TYPE)
    return client.post(reverse("scoring:sheet_upload", args=[assessment.pk]), {"file": upload})


def _rows(response: Any) -> dict[str, Any]:
    return {row.code: row for row in response.context["preview"].rows}


def _preview(client: Client, assessment: Assessment, **cells: dict[str, Any]) -> Any:
    """Upload the downloaded sheet with these cells changed: {code: {column key: value}}."""
    workbook = _download(client, assessment)
    ws = workbook.active
    for code, values in cells.items():
        for key, value in values.items():
            ws.cell(row=_row_of(ws, code), column=_col(key), value=value)
    return _upload(client, assessment, workbook)


# --- numbers as Excel shows them --------------------------------------------------------------------------------


@pytest.mark.parametrize("noisy", [0.5000000000000001, 0.7 - 0.2, 2.3 - 1.8])
def test_excel_floating_point_noise_is_read_as_excel_shows_the_number(
    client: Client, assessment: Assessment, unit_editor: Any, noisy: float
) -> None:
    # given: a cell Excel shows as 0.5 that holds the nearest double, or one computed by a formula
    assert repr(noisy) != "0.5" and float(f"{noisy:.15g}") == 0.5
    client.force_login(unit_editor)
    # when
    response = _preview(client, assessment, **{"1.2.3": {"points": noisy}})
    # then
    row = _rows(response)["1.2.3"]
    assert response.status_code == 200 and row.errors == []
    assert row.new_score == "0.50" and row.new_summary == "0,5 điểm" and row.value == {"points": "0.5"}
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 302
    assert ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3").self_value == {"points": "0.5"}


def test_a_noisy_ratio_term_is_not_refused_for_its_decimals(client: Client, assessment: Assessment,
                                                            unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.1.2": {"numerator": 45.00000000000001, "denominator": 50}})
    row = _rows(response)["1.1.2"]
    assert response.status_code == 200 and row.errors == [] and row.new_score == "1.00"


def test_noise_gone_the_normal_checks_still_apply(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    rows = _rows(_preview(client, assessment, **{"1.2.3": {"points": 0.7500000000000001}}))
    assert rows["1.2.3"].errors == ["Điểm 0,75 vượt quá điểm tối đa 0,5."]  # not «too many decimals»
    rows = _rows(_preview(client, assessment, **{"1.2.3": {"points": 0.30000000000000004}}))
    assert rows["1.2.3"].errors == ["Điểm 0,3 phải là bội số của bước 0,25."]  # 0,3 as Excel shows it
    assert rows["1.2.3"].new_summary == "0,3 điểm"


def test_a_huge_number_is_shown_short_in_the_preview(client: Client, assessment: Assessment,
                                                      unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = _preview(client, assessment, **{"1.2.3": {"points": 1e308},
                                                "1.1.2": {"numerator": 1e308, "denominator": 1e308}})
    assert response.status_code == 400
    rows = _rows(response)
    assert rows["1.2.3"].new_summary == "1E+308 điểm" and rows["1.2.3"].errors == ["Giá trị quá lớn."]
    assert rows["1.1.2"].new_summary == "1E+308 / 1E+308"
    assert "0" * 30 not in response.content.decode()


# --- the header row ---------------------------------------------------------------------------------------------


def test_a_deleted_column_refuses_the_file_and_names_it(client: Client, assessment: Assessment,
                                                       unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("points"), value=0.5)
    ws.delete_cols(_col("note"))  # «Giải trình» now sits under «Ghi chú»'s place, and so on
    response = _upload(client, assessment, workbook)
    assert response.status_code == 400 and response.context["preview"] is None
    body = response.content.decode()
    assert "Hàng tiêu đề (dòng 4) không khớp với phiếu tải về: thiếu cột «Ghi chú»." in body
    assert "Áp dụng các thay đổi" not in body


def test_an_added_column_refuses_the_file_and_names_it(client: Client, assessment: Assessment,
                                                      unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.insert_cols(_col("points"))
    ws.cell(row=HEADER_ROW, column=_col("points"), value="Điểm đề xuất")
    response = _upload(client, assessment, workbook)
    assert response.status_code == 400 and response.context["preview"] is None
    assert "có cột không có trong phiếu tải về «Điểm đề xuất»" in response.content.decode()


def test_moved_columns_refuse_the_file(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    first, second = _col("note"), _col("explanation")
    for row in range(HEADER_ROW, ws.max_row + 1):
        a, b = ws.cell(row=row, column=first), ws.cell(row=row, column=second)
        a.value, b.value = b.value, a.value
    response = _upload(client, assessment, workbook)
    assert response.status_code == 400
    assert "cột " in response.content.decode() and "phải là «Ghi chú» (trong tệp: «Giải trình»)" in (
        response.content.decode())


def test_a_sheet_downloaded_in_english_is_read_on_a_vietnamese_page(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    from django.utils import translation

    client.force_login(unit_editor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    try:
        workbook = _download(client, assessment)
    finally:
        translation.activate("vi")
    assert workbook.active.cell(row=HEADER_ROW, column=_col("note")).value == "Notes"
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("points"), value=0.5)
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    response = _upload(client, assessment, workbook)
    assert response.status_code == 200 and _rows(response)["1.2.3"].new_score == "0.50"
