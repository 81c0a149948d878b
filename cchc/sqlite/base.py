"""Django's SQLite backend with LOWER made Unicode-aware, so that `Lower(field)` means the same on the embedded
default as on PostgreSQL (whose lower() folds every letter in a UTF-8 database): SQLite's own LOWER, like its LIKE,
folds only A–Z, so a search for «Y TẾ» missed «Y tế». `ENGINE = "cchc.sqlite"` (`cchc.env.database_from_env`).

It also registers the Vietnamese collation «vi» (`cchc.collation`): names ordered by `cchc.collation.vietnamese`
sort as on PostgreSQL's ICU «vi-x-icu», not by code point."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

from cchc.collation import SQLITE_COLLATION, compare


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class DatabaseWrapper(base.DatabaseWrapper):
    vietnamese_collation = SQLITE_COLLATION  # what `cchc.collation.vietnamese` compiles to here

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        # replaces the built-in for this connection; deterministic: usable in an index or a constraint
        conn.create_function("LOWER", 1, _lower, deterministic=True)
        conn.create_collation(SQLITE_COLLATION, compare)
        return conn
