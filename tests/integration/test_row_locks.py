"""Row locks on the real PostgreSQL: a write locks its own rows, never rows that other units' writes share.

A save in progress in one unit (its transaction holding the rows it locked) must not make another unit's save of
the same criterion wait: both lines point at the one indicator row of the set, both assessments at the one cycle
row, and an unqualified FOR UPDATE over a join (or over the model's default ordering) locks those too. The second
save runs with a short lock timeout, so a shared lock shows as an error. (The audit chain's tail is the one
point every write passes in turn, from its audit entry to its commit: scoring/audit.py.)
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from scoring.models import ScoreLine, Unit
from scoring.services import assessments_open, line_lock, score_line_save_self

pytestmark = [pytest.mark.integration]


def _hold_save_locks(line: ScoreLine, started: threading.Event, release: threading.Event) -> None:
    """Take the locks a save of `line` takes, in a transaction that stays open until `release` is set."""
    try:
        with transaction.atomic():
            line_lock(line.pk, assessment_id=line.assessment_id)
            started.set()
            release.wait(timeout=30)
    finally:
        started.set()
        connection.close()


def test_an_open_save_does_not_hold_up_another_units_save_of_the_same_criterion(
    real_services: None, cycle: Any, unit_editor: Any
) -> None:
    # given two units scored on the same set, and a save of criterion 1.2.1 in progress in the first
    first, second = assessments_open(
        cycle=cycle, units=list(Unit.objects.filter(code__in=["so-y-te", "so-tu-phap"]).order_by("code")), actor=None
    )
    line_a = first.lines.get(indicator__code="1.2.1")
    line_b = second.lines.get(indicator__code="1.2.1")
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_save_locks, args=(line_a, started, release))
    holder.start()
    try:
        assert started.wait(timeout=30)
        # when the second unit saves the same criterion, waiting at most one second for any lock
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            saved = score_line_save_self(line=line_b, actor=unit_editor, base_version=line_b.version,
                                         value={"value": True})
    finally:
        release.set()
        holder.join(timeout=30)

    # then it went through
    assert saved.version == line_b.version + 1
    line_b.refresh_from_db()
    assert (line_b.self_value, line_b.version) == ({"value": True}, saved.version)
