"""A second «Gửi» from a stale page (another tab, or Back after submitting) changes nothing, redirects (so Back and
reload do not post again) and says once that the assessment was already submitted; the check page is not kept by
the browser, so Back reloads it instead of showing an enabled «Gửi»."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, AuditEntry
from scoring.services import score_line_save_self
from scoring.templatetags.scoring_tags import dmy
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

ALREADY = ("không gửi lại", "không cần gửi lại")


def _complete(assessment: Assessment, actor: Any) -> None:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"scoring:{name}", args=[assessment.pk])


def _state_changes(assessment: Assessment) -> int:
    return AuditEntry.objects.filter(object_type="Assessment", object_id=str(assessment.pk),
                                     action="assessment.state").count()


def test_a_second_submit_redirects_to_the_check_page_with_one_message(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given: submitted from one tab
    _complete(assessment, unit_editor)
    client.force_login(unit_head)
    assert client.post(_url("submit", assessment)).status_code == 302
    assessment.refresh_from_db()
    # when: «Gửi» again from the other tab
    second = client.post(_url("submit", assessment))
    # then
    assert second.status_code == 302 and second["Location"] == _url("check", assessment)
    page = client.get(second["Location"])
    body = page.content.decode()
    assert sum(body.count(words) for words in ALREADY) == 1
    assert f"đã được gửi lúc {dmy(assessment.submitted_at)}" in body
    assert _state_changes(assessment) == 1
    # the message is not repeated on the next page
    again = client.get(_url("check", assessment)).content.decode()
    assert sum(again.count(words) for words in ALREADY) == 1


def test_the_check_page_is_not_kept_by_the_browser(client: Client, assessment: Assessment, unit_head: Any) -> None:
    client.force_login(unit_head)
    response = client.get(_url("check", assessment))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_refused_submit_with_problems_still_shows_them(
    client: Client, assessment: Assessment, unit_head: Any
) -> None:
    # guards behaviour that must not change: the problems are listed on the answer itself
    client.force_login(unit_head)
    response = client.post(_url("submit", assessment))
    assert response.status_code == 400 and "Chưa chấm điểm." in response.content.decode()
    assert _state_changes(assessment) == 0
