"""`make profile BENCH=name`: where the product's time goes in one benchmark, by pyinstrument.

The product's side of the benchmark runs in this process, on the bench's national dataset, under pyinstrument
(wall clock: a wait on the database shows as time in the driver's `execute`). Only the operations are sampled;
what a benchmark does between them (re-appraising leaves before a recompute) is not. Written to
`bench/results/profile-NAME.txt` (the call tree) and `.html` (pyinstrument's interactive view), with the CPU
per operation of this process and of its PostgreSQL backend, and the number of statements per operation.

Called by `bench/run.py --profile` (which makes or reuses the dataset), never by the test suite.
"""

from __future__ import annotations

import random
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import ROOT, cpu_seconds

RESULTS = ROOT / "bench" / "results"


@dataclass
class Work:
    """`count` operations: `prepare(i)` runs unsampled before operation `i`, `operate(i)` is sampled."""

    title: str
    count: int
    operate: Callable[[int], None]
    prepare: Callable[[int], None] = lambda _i: None
    warm: int = 3  # operations run first, unsampled (imports, prepared statements, caches)
    notes: list[str] = field(default_factory=list)


def _backend_cpu() -> float:
    """Seconds of CPU used so far by this connection's PostgreSQL backend (it runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cpu_seconds(cursor.fetchone()[0])


# --- the benchmarks' product sides --------------------------------------------------------------------------


def _recompute(data: Any) -> Work:
    from django.db import transaction

    from appraisal.services import cycle_results_recompute
    from bench.appraisal import reappraise_some, signed_off_ids

    ids = signed_off_ids(data.cycle_id)
    count = max(1, data.assessments // 100)

    def operate(_i: int) -> None:
        with transaction.atomic():
            cycle_results_recompute(cycle_id=data.cycle_id)

    return Work(f"recompute of the whole cycle ({data.assessments:,} assessments), {count} re-appraised before each",
                9, operate, prepare=lambda i: reappraise_some(ids, i, count), warm=1)


def _autosave(data: Any, floor: str = "") -> Work:
    """One editor's saves through the whole stack (middleware, session, CSRF), as the load generator sends them;
    with `floor`, to that bound of bench/bare.py instead (save_floor: the least a save can cost)."""
    from django.test import Client

    from bench.web import _form_fields, _plans, _session_cookie
    from scoring.demo import sample_value

    plan = _plans(data, tabs=False)[1]  # not the first: the page benchmark's half-scored assessment stays as it was
    client = Client(enforce_csrf_checks=True)
    token = secrets.token_hex(16)
    client.cookies.load(f"{_session_cookie(data.editor_ids[1])}; csrftoken={token}")
    versions = dict(plan.versions)
    rng = random.Random(7)

    def operate(i: int) -> None:
        line_id, indicator = plan.leaves[i % len(plan.leaves)]
        fields = _form_fields(sample_value(indicator, rng, 0.6), f"l{line_id}-")
        fields.update(version=str(versions[line_id]), note=f"profile-{i}")
        url = f"/danh-gia/{plan.assessment}/dong/{line_id}/"
        if floor:
            fields["assessment"] = str(plan.assessment)
            url = f"/bench-bare/{floor}/{line_id}/"
        response = client.post(url, urlencode(fields),
                               content_type="application/x-www-form-urlencoded", headers={
                                   "X-CSRFToken": token, "Accept": "application/json"})
        assert response.status_code == 200, (response.status_code, response.content[:200])
        versions[line_id] = response.json()["line"]["version"]

    title = f"the save's bound ({floor})" if floor else "autosave"
    return Work(f"{title} of one leaf, through the middleware (one editor, leaves in turn)", 300, operate, warm=20)


def _page(data: Any) -> Work:
    from bench.web import _client

    client = _client(data.editor_ids[0])
    url = f"/danh-gia/{data.editor_assessment_ids[0]}/"

    def operate(_i: int) -> None:
        assert client.get(url).status_code == 200

    return Work("self-assessment page (the half-scored assessment)", 30, operate)


def _public(data: Any) -> Work:
    from django.core.cache import cache
    from django.test import Client

    from bench.publication import _publication

    url = f"/ket-qua/{_publication(data).cycle.year}/"
    client = Client()

    def operate(_i: int) -> None:
        assert client.get(url).status_code == 200

    return Work("public ranking page, first request (its cache cleared before each)", 5, operate,
                prepare=lambda _i: cache.clear(), warm=1)


def _xlsx(data: Any) -> Work:
    import tempfile

    from bench.publication import _publication
    from scoring.publication import exports

    publication = _publication(data)
    folder = Path(tempfile.mkdtemp(prefix="cchc-profile-"))

    def operate(i: int) -> None:
        exports.official_workbook(publication, folder / f"{i}.xlsx")

    return Work("national xlsx export (the official workbook)", 1, operate, warm=0)


def _engine(data: Any) -> Work:
    from bench.engine_bench import inputs
    from scoring import engine

    sheets = inputs(data)

    def operate(_i: int) -> None:
        for rules, scores in sheets:
            engine.compute_index(rules, scores)

    return Work(f"engine.compute_index over {len(sheets):,} assessments", 3, operate, warm=1)


PROFILES: dict[str, Callable[[Any], Work]] = {
    "engine": _engine,
    "recompute": _recompute,
    "page": _page,
    "autosave": _autosave,
    "floor": lambda data: _autosave(data, "floor"),
    "xlsx": _xlsx,
    "public": _public,
}


def profile(name: str, data: Any) -> Path:
    """Profile benchmark `name` on `data`; write and return the text report (the HTML one lies beside it)."""
    from django.db import connection
    from pyinstrument import Profiler

    work = PROFILES[name](data)
    for i in range(work.warm):
        work.prepare(i)
        work.operate(i)
    profiler = Profiler(interval=0.0005)
    walls, cpus, backends, statements = [], [], [], []
    sent = [0]

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent[0] += 1
        return execute(sql, params, many, context)

    for n in range(work.count):
        i = work.warm + n
        work.prepare(i)
        backend, sent[0] = _backend_cpu(), 0
        with connection.execute_wrapper(counted):
            wall, cpu = time.perf_counter(), time.process_time()
            profiler.start()
            work.operate(i)
            profiler.stop()
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
        backends.append(_backend_cpu() - backend)
        statements.append(sent[0])
    per = work.count
    summary = [
        f"# profile: {name}: {work.title}",
        "",
        f"Operations sampled: {per} (after {work.warm} not sampled).",
        f"Per operation: wall {statistics.median(walls) * 1000:.2f} ms (median); CPU of this process "
        f"{statistics.median(cpus) * 1000:.2f} ms (median) and of its PostgreSQL backend "
        f"{sum(backends) / per * 1000:.2f} ms (mean: the kernel counts it in ticks); statements sent: "
        f"{statistics.median(statements):g} (median; BEGIN and COMMIT not counted).",
        *work.notes,
        "",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = RESULTS / f"profile-{name}.txt"
    text.write_text("\n".join(summary) + profiler.output_text(unicode=True, color=False), encoding="utf-8")
    (RESULTS / f"profile-{name}.html").write_text(profiler.output_html(), encoding="utf-8")
    return text
