"""The criterion editor's «Xem trước ô nhập của đơn vị» with the keyboard: trying the preview's radios keeps the
focus on them (the preview is not redrawn by its own inputs), and an edit of the levels redraws the preview's
contents in the same live region, which is announced."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.administration import services
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_preview_keeps_the_focus_and_its_live_region(page: Any, small_set: Any, admin_user: Any) -> None:
    # given: a levels criterion of a draft set
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    leaf = draft.indicators.get(code="1.1.1")
    login(page, "bao")
    page.goto(f"/quan-ly/tieu-chi/{leaf.pk}/")
    preview = page.locator("#method-preview")
    expect(preview.locator("input[type=radio]").first).to_be_visible()
    page.evaluate("document.getElementById('method-preview').dataset.seen = 'yes'")
    # when: the keyboard tries the preview's radios
    page.locator("#id_preview-option_0").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(1200)  # past the preview's 300 ms delay and its answer
    # then: the focus stays on the preview's radio it moved to
    focused = page.evaluate("document.activeElement.closest('#method-preview') ? document.activeElement.id : "
                            "document.activeElement.tagName")
    assert focused.startswith("id_preview-option"), focused
    # when: the levels are edited
    page.fill("#id_p_options", "du | Gửi đúng hạn, đầy đủ | 1\ntre | Gửi trễ hạn | 0\nkhong | Không gửi | -1")
    expect(preview).to_contain_text("Gửi trễ hạn")
    # then: the same live region, its contents redrawn
    assert page.evaluate("document.getElementById('method-preview').dataset.seen") == "yes"
    assert preview.get_attribute("aria-live") == "polite"
