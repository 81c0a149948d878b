"""The unit's appraisal workbook says each leaf's evidence: the number of documents linked, and for a leaf needing
some without any, «không có», or that the team accepted it on the unit's note, so that the printed sheet shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import area_accept_noted
from scoring.models import Indicator, ScoreLine
from tests.appraisal.conftest import line_of, refresh, self_score, submit
from tests.appraisal.test_documents_only_request import attach
from tests.appraisal.test_exports import _rows_by_code, _workbook

pytestmark = pytest.mark.django_db
TITLE = "Tài liệu kiểm chứng (số tài liệu)"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _column(client: Client, lead: Any, assessment: Any) -> dict[str, Any]:
    client.force_login(lead)
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    ws = _workbook(response).worksheets[0]
    header = next(row for row in ws.iter_rows(values_only=True) if row[0] == "Mã")
    at = header.index(TITLE)
    return {code: row[at].value for code, row in _rows_by_code(ws).items()}


def test_the_workbook_says_the_documents_and_a_leaf_accepted_on_the_units_note(
    client: Client, assessment: Any, unit_editor: Any, unit_head: Any, team: Any, appraiser: Any, lead: Any
) -> None:
    leaves = Indicator.objects.filter(indicator_set=assessment.indicator_set, is_leaf=True)
    leaves.update(evidence_required=False)
    leaves.filter(code__in=("2.1.1", "2.1.2", "2.2.1")).update(evidence_required=True)
    self_score(assessment, unit_editor)
    attach(client, unit_editor, assessment, "2.1.1")
    ScoreLine.objects.filter(pk=line_of(assessment, "2.1.2").pk).update(self_note="Bản giấy lưu tại Sở.")
    submitted = submit(refresh(assessment), unit_head)
    area = submitted.indicator_set.indicators.get(code="2", parent__isnull=True)
    area_accept_noted(assessment=refresh(submitted), area=area, actor=appraiser,
                      line_ids={line_of(submitted, "2.1.2").pk})
    cells = _column(client, lead, refresh(submitted))
    assert cells["2.1.1"] == 1
    assert cells["2.1.2"] == "không có — chấp nhận theo ghi chú của đơn vị"
    assert cells["2.2.1"] == "không có"  # needs evidence, none sent, not accepted
    assert cells["1.2.1"] == 0
    assert cells["2"] is None  # an area row says nothing of evidence
