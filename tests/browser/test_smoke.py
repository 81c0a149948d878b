from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_sees_both_sets_and_can_log_in(page: Any, cycle: Any, unit_editor: Any) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text() == "Chỉ số cải cách hành chính"
    assert "Bộ chỉ số thử nghiệm" in page.content()
    login(page, "lan")
    assert "lan" in page.locator(".topbar").inner_text()


def test_a_wrong_password_shows_a_vietnamese_error(page: Any, unit_editor: Any) -> None:
    login(page, "lan", "sai-mat-khau")
    assert page.locator("[role=alert]").is_visible()
    assert "mật khẩu" in page.locator("[role=alert]").inner_text().lower()
