"""Publication benchmarks (issue 7), each beside a baseline from the same run:

- the official workbook at national scale (4,000 units × 100 criteria = 400,000 matrix cells, plus the ranking
  and per-area sheets): wall time and peak Python memory (tracemalloc), beside a raw openpyxl write-only
  workbook of the same 400,000 cells;
- the public ranking page of that publication: server time of the first request (tables rendered) and the
  median of repeats (tables cached: a publication never changes), and the query count, through the whole stack
  (test client), beside reading and parsing the same snapshot row from the database (one query, json.loads).

Runs on a throw-away SQLite file unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import datetime
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNITS = 4000
LEAVES = 100
PAGE_RUNS = 7

Row = tuple[str, float, str, float, str]


def _snapshot(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    areas = [str(a) for a in range(1, 8)]
    indicators = [{"code": a, "parent": None, "name": f"Lĩnh vực {a}", "level": 1, "kind": "normal",
                   "max_points": "14.00", "is_leaf": False} for a in areas]
    leaves = [f"{areas[n % 7]}.{n // 7 + 1}" for n in range(LEAVES)]
    indicators += [{"code": c, "parent": c.split(".")[0], "name": f"Tiêu chí {c}", "level": 2, "kind": "normal",
                    "max_points": "1.00", "is_leaf": True} for c in leaves]
    groups = [{"code": f"khoi-{g}", "name": f"Khối {g}", "order": g} for g in range(34)]
    rows, scores = [], {}
    for n in range(UNITS):
        code = f"dv-{n:04d}"
        leaf = {c: f"{rng.randint(0, 4) / 4:.2f}" for c in leaves}
        scores[code] = leaf
        index = sum(Decimal(v) for v in leaf.values())
        rows.append({
            "unit_id": n + 1, "unit_code": code, "unit_name": f"Đơn vị số {n} tỉnh {n % 34}", "unit_short_name": "",
            "unit_kind": "Xã", "group_code": f"khoi-{n % 34}", "set_key": "bo-quoc-gia", "set_version": 1,
            "rank": None, "index": f"{index:.2f}", "total": f"{index:.2f}", "normal_total": f"{index:.2f}",
            "bonus": "0.00", "penalty": "0.00", "applicable_max": "100.00", "classification": "Khá",
            "area_totals": {a: f"{sum(Decimal(v) for c, v in leaf.items() if c.startswith(a + '.')):.2f}"
                            for a in areas},
        })
    rows.sort(key=lambda r: (int(r["group_code"].split("-")[1]), -Decimal(r["index"]), r["unit_name"]))
    for g in groups:
        mine = [r for r in rows if r["group_code"] == g["code"]]
        for pos, r in enumerate(mine):
            r["rank"] = pos + 1
    snapshot = {"schema": 1, "cycle": {"year": 2030}, "groups": groups, "rows": rows,
                "sets": {"bo-quoc-gia": {"key": "bo-quoc-gia", "version": 1, "year": 2030, "name": "Bộ quốc gia",
                                         "decision_ref": "", "standard_max": "100.00", "indicators": indicators}}}
    return snapshot, scores


def _measure(fn: Callable[[], None]) -> tuple[float, float]:
    """(seconds, peak MiB): time from a plain run, peak memory from a second run under tracemalloc."""
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def publication_rows() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-pub-"))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "cchc.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
        "MEDIA_ROOT": str(tmp / "media"), "STATIC_ROOT": str(tmp / "static"), "LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from openpyxl import Workbook

    from scoring.models import Cycle, Publication
    from scoring.publication import exports

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    snapshot, scores = _snapshot(random.Random(2030))
    cycle = Cycle.objects.create(year=2030, name="Chỉ số CCHC năm 2030 (quốc gia)")
    publication = Publication.objects.create(
        cycle=cycle, revision=1, document_number="Công văn số 1/BNV", document_date=datetime.date(2030, 12, 8),
        snapshot=snapshot, scores=scores, published_at=django.utils.timezone.now(),
    )
    publication = Publication.objects.select_related("cycle").get(pk=publication.pk)
    leaves = [c for c, _ in exports.leaf_columns(snapshot)]

    def ours() -> None:
        exports.official_workbook(publication, tmp / "ours.xlsx")

    def raw() -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("matrix")
        for r in snapshot["rows"]:
            mine = scores[r["unit_code"]]
            ws.append([r["unit_code"], r["unit_name"], *[Decimal(mine[c]) for c in leaves]])
        wb.save(str(tmp / "raw.xlsx"))

    ours_s, ours_mb = _measure(ours)
    raw_s, raw_mb = _measure(raw)
    client = Client()
    t0 = time.perf_counter()
    client.get("/ket-qua/2030/")  # cold: the ranking tables are rendered, then cached (the publication is immutable)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    Publication.objects.filter(pk=publication.pk).values_list("snapshot", flat=True).get()
    cold_base = time.perf_counter() - t0
    page_times, base_times = [], []
    for _ in range(PAGE_RUNS):
        t0 = time.perf_counter()
        response = client.get("/ket-qua/2030/")
        page_times.append(time.perf_counter() - t0)
        assert response.status_code == 200
        t0 = time.perf_counter()
        Publication.objects.filter(pk=publication.pk).values_list("snapshot", flat=True).get()
        base_times.append(time.perf_counter() - t0)
    with CaptureQueriesContext(connection) as queries:
        client.get("/ket-qua/2030/")
    cells = UNITS * LEAVES
    return [
        (f"official workbook, {UNITS} units × {LEAVES} criteria ({cells:,} matrix cells) + ranking/area sheets",
         ours_s, f"raw openpyxl write-only, same {cells:,} cells", raw_s, "s"),
        ("official workbook peak Python memory", ours_mb, "raw openpyxl write-only peak memory", raw_mb, "MiB"),
        (f"public ranking page, {UNITS} units, first request (tables rendered)", cold,
         "read + parse the same snapshot (one query)", cold_base, "s"),
        (f"public ranking page, {UNITS} units, repeat (cached tables; median of {PAGE_RUNS})",
         statistics.median(page_times),
         "read + parse the same snapshot (one query)", statistics.median(base_times), "s"),
        ("public ranking page queries", float(len(queries)), "one query (the snapshot)", 1.0, "queries"),
    ]


if __name__ == "__main__":
    for row in publication_rows():
        print(row)
