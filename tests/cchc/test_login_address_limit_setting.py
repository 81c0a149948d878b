"""The limit of failed sign-ins per address comes from the environment; a negative one stops the start."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

READ = "import django; django.setup(); from django.conf import settings; print(settings.LOGIN_ADDRESS_FAILURE_LIMIT)"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"LOGIN_ADDRESS_FAILURE_LIMIT", "DJANGO_SETTINGS_MODULE"}}
    clean.update(env, DEBUG="1", DJANGO_SETTINGS_MODULE="cchc.settings")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_the_limit_per_address_is_read_from_the_environment() -> None:
    run = _run("-c", READ, LOGIN_ADDRESS_FAILURE_LIMIT="200")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "200"


def test_a_negative_limit_per_address_stops_the_start_with_a_clear_message() -> None:
    run = _run("manage.py", "check", LOGIN_ADDRESS_FAILURE_LIMIT="-1")
    assert run.returncode != 0
    assert "LOGIN_ADDRESS_FAILURE_LIMIT=-1 is negative" in run.stderr
