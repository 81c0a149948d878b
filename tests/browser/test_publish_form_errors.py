"""A refused «Công bố kết quả» lands on its error summary: focused and in view (below the four preview tables), each
problem a link to its field."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.publication.conftest import media_root as media_root  # exports in a temporary folder
from tests.publication.conftest import signed_cycle as signed_cycle

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_empty_publish_form_lands_focused_on_its_error_summary(
    page: Any, signed_cycle: Any, admin_user: Any
) -> None:
    login(page, "bao")
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto("/ket-qua/quan-ly/2020/")
    page.get_by_role("button", name="Công bố kết quả").click()
    summary = page.locator("#publish-errors")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0  # the page scrolled past the preview to the summary
    expect(page.get_by_role("alert")).to_contain_text("Chưa công bố được kết quả")
    summary.get_by_role("link", name="Số văn bản phê duyệt:").click()
    expect(page.locator("#id_document_number")).to_be_in_viewport()
