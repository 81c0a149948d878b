"""The pages of a documents-only request: the lead marks leaves «Bổ sung tài liệu kiểm chứng» on the request form
and reads each leaf's answer on the open round's page; the unit's explanation page says what each leaf was asked,
takes an empty note beside documents, and a document sent is an answer the head resubmits with."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import ExplanationRound
from appraisal.services import explanation_request, line_explain
from scoring.models import Assessment
from tests.appraisal.conftest import appraise_all, later, line_of, refresh
from tests.appraisal.test_documents_only_request import DOCS, EXPLAIN, attach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def returned(submitted: Any, lead: Any) -> Any:
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, EXPLAIN).pk, line_of(submitted, DOCS).pk],
                        documents=[line_of(submitted, DOCS).pk], message="Đề nghị đơn vị trả lời.")
    return refresh(submitted)


def _leaf(body: str, line: Any) -> str:
    found = re.search(rf'<article class="leaf explain-leaf[^"]*" id="line-{line.pk}".*?</article>', body, re.S)
    assert found is not None
    return found.group(0)


def test_the_request_form_asks_documents_of_a_chosen_leaf(client: Client, appraised: Any, lead: Any) -> None:
    client.force_login(lead)
    url = reverse("appraisal:request_explanation", args=[appraised.pk])
    docs = line_of(appraised, DOCS)
    page = client.get(url).content.decode()
    assert f'name="documents" value="{docs.pk}" id="documents-{docs.pk}"' in page
    assert f"Chỉ đề nghị bổ sung tài liệu kiểm chứng cho tiêu chí {DOCS}" in unescape(page)
    sent = client.post(url, {"deadline": later().date().isoformat(), "lines": [docs.pk], "documents": [docs.pk]})
    assert sent.status_code == 302
    assert ExplanationRound.objects.get(assessment=appraised).documents_requested == [docs.pk]


def test_documents_asked_of_a_leaf_not_chosen_come_back_marked(client: Client, appraised: Any, lead: Any) -> None:
    client.force_login(lead)
    url = reverse("appraisal:request_explanation", args=[appraised.pk])
    docs, other = line_of(appraised, DOCS), line_of(appraised, EXPLAIN)
    refused = client.post(url, {"deadline": later().date().isoformat(), "message": "Giải trình.",
                                "lines": [other.pk], "documents": [docs.pk]})
    assert refused.status_code == 400
    body = unescape(refused.content.decode())
    assert f"Đã đề nghị bổ sung tài liệu kiểm chứng cho tiêu chí {DOCS} nhưng tiêu chí này không được chọn" in body
    assert f'href="#flag-{docs.pk}" data-error-link>Đến tiêu chí {DOCS}</a>' in body
    assert f'id="documents-{docs.pk}" checked' in body
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_the_explanation_page_says_what_each_leaf_was_asked(
    client: Client, returned: Any, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    url = reverse("appraisal:explain", args=[returned.pk])
    body = unescape(client.get(url).content.decode())
    docs, explained = line_of(returned, DOCS), line_of(returned, EXPLAIN)
    assert 'data-asked-kind="documents"' in _leaf(body, docs)
    assert "Cần bổ sung tài liệu kiểm chứng" in _leaf(body, docs)
    assert "Hoặc ghi chú về tài liệu bổ sung (không bắt buộc)" in _leaf(body, docs)
    assert 'data-asked-kind="explanation"' in _leaf(body, explained)
    assert "Cần bổ sung tài liệu kiểm chứng" not in _leaf(body, explained)
    assert "data-documents-answer" in body
    assert "Còn 2 tiêu chí" in body
    attach(client, unit_editor, returned, DOCS)
    body = unescape(client.get(url).content.decode())
    assert "data-documented" in _leaf(body, docs)
    assert "Còn 1 tiêu chí" in body


def test_an_empty_note_beside_documents_is_saved(client: Client, returned: Any, unit_editor: Any) -> None:
    docs = line_of(returned, DOCS)
    noted = line_explain(line=docs, actor=unit_editor, base_version=docs.version, explanation="Bản scan.")
    client.force_login(unit_editor)
    answer = client.post(reverse("appraisal:explain_line", args=[returned.pk, docs.pk]),
                         {"base_version": noted.version, "explanation": ""}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert json.loads(answer.content)["ok"] is True
    assert line_of(returned, DOCS).explanation == ""


def test_the_lead_reads_each_leaf_s_answer_on_the_round_page(
    client: Client, returned: Any, unit_editor: Any, lead: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    client.force_login(lead)
    body = unescape(client.get(reverse("appraisal:request_explanation", args=[returned.pk])).content.decode())
    assert "Đơn vị đã trả lời 1/2 tiêu chí" in body
    rows = re.search(r"<table[^>]*data-round-answers>.*?</table>", body, re.S)
    assert rows is not None
    docs = re.search(rf'<tr data-round-answer="{line_of(returned, DOCS).pk}">.*?</tr>', rows.group(0)).group(0)
    assert "Bổ sung tài liệu kiểm chứng" in docs and "Đã bổ sung tài liệu kiểm chứng" in docs
    other = re.search(rf'<tr data-round-answer="{line_of(returned, EXPLAIN).pk}">.*?</tr>', rows.group(0)).group(0)
    assert "Giải trình" in other and "Chưa trả lời" in other


def test_the_head_resubmits_with_a_document_as_the_only_answer(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    explained = line_of(returned, EXPLAIN)
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Đã thực hiện.")
    client.force_login(unit_head)
    sent = client.post(reverse("appraisal:resubmit", args=[returned.pk]))
    assert sent.status_code == 302
    assert refresh(returned).state == Assessment.State.IN_APPRAISAL


def test_the_leaf_evidence_block_says_the_unit_what_a_document_answers(
    client: Client, returned: Any, unit_editor: Any, lead: Any
) -> None:
    docs = line_of(returned, DOCS)
    url = reverse("evidence:line", args=[returned.pk, docs.pk]) + "?answers=1"
    attach(client, unit_editor, returned, DOCS)
    answer = json.loads(client.get(url, HTTP_ACCEPT="application/json").content)["answer"]
    assert answer["documented"] is True
    assert answer["remaining"]["unanswered"] == 1 and "Còn 1 tiêu chí" in answer["remaining"]["text"]
    # the team reads the block, not the unit's answers
    client.force_login(lead)
    assert "answer" not in json.loads(client.get(url, HTTP_ACCEPT="application/json").content)
