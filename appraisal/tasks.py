"""Celery tasks: thin adapters over services. Enqueue them with transaction.on_commit."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from scoring.selectors import stale_assessment_ids
from scoring.services import index_result_recompute

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
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


@shared_task(acks_late=True)
def reconcile_stale_results_task() -> int:
    """Enqueue a recompute for every signed-off assessment whose result is missing or older than it.

    Cost: one indexed query, then one task per stale assessment (normally none).
    """
    ids = stale_assessment_ids()
    for assessment_id in ids:
        recompute_index_result_task.delay(assessment_id)
    if ids:
        logger.info("reconciler enqueued %s recomputes", len(ids), extra={"count": len(ids)})
    return len(ids)
