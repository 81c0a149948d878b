"""`make bench`: national-scale benchmarks, each figure beside a baseline measured in the same run.

Creates its own PostgreSQL database (`cchc_bench`, or BENCH_DB; dropped at the end), generates the
deterministic national dataset (bench/dataset.py), runs the benchmarks, prints ONE table (figure | baseline |
ratio | target | met?) and writes it with the machine's description to bench/results/latest.md. Not part of
the test suite.

    .venv/bin/python bench/run.py [--only NAME[,NAME…]] [--scale 1.0] [--list]

Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres;
BENCH_REDIS_URL, default redis://127.0.0.1:6379/14). Servers it starts listen on 127.0.0.1 ports 18400–18499.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Row, machine, table  # noqa: E402

DB_NAME = os.environ.get("BENCH_DB", "cchc_bench")  # its own database, dropped at the end


def _benchmarks() -> dict[str, Callable[..., list[Row]]]:
    from bench import appraisal, engine_bench, pages, publication, upload, web

    return {
        "engine": engine_bench.rows,
        "recompute": appraisal.recompute_rows,
        "signoff": appraisal.signoff_rows,
        "page": web.page_rows,
        "autosave": web.autosave_rows,
        "xlsx": publication.xlsx_rows,
        "public": publication.public_rows,
        "pages": pages.rows,
        "upload": upload.rows,
    }


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str, *statements: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    finally:
        conn.close()


def _kept(admin_url: str) -> bool:
    import psycopg2

    try:
        conn = psycopg2.connect(_with_db(admin_url, DB_NAME))
    except psycopg2.OperationalError:
        return False
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_dataset') IS NOT NULL")
            return bool(cursor.fetchone()[0])
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated benchmark names (see --list)")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the national size (1 = 4,080 units)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="reuse the database kept by --keep, if any")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/latest.md alone")
    parser.add_argument("--profile", action="store_true",
                        help="profile the product's side of the chosen benchmarks with pyinstrument instead of "
                             "measuring them (bench/results/profile-NAME.txt and .html; see bench/profile.py)")
    args = parser.parse_args()
    names = list(_benchmarks())
    if args.profile:  # the profiles are named as the benchmarks, and the save's bound has one of its own
        from bench.profile import PROFILES

        names += [name for name in PROFILES if name not in names]
    if args.list:
        print("\n".join(names))
        return 0
    wanted = [n.strip() for n in args.only.split(",") if n.strip()] or names
    unknown = [n for n in wanted if n not in names]
    chosen = [n for n in names if n in wanted]  # always in the registry's order (publishing comes late)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(names)}")

    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": _with_db(admin_url, DB_NAME),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "CELERY_QUEUE": DB_NAME.replace("_", "-"),  # its own queue: runs on other databases share Redis
        "MEDIA_ROOT": str(tmp / "media"),
        "STATIC_ROOT": str(tmp / "static"),
        "EVIDENCE_MAX_UPLOAD_BYTES": str(256 * 2**20),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    reuse = args.reuse and _kept(admin_url)
    if not reuse:
        _admin(admin_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)", f"CREATE DATABASE {DB_NAME}")
    rows: list[Row] = []
    started = time.perf_counter()
    try:
        import django

        django.setup()
        from django.db import connection

        from bench.dataset import Dataset, generate

        if reuse:
            with connection.cursor() as cursor:
                cursor.execute("SELECT data FROM bench_dataset")
                data = Dataset(**json.loads(cursor.fetchone()[0]))
            from django.core.management import call_command

            call_command("collectstatic", "--noinput", verbosity=0)  # STATIC_ROOT is new on every run
        else:
            data = generate(args.scale)
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE bench_dataset (data text)")
                cursor.execute("INSERT INTO bench_dataset VALUES (%s)", [json.dumps(asdict(data))])
        print(f"dataset: {data.units:,} units, {data.assessments:,} assessments, {data.lines:,} score lines "
              f"in {data.seconds:.0f} s", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = f"PostgreSQL {cursor.fetchone()[0]}"
        if args.profile:
            from bench.profile import PROFILES, profile

            for name in chosen:
                if name not in PROFILES:
                    print(f"{name}: no profile (it measures other processes: see its module)", file=sys.stderr)
                    continue
                report = profile(name, data)
                head = report.read_text(encoding="utf-8").split("\n\n")[1]
                print(f"{name}: {head}\n  → {report.relative_to(ROOT)} (and .html)", file=sys.stderr)
            return 0
        benchmarks = _benchmarks()
        for name in chosen:
            t0 = time.perf_counter()
            got = benchmarks[name](data, env=env, tmp=tmp)
            rows += got
            print(f"{name}: {len(got)} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            print(table(got), file=sys.stderr)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(admin_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)
    judged = [r for r in rows if r.met is not None]
    missed = [r for r in judged if r.met is False]
    header = [
        "# Benchmarks",
        "",
        f"Machine: {machine(postgres)}.",
        "",
        f"Dataset: {data.units:,} units in {len(data.set_ids)} sets of {data.leaves} scored leaves, "
        f"{data.assessments:,} assessments, {data.lines:,} score lines (scale {args.scale:g}); "
        f"run: {', '.join(chosen)}; {time.perf_counter() - started:.0f} s in all.",
        "",
    ]
    text = "\n".join(header) + "\n" + table(rows) + "\n"
    print(text)
    if not args.no_write:
        (ROOT / "bench" / "results" / "latest.md").write_text(text, encoding="utf-8")
    print(f"{len(judged) - len(missed)} of {len(judged)} targets met",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
