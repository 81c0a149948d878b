"""The self-assessment report in its three official parts: printable page and xlsx."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.exports import safe_text
from scoring.models import Assessment, Unit
from scoring.services import assessment_difficulties_save, assessments_open, score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _fill(assessment: Assessment, actor: Any) -> None:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        explanation = "=HYPERLINK(\"http://x\")" if line.indicator.code == "1.1.1" else "Đang số hóa"
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value, explanation=explanation)
    assessment_difficulties_save(assessment=assessment, text="Thiếu biên chế công nghệ thông tin.", actor=actor)


def test_the_report_page_has_the_three_parts(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    _fill(assessment, unit_editor)
    client.force_login(unit_editor)
    response = client.get(reverse("scoring:report", args=[assessment.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "I. Tổng hợp kết quả tự chấm điểm theo tiêu chí" in body
    assert "II. Giải trình" in body and "Đang số hóa" in body
    assert "III. Khó khăn, vướng mắc" in body and "Thiếu biên chế công nghệ thông tin." in body
    assert "3,38" in body  # area 1 subtotal: 0 + 1 + 1 + 0,88 + 0,5, computed by the engine
    assert "6,58" in body  # the self-assessed index: 3,38 + 2,7 + 1,5 − 1
    assert "@media print" not in body and "print-only" in body


def test_criterion_subtotals_come_from_the_engine(assessment: Assessment, unit_editor: Any) -> None:
    from scoring import selectors

    _fill(assessment, unit_editor)
    sheet = selectors.assessment_sheet(assessment=assessment)
    rows = {r.indicator.code: r for r in selectors.report_rows(sheet=sheet)}
    assert f"{rows['1.1'].obtained:.2f}" == "1.00"   # levels 0 + ratio 1
    assert f"{rows['1.2'].obtained:.2f}" == "2.38"   # 1 + 0,88 + 0,5
    assert f"{rows['2.2'].obtained:.2f}" == "1.50" and f"{rows['2.3'].obtained:.2f}" == "1.00"
    assert f"{rows['1'].obtained:.2f}" == "3.38"


def test_the_report_xlsx_has_three_sheets_and_neutralised_formulas(client: Client, assessment: Assessment,
                                                                   unit_editor: Any) -> None:
    _fill(assessment, unit_editor)
    client.force_login(unit_editor)
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    assert "filename*=UTF-8''bao-cao-tu-danh-gia-so-y-te-2020.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["I. Tổng hợp điểm", "II. Giải trình", "III. Khó khăn, kiến nghị"]
    explanations = [c.value for row in workbook["II. Giải trình"].iter_rows() for c in row if c.value]
    # a string cell: shown as typed (no guard apostrophe), never evaluated
    assert "=HYPERLINK(\"http://x\")" in explanations and "'=HYPERLINK(\"http://x\")" not in explanations
    assert all(c.data_type != "f" for ws in workbook for row in ws.iter_rows() for c in row)
    assert workbook["III. Khó khăn, kiến nghị"]["A3"].value == "Thiếu biên chế công nghệ thông tin."


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_looks_like_a_formula_is_neutralised(text: str) -> None:
    assert safe_text(text) == "'" + text
    assert safe_text("Kế hoạch") == "Kế hoạch" and safe_text(-1) == -1


def test_another_unit_cannot_read_the_report(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    other = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    client.force_login(unit_editor)
    assert client.get(reverse("scoring:report", args=[other.pk])).status_code == 404
    assert client.get(reverse("scoring:report_xlsx", args=[other.pk])).status_code == 404
    assert client.get(reverse("scoring:report", args=[assessment.pk])).status_code == 200


def test_anonymous_users_cannot_read_the_report(client: Client, assessment: Assessment) -> None:
    assert client.get(reverse("scoring:report", args=[assessment.pk])).status_code == 302
    assert client.get(reverse("scoring:report_xlsx", args=[assessment.pk])).status_code == 302
