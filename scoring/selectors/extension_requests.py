"""Reads of the units' extension requests: a unit's own, and a cycle's for the administrators."""

from __future__ import annotations

from django.db.models import QuerySet

from scoring.models import Assessment, Cycle, ExtensionRequest

DECIDED_SHOWN = 50  # the latest decisions listed under a cycle's pending requests


def extension_requests_of(*, assessment: Assessment) -> QuerySet[ExtensionRequest]:
    """The assessment's requests, the latest first, with who asked and who decided."""
    return (
        ExtensionRequest.objects.filter(assessment=assessment)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def latest_extension_request(*, assessment: Assessment) -> ExtensionRequest | None:
    return extension_requests_of(assessment=assessment).first()


def extension_requests_pending(*, cycle: Cycle) -> QuerySet[ExtensionRequest]:
    """The cycle's requests waiting for a decision, the oldest first, with the unit, its cycle and the requester."""
    return (
        ExtensionRequest.objects.filter(assessment__cycle=cycle, status=ExtensionRequest.Status.PENDING)
        .select_related("assessment__unit", "assessment__cycle", "requested_by")
        .order_by("requested_at", "id")
    )


def extension_requests_decided(*, cycle: Cycle) -> QuerySet[ExtensionRequest]:
    """The cycle's latest decided (or withdrawn) requests."""
    return (
        ExtensionRequest.objects.filter(assessment__cycle=cycle)
        .exclude(status=ExtensionRequest.Status.PENDING)
        .select_related("assessment__unit", "requested_by", "decided_by")
        .order_by("-decided_at", "-id")[:DECIDED_SHOWN]
    )


def pending_extension_requests_by_assessment(*, cycle: Cycle) -> dict[int, int]:
    """The ids of the cycle's waiting requests keyed by their assessment's id (at most one each), in one query."""
    return dict(
        ExtensionRequest.objects.filter(assessment__cycle=cycle, status=ExtensionRequest.Status.PENDING)
        .values_list("assessment_id", "id")
    )


def pending_extension_count(*, cycle: Cycle) -> int:
    return ExtensionRequest.objects.filter(assessment__cycle=cycle, status=ExtensionRequest.Status.PENDING).count()


def extension_request_of(*, assessment: Assessment, request_id: int | None) -> ExtensionRequest | None:
    """One request of the assessment by its id (None when the id names no request of it)."""
    if request_id is None:
        return None
    return (
        ExtensionRequest.objects.filter(pk=request_id, assessment=assessment)
        .select_related("assessment__unit", "assessment__cycle")
        .first()
    )
