"""The trend chart of a unit's page marks a year the unit did not submit its self-assessment («Không gửi báo cáo tự
đánh giá», the history's `not_submitted`) with a marker of its own, a legend entry and its text alternative, and joins
it to the other years by a dashed line only (the comparison withholds the change from or to it): never a plain point
of the line, read as a unit that scored so."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from scoring.models import Publication
from scoring.publication import charts
from tests.publication.test_compare_not_submitted import two_years  # noqa: F401  (re-exported fixture)
from tests.publication.test_not_submitted_marked import MARK

pytestmark = pytest.mark.django_db

Years = tuple[Publication, Publication]


def _chart(page: str) -> str:
    section = page[page.index('id="hist-title"'):page.index('id="detail-title"')]
    return section[section.index("<svg"):section.index("</svg>")]


def test_the_trend_chart_marks_the_year_not_submitted(two_years: Years) -> None:  # noqa: F811
    page = Client().get("/ket-qua/2021/don-vi/so-xay-dung/").content.decode()
    svg = _chart(page)
    assert svg.count('data-not-submitted="2020"') == 1 and 'data-not-submitted="2021"' not in svg
    assert svg.count("<circle") == 1  # 2021 only: 2020 is drawn with the other marker, not as a plain point
    assert MARK in svg.split("data-trend-legend", 1)[1]  # the legend entry
    label = re.search(r'aria-label="([^"]*)"', svg)
    assert label is not None
    assert f"2020: 5,58 ({MARK.lower()})" in label.group(1)
    assert "2021: 6,58" in label.group(1) and "2021: 6,58 (" not in label.group(1)
    caption = page[page.index("<figcaption>", page.index('id="hist-title"')):].split("</figcaption>")[0]
    assert "data-not-submitted-chart" in caption and "không gửi báo cáo tự đánh giá" in caption


def test_the_trend_chart_of_a_unit_that_always_submitted_has_no_mark(two_years: Years) -> None:  # noqa: F811
    page = Client().get("/ket-qua/2021/don-vi/so-y-te/").content.decode()
    svg = _chart(page)
    assert "data-not-submitted" not in svg and "data-trend-legend" not in svg and svg.count("<circle") == 2
    assert "data-not-submitted-chart" not in page


def test_the_line_to_and_from_a_year_not_submitted_is_dashed() -> None:
    """The change from or to the year is withheld on the comparison: the chart joins it by a dashed line only, the
    other years by the solid line."""
    svg = str(charts.trend(
        [("2019", Decimal("80")), ("2020", Decimal("0")), ("2021", Decimal("82")), ("2022", Decimal("85"))],
        title="Chỉ số", marked=[False, True, False, False], marked_label=MARK,
    ))
    assert svg.count("stroke-dasharray") == 2 + 1  # 2019–2020, 2020–2021, and the legend's sample
    solid = re.findall(r'<polyline points="([^"]*)"[^>]*/>', svg)
    assert len(solid) == 1 and len(solid[0].split()) == 2  # 2021–2022 only
    assert svg.count("<circle") == 3 and svg.count('data-not-submitted="2020"') == 1
    plain = str(charts.trend([("2019", Decimal("80")), ("2020", Decimal("81"))], title="Chỉ số"))
    assert "stroke-dasharray" not in plain and "data-trend-legend" not in plain


def test_marks_must_match_the_points() -> None:
    with pytest.raises(ValueError):
        charts.trend([("2019", Decimal("80"))], title="Chỉ số", marked=[True, False], marked_label=MARK)


def test_the_marks_read_in_english_on_the_english_interface(two_years: Years) -> None:  # noqa: F811
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/ket-qua/2021/don-vi/so-xay-dung/").content.decode()
    svg = _chart(page)
    assert "Self-assessment report not submitted" in svg.split("data-trend-legend", 1)[1]
    assert "2020: 5.58 (self-assessment report not submitted)" in svg
    caption = page[page.index("<figcaption>", page.index('id="hist-title"')):].split("</figcaption>")[0]
    assert "Hollow diamond: a year the unit did not submit its self-assessment" in caption
    assert MARK not in svg
