"""The unit's appraisal workbook names a bonus or penalty criterion's kind once: a name that already says it
(«… (điểm cộng)») is not followed by «[Điểm cộng]» again; a name that does not say it still is."""

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


def _names(client: Client, assessment: Any) -> dict[str, str]:
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return {str(row[0].value): str(row[1].value).strip() for row in ws.iter_rows() if row[0].value and row[1].value}


def test_a_kind_the_name_already_says_is_not_repeated(client: Client, submitted: Any, lead: Any) -> None:
    # given: the bonus criterion's name says «điểm cộng», the penalty's «ĐIỂM TRỪ» (any case)
    criteria = Indicator.objects.filter(indicator_set=submitted.indicator_set)
    criteria.filter(code="2.2").update(name="Sáng kiến CCHC (điểm cộng)")
    criteria.filter(code="2.3").update(name="Kỷ luật (ĐIỂM TRỪ)")
    appraise_all(submitted, lead)
    client.force_login(lead)
    names = _names(client, refresh(submitted))
    assert names["2.2"] == "Sáng kiến CCHC (điểm cộng)"
    assert names["2.3"] == "Kỷ luật (ĐIỂM TRỪ)"
    # the leaves' names do not say it: marked once
    assert names["2.2.1"] == "Sáng kiến được công nhận [Điểm cộng]"
    assert names["2.3.1"].endswith("[Điểm trừ]") and names["2.3.1"].count("[Điểm trừ]") == 1
