"""Appraisal benchmarks on the national dataset (PostgreSQL, Redis, a real Celery worker).

- recompute: the set-wise recompute of the whole national cycle beside one raw SQL `GROUP BY` sum over the
  same score lines, interleaved, medians of `RUNS`. Before each, 1% of the assessments are re-appraised
  (untimed), so that results and ranks really change; the same is also measured with every result changed
  (all rewritten). Also its one query alone (sums, results, ranks and the comparison with the stored results,
  when nothing changed), its write alone (every result upserted again), and
  the per-assessment path (the sign-off task's) on a sample, scaled, for scale;
- signoff: p50/p99 from the lead's sign-off to the result row being readable, with a real worker process
  on the bench's own queue, beside the round trip of a task that does nothing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.common import ROOT, Row, percentile, stop

RUNS = 9  # interleaved runs of each; their medians are compared (a noisy machine: more runs, steadier medians)
SAMPLE = 100  # per-assessment recomputes measured, then scaled to the whole cycle
SIGN_OFFS = 100
NOOPS = 100


def signed_off_ids(cycle_id: int) -> list[int]:
    from scoring.models import Assessment

    return list(Assessment.objects.filter(cycle_id=cycle_id, state=Assessment.State.SIGNED_OFF).order_by("pk")
                .values_list("pk", flat=True))


def reappraise_some(ids: list[int], turn: int, count: int) -> None:
    """Untimed: a quarter point off (or on) one scored normal leaf of `count` of the assessments `ids`, different
    ones each turn, as the appraisal team's corrections between two recomputes."""
    from django.db import connection

    picked = ids[turn % len(ids) :: max(1, len(ids) // count)][:count]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scoring_scoreline SET appraised_score = CASE WHEN appraised_score >= 0.25 "
            "THEN appraised_score - 0.25 ELSE appraised_score + 0.25 END WHERE id IN ("
            " SELECT DISTINCT ON (l.assessment_id) l.id FROM scoring_scoreline l"
            " JOIN scoring_indicator i ON i.id = l.indicator_id"
            " WHERE l.assessment_id = ANY(%s) AND i.kind = 'normal' AND l.appraised_score IS NOT NULL"
            " AND NOT l.not_applicable ORDER BY l.assessment_id, l.id)",
            [picked],
        )


def recompute_rows(data: Any, **_: Any) -> list[Row]:
    from django.db import connection, transaction

    from appraisal.selectors import changed_results, set_shapes
    from appraisal.services import RESULT_FIELDS, cycle_results_recompute
    from appraisal.services.recompute import _results_upsert
    from scoring.models import IndexResult
    from scoring.services import index_result_recompute

    cycle_id, n = data.cycle_id, data.assessments
    raw_sql = (
        "SELECT l.assessment_id, SUM(l.appraised_score) FROM scoring_scoreline l "
        "JOIN scoring_assessment a ON a.id = l.assessment_id WHERE a.cycle_id = %s GROUP BY l.assessment_id"
    )

    def raw() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [cycle_id])
            assert len(cursor.fetchall()) == n
        return time.perf_counter() - started

    def setwise() -> float:
        started = time.perf_counter()
        assert cycle_results_recompute(cycle_id=cycle_id) == n
        return time.perf_counter() - started

    ids = signed_off_ids(cycle_id)
    reappraised = max(1, n // 100)

    def reappraise(turn: int) -> None:
        reappraise_some(ids, turn, reappraised)

    def everything() -> float:
        """Every stored result differs (marked stale, untimed): all of them are written."""
        IndexResult.objects.filter(assessment__cycle_id=cycle_id).update(stale=True)
        return setwise()

    def written() -> float:
        """Only the write: the same results (as stored) upserted again in one statement, as the recompute does."""
        rows = list(IndexResult.objects.filter(assessment__cycle_id=cycle_id).order_by("assessment_id")
                    .values_list("assessment_id", *RESULT_FIELDS))
        started = time.perf_counter()
        with transaction.atomic():
            _results_upsert(rows)
        return time.perf_counter() - started

    def query() -> float:
        """The recompute's one query when every stored result is right (it answers no row)."""
        started = time.perf_counter()
        with transaction.atomic():  # as in the recompute (its planner settings are for the transaction)
            shapes = set_shapes(set(data.set_ids))
            assert changed_results(cycle_id=cycle_id, shapes=shapes) == []
        return time.perf_counter() - started

    raw()
    setwise()  # warm: the first run inserts the results, the measured ones update them
    timings: dict[str, list[float]] = {"raw": [], "whole": [], "all": [], "sums": [], "write": []}
    for run in range(RUNS):  # interleaved, so that a busy machine weighs on all of them alike
        timings["raw"].append(raw())
        reappraise(run)
        timings["whole"].append(setwise())
        timings["all"].append(everything())
        timings["sums"].append(query())
        timings["write"].append(written())
    base, whole, every, sums, write = (statistics.median(timings[k]) for k in ("raw", "whole", "all", "sums", "write"))
    ids = list(IndexResult.objects.filter(assessment__cycle_id=cycle_id).order_by("assessment_id")
               .values_list("assessment_id", flat=True))
    sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
    IndexResult.objects.filter(assessment_id__in=sample).update(stale=True)
    started = time.perf_counter()
    for assessment_id in sample:
        index_result_recompute(assessment_id=assessment_id)
    one_by_one = (time.perf_counter() - started) / len(sample) * n
    lines = f"{data.lines:,} score lines"
    return [
        Row(f"recompute a whole national cycle ({n:,} assessments; {reappraised:,} re-appraised since the last, "
            "their results and the changed ranks written)", whole, "s",
            f"one raw SQL GROUP BY sum over the same {lines}", base, max_ratio=2),
        Row(f"… the same when every result has changed (all {n:,} written)", every, "s", "raw SQL GROUP BY sum",
            base),
        Row("… of which its one query (sums, results, ranks, compared with the stored ones; nothing changed)", sums,
            "s", "raw SQL GROUP BY sum", base),
        Row(f"… of which writing the {n:,} results and ranks (one upsert)", write, "s", "raw SQL GROUP BY sum", base),
        Row(f"per-assessment recompute (the sign-off task's path), {len(sample)} measured, scaled to {n:,}",
            one_by_one, "s", "raw SQL GROUP BY sum", base),
    ]


def signoff_rows(data: Any, *, env: dict[str, str], tmp: Any, **_: Any) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from appraisal.services import assessment_sign_off
    from appraisal.tasks import noop_task
    from scoring.models import Assessment, IndexResult

    lead = get_user_model().objects.get(pk=data.lead_id)
    ids = list(Assessment.objects.filter(cycle_id=data.cycle_id).order_by("pk").values_list("pk", flat=True))
    picked = ids[1 :: max(1, len(ids) // SIGN_OFFS)][:SIGN_OFFS]
    Assessment.objects.filter(pk__in=picked).update(state=Assessment.State.IN_APPRAISAL)
    IndexResult.objects.filter(assessment_id__in=picked).delete()
    log = (tmp / "worker.log").open("ab")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cchc", "worker", "--pool=prefork", "--concurrency=2",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-Q", env["CELERY_QUEUE"], "-n", f"{env['CELERY_QUEUE']}@%h"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log,
    )
    try:
        noop_task.delay().get(timeout=60)  # the worker is up
        noops = []
        for _run in range(NOOPS):
            started = time.perf_counter()
            noop_task.delay().get(timeout=30)
            noops.append(time.perf_counter() - started)
        waits = []
        for assessment_id in picked:
            assessment = Assessment.objects.get(pk=assessment_id)
            started = time.perf_counter()
            signed = assessment_sign_off(assessment=assessment, actor=lead)
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
        stop(worker)  # type: ignore[arg-type]
        log.close()
    return [
        Row(f"sign-off → result visible, {name}, real worker ({len(waits)} sign-offs)",
            percentile(waits, share) * 1000, "ms", f"no-op task round trip, {name}", percentile(noops, share) * 1000,
            limit=limit)
        for share, name, limit in ((0.5, "p50", 500.0), (0.99, "p99", 2000.0))
    ]
