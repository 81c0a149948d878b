"""Publishing is confirmed by a box of the form that says what is published (the year, the number of units; a
correction said as one), checked by the server: without it nothing is published, whether or not the browser runs
scripts, and no dialog of the browser asks instead."""

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


def _form(html: str) -> str:
    found = re.search(r'<form method="post" action="/ket-qua/quan-ly/2020/cong-bo/".*?</form>', html, re.S)
    assert found, "the publish form is not on the page"
    return found.group(0)


def test_the_publish_form_asks_its_confirmation_in_a_box_naming_the_year_and_the_units(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    html = _client(admin_user).get("/ket-qua/quan-ly/2020/").content.decode()
    form = _form(html)
    assert "data-confirm" not in form and "publish-confirm.js" not in html
    assert re.search(r'<input type="checkbox" name="confirmed" [^>]*id="id_confirmed"[^>]*> Tôi xác nhận công bố kết '
                     r"quả năm 2020 \(4 đơn vị\) theo văn bản đã nhập ở trên", form)


def test_publishing_without_the_box_publishes_nothing_and_says_why(signed_cycle: Cycle, admin_user: Any) -> None:
    response = _client(admin_user).post(URL, {"document_number": "Công văn số 4567/UBND-NC",
                                              "document_date": "08/12/2020"})
    assert response.status_code == 400 and not Publication.objects.exists()
    summary = re.search(r'<div[^>]*\bid="publish-errors"[^>]*>.*?</div>', response.content.decode(), re.S)
    assert summary and ('<a href="#id_confirmed">Chưa công bố gì: hãy đánh dấu ô «Tôi xác nhận công bố…» ở cuối biểu '
                        "mẫu.</a>") in summary.group(0)
    assert Cycle.objects.get(year=2020).phase == Cycle.Phase.FINALISATION
    # the refused form's box still says what it confirms
    assert "Tôi xác nhận công bố kết quả năm 2020 (4 đơn vị)" in _form(response.content.decode())


def test_a_corrections_box_says_it_is_a_correction(publication: Publication, admin_user: Any) -> None:
    form = _form(_client(admin_user).get("/ket-qua/quan-ly/2020/").content.decode())
    assert "Tôi xác nhận công bố bản đính chính kết quả năm 2020 (4 đơn vị)" in form
