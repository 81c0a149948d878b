"""Settings come from the environment; production refuses to start without a real key or with a bad URL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import ROOT

STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN"


def _django_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="cchc.settings")
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    run = _django_check(DEBUG="0")
    assert run.returncode != 0
    assert "SECRET_KEY is not set" in run.stderr


@pytest.mark.parametrize("key", ["django-insecure-abc", "short", "a" * 60])
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    run = _django_check(DEBUG="0", SECRET_KEY=key)
    assert run.returncode != 0
    assert "SECRET_KEY is too weak" in run.stderr


def test_production_starts_with_a_real_key() -> None:
    run = _django_check(DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="cchc.example.vn")
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/cchc", "scheme 'mysql' is not supported"),
        ("postgresql://postgres@127.0.0.1:port/cchc", "the port is not a number"),
        ("postgresql://postgres@127.0.0.1:5432", "the database name is missing"),
        ("not a url", "is not supported"),
    ],
)
def test_a_malformed_database_url_fails_at_start_with_a_clear_message(url: str, message: str) -> None:
    run = _django_check(DEBUG="1", DATABASE_URL=url)
    assert run.returncode != 0
    assert "DATABASE_URL is malformed" in run.stderr and message in run.stderr


def test_a_malformed_boolean_is_refused() -> None:
    run = _django_check(DEBUG="maybe")
    assert run.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in run.stderr


def test_vietnamese_first_with_english_and_the_province_time_zone() -> None:
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ


def test_celery_is_configured_for_safe_delivery() -> None:
    from cchc.celery import app

    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert "reconcile-stale-results" in app.conf.beat_schedule
    # (the test suite forces eager tasks for unit tests; the setting itself follows REDIS_URL)
    assert (not settings.REDIS_URL) == settings.CELERY_TASK_ALWAYS_EAGER


def test_the_e_mails_links_go_to_the_first_allowed_host_in_production_unless_set() -> None:
    import os
    import subprocess
    import sys

    def site_url(**env: str) -> str:
        code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
        environ = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DEBUG", "ALLOWED_HOSTS")}
        environ.update({"DJANGO_SETTINGS_MODULE": "cchc.settings", "SECRET_KEY": "k" * 40 + "abcdefghij", **env})
        done = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True)
        return done.stdout.strip().splitlines()[-1]

    assert site_url(DEBUG="0", ALLOWED_HOSTS="cchc.tiengiang.gov.vn,www") == "https://cchc.tiengiang.gov.vn"
    assert site_url(DEBUG="0", ALLOWED_HOSTS="cchc.tiengiang.gov.vn", SITE_URL="") == "https://cchc.tiengiang.gov.vn"
    assert site_url(DEBUG="0", ALLOWED_HOSTS="a.vn", SITE_URL="https://b.vn") == "https://b.vn"
    assert site_url(DEBUG="1") == "http://127.0.0.1:8000"
