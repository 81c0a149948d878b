"""The Excel round trip: download the sheet, fill it offline, upload, preview, apply all or nothing."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.exports import FIRST_DATA_ROW, XLSX_TYPE, sheet_columns
from scoring.models import Assessment, AuditEntry, Indicator, ScoreLine, Unit
from scoring.services import assessment_transition, assessments_open, score_line_save_self

pytestmark = pytest.mark.django_db

COLUMNS = [key for key, _header in sheet_columns(3)]  # the small set's widest method has three counts


def _col(key: str) -> int:
    return COLUMNS.index(key) + 1


def _download(client: Client, assessment: Assessment) -> Any:
    response = client.get(reverse("scoring:sheet_xlsx", args=[assessment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    return load_workbook(io.BytesIO(response.content))


def _row_of(ws: Any, code: str) -> int:
    for row in range(FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row=row, column=_col("code")).value == code:
            return row
    raise AssertionError(code)


def _as_upload(workbook: Any, name: str = "phieu.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_TYPE)


def _upload(client: Client, assessment: Assessment, upload: Any) -> Any:
    return client.post(reverse("scoring:sheet_upload", args=[assessment.pk]), {"file": upload})


def _fill(ws: Any) -> None:
    def put(code: str, **cells: Any) -> None:
        row = _row_of(ws, code)
        for key, value in cells.items():
            ws.cell(row=row, column=_col(key), value=value)

    put("1.1.1", option="Trễ hạn", explanation="Ban hành trễ do sáp nhập.")
    put("1.1.2", numerator=45, denominator=50)
    put("1.2.1", yes_no="Có")
    put("1.2.2", count1=4, count2=2, count3=1)
    put("1.2.3", points=0.5, note="=cmd|' /C calc'!A0")
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("note")).data_type = "s"  # typed as text, not a formula
    put("2.1.1", numerator=85, denominator=100)
    put("2.1.2", count1=2, count2=1)


def test_the_sheet_has_a_row_per_leaf_hidden_technical_columns_and_protection(client: Client,
                                                                           assessment: Assessment,
                                                                           unit_editor: Any) -> None:
    client.force_login(unit_editor)
    ws = _download(client, assessment).active
    codes = [ws.cell(row=r, column=_col("code")).value for r in range(FIRST_DATA_ROW, ws.max_row + 1)]
    assert codes == ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "2.1.1", "2.1.2", "2.2.1", "2.3.1"]
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["B"].hidden
    assert ws.protection.sheet is True
    row = _row_of(ws, "1.1.2")
    assert ws.cell(row=row, column=_col("numerator")).protection.locked is False
    assert ws.cell(row=row, column=_col("points")).protection.locked is True
    assert ws.cell(row=row, column=_col("version")).protection.locked is True


def test_a_filled_sheet_is_previewed_then_applied_in_one_go(client: Client, assessment: Assessment,
                                                            unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _fill(workbook.active)
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200
    body = response.content.decode()
    assert "7 tiêu chí thay đổi." in body and "2 tiêu chí giữ nguyên." in body
    assert "Áp dụng các thay đổi" in body and "0,88" in body
    assert ScoreLine.objects.filter(assessment=assessment, self_score__isnull=False).count() == 0  # preview only
    token = response.context["token"]
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": token})
    assert applied.status_code == 302
    scores = {line.indicator.code: f"{line.self_score:.2f}" for line in
              ScoreLine.objects.filter(assessment=assessment, self_score__isnull=False).select_related("indicator")}
    assert scores == {"1.1.1": "0.00", "1.1.2": "1.00", "1.2.1": "1.00", "1.2.2": "0.88", "1.2.3": "0.50",
                      "2.1.1": "1.70", "2.1.2": "1.00"}
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3")
    assert line.self_note == "=cmd|' /C calc'!A0"  # kept as text, as typed
    assert AuditEntry.objects.filter(action="score_line.self").count() == 7
    assert AuditEntry.objects.filter(action="assessment.import_self").count() == 1
    again = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": token})
    assert again.status_code == 409  # the preview is used up


def test_an_invalid_row_is_shown_and_nothing_can_be_applied(client: Client, assessment: Assessment,
                                                            unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    _fill(ws)
    ws.cell(row=_row_of(ws, "1.1.2"), column=_col("numerator"), value=60)
    ws.cell(row=_row_of(ws, "1.2.3"), column=_col("points"), value="nhiều")
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tử số không được lớn hơn mẫu số." in body and "Giá trị phải là một số." in body
    assert "Áp dụng các thay đổi" not in body
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 409
    assert not ScoreLine.objects.filter(assessment=assessment, self_score__isnull=False).exists()


def test_a_row_changed_online_after_the_download_is_stale(client: Client, assessment: Assessment,
                                                          unit_editor: Any, unit_head: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _fill(workbook.active)
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="1.1.2")
    score_line_save_self(line=line, actor=unit_head, base_version=1, value={"numerator": 1, "denominator": 2})
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400
    assert "đã được sửa trên hệ thống sau khi tải tệp về" in response.content.decode()


def test_a_row_changed_between_preview_and_apply_stops_everything(client: Client, assessment: Assessment,
                                                                  unit_editor: Any, unit_head: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _fill(workbook.active)
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="2.1.1")
    score_line_save_self(line=line, actor=unit_head, base_version=1, value={"numerator": 1, "denominator": 2})
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]})
    assert applied.status_code == 409
    assert "2.1.1" in applied.content.decode()
    written = ScoreLine.objects.filter(assessment=assessment, self_score__isnull=False)
    assert [w.indicator.code for w in written.select_related("indicator")] == ["2.1.1"]  # only the online edit


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("phieu.csv", b"a,b\n1,2\n", "Chỉ nhận tệp Excel .xlsx"),
        ("phieu.xlsx", b"", "Tệp rỗng."),
        ("phieu.xlsx", b"%PDF-1.4 not a workbook", "không phải là tệp Excel .xlsx hợp lệ"),
        ("phieu.xlsx", b"PK\x03\x04broken zip", "bị hỏng"),
    ],
)
def test_a_file_that_is_not_a_sheet_is_refused_with_a_clear_message(client: Client, assessment: Assessment,
                                                                    unit_editor: Any, name: str, content: bytes,
                                                                    message: str) -> None:
    client.force_login(unit_editor)
    response = _upload(client, assessment, SimpleUploadedFile(name, content))
    assert response.status_code == 400 and message in response.content.decode()


def test_a_zip_that_is_not_a_workbook_is_refused(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "x")
    client.force_login(unit_editor)
    response = _upload(client, assessment, SimpleUploadedFile("phieu.xlsx", buffer.getvalue()))
    assert response.status_code == 400 and "không phải là tệp Excel" in response.content.decode()


def test_an_oversized_file_is_refused(client: Client, assessment: Assessment, unit_editor: Any,
                                      monkeypatch: Any) -> None:
    from scoring import imports

    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400 and "Tệp quá lớn" in response.content.decode()


def test_another_assessments_sheet_is_refused(client: Client, assessment: Assessment, unit_editor: Any,
                                              admin_user: Any) -> None:
    other = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    admin = Client()
    admin.force_login(admin_user)
    workbook = _download(admin, other)
    client.force_login(unit_editor)
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400 and "thuộc bản đánh giá khác" in response.content.decode()


def test_the_upload_page_is_for_the_units_editors_only(
    team: Any, client: Client, assessment: Assessment, unit_editor: Any, appraiser: Any
) -> None:
    url = reverse("scoring:sheet_upload", args=[assessment.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(unit_editor)
    assert client.get(url).status_code == 200
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    client.force_login(appraiser)
    assert client.get(url).status_code == 403
    assert client.get(reverse("scoring:sheet_xlsx", args=[assessment.pk])).status_code == 200  # reading is fine


def test_another_unit_cannot_download_the_sheet(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    other = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    client.force_login(unit_editor)
    assert client.get(reverse("scoring:sheet_xlsx", args=[other.pk])).status_code == 404
    assert client.get(reverse("scoring:sheet_xlsx", args=[assessment.pk])).status_code == 200


def test_apply_is_refused_once_submitted(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    _fill(workbook.active)
    response = _upload(client, assessment, _as_upload(workbook))
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    applied = client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": response.context["token"]},
                          follow=True)
    assert "không thể sửa" in applied.content.decode()
    assert not ScoreLine.objects.filter(assessment=assessment, self_score__isnull=False).exists()


def test_a_huge_upload_is_refused_before_its_body_is_read(client: Client, assessment: Assessment,
                                                          unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.post(reverse("scoring:sheet_upload", args=[assessment.pk]), data=b"x" * 10,
                           content_type="multipart/form-data; boundary=zzz", CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413 and "Tệp quá lớn" in response.content.decode()


# --- line breaks, formula-like text, the method's column, the yes/no words, the error count ---------------------


def _preview_rows(response: Any) -> dict[str, Any]:
    return {row.code: row for row in response.context["preview"].rows}


def test_an_unchanged_sheet_with_multi_line_text_changes_nothing(client: Client, assessment: Assessment,
                                                                  unit_editor: Any) -> None:
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3")
    line.explanation = "Dòng 1\r\nDòng 2"  # as a browser sent it before line breaks were normalised
    line.self_note = "Ghi chú\nhai dòng"
    line.save()
    client.force_login(unit_editor)
    response = _upload(client, assessment, _as_upload(_download(client, assessment)))
    assert response.status_code == 200
    assert response.context["preview"].rows == []
    assert "Tệp không có thay đổi nào" in response.content.decode()


def test_text_starting_like_a_formula_is_a_plain_string_cell_without_apostrophe(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.3")
    score_line_save_self(line=line, actor=unit_editor, base_version=1, value=None,
                         explanation="- Công văn số 12/SYT", note="=1+1")
    client.force_login(unit_editor)
    ws = _download(client, assessment).active
    row = _row_of(ws, "1.2.3")
    explanation, note = ws.cell(row=row, column=_col("explanation")), ws.cell(row=row, column=_col("note"))
    assert (explanation.value, explanation.data_type) == ("- Công văn số 12/SYT", "s")
    assert (note.value, note.data_type) == ("=1+1", "s")
    # round trip: unchanged; an older file's guard apostrophe is still taken off
    assert _upload(client, assessment, _as_upload(ws.parent)).context["preview"].rows == []
    ws.cell(row=row, column=_col("explanation"), value="'- Công văn số 12/SYT")
    assert _upload(client, assessment, _as_upload(ws.parent)).context["preview"].rows == []


def test_a_value_in_a_column_the_leafs_method_does_not_use_is_a_row_error(client: Client, assessment: Assessment,
                                                                          unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    ws.cell(row=_row_of(ws, "1.2.1"), column=_col("points"), value=1)        # a yes/no leaf
    ws.cell(row=_row_of(ws, "1.1.2"), column=_col("yes_no"), value="Có")     # a ratio leaf
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 400
    rows = _preview_rows(response)
    assert rows["1.2.1"].errors == ["Cột «Điểm» không dùng cho tiêu chí này; hãy ghi ở cột «Có/Không»."]
    assert rows["1.1.2"].errors == [
        "Cột «Có/Không» không dùng cho tiêu chí này; hãy ghi ở cột «Tử số», «Mẫu số»."
    ]
    assert "Có 2 dòng có lỗi" in response.content.decode()


def test_the_error_count_counts_rows_not_messages(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    workbook = _download(client, assessment)
    ws = workbook.active
    row = _row_of(ws, "1.2.1")
    ws.cell(row=row, column=_col("points"), value=1)
    ws.cell(row=row, column=_col("numerator"), value=1)  # two messages on one row
    response = _upload(client, assessment, _as_upload(workbook))
    assert len(_preview_rows(response)["1.2.1"].errors) == 2
    assert "Có 1 dòng có lỗi" in response.content.decode()


@pytest.fixture
def vietnamese_after() -> Any:
    """A request in English leaves English active in this thread: later tests expect Vietnamese."""
    from django.utils import translation

    yield
    translation.activate("vi")


def test_the_english_sheet_writes_english_yes_no_words_and_both_languages_are_read(
    client: Client, assessment: Assessment, unit_editor: Any, vietnamese_after: None
) -> None:
    yes_no = ScoreLine.objects.get(assessment=assessment, indicator__code="1.2.1")
    score_line_save_self(line=yes_no, actor=unit_editor, base_version=1, value={"value": True})
    client.force_login(unit_editor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    ws = _download(client, assessment).active
    assert ws.cell(row=_row_of(ws, "1.2.1"), column=_col("yes_no")).value == "Yes"
    assert any(dv.formula1 == '"Yes,No"' for dv in ws.data_validations.dataValidation)
    assert _upload(client, assessment, _as_upload(ws.parent)).context["preview"].rows == []  # unchanged
    ws.cell(row=_row_of(ws, "1.2.1"), column=_col("yes_no"), value="Không")  # a Vietnamese word, English sheet
    rows = _preview_rows(_upload(client, assessment, _as_upload(ws.parent)))
    assert rows["1.2.1"].new_score == "0.00" and not rows["1.2.1"].errors
    ws.cell(row=_row_of(ws, "1.2.1"), column=_col("yes_no"), value="Maybe")
    body = _upload(client, assessment, _as_upload(ws.parent)).content.decode()
    assert "The value must be yes or no." in body and "Giá trị phải là Có hoặc Không." not in body


def test_the_sheet_states_a_formulas_limits_in_its_own_column_names() -> None:
    from scoring.exports import _how

    leaf = Indicator(method=Indicator.Method.FORMULA, max_points=1, params={
        "variables": [{"name": "a", "label": "Tồn tại phát hiện"}, {"name": "b", "label": "Đã xử lý"},
                      {"name": "c", "label": "Đang xử lý"}],
        "expression": "(b / a) * 1 + (c / a) * 0.5", "limits": ["b+c <= a"],
    })
    assert _how(leaf) == ("Số liệu 1 = Tồn tại phát hiện; Số liệu 2 = Đã xử lý; Số liệu 3 = Đang xử lý; "
                          "điều kiện: Số liệu 2+Số liệu 3 ≤ Số liệu 1")
