"""Publication benchmarks on the national dataset, each beside a baseline from the same run.

The bench cycle's results are recomputed and the cycle published through the product's service (once: a
kept database reuses its publication). Then:

- xlsx: the official workbook (`scoring.publication.exports.official_workbook`: one sheet per ranking
  group, per-area scores, the unit × criterion matrix) beside a raw openpyxl write-only workbook of the same
  cell values (no styles, no widths); each in a fresh process (`python -m bench.publication`), so that the
  peak resident memory (VmHWM) is the export's own; wall time of the write, median of `XLSX_RUNS`;
- public: the public ranking page (`/ket-qua/<year>/`) through the whole stack (test client): the first
  request (tables and charts drawn, then cached) and the median of repeats, beside the bare view
  (bench/bare.py `public`: one query, a plain template of the same rows); and the page's query count.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Row

XLSX_RUNS = 3
PAGE_RUNS = 7
RSS_LIMIT_MIB = 200.0


def _publication(data: Any) -> Any:
    """The bench cycle's latest publication, published now if it is not yet (results recomputed first)."""
    from django.contrib.auth import get_user_model

    from appraisal.services import cycle_results_recompute
    from scoring.models import Cycle, Publication
    from scoring.publication.services import cycle_publish

    latest = Publication.objects.filter(cycle_id=data.cycle_id).order_by("-revision").first()
    if latest is not None:
        return latest
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        cycle_results_recompute(cycle_id=data.cycle_id)
    admin = get_user_model().objects.get(pk=data.admin_id)
    # Results are published from «Hoàn thiện kết quả»: the bench cycle is taken there (no audit entry).
    Cycle.objects.filter(pk=data.cycle_id).exclude(phase=Cycle.Phase.PUBLISHED).update(phase=Cycle.Phase.FINALISATION)
    # Dated today: a decision is dated on or after the sign-offs it publishes, made when the data set was built.
    return cycle_publish(cycle=Cycle.objects.get(pk=data.cycle_id), document_number="Công văn số 1/BNV-CCHC",
                         document_date=timezone.localdate(), actor=admin)


# --- xlsx ---------------------------------------------------------------------------------------------------


def _raw_workbook(publication: Any, path: Path) -> int:
    """The same cell values as the official workbook, written by openpyxl's write-only mode, no styles; scores given
    as floats, as the product gives them (openpyxl writes a float and the Decimal it came from as the same text)."""
    from openpyxl import Workbook

    from scoring.publication import exports, selectors

    snap, scores, year = publication.snapshot, publication.scores, publication.cycle.year
    wb = Workbook(write_only=True)
    cells = 0
    doc = f"(Kèm theo {exports.document_line(publication)})"
    for n, table in enumerate(selectors.ranking_tables(snapshot=snap)):
        ws = wb.create_sheet(f"s{n}")
        for row in ([f"KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}"], [table.name], [doc], [],
                    ["STT", "Đơn vị", "Chỉ số", "Xếp hạng", "Xếp loại"]):
            ws.append(row)
        for k, r in enumerate(table.rows, start=1):
            ws.append([k, r["unit_name"], float(r["index"]), r["rank"], r["classification"]])
            cells += 5
    areas = selectors.areas(snap)
    group_names = {g["code"]: g["name"] for g in snap.get("groups", [])}
    ws = wb.create_sheet("areas")
    ws.append(["Đơn vị", "Khối", *[a["name"] for a in areas], "Điểm cộng", "Điểm trừ", "Chỉ số", "Xếp hạng"])
    for r in snap["rows"]:
        ws.append([r["unit_name"], group_names.get(r["group_code"], ""),
                   *[float(r["area_totals"][a["code"]]) if a["code"] in r["area_totals"] else None for a in areas],
                   float(r["bonus"]), float(r["penalty"]), float(r["index"]), r["rank"]])
        cells += 6 + len(areas)
    leaves = [code for code, _ in exports.leaf_columns(snap)]
    ws = wb.create_sheet("matrix")
    ws.append(["Mã đơn vị", "Đơn vị", *leaves])
    for r in snap["rows"]:
        mine = scores.get(r["unit_code"], {})
        ws.append([r["unit_code"], r["unit_name"],
                   *[None if mine.get(c) is None else float(mine[c]) for c in leaves]])
        cells += 2 + len(leaves)
    wb.save(str(path))
    return cells


def _xlsx_child(kind: str, publication_id: int, path: str) -> None:
    """In a fresh process: write one workbook; print its seconds, cells and the process's peak RSS."""
    import django

    django.setup()
    from scoring.models import Publication
    from scoring.publication import exports

    publication = Publication.objects.select_related("cycle").get(pk=publication_id)
    started = time.perf_counter()
    cells = 0
    if kind == "ours":
        exports.official_workbook(publication, Path(path))
    else:
        cells = _raw_workbook(publication, Path(path))
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: the latter keeps the forking parent's size across exec.
    hwm = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    rss = int(hwm.split()[1]) / 1024
    print(json.dumps({"seconds": seconds, "rss": rss, "cells": cells}))


def _xlsx_run(kind: str, publication_id: int, tmp: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.publication", kind, str(publication_id), str(tmp / f"{kind}.xlsx")],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def xlsx_rows(data: Any, *, tmp: Path, **_: Any) -> list[Row]:
    publication = _publication(data)
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "raw": []}
    for _run in range(XLSX_RUNS):  # interleaved
        for kind in runs:
            runs[kind].append(_xlsx_run(kind, publication.pk, tmp))
    ours, raw = (statistics.median(r["seconds"] for r in runs[k]) for k in ("ours", "raw"))
    ours_rss, raw_rss = (max(r["rss"] for r in runs[k]) for k in ("ours", "raw"))
    cells = int(runs["raw"][0]["cells"])
    size = (tmp / "ours.xlsx").stat().st_size / 2**20
    return [
        Row(f"national xlsx export ({data.units:,} units; ranking, area and criterion sheets; {size:.1f} MiB)",
            ours, "s", f"raw openpyxl write-only of the same {cells:,} cells", raw, max_ratio=1.3),
        Row("national xlsx export, peak RSS of its process", ours_rss, "MiB",
            "raw openpyxl write-only, peak RSS", raw_rss, limit=RSS_LIMIT_MIB),
    ]


# --- public page --------------------------------------------------------------------------------------------


def public_rows(data: Any, **_: Any) -> list[Row]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    publication = _publication(data)
    year = publication.cycle.year
    page, bare = f"/ket-qua/{year}/", f"/bench-bare/public/{year}/"
    client = Client()

    def timed(url: str) -> float:
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return seconds

    timed(bare)  # warm both code paths (imports, templates), then measure a cold page
    timed(page)
    cache.clear()  # the local-memory cache of this process only: the next request draws the tables again
    cold = timed(page)
    cold_bare = timed(bare)
    pages, bares = [], []
    for _run in range(PAGE_RUNS):  # interleaved
        pages.append(timed(page))
        bares.append(timed(bare))
    cache.clear()
    with CaptureQueriesContext(connection) as cold_queries:
        client.get(page)
    with CaptureQueriesContext(connection) as queries:
        client.get(page)
    rows = len(publication.snapshot.get("rows", []))
    return [
        Row(f"public ranking page, {rows:,} units, first request (tables and charts drawn)", cold, "s",
            "bare view: one query, plain template of the same rows", cold_bare),
        Row(f"public ranking page, {rows:,} units, repeat (median of {PAGE_RUNS})", statistics.median(pages), "s",
            "bare view, same rows (median)", statistics.median(bares), max_ratio=2),
        Row("public ranking page queries (first request / repeat)", float(max(len(cold_queries), len(queries))),
            "queries", "bare view", 1.0, limit=10, note=f"{len(cold_queries)} / {len(queries)}"),
    ]


if __name__ == "__main__":
    _xlsx_child(sys.argv[1], int(sys.argv[2]), sys.argv[3])
