"""X-Forwarded-Proto makes a request HTTPS only behind a declared proxy (PROXY_COUNT ≥ 1), as X-Forwarded-For names
the client for the login lockout only then: without one, a client writing the header itself over plain HTTP is
still redirected to HTTPS and gets no HSTS header. Run in production mode in a subprocess (the settings are read
from the environment once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cchc.test_settings import STRONG_KEY
from tests.conftest import ROOT

HOST = "cchc.example.vn"
_PROBE = f"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
answer = Client().get("/healthz", HTTP_HOST="{HOST}", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({{
    "header": settings.SECURE_PROXY_SSL_HEADER,
    "status": answer.status_code,
    "location": answer.headers.get("Location"),
    "hsts": answer.headers.get("Strict-Transport-Security"),
}}))
"""


def _production(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PROXY_COUNT", "SECURE_SSL_REDIRECT",
                          "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    clean.update(DJANGO_SETTINGS_MODULE="cchc.settings", DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS=HOST, **env)
    return subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


def _probe(**env: str) -> dict[str, object]:
    run = _production(**env)
    assert run.returncode == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("env", [{}, {"PROXY_COUNT": "0"}])
def test_without_a_proxy_a_forwarded_https_header_is_not_trusted(env: dict[str, str]) -> None:
    seen = _probe(**env)
    assert seen["header"] is None
    # plain HTTP with the client's own header: still sent to HTTPS, and no HSTS over plain HTTP
    assert seen["status"] == 301 and seen["location"] == f"https://{HOST}/healthz"
    assert seen["hsts"] is None


@pytest.mark.parametrize("count", ["1", "2"])
def test_behind_a_declared_proxy_its_https_header_is_trusted(count: str) -> None:
    seen = _probe(PROXY_COUNT=count)
    assert seen["header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["status"] != 301 and seen["location"] is None
    assert str(seen["hsts"]).startswith("max-age=31536000")


def test_a_negative_proxy_count_is_refused_at_start() -> None:
    run = _production(PROXY_COUNT="-1")
    assert run.returncode != 0 and "PROXY_COUNT=-1 is negative" in run.stderr


def test_the_deploy_check_stays_clean_without_a_proxy_and_with_one() -> None:
    """`make check`'s command, with and without a proxy declared."""
    for count in ("0", "1"):
        clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PROXY_COUNT",
                                                                  "DJANGO_ALLOW_ASYNC_UNSAFE"}}
        clean.update(DJANGO_SETTINGS_MODULE="cchc.settings", DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS=HOST,
                     PROXY_COUNT=count)
        run = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                             env=clean, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
