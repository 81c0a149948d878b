"""Tamper-evident audit chain.

Every audit entry stores `prev_hash` (the hash of the entry before it, by id) and `hash` = SHA-256 over a
canonical JSON of its own fields plus `prev_hash`. Changing, removing or reordering any stored entry breaks
the chain at that point; `verify_chain` (and `manage.py audit_verify`) finds the first broken link.

Writers take the previous hash under a lock so that concurrent transactions cannot fork the chain: a
transaction-scoped advisory lock on PostgreSQL; SQLite already serialises writers (IMMEDIATE transactions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

GENESIS_HASH = "0" * 64
# An arbitrary, fixed 64-bit key for the advisory lock guarding the chain's tail.
CHAIN_LOCK_KEY = 7_302_020_101


def canonical_payload(
    *,
    at: dt.datetime,
    actor_id: Any,
    action: str,
    object_type: str,
    object_id: str,
    unit_id: Any,
    assessment_id: Any,
    changes: Any,
    reason: str,
    prev_hash: str,
    object_label: str = "",
    object_code: str = "",
) -> str:
    """The exact text that is hashed: sorted keys, no whitespace, UTC timestamp to the millisecond (the
    precision a JSON backup keeps, so a restored chain still verifies). The object's label and code are hashed
    when the entry has them: an entry recorded before they were kept hashes as it always did."""
    utc = at.astimezone(dt.UTC)
    payload: dict[str, Any] = {
        "at": utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z",
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "unit": unit_id,
        "assessment": assessment_id,
        # round-trip so the hash sees what the database gives back (tuples → lists, etc.)
        "changes": json.loads(json.dumps(changes)),
        "reason": reason,
        "prev_hash": prev_hash,
    }
    if object_label:
        payload["object_label"] = object_label
    if object_code:
        payload["object_code"] = object_code
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: Any, prev_hash: str | None = None) -> str:
    """SHA-256 (hex) of an AuditEntry's fields; `prev_hash` defaults to the one stored on the entry."""
    text = canonical_payload(
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        unit_id=entry.unit_id,
        assessment_id=entry.assessment_id,
        changes=entry.changes,
        reason=entry.reason,
        prev_hash=entry.prev_hash if prev_hash is None else prev_hash,
        # an older migration's model has neither field
        object_label=getattr(entry, "object_label", ""),
        object_code=getattr(entry, "object_code", ""),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_PREV_KEY = '"prev_hash":""'


def text_around_prev_hash(entry: Any) -> tuple[str, str]:
    """The canonical text of `entry` in two parts, before and after its previous hash: the database puts the hash
    between them (`entry_hash` of the joined text). The keys are sorted and every quote inside a text is
    escaped, so the last `"prev_hash":""` is the entry's own key: only `reason` (a text) and `unit` follow it."""
    head, _mark, tail = canonical_payload(
        at=entry.at, actor_id=entry.actor_id, action=entry.action, object_type=entry.object_type,
        object_id=entry.object_id, unit_id=entry.unit_id, assessment_id=entry.assessment_id, changes=entry.changes,
        reason=entry.reason, prev_hash="", object_label=entry.object_label, object_code=entry.object_code,
    ).rpartition(_PREV_KEY)
    return head + _PREV_KEY[:-1], '"' + tail


def chain_lock_and_tail() -> str:
    """Serialise appends to the chain until the current transaction ends (call inside atomic()), and return the
    hash the next entry must point to.

    PostgreSQL: a transaction-scoped advisory lock, then the tail, in one round trip (every other writer waits
    while the lock is held, so each round trip spent under it counts once per write). The tail is read by a
    second statement, whose snapshot (READ COMMITTED) is taken after the lock is granted: it sees the last
    committed entry. SQLite: a write transaction already holds the database's single writer lock.
    """
    from scoring.models import AuditEntry

    if connection.vendor != "postgresql":
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        return last or GENESIS_HASH
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_advisory_xact_lock(%s); SELECT hash FROM {table} ORDER BY id DESC LIMIT 1",  # noqa: S608
            [CHAIN_LOCK_KEY],
        )
        row = cursor.fetchone()
    return row[0] if row else GENESIS_HASH


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_id: int | None = None
    problem: str = ""


def verify_entries(entries: Iterable[Any]) -> ChainReport:
    """Walk entries in id order; stop at the first one whose link or own hash does not match."""
    expected_prev = GENESIS_HASH
    count = 0
    for entry in entries:
        if entry.prev_hash != expected_prev:
            return ChainReport(
                False, count, entry.pk, "prev_hash does not match the previous entry (an entry was removed or changed)"
            )
        if entry.hash != entry_hash(entry):
            return ChainReport(
                False, count, entry.pk, "hash does not match the entry's content (the entry was altered)"
            )
        expected_prev = entry.hash
        count += 1
    return ChainReport(True, count)


def verify_chain() -> ChainReport:
    from scoring.models import AuditEntry

    return verify_entries(AuditEntry.objects.order_by("id").iterator(chunk_size=2000))
