"""On the sheet, a leaf's «Lưu» and «Lịch sử thay đổi», repeated on every leaf, are named with the leaf's code: a
screen reader moving from control to control knows which criterion it is on."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_leafs_save_and_history_are_named_with_its_code(page: Any, assessment: Any, unit_editor: Any) -> None:
    login(page, "lan")
    page.goto(reverse("scoring:assessment", args=[assessment.pk]))

    for code in ("1.1.1", "1.2.1"):
        leaf = page.locator(f"#line-{assessment.lines.get(indicator__code=code).pk}")
        save = leaf.locator(".leaf-actions button[type=submit]")
        expect(save).to_have_text("Lưu")
        expect(save).to_have_accessible_name(f"Lưu {code}")
        expect(leaf.locator("details.history > summary")).to_have_accessible_name(f"Lịch sử thay đổi {code}")
    expect(page.get_by_role("button", name="Lưu 1.1.1", exact=True)).to_have_count(1)
