"""The appraisal team's Excel downloads before publication: a unit's appraisal workbook, a cycle's preliminary
table (`appraisal.exports`)."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from appraisal import exports, permissions
from appraisal.views._common import refusal_text
from scoring.exports import XLSX_TYPE, xlsx_response
from scoring.models import Cycle
from scoring.views._common import refuse

# The cycle table is written to a temporary file and sent from there in pieces: past this size it is on disk.
SPOOL_BYTES = 8 * 1024 * 1024


@require_GET
@login_required
def assessment_workbook(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The unit's «Bảng tổng hợp kết quả thẩm định»: for whoever may open its review page (the team members
    assigned to it, the lead, administrators), from the start of the appraisal on."""
    try:
        assessment = permissions.review_get_for_user(user=request.user, assessment_id=assessment_id)
    except (permissions.OwnUnitRefused, permissions.AssignmentRefused) as exc:
        return refuse(request, refusal_text(request, exc), status=403)
    refusal = exports.workbook_refusal(assessment)
    if refusal is not None:
        return refuse(request, refusal.message, status=refusal.status)
    content = exports.assessment_workbook(assessment=assessment)
    return xlsx_response(content, exports.assessment_workbook_name(assessment))


@require_GET
@login_required
def cycle_workbook(request: HttpRequest, cycle_id: int) -> HttpResponseBase:
    """The cycle's preliminary table («Kết quả chưa công bố»): for those who see the cycle's oversight dashboard
    (a lead by assignment: of the cycles they lead only)."""
    if not permissions.can_view_dashboard(request.user, cycle_id=cycle_id):
        raise PermissionDenied
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by the response
    try:
        exports.cycle_workbook(cycle=cycle, out=out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = FileResponse(out, as_attachment=True, filename=exports.cycle_workbook_name(cycle),
                            content_type=XLSX_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
