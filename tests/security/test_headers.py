"""Every page carries a Content-Security-Policy that allows no inline script or style."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize("name", ["home", "login"])
def test_pages_send_a_content_security_policy_without_unsafe_inline(client: Client, db: Any, name: str) -> None:
    response = client.get(reverse(name))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_a_signed_in_page_carries_the_policy_too(client: Client, assessment: Any, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_no_template_holds_inline_script_event_handler_or_style_attribute() -> None:
    """The policy forbids them, so a template that had one would break in the browser: catch it here."""
    import re
    from pathlib import Path

    from django.conf import settings

    offenders, scanned = [], 0
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for template in Path(folder).rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            scanned += 1
            for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", r"\son[a-z]+\s*=\s*[\"']", r"\sstyle\s*=\s*[\"']"):
                offenders += [f"{template.name}: {m.group(0)[:40]!r}" for m in re.finditer(pattern, text, re.I)]
    assert scanned >= 30 and offenders == []
