"""The unit's appraisal workbook marks every bonus and penalty row, the group rows as their leaves, in a «Ghi
chú» column by the self-assessment report's rule («[Điểm cộng]», «[Điểm trừ]»), even when the group's name
already says its kind; a legend says they do not count in their area's points."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import Indicator
from tests.appraisal.conftest import appraise_all, refresh

pytestmark = pytest.mark.django_db


def _sheet(client: Client, assessment: Any) -> Any:
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content)).worksheets[0]


def test_bonus_and_penalty_group_rows_are_marked_as_their_leaves(client: Client, submitted: Any, lead: Any) -> None:
    # given the bonus group's name saying its kind, the penalty group's not
    Indicator.objects.filter(indicator_set=submitted.indicator_set, code="2.2").update(
        name="Sáng kiến CCHC (điểm cộng)")
    appraise_all(submitted, lead)
    client.force_login(lead)
    # when the workbook is downloaded
    ws = _sheet(client, refresh(submitted))
    # then the «Ghi chú» column marks the groups and their leaves, and nothing else
    header = next(row for row in ws.iter_rows(values_only=True) if row[0] == "Mã")
    note = header.index("Ghi chú")
    codes = {str(c.code) for c in Indicator.objects.filter(indicator_set=submitted.indicator_set)}
    notes = {str(row[0]): row[note] for row in ws.iter_rows(values_only=True) if str(row[0]) in codes}
    assert notes["2.2"] == notes["2.2.1"] == "[Điểm cộng]"
    assert notes["2.3"] == notes["2.3.1"] == "[Điểm trừ]"
    assert {code for code, text in notes.items() if text} == {"2.2", "2.2.1", "2.3", "2.3.1"}
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "không tính vào điểm của lĩnh vực chứa chúng" in text
