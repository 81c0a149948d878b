"""A refused «Công bố kết quả» (or correction) says so where the page lands: an error summary at the top of the form
(role=alert, focused on load) lists every problem, each linking to its field; the field keeps its own message below
it. A form sent right shows no summary."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from scoring.models import Cycle, Publication

pytestmark = pytest.mark.django_db

URL = "/ket-qua/quan-ly/2020/cong-bo/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(page: str) -> str:
    match = re.search(r'<form method="post" action="/ket-qua/quan-ly/2020/cong-bo/".*?</form>', page, re.S)
    assert match, "the publish form is not on the page"
    return match.group(0)


def _summary(form: str) -> str:
    match = re.search(r'<div[^>]*\bid="publish-errors"[^>]*>.*?</div>', form, re.S)
    assert match, "no error summary in the form"
    return match.group(0)


def test_an_empty_publish_form_lands_on_a_summary_linking_to_each_field(signed_cycle: Cycle, admin_user: Any) -> None:
    # when the administrator presses «Công bố kết quả» with nothing filled in
    response = _client(admin_user).post(URL, {"confirmed": "on", "document_number": "", "document_date": ""})
    # then nothing is published and the form opens with a focused alert listing the problems
    assert response.status_code == 400 and not Publication.objects.exists()
    form = _form(response.content.decode())
    summary = _summary(form)
    opening = summary.split(">", 1)[0]
    assert 'role="alert"' in opening and 'tabindex="-1"' in opening and "autofocus" in opening
    assert "Chưa công bố được" in summary
    links = dict(re.findall(r'<a href="#(id_\w+)">(.*?)</a>', summary, re.S))
    assert set(links) == {"id_document_number", "id_document_date"}
    assert links["id_document_number"].startswith("Số văn bản phê duyệt:")
    assert links["id_document_date"].startswith("Ngày văn bản (dd/mm/yyyy):")
    # the summary comes before the first field, and each link's target is on the page
    assert form.index('id="publish-errors"') < form.index("<label")
    assert 'id="id_document_number"' in form and 'id="id_document_date"' in form
    assert form.count('role="alert"') == 1  # one alert, not one per message


def test_a_wrong_date_is_in_the_summary_with_the_fields_message(signed_cycle: Cycle, admin_user: Any) -> None:
    response = _client(admin_user).post(URL, {"confirmed": "on",
        "document_number": "Công văn số 1", "document_date": "31/02/2020"})
    assert response.status_code == 400
    form = _form(response.content.decode())
    summary = _summary(form)
    assert re.search(r'<a href="#id_document_date">Ngày văn bản \(dd/mm/yyyy\): Ngày không hợp lệ', summary)
    assert "id_document_number" not in summary
    # the field's own message stays below it, named by the field
    assert 'aria-describedby="id_document_date_error"' in form and 'id="id_document_date_error"' in form


def test_a_correction_without_a_reason_lands_on_the_summary_linking_to_the_reason(
    publication: Publication, admin_user: Any
) -> None:
    # a refusal of the service (not of the form) is in the summary too
    response = _client(admin_user).post(URL, {"confirmed": "on",
        "document_number": "Công văn số 2", "document_date": "10/12/2020"})
    assert response.status_code == 400 and Publication.objects.count() == 1
    summary = _summary(_form(response.content.decode()))
    assert re.search(r'<a href="#id_reason">Lý do đính chính \(bắt buộc khi công bố lại\): ', summary)


def test_a_refusal_that_names_no_field_is_in_the_summary_without_a_link(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    # the cycle moved back out of the phase results are published from, after the page was opened
    Cycle.objects.filter(pk=signed_cycle.pk).update(phase=Cycle.Phase.APPRAISAL)
    response = _client(admin_user).post(URL, {"confirmed": "on",
        "document_number": "Công văn số 1", "document_date": "08/12/2020"})
    assert response.status_code >= 400 and not Publication.objects.exists()
    summary = _summary(_form(response.content.decode()))
    assert re.search(r"<li>[^<]+</li>", summary)  # the message itself, no link to a field
    assert "<a href" not in summary


def test_the_page_before_sending_has_no_summary(signed_cycle: Cycle, admin_user: Any) -> None:
    """Guards behaviour that must not change: no alert on a fresh form."""
    page = _client(admin_user).get("/ket-qua/quan-ly/2020/").content.decode()
    assert 'id="publish-errors"' not in page and "autofocus" not in page
