"""A real Celery worker process on Redis, against the PostgreSQL database the tests use."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
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


# --- the application served by a real server process, and tools to hurt it -----------------------------------


class Reply:
    """One HTTP answer: status, headers (lower-case names), body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Http:
    """A keep-alive HTTP/1.1 client for one thread, with its own cookies (the standard library only)."""

    def __init__(self, port: int, *, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, *, body: bytes | str | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = body.encode("utf-8") if isinstance(body, str) else body
        try:
            self._conn.request(method, path, body=payload, headers=sent)
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = SimpleCookie(value)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def json(self, method: str, path: str, data: Any) -> Reply:
        return self.request(method, path, body=json.dumps(data),
                            headers={"Content-Type": "application/json", "Accept": "application/json"})

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class AppServer:
    """gunicorn serving the project on a loopback port, against the tests' PostgreSQL database."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def client(self, **headers: str) -> Http:
        return Http(self.port, headers=headers)

    def signed_in(self, user: Any) -> Http:
        """A browser-like client with a session of `user` and a CSRF cookie taken from a page."""
        from django.test import Client

        session = Client()
        session.force_login(user)  # the session row is committed (these tests use transactional_db)
        client = Http(self.port)
        client.cookies[settings.SESSION_COOKIE_NAME] = session.cookies[settings.SESSION_COOKIE_NAME].value
        page = client.request("GET", "/")  # a unit's people are sent on to their sheet
        assert page.status in (200, 302), page.text[:500]
        if settings.CSRF_COOKIE_NAME not in client.cookies:
            client.request("GET", "/dang-nhap/")
        client.headers["X-CSRFToken"] = client.cookies[settings.CSRF_COOKIE_NAME]
        return client

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def app_server(real_services: None, tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """A factory of gunicorn processes (gthread workers) serving the app; all are stopped after the test.

    `app_server(workers=2, threads=8, redis_url=None, env={})`. The server's Celery publishes to the test's queue
    (the one `start_worker` set, if any) and throttling is lifted so that load tests measure the app.
    """
    servers: list[AppServer] = []

    def start(*, workers: int = 2, threads: int = 8, redis_url: str | None = None,
              env: dict[str, str] | None = None) -> AppServer:
        port = free_port()
        log = tmp_path / f"server-{len(servers) + 1}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cchc.settings_test",
            "DATABASE_URL": pg_url_for_test_db(),
            "REDIS_URL": redis_url or settings.REDIS_URL,
            "CELERY_QUEUE": current_app.conf.task_default_queue,
            "API_THROTTLE_USER": "1000000/min",
            "API_THROTTLE_ANON": "1000000/min",
            "MEDIA_ROOT": str(tmp_path / "media"),
            **(env or {}),
        }
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "cchc.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
                 "--keep-alive", "60", "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning"],
                cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
            )
        server = AppServer(proc, port, log)
        servers.append(server)
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = Http(port)
                if probe.request("GET", "/healthz").status == 200:
                    probe.close()
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the application server did not start:\n{server.text()}")
            time.sleep(0.2)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
            if os.environ.get("APP_SERVER_LOG"):
                sys.stderr.write(server.text())


def raw_connection() -> Any:
    """A connection of its own to the tests' database (a second session: locks, pg_terminate_backend)."""
    import psycopg2

    db = settings.DATABASES["default"]
    return psycopg2.connect(dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                            host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432)


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, *logs: Any) -> Any:
    """Poll until `predicate()` is truthy; fail with the given processes' logs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen in {timeout:.0f} s\n" + "\n".join(w.text() for w in logs))


def ready_for_sign_off(cycle: Any, unit_code: str, editor: Any, head: Any, lead: Any,
                       changes: dict[str, Any] | None = None) -> Any:
    """An assessment of the unit, self-scored (SMALL_SET_VALUES, with `changes`), submitted and accepted by the
    lead line by line: in appraisal, every leaf with an appraised score."""
    from appraisal.services import line_accept_self
    from scoring.models import Assessment, ScoreLine, Unit
    from scoring.services import assessment_transition, assessments_open, score_line_save_self
    from tests.conftest import SMALL_SET_VALUES

    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=unit_code)], actor=None)[0]
    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = ScoreLine.objects.get(assessment=assessment, indicator__code=code)
        score_line_save_self(line=line, actor=editor, base_version=line.version,
                             value=(changes or {}).get(code, value))
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=head)
    for line in assessment.lines.all():
        line_accept_self(line=line, actor=lead, base_version=line.version)
    return Assessment.objects.get(pk=assessment.pk)


class ResultWrites:
    """Every committed write of a result's computation (insert, or update of `computed_at`), recorded by a
    trigger the test installs: a rolled-back attempt leaves no record, a second computation leaves a second."""

    def counts(self) -> dict[int, int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT assessment_id, count(*) FROM faults_result_write GROUP BY assessment_id")
            return {int(a): int(n) for a, n in cursor.fetchall()}


@pytest.fixture
def result_writes(real_services: None) -> Iterator[ResultWrites]:
    from django.db import connection

    drop = [
        "DROP TRIGGER IF EXISTS faults_result_write ON scoring_indexresult",
        "DROP FUNCTION IF EXISTS faults_result_write_log()",
        "DROP TABLE IF EXISTS faults_result_write",
    ]
    with connection.cursor() as cursor:
        for statement in drop:  # what an interrupted earlier run may have left
            cursor.execute(statement)
        cursor.execute("CREATE TABLE faults_result_write (id bigserial PRIMARY KEY, assessment_id bigint NOT NULL, "
                       "computed_from_version integer, at timestamptz NOT NULL DEFAULT clock_timestamp())")
        cursor.execute(
            "CREATE FUNCTION faults_result_write_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO faults_result_write (assessment_id, computed_from_version) "
            "VALUES (NEW.assessment_id, NEW.computed_from_version); RETURN NEW; END $$"
        )
        cursor.execute("CREATE TRIGGER faults_result_write AFTER INSERT OR UPDATE OF computed_at "
                       "ON scoring_indexresult FOR EACH ROW EXECUTE FUNCTION faults_result_write_log()")
    try:
        yield ResultWrites()
    finally:
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)
