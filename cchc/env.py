"""Reading settings from environment variables, with clear errors for bad values."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Concurrent editors on the embedded default: writers queue (IMMEDIATE + busy timeout) instead of failing
# with "database is locked", and readers do not block writers (WAL).
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
# Django's SQLite backend with a Unicode-aware LOWER (`cchc.sqlite`): searches ignore case in Vietnamese too.
SQLITE_ENGINE = "cchc.sqlite"

_DB_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis", "sqlite"}


def database_from_env(name: str, *, sqlite_path: str) -> dict[str, Any]:
    """DATABASE_URL → Django DATABASES entry; absent → a SQLite file; malformed → ImproperlyConfigured."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {"ENGINE": SQLITE_ENGINE, "NAME": sqlite_path, "OPTIONS": SQLITE_OPTIONS}
    try:
        parts = urlsplit(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is malformed: {exc}.") from exc
    if parts.scheme not in _DB_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} is malformed: scheme {parts.scheme!r} is not supported "
            "(expected postgresql://user:password@host:5432/dbname or sqlite:///path)."
        )
    if parts.scheme != "sqlite":
        try:
            port = parts.port
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} is malformed: the port is not a number.") from exc
        if not parts.hostname and not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} is malformed: it names neither a host nor a database.")
        if not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} is malformed: the database name is missing.")
        del port
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(raw, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)))
        if config.get("ENGINE", "").endswith("sqlite3"):
            config["ENGINE"] = SQLITE_ENGINE
            config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name} is malformed: {exc}.") from exc
    config["CONN_HEALTH_CHECKS"] = True
    return config


def redis_url_from_env(name: str) -> str:
    raw = env_str(name)
    if raw and urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name}={raw!r} is malformed: expected redis://host:6379/0.")
    return raw
