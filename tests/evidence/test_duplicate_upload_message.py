"""The library's answer to a batch whose files are already in it: each uploaded file named with the copy it repeats."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from evidence.models import EvidenceFile
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_duplicate_under_another_name_is_named_with_the_library_copy_it_repeats(
    assessment: Any, unit_editor: Any
) -> None:
    # given ke-hoach.pdf in the library
    client = _client(unit_editor)
    url = reverse("evidence:upload", args=[assessment.pk])
    client.post(url, {"files": [upload("ke-hoach.pdf", samples.pdf())]}, **JSON)
    # when the same content is uploaded under another name and under its own name, in one batch
    response = client.post(
        url, {"files": [upload("Kế hoạch CCHC 2020.pdf", samples.pdf()), upload("ke-hoach.pdf", samples.pdf())]},
        **JSON,
    )
    # then nothing new is stored and the answer names each uploaded file and the copy it repeats
    data = response.json()
    assert response.status_code == 200 and data["ok"] is True
    assert EvidenceFile.objects.count() == 1
    assert data["message"] == (
        "«Kế hoạch CCHC 2020.pdf» trùng nội dung với «ke-hoach.pdf» đã có trong thư viện (không lưu lại). "
        "«ke-hoach.pdf» đã có trong thư viện (không lưu lại)."
    )


def test_the_plain_form_says_the_same_with_a_new_file_counted_apart(assessment: Any, unit_editor: Any) -> None:
    client = _client(unit_editor)
    url = reverse("evidence:upload", args=[assessment.pk])
    client.post(url, {"files": [upload("ke-hoach.pdf", samples.pdf())]})
    response = client.post(
        url, {"files": [upload("Ảnh.png", samples.png()), upload("Kế hoạch CCHC 2020.pdf", samples.pdf())]},
    )
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[-1] == (
        "Đã lưu 1 tệp. «Kế hoạch CCHC 2020.pdf» trùng nội dung với «ke-hoach.pdf» đã có trong thư viện "
        "(không lưu lại)."
    )
