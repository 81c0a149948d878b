"""A file already in the unit's library, uploaded again from a leaf, is attached to that leaf: the answer says so
(«… đã có trong thư viện; đã gắn vào tiêu chí 1.2.1.»), not that it was not kept; and only when it was attached."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from evidence.models import EvidenceFile, EvidenceLink
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _given_in_the_library(client: Client, assessment: Any) -> str:
    url = reverse("evidence:upload", args=[assessment.pk])
    client.post(url, {"files": [upload("ke-hoach.pdf", samples.pdf())]}, **JSON)
    return url


def test_a_library_file_uploaded_again_from_a_leaf_is_said_to_be_attached_to_it(
    assessment: Any, unit_editor: Any
) -> None:
    # given ke-hoach.pdf in the library, linked to no leaf
    client = _client(unit_editor)
    url = _given_in_the_library(client, assessment)
    line = assessment.lines.get(indicator__code="1.2.1")
    # when it is uploaded again from leaf 1.2.1
    response = client.post(url, {"files": [upload("ke-hoach.pdf", samples.pdf())], "line_id": line.pk}, **JSON)
    # then it is linked, not stored twice, and the answer says it was attached
    data = response.json()
    assert response.status_code == 200 and data["ok"] is True
    assert EvidenceFile.objects.count() == 1
    assert list(EvidenceLink.objects.values_list("score_line_id", flat=True)) == [line.pk]
    assert data["message"] == "«ke-hoach.pdf» đã có trong thư viện; đã gắn vào tiêu chí 1.2.1."


def test_a_copy_under_another_name_names_the_library_file_it_attached(assessment: Any, unit_editor: Any) -> None:
    client = _client(unit_editor)
    url = _given_in_the_library(client, assessment)
    line = assessment.lines.get(indicator__code="1.2.1")
    response = client.post(url, {"files": [upload("Kế hoạch CCHC 2020.pdf", samples.pdf())], "line_id": line.pk})
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[-1] == ("«Kế hoạch CCHC 2020.pdf» trùng nội dung với «ke-hoach.pdf» đã có trong thư viện; đã gắn "
                         "«ke-hoach.pdf» vào tiêu chí 1.2.1.")


def test_a_file_already_attached_to_the_leaf_is_said_to_be_attached_already(
    assessment: Any, unit_editor: Any
) -> None:
    client = _client(unit_editor)
    url = _given_in_the_library(client, assessment)
    line = assessment.lines.get(indicator__code="1.2.1")
    client.post(url, {"files": [upload("ke-hoach.pdf", samples.pdf())], "line_id": line.pk}, **JSON)
    again = client.post(url, {"files": [upload("ke-hoach.pdf", samples.pdf())], "line_id": line.pk}, **JSON)
    assert again.json()["message"] == "«ke-hoach.pdf» đã có trong thư viện và đã được gắn với tiêu chí 1.2.1 từ trước."
    assert EvidenceLink.objects.count() == 1


def test_uploaded_again_into_the_library_alone_it_is_still_said_not_to_be_kept_again(
    assessment: Any, unit_editor: Any
) -> None:
    client = _client(unit_editor)
    url = _given_in_the_library(client, assessment)
    response = client.post(url, {"files": [upload("ke-hoach.pdf", samples.pdf())]}, **JSON)
    assert response.json()["message"] == "«ke-hoach.pdf» đã có trong thư viện (không lưu lại)."
    assert not EvidenceLink.objects.exists()
