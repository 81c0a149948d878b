"""The administrators' and the appraisal team's pages at national scale, each beside a bare view.

What a national cycle does to the pages that list or sum its units: the cycle page (participants, 50 a page,
counts per state), the appraisal queue (50 a page) and its API, the oversight dashboard (per-state counts,
rankings, averages per area, the most adjusted leaves), the users page and the publication page (the ranking
preview of every unit). Each through the whole middleware stack (test client, in process), median of
`RUNS` after a warm-up, interleaved with its bare view (bench/bare.py `listing`: raw queries of the rows the
page shows, a plain template); with the page's query count and size.

For the queue and the dashboard, two thirds of the national cycle are put in the appraisal states (submitted,
in appraisal) for the measurement, as in the middle of an appraisal, and signed off again afterwards (the
state only: versions and results are untouched). The users page lists one account per unit, as a national
deployment has: they are made here once (unusable passwords), if the dataset does not hold them yet.
There are no targets for these rows (the issue sets none); they show where the pages stand at this scale.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import Row

RUNS = 7
EDITOR_PREFIX = "bench-unit-"


def _accounts(data: Any) -> int:
    """One editor account per unit of the national cycle (made once); the number of accounts in all."""
    from django.contrib.auth import get_user_model

    from scoring.models import Assessment, RoleAssignment

    users = get_user_model().objects
    if not users.filter(username__startswith=EDITOR_PREFIX).exists():
        units = list(Assessment.objects.filter(cycle_id=data.cycle_id).values_list("unit_id", "unit__code"))
        made = users.bulk_create(
            get_user_model()(username=f"{EDITOR_PREFIX}{code}", first_name="Cán bộ", last_name=code, password="!")
            for _unit, code in units
        )
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=user, role="unit_editor", unit_id=unit)
            for user, (unit, _code) in zip(made, units, strict=True)
        )
    return users.count()


@contextmanager
def _mid_appraisal(cycle_id: int) -> Iterator[int]:
    """Two thirds of the cycle's assessments in the appraisal states for the block; signed off again after it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scoring_assessment SET state = CASE WHEN id %% 3 = 1 THEN 'in_appraisal' ELSE 'submitted' END "
            "WHERE cycle_id = %s AND id %% 3 <> 0 AND state = 'signed_off'", [cycle_id],
        )
        moved = cursor.rowcount
    try:
        yield moved
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE scoring_assessment SET state = 'signed_off' "
                "WHERE cycle_id = %s AND state IN ('in_appraisal', 'submitted')", [cycle_id],
            )


def _measure(client: Any, page: str, bare: str) -> tuple[float, float, int, int, int]:
    """Median seconds of the page and of its bare view (interleaved), their query counts, the page's size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def timed(url: str) -> tuple[float, int]:
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return seconds, len(response.content)

    timed(page)  # warm-up: imports, templates, prepared statements, per-process caches
    timed(bare)
    pages, bares = [], []
    for _run in range(RUNS):
        pages.append(timed(page)[0])
        bares.append(timed(bare)[0])
    with CaptureQueriesContext(connection) as queries:
        _seconds, size = timed(page)
    with CaptureQueriesContext(connection) as bare_queries:
        timed(bare)
    return statistics.median(pages), statistics.median(bares), len(queries), len(bare_queries), size


def _rows(title: str, page: tuple[float, float, int, int, int], base: str) -> list[Row]:
    seconds, bare_seconds, queries, bare_queries, size = page
    return [
        Row(f"{title} (median of {RUNS}; {size / 1024:,.0f} KB)", seconds * 1000, "ms", base, bare_seconds * 1000),
        Row("… its queries", float(queries), "queries", "bare view", float(bare_queries)),
    ]


def rows(data: Any, **_: Any) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.publication import _publication

    publication = _publication(data)  # the results every ranking shows (recomputed and published once)
    year = publication.cycle.year
    accounts = _accounts(data)
    admin, lead = Client(), Client()
    admin.force_login(get_user_model().objects.get(pk=data.admin_id))
    lead.force_login(get_user_model().objects.get(pk=data.lead_id))
    cycle, n = data.cycle_id, data.assessments
    base = "bare view: raw queries of the same rows, plain template"
    out: list[Row] = []
    with _mid_appraisal(cycle) as moved:
        out += _rows(f"appraisal queue, {n:,} submitted ({moved:,} still in appraisal), 50 a page",
                     _measure(lead, f"/tham-dinh/?ky={cycle}", f"/bench-bare/listing/queue/{cycle}/"), base)
        out += _rows("… the same through the API (JSON, 50 a page)",
                     _measure(lead, f"/api/v1/appraisal/queue/?cycle={cycle}&page_size=50",
                              f"/bench-bare/listing/queue/{cycle}/?json=1"), base)
        out += _rows(f"oversight dashboard, {n - moved:,} signed off and ranked, {moved:,} in appraisal",
                     _measure(lead, f"/tham-dinh/tong-quan/?ky={cycle}", f"/bench-bare/listing/dashboard/{cycle}/"),
                     base)
        out += _rows(f"cycle page, {n:,} participants, 50 a page",
                     _measure(admin, f"/quan-ly/ky-danh-gia/{cycle}/", f"/bench-bare/listing/cycle/{cycle}/"), base)
    out += _rows(f"users page, {accounts:,} accounts, 50 a page",
                 _measure(admin, "/quan-ly/nguoi-dung/", f"/bench-bare/listing/users/{cycle}/"), base)
    out += _rows(f"publication page: ranking preview of {n:,} units",
                 _measure(admin, f"/ket-qua/quan-ly/{year}/", f"/bench-bare/listing/ranking/{cycle}/"), base)
    return out
