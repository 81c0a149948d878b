"""A save of an explanation whose answer was lost, sent again with the version it was based on, is no conflict with
itself: when the stored explanation already is the one sent, the answer is «saved» with the stored leaf, nothing is
written and no audit entry recorded. Another text from a stale version is still a conflict (409)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import AuditEntry, ScoreLine
from tests.appraisal.conftest import flagged_line, line_of

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
TEXT = "Đã bổ sung báo cáo số 12/BC-UBND."


def _save(user: Any, line: Any, base_version: int, explanation: str) -> Any:
    client = Client()
    client.force_login(user)
    url = reverse("appraisal:explain_line", args=[line.assessment_id, line.pk])
    return client.post(url, {"base_version": str(base_version), "explanation": explanation}, **JSON)


@pytest.fixture
def saved_once(submitted: Any, lead: Any, unit_editor: Any) -> tuple[ScoreLine, int]:
    """Leaf 2.1.1 flagged and explained once; returns it as stored and the version the first save was based on."""
    line = flagged_line(submitted, lead)
    first = _save(unit_editor, line, line.version, TEXT)
    assert first.status_code == 200
    return line_of(submitted, "2.1.1"), line.version


def test_a_retried_save_equal_to_the_stored_explanation_answers_saved_and_writes_nothing(
    saved_once: tuple[ScoreLine, int], unit_editor: Any
) -> None:
    stored, stale = saved_once
    audits = AuditEntry.objects.count()

    response = _save(unit_editor, stored, stale, TEXT)

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["line"]["version"] == stored.version
    after = ScoreLine.objects.get(pk=stored.pk)
    assert (after.version, after.explanation, after.updated_at) == (stored.version, TEXT, stored.updated_at)
    assert AuditEntry.objects.count() == audits


def test_another_text_from_a_stale_version_is_still_a_conflict(
    saved_once: tuple[ScoreLine, int], unit_editor: Any
) -> None:
    # guards behaviour that must not change: passes before and after
    stored, stale = saved_once

    response = _save(unit_editor, stored, stale, "Một giải trình khác.")

    assert response.status_code == 409
    assert ScoreLine.objects.get(pk=stored.pk).explanation == TEXT
