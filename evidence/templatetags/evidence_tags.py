"""The evidence upload's limit, for every page with an upload form (the library, the sheet, the explanation page)."""

from __future__ import annotations

from django import template

from evidence import storage

register = template.Library()


def max_upload_mb() -> str:
    """The largest file accepted, in MB, as the pages write it (20; 2,5)."""
    return f"{storage.max_upload_bytes() / (1024 * 1024):g}".replace(".", ",")


@register.simple_tag(name="max_upload_mb")
def max_upload_mb_tag() -> str:
    return max_upload_mb()
