"""An upload Django cannot read (a file name over ~900 characters makes its part headers exceed 1 kB) is said as
such, storing nothing: JSON to the page's script, the site's 400 page with the reason to a plain form post — not the
400 page's text about a wrong domain name."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence.models import EvidenceFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


BOUNDARY = "----cchc-test-boundary"


def _body() -> bytes:
    """Two files, the first named with 1,000 characters, as a browser sends them (the test client's files cut a name
    to 255 characters, as Django's uploaded files do)."""
    parts = []
    for name in ("x" * 1000 + ".pdf", "bao-cao.pdf"):
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                     "Content-Type: application/pdf\r\n\r\n".encode() + PDF + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _post(client: Client, url: str, **extra: Any) -> Any:
    return client.generic("POST", url, _body(), content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra)


def test_a_script_upload_with_a_too_long_file_name_gets_json_naming_the_problem(
    client: Client, assessment: Any, unit_editor: Any, settings: Any
) -> None:
    settings.DEBUG = False
    client.force_login(unit_editor)
    response = _post(client, reverse("evidence:upload", args=[assessment.pk]), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_upload"
    assert "tên tệp ngắn hơn" in response.json()["message"]
    assert EvidenceFile.objects.count() == 0


def test_a_form_upload_with_a_too_long_file_name_gets_the_400_page_with_the_reason(
    client: Client, assessment: Any, unit_editor: Any, settings: Any
) -> None:
    settings.DEBUG = False
    client.force_login(unit_editor)
    response = _post(client, reverse("evidence:upload", args=[assessment.pk]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "tên tệp ngắn hơn" in body and "tên miền" not in body
    assert EvidenceFile.objects.count() == 0
