"""The check page's header says its index as the summary below it does: provisional («tạm tính») while criteria
are unscored, with no class beside it; a fully scored sheet's index plain."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from scoring.models import Assessment
from tests.scoring.test_check_page_summary import _check, _score_all, _score_some, _text

pytestmark = pytest.mark.django_db


def _header(page: str) -> str:
    return _text(page.split('<p class="meta">')[1].split("</p>")[0])


def _header_index(page: str) -> str:
    found = re.search(r"<strong data-header-index>(.*?)</strong>", page, re.S)
    assert found is not None
    return found.group(1)


def _summary_index(page: str) -> str:
    found = re.search(r'data-summary="index"><strong>(.*?)</strong>', page, re.S)
    assert found is not None
    return found.group(1)


def test_a_half_scored_sheets_header_index_is_provisional_without_a_class(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, settings: Any
) -> None:
    # given: 3 of the 9 leaves scored
    _score_some(assessment, unit_editor, {"1.1.1", "1.1.2", "2.3.1"})
    client.force_login(unit_head)

    # when
    page = _check(client, assessment)

    # then: the header's index is the summary's, marked provisional, with no class
    assert _header_index(page) == f"{_summary_index(page)} (tạm tính)"
    assert not re.search(r"Tốt|Khá|Trung bình|Yếu|Xuất sắc", _header(page))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _check(client, assessment)
    assert _header_index(english) == f"{_summary_index(english)} (provisional)"


def test_an_empty_sheets_header_index_is_provisional(client: Client, assessment: Assessment, unit_head: Any) -> None:
    client.force_login(unit_head)
    page = _check(client, assessment)
    assert _header_index(page) == "0,00 (tạm tính)"


def test_a_fully_scored_sheets_header_index_is_not_provisional(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    _score_all(assessment, unit_editor, explained=set())
    client.force_login(unit_head)
    page = _check(client, assessment)
    assert _header_index(page) == _summary_index(page)
    assert "tạm tính" not in _header(page)
