"""Settings for the benchmark's server: the real settings, with SQLite writers queueing instead of failing.

SQLite starts transactions DEFERRED: two concurrent saves that both read before they write cannot both
upgrade their lock, and one fails at once with "database is locked" (the busy timeout does not apply).
BEGIN IMMEDIATE takes the write lock first, so concurrent saves wait their turn; WAL lets reads go on meanwhile.
"""

from cchc.settings import *  # noqa: F403
from cchc.settings import DATABASES

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
