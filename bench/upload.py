"""Evidence upload benchmark: one 200 MB PDF through the product's upload page, beside a bare Django view.

The product's path: its streaming upload handler (hash and size counted per chunk into a temporary file beside
the storage), the service's checks (extension, size, content type) and the atomic rename into content-addressed
storage, with the rows and the audit entry. The bare view (`bare.upload`) lets Django's default handlers
stream the same multipart body to a temporary file and moves it to disk. Both on one gunicorn worker on
loopback, interleaved, `RUNS` each (each upload's bytes differ, so none is deduplicated). Figures: the median
throughput, and the server worker's resident memory growth (peak during an upload minus before it; the largest
over the product's runs), sampled every 10 ms.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import HOST, Row, gunicorn, rss_mib, stop, worker_pids

SIZE = 200 * 2**20
CHUNK = 2**20
RUNS = 3
BOUNDARY = "----cchc-bench-" + secrets.token_hex(8)


def _pdf(path: Path) -> None:
    """A file the validator accepts as PDF (magic bytes, "%%EOF" trailer): one stream of incompressible bytes."""
    tail = b"\nendstream\nendobj\ntrailer\n<< /Size 2 >>\n%%EOF\n"
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        left = SIZE - len(tail) - out.tell() - 64
        out.write(f"1 0 obj\n<< /Length {left} >>\nstream\n".encode().ljust(64, b" "))
        while left > 0:
            out.write(os.urandom(min(CHUNK, left)))
            left -= CHUNK
        out.write(tail)


def _body(path: Path, salt: bytes) -> tuple[list[bytes], int]:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"Báo cáo {salt.hex()}.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return [head, tail], len(head) + path.stat().st_size + len(salt) + len(tail)


def _stream(path: Path, salt: bytes, parts: list[bytes]) -> Iterator[bytes]:
    yield parts[0]
    with path.open("rb") as src:
        first = src.read(16)
        yield first + salt  # after the magic bytes: the content (and its hash) differ on every run
        while chunk := src.read(CHUNK):
            yield chunk
    yield parts[1]


def _upload(port: int, url: str, path: Path, cookie: str, pid: int) -> tuple[float, float]:
    """(seconds, RSS growth in MiB of the worker) of one upload."""
    salt = secrets.token_bytes(16)
    parts, length = _body(path, salt)
    token = secrets.token_hex(16)
    headers = {"Cookie": f"{cookie}; csrftoken={token}", "X-CSRFToken": token, "Accept": "application/json",
               "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length)}
    before = rss_mib(pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    started = time.perf_counter()
    try:
        conn.request("POST", url, body=_stream(path, salt, parts), headers=headers, encode_chunked=False)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
    finally:
        done.set()
        sampler.join()
        conn.close()
    if response.status != 200 or not json.loads(body).get("ok"):
        raise RuntimeError(f"upload to {url} answered {response.status}: {body[:300]!r}")
    return elapsed, peak[0] - before


def rows(data: Any, *, env: dict[str, str], tmp: Path, **_: Any) -> list[Row]:
    from bench.web import _session_cookie

    path = tmp / "evidence.pdf"
    _pdf(path)
    cookie = _session_cookie(data.editor_ids[1])
    urls = {"ours": f"/tai-lieu/danh-gia/{data.editor_assessment_ids[1]}/tai-len/", "bare": "/bench-bare/upload/"}
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    growth: dict[str, list[float]] = {"ours": [], "bare": []}
    server, port = gunicorn(env, workers=1, threads=2, log=tmp / "gunicorn-upload.log")
    try:
        pid = worker_pids(server)[0]
        for run in range(RUNS + 1):
            for name, url in urls.items():
                seconds, grown = _upload(port, url, path, cookie, pid)
                if run:  # the first round warms the worker (imports, connections)
                    times[name].append(seconds)
                    growth[name].append(grown)
    finally:
        stop(server)
        path.unlink(missing_ok=True)
    mib = SIZE / 2**20
    ours, bare = mib / statistics.median(times["ours"]), mib / statistics.median(times["bare"])
    return [
        Row(f"evidence upload, {mib:.0f} MB PDF, validated and hashed (median of {RUNS})", ours, "MiB/s",
            "bare Django view streaming the same upload to disk", bare, min_ratio=0.7),
        Row("evidence upload, server worker RSS growth (largest of the runs)", max(growth["ours"]), "MiB",
            "bare view, same upload", max(growth["bare"]), limit=32),
    ]
