"""The site's own 400 page (an unknown Host in production, a malformed request): standing alone in the site's style,
in Vietnamese, without Django's bare English «Bad Request (400)» and without echoing what was wrong."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import bad_request

pytestmark = pytest.mark.django_db


def test_an_unknown_host_gets_the_sites_400_page_in_vietnamese(client: Client, settings: Any) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["cchc.example.vn"]
    response = client.get("/", HTTP_HOST="ke-gia-mao.example.com")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Yêu cầu không hợp lệ" in body and 'lang="vi"' in body and "css/app.css" in body
    assert "Bad Request" not in body and "ke-gia-mao" not in body


def test_the_400_page_renders_without_the_requests_context() -> None:
    """Django renders it with no context (no user, no request): it must not depend on one."""
    with translation.override("vi"):
        response = bad_request(RequestFactory().get("/"), exception=Exception("chi tiết nội bộ"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Yêu cầu không hợp lệ" in body and "chi tiết nội bộ" not in body
