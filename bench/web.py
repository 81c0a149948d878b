"""Browser-path benchmarks on the national dataset: the self-assessment page and autosave.

- page: median server time of the self-assessment page of a half-scored assessment (the 2020 department set)
  through the whole middleware stack (test client, in process), beside `bare.sheet` (one raw SQL query, the
  same template), interleaved; and the page's query count, on two assessments of different sets;
- autosave: `EDITORS` editors, each in their own unit, all at once against gunicorn on loopback, each saving
  `SAVES` times in turn over their leaves; throughput and p50/p99 beside `bare.line_update` (one UPDATE) under
  the same load, and (for scale) the throughput of `bare.signed_in_noop`, what any signed-in request costs;
  and where each request's CPU went (gunicorn's workers, PostgreSQL, the load generator), beside the same for
  the bare endpoint: all three share this machine's cores, which bound the throughput.
  Then the final database state is checked against the last accepted write of every line (a lost update is a
  line whose stored version or note differs), with refusals (409) counted apart; a second round puts `TABS`
  tabs of one editor on the same few leaves to make conflicts happen.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import resource
import secrets
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import HOST, Row, cpu_seconds, gunicorn, percentile, postgres_pids, stop, worker_pids

PAGE_RUNS = 30
SAVES = 40  # per editor: bounded in requests
DEADLINE = 60.0  # seconds per round: bounded in time
PACE = 10.0  # seconds between one editor's saves in the paced round: a person edits a leaf, then autosave
TABS = 10
TAB_LEAVES = 3
# As in production (docker-compose.yml): gunicorn's sync workers, one request at a time each, 2 × cores + 1 of them
# (gunicorn's advice). Threads in one process would queue on its interpreter lock, and a write holding the
# audit chain's lock would wait for its turn to commit while every other writer waits for it.
WORKERS, THREADS = 2 * (os.cpu_count() or 1) + 1, 1


def _client(user_id: int) -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_id))
    return client


def page_rows(data: Any, **_: Any) -> list[Row]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(data.editor_ids[0])
    assessment_id = data.editor_assessment_ids[0]
    page_url, bare_url = f"/danh-gia/{assessment_id}/", f"/bench-bare/sheet/{assessment_id}/"
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
    leaves = response.content.count(b'<article class="leaf')
    counts = []
    # The same page for an assessment of the other set (communes), as its own editor: the count must not grow.
    for user_id, other in ((data.editor_ids[0], assessment_id), (data.editor_ids[-1], data.editor_assessment_ids[-1])):
        viewer = _client(user_id)
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(f"/danh-gia/{other}/").status_code == 200
        counts.append(len(queries))
    return [
        Row(f"self-assessment page, {leaves} leaves (median of {PAGE_RUNS})", statistics.median(page_times) * 1000,
            "ms", "bare view: one raw query, same template", statistics.median(bare_times) * 1000, max_ratio=3),
        Row("self-assessment page queries (department set / commune set)", float(max(counts)), "queries",
            "bare view", 1.0, limit=15, note=" / ".join(map(str, counts))),
    ]


# --- autosave ------------------------------------------------------------------------------------------------


def _session_cookie(user_id: int) -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(pk=user_id)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]  # the one that reads users
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def _form_fields(value: dict[str, Any], prefix: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, raw in value.items():
        if key == "counts":
            fields.update({f"{prefix}counts.{k}": str(v) for k, v in raw.items()})
        elif isinstance(raw, bool):
            fields[f"{prefix}{key}"] = "yes" if raw else "no"
        else:
            fields[f"{prefix}{key}"] = str(raw)
    return fields


@dataclass
class Plan:
    """One client thread: whose session, which assessment, which leaves (with their indicators)."""

    cookie: str
    assessment: int
    leaves: list[tuple[int, Any]]
    seed: int
    versions: dict[int, int] = field(default_factory=dict)


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # CPU seconds used during the round by gunicorn's workers, by PostgreSQL, and by this load generator
    cpu: dict[str, float] = field(default_factory=dict)
    conflicts: int = 0
    errors: int = 0
    accepted: dict[int, tuple[int, str]] = field(default_factory=dict)  # line → (version, note) of the newest


def _plans(data: Any, *, tabs: bool) -> list[Plan]:
    from scoring.models import ScoreLine

    # Tabs: the last unit's editor, so that the page benchmark's half-scored assessment stays as it was.
    pairs = ([(data.editor_ids[-1], data.editor_assessment_ids[-1])] * TABS if tabs
             else list(zip(data.editor_ids, data.editor_assessment_ids, strict=True)))
    cookies: dict[int, str] = {}
    plans = []
    for number, (user_id, assessment_id) in enumerate(pairs):
        lines = list(ScoreLine.objects.select_related("indicator").filter(
            assessment_id=assessment_id, indicator__source="self", indicator__is_leaf=True,
        ).order_by("indicator__order"))
        if tabs:
            lines = lines[:TAB_LEAVES]
        cookie = cookies.setdefault(user_id, _session_cookie(user_id))
        plans.append(Plan(cookie=cookie, assessment=assessment_id, seed=number,
                          leaves=[(line.pk, line.indicator) for line in lines],
                          versions={line.pk: line.version for line in lines}))
    return plans


def _hammer(port: int, plans: list[Plan], *, bare: str = "", pace: float = 0.0) -> Outcome:
    """Each plan is one client thread; all start together; each sends SAVES saves or stops at DEADLINE.

    With `pace`, each client starts a save every `pace` seconds (from a random offset), not back to back.
    `bare` names a baseline view of bench/bare.py to send the same requests to instead of the product's."""
    from scoring.demo import sample_value

    out = Outcome()
    lock = threading.Lock()
    barrier = threading.Barrier(len(plans) + 1)
    deadline = [0.0]

    def client(plan: Plan) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
        headers = {"Cookie": f"{plan.cookie}; csrftoken={token}", "X-CSRFToken": token,
                   "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
        rng = random.Random(plan.seed)
        versions = dict(plan.versions)
        mine: list[float] = []
        accepted: dict[int, tuple[int, str]] = {}
        conflicts = errors = 0
        barrier.wait()
        due = time.perf_counter() + rng.uniform(0, pace)
        for number in range(SAVES):
            if pace:
                time.sleep(max(0.0, due - time.perf_counter()))
                due += pace
            if time.perf_counter() > deadline[0]:
                break
            line_id, indicator = plan.leaves[number % len(plan.leaves)]
            note = f"{plan.seed}-{number}"
            if bare.startswith("floor"):  # the product's fields (and the assessment, which the URL does not name)
                fields = _form_fields(sample_value(indicator, rng, 0.6), f"l{line_id}-")
                fields.update(version=str(versions[line_id]), note=note, assessment=str(plan.assessment))
                url = f"/bench-bare/{bare}/{line_id}/"
            elif bare:
                fields = {"note": note, "version": str(versions[line_id])}
                url = f"/bench-bare/{bare}/{line_id}/"
            else:
                fields = _form_fields(sample_value(indicator, rng, 0.6), f"l{line_id}-")
                fields.update(version=str(versions[line_id]), note=note)
                url = f"/danh-gia/{plan.assessment}/dong/{line_id}/"
            started = time.perf_counter()
            if pace:  # a paced client's idle connection outlives the server's keep-alive: one per save
                conn.close()
            conn.request("POST", url, urlencode(fields), headers)
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status == 200:
                version = json.loads(body)["line"]["version"]
                versions[line_id] = version
                if version > accepted.get(line_id, (0, ""))[0]:
                    accepted[line_id] = (version, note)
            elif response.status == 409:
                conflicts += 1
                versions[line_id] = json.loads(body)["stored"]["version"]  # "keep mine" on the next turn
            else:
                errors += 1
        conn.close()
        with lock:
            out.latencies.extend(mine)
            out.conflicts += conflicts
            out.errors += errors
            for line_id, got in accepted.items():
                if got[0] > out.accepted.get(line_id, (0, ""))[0]:
                    out.accepted[line_id] = got

    threads = [threading.Thread(target=client, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + DEADLINE
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    out.seconds = time.perf_counter() - started
    return out


def _lost(outcome: Outcome) -> int:
    from scoring.models import ScoreLine

    stored = dict(ScoreLine.objects.filter(pk__in=outcome.accepted).values_list("pk", "version"))
    notes = dict(ScoreLine.objects.filter(pk__in=outcome.accepted).values_list("pk", "self_note"))
    return sum(1 for pk, (version, note) in outcome.accepted.items() if stored[pk] != version or notes[pk] != note)


def _cpu(server: Any) -> dict[str, float]:
    """CPU seconds so far: gunicorn's workers, PostgreSQL's processes (the bench runs alone on its machine) and
    this process (the load generator's threads: nothing else runs in it during a round)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"server": sum(cpu_seconds(pid) for pid in worker_pids(server)),
            "postgres": sum(cpu_seconds(pid) for pid in postgres_pids()),
            "load": own.ru_utime + own.ru_stime}


def _round(
    env: dict[str, str], log: Path, plans: list[Plan], *, bare: str = "", pace: float = 0.0
) -> tuple[Outcome, int]:
    server, port = gunicorn(env, workers=WORKERS, threads=THREADS, log=log)
    try:
        _hammer(port, plans[:2], bare=bare)  # warm the workers (imports, connections)
        for plan in plans:  # the warm-up moved the versions on
            from scoring.models import ScoreLine

            plan.versions = dict(ScoreLine.objects.filter(pk__in=plan.versions).values_list("pk", "version"))
        before = _cpu(server)
        outcome = _hammer(port, plans, bare=bare, pace=pace)
        outcome.cpu = {key: value - before[key] for key, value in _cpu(server).items()}
    finally:
        stop(server)
    return outcome, _lost(outcome)


def autosave_rows(data: Any, *, env: dict[str, str], tmp: Path, **_: Any) -> list[Row]:
    log = tmp / "gunicorn-autosave.log"
    n = len(data.editor_ids)
    bare, _bare_lost = _round(env, log, _plans(data, tabs=False), bare="line")
    noop, _noop_lost = _round(env, log, _plans(data, tabs=False), bare="signed-in")
    ours, lost = _round(env, log, _plans(data, tabs=False))
    floor, floor_lost = _round(env, log, _plans(data, tabs=False), bare="floor")
    slim, slim_lost = _round(env, log, _plans(data, tabs=False), bare="floor-without-totals")
    paced, paced_lost = _round(env, log, _plans(data, tabs=False), pace=PACE)
    tabs, tabs_lost = _round(env, log, _plans(data, tabs=True))
    rate = len(ours.latencies) / ours.seconds
    bare_rate = len(bare.latencies) / bare.seconds
    noop_rate = len(noop.latencies) / noop.seconds
    label = f"autosave, {n} editors in {n} units ({len(ours.latencies)} saves, {ours.errors} failed)"
    base = f"bare endpoint: one UPDATE ({len(bare.latencies)} saves, {bare.errors} failed)"
    # Where a request's CPU goes on this machine's cores (throughput here is bound by them): per request, in ms.
    split = [
        Row(f"… CPU per request of {what}", ours.cpu[key] / len(ours.latencies) * 1000, "ms", base,
            bare.cpu[key] / len(bare.latencies) * 1000)
        for key, what in (("server", "gunicorn's workers (Django)"), ("postgres", "PostgreSQL"),
                          ("load", "the load generator"))
    ]
    floors = [
        Row(f"… {what} ({len(got.latencies)} saves, {got.errors} failed, {got_lost} lost), throughput",
            len(got.latencies) / got.seconds, "req/s", base, bare_rate)
        for what, got, got_lost in (
            ("the least a save with the same obligations can cost (bench/bare.py save_floor: raw SQL, three round "
             "trips, the same engine, audit entry and totals)", floor, floor_lost),
            ("the same least save, without the totals in its answer", slim, slim_lost),
        )
    ]
    return [
        Row(f"{label}, throughput", rate, "req/s", base, bare_rate, min_ratio=0.5),
        *floors,
        Row(f"… a signed-in no-op view (session and user read, nothing else; {len(noop.latencies)} requests, "
            f"{noop.errors} failed), throughput", noop_rate, "req/s", base, bare_rate),
        *split,
        Row(f"{label}, p50", percentile(ours.latencies, 0.5) * 1000, "ms", base,
            percentile(bare.latencies, 0.5) * 1000),
        Row(f"{label}, p99", percentile(ours.latencies, 0.99) * 1000, "ms", base,
            percentile(bare.latencies, 0.99) * 1000, limit=100),
        Row(f"autosave paced, {n} editors each saving every {PACE:g} s ({len(paced.latencies)} saves, "
            f"{paced.errors} failed), p99", percentile(paced.latencies, 0.99) * 1000, "ms", base,
            percentile(bare.latencies, 0.99) * 1000, limit=100),
        Row(f"autosave lost updates, {n} editors, both rounds ({len(ours.accepted) + len(paced.accepted)} lines "
            f"checked, {ours.conflicts + paced.conflicts} refused 409)", float(lost + paced_lost), "lost", "none", 0.0,
            limit=0),
        Row(f"autosave lost updates, {TABS} tabs on {TAB_LEAVES} leaves ({len(tabs.latencies)} saves, "
            f"{tabs.conflicts} refused 409, {tabs.errors} failed)", float(tabs_lost), "lost", "none", 0.0, limit=0),
    ]
