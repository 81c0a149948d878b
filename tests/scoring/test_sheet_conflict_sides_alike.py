"""The conflict panel writes the user's value and the stored one the same way, each with the score it gives («90 / 100
(1,00 điểm)» beside «95 / 100 (2,00 điểm)»), in the autosave's answer and on the page drawn without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment
from scoring.services import score_line_save_self

pytestmark = pytest.mark.django_db


def test_both_sides_of_a_conflict_are_written_alike_with_their_scores(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line = assessment.lines.select_related("indicator").get(indicator__code="1.1.2")  # ratio bands
    base = line.version
    score_line_save_self(line=line, actor=unit_head, base_version=base, value={"numerator": 95, "denominator": 100})
    client.force_login(unit_editor)
    url = reverse("scoring:line_save", args=[assessment.pk, line.pk])
    sent = {"version": base, f"l{line.pk}-numerator": "90", f"l{line.pk}-denominator": "100"}

    answer = client.post(url, sent, HTTP_ACCEPT="application/json")
    assert answer.status_code == 409
    assert (answer.json()["yours"]["shown"], answer.json()["stored"]["shown"]) == (
        "90 / 100 (1,00 điểm)", "95 / 100 (2,00 điểm)")

    page = client.post(url, sent).content.decode()
    assert "<dd data-yours>90 / 100 (1,00 điểm)</dd>" in page
    assert "<dd data-stored>95 / 100 (2,00 điểm)</dd>" in page
