"""Celery tasks: thin adapters over services. Enqueue them with transaction.on_commit."""

from __future__ import annotations

import logging
import smtplib
from collections import Counter

from celery import shared_task
from django.db import InterfaceError, OperationalError

from scoring.models import Assessment
from scoring.selectors import stale_assessment_ids
from scoring.services import index_result_recompute

logger = logging.getLogger(__name__)

# Above this many stale results in one cycle the reconciler recomputes the cycle set-wise (one GROUP BY)
# instead of one task per assessment.
SETWISE_THRESHOLD = 50


# Results of these tasks are never read: ignore_result also keeps a publish from touching the result backend,
# so a Redis outage at sign-off fails fast (and is healed by the reconciler) instead of hanging the request.
@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=6,
)
def recompute_index_result_task(assessment_id: int) -> str | None:
    """Recompute one assessment's result and its group's ranking. Idempotent; quiet when the row is gone."""
    result = index_result_recompute(assessment_id=assessment_id)
    return None if result is None else str(result.index)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=4,
)
def recompute_cycle_task(cycle_id: int) -> int:
    """Recompute every signed-off result of a cycle set-wise and re-rank every group.

    Cost: one GROUP BY over the cycle's score lines and one bulk upsert (about a second for 4,000
    assessments × 100 leaves on PostgreSQL; see bench/).
    """
    from appraisal.services import cycle_results_recompute

    return cycle_results_recompute(cycle_id=cycle_id)


@shared_task(acks_late=True, ignore_result=True)
def reconcile_stale_results_task() -> int:
    """Enqueue a recompute for every signed-off assessment whose result is missing or older than it.

    Cost: one indexed query, then one task per stale assessment (normally none), or one set-wise task per
    cycle with more than SETWISE_THRESHOLD stale results.
    """
    ids = stale_assessment_ids()
    if not ids:
        return 0
    cycles = Counter(Assessment.objects.filter(pk__in=ids).values_list("cycle_id", flat=True))
    bulk = {cycle_id for cycle_id, n in cycles.items() if n > SETWISE_THRESHOLD}
    for cycle_id in bulk:
        recompute_cycle_task.delay(cycle_id)
    singles = list(Assessment.objects.filter(pk__in=ids).exclude(cycle_id__in=bulk).values_list("id", flat=True))
    for assessment_id in singles:
        recompute_index_result_task.delay(assessment_id)
    logger.info("reconciler enqueued %s recomputes and %s set-wise cycles", len(singles), len(bulk),
                extra={"count": len(ids), "cycles": sorted(bulk)})
    return len(ids)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def send_notification_task(notification_id: int) -> bool:
    """E-mail one notification. Idempotent: a repeated delivery finds it sent and does nothing."""
    from appraisal.notifications import notification_send

    return notification_send(notification_id=notification_id)


@shared_task(acks_late=True, ignore_result=True)
def send_deadline_reminders_task() -> int:
    """Remind units of explanation and self-assessment deadlines within two days (beat, once a day).

    Cost: two indexed queries, then one small transaction per assessment reminded (each only once).
    """
    from appraisal.notifications import deadline_reminders_send

    return deadline_reminders_send()


@shared_task
def noop_task() -> str:
    """A task that does nothing: the broker and worker round trip (health checks, the latency benchmark)."""
    return "ok"
