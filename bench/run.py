"""Benchmarks: each figure printed beside a baseline measured in the same run. Not part of the test suite.

The scoring engine on the real 2020 department set (105 leaves) for N assessments, beside a plain Decimal
sum of the same leaf scores; then (bench/web.py) the self-assessment page beside a bare one-query view, and
autosave latency for 20 concurrent editors beside /healthz; then (bench/appraisal.py, PostgreSQL and Redis) the
national set-wise recompute beside one raw SQL GROUP BY, and sign-off → visible result latency with a real worker
beside a no-op task. `--engine-only` skips all but the engine.
"""

from __future__ import annotations

import json
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring import engine  # noqa: E402


def _rules(data: dict) -> tuple[engine.SetRules, list[tuple[str, Decimal]]]:
    nodes: list[engine.Node] = []
    leaves: list[tuple[str, Decimal]] = []

    def walk(items: list[dict], parent: str | None) -> None:
        for item in items:
            nodes.append(engine.Node(code=item["code"], parent_code=parent, kind=item["kind"],
                                     max_points=Decimal(item["max_points"])))
            if item.get("children"):
                walk(item["children"], item["code"])
            else:
                leaves.append((item["code"], Decimal(item["max_points"])))

    walk(data["indicators"], None)
    rules = engine.SetRules(
        nodes=tuple(nodes), standard_max=Decimal(data["standard_max"]), index_mode=data["index_mode"],
        bonus_cap=Decimal(data["bonus_cap"]), penalty_cap=Decimal(data["penalty_cap"]),
        classification_bands=tuple(engine.Band(Decimal(b["min"]), b["label"]) for b in data["classification_bands"]),
    )
    return rules, leaves


def main(n: int = 4000) -> None:
    data = json.loads((ROOT / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    rules, leaves = _rules(data)
    rng = random.Random(2020)
    sheets = [
        {code: engine.LeafScore(score=(mx * Decimal(rng.randint(0, 4)) / 4).quantize(Decimal("0.01")))
         for code, mx in leaves}
        for _ in range(n)
    ]
    t0 = time.perf_counter()
    for sheet in sheets:
        sum((s.score for s in sheet.values() if s.score is not None), Decimal(0))
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    for sheet in sheets:
        engine.compute_index(rules, sheet)
    measured = time.perf_counter() - t0
    rows = [(f"engine.compute_index, {n} assessments × {len(leaves)} leaves", measured,
             "plain Decimal sum of the same leaves", baseline, "s")]
    if "--engine-only" not in sys.argv:
        from bench.web import web_rows

        rows += web_rows()
    if "--engine-only" not in sys.argv:
        from bench.appraisal import appraisal_rows  # PostgreSQL + Redis: national recompute, sign-off latency

        rows += appraisal_rows()
    if "--engine-only" not in sys.argv:
        from bench.publication import publication_rows  # national-scale workbook and public ranking page

        rows += publication_rows()
    lines = [f"# Benchmarks ({platform.platform()}, Python {platform.python_version()})", "",
             "| work | value | baseline | value | ratio |", "|---|---|---|---|---|"]
    for work, value, base_name, base, unit in rows:
        digits = 3 if unit == "s" else 1
        lines.append(f"| {work} | {value:.{digits}f} {unit} | {base_name} | {base:.{digits}f} {unit} "
                     f"| {value / base:.1f}× |")
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results" / "latest.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
