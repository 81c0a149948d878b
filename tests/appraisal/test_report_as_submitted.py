"""The self-assessment report says «gửi lúc …» and stays what the head submitted: once an explanation round has begun
since the submission, Part II gives each leaf's explanation as it was when the first such round began and counts only
the evidence linked up to the submission, on the page and in the Excel file; the page says where the explanations and
documents given in the rounds are."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import explanation_request, line_explain
from scoring.models import Assessment
from scoring.services import score_line_save_self
from tests.appraisal.conftest import appraise_all, later, line_of, refresh, self_score, submit
from tests.conftest import SMALL_SET_VALUES
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

EXPLAINED = "1.1.1"  # explained and documented when submitted, explained again and documented in the round
DOCUMENTED = "2.1.1"  # no document when submitted, one linked in the round
SUBMITTED_TEXT = "Tài liệu bản giấy lưu tại văn phòng."
ROUND_TEXT = "Đơn vị bổ sung giải trình theo câu hỏi của Tổ thẩm định."
NOTE = "giải trình và tài liệu kiểm chứng đơn vị bổ sung sau đó trong các vòng giải trình không có trong báo cáo này"


def attach(client: Client, editor: Any, assessment: Assessment, code: str, name: str) -> None:
    """A new document (its own content, named `name`) uploaded and linked to leaf `code` by `editor`."""
    client.force_login(editor)
    response = client.post(reverse("evidence:upload", args=[assessment.pk]), {
        "line_id": line_of(assessment, code).pk, "files": [upload(name, samples.pdf(name))],
    })
    assert response.status_code in (200, 302)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sent(client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    """Self-scored; 1.1.1 explained and with one document; submitted."""
    self_score(assessment, unit_editor)
    line = line_of(assessment, EXPLAINED)
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version,
                         value=SMALL_SET_VALUES[EXPLAINED][0], explanation=SUBMITTED_TEXT)
    attach(client, unit_editor, assessment, EXPLAINED, name="bao-cao.pdf")
    return submit(refresh(assessment), unit_head)


@pytest.fixture
def explained(client: Client, sent: Assessment, lead: Any, unit_editor: Any) -> Assessment:
    """`sent` returned for 1.1.1 (to explain) and 2.1.1 (for documents); the unit explains 1.1.1 again and links a
    new document to each."""
    appraise_all(sent, lead)
    explanation_request(assessment=sent, actor=lead, deadline=later(), message="Đề nghị đơn vị làm rõ.",
                        line_ids=[line_of(sent, EXPLAINED).pk, line_of(sent, DOCUMENTED).pk],
                        documents=[line_of(sent, DOCUMENTED).pk])
    line = line_of(sent, EXPLAINED)
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=ROUND_TEXT)
    attach(client, unit_editor, sent, EXPLAINED, name="bo-sung.pdf")
    attach(client, unit_editor, sent, DOCUMENTED, name="bo-sung-2.pdf")
    assert line_of(sent, EXPLAINED).explanation == ROUND_TEXT
    assert line_of(sent, EXPLAINED).evidence_links.count() == 2
    return refresh(sent)


def _page_rows(client: Client, assessment: Assessment, user: Any) -> tuple[str, dict[str, list[str]]]:
    client.force_login(user)
    body = unescape(client.get(reverse("scoring:report", args=[assessment.pk])).content.decode())
    part = body.split('id="part-2"', 1)[1].split('id="part-3"', 1)[0]
    rows = {}
    for row in re.findall(r"<tr><td>.*?</tr>", part, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[cells[0]] = cells
    return part, rows


def _file_rows(client: Client, assessment: Assessment, user: Any) -> dict[str, list[Any]]:
    client.force_login(user)
    response = client.get(reverse("scoring:report_xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content))["II. Giải trình"]
    return {row[0]: list(row) for row in ws.iter_rows(min_row=4, values_only=True)}


def test_the_report_keeps_the_submitted_explanations_and_documents_after_a_round(
    client: Client, explained: Assessment, unit_head: Any
) -> None:
    part, rows = _page_rows(client, explained, unit_head)
    assert rows[EXPLAINED][3] == "1 tệp" and rows[EXPLAINED][4] == SUBMITTED_TEXT
    assert rows[DOCUMENTED][3] == "Chưa có" and rows[DOCUMENTED][4] == "(chưa giải trình)"
    assert ROUND_TEXT not in part
    assert NOTE in part
    in_file = _file_rows(client, explained, unit_head)
    assert in_file[EXPLAINED][3:5] == ["1 tệp", SUBMITTED_TEXT]
    assert in_file[DOCUMENTED][3:5] == ["Chưa có", "(chưa giải trình)"]
    assert list(in_file) == list(rows)


def test_before_any_round_the_report_says_nothing_of_rounds(client: Client, sent: Assessment, unit_head: Any) -> None:
    part, rows = _page_rows(client, sent, unit_head)
    assert rows[EXPLAINED][3] == "1 tệp" and rows[EXPLAINED][4] == SUBMITTED_TEXT
    assert NOTE not in part


def test_a_draft_returned_and_submitted_again_reports_its_newest_text(
    client: Client, sent: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    from scoring.services import assessment_transition

    assessment_transition(assessment=sent, to_state=Assessment.State.DRAFT, actor=unit_head, reason="Sửa lại.")
    line = line_of(sent, EXPLAINED)
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version,
                         value=SMALL_SET_VALUES[EXPLAINED][0], explanation=ROUND_TEXT)
    attach(client, unit_editor, sent, EXPLAINED, name="bo-sung.pdf")
    again = submit(refresh(sent), unit_head)
    _part, rows = _page_rows(client, again, unit_head)
    assert rows[EXPLAINED][3] == "2 tệp" and rows[EXPLAINED][4] == ROUND_TEXT
