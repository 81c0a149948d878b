"""The first integration test: sign-off enqueues after commit and a real worker writes the result."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from appraisal.services import assessment_sign_off
from scoring.models import Assessment, IndexResult, ScoreLine, Unit
from scoring.services import (
    assessment_transition,
    assessments_open,
    score_line_appraise,
    score_line_save_self,
)
from tests.conftest import SMALL_SET_VALUES

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait_for_result(assessment: Assessment, timeout: float = 30.0) -> IndexResult:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = IndexResult.objects.filter(assessment=assessment).first()
        if result is not None:
            return result
        time.sleep(0.1)
    raise AssertionError("the worker wrote no result in time")


def _signed_off_ready(cycle: Any, unit_code: str, users: dict[str, Any]) -> Assessment:
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=unit_code)], actor=None)[0]
    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = ScoreLine.objects.get(assessment=assessment, indicator__code=code)
        score_line_save_self(line=line, actor=users["editor"], base_version=line.version, value=value)
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=users["head"])
    assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=users["lead"])
    for line in assessment.lines.all():
        score_line_appraise(line=line, actor=users["appraiser"], base_version=line.version, value=line.self_value)
    return assessment


def test_sign_off_enqueues_after_commit_and_the_worker_writes_the_result(
    celery_worker_process: Any, cycle: Any, unit_editor: Any, unit_head: Any, appraiser: Any, lead: Any
) -> None:
    # given an assessment with every leaf appraised
    users = {"editor": unit_editor, "head": unit_head, "appraiser": appraiser, "lead": lead}
    assessment = _signed_off_ready(cycle, "so-y-te", users)
    # when the lead signs off (the task is enqueued on commit, never before)
    assessment_sign_off(assessment=assessment, actor=lead)
    # then the worker process computes the index, the classification and the rank
    result = _wait_for_result(assessment)
    assert result.index == Decimal("6.58")
    assert result.classification == "Trung bình"
    assert result.rank == 1
    assert result.computed_from_version == Assessment.objects.get(pk=assessment.pk).version


def test_a_sign_off_rolled_back_enqueues_nothing(
    celery_worker_process: Any, cycle: Any, unit_editor: Any, unit_head: Any, appraiser: Any, lead: Any
) -> None:
    from django.db import transaction

    users = {"editor": unit_editor, "head": unit_head, "appraiser": appraiser, "lead": lead}
    assessment = _signed_off_ready(cycle, "so-y-te", users)
    with pytest.raises(RuntimeError), transaction.atomic():
        assessment_sign_off(assessment=assessment, actor=lead)
        raise RuntimeError("rollback")
    time.sleep(2)
    assert not IndexResult.objects.filter(assessment=assessment).exists()
    assert Assessment.objects.get(pk=assessment.pk).state == Assessment.State.IN_APPRAISAL
