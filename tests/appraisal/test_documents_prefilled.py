"""The explanation request form marks «Bổ sung tài liệu kiểm chứng» in advance on the leaves it ticks whose evidence
is required and missing (the review page's «thiếu tài liệu»), saying why; the lead may untick it, and a leaf not
ticked is never marked (a documents leaf must be one of those returned)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import ExplanationRound
from appraisal.services import line_appraise
from scoring.models import Indicator
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
LOWERED = "2.1.1"  # needs evidence the unit did not send; scored lower: ticked, and marked for documents
KEPT = "2.1.2"  # needs evidence the unit did not send; kept at its self-score: not ticked, not marked
OTHER = "1.1.1"  # needs no evidence; scored lower: ticked, not marked


@pytest.fixture
def lowered(submitted: Any, lead: Any) -> Any:
    leaves = Indicator.objects.filter(indicator_set=submitted.indicator_set, is_leaf=True)
    leaves.update(evidence_required=False)
    leaves.filter(code__in=(LOWERED, KEPT)).update(evidence_required=True)
    appraise_all(submitted, lead)
    for code in (LOWERED, OTHER):
        line = line_of(submitted, code)
        value = line.self_value
        if code == LOWERED:
            value = {"numerator": 10, "denominator": 100}
        line_appraise(line=line, actor=lead, base_version=line.version, value=value, note="Chưa có văn bản.")
    return refresh(submitted)


def _box(page: str, line: Any, name: str) -> str:
    found = re.search(rf'<input type="checkbox" name="{name}" value="{line.pk}"[^>]*>', page)
    assert found is not None
    return found.group(0)


def test_the_form_marks_documents_on_the_ticked_leaves_missing_required_evidence(
    client: Client, lowered: Any, lead: Any
) -> None:
    client.force_login(lead)
    page = unescape(client.get(reverse("appraisal:request_explanation", args=[lowered.pk])).content.decode())
    docs, kept = line_of(lowered, LOWERED), line_of(lowered, KEPT)
    assert " checked" in _box(page, docs, "lines") and " checked" in _box(page, docs, "documents")
    assert " checked" not in _box(page, kept, "lines") and " checked" not in _box(page, kept, "documents")
    assert " checked" not in _box(page, line_of(lowered, OTHER), "documents")
    assert page.count("data-documents-why") == 1
    assert "Đánh dấu sẵn «Bổ sung tài liệu kiểm chứng»: tiêu chí cần tài liệu kiểm chứng mà đơn vị chưa gửi." in page


def test_the_form_as_drawn_sends_the_documents_request(client: Client, lowered: Any, lead: Any) -> None:
    client.force_login(lead)
    url = reverse("appraisal:request_explanation", args=[lowered.pk])
    page = unescape(client.get(url).content.decode())
    lines = re.findall(r'<input type="checkbox" name="lines" value="(\d+)"[^>]* checked', page)
    documents = re.findall(r'<input type="checkbox" name="documents" value="(\d+)"[^>]* checked', page)
    sent = client.post(url, {"deadline": later().date().isoformat(), "lines": lines, "documents": documents})
    assert sent.status_code == 302
    assert ExplanationRound.objects.get(assessment=lowered).documents_requested == [line_of(lowered, LOWERED).pk]
