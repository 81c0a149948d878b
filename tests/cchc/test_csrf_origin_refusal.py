"""A form or script refused by the CSRF check for where it came from (an Origin or Referer of another site or
address), not for its token, is told so; the pages' scripts read it in the same JSON keys as the other refusals
(`ok`, `code`, `message`, `field`)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

pytestmark = pytest.mark.django_db

TOKEN = "a" * 32
URL = "/ket-qua/2020/tao-tep/pdf/"


def _client(language: str = "vi") -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = TOKEN
    client.cookies["django_language"] = language
    return client


def _from_elsewhere(client: Client, **extra: str) -> object:
    return client.post(URL, {"csrfmiddlewaretoken": TOKEN}, HTTP_ORIGIN="https://gia-mao.example", **extra)


def test_a_form_from_another_sites_origin_is_told_where_it_came_from() -> None:
    answer = _from_elsewhere(_client())
    page = answer.content.decode()
    assert answer.status_code == 403
    assert "trang hoặc địa chỉ khác" in page
    assert "Trang đã cũ hoặc trình duyệt chặn cookie" not in page


def test_a_form_with_a_referer_of_another_site_over_https_is_told_the_same() -> None:
    client = _client()
    answer = client.post(URL, {"csrfmiddlewaretoken": TOKEN}, secure=True, HTTP_REFERER="https://gia-mao.example/x")
    assert answer.status_code == 403
    assert "trang hoặc địa chỉ khác" in answer.content.decode()


def test_a_script_from_another_origin_gets_the_reason_in_the_sites_json_keys() -> None:
    answer = _from_elsewhere(_client(), HTTP_ACCEPT="application/json")
    assert answer.status_code == 403 and answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"ok", "code", "message", "field"}
    assert body["ok"] is False and body["field"] is None and body["code"] == "csrf_origin"
    assert "trang hoặc địa chỉ khác" in body["message"]
    english = _from_elsewhere(_client("en"), HTTP_ACCEPT="application/json").json()["message"]
    with translation.override("en"):
        assert english == translation.gettext(body["message"]) != body["message"]


def test_a_script_without_its_token_keeps_the_token_message_in_the_sites_json_keys() -> None:
    answer = Client(enforce_csrf_checks=True).post(URL, HTTP_ACCEPT="application/json")
    body = answer.json()
    assert answer.status_code == 403
    assert body == {"ok": False, "code": "csrf_failed", "message": body["message"], "field": None}
    assert "Hãy tải lại trang rồi thử lại" in body["message"]


def test_under_the_api_the_refusal_keeps_the_apis_error_format(rf: RequestFactory) -> None:
    from cchc.api import csrf_failure

    request = rf.post("/api/v1/assessments/", HTTP_ACCEPT="application/json")
    body = json.loads(csrf_failure(request, reason="Origin checking failed - https://gia-mao.example does not match "
                                   "any trusted origins.").content)
    assert set(body) == {"code", "message", "fields"} and body["code"] == "csrf_failed"
