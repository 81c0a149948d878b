from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_documentation_page_has_no_inline_style_and_loads_its_frame_css(api: Any) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # The site's Content-Security-Policy allows style only from the site's own files.
    assert re.findall(r"<style[^>]*>", html) == []
    assert "style-src 'self'" in response["Content-Security-Policy"]
    css = re.search(r'href="([^"]*swagger-page[^"]*\.css)"', html)
    assert css is not None
    assert "swagger-ui-dist/swagger-ui.css" in html
    from django.contrib.staticfiles import finders

    found = finders.find(css.group(1).removeprefix("/static/"))
    assert found is not None
    from pathlib import Path

    assert "box-sizing" in Path(found).read_text(encoding="utf-8")
