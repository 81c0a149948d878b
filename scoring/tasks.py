"""Scoring's tasks, and the task modules inside its packages, imported here so Celery autodiscovery finds them."""

from celery import shared_task

from scoring.publication.tasks import export_job_run_task  # noqa: F401


@shared_task(acks_late=True, ignore_result=True)
def user_import_run_task(job_id: int) -> None:
    """Create the accounts of an import (each initial password's hash costs about 0.4 s): a thin adapter over
    `user_import_run`; a job that is not pending is left alone."""
    from scoring.administration.services import user_import_run

    user_import_run(job_id=job_id)
