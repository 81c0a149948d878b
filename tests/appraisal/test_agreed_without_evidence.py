"""A flagged leaf needing evidence the unit did not send («Cần tài liệu kiểm chứng», no file: what the area's bulk
accept leaves out), answered with «Đồng ý» and no document: allowed, but the team's review page and the appraisal
workbook say «đồng ý, không bổ sung tài liệu»; an agreement on a leaf with its evidence reads as before."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import explanation_request, explanation_resubmit, line_appraise
from appraisal.services.rounds import line_agree
from scoring.models import Indicator
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db

NO_DOCUMENT = "đồng ý, không bổ sung tài liệu"
ASKED = "2.1.1"  # needs evidence (every leaf of the fixtures does), none sent
KEPT = "1.2.3"  # evidence not required: an agreement as before


@pytest.fixture
def agreed(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    appraise_all(submitted, lead)
    Indicator.objects.filter(indicator_set_id=submitted.indicator_set_id, code=KEPT).update(evidence_required=False)
    line = line_of(submitted, ASKED)
    line_appraise(line=line, actor=lead, base_version=line.version, value={"numerator": 40, "denominator": 100},
                  note="Đề nghị đơn vị gửi văn bản chứng minh số liệu.")
    explanation_request(assessment=refresh(submitted), actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, ASKED).pk, line_of(submitted, KEPT).pk],
                        message="Đề nghị bổ sung tài liệu.")
    for code in (ASKED, KEPT):
        line = line_of(submitted, code)
        line_agree(line=line, actor=unit_editor, base_version=line.version)
    return explanation_resubmit(assessment=refresh(submitted), actor=unit_head)


def test_the_review_page_says_the_unit_agreed_without_a_document(agreed: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[agreed.pk])).content.decode()
    asked = body.split(f'id="line-{line_of(agreed, ASKED).pk}"')[1].split("</article>")[0]
    kept = body.split(f'id="line-{line_of(agreed, KEPT).pk}"')[1].split("</article>")[0]
    found = re.search(r"<[^>]*data-no-document-agreement[^>]*>(.*?)</", asked, re.S)
    assert found is not None and NO_DOCUMENT in found.group(1)
    assert "data-agreed" in kept and NO_DOCUMENT not in kept


def test_the_workbook_says_the_unit_agreed_without_a_document(agreed: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    response = client.get(reverse("appraisal:assessment_workbook", args=[agreed.pk]))
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                  else response.content)).active
    rows = {str(row[0].value): [str(c.value) for c in row if c.value is not None] for row in ws.iter_rows()
            if row[0].value}
    assert any(NO_DOCUMENT in cell for cell in rows[ASKED]), rows[ASKED]
    assert not any(NO_DOCUMENT in cell for cell in rows[KEPT])
    assert any("đồng ý với kết quả thẩm định" in cell for cell in rows[KEPT])
