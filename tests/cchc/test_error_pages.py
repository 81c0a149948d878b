"""The site's own 404 and 500 pages: in its layout (the 500 one standing alone) and the visitor's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation

from cchc.api import server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_address_gets_the_sites_404_page_in_vietnamese(client: Client) -> None:
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang" in body and 'class="topbar"' in body and 'lang="vi"' in body


def test_the_404_page_speaks_english_when_english_is_chosen(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and "Không tìm thấy trang" not in body


def test_a_server_error_page_stands_alone_in_the_sites_style() -> None:
    request = RequestFactory().get("/danh-gia/1/")
    with translation.override("vi"):
        response = server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Lỗi máy chủ" in body and "css/app.css" in body and 'lang="vi"' in body


def test_an_api_server_error_stays_json() -> None:
    response = server_error(RequestFactory().get("/api/v1/units/"))
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
