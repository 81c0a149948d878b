"""The unit's pages on a 375 px phone: the report's and the library's names wrap between words (never a word cut in
two, nor a name letter by letter), codes stay on one line, the number columns stay narrow, and the sheet's sticky
area heading keeps to two lines at most."""

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

PHONE = {"width": 375, "height": 800}

# For each cell: does its content box hold the widest word of its text (a word wider than that is cut in two)?
WORDS_FIT = """(cells) => cells.map((cell) => {
  const style = getComputedStyle(cell);
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const widest = Math.max(...cell.innerText.split(/\\s+/).filter(Boolean).map((w) => ctx.measureText(w).width));
  return [cell.innerText.trim().slice(0, 40), Math.round(inner), Math.round(widest)];
})"""


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def phone(new_page: Any) -> Any:
    page = new_page()
    page.set_viewport_size(PHONE)
    return page


def test_the_report_on_a_phone_wraps_names_between_words_and_keeps_codes_whole(
    phone: Any, assessment: Any, unit_editor: Any
) -> None:
    login(phone, "lan")
    phone.goto(reverse("scoring:report", args=[assessment.pk]))

    names = phone.eval_on_selector_all(".report-table tbody td:nth-child(2)", WORDS_FIT)
    assert names and all(inner >= widest for _, inner, widest in names), names
    # a code («1.1.1», «3.10.2») is one line: its text has a single line box
    codes_wrapped = phone.eval_on_selector_all(
        ".report-table tbody td:first-child",
        "cells => cells.filter(td => { const r = document.createRange(); r.selectNodeContents(td);"
        " return r.getClientRects().length > 1; }).map(td => td.innerText)",
    )
    assert codes_wrapped == []
    # the number columns are as narrow as their figures: «Điểm tối đa» is not wider than a quarter of the screen
    widths = phone.eval_on_selector_all(
        ".report-table thead th.num", "ths => ths.map(th => th.getBoundingClientRect().width)"
    )
    assert widths and max(widths) < PHONE["width"] / 4, widths


def test_the_library_on_a_phone_shows_file_names_whole_words(phone: Any, assessment: Any, unit_editor: Any) -> None:
    for name in ("Kế hoạch cải cách hành chính năm 2020 của Sở (bản ký số).pdf",
                 "QuyetDinh_So_1234_QD-UBND_ngay_15_01_2020_ve_viec_ban_hanh_ke_hoach_CCHC.pdf"):
        services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                 uploaded_file=upload(name, samples.pdf() + name.encode()), actor=unit_editor)
    login(phone, "lan")
    phone.goto(reverse("evidence:library", args=[assessment.pk]))

    cells = phone.eval_on_selector_all(
        ".evidence-table td.name", "cells => cells.map(td => td.getBoundingClientRect().width)"
    )
    # each name has (nearly) the screen's width, not a column squeezed to a letter
    assert len(cells) == 2 and min(cells) > PHONE["width"] * 0.75, cells
    names = phone.eval_on_selector_all(".evidence-table td.name", WORDS_FIT)
    spaced = [row for row in names if row[0].startswith("Kế hoạch")]
    assert spaced and spaced[0][1] >= spaced[0][2], names


def test_the_sheets_sticky_area_heading_keeps_to_two_lines_on_a_phone(
    phone: Any, assessment: Any, unit_editor: Any
) -> None:
    login(phone, "lan")
    phone.goto(reverse("scoring:assessment", args=[assessment.pk]))

    heights = phone.eval_on_selector_all(
        "details.area > summary",
        "els => els.map(s => [s.getBoundingClientRect().height, parseFloat(getComputedStyle(s).lineHeight)])",
    )
    assert heights
    for height, line in heights:
        assert height <= 2 * line + 20, heights  # two lines and the padding
    # the figures stay whole beside the name
    totals = phone.eval_on_selector_all(
        "details.area > summary .area-total", "els => els.map(e => e.getClientRects().length)"
    )
    assert set(totals) == {1}
