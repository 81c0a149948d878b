"""Appraisal benchmarks (issue 5), each beside a baseline measured in the same run, on PostgreSQL and Redis.

- national recompute: 4,000 signed-off assessments × 105 leaves (420,000 score lines, bulk-loaded with COPY
  into a database created for the run and dropped after it): the set-wise recompute of the whole cycle
  (results and ranks written), and its one grouped SQL query alone, beside one raw SQL `GROUP BY` sum over
  the same rows; the per-assessment recompute (the sign-off task's path) measured on a sample and scaled;
- sign-off → visible result: p50/p99 from the lead's sign-off to the result row being readable, with a real
  worker process, beside the round trip of a task that does nothing.

Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres;
BENCH_REDIS_URL, default redis://127.0.0.1:6379/14). Runs in its own process (`appraisal_rows()` starts it), so
its Django settings never mix with the other benchmarks'.
"""

from __future__ import annotations

import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
ASSESSMENTS = int(os.environ.get("BENCH_ASSESSMENTS", "4000"))
PROVINCES = 34
SAMPLE = 200  # per-assessment recomputes measured, then scaled to the whole cycle
SIGN_OFFS = 100
NOOPS = 100
RUNS = 5

Row = tuple[str, float, str, float, str]


def appraisal_rows() -> list[Row]:
    """Run this module in a child process and return its rows (none, with a note, when a service is missing)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--json"], cwd=ROOT, capture_output=True, text=True,
        env={k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}},
        check=False,
    )
    sys.stderr.write(done.stderr[-4000:])
    lines = [line for line in done.stdout.splitlines() if line.startswith("ROWS ")]
    if done.returncode != 0 or not lines:
        print("appraisal benchmark did not run (PostgreSQL and Redis needed):", done.stdout[-2000:], file=sys.stderr)
        return []
    return [tuple(row) for row in json.loads(lines[-1][5:])]  # type: ignore[misc]


# --- the child process ---------------------------------------------------------------------------------------


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _generate(n: int) -> dict[str, Any]:
    """Units of 34 provinces (departments and communes, two ranking groups each), the 2020 department set,
    one cycle, n signed-off assessments with every leaf's self and appraised score."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from scoring.models import Assessment, RankingGroup, RoleAssignment, Unit, UnitKind
    from scoring.services import cycle_create, indicator_set_import

    call_command("migrate", verbosity=0)
    kinds = [UnitKind.objects.create(code="department", name="Sở"), UnitKind.objects.create(code="commune", name="Xã")]
    indicator_set = indicator_set_import(
        data=json.loads((ROOT / "fixtures/sets/tg-2020-so.json").read_text("utf-8")), actor=None
    )
    cycle = cycle_create(year=2025, name="Chỉ số CCHC toàn quốc (bench)", sets={k: indicator_set for k in kinds},
                         actor=None)
    groups = RankingGroup.objects.bulk_create(
        RankingGroup(code=f"p{p:02d}-{k.code}", name=f"Tỉnh {p} — {k.name}", order=p * 2 + i)
        for p in range(PROVINCES) for i, k in enumerate(kinds)
    )
    per_province = -(-n // PROVINCES)
    units = Unit.objects.bulk_create(
        Unit(code=f"p{p:02d}-u{u:03d}", name=f"Đơn vị {p:02d}-{u:03d}", kind=kinds[u >= 20],
             ranking_group=groups[p * 2 + (u >= 20)])
        for p in range(PROVINCES) for u in range(per_province)
    )[:n]
    assessments = Assessment.objects.bulk_create(
        Assessment(cycle=cycle, unit=unit, indicator_set=indicator_set, state=Assessment.State.SIGNED_OFF)
        for unit in units
    )
    leaves = list(indicator_set.indicators.filter(is_leaf=True).order_by("order"))
    rng = random.Random(2025)
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    for assessment in assessments:
        for leaf in leaves:
            self_score = (leaf.max_points * rng.randint(0, 4) / 4).quantize(Decimal("0.01"))
            appraised = self_score if rng.random() < 0.85 else (leaf.max_points * rng.randint(0, 4) / 4).quantize(
                Decimal("0.01"))
            buffer.write(f"{assessment.pk}\t{leaf.pk}\t{self_score}\t{appraised}\t\t\t\tf\tf\t\t1\t{now}\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY scoring_scoreline (assessment_id, indicator_id, self_score, appraised_score, self_note, "
            "appraised_note, explanation, explanation_requested, not_applicable, not_applicable_reason, version, "
            "updated_at) FROM STDIN",
            buffer,
        )
        cursor.execute("ANALYZE")
    lead = get_user_model().objects.create_user(username="bench-lead", password=secrets.token_urlsafe(16))
    RoleAssignment.objects.create(user=lead, role="appraisal_lead")
    return {"cycle": cycle, "assessments": assessments, "leaves": len(leaves), "lead": lead}


def _recompute_rows(data: dict[str, Any]) -> list[Row]:
    from django.db import connection

    from appraisal.selectors import group_sums, set_shapes
    from appraisal.services import cycle_results_recompute
    from scoring.models import IndexResult
    from scoring.services import index_result_recompute

    cycle, n, leaves = data["cycle"], len(data["assessments"]), data["leaves"]
    raw_sql = (
        "SELECT l.assessment_id, SUM(l.appraised_score) FROM scoring_scoreline l "
        "JOIN scoring_assessment a ON a.id = l.assessment_id WHERE a.cycle_id = %s GROUP BY l.assessment_id"
    )

    def raw() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [cycle.pk])
            assert len(cursor.fetchall()) == n
        return time.perf_counter() - started

    def setwise() -> float:
        started = time.perf_counter()
        assert cycle_results_recompute(cycle_id=cycle.pk) == n
        return time.perf_counter() - started

    def grouped() -> float:
        started = time.perf_counter()
        shapes = set_shapes({data["assessments"][0].indicator_set_id})
        assert len(group_sums(cycle_id=cycle.pk, shapes=shapes)) == n
        return time.perf_counter() - started

    raw()  # warm the cache for everybody
    timings: dict[str, list[float]] = {"raw": [], "whole": [], "sums": []}
    for _ in range(RUNS):  # interleaved, so that a busy machine weighs on all three alike
        timings["raw"].append(raw())
        timings["whole"].append(setwise())
        timings["sums"].append(grouped())
    base, whole, sums = (statistics.median(timings[k]) for k in ("raw", "whole", "sums"))
    sample = [a.pk for a in data["assessments"][:: max(1, n // SAMPLE)][:SAMPLE]]
    IndexResult.objects.filter(assessment_id__in=sample).update(stale=True)
    started = time.perf_counter()
    for assessment_id in sample:
        index_result_recompute(assessment_id=assessment_id)
    one_by_one = (time.perf_counter() - started) / len(sample) * n
    rows = n * leaves
    return [
        (f"set-wise recompute of a cycle, {n:,} assessments × {leaves} leaves, results and ranks written",
         whole, f"raw SQL GROUP BY sum over the same {rows:,} score lines", base, "s"),
        ("… of which its one grouped, clamped SQL sum", sums, "raw SQL GROUP BY sum (same rows)", base, "s"),
        (f"per-assessment recompute (the sign-off task), {len(sample)} measured, scaled to {n:,}",
         one_by_one, "raw SQL GROUP BY sum (same rows)", base, "s"),
    ]


def _latency_rows(data: dict[str, Any], env: dict[str, str]) -> list[Row]:
    from django.db import connection

    from appraisal.services import assessment_sign_off
    from appraisal.tasks import noop_task
    from scoring.models import Assessment, IndexResult

    picked = [a.pk for a in data["assessments"][1 :: max(1, len(data["assessments"]) // SIGN_OFFS)][:SIGN_OFFS]]
    Assessment.objects.filter(pk__in=picked).update(state=Assessment.State.IN_APPRAISAL)
    IndexResult.objects.filter(assessment_id__in=picked).delete()
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cchc", "worker", "--pool=prefork", "--concurrency=2",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-Q", env["CELERY_QUEUE"], "-n", f"{env['CELERY_QUEUE']}@%h"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log,
    )
    try:
        noop_task.delay().get(timeout=60)  # the worker is up
        noops = []
        for _ in range(NOOPS):
            started = time.perf_counter()
            noop_task.delay().get(timeout=30)
            noops.append(time.perf_counter() - started)
        waits = []
        for assessment_id in picked:
            assessment = Assessment.objects.get(pk=assessment_id)
            started = time.perf_counter()
            signed = assessment_sign_off(assessment=assessment, actor=data["lead"])
            with connection.cursor() as cursor:
                while True:
                    cursor.execute(
                        "SELECT 1 FROM scoring_indexresult WHERE assessment_id = %s AND NOT stale "
                        "AND computed_from_version >= %s", [assessment_id, signed.version],
                    )
                    if cursor.fetchone():
                        break
                    if time.perf_counter() - started > 60:
                        raise RuntimeError("no result within a minute")
                    time.sleep(0.002)
            waits.append(time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    return [
        (f"sign-off → visible result, {name}, real worker ({len(waits)} sign-offs)", _percentile(waits, share) * 1000,
         f"no-op task round trip, {name}", _percentile(noops, share) * 1000, "ms")
        for share, name in ((0.5, "p50"), (0.99, "p99"))
    ]


def child() -> None:
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    name = f"cchc_bench_{os.getpid()}"
    _admin(admin_url, f"CREATE DATABASE {name}")
    env = {
        "DJANGO_SETTINGS_MODULE": "cchc.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": _with_db(admin_url, name),
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": f"cchc-bench-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        started = time.perf_counter()
        data = _generate(ASSESSMENTS)
        print(f"generated {len(data['assessments'])} assessments in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        rows = _recompute_rows(data) + _latency_rows(data, env)
        print("ROWS " + json.dumps(rows))
    finally:
        from django.db import connections

        connections.close_all()
        _admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    if "--json" in sys.argv:
        child()
    else:
        for row in appraisal_rows():
            print(row)
