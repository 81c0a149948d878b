"""Workers killed with SIGKILL inside the recompute, again and again: the tasks survive in Redis, the last worker
computes every result once and correctly, and a killed worker leaves no trace (its transaction never commits).

Each worker is held inside the task by the ranking group's row lock, which the test takes from its own
session; it is killed once its database session is seen queued on a lock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from appraisal.models import Notification
from appraisal.services import assessment_sign_off
from scoring import engine
from scoring.models import Assessment, AuditEntry, IndexResult, Unit
from scoring.services import assessment_compute
from tests.integration.conftest import raw_connection, ready_for_sign_off, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

KILLS = 3
UNITS = {  # unit → changes to the standard self-assessment (so that the three indices differ)
    "so-y-te": {},
    "so-tai-chinh": {"1.1.1": {"option": "on_time"}},
    "so-tu-phap": {"1.2.1": {"value": False}},
}


def _waiting_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return {int(pid) for (pid,) in cursor.fetchall()}


def _expected(assessments: list[Assessment]) -> dict[int, tuple[Decimal, str, int]]:
    """Index, classification and rank computed in this process by the engine, from the same appraised scores."""
    computed = {a.pk: assessment_compute(assessment=a, basis="appraised") for a in assessments}
    names = {a.pk: a.unit.name for a in assessments}
    ranks = {r.key: r.rank for r in engine.rank(
        engine.RankEntry(key=pk, name=names[pk], index=comp.index) for pk, comp in computed.items()
    )}
    return {pk: (comp.index, comp.classification or "", ranks[pk]) for pk, comp in computed.items()}


def test_workers_killed_three_times_inside_the_recompute_leave_every_result_computed_once(
    start_worker: Any, result_writes: Any, cycle: Any, unit_editor: Any, unit_head: Any, lead: Any
) -> None:
    # given three assessments of one ranking group, ready for sign-off
    assessments = [ready_for_sign_off(cycle, code, unit_editor, unit_head, lead, changes)
                   for code, changes in UNITS.items()]
    group_ids = {Unit.objects.get(code=code).ranking_group_id for code in UNITS}
    assert len(group_ids) == 1
    # and the group locked by another session, so that any recompute stops inside its transaction
    blocker = raw_connection()
    killed = []
    try:
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM scoring_rankinggroup WHERE id = %s FOR UPDATE", [group_ids.pop()])
        seen = _waiting_backends()
        worker = start_worker(visibility_timeout=3)
        for assessment in assessments:
            assessment_sign_off(assessment=assessment, actor=lead)
        audits, notifications = AuditEntry.objects.count(), Notification.objects.count()
        # when a worker is killed inside the task, three times in a row (each new worker getting the
        # unacknowledged tasks of the killed one again)
        for n in range(1, KILLS + 1):
            new = wait_for(lambda known=frozenset(seen): _waiting_backends() - known, 60,  # type: ignore[misc]
                           f"worker {n} waiting inside the task", worker)
            seen |= new
            assert "recompute_index_result_task" in worker.text()
            worker.kill()
            killed.append(worker)
            if n < KILLS:
                worker = start_worker(visibility_timeout=3)
        assert not IndexResult.objects.exists()
    finally:
        blocker.rollback()
        blocker.close()
    # and a last worker is left to finish
    last = start_worker(visibility_timeout=3)
    wait_for(lambda: IndexResult.objects.filter(stale=False).count() == len(UNITS), 120, "the three results", last)
    wait_for(lambda: not _waiting_backends(), 60, "the killed workers' sessions ending", last)
    # then every result is the engine's, computed once from the signed-off version
    signed_off = list(Assessment.objects.filter(pk__in=[a.pk for a in assessments]).select_related("unit"))
    expected = _expected(signed_off)
    results = {r.assessment_id: r for r in IndexResult.objects.all()}
    assert {pk: (r.index, r.classification, r.rank) for pk, r in results.items()} == expected
    assert expected[assessments[0].pk][0] == Decimal("6.58")  # the standard self-assessment's known index
    assert len(set(pk_index[0] for pk_index in expected.values())) == len(UNITS)
    assert {pk: r.computed_from_version for pk, r in results.items()} == {a.pk: a.version for a in signed_off}
    assert result_writes.counts() == {a.pk: 1 for a in signed_off}
    # and the killed attempts wrote nothing else: no audit entry or notification from the task
    assert (AuditEntry.objects.count(), Notification.objects.count()) == (audits, notifications)
    # (a killed worker may well have sent a sign-off's notification before it blocked: only the recompute counts)
    def recomputes_done(worker: Any) -> list[str]:
        return [line for line in worker.text().splitlines()
                if "recompute_index_result_task" in line and "succeeded" in line]

    assert recomputes_done(last) and not [line for w in killed for line in recomputes_done(w)]
    assert "succeeded" in last.text()
