"""An import of accounts is made by a real worker process: the rows reach it through the private file, and
the file is gone afterwards."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from scoring.administration.services import user_import_start
from scoring.administration.services.imports import _import_path
from scoring.models import UserImport

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_makes_the_accounts_of_an_import(
    celery_worker_process: Any, catalogue: Any, admin_user: Any
) -> None:
    rows = [
        {"row": 2, "username": "an", "full_name": "Lê An", "password": "x-Secret-2021!", "role": "unit_head",
         "unit": "so-y-te"},
        {"row": 3, "username": "binh", "full_name": "Trần Bình", "password": "x-Secret-2021!", "role": "appraiser",
         "unit": ""},
    ]
    job = user_import_start(rows=rows, actor=admin_user)  # committed: the rows are handed to the worker
    deadline = time.monotonic() + 60
    while UserImport.objects.get(pk=job.pk).status in {UserImport.Status.PENDING, UserImport.Status.RUNNING}:
        assert time.monotonic() < deadline, "the worker did not finish the import in time"
        time.sleep(0.1)
    job.refresh_from_db()
    assert job.status == UserImport.Status.DONE and job.created == 2
    assert get_user_model().objects.get(username="an").check_password("x-Secret-2021!")
    assert not _import_path(job.pk).exists()
