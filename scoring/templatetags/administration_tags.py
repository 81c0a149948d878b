"""Template helpers of the administration pages (the nav asks the permission module, never re-implements it)."""

from __future__ import annotations

from typing import Any

from django import template

from scoring import permissions

register = template.Library()


@register.filter
def is_administrator(user: Any) -> bool:
    return permissions.is_administrator(user)
