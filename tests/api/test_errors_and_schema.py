from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_and_lists_the_api_paths(api: Any) -> None:
    from drf_spectacular.validation import validate_schema

    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    for path in (
        "/api/v1/units/", "/api/v1/assessments/{assessment_id}/lines/{line_id}/", "/api/v1/results/{year}/",
        "/api/v1/assessments/{assessment_id}/sign-off/", "/api/v1/tokens/", "/api/v1/evidence/{file_id}/download/",
        "/api/v1/assessments/{assessment_id}/close-explanation/",
        "/api/v1/assessments/{assessment_id}/withdraw-explanation/",
        "/api/v1/assessments/{assessment_id}/change-explanation-deadline/",
    ):
        assert path in schema["paths"]


def test_swagger_ui_is_served_from_the_projects_own_static_files(api: Any) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn" not in html.lower()
    # The page's own start-up code is a separate script (the site's CSP forbids inline script).
    assert [body for body in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S) if body.strip()] == []
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


def test_an_anonymous_request_gets_the_one_error_format_not_an_html_page(api: Any) -> None:
    response = api.get("/api/v1/units/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert "đăng nhập" in body["message"]
    assert body["fields"] == {}


def test_an_unknown_object_is_a_404_in_the_one_error_format(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.get("/api/v1/assessments/999999/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Không tìm thấy dữ liệu yêu cầu.", "fields": {}}


def test_malformed_json_is_a_400_parse_error(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/tokens/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_malformed_form_body_is_a_parse_error_that_does_not_speak_of_json(api: Any, admin_user: Any) -> None:
    api.force_login(admin_user)
    response = api.post("/api/v1/tokens/", data=b"--x\r\nContent-Disposition: form-data\r\n\r\nno end",
                        content_type="multipart/form-data")  # no boundary: the body cannot be split
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert "JSON" not in response.json()["message"] and "biểu mẫu" in response.json()["message"]
    json_body = api.post("/api/v1/tokens/", data="{", content_type="application/json; charset=utf-8")
    assert "JSON" in json_body.json()["message"]


def test_a_session_without_its_csrf_token_is_told_so_not_refused_a_right(admin_user: Any) -> None:
    from rest_framework.test import APIClient

    strict = APIClient(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    response = strict.post("/api/v1/tokens/", {"username": "x", "role": "unit_editor", "name": "y"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert "X-CSRFToken" in response.json()["message"]


def test_a_body_without_a_content_type_is_a_documented_415_in_the_one_error_format(api: Any, admin_user: Any) -> None:
    """A client that sends a body but no Content-Type: no parser reads it. The answer is 415, in the error format,
    and every operation that reads a body documents it (a client generated from the schema expects it)."""
    from django.test import Client

    from scoring.models import ApiToken

    client = Client()
    client.force_login(admin_user)
    before = ApiToken.objects.count()
    response = client.generic("POST", "/api/v1/tokens/", b'{"name": "x"}', content_type="",
                              HTTP_X_CSRFTOKEN="x")
    assert response.status_code == 415
    assert response.json() == {"code": "unsupported_media_type", "fields": {},
                               "message": "Kiểu dữ liệu gửi lên không được hỗ trợ."}
    assert ApiToken.objects.count() == before
    schema = yaml.safe_load(api.get("/api/schema/").content)
    bodies = [op for item in schema["paths"].values() for op in item.values()
              if isinstance(op, dict) and "requestBody" in op]
    assert bodies
    error = {"$ref": "#/components/schemas/Error"}
    for operation in bodies:
        for code in ("400", "415"):
            assert operation["responses"][code]["content"]["application/json"]["schema"] == error
    every = [op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)]
    for operation in every:  # throttled, or a wrong token (public data included)
        for code in ("401", "429"):
            assert operation["responses"][code]["content"]["application/json"]["schema"] == error


def test_too_many_anonymous_requests_are_throttled_with_the_one_error_format(api: Any, monkeypatch: Any) -> None:
    from django.core.cache import cache

    from cchc.api import AnonThrottle

    cache.clear()
    monkeypatch.setattr(AnonThrottle, "get_rate", lambda self: "2/min")
    assert api.get("/api/v1/results/").status_code == 200
    assert api.get("/api/v1/results/").status_code == 200
    response = api.get("/api/v1/results/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
    cache.clear()


def test_a_signed_in_user_is_not_held_to_the_anonymous_rate(api: Any, monkeypatch: Any, unit_editor: Any) -> None:
    from django.core.cache import cache

    from cchc.api import AnonThrottle

    cache.clear()
    monkeypatch.setattr(AnonThrottle, "get_rate", lambda self: "2/min")
    api.force_login(unit_editor)
    assert [api.get("/api/v1/results/").status_code for _ in range(3)] == [200, 200, 200]
    cache.clear()


def test_a_system_without_the_language_cookie_chooses_english_with_accept_language(api: Any) -> None:
    vietnamese = api.get("/api/v1/units/")
    english = api.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert vietnamese.status_code == english.status_code == 401
    assert vietnamese.json()["code"] == english.json()["code"]
    assert vietnamese.json()["message"] != english.json()["message"]
    assert english.json()["message"].isascii()


@pytest.mark.parametrize(("header", "english"), [
    ("en;q=0", False), ("en;q=0, vi;q=0.5", False), ("en;q=0.0", False), ("*;q=0.5, en;q=0", False),
    ("fr, en;q=0.3", True), ("en-GB;q=0.8", True), ("vi, en;q=0.9", False),
])
def test_a_language_the_system_refuses_with_q_0_is_not_the_one_it_gets(api: Any, header: str, english: bool) -> None:
    message = api.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE=header).json()["message"]
    assert message.isascii() is english


def test_the_browser_pages_still_ignore_accept_language(client: Any) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.headers["Content-Language"] == "vi"


# Actions that take nothing but their URL (the assessment named in the path is the whole request).
BODYLESS_ACTIONS = {"areas/{area_id}/accept/", "lines/{line_id}/explanation-seen/", "resubmit/", "sign-off/", "start/",
                    "submit/", "agree-remaining/"}


def test_every_operation_documents_its_request_success_and_error_types(api: Any) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    operations = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operations += 1
            where = f"{method.upper()} {path}"
            successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
            assert successes, f"{where}: no success response"
            for code, response in successes.items():
                assert code == "204" or response.get("content"), f"{where}: {code} has no body type"
            assert any(code.startswith("4") for code in operation["responses"]), f"{where}: no error response"
            if method in {"post", "put", "patch"} and not path.endswith(tuple(BODYLESS_ACTIONS)):
                assert "requestBody" in operation, f"{where}: no request body type"
    assert operations >= 60


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999"])
def test_a_page_that_does_not_exist_is_a_400_field_error(api: Any, admin_user: Any, page: str) -> None:
    api.force_login(admin_user)
    assert api.get("/api/v1/units/", {"page": "1"}).status_code == 200
    response = api.get("/api/v1/units/", {"page": page})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "page" in body["fields"], body


def test_an_unexpected_server_error_under_the_api_is_json_in_the_one_format(
    admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client

    from scoring.api import units

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(units.UnitList, "get_queryset", broken)
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get("/api/v1/units/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error" and "lỗi" in response.json()["message"]


def test_a_body_nested_thousands_deep_is_a_400_parse_error_not_a_server_error(
    api: Any, admin_user: Any, client: Any, assessment: Any, unit_editor: Any
) -> None:
    """Python's JSON decoder gives up (RecursionError) on a few thousand nested brackets: malformed JSON, on the API
    and on the sheet's JSON autosave."""
    from scoring.models import ApiToken, ScoreLine

    deep = "[" * 5000 + "]" * 5000
    api.force_login(admin_user)
    before = ApiToken.objects.count()
    answer = api.post("/api/v1/tokens/", data=deep, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "parse_error"
    assert ApiToken.objects.count() == before
    client.force_login(unit_editor)
    line = ScoreLine.objects.filter(assessment=assessment).order_by("id").first()
    saved = client.post(f"/danh-gia/{assessment.pk}/dong/{line.pk}/", data=deep, content_type="application/json",
                        HTTP_ACCEPT="application/json")
    assert saved.status_code == 400 and saved.json()["code"] == "invalid_json"
    assert ScoreLine.objects.get(pk=line.pk).version == line.version
