"""What every benchmark shares: the row it reports, percentiles, the machine's description, loopback servers."""

from __future__ import annotations

import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # load generation on loopback only
PORT_RANGE = range(18400, 18500)


@dataclass
class Row:
    """One figure beside its baseline from the same run, and the issue's target for it.

    `limit` is an absolute bound on the figure (e.g. p99 ≤ 100 ms), `max_ratio` a bound on figure/baseline,
    `min_ratio` a floor on it (throughput: the figure must reach a share of the baseline's).
    """

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    max_ratio: float | None = None
    min_ratio: float | None = None
    limit: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def target(self) -> str:
        parts = []
        if self.max_ratio is not None:
            parts.append(f"≤ {self.max_ratio:g}×")
        if self.min_ratio is not None:
            parts.append(f"≥ {self.min_ratio:g}×")
        if self.limit is not None:
            parts.append(f"≤ {_fmt(self.limit, self.unit)}")
        return ", ".join(parts) or "—"

    @property
    def met(self) -> bool | None:
        checks = []
        if self.max_ratio is not None:
            checks.append(self.ratio <= self.max_ratio)
        if self.min_ratio is not None:
            checks.append(self.ratio >= self.min_ratio)
        if self.limit is not None:
            checks.append(self.value <= self.limit)
        return all(checks) if checks else None


def _fmt(value: float, unit: str) -> str:
    if unit in {"queries", "lost", "errors"}:
        return f"{value:.0f} {unit}"
    if unit == "s":
        return f"{value:.3f} s"
    if unit in {"ms", "MiB", "MiB/s", "req/s"}:
        return f"{value:.1f} {unit}"
    return f"{value:.2f} {unit}"


def table(rows: Sequence[Row]) -> str:
    lines = ["| benchmark | figure | baseline | baseline figure | ratio | target | met? |",
             "|---|---:|---|---:|---:|---|---|"]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "—"}[row.met]
        ratio = f"{row.ratio:.2f}×" if row.baseline else "—"
        name = row.name + (f" ({row.note})" if row.note else "")
        lines.append(f"| {name} | {_fmt(row.value, row.unit)} | {row.baseline_name} | "
                     f"{_fmt(row.baseline, row.unit)} | {ratio} | {row.target} | {met} |")
    return "\n".join(lines)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def median_time(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def machine(postgres_version: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    import django

    return (f"CPU {cpu}, {os.cpu_count()} cores, RAM {ram}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; Django {django.get_version()}; {postgres_version}")


def free_port() -> int:
    for port in PORT_RANGE:
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18400–18499")


def rss_mib(pid: int) -> float:
    """Resident set size of a process now (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def gunicorn(env: dict[str, str], *, workers: int, threads: int, log: Path,
             extra: Sequence[str] = ()) -> tuple[subprocess.Popen[bytes], int]:
    """Start gunicorn on loopback with the bench settings; return it once /healthz answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cchc.wsgi:application", "-b", f"{HOST}:{port}", "-w", str(workers),
         "--threads", str(threads), "--log-level", "warning", "--timeout", "120", *extra],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError("gunicorn did not start; see its log")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """Seconds of CPU (user and system) used so far by process `pid` (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends among them)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The gunicorn master's worker processes."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []
