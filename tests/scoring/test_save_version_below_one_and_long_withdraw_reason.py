"""A leaf's save with a version no page ever sends (below 1) is refused, writing nothing, even when what it sends is
what is stored; a withdrawal reason longer than the form allows is refused whole, never cut without a word."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.services import assessment_submit, score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("version", [0, -5])
def test_a_save_with_a_version_below_one_is_refused_and_writes_nothing(
    client: Client, assessment: Assessment, unit_editor: Any, version: int
) -> None:
    line = assessment.lines.select_related("indicator").filter(indicator__is_leaf=True).first()
    value, _score = SMALL_SET_VALUES[line.indicator.code]
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    stored = ScoreLine.objects.get(pk=line.pk)
    audits = AuditEntry.objects.count()
    client.force_login(unit_editor)

    response = client.post(reverse("scoring:line_save", args=[assessment.pk, line.pk]),
                           json.dumps({"version": version, "value": stored.self_value}),
                           content_type="application/json", HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_version"
    after = ScoreLine.objects.get(pk=line.pk)
    assert (after.version, after.updated_at) == (stored.version, stored.updated_at)
    assert AuditEntry.objects.count() == audits


def _submitted(assessment: Assessment, editor: Any, head: Any) -> None:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=editor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")
    assessment_submit(assessment=Assessment.objects.get(pk=assessment.pk), actor=head)


def test_a_withdrawal_reason_over_the_limit_is_refused_and_the_assessment_stays_submitted(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    _submitted(assessment, unit_editor, unit_head)
    client.force_login(unit_head)
    url = reverse("scoring:withdraw", args=[assessment.pk])

    response = client.post(url, {"reason": "x" * 1001 + " KẾT THÚC"})

    assert response.status_code == 400
    assert "1000" in response.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).state == Assessment.State.SUBMITTED

    ok = client.post(url, {"reason": "Bổ sung tài liệu KẾT THÚC"})
    assert ok.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).state == Assessment.State.DRAFT
    entry = AuditEntry.objects.filter(action="assessment.state").order_by("-id").first()
    assert entry is not None and entry.reason.endswith("KẾT THÚC")
