"""The unit's appraisal workbook («Bảng tổng hợp kết quả thẩm định») says what a round asked on each leaf returned,
an explanation or evidence documents («Bổ sung tài liệu kiểm chứng»), and the unit's answer as the lead's page of
the round reads it: on a leaf asked for documents, the documents linked in the round (named), else nothing yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, explanation_resubmit, line_explain
from appraisal.services.rounds import line_agree
from tests.appraisal.conftest import appraise_all, later, line_of, refresh
from tests.appraisal.test_documents_only_request import DOCS, EXPLAIN, attach
from tests.appraisal.test_exports import EXPLANATION, _rows_by_code, _workbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def returned(submitted: Any, lead: Any) -> Any:
    """Every leaf appraised; 1.1.1 returned to explain, 2.1.1 for documents only."""
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, EXPLAIN).pk, line_of(submitted, DOCS).pk],
                        documents=[line_of(submitted, DOCS).pk], message="Đề nghị đơn vị trả lời.")
    return refresh(submitted)


def _cells(client: Client, lead: Any, assessment: Any) -> dict[str, str]:
    client.force_login(lead)
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    rows = _rows_by_code(_workbook(response).worksheets[0])
    return {code: rows[code][EXPLANATION - 1].value for code in (DOCS, EXPLAIN)}


def test_the_workbook_says_documents_were_asked_and_none_sent_yet(client: Client, returned: Any, lead: Any) -> None:
    cells = _cells(client, lead, returned)
    assert cells[DOCS] == "Đề nghị bổ sung tài liệu kiểm chứng: chưa bổ sung tài liệu"
    assert cells[EXPLAIN].startswith("Yêu cầu giải trình: chưa giải trình")


def test_the_workbook_names_the_documents_linked_in_the_round(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any, lead: Any
) -> None:
    # given: the unit answers the documents leaf with a document only, and resubmits
    attach(client, unit_editor, returned, DOCS, name="quyet-dinh.pdf")
    explained = line_of(returned, EXPLAIN)
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Đã thực hiện.")
    back = explanation_resubmit(assessment=refresh(returned), actor=unit_head)
    # then: the ended round's answer is read as the round's page reads it
    cells = _cells(client, lead, back)
    assert cells[DOCS] == "Đề nghị bổ sung tài liệu kiểm chứng: đã bổ sung quyet-dinh.pdf"
    assert cells[EXPLAIN].startswith("Yêu cầu giải trình: đã giải trình")


def test_the_workbook_tells_a_text_without_documents_and_an_agreement_apart(
    client: Client, returned: Any, unit_editor: Any, lead: Any
) -> None:
    docs = line_of(returned, DOCS)
    line_explain(line=docs, actor=unit_editor, base_version=docs.version, explanation="Văn bản đang chờ ký.")
    assert _cells(client, lead, returned)[DOCS] == (
        "Đề nghị bổ sung tài liệu kiểm chứng: chưa bổ sung tài liệu, đơn vị giải trình vì sao")
    docs = line_of(returned, DOCS)
    line_agree(line=docs, actor=unit_editor, base_version=docs.version)
    assert _cells(client, lead, returned)[DOCS] == (
        "Đề nghị bổ sung tài liệu kiểm chứng: đơn vị đồng ý với kết quả thẩm định")
