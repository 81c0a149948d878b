"""A real Celery worker process on Redis, against the PostgreSQL database the tests use."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
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


# --- workers and a private Redis for the appraisal integration tests -----------------------------------------


class Worker:
    """A `celery worker` subprocess with its log file."""

    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc, self.log = proc, log

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no cleanup."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use_broker(url: str) -> None:
    """Point this (test) process's Celery app at another Redis: new connections, new result backend."""
    current_app.conf.broker_url = url
    current_app.conf.result_backend = url
    app = current_app._get_current_object()
    app._after_fork()  # drops the connection and producer pools
    app._backend_cache = None  # the result backend is made again from the new URL
    if hasattr(app._local, "backend"):
        del app._local.backend


@pytest.fixture
def start_worker(real_services: None, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """A factory of worker processes on a queue of this test; all are stopped afterwards.

    `start_worker(redis_url=..., pool="solo", concurrency=1, visibility_timeout=3600)`.
    """
    queue = f"cchc-test-{uuid.uuid4().hex[:8]}"
    previous = {k: current_app.conf[k] for k in ("task_default_queue", "task_always_eager", "broker_url",
                                                  "result_backend")}
    current_app.conf.task_default_queue = queue
    current_app.conf.task_always_eager = False
    workers: list[Worker] = []

    def start(*, redis_url: str | None = None, pool: str = "solo", concurrency: int = 1,
              visibility_timeout: int = 3600) -> Worker:
        n = len(workers) + 1
        log = tmp_path / f"worker-{n}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "DATABASE_URL": pg_url_for_test_db(),
            "REDIS_URL": redis_url or settings.REDIS_URL,
            "CELERY_QUEUE": queue,
            "TEST_VISIBILITY_TIMEOUT": str(visibility_timeout),
        }
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "cchc", "worker", f"--pool={pool}",
                 f"--concurrency={concurrency}", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "-Q", queue, "-n", f"{queue}-{n}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        worker = Worker(proc, log)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start:\n{worker.text()}")
            time.sleep(0.2)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
            if os.environ.get("CELERY_WORKER_LOG"):
                sys.stderr.write(worker.text())
        current_app.conf.task_default_queue = previous["task_default_queue"]
        current_app.conf.task_always_eager = previous["task_always_eager"]
        use_broker(previous["broker_url"])
        current_app.conf.result_backend = previous["result_backend"]


class PrivateRedis:
    """A redis-server of this test only, on a free port; stopped and started again by the test."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not redis_reachable(self.url):
            if time.monotonic() > deadline:
                pytest.fail("the test's own redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture
def private_redis(real_services: None, tmp_path: Path) -> Iterator[PrivateRedis]:
    need_service(Path(REDIS_SERVER).exists(), "redis-server (to start a private Redis)")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
