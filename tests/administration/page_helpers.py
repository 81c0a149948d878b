"""What the administration page tests read off a page or an answer."""

from __future__ import annotations

import html
import re
from typing import Any

from django.contrib.messages import get_messages


def form_version(page: str) -> str:
    """The version an edit form carries (the record as the page was drawn)."""
    found = re.search(r'name="version" value="([^"]*)"', page)
    assert found, "the form carries no version"
    return found.group(1)


def error_messages(response: Any) -> str:
    """The error messages the answer left for the next page, and those of the refused form's error summary on the
    page itself, joined."""
    said = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    page = response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""
    for summary in re.findall(r'<div class="banner-error error-summary".*?</div>', page, re.S):
        items = re.findall(r"<li>(.*?)</li>", summary, re.S)
        said += [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]
    return " ".join(said)
