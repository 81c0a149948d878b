"""The label an audit entry keeps of its object is part of what the chain's hash covers (changing it is
tampering), while an entry recorded before labels existed hashes as it always did (the chain still verifies)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from scoring import audit
from scoring.models import AuditEntry, IndicatorSet
from scoring.services import audit_record

pytestmark = pytest.mark.django_db


def test_the_label_is_hashed_and_the_chain_verifies(admin_user: Any, small_set: IndicatorSet) -> None:
    entry = audit_record(actor=admin_user, action="indicator_set.update", object_type="IndicatorSet",
                         object_id=small_set.pk, changes={"decision_ref": {"old": "", "new": "12/QĐ-UBND"}})
    assert entry.object_label == f"{small_set.name} (test-set)"
    assert audit.verify_chain().ok
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert audit.entry_hash(stored) == stored.hash
    # a label rewritten afterwards no longer matches the entry's hash
    stored.object_label = "Bộ chỉ số khác (x)"
    assert audit.entry_hash(stored) != stored.hash
    stored.object_label, stored.object_code = entry.object_label, "x"
    assert audit.entry_hash(stored) != stored.hash


def test_an_entry_without_a_label_hashes_as_before_labels_existed(admin_user: Any) -> None:
    entry = audit_record(actor=admin_user, action="test.change", object_type="thing", object_id=1,
                         changes={"value": {"old": 1, "new": 2}})
    assert (entry.object_label, entry.object_code) == ("", "")
    text = audit.canonical_payload(
        at=entry.at, actor_id=entry.actor_id, action=entry.action, object_type=entry.object_type,
        object_id=entry.object_id, unit_id=entry.unit_id, assessment_id=entry.assessment_id, changes=entry.changes,
        reason=entry.reason, prev_hash=entry.prev_hash,
    )
    assert "object_label" not in text and "object_code" not in text
    assert audit.entry_hash(entry) == entry.hash == AuditEntry.objects.get(pk=entry.pk).hash


def test_a_label_with_quotes_and_the_hash_key_in_it_keeps_the_database_hash_right(admin_user: Any) -> None:
    """PostgreSQL computes the hash around the previous one's place in the text: a label may hold anything."""
    entry = audit_record(actor=admin_user, action="test.change", object_type="thing", object_id=2,
                         object_label='tên "lạ" "prev_hash":"" (x)', object_code='"prev_hash":""')
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.object_label == 'tên "lạ" "prev_hash":"" (x)'
    assert audit.entry_hash(stored) == stored.hash
    assert audit.verify_chain().ok, connection.vendor
