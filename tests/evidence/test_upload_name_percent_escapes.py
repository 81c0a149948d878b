"""A file name as a browser sends it in a form's upload: «"», CR and LF percent-encoded (%22, %0D, %0A, the HTML
standard's form-data encoding), decoded back before the name is cleaned; nothing else is decoded."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from evidence import validation
from evidence.models import EvidenceFile
from tests.evidence import samples

pytestmark = pytest.mark.django_db

BOUNDARY = "----WebKitFormBoundaryq7ZbV2nXkP3mR9sT"


def _browser_body(file_name: str, content: bytes, *, line_id: int | None = None) -> bytes:
    """The multipart body Chromium sends for one chosen file: the name's «"», CR and LF as %22, %0D and %0A."""
    encoded = file_name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
    parts = []
    if line_id is not None:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="line_id"\r\n\r\n{line_id}\r\n'.encode())
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{encoded}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def _post(client: Client, assessment: Any, body: bytes) -> Any:
    return client.post(
        reverse("evidence:upload", args=[assessment.pk]), data=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}", HTTP_ACCEPT="application/json",
    )


def test_a_name_with_double_quotes_is_stored_shown_and_downloaded_as_typed(assessment: Any, unit_editor: Any) -> None:
    client = Client()
    client.force_login(unit_editor)
    name = 'Quyết định "số 12".pdf'
    response = _post(client, assessment, _browser_body(name, samples.pdf()))
    assert response.status_code == 200, response.json()
    assert [f["name"] for f in response.json()["files"]] == [name]
    stored = EvidenceFile.objects.get()
    assert stored.original_name == name
    assert name in client.get(reverse("evidence:library", args=[assessment.pk])).content.decode().replace(
        "&quot;", '"')
    header = client.get(reverse("evidence:download", args=[stored.pk]))["Content-Disposition"]
    assert header.endswith(f"filename*=UTF-8''{quote(name, safe='')}")
    assert "%2522" not in header  # the name is no longer «%22» sent again percent-encoded
    assert header.count('"') == 2  # the ASCII fallback's own quotes only


def test_a_line_break_sent_as_percent_0d_0a_goes_away_with_the_other_control_characters(
    assessment: Any, unit_editor: Any
) -> None:
    client = Client()
    client.force_login(unit_editor)
    response = _post(client, assessment, _browser_body("Báo cáo\r\nquý 1.pdf", samples.pdf()))
    assert response.status_code == 200, response.json()
    assert EvidenceFile.objects.get().original_name == "Báo cáoquý 1.pdf"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Quyết định %22số 12%22.pdf", 'Quyết định "số 12".pdf'),
        ("a%22b%22.pdf", 'a"b".pdf'),
        ("tờ trình%0d%0Aphụ lục.pdf", "tờ trìnhphụ lục.pdf"),  # either case
        ("báo cáo 100%25.pdf", "báo cáo 100%25.pdf"),  # no other sequence is decoded
        ("kế hoạch%20năm.pdf", "kế hoạch%20năm.pdf"),
        ("phụ lục %2F 2.pdf", "phụ lục %2F 2.pdf"),  # never a path separator
        ("mẫu %2.pdf", "mẫu %2.pdf"),
    ],
)
def test_only_the_three_browser_escapes_are_decoded(sent: str, kept: str) -> None:
    assert validation.client_name(sent) == kept
