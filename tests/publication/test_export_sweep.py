"""Export files are removed after their retention; a swept file is built again on the next request."""

from __future__ import annotations

import datetime
import os
from typing import Any

import pytest
from django.utils import timezone

from scoring.models import ExportJob
from scoring.publication import exports, services

pytestmark = pytest.mark.django_db


def _done_job(publication: Any, kind: str, days_ago: int) -> ExportJob:
    job = ExportJob.objects.create(publication=publication, kind=kind)
    name = exports.job_file_name(job)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, progress=100, file_name=name,
        finished_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    job.refresh_from_db()
    exports.job_path(job).write_bytes(b"%PDF-1.7 test")
    return job


def _age(path: Any, days: int) -> None:
    stamp = (timezone.now() - datetime.timedelta(days=days)).timestamp()
    os.utime(path, (stamp, stamp))


def test_the_sweep_removes_old_files_and_orphans_and_keeps_fresh_ones(publication: Any) -> None:
    old = _done_job(publication, "pdf", days_ago=40)
    fresh = _done_job(publication, "xlsx", days_ago=2)
    leftover = exports.exports_root() / "tmpabc.part"
    leftover.write_bytes(b"half")
    _age(leftover, 3)
    new_leftover = exports.exports_root() / "tmpdef.part"  # maybe still being written: kept
    new_leftover.write_bytes(b"half")

    counts = services.export_files_sweep(retention_days=30)

    assert counts == {"expired": 1, "orphans": 1}
    assert not exports.job_path(old).exists()
    assert exports.job_path(fresh).exists()
    assert not leftover.exists() and new_leftover.exists()
    old.refresh_from_db()
    assert old.status == ExportJob.Status.FAILED and "hết thời hạn" in old.error
    # A second sweep finds nothing more to do.
    assert services.export_files_sweep(retention_days=30) == {"expired": 0, "orphans": 0}


def test_a_request_after_the_sweep_builds_the_file_again(
    publication: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = _done_job(publication, "pdf", days_ago=40)
    assert services.export_job_create(publication=publication, kind="pdf", actor=admin_user).pk == old.pk
    services.export_files_sweep(retention_days=30)

    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the file is built at commit
        again = services.export_job_create(publication=publication, kind="pdf", actor=admin_user)

    assert again.pk != old.pk
    again.refresh_from_db()
    assert again.status == ExportJob.Status.DONE
    assert exports.job_path(again).read_bytes().startswith(b"%PDF")


def test_a_done_job_whose_file_vanished_is_rebuilt_not_offered(publication: Any, admin_user: Any) -> None:
    job = _done_job(publication, "pdf", days_ago=1)
    exports.job_path(job).unlink()

    again = services.export_job_create(publication=publication, kind="pdf", actor=admin_user)

    assert again.pk != job.pk
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED


def test_exports_never_finished_are_given_up_after_the_timeout_and_built_again_on_request(
    publication: Any, admin_user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from scoring.tasks import worker_jobs_sweep_task

    stuck = ExportJob.objects.create(publication=publication, kind="pdf")  # its message was lost
    running = ExportJob.objects.create(publication=publication, kind="xlsx", status=ExportJob.Status.RUNNING)
    recent = ExportJob.objects.create(publication=publication, kind="criteria_csv", status=ExportJob.Status.RUNNING)
    old = timezone.now() - datetime.timedelta(minutes=settings.WORKER_JOB_TIMEOUT_MINUTES + 1)
    ExportJob.objects.filter(pk__in=[stuck.pk, running.pk]).update(created_at=old)
    done = _done_job(publication, "json", days_ago=0)
    ExportJob.objects.filter(pk=done.pk).update(created_at=old)

    worker_jobs_sweep_task()

    states = dict(ExportJob.objects.values_list("pk", "status"))
    assert states[stuck.pk] == states[running.pk] == ExportJob.Status.FAILED
    assert states[recent.pk] == ExportJob.Status.RUNNING and states[done.pk] == ExportJob.Status.DONE
    assert "yêu cầu lại" in ExportJob.objects.get(pk=stuck.pk).error
    with django_capture_on_commit_callbacks(execute=True):  # a new request builds the file
        again = services.export_job_create(publication=publication, kind="pdf", actor=admin_user)
    assert again.pk != stuck.pk
    again.refresh_from_db()
    assert again.status == ExportJob.Status.DONE
