"""The extension requests shown on other pages: a unit's latest one on its sheet, a cycle's pending count."""

from __future__ import annotations

from typing import Any

from django import template

from scoring import permissions
from scoring.models import Assessment, Cycle, ExtensionRequest
from scoring.selectors.extension_requests import latest_extension_request, pending_extension_count

register = template.Library()


@register.simple_tag(takes_context=True)
def extension_request_for_sheet(context: template.Context, assessment: Assessment) -> ExtensionRequest | None:
    """The assessment's latest request, for its own people only (None for anyone else, and when there is none)."""
    request = context.get("request")
    user: Any = getattr(request, "user", None)
    if user is None or not permissions.is_unit_member(user, assessment.unit_id):
        return None
    latest = latest_extension_request(assessment=assessment)
    if latest is not None:
        latest.grant_applies = grant_applies(latest, assessment)  # type: ignore[attr-defined]
    return latest


def grant_applies(extension_request: ExtensionRequest, assessment: Assessment) -> bool:
    """Whether a granted request still gives the unit its deadline: its own deadline is still the one granted (an
    administrator may have removed or changed it from the cycle's page since)."""
    return (
        extension_request.status == ExtensionRequest.Status.GRANTED
        and extension_request.granted_deadline is not None
        and assessment.deadline_override == extension_request.granted_deadline
    )


@register.simple_tag
def cycle_pending_extensions(cycle: Cycle) -> int:
    return pending_extension_count(cycle=cycle)


@register.filter
def applicable_deadline(assessment: Assessment) -> Any:
    """The self-assessment deadline that applies to the unit: the later of its own and the cycle's."""
    return permissions.self_assessment_deadline(assessment)


@register.filter
def own_deadline_applies(assessment: Assessment) -> bool:
    """Whether the unit's own deadline is the one that applies (later than the cycle's): «gia hạn riêng»."""
    return permissions.own_deadline_applies(assessment)
