"""The area chart draws each bar as a share of its area's maximum: every bar is labelled with its points over that
maximum («10,85/11»), and the chart says what a bar's length is, on the picture and in its text alternative (the
unit's page and the PDF report's average charts, which draw the same chart)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from scoring.models import Publication
from scoring.publication import charts, exports

pytestmark = pytest.mark.django_db

NOTE = "Độ dài thanh: tỷ lệ điểm so với điểm tối đa của lĩnh vực"


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r">([^<>]+)</(?:text|tspan)>", svg)]


def _bar_widths(svg: str) -> list[float]:
    # the legend's two squares are 13 wide and come first: the bars follow, the unit's then the average's
    return [float(w) for w in re.findall(r'<rect x="0" y="[\d.]+" width="([\d.]+)" height="14"', svg)]


def test_each_bar_is_labelled_with_its_points_over_the_areas_maximum() -> None:
    svg = charts.area_comparison(
        [("4. Cải cách tổ chức bộ máy", Decimal(11), Decimal("10.85"), Decimal("9.5")),
         ("3. Cải cách thủ tục hành chính", Decimal(20), Decimal("16.97"), Decimal("17")),
         ("6. Cải cách tài chính công", Decimal("9.5"), Decimal("-1"), Decimal(0))],
        title="Điểm từng lĩnh vực so với bình quân khối", first="Đơn vị", second="Bình quân khối",
    )
    texts = _texts(svg)
    for label in ("10,85/11", "9,50/11", "16,97/20", "17,00/20", "−1,00/9,50", "0,00/9,50"):
        assert label in texts, label
    assert "10,85" not in texts and "16,97" not in texts  # never a bare number beside a bar
    # the longer bar is the larger share (10,85 of 11 against 16,97 of 20), as the note says
    mine_4, _avg_4, mine_3, _avg_3, mine_6, _avg_6 = _bar_widths(svg)
    assert mine_4 > mine_3 and mine_6 == 0
    # every label fits in the chart after a full bar
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))  # type: ignore[union-attr]
    assert max(_bar_widths(svg)) + 4 + len("100,00/100") * charts.CHAR_W <= width + charts.CHAR_W


@pytest.mark.parametrize("width", [charts.WIDTH, charts.PRINT_WIDTH])
def test_the_chart_says_what_a_bars_length_is_on_the_picture_and_in_its_text_alternative(width: int) -> None:
    svg = charts.area_comparison([("1. Lĩnh vực", Decimal(10), Decimal(7), Decimal(8))], title="Lĩnh vực",
                                 first="Đơn vị", second="Bình quân khối", width=width)
    note = re.search(r'<g data-bar-note="">(.*?)</g>', svg, re.S)
    assert note is not None
    assert " ".join(_texts(note.group(1))) == NOTE  # drawn whole, on one line or wrapped
    label = re.search(r'aria-label="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    assert label == f"Lĩnh vực. {NOTE}."
    # the note comes first, above the legend and the bars
    assert svg.index("data-bar-note") < svg.index('width="13"')


def test_the_unit_page_shows_the_charts_title_the_note_and_the_points_over_the_maximum(
    publication: Publication,
) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    section = html.split('id="areas-title"')[1].split("</section>")[0]
    figure = re.search(r'<figure class="chart-box"[^>]*>(.*?)</figure>', section, re.S).group(1)  # type: ignore[union-attr]
    # its title shown above the chart, whose first line is the note
    assert figure.index("Điểm từng lĩnh vực so với bình quân khối") < figure.index("<svg") < figure.index(NOTE)
    svg = figure[figure.index("<svg"):]
    # Sở Y tế: area 1 3,38 of 6, area 2 2,70 of 4 (bonus and penalty apart); the group's average beside each
    assert "3,38/6" in _texts(svg) and "2,70/4" in _texts(svg)
    assert f"{NOTE}." in re.search(r'aria-label="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    # the table keeps the figures
    assert "<td class=\"num\">3,38</td>" in section


def test_the_pdf_reports_average_charts_label_points_over_the_maximum(publication: Publication) -> None:
    html = exports.report_html(publication)
    block = re.search(r'<div class="chart-block" data-chart="areas">(.*?)</svg>', html, re.S).group(1)  # type: ignore[union-attr]
    assert NOTE in " ".join(_texts(block))
    assert any(re.fullmatch(r"\d+,\d\d/6", t) for t in _texts(block))
