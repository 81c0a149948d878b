"""An API upload whose file name is too long for Django to read its part headers (over ~900 characters) is said as
the pages say it (400 `bad_upload`, naming the name's length), not as a generic «biểu mẫu không hợp lệ»; nothing
is stored."""

from __future__ import annotations

from typing import Any

import pytest

from evidence.models import EvidenceFile

pytestmark = pytest.mark.django_db

BOUNDARY = "----cchc-api-boundary"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _body(name: str) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode() + PDF + f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_file_name_too_long_to_read_is_a_bad_upload(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.generic("POST", f"/api/v1/assessments/{assessment.pk}/evidence/upload/",
                           _body("x" * 1000 + ".pdf"), content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_upload"
    assert "900" in response.json()["message"]
    assert not EvidenceFile.objects.exists()


def test_a_name_of_ordinary_length_is_stored(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.generic("POST", f"/api/v1/assessments/{assessment.pk}/evidence/upload/",
                           _body("bien-ban.pdf"), content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 201, response.content
    assert EvidenceFile.objects.count() == 1
