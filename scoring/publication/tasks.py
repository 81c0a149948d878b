"""Celery tasks of the publication: thin adapters over the services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from scoring.publication import exports, services


@shared_task(acks_late=True, ignore_result=True)
def export_job_run_task(job_id: int) -> None:
    """Build one export file (official workbook, PDF report or a unit's evidence pack) and record progress.
    Cost: the workbook grows linearly with units × criteria (write-only, flat memory); quiet when the job
    is gone; a job already done is not rebuilt."""
    services.export_job_run(job_id=job_id, build=exports.build_job_file)


@shared_task(acks_late=True, ignore_result=True)
def export_files_sweep_task() -> None:
    """Daily: remove export files past their retention (rebuilt on the next request) and orphan files."""
    services.export_files_sweep(retention_days=settings.EXPORT_RETENTION_DAYS)
