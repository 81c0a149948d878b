"""Scoring's tasks, and the task modules inside its packages, imported here so Celery autodiscovery finds them."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from scoring.publication.tasks import export_job_run_task  # noqa: F401


@shared_task(acks_late=True, ignore_result=True)
def user_import_run_task(job_id: int) -> None:
    """Create the accounts of an import (each initial password's hash costs about 0.4 s): a thin adapter over
    `user_import_run`; a job that is not pending is left alone."""
    from scoring.administration.services import user_import_run

    user_import_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def worker_jobs_sweep_task() -> None:
    """Every quarter of an hour: imports and exports asked for more than `WORKER_JOB_TIMEOUT_MINUTES` ago and
    still not finished are marked failed (their worker died, or the queue lost them), so that no page waits
    forever and no file of initial passwords stays on disk."""
    from scoring.administration.services import user_imports_abandon
    from scoring.publication.services import export_jobs_abandon

    before = timezone.now() - datetime.timedelta(minutes=settings.WORKER_JOB_TIMEOUT_MINUTES)
    user_imports_abandon(before=before)
    export_jobs_abandon(before=before)
