"""A request whose Host is not one of ALLOWED_HOSTS gets, under /api/, the API's one error format (400 `bad_host`,
in the request's language, never the site's HTML page and never the host it named); other paths keep the site's
400 page. Any other malformed request under /api/ answers the same format (`bad_request`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.translation import gettext_lazy

pytestmark = pytest.mark.django_db

HOST = "cchc.example.vn"
FORGED = "ke-gia-mao.example.com"


@pytest.fixture
def production_hosts(settings: Any) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [HOST]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_host_under_the_api_gets_the_apis_json_error_in_vietnamese(
    client: Client, production_hosts: None, method: str
) -> None:
    # when
    response = getattr(client, method)("/api/v1/units/", HTTP_HOST=FORGED)
    # then
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "bad_host" and body["fields"] == {}
    assert "tên miền" in body["message"] and FORGED not in response.content.decode()


def test_an_unknown_host_on_an_unknown_api_path_is_json_too(client: Client, production_hosts: None) -> None:
    response = client.get("/api/v1/khong-co/", HTTP_HOST=FORGED)
    assert response.status_code == 400 and response.json()["code"] == "bad_host"


def test_the_bad_host_answer_speaks_the_language_the_api_client_asks_for(
    client: Client, production_hosts: None, monkeypatch: Any
) -> None:
    """The English catalogue gets the new message later (translator): a message already translated stands in for
    it, so what is checked is that the request's language is the one used."""
    import cchc.api

    monkeypatch.setattr(cchc.api, "MSG_BAD_HOST", gettext_lazy("Không tìm thấy dữ liệu yêu cầu."), raising=False)
    english = client.get("/api/v1/units/", HTTP_HOST=FORGED, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and english.json()["message"] == "The requested data was not found."
    vietnamese = client.get("/api/v1/units/", HTTP_HOST=FORGED)
    assert vietnamese.json()["message"] == "Không tìm thấy dữ liệu yêu cầu."


def test_a_host_refused_before_the_language_is_chosen_still_gets_the_requests_language(
    client: Client, production_hosts: None, settings: Any
) -> None:
    """With the redirect to HTTPS on, a plain-HTTP request's Host is read by the security middleware, before the
    language middleware runs: the answer must not take whatever language the thread's last request left."""
    settings.SECURE_SSL_REDIRECT = True
    translation.activate("en")  # a previous request in English on this thread
    response = client.get("/api/v1/units/", HTTP_HOST=FORGED)
    assert response.status_code == 400 and response.json()["code"] == "bad_host"
    assert "tên miền" in response.json()["message"]


def test_an_unknown_host_elsewhere_keeps_the_sites_html_400_page(client: Client, production_hosts: None) -> None:
    """Guards behaviour that must not change."""
    response = client.get("/ket-qua/", HTTP_HOST=FORGED)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_any_other_bad_request_under_the_api_is_the_one_error_format() -> None:
    from cchc.api import bad_request

    with translation.override(settings.LANGUAGE_CODE):
        response = bad_request(RequestFactory().get("/api/v1/units/"), exception=SuspiciousOperation("chi tiết"))
    assert response.status_code == 400
    body = response.content.decode()
    assert '"code": "bad_request"' in body and "chi tiết" not in body


def test_the_api_400_handler_never_reads_the_refused_host() -> None:
    from cchc.api import bad_request

    request = RequestFactory().get("/api/v1/units/", HTTP_HOST=FORGED)
    response = bad_request(request, exception=DisallowedHost(f"Invalid HTTP_HOST header: '{FORGED}'."))
    assert response.status_code == 400 and FORGED not in response.content.decode()
