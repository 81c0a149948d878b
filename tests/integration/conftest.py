"""A real Celery worker process on Redis, against the PostgreSQL database the tests use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import current_app
from django.conf import settings

from tests.conftest import ROOT, need_service, pg_url_for_test_db


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def real_services(transactional_db: Any) -> None:
    need_service(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL (DATABASE_URL)")
    need_service(bool(settings.REDIS_URL) and redis_reachable(settings.REDIS_URL), "Redis (REDIS_URL)")


@pytest.fixture
def celery_worker_process(real_services: None, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start `celery worker` on a queue of its own; stop it after the test. Its log is shown on failure."""
    queue = f"cchc-test-{uuid.uuid4().hex[:8]}"
    previous_queue = current_app.conf.task_default_queue
    previous_eager = current_app.conf.task_always_eager
    current_app.conf.task_default_queue = queue
    current_app.conf.task_always_eager = False
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cchc.settings_test",
        "DATABASE_URL": pg_url_for_test_db(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cchc", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue, "-n", f"{queue}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        current_app.conf.task_default_queue = previous_queue
        current_app.conf.task_always_eager = previous_eager
        if os.environ.get("CELERY_WORKER_LOG"):
            sys.stderr.write(log.read_text(errors="replace"))
