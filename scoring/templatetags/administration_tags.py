"""Template helpers of the administration pages (the nav asks the permission module, never re-implements it)."""

from __future__ import annotations

from typing import Any

from django import template

from scoring import permissions

register = template.Library()


@register.filter
def is_administrator(user: Any) -> bool:
    return permissions.is_administrator(user)


@register.inclusion_tag("scoring/administration/_unit_datalist.html")
def unit_datalist() -> dict[str, Any]:
    """The page's list of units to pick a code from (the unit fields of its forms point to it)."""
    from cchc.collation import vietnamese
    from scoring.administration.forms import UNIT_DATALIST
    from scoring.models import Unit

    units = Unit.objects.order_by("-active", vietnamese("name")).values_list("code", "name", "active")
    return {"list_id": UNIT_DATALIST, "units": units}
