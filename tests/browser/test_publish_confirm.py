"""«Công bố kết quả» asks first in the form itself: a box naming the year and the number of units published, checked by
the server. Sent without it, nothing is published and the error summary says so; no dialog of the browser asks."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Publication
from tests.browser.conftest import login
from tests.publication.conftest import media_root as media_root  # exports in a temporary folder
from tests.publication.conftest import signed_cycle as signed_cycle

pytestmark = pytest.mark.django_db(transaction=True)


def test_publishing_asks_first_with_a_box_naming_the_year_and_the_unit_count(
    page: Any, signed_cycle: Any, admin_user: Any
) -> None:
    login(page, "bao")
    page.goto("/ket-qua/quan-ly/2020/")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("#id_document_number").fill("Quyết định số 99/QĐ-UBND")
    page.locator("#id_document_date").fill("08/12/2020")
    box = page.get_by_role("checkbox", name="Tôi xác nhận công bố kết quả năm 2020 (4 đơn vị) theo văn bản đã nhập ở "
                                            "trên: trang công khai và dữ liệu mở sẽ hiện ngay kết quả này.")
    expect(box).not_to_be_checked()
    # sent without the box: nothing published, the summary says why and leads to the box
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.locator("#publish-errors")).to_contain_text("hãy đánh dấu ô «Tôi xác nhận công bố…»")
    assert not Publication.objects.exists()
    expect(page.locator("#id_document_number")).to_have_value("Quyết định số 99/QĐ-UBND")
    # ticked: published
    page.get_by_label("Tôi xác nhận công bố kết quả năm 2020").check()
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kết quả Chỉ số cải cách hành chính năm 2020")
    assert Publication.objects.count() == 1
    assert dialogs == []
