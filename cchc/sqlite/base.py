"""Django's SQLite backend with LOWER made Unicode-aware, so that `Lower(field)` means the same on the embedded
default as on PostgreSQL (whose lower() folds every letter in a UTF-8 database): SQLite's own LOWER, like its LIKE,
folds only A–Z, so a search for «Y TẾ» missed «Y tế». `ENGINE = "cchc.sqlite"` (`cchc.env.database_from_env`)."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        # replaces the built-in for this connection; deterministic: usable in an index or a constraint
        conn.create_function("LOWER", 1, _lower, deterministic=True)
        return conn
