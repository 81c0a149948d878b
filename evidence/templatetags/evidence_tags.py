"""The evidence upload's limits, for every page with an upload form (the library, the sheet, the explanation page)."""

from __future__ import annotations

from django import template
from django.conf import settings

from evidence import storage

register = template.Library()


def max_upload_mb() -> str:
    """The largest file accepted, in MB, as the pages write it (20; 2,5)."""
    return f"{storage.max_upload_bytes() / (1024 * 1024):g}".replace(".", ",")


def max_upload_files() -> int:
    """The most files one request may carry (``DATA_UPLOAD_MAX_NUMBER_FILES``): the page's script sends a larger
    choice in batches under it."""
    return int(settings.DATA_UPLOAD_MAX_NUMBER_FILES or 100)


@register.simple_tag(name="max_upload_mb")
def max_upload_mb_tag() -> str:
    return max_upload_mb()


@register.simple_tag(name="max_upload_files")
def max_upload_files_tag() -> int:
    return max_upload_files()
