"""Part II of the self-assessment report («Giải trình các tiêu chí không có hoặc chưa đủ tài liệu kiểm chứng») lists the
leaves whose evidence the unit answers for, by the pre-submit check's own rule: a «không phát sinh» (KPS) leaf needs
no evidence, so it is not listed there even when it carries an explanation, on the page or in the Excel file. Where
the file's Part II does show a KPS leaf, its score cell is what Part I shows: the points the engine credits it."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring import exports, selectors
from scoring.exports import KPS_FILL
from scoring.models import Assessment, IndicatorSet
from scoring.services import score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"
EXPLAINED = "Đơn vị đã đính kèm tài liệu kiểm chứng bản giấy."


def _fill_with_kps(assessment: Assessment, actor: Any) -> None:
    """Every leaf self-scored, none with evidence; 1.2.2 declared KPS and, as 1.2.3, explained (as the demo's
    leaves are, one in five)."""
    for line in assessment.lines.select_related("indicator"):
        code = line.indicator.code
        explanation = EXPLAINED if code in ("1.2.2", "1.2.3") else None
        if code == "1.2.2":
            score_line_save_self(line=line, actor=actor, base_version=line.version, value=None, not_applicable=True,
                                 not_applicable_reason=REASON, explanation=explanation)
        else:
            value, _score = SMALL_SET_VALUES[code]
            score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                                 explanation=explanation)


def _part_two_codes_of_the_page(body: str) -> list[str]:
    part = body.split('id="part-2"', 1)[1].split('id="part-3"', 1)[0]
    return re.findall(r"<tr><td>([\d.]+)</td>", part)


def test_a_kps_leaf_with_an_explanation_is_not_listed_in_part_two(assessment: Assessment, unit_editor: Any) -> None:
    _fill_with_kps(assessment, unit_editor)
    sheet = selectors.assessment_sheet(assessment=assessment)
    listed = [leaf.indicator.code for leaf in selectors.report_explanations(sheet=sheet)]
    assert "1.2.2" not in listed
    # the evidence-required leaves without evidence are, and so is an explained one that counts
    assert "1.2.3" in listed and "1.1.1" in listed
    # one rule with the pre-submit check: what Part II lists for missing evidence is what the check flags
    flagged = {p.code for p in selectors.self_assessment_problems(sheet=sheet) if p.kind == "evidence_missing"}
    assert "1.2.2" not in flagged
    assert {leaf.indicator.code for leaf in selectors.report_explanations(sheet=sheet) if leaf.evidence_missing} \
        >= flagged


def test_the_report_page_and_its_file_leave_the_kps_leaf_out_of_part_two(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _fill_with_kps(assessment, unit_editor)
    client.force_login(unit_editor)
    page = client.get(reverse("scoring:report", args=[assessment.pk]))
    assert page.status_code == 200
    codes = _part_two_codes_of_the_page(page.content.decode())
    assert "1.2.2" not in codes and "1.2.3" in codes
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content))["II. Giải trình"]
    in_file = [row[0].value for row in ws.iter_rows(min_row=4)]
    assert in_file == codes


def test_part_two_of_the_file_shows_a_kps_leafs_credited_points_as_part_one_does(
    assessment: Assessment, unit_editor: Any
) -> None:
    # given: a KPS leaf handed to Part II (the file writes whatever list it is given)
    _fill_with_kps(assessment, unit_editor)
    sheet = selectors.assessment_sheet(assessment=assessment)
    kps = next(leaf for leaf in sheet.leaves if leaf.indicator.code == "1.2.2")
    scored = next(leaf for leaf in sheet.leaves if leaf.indicator.code == "1.2.3")
    # when
    content = exports.report_workbook(sheet=sheet, rows=selectors.report_rows(sheet=sheet), explanations=[kps, scored])
    # then: the same cell as Part I's, a number marked «KPS» on a tinted cell
    workbook = load_workbook(io.BytesIO(content))
    part_one = next(r for r in workbook["I. Tổng hợp điểm"].iter_rows() if r[0].value == "1.2.2")[3]
    kps_row, scored_row = list(workbook["II. Giải trình"].iter_rows(min_row=4))
    cell = kps_row[2]
    assert Decimal(str(cell.value)) == Decimal(str(part_one.value)) == Decimal("1.5")
    assert cell.number_format == part_one.number_format == '0.00" KPS"'
    assert cell.fill.fgColor.rgb.endswith(KPS_FILL.fgColor.rgb[-6:])
    assert Decimal(str(scored_row[2].value)) == Decimal("0.5") and scored_row[2].number_format == "0.00"


def test_in_percent_mode_part_two_of_the_file_says_the_kps_leaf_is_left_out(
    assessment: Assessment, unit_editor: Any
) -> None:
    IndicatorSet.objects.filter(pk=assessment.indicator_set_id).update(index_mode="percent")
    _fill_with_kps(assessment, unit_editor)
    sheet = selectors.assessment_sheet(assessment=Assessment.objects.get(pk=assessment.pk))
    kps = next(leaf for leaf in sheet.leaves if leaf.indicator.code == "1.2.2")
    content = exports.report_workbook(sheet=sheet, rows=selectors.report_rows(sheet=sheet), explanations=[kps])
    (row,) = list(load_workbook(io.BytesIO(content))["II. Giải trình"].iter_rows(min_row=4))
    assert row[2].value == "Không phát sinh"


def test_another_units_editor_cannot_read_the_report_or_its_file(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    from tests.conftest import _user

    _fill_with_kps(assessment, unit_editor)
    client.force_login(_user("minh", "unit_editor", "so-tu-phap"))
    assert client.get(reverse("scoring:report", args=[assessment.pk])).status_code == 404
    assert client.get(reverse("scoring:report_xlsx", args=[assessment.pk])).status_code == 404
