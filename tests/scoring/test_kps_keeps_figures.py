"""A unit's «không phát sinh» (KPS) declaration keeps the figures typed before it: the leaf has no score of its own
while declared, and withdrawing the declaration scores it again from them, whether it was made on the sheet page,
through the API, or by the service directly (the Excel import goes through the same service)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.models import Assessment, ScoreLine
from scoring.services import score_line_save_self

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"
COUNTS = {"counts": {"a": 4, "b": 2, "c": 1}}  # 1.2.2 scores 0,88


def _line(assessment: Assessment, code: str = "1.2.2") -> ScoreLine:
    return assessment.lines.select_related("indicator", "assessment").get(indicator__code=code)


def _save(assessment: Assessment, actor: Any, **given: Any) -> ScoreLine:
    line = _line(assessment)
    return score_line_save_self(line=line, actor=actor, base_version=line.version, **given)


def test_a_kps_declaration_keeps_the_figures_and_drops_only_the_score(
    assessment: Assessment, unit_editor: Any
) -> None:
    _save(assessment, unit_editor, value=COUNTS)
    saved = _save(assessment, unit_editor, value=None, not_applicable=True, not_applicable_reason=REASON)
    stored = ScoreLine.objects.get(pk=saved.pk)
    assert stored.not_applicable and stored.self_score is None and stored.self_value == COUNTS


def test_withdrawing_the_declaration_with_the_kept_figures_scores_the_leaf_again(
    assessment: Assessment, unit_editor: Any
) -> None:
    _save(assessment, unit_editor, value=COUNTS)
    _save(assessment, unit_editor, value=None, not_applicable=True, not_applicable_reason=REASON)
    kept = _line(assessment).self_value
    saved = _save(assessment, unit_editor, value=kept, not_applicable=False, not_applicable_reason=REASON)
    assert not saved.not_applicable and saved.self_score == Decimal("0.88") and saved.not_applicable_reason == ""


def test_figures_sent_with_the_declaration_are_kept_when_the_engine_takes_them(
    assessment: Assessment, unit_editor: Any
) -> None:
    saved = _save(assessment, unit_editor, value={"counts": {"a": "8", "b": 2, "c": 1}}, not_applicable=True,
                  not_applicable_reason=REASON)
    assert saved.self_value == {"counts": {"a": 8, "b": 2, "c": 1}} and saved.self_score is None
    # a number left half typed does not stop the declaration, nor replace the figures kept
    saved = _save(assessment, unit_editor, value={"counts": {"a": 4, "b": "1,5"}}, not_applicable=True,
                  not_applicable_reason="Năm nay không kiểm tra")
    assert saved.not_applicable_reason == "Năm nay không kiểm tra"
    assert _line(assessment).self_value == {"counts": {"a": 8, "b": 2, "c": 1}}


def test_ticking_the_box_on_the_sheet_page_keeps_the_figures_for_the_next_visit(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: scored through the page
    line = _line(assessment)
    url = reverse("scoring:line_save", args=[assessment.pk, line.pk])
    fields = {f"l{line.pk}-counts.{key}": str(value) for key, value in COUNTS["counts"].items()}
    client.force_login(unit_editor)
    assert client.post(url, {"version": 1, **fields}, HTTP_ACCEPT="application/json").status_code == 200
    # when: the box is ticked (the page greys the figures out: they are not sent)
    ticked = client.post(url, {"version": 2, "not_applicable": "on", "not_applicable_reason": REASON},
                         HTTP_ACCEPT="application/json")
    assert ticked.status_code == 200 and ticked.json()["line"]["not_applicable"] is True
    # then: the page drawn again holds the figures; sent back without the box, they score the leaf again
    page = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert f'name="l{line.pk}-counts.a" value="4"' in page
    unticked = client.post(url, {"version": 3, **fields}, HTTP_ACCEPT="application/json")
    assert unticked.status_code == 200 and unticked.json()["line"]["self_score"] == "0.88"


def test_the_api_declaration_keeps_the_figures_and_its_withdrawal_scores_them_again(
    assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment)
    url = f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/"
    api = APIClient()
    api.force_authenticate(unit_editor)
    assert api.put(url, {"version": 1, "value": COUNTS}, format="json").status_code == 200
    declared = api.put(url, {"version": 2, "not_applicable": True, "not_applicable_reason": REASON}, format="json")
    assert declared.status_code == 200
    assert declared.json()["self_value"] == COUNTS and declared.json()["self_score"] is None
    withdrawn = api.put(url, {"version": 3, "not_applicable": False}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["self_score"] == "0.88"
