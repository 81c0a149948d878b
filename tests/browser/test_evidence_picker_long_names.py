"""In «Gắn tài liệu có sẵn…», a file with a long name keeps its row: the box, then the name wrapping in its own
column beside the box (never dropping below it), on a desktop dialog as on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evidence import services
from tests.browser.conftest import login
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)

LONG = ('Quyết định số 12 "ban hành" kế hoạch CCHC năm 2020 của UBND xã (bản scan có chữ ký) '
        'kèm phụ lục danh mục nhiệm vụ.pdf')


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_name_wraps_beside_its_box(page: Any, assessment: Any, unit_editor: Any, width: int) -> None:
    for name in (LONG, "Kế hoạch.pdf"):
        services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                 uploaded_file=upload(name, samples.pdf(name.encode().hex())), actor=unit_editor)
    line = assessment.lines.get(indicator__code="1.1.1")
    page.set_viewport_size({"width": width, "height": 844})
    login(page, "lan")
    page.goto(reverse("scoring:assessment", args=[assessment.pk]))
    page.click(f"#evidence-pick-{line.pk}")
    dialog = page.locator("dialog.evidence-dialog")
    expect(dialog).to_be_visible()
    for item in dialog.locator("[data-evidence-items] > li").all():
        box = item.locator("input[type=checkbox]").bounding_box()
        name = item.locator(".evidence-name").bounding_box()
        assert box is not None and name is not None
        assert name["x"] >= box["x"] + box["width"]  # the name beside the box, not under it
        assert name["y"] < box["y"] + box["height"]  # its first line level with the box
    long_item = dialog.locator("[data-evidence-items] > li", has_text="phụ lục")
    name = long_item.locator(".evidence-name").bounding_box()
    box = long_item.locator("input[type=checkbox]").bounding_box()
    assert name is not None and box is not None and name["height"] > 1.5 * box["height"]  # it wraps, in its column
