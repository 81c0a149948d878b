"""The recompute tasks run eagerly here (the real worker is in tests/integration): idempotence, the reconciler,
the set-wise path for many stale results, a broker outage at sign-off."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from celery import current_app
from kombu.exceptions import OperationalError as BrokerError

from appraisal import tasks
from appraisal.services import assessment_sign_off
from scoring.models import Assessment, IndexResult
from tests.appraisal.conftest import refresh

pytestmark = pytest.mark.django_db


def _signed_off_without_result(assessment: Any, lead: Any, capture: Any) -> Assessment:
    with mock.patch("appraisal.tasks.recompute_index_result_task"), capture(execute=True):
        return assessment_sign_off(assessment=assessment, actor=lead)


def test_the_recompute_task_is_idempotent(appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any) -> None:
    _signed_off_without_result(appraised, lead, django_capture_on_commit_callbacks)
    assert tasks.recompute_index_result_task(appraised.pk) == "6.58"
    first = IndexResult.objects.get(assessment=appraised)
    assert tasks.recompute_index_result_task(appraised.pk) == "6.58"
    again = IndexResult.objects.get(assessment=appraised)
    assert (again.pk, again.computed_at, again.rank) == (first.pk, first.computed_at, first.rank)


def test_the_recompute_task_is_quiet_about_a_missing_or_unsigned_assessment(appraised: Any) -> None:
    assert tasks.recompute_index_result_task(10**9) is None
    assert tasks.recompute_index_result_task(appraised.pk) is None
    assert not IndexResult.objects.exists()


def test_the_reconciler_computes_a_missing_result(
    appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _signed_off_without_result(appraised, lead, django_capture_on_commit_callbacks)
    assert tasks.reconcile_stale_results_task() == 1
    assert IndexResult.objects.get(assessment=appraised).index == Decimal("6.58")
    assert tasks.reconcile_stale_results_task() == 0


def test_the_reconciler_recomputes_a_cycle_set_wise_when_many_are_stale(
    appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signed_off_without_result(appraised, lead, django_capture_on_commit_callbacks)
    monkeypatch.setattr(tasks, "SETWISE_THRESHOLD", 0)
    with mock.patch.object(tasks, "recompute_index_result_task") as single:
        assert tasks.reconcile_stale_results_task() == 1
    single.delay.assert_not_called()
    result = IndexResult.objects.get(assessment=appraised)
    assert (result.index, result.rank, result.classification) == (Decimal("6.58"), 1, "Trung bình")


@contextmanager
def not_eager() -> Iterator[None]:
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    try:
        yield
    finally:
        current_app.conf.task_always_eager = previous


def test_a_broker_outage_at_sign_off_keeps_the_sign_off_and_the_reconciler_heals_it(
    appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # given a broker that refuses connections (the web process is not eager)
    broken = mock.Mock(side_effect=BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused."))
    with (
        not_eager(),
        mock.patch("appraisal.tasks.recompute_index_result_task") as task,
        mock.patch("appraisal.tasks.send_notification_task") as mail_task,
        caplog.at_level(logging.WARNING, logger="appraisal.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        task.delay = broken
        mail_task.delay = broken
        # when the lead signs off: no error reaches the user
        signed = assessment_sign_off(assessment=appraised, actor=lead)
    # then the sign-off stands, the failure is logged, and no result exists yet
    assert signed.state == Assessment.State.SIGNED_OFF == refresh(appraised).state
    assert "reconciler" in caplog.text
    assert not IndexResult.objects.exists()
    # and the reconciler computes it once the broker is back
    assert tasks.reconcile_stale_results_task() == 1
    assert IndexResult.objects.get(assessment=appraised).index == Decimal("6.58")


def test_the_noop_task_answers(db: Any) -> None:
    assert tasks.noop_task() == "ok"
