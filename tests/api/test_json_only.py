"""The API answers JSON whoever asks: a browser's Accept (text/html) or `?format=api` never gets DRF's browsable
page, which speaks English and leaves the one error format."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_the_json_error_not_an_html_page(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.get("/api/v1/assessments/999999/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) >= {"code", "message"}


def test_a_browser_reading_a_list_gets_json(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.get("/api/v1/assessments/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "results" in response.json()


def test_the_browsable_format_is_not_served(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.get("/api/v1/assessments/?format=api")
    assert response["Content-Type"].startswith("application/json")
    assert b"Django REST framework" not in response.content
