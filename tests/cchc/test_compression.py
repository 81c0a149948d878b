"""Text answers (pages, JSON) are compressed for a browser that accepts gzip (evidence files are not: see
tests/evidence/test_views.py)."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_a_page_is_compressed_when_the_browser_accepts_it_and_reads_the_same(
    client: Client, unit_editor: Any, assessment: Any
) -> None:
    client.force_login(unit_editor)
    url = reverse("scoring:assessment", args=[assessment.pk])
    plain = client.get(url)
    packed = client.get(url, **GZIP)
    assert "Content-Encoding" not in plain and plain.status_code == packed.status_code == 200
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert len(packed.content) * 4 < len(html)  # markup compresses several times over
    # The same page but for the per-answer CSRF token (masked anew each time).
    assert html.count("<article class=\"leaf") == plain.content.decode().count("<article class=\"leaf") > 0


def test_a_json_answer_is_compressed_too(client: Client, admin_user: Any, catalogue: Any) -> None:
    client.force_login(admin_user)
    response = client.get("/api/v1/units/", **GZIP)
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert b'"so-y-te"' in gzip.decompress(response.content)
