"""The public results pages: charts in the page's language, the distribution chart's figures as a table with
unambiguous bins, the open-data documentation served and linked, and the home page's link to a published year."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from scoring.models import Publication
from scoring.publication import charts

pytestmark = pytest.mark.django_db


def _english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _svgs(html: str) -> str:
    return "".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))


# --- charts in the page's language -------------------------------------------------------------------------


def test_the_english_ranking_chart_writes_a_decimal_point_as_its_table(publication: Publication) -> None:
    html = _english().get("/ket-qua/2020/").content.decode()
    svg = _svgs(html)
    assert ">7.58<" in svg and ">6.58<" in svg
    assert "7,58" not in svg


def test_the_vietnamese_ranking_chart_keeps_the_decimal_comma(publication: Publication) -> None:
    svg = _svgs(Client().get("/ket-qua/2020/").content.decode())
    assert ">7,58<" in svg and "7.58" not in svg


def test_the_english_unit_page_charts_write_a_decimal_point(publication: Publication) -> None:
    svg = _svgs(_english().get("/ket-qua/2020/don-vi/so-y-te/").content.decode())
    # the area chart's points over the area's maximum (one published year: no trend chart)
    assert re.search(r">\d+\.\d\d/\d+<", svg)
    assert not re.search(r">\d+,\d\d(/\d+)?<", svg)


# --- the distribution chart ------------------------------------------------------------------------------


def test_a_bin_label_says_where_its_upper_edge_goes_and_an_index_on_it_is_counted_there() -> None:
    bins = charts.distribution_bins([Decimal("65"), Decimal("69.99"), Decimal("70.00")], step=Decimal("5"))

    assert [(b.label, b.count) for b in bins] == [("65 – dưới 70", 2), ("70 – dưới 75", 1)]


def test_a_negative_index_is_counted_in_a_bin_below_0_and_the_bins_add_up_to_every_unit() -> None:
    """A unit penalised below 0 (−2,00) is in «-5 – dưới 0», and −7,00 in «-10 – dưới -5»: a bin's low edge is
    rounded down, not toward 0, so the counts add up to the units the caption states."""
    values = [Decimal("-2.00"), Decimal("-7.00"), Decimal("0.00"), Decimal("3"), Decimal("93.71"), Decimal("-5")]

    bins = charts.distribution_bins(values, step=Decimal("5"))

    assert sum(b.count for b in bins) == len(values)
    counts = {b.label: b.count for b in bins}
    assert counts["-10 – dưới -5"] == 1 and counts["-5 – dưới 0"] == 2 and counts["0 – dưới 5"] == 2
    assert bins[0].low == Decimal("-10") and bins[-1].label == "90 – dưới 95"
    half = charts.distribution_bins([Decimal("-0.25"), Decimal("6.58")], step=Decimal("0.5"))
    assert half[0].label == "-0,50 – dưới 0,00" and sum(b.count for b in half) == 2
    assert charts.distribution_bins([Decimal("-0.00"), Decimal("1")], step=Decimal("5"))[0].label == "0 – dưới 5"


def test_the_distribution_chart_is_labelled_with_a_summary_and_its_figures_are_in_a_table(
    publication: Publication,
) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()

    dist = html[html.index('id="dist-title"'):]
    label = re.search(r'<svg[^>]*aria-label="([^"]*)"', dist).group(1)
    assert "Phân bố chỉ số các đơn vị: 4 đơn vị, chỉ số từ 5,58 đến 7,58" in label
    table = dist[dist.index("<table"):dist.index("</table>")]
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num">(\d+)</td></tr>', table)
    # the small set's standard maximum is 10: bins of 0,5 points; 5,58 · 6,58 · 7,58 · 7,58
    assert ("7,50 – dưới 8,00", "2") in rows and ("5,50 – dưới 6,00", "1") in rows
    assert sum(int(count) for _label, count in rows) == 4


def test_the_english_distribution_labels_use_a_decimal_point(publication: Publication) -> None:
    with translation.override("en"):
        bins = charts.distribution_bins([Decimal("6.58"), Decimal("7.58")], step=Decimal("0.5"))
    assert bins[0].label.startswith("6.50") and "," not in bins[0].label


# --- the open-data documentation ---------------------------------------------------------------------------


def test_the_open_data_documentation_is_a_public_page_made_from_the_docs_file() -> None:
    response = Client().get("/du-lieu-mo/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<code>diem_tham_dinh</code>" in html and "<code>cchc-ket-qua/1</code>" in html
    assert "<table" in html and '<pre tabindex="0" role="region"' in html and "<code" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_results_page_links_the_documentation_beside_the_downloads(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()
    downloads = html[html.index('id="dl-title"'):]
    assert 'href="/du-lieu-mo/"' in downloads


def test_the_api_schema_points_to_the_documentation_page(publication: Publication) -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/du-lieu-mo/" in schema and "docs/open-data.md" not in schema


# --- the home page -----------------------------------------------------------------------------------------


def test_the_home_page_links_a_published_year_to_its_results_and_names_the_sets(publication: Publication) -> None:
    html = Client().get("/").content.decode()

    assert 'href="/ket-qua/2020/"' in html
    assert "Bộ chỉ số thử nghiệm</a>" in html
    assert ">test-set<" not in html


def test_the_home_page_does_not_link_an_unpublished_year(signed_cycle: Any) -> None:
    html = Client().get("/").content.decode()
    assert 'href="/ket-qua/2020/"' not in html
