"""Opening a unit's assessment and stopping the unit at the same moment, on the real PostgreSQL: both lock the unit's
row first, so one waits for the other and then sees what it did. A stop under way makes the opening wait and then
refuse the stopped unit; an opening under way makes the stop wait and then refuse the unit (an assessment of it is
now under way). Before the opening locked the units, both went through: a stopped unit with a draft assessment.
(The stop against a reopen: tests/administration/test_unit_stop_reopened_in_published_cycle.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from scoring.administration import services
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, Unit
from scoring.services import assessments_open
from tests.conftest import need_service

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

STOP_REASON = "Giải thể theo quyết định của UBND tỉnh."


def _unit(code: str = "so-y-te") -> Unit:
    return Unit.objects.select_related("kind").get(code=code)


def _held(action: Callable[[], Any], done: threading.Event, release: threading.Event) -> threading.Thread:
    """Run `action` in a transaction of its own (another connection) that stays open until `release` is set."""

    def run() -> None:
        try:
            with transaction.atomic():
                action()
                done.set()
                release.wait(timeout=30)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_on_postgresql_an_opening_during_a_stop_waits_for_it_and_is_then_refused(
    cycle: Cycle, admin_user: Any
) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # given: the units picked on the cycle's page (all active then), and a stop of one of them in progress
    picked = [_unit("so-tu-phap"), _unit()]
    stopped, release = threading.Event(), threading.Event()
    holder = _held(lambda: services.unit_set_active(unit=_unit(), active=False, reason=STOP_REASON,
                                                    actor=admin_user), stopped, release)
    try:
        assert stopped.wait(timeout=30)
        # when: the participants are added meanwhile (the stop commits a moment later)
        threading.Timer(1.0, release.set).start()
        with pytest.raises(ValidationFailed) as refused:
            assessments_open(cycle=cycle, units=picked, actor=admin_user)
    finally:
        release.set()
        holder.join(timeout=30)
    # then: it waited for the stop, saw the unit stopped and opened nothing
    assert refused.value.code == "unit_inactive"
    assert not _unit().active
    assert not Assessment.objects.filter(cycle=cycle).exists()
    assert not AuditEntry.objects.filter(action="assessment.open").exists()


def test_on_postgresql_a_stop_during_an_opening_waits_for_it_and_is_then_refused(
    cycle: Cycle, admin_user: Any
) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # given: the unit's assessment being opened in another transaction
    opened, release = threading.Event(), threading.Event()
    holder = _held(lambda: assessments_open(cycle=cycle, units=[_unit()], actor=admin_user), opened, release)
    try:
        assert opened.wait(timeout=30)
        # when: the unit is stopped meanwhile (the opening commits a moment later)
        threading.Timer(1.0, release.set).start()
        with pytest.raises(StateConflict) as refused:
            services.unit_set_active(unit=_unit(), active=False, reason=STOP_REASON, actor=admin_user)
    finally:
        release.set()
        holder.join(timeout=30)
    # then: it waited for the opening, saw the draft under way and left the unit active
    assert refused.value.code == "unit_busy"
    assert _unit().active
    assert Assessment.objects.filter(cycle=cycle, unit__code="so-y-te").count() == 1
    assert not AuditEntry.objects.filter(action="unit.deactivate").exists()
