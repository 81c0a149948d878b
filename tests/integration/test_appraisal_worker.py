"""The recompute against a real worker process, Redis and PostgreSQL: a worker killed in the middle of the task,
a Redis outage at sign-off, the same task delivered twice."""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from appraisal.services import assessment_sign_off, line_accept_self
from appraisal.tasks import recompute_index_result_task, reconcile_stale_results_task
from scoring.models import Assessment, IndexResult, ScoreLine, Unit
from scoring.services import assessment_transition, assessments_open, score_line_save_self
from tests.conftest import SMALL_SET_VALUES
from tests.integration.conftest import use_broker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _ready_for_sign_off(cycle: Any, unit_code: str, users: dict[str, Any], changes: dict[str, Any] | None = None
                        ) -> Assessment:
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=unit_code)], actor=None)[0]
    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = ScoreLine.objects.get(assessment=assessment, indicator__code=code)
        score_line_save_self(line=line, actor=users["editor"], base_version=line.version,
                             value=(changes or {}).get(code, value))
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=users["head"])
    for line in assessment.lines.all():
        line_accept_self(line=line, actor=users["lead"], base_version=line.version)
    return assessment


def _wait(predicate: Any, timeout: float, what: str, *logs: Any) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen in {timeout:.0f} s\n" + "\n".join(w.text() for w in logs))


def _result(assessment: Assessment) -> IndexResult | None:
    return IndexResult.objects.filter(assessment=assessment).first()


@pytest.fixture
def users(unit_editor: Any, unit_head: Any, lead: Any) -> dict[str, Any]:
    return {"editor": unit_editor, "head": unit_head, "lead": lead}


def _raw_connection() -> Any:
    db = settings.DATABASES["default"]
    return psycopg2.connect(dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                            host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432)


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def test_a_worker_killed_during_the_task_gets_it_delivered_again_and_the_result_is_written_once(
    start_worker: Any, cycle: Any, users: dict[str, Any], lead: Any
) -> None:
    # given a worker and an assessment ready for sign-off
    first = start_worker(visibility_timeout=3)
    assessment = _ready_for_sign_off(cycle, "so-y-te", users)
    group_id = Unit.objects.get(code="so-y-te").ranking_group_id
    # and the ranking group locked by another session, so the task stops inside its transaction
    blocker = _raw_connection()
    try:
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM scoring_rankinggroup WHERE id = %s FOR UPDATE", [group_id])
        # when the lead signs off and the worker is inside the task
        assessment_sign_off(assessment=assessment, actor=lead)
        _wait(_waiting_on_a_lock, 30, "the worker waiting inside the task", first)
        # the worker is killed with SIGKILL (no acknowledgement, no rollback by the worker itself)
        first.kill()
    finally:
        blocker.rollback()
        blocker.close()
    assert _result(assessment) is None
    # then another worker gets the unacknowledged task again and computes the result once
    second = start_worker(visibility_timeout=3)
    result = _wait(lambda: _result(assessment), 60, "the redelivered task's result", second)
    assert (result.index, result.classification, result.rank) == (Decimal("6.58"), "Trung bình", 1)
    assert result.computed_from_version == Assessment.objects.get(pk=assessment.pk).version
    assert IndexResult.objects.filter(assessment=assessment).count() == 1
    assert "recompute_index_result_task" in second.text() and "succeeded" in second.text()


def test_redis_down_at_sign_off_keeps_the_sign_off_and_the_reconciler_computes_after_redis_is_back(
    start_worker: Any, private_redis: Any, cycle: Any, users: dict[str, Any], lead: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a worker on the test's own Redis, and this process publishing there too
    worker = start_worker(redis_url=private_redis.url)
    use_broker(private_redis.url)
    assessment = _ready_for_sign_off(cycle, "so-y-te", users)
    # when Redis is down at the moment of sign-off
    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="appraisal.services"):
        assessment_sign_off(assessment=assessment, actor=lead)
    # then the sign-off is committed, the failure logged, no result yet
    assert Assessment.objects.get(pk=assessment.pk).state == Assessment.State.SIGNED_OFF
    assert "reconciler" in caplog.text
    time.sleep(1)
    assert _result(assessment) is None
    # when Redis is back and beat runs the reconciler
    private_redis.start()
    reconcile_stale_results_task.delay()
    # then the worker (reconnected) computes the result
    result = _wait(lambda: _result(assessment), 90, "the reconciled result", worker)
    assert (result.index, result.rank) == (Decimal("6.58"), 1)


def test_the_same_task_delivered_twice_gives_one_consistent_result(
    start_worker: Any, cycle: Any, users: dict[str, Any], lead: Any
) -> None:
    # given two signed-off assessments of one group (results not yet computed) and a worker with two processes
    first = _ready_for_sign_off(cycle, "so-y-te", users)
    second = _ready_for_sign_off(cycle, "so-tai-chinh", users, {"1.1.1": {"option": "on_time"}})
    for assessment in (first, second):
        Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SIGNED_OFF)
    start_worker(pool="prefork", concurrency=2)
    # when each recompute is delivered twice, at the same time (one of them under the same task id)
    sent = [
        recompute_index_result_task.apply_async([first.pk], task_id="dup-first", ignore_result=False),
        recompute_index_result_task.apply_async([first.pk], task_id="dup-first", ignore_result=False),
        recompute_index_result_task.apply_async([second.pk], ignore_result=False),
        recompute_index_result_task.apply_async([second.pk], ignore_result=False),
    ]
    answers = [r.get(timeout=60) for r in sent]
    # then every delivery ran, and there is one result per assessment, ranked consistently
    assert sorted(a for a in answers if a) == ["6.58", "6.58", "7.58", "7.58"]
    assert IndexResult.objects.count() == 2
    ranks = {r.assessment_id: (r.index, r.rank) for r in IndexResult.objects.all()}
    assert ranks == {second.pk: (Decimal("7.58"), 1), first.pk: (Decimal("6.58"), 2)}


def test_sign_off_to_result_and_reopen_with_a_real_worker(
    start_worker: Any, cycle: Any, users: dict[str, Any], lead: Any, admin_user: Any
) -> None:
    from appraisal.services import assessment_reopen

    worker = start_worker()
    assessment = _ready_for_sign_off(cycle, "so-y-te", users)
    assessment_sign_off(assessment=assessment, actor=lead)
    result = _wait(lambda: _result(assessment), 30, "the result", worker)
    assert result.rank == 1
    reopened = assessment_reopen(assessment=assessment, actor=admin_user, reason="Phúc tra.")
    result.refresh_from_db()
    assert result.stale and result.rank is None
    assessment_sign_off(assessment=reopened, actor=lead)
    fresh = _wait(lambda: (r := _result(assessment)) is not None and not r.stale and r, 30, "the fresh result", worker)
    assert fresh.rank == 1 and fresh.computed_from_version == Assessment.objects.get(pk=assessment.pk).version
