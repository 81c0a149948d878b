"""Template helpers of the appraisal pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from appraisal import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def appraisal_nav(context: template.Context) -> dict[str, str]:
    """Links for the appraisal team, the lead and administrators (none for a unit's people)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    links: dict[str, str] = {}
    if permissions.is_appraiser(user):
        links["queue"] = reverse("appraisal:queue")
    if permissions.can_view_dashboard(user):
        links["dashboard"] = reverse("appraisal:dashboard")
    if permissions.can_import_survey(user):
        links["survey"] = reverse("appraisal:survey_import")
    return links


@register.filter
def preview_kind(evidence_file: Any) -> str:
    """"pdf", "image" or "" — how a file is shown inline (others are downloaded)."""
    if not getattr(evidence_file, "is_previewable", False):
        return ""
    content_type = str(getattr(getattr(evidence_file, "blob", None), "content_type", "") or "")
    return "image" if content_type.startswith("image/") else "pdf"
