"""The audit record is tamper-evident: each entry carries the previous one's hash; audit_verify finds breaks."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from scoring import audit, services
from scoring.models import AuditEntry, ScoreLine
from tests.conftest import SMALL_SET_VALUES


def _record_some(actor: Any, n: int = 4) -> list[AuditEntry]:
    return [
        services.audit_record(
            actor=actor,
            action="test.change",
            object_type="thing",
            object_id=i,
            changes={"value": {"old": Decimal("1.5"), "new": Decimal(i)}, "tags": ("a", "ă")},
            reason=f"Lý do {i}",
        )
        for i in range(n)
    ]


def _lift_append_only_guard() -> None:
    """Only a test may do this: remove the database trigger that refuses UPDATE/DELETE of audit rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred FK checks
            cursor.execute("ALTER TABLE scoring_auditentry DISABLE TRIGGER scoring_auditentry_no_update_delete")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS scoring_auditentry_no_update")


def _verify() -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as exc:
        return str(exc), exc.returncode
    return out.getvalue(), 0


def test_each_new_entry_points_to_the_hash_of_the_one_before_it(unit_editor: Any) -> None:
    entries = _record_some(unit_editor)
    stored = list(AuditEntry.objects.order_by("id"))
    assert stored[0].prev_hash == audit.GENESIS_HASH
    assert len(stored) >= len(entries)
    for before, after in pairwise(stored):
        assert after.prev_hash == before.hash
    assert [e.hash for e in entries] == [e.hash for e in stored[-len(entries):]]
    assert all(len(e.hash) == 64 and e.hash == audit.entry_hash(e) for e in stored)


def test_audit_verify_reports_ok_and_the_count_for_an_intact_chain(unit_editor: Any) -> None:
    _record_some(unit_editor, 5)
    text, code = _verify()
    assert code == 0
    assert text.strip() == f"OK {AuditEntry.objects.count()} entries"


def test_audit_verify_finds_an_entry_whose_reason_was_altered_in_the_database(unit_editor: Any) -> None:
    entries = _record_some(unit_editor, 5)
    _lift_append_only_guard()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_auditentry SET reason = %s WHERE id = %s", ["sửa lén", entries[2].pk])
    text, code = _verify()
    assert code == 1
    assert f"#{entries[2].pk}" in text and "altered" in text


def test_audit_verify_finds_an_altered_change_even_when_the_hash_is_recomputed(unit_editor: Any) -> None:
    entries = _record_some(unit_editor, 5)
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.changes = {"value": {"old": "1.5", "new": "99"}}
    _lift_append_only_guard()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scoring_auditentry SET changes = %s, hash = %s WHERE id = %s",
            ['{"value": {"old": "1.5", "new": "99"}}', audit.entry_hash(forged), entries[1].pk],
        )
    text, code = _verify()
    assert code == 1
    # the forged entry is self-consistent, so the break shows at the next link
    assert f"#{entries[2].pk}" in text and "prev_hash" in text


def test_audit_verify_finds_a_deleted_entry_in_the_middle_of_the_chain(unit_editor: Any) -> None:
    entries = _record_some(unit_editor, 5)
    _lift_append_only_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM scoring_auditentry WHERE id = %s", [entries[3].pk])
    text, code = _verify()
    assert code == 1
    assert f"#{entries[4].pk}" in text


def test_audit_entries_stay_refused_for_update_by_the_database_without_the_test_lifting_the_guard(
    unit_editor: Any,
) -> None:
    entries = _record_some(unit_editor, 1)
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_auditentry SET reason = 'x' WHERE id = %s", [entries[0].pk])


def test_the_chain_links_entries_written_by_the_real_services(assessment: Any, unit_editor: Any) -> None:
    for code, (value, _score) in list(SMALL_SET_VALUES.items())[:3]:
        line = ScoreLine.objects.get(assessment=assessment, indicator__code=code)
        services.score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    text, code = _verify()
    assert code == 0, text
    assert AuditEntry.objects.filter(action="score_line.self").exists()


@pytest.mark.parametrize("text", [
    'Ghi chú "có ngoặc" và \\ gạch chéo',
    '"prev_hash":"" ở giữa lý do',
    "Dòng một\nDòng hai\t✓ 🇻🇳 \u0001 cuối",
    "",
])
def test_an_entry_hashes_as_its_canonical_text_whatever_its_texts_hold(unit_editor: Any, text: str) -> None:
    """On PostgreSQL the database computes each hash over the canonical text with the previous hash put in its
    place: texts that look like the key, quotes, control characters and characters beyond the BMP must give the
    hash `audit.entry_hash` computes, for the entry written and for the chain after it."""
    first = services.audit_record(
        actor=unit_editor, action="test.text", object_type="thing", object_id=1,
        changes={"note": {"old": text, "new": f"{text}!"}, "prev_hash": {"old": "", "new": text}}, reason=text,
    )
    second = services.audit_record(actor=unit_editor, action="test.text", object_type="thing", object_id=2,
                                   reason=text)
    stored = {e.pk: e for e in AuditEntry.objects.filter(pk__in=[first.pk, second.pk])}
    for entry in (first, second):
        assert stored[entry.pk].hash == entry.hash == audit.entry_hash(stored[entry.pk])
    assert stored[second.pk].prev_hash == first.hash
    assert audit.verify_chain().ok
