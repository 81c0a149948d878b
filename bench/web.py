"""Web benchmarks (issue 4): the self-assessment page and autosave, each beside a baseline from the same run.

- page: median server time of the self-assessment page of a 105-leaf assessment (the real 2020 department set,
  half of it scored), beside a bare view that runs one raw query and renders the same rows with a plain
  template, both through the whole middleware stack, interleaved;
- autosave: p50/p99 of per-leaf saves by 20 concurrent editors against gunicorn on loopback (20 units, then
  one unit), beside GET /healthz (one `SELECT 1`) with the same concurrency.

Runs on a throw-away SQLite file (the embedded default) unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
EDITORS = 20
SAVES_PER_EDITOR = 25
PAGE_RUNS = 30

Row = tuple[str, float, str, float, str]  # work, value, baseline name, baseline value, unit


def _environment(tmp: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "cchc.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}",
        "LOG_LEVEL": "WARNING",
    }


def _setup_data() -> dict[str, Any]:
    """Units, the 2020 department set, an open cycle, 20 units' assessments half scored, 20 editors."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from scoring.demo import sample_value
    from scoring.models import Cycle, RoleAssignment, Unit, UnitKind
    from scoring.services import (
        assessments_open,
        cycle_create,
        cycle_set_phase,
        indicator_set_import,
        score_line_save_self,
        unit_catalogue_load,
    )

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    unit_catalogue_load(data=json.loads((ROOT / "fixtures/units/tien-giang-2020.json").read_text("utf-8")), actor=None)
    indicator_set = indicator_set_import(
        data=json.loads((ROOT / "fixtures/sets/tg-2020-so.json").read_text("utf-8")), actor=None
    )
    kinds = UnitKind.objects.filter(code__in=["department", "vertical"])
    cycle = cycle_create(year=2020, name="Bench", sets={k: indicator_set for k in kinds}, actor=None)
    cycle_set_phase(cycle=cycle, phase=Cycle.Phase.SELF_ASSESSMENT, actor=None)
    units = list(Unit.objects.filter(kind__in=kinds).order_by("name")[:EDITORS])
    assessments = assessments_open(cycle=cycle, units=units, actor=None)
    users = []
    rng = random.Random(2020)
    for number, (unit, assessment) in enumerate(zip(units, assessments, strict=True), start=1):
        user = get_user_model().objects.create_user(username=f"bench{number}", password=secrets.token_urlsafe(16))
        RoleAssignment.objects.create(user=user, role="unit_editor", unit=unit)
        users.append(user)
        if number == 1:
            for line in list(assessment.lines.select_related("indicator").order_by("indicator__order"))[::2]:
                score_line_save_self(line=line, actor=user, base_version=line.version,
                                     value=sample_value(line.indicator, rng, 0.7), note="Ghi chú mẫu")
    return {"assessments": assessments, "users": users}


BARE_TEMPLATE = """<!doctype html><html lang="vi"><body><table>
{% for code, name, max_points, score in rows %}<tr><td>{{ code }}</td><td>{{ name }}</td>
<td>{{ max_points }}</td><td>{{ score|default:"—" }}</td></tr>{% endfor %}</table></body></html>"""


def _page_rows(data: dict[str, Any]) -> list[Row]:
    from django.db import connection
    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.test import Client
    from django.urls import clear_url_caches, path

    import cchc.urls

    template = engines["django"].from_string(BARE_TEMPLATE)

    def bare(request: HttpRequest, assessment_id: int) -> HttpResponse:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT i.code, i.name, i.max_points, l.self_score FROM scoring_scoreline l '
                'JOIN scoring_indicator i ON i.id = l.indicator_id WHERE l.assessment_id = %s ORDER BY i."order"',
                [assessment_id],
            )
            rows = cursor.fetchall()
        return HttpResponse(template.render({"rows": rows}, request))

    cchc.urls.urlpatterns.append(path("bench-bare/<int:assessment_id>/", bare))
    clear_url_caches()
    assessment, user = data["assessments"][0], data["users"][0]
    client = Client()
    client.force_login(user)
    page_url, bare_url = f"/danh-gia/{assessment.pk}/", f"/bench-bare/{assessment.pk}/"
    page_times: list[float] = []
    bare_times: list[float] = []
    for run in range(PAGE_RUNS + 5):
        for url, times in ((page_url, page_times), (bare_url, bare_times)):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            if run >= 5:  # warm-up first
                times.append(elapsed)
    leaves = assessment.lines.count()
    return [(
        f"self-assessment page, {leaves} leaves (median of {PAGE_RUNS})",
        statistics.median(page_times) * 1000,
        "bare view: one raw query, same rows",
        statistics.median(bare_times) * 1000,
        "ms",
    )]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _session_cookies(user: Any) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def _form_fields(indicator: Any, value: dict[str, Any], prefix: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, raw in value.items():
        if key == "counts":
            fields.update({f"{prefix}counts.{k}": str(v) for k, v in raw.items()})
        elif isinstance(raw, bool):
            fields[f"{prefix}{key}"] = "yes" if raw else "no"
        else:
            fields[f"{prefix}{key}"] = str(raw)
    return fields


def _hammer(port: int, plans: list[dict[str, Any]], *, saves: bool) -> tuple[list[float], int]:
    """Each plan is one editor in a thread; all start together. Returns latencies (s) and the error count."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(len(plans))

    def editor(plan: dict[str, Any]) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
        headers = {"Cookie": f"{plan['cookie']}; csrftoken={token}", "X-CSRFToken": token,
                   "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
        versions = dict(plan["versions"])
        rng = random.Random(plan["seed"])
        mine, bad = [], 0
        barrier.wait()
        for number in range(SAVES_PER_EDITOR):
            started = time.perf_counter()
            if saves:
                line_id, indicator = plan["leaves"][number % len(plan["leaves"])]
                from scoring.demo import sample_value

                fields = _form_fields(indicator, sample_value(indicator, rng, 0.6), f"l{line_id}-")
                fields.update(version=str(versions[line_id]), note=f"lần {number}")
                conn.request("POST", f"/danh-gia/{plan['assessment']}/dong/{line_id}/", urlencode(fields), headers)
            else:
                conn.request("GET", "/healthz", headers={"Cookie": plan["cookie"]})
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                bad += 1
            elif saves:
                versions[line_id] = json.loads(body)["line"]["version"]
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=editor, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    workers = max(2, min(4, os.cpu_count() or 2))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cchc.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--threads", "8", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def _plans(data: dict[str, Any], cookies: list[str], same_unit: bool) -> list[dict[str, Any]]:
    plans = []
    for number in range(EDITORS):
        assessment = data["assessments"][0 if same_unit else number]
        lines = list(assessment.lines.select_related("indicator").filter(indicator__source="self")
                     .order_by("indicator__order"))
        own = lines[number::EDITORS] if same_unit else lines  # one unit: each editor on their own leaves
        plans.append({
            "cookie": cookies[0 if same_unit else number], "assessment": assessment.pk, "seed": number,
            "leaves": [(line.pk, line.indicator) for line in own],
            "versions": {line.pk: line.version for line in own},
        })
    return plans


def _autosave_rows(data: dict[str, Any], env: dict[str, str], log: Path) -> list[Row]:
    from django.db import connection

    cookies = [_session_cookies(user) for user in data["users"]]
    scenarios = [("20 editors in 20 units", False, env)]
    if connection.vendor == "sqlite":
        tuned = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        scenarios = [
            ("20 editors in 20 units, SQLite as configured", False, env),
            ("20 editors in 20 units, SQLite BEGIN IMMEDIATE + WAL", False, tuned),
            ("20 editors in one unit, SQLite BEGIN IMMEDIATE + WAL", True, tuned),
        ]
    else:
        scenarios.append(("20 editors in one unit", True, env))
    rows: list[Row] = []
    server, port = _serve(scenarios[-1][2], log)
    try:  # the cost of one save without any contention, for scale
        plans = _plans(data, cookies, False)[:1]
        base, _errors = _hammer(port, plans, saves=False)
        saved, _errors = _hammer(port, plans, saves=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows.append((f"autosave p50, one editor alone ({len(saved)} saves)", _percentile(saved, 0.5) * 1000,
                 "GET /healthz p50, one client", _percentile(base, 0.5) * 1000, "ms"))
    for label, same_unit, server_env in scenarios:
        server, port = _serve(server_env, log)
        try:
            plans = _plans(data, cookies, same_unit)
            base, base_errors = _hammer(port, plans, saves=False)
            saved, save_errors = _hammer(port, plans, saves=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
        note = f", {save_errors} of {len(saved)} refused" if save_errors else ""
        for share, name in ((0.5, "p50"), (0.99, "p99")):
            rows.append((
                f"autosave {name}, {label} ({len(saved)} saves{note})",
                _percentile(saved, share) * 1000,
                f"GET /healthz {name}, same concurrency" + (f" ({base_errors} failed)" if base_errors else ""),
                _percentile(base, share) * 1000,
                "ms",
            ))
    return rows


def web_rows() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    env = _environment(tmp)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)  # the bench never enqueues; keep Celery eager
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        data = _setup_data()
        return _page_rows(data) + _autosave_rows(data, env, tmp / "gunicorn.log")
    finally:
        log = tmp / "gunicorn.log"
        if log.exists() and log.stat().st_size:
            print("gunicorn log (last lines):", *log.read_text(errors="replace").splitlines()[-8:], sep="\n",
                  file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
