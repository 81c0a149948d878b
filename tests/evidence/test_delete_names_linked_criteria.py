"""Deleting a library file linked to leaves: the question and the answer name those leaves (and those left with no
evidence); without the script a plain POST only asks, on a page of its own, and deletes nothing."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence import services
from evidence.models import EvidenceFile, EvidenceLink
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
CONFIRMED = {"xac_nhan": "1"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _delete_url(evidence_file: Any) -> str:
    return reverse("evidence:delete", args=[evidence_file.pk])


@pytest.fixture
def linked(assessment: Any, unit_editor: Any, stored_pdf: Any) -> Any:
    """The plan linked to 1.1.1, 1.2.1 and 2.1.1; 1.2.1 also has another file (it keeps evidence)."""
    other = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("Ảnh hội nghị.png", samples.png()),
        actor=unit_editor,
    )
    for code in ("2.1.1", "1.1.1", "1.2.1"):
        line = assessment.lines.get(indicator__code=code)
        services.evidence_link(evidence_file=stored_pdf, line=line, actor=unit_editor)
    services.evidence_link(evidence_file=other, line=assessment.lines.get(indicator__code="1.2.1"), actor=unit_editor)
    return stored_pdf


def test_the_library_asks_before_a_delete_naming_the_linked_leaves_and_those_left_without_evidence(
    assessment: Any, unit_editor: Any, linked: Any
) -> None:
    response = _client(unit_editor).get(reverse("evidence:library", args=[assessment.pk]))

    page = html.unescape(response.content.decode())
    question = (
        "Xoá «Kế hoạch CCHC năm 2020.pdf» khỏi thư viện? Tệp đang gắn với 3 tiêu chí: 1.1.1, 1.2.1, 2.1.1 và sẽ được "
        "gỡ khỏi các tiêu chí này. Các tiêu chí 1.1.1, 2.1.1 sẽ không còn tài liệu kiểm chứng nào."
    )
    assert f'data-confirm="{question}"' in page
    assert 'data-confirm-field="xac_nhan"' in page
    # the other file shares its one leaf with the plan: nothing is left without evidence by its delete
    assert "Tệp đang gắn với tiêu chí 1.2.1 và sẽ được gỡ khỏi tiêu chí này." in page


def test_a_plain_post_without_confirmation_shows_the_linked_leaves_and_deletes_nothing(
    assessment: Any, unit_editor: Any, linked: Any
) -> None:
    response = _client(unit_editor).post(_delete_url(linked), {"next": "/tai-lieu/"})

    assert response.status_code == 200
    page = response.content.decode()
    for code, name in (("1.1.1", "Ban hành kế hoạch CCHC năm"), ("1.2.1", "Báo cáo đúng hạn"),
                       ("2.1.1", "Tỷ lệ văn bản điện tử")):
        assert code in page and name in page
    assert page.count("sẽ không còn tài liệu kiểm chứng nào") == 2
    assert 'name="xac_nhan" value="1"' in page
    assert EvidenceFile.objects.filter(pk=linked.pk).exists()
    assert EvidenceLink.objects.filter(evidence_file=linked).count() == 3


def test_the_script_without_confirmation_gets_400_and_nothing_is_deleted(
    assessment: Any, unit_editor: Any, linked: Any
) -> None:
    response = _client(unit_editor).post(_delete_url(linked), **JSON)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "confirm" and body["links"] == ["1.1.1", "1.2.1", "2.1.1"]
    assert "1.1.1, 1.2.1, 2.1.1" in body["message"]
    assert EvidenceLink.objects.filter(evidence_file=linked).count() == 3


def test_a_confirmed_delete_says_which_leaves_lost_the_file_and_which_have_no_evidence_left(
    assessment: Any, unit_editor: Any, linked: Any
) -> None:
    response = _client(unit_editor).post(_delete_url(linked), CONFIRMED, **JSON)

    assert response.status_code == 200
    assert response.json()["message"] == (
        "Đã xoá «Kế hoạch CCHC năm 2020.pdf» khỏi thư viện và gỡ khỏi tiêu chí 1.1.1, 1.2.1, 2.1.1. "
        "Các tiêu chí 1.1.1, 2.1.1 nay không còn tài liệu kiểm chứng nào."
    )
    assert not EvidenceFile.objects.filter(pk=linked.pk).exists()


def test_a_confirmed_plain_delete_of_a_file_on_one_leaf_tells_it_in_the_message(
    assessment: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    services.evidence_link(evidence_file=stored_pdf, line=assessment.lines.get(indicator__code="1.1.1"),
                           actor=unit_editor)
    response = _client(unit_editor).post(_delete_url(stored_pdf), CONFIRMED)

    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Đã xoá «Kế hoạch CCHC năm 2020.pdf» khỏi thư viện và gỡ khỏi tiêu chí 1.1.1. "
        "Tiêu chí 1.1.1 nay không còn tài liệu kiểm chứng nào."
    ]
    assert not EvidenceFile.objects.exists()


def test_the_confirmation_page_of_a_file_on_no_leaf_asks_plainly(unit_editor: Any, stored_pdf: Any) -> None:
    response = _client(unit_editor).post(_delete_url(stored_pdf))

    assert response.status_code == 200
    assert "Tệp chưa gắn với tiêu chí nào." in response.content.decode()
    assert EvidenceFile.objects.exists()


def test_another_units_editor_gets_404_and_no_question(other_editor: Any, linked: Any) -> None:
    # guards behaviour that must not change: passes before and after
    assert _client(other_editor).post(_delete_url(linked)).status_code == 404
    assert _client(other_editor).post(_delete_url(linked), CONFIRMED).status_code == 404
    assert EvidenceFile.objects.filter(pk=linked.pk).exists()
