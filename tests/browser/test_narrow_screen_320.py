"""At 320 px (WCAG 1.4.10, reflow) the public set page, the open-data page and the evidence library are no wider
than the screen: a wide table or a code example scrolls in its own box, a long file name without spaces wraps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from evidence import services
from tests.browser.conftest import login
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)

NARROW = {"width": 320, "height": 700}
WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def narrow(new_page: Any) -> Any:
    page = new_page()
    page.set_viewport_size(NARROW)
    return page


def _in_english(page: Any) -> None:
    page.goto("/")
    page.click("form.lang button[name=language]")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "en"


@pytest.mark.parametrize("english", [False, True], ids=["vi", "en"])
def test_the_public_set_page_is_no_wider_than_a_320_px_screen(
    narrow: Any, small_set: Any, cycle: Any, english: bool
) -> None:
    # a set is public once in use (`cycle`): a draft's page is a 404
    if english:
        _in_english(narrow)
    narrow.goto(reverse("indicator_set_detail", args=[small_set.key]))
    assert narrow.locator("table.tree").count() == 1
    assert narrow.evaluate(WIDTH) <= NARROW["width"]


@pytest.mark.parametrize("english", [False, True], ids=["vi", "en"])
def test_the_open_data_page_is_no_wider_than_a_320_px_screen_and_its_examples_scroll_in_their_box(
    narrow: Any, db: Any, english: bool
) -> None:
    if english:
        _in_english(narrow)
    narrow.goto(reverse("open_data_docs"))
    assert narrow.locator(".open-data-docs pre").count() > 0
    assert narrow.evaluate(WIDTH) <= NARROW["width"]
    # an example wider than the screen is still whole: it scrolls inside its own box
    assert narrow.evaluate(
        "Array.from(document.querySelectorAll('.open-data-docs pre')).some((pre) => pre.scrollWidth > pre.clientWidth)"
    )


def test_the_library_with_a_255_character_file_name_without_spaces_is_no_wider_than_a_320_px_screen(
    narrow: Any, assessment: Any, unit_editor: Any
) -> None:
    name = "B" * 251 + ".pdf"
    assert len(name) == 255
    services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                             uploaded_file=upload(name, samples.pdf() + b"long"), actor=unit_editor)
    login(narrow, "lan")
    narrow.goto(reverse("evidence:library", args=[assessment.pk]))
    link = narrow.locator(".evidence-table .evidence-name")
    assert link.get_attribute("href")
    assert narrow.evaluate(WIDTH) <= NARROW["width"]
    # the whole name is there to read (wrapped, not cut)
    assert link.inner_text().replace("\n", "") == name
    # on a wider screen, where the library is a table, the name wraps in its column: the table fits its box
    narrow.set_viewport_size({"width": 800, "height": 700})
    widths = narrow.evaluate(
        "(() => { const t = document.querySelector('.evidence-table');"
        " return [t.getBoundingClientRect().width, t.closest('.table-scroll').clientWidth]; })()"
    )
    assert widths[0] <= widths[1], widths

