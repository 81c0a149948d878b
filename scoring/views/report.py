"""The self-assessment report in its three official parts: a printable page and an xlsx download."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from scoring import exports, permissions, selectors
from scoring.models import Assessment
from scoring.self_rating import sheet_rating
from scoring.views._common import area_extras_said


def render_report(
    request: HttpRequest, assessment: Assessment, *, status: int = 200, conflict: dict[str, Any] | None = None
) -> HttpResponse:
    sheet = selectors.assessment_sheet(assessment=assessment)
    context = {
        "assessment": assessment,
        "sheet": sheet,
        "rows": selectors.report_rows(sheet=sheet),
        "explanations": selectors.report_explanations(sheet=sheet),
        "after_rounds": bool(selectors.report_rounds_since_submission(assessment=assessment)),
        "editable": permissions.can_edit_self_assessment(request.user, assessment),
        "conflict": conflict,
        "area_extras": area_extras_said(sheet.indicators),
        "heading": exports.report_heading(assessment),
        "rating": sheet_rating(sheet),
    }
    return render(request, "scoring/report.html", context, status=status)


@login_required
@require_GET
def report_page(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    return render_report(request, assessment)


@login_required
@require_GET
def report_xlsx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = permissions.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    sheet = selectors.assessment_sheet(assessment=assessment)
    content = exports.report_workbook(
        sheet=sheet, rows=selectors.report_rows(sheet=sheet), explanations=selectors.report_explanations(sheet=sheet)
    )
    return exports.xlsx_response(content, f"bao-cao-tu-danh-gia-{assessment.unit.code}-{assessment.cycle.year}.xlsx")
