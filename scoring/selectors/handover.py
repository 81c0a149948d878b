"""Whether a unit sent its assessment itself or it was handed to the appraisal team without it (the administrator's
«Quá hạn, chưa gửi: chuyển Tổ thẩm định»), read from the audit record of the state change, not from anyone's roles
now: a head who submitted and left the post since must not turn the unit into one that never submitted."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from scoring.models import AuditEntry

# The reason the unit's own submission records (scoring.services.submission): stored in Vietnamese, read translated.
UNIT_SUBMIT_REASON = gettext_noop("Thủ trưởng đơn vị gửi bản tự đánh giá.")
HANDED_OVER = "handed_over"  # the key the hand-over writes into its state change's `changes`


def handover_entries(assessment_ids: Iterable[int]) -> dict[int, AuditEntry]:
    """The assessments among these whose latest move to «submitted» was a hand-over, each with that audit entry
    (its actor, time and reason). A hand-over's entry says so (`handed_over`); one recorded before it did is known
    by its reason: a hand-over always has one, the unit's own submission has its fixed sentence or none. One
    query."""
    ids = [str(pk) for pk in assessment_ids]
    if not ids:
        return {}
    latest: dict[int, AuditEntry] = {}
    # by the audit's object index: an assessment's own entries (its state changes and a few others), not the tens
    # of thousands of its leaves' (a national publication reads some 4,000 assessments)
    entries = (AuditEntry.objects.filter(object_type="Assessment", object_id__in=ids, action="assessment.state",
                                         changes__state__new="submitted")
               .select_related("actor").order_by("-id"))
    for entry in entries:
        latest.setdefault(int(entry.object_id), entry)
    return {pk: entry for pk, entry in latest.items() if _handed_over(entry)}


def _handed_over(entry: AuditEntry) -> bool:
    changes = entry.changes or {}
    if HANDED_OVER in changes:
        return bool(changes[HANDED_OVER])
    reason = (entry.reason or "").strip()
    return bool(reason) and reason != UNIT_SUBMIT_REASON
