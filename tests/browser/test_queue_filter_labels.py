"""The appraisal queue's filter bar keeps each label on the line of its drop-down, at a desktop's, a laptop's and a
phone's width: the bar wraps between fields, never between «Lĩnh vực» or «Sắp xếp» and their select (it did at
1400 px), and the page never scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest

from tests.appraisal.conftest import submitted as submitted  # Sở Y tế's assessment, submitted
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

# each label of the bar with its control: [text, label's vertical middle inside the control's box, page scrolls]
LABELS = """() => Array.from(document.querySelectorAll("form.filters label[for]")).map((label) => {
  const a = label.getBoundingClientRect();
  const z = document.getElementById(label.htmlFor).getBoundingClientRect();
  const middle = (a.top + a.bottom) / 2;
  return [label.textContent.trim(), middle >= z.top && middle <= z.bottom, a.right <= z.left];
})"""


@pytest.mark.parametrize("width", [1400, 1024, 390])
def test_each_filter_label_stays_beside_its_drop_down(
    new_page: Any, submitted: Any, lead: Any, width: int
) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "hoa")
    page.goto("/tham-dinh/")
    fields = page.evaluate(LABELS)
    assert [text for text, _, _ in fields] == ["Kỳ", "Khối", "Trạng thái", "Lĩnh vực", "Sắp xếp"]
    assert fields == [[text, True, True] for text, _, _ in fields]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
