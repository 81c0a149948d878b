"""A document added in an explanation round is not, by itself, the unit's answer on a leaf the team asked about
(the round records no request for documents only): the page says a written explanation is needed, and a refused
resubmission says so too, naming each leaf with a link to its place on the page, and why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, explanation_resubmit
from scoring.errors import ValidationFailed
from scoring.models import Assessment
from tests.appraisal.conftest import later, line_of, refresh
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def returned(submitted: Any, lead: Any) -> Any:
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, "1.1.1").pk, line_of(submitted, "2.1.1").pk],
                        message="Đề nghị đơn vị bổ sung tài liệu kiểm chứng bản scan.")
    return refresh(submitted)


def _attach(client: Client, assessment: Any, line: Any) -> None:
    response = client.post(reverse("evidence:upload", args=[assessment.pk]), {
        "line_id": line.pk, "files": [upload("ban-scan.pdf", samples.pdf())],
    })
    assert response.status_code in (200, 302)


def test_the_refusal_says_a_document_alone_is_no_answer(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any
) -> None:
    client.force_login(unit_editor)
    _attach(client, returned, line_of(returned, "2.1.1"))
    with pytest.raises(ValidationFailed) as caught:
        explanation_resubmit(assessment=returned, actor=unit_head)
    assert str(caught.value.message) == (
        "Còn 2 tiêu chí chưa được giải trình trong vòng này. Mỗi tiêu chí được yêu cầu cần có nội dung giải trình "
        "(chỉ bổ sung tài liệu kiểm chứng là chưa đủ) hoặc chọn «Đồng ý với kết quả thẩm định».")
    why = {problem: problem.message for problem in caught.value.details}
    assert why["2.1.1"].startswith("Đã bổ sung tài liệu kiểm chứng nhưng chưa có nội dung giải trình")
    assert why["1.1.1"].startswith("Chưa giải trình")
    assert refresh(returned).state == Assessment.State.EXPLANATION


def test_the_refused_page_links_each_leaf_to_its_place(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any
) -> None:
    client.force_login(unit_editor)
    documented = line_of(returned, "2.1.1")
    _attach(client, returned, documented)
    client.force_login(unit_head)
    refused = client.post(reverse("appraisal:resubmit", args=[returned.pk]))
    assert refused.status_code == 400
    body = refused.content.decode()
    summary = re.search(r'<div class="banner-error error-summary"[^>]*>.*?</div>', body, re.S)
    assert summary is not None
    assert 'tabindex="-1"' in summary.group(0) and "autofocus" in summary.group(0)
    assert "chỉ bổ sung tài liệu kiểm chứng là chưa đủ" in summary.group(0)
    for code in ("1.1.1", "2.1.1"):
        line = line_of(returned, code)
        assert f'<a href="#line-{line.pk}" data-refused-leaf>{code} ' in summary.group(0)
        assert f'id="line-{line.pk}"' in body  # the place linked to is on the page
    assert "Đã bổ sung tài liệu kiểm chứng nhưng chưa có nội dung giải trình" in summary.group(0)
    assert refresh(returned).state == Assessment.State.EXPLANATION


def test_the_page_says_each_leaf_needs_a_written_answer(client: Client, returned: Any, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[returned.pk])).content.decode()
    hint = re.search(r"<p data-answer-needed>(.*?)</p>", body, re.S)
    assert hint is not None and "chỉ bổ sung tài liệu kiểm chứng là chưa đủ" in hint.group(1)
