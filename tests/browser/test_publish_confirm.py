"""«Công bố kết quả» asks first, repeating the document number and date as typed and the number of units published;
declined, nothing is published."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Publication
from tests.browser.conftest import login
from tests.publication.conftest import media_root as media_root  # exports in a temporary folder
from tests.publication.conftest import signed_cycle as signed_cycle

pytestmark = pytest.mark.django_db(transaction=True)


def test_publishing_asks_first_with_the_document_and_the_unit_count(
    page: Any, signed_cycle: Any, admin_user: Any
) -> None:
    login(page, "bao")
    page.goto("/ket-qua/quan-ly/2020/")
    page.locator("#id_document_number").fill("Quyết định số 99/QĐ-UBND")
    page.locator("#id_document_date").fill("08/12/2020")
    asked: list[str] = []

    def decline(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.get_by_role("button", name="Công bố kết quả").click()
    assert asked == ["Công bố kết quả năm 2020 theo Quyết định số 99/QĐ-UBND ngày 08/12/2020 (4 đơn vị)? Trang công "
                     "khai và dữ liệu mở sẽ hiện ngay kết quả này."]
    assert not Publication.objects.exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kết quả Chỉ số cải cách hành chính năm 2020")
    assert Publication.objects.count() == 1
