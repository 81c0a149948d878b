"""A form posted without its CSRF token (a page left open too long, cookies blocked): the refusal is the site's
page in the user's language with what to do, not Django's English «CSRF verification failed»."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_post_without_a_csrf_cookie_gets_the_sites_page_in_vietnamese_or_english() -> None:
    client = Client(enforce_csrf_checks=True)
    answer = client.post("/ket-qua/2020/tao-tep/pdf/")
    page = answer.content.decode()
    assert answer.status_code == 403
    assert "Hãy tải lại trang rồi thử lại" in page and "CSRF verification failed" not in page
    assert '<html lang="vi">' in page
    client.cookies["django_language"] = "en"
    english = client.post("/ket-qua/2020/tao-tep/pdf/").content.decode()
    assert "reload the page" in english and "CSRF verification failed" not in english


def test_a_pages_script_posting_without_its_token_gets_the_message_as_json() -> None:
    client = Client(enforce_csrf_checks=True)
    answer = client.post("/ket-qua/2020/tao-tep/pdf/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 403 and answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == "csrf_failed" and "Hãy tải lại trang rồi thử lại" in body["message"]
