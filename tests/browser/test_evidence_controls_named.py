"""On the sheet, a screen reader moving through a leaf's evidence controls hears which criterion they belong to:
each accessible name starts with the control's visible words (said by voice control too) and ends with the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_tabbing_through_a_leafs_evidence_controls_names_the_leaf_at_each_step(
    page: Any, assessment: Any, unit_editor: Any
) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, "lan")
    page.goto(reverse("scoring:assessment", args=[assessment.pk]))

    for code in ("1.1.1", "1.2.1"):
        line = assessment.lines.get(indicator__code=code)
        block = page.locator(f"#evidence-line-{line.pk}")
        pick = block.locator(".evidence-pick")
        pick.focus()
        expect(pick).to_have_accessible_name(f"Gắn tài liệu có sẵn vào tiêu chí {code}")
        page.keyboard.press("Tab")
        chooser = page.locator(f"#evidence-upload-{line.pk}")
        expect(chooser).to_be_focused()
        expect(chooser).to_have_accessible_name(f"Tải lên và gắn vào tiêu chí {code}")
        page.keyboard.press("Tab")
        upload = block.locator(".evidence-upload-form button[type=submit]")
        expect(upload).to_be_focused()
        expect(upload).to_have_accessible_name(f"Tải lên các tệp đã chọn cho tiêu chí {code}")
        # each name is the page's only one of its kind
        expect(page.get_by_role("button", name=f"Tải lên các tệp đã chọn cho tiêu chí {code}", exact=True)) \
            .to_have_count(1)
