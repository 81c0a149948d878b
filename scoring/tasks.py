"""Task modules inside scoring's packages, imported here so Celery autodiscovery finds them."""

from scoring.publication.tasks import export_job_run_task  # noqa: F401
