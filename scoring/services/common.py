"""Shared by the services: the audit trail's writer, text clean-up, the editable states, the logger."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any, Required, TypedDict, Unpack

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from scoring import audit, compiled
from scoring.administration.audit_labels import label_when_recorded
from scoring.models import (
    Assessment,
    AuditEntry,
    Unit,
)

logger = logging.getLogger("scoring.services")
User = AbstractBaseUser
SELF_EDITABLE_STATES = {Assessment.State.DRAFT}
APPRAISABLE_STATES = {Assessment.State.SUBMITTED, Assessment.State.IN_APPRAISAL, Assessment.State.EXPLANATION}



class AuditFields(TypedDict, total=False):
    """What an audit entry records besides its actor: the action on an object, its unit (given by row or id), its
    assessment, `changes` mapping a field to {"old": …, "new": …}, and a reason."""

    action: Required[str]
    object_type: Required[str]
    object_id: Required[Any]
    unit: Unit | None
    unit_id: int | None
    assessment: Assessment | None
    changes: Mapping[str, Any] | None
    reason: str
    # what a person knows the object by, and its code; left out, taken from the object (`label_when_recorded`)
    object_label: str
    object_code: str


def _new_entry(*, actor: Any, **fields: Unpack[AuditFields]) -> AuditEntry:
    """A new audit entry, not yet chained (no hashes)."""
    unit = fields.get("unit")
    return AuditEntry(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=fields["action"],
        object_type=fields["object_type"],
        object_id=str(fields["object_id"]),
        unit_id=unit.pk if unit is not None else fields.get("unit_id"),
        assessment=fields.get("assessment"),
        changes=_json_safe(dict(fields.get("changes") or {})),
        reason=fields.get("reason", ""),
        object_label=fields.get("object_label", ""),
        object_code=fields.get("object_code", ""),
    )


def _chain(entry: AuditEntry, prev_hash: str) -> None:
    """Point `entry` to `prev_hash` and compute its own hash."""
    entry.prev_hash = prev_hash
    entry.hash = audit.entry_hash(entry)


def audit_record(*, actor: Any, **fields: Unpack[AuditFields]) -> AuditEntry:
    """Append one audit entry (`AuditFields`). The entry is chained to the previous one by hash
    (scoring/audit.py); the chain's tail is read under a lock so writers cannot fork it. Unless given, the entry
    keeps what its object is known by now (`label_when_recorded`: one query, none for a score line, read before
    the lock).
    Inside the caller's transaction when there is one (no savepoint: a failed entry fails the whole change).
    PostgreSQL: the lock and the entry in one round trip, the entry's hash computed by the database over its
    canonical text (`_append_in_database`)."""
    with transaction.atomic(savepoint=False):
        entry = _new_entry(actor=actor, **fields)
        if "object_label" not in fields:
            label_when_recorded([entry])
        if connection.vendor == "postgresql":
            _append_in_database(entry)
            return entry
        _chain(entry, audit.chain_lock_and_tail())
        compiled.insert(entry)  # as save(force_insert=True), without building the query for every change
        return entry


_APPEND: list[tuple[str, list[Any]]] = []  # the statement and its columns, built once per process


def _append_statement() -> tuple[str, list[Any]]:
    """INSERT of an entry whose previous hash is the chain's tail (or the genesis hash) and whose hash is the
    SHA-256 of its canonical text around it, by the database; returns the id and both hashes."""
    if not _APPEND:
        meta = AuditEntry._meta
        quote = connection.ops.quote_name
        columns = [f for f in meta.local_concrete_fields
                   if not f.primary_key and not f.generated and f.name not in {"prev_hash", "hash"}]
        names = ", ".join([*(quote(f.column) for f in columns), quote("prev_hash"), quote("hash")])
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        # The model's own column names, quoted; every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({names}) SELECT {', '.join(['%s'] * len(columns))}, t.h, "  # noqa: S608
            "encode(sha256(convert_to(%s || t.h || %s, 'UTF8')), 'hex') "
            f"FROM (SELECT COALESCE((SELECT hash FROM {table} ORDER BY {pk} DESC LIMIT 1), %s)) AS t(h) "
            f"RETURNING {pk}, prev_hash, hash"
        )
        _APPEND.append((sql, columns))
    return _APPEND[0]


def _append_in_database(entry: AuditEntry) -> None:
    """PostgreSQL: the chain's lock, then the entry (`_append_statement`), in one round trip. The lock is its own
    statement so that the INSERT's snapshot, taken once the lock is granted, sees the last committed entry. The
    hash is `audit.entry_hash` of the same text: `audit.verify_chain` checks it as any other."""
    sql, columns = _append_statement()
    head, tail = audit.text_around_prev_hash(entry)
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in columns]
    with connection.cursor() as cursor:
        compiled.execute_batch(cursor, [
            ("", "SELECT pg_advisory_xact_lock(%s)", [audit.CHAIN_LOCK_KEY]),
            (compiled.preparable("audit_append", sql), sql, [*values, head, tail, audit.GENESIS_HASH]),
        ])
        entry.pk, entry.prev_hash, entry.hash = cursor.fetchone()
    entry._state.adding = False
    entry._state.db = connection.alias


def audit_records(*, actor: Any, entries: Sequence[AuditFields]) -> list[AuditEntry]:
    """Append many audit entries at once, chained in the order given: the chain's lock and tail are taken once,
    each hash is computed here, and the rows go in a few multi-row inserts (ids follow the order given: the
    lock keeps every other writer out). Each keeps its object's label unless given (`label_when_recorded`: one
    query per type of object). Inside the caller's transaction."""
    if not entries:
        return []
    with transaction.atomic(savepoint=False):
        made = [_new_entry(actor=actor, **fields) for fields in entries]
        label_when_recorded([made[i] for i, fields in enumerate(entries) if "object_label" not in fields])
        prev_hash = audit.chain_lock_and_tail()
        for entry in made:
            _chain(entry, prev_hash)
            prev_hash = entry.hash
        return AuditEntry.objects.bulk_create(made, batch_size=500)


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


POINTS_LIMIT = Decimal("100000")  # the points columns' first value out of reach (max_digits=7, decimal_places=2)


def has_at_most_two_decimals(value: Decimal) -> bool:
    """Whether a finite number less than 10**20 in size is a whole number of hundredths (0,25 but not 0,125)."""
    return value == value.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()
