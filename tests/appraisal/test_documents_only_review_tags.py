"""The appraisers' review page tags a leaf returned only for evidence documents as such: «Chờ đơn vị bổ sung tài
liệu» while the round is open (not «Chờ đơn vị giải trình»), and once the unit answered it with a document and
resubmitted, «Đã bổ sung tài liệu» (not «Giải trình mới»), until someone of the team looks at it."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, explanation_resubmit, line_explain
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


def _tags(client: Client, user: Any, assessment: Any, code: str) -> str:
    client.force_login(user)
    body = unescape(client.get(reverse("appraisal:review", args=[assessment.pk])).content.decode())
    line = line_of(assessment, code)
    found = re.search(rf'id="line-{line.pk}".*?<p class="tags">(.*?)</p>', body, re.S)
    assert found is not None
    return found.group(1)


def test_a_leaf_waiting_for_documents_has_its_own_tag(client: Client, returned: Any, lead: Any) -> None:
    docs = _tags(client, lead, returned, DOCS)
    assert "Chờ đơn vị bổ sung tài liệu" in docs and "Chờ đơn vị giải trình" not in docs
    assert "Chờ đơn vị giải trình" in _tags(client, lead, returned, EXPLAIN)
    body = unescape(client.get(reverse("appraisal:review", args=[returned.pk])).content.decode())
    assert "chỉ đề nghị bổ sung tài liệu kiểm chứng được đánh dấu «Chờ đơn vị bổ sung tài liệu»" in body


def test_a_documents_answer_is_tagged_as_documents_not_as_an_explanation(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any, lead: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    explained = line_of(returned, EXPLAIN)
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Đã thực hiện.")
    back = explanation_resubmit(assessment=refresh(returned), actor=unit_head)
    docs = _tags(client, lead, back, DOCS)
    assert re.search(r"data-new-explanation>\s*Đã bổ sung tài liệu\s*<", docs), docs
    assert "Giải trình mới" not in docs
    assert re.search(r"data-new-explanation>\s*Giải trình mới\s*<", _tags(client, lead, back, EXPLAIN))


def test_a_text_on_a_documents_leaf_without_a_document_stays_a_new_explanation(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any, lead: Any
) -> None:
    for code, text in ((DOCS, "Văn bản đang chờ ký."), (EXPLAIN, "Đã thực hiện.")):
        line = line_of(returned, code)
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=text)
    back = explanation_resubmit(assessment=refresh(returned), actor=unit_head)
    assert re.search(r"data-new-explanation>\s*Giải trình mới\s*<", _tags(client, lead, back, DOCS))
