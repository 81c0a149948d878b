"""The public results in English: the Vietnamese data that was left in attributes and charts — a group's name naming its
table's scrolling box and its chart, the area names of the column headers' tooltips, the unit and area names drawn in
the charts — is said in Vietnamese (`lang="vi"`, WCAG 3.1.2) by being text in an element so marked, never an attribute's
value (an attribute cannot be marked). The «Lĩnh vực 1…7» columns give the area's full name as text, to everyone."""

from __future__ import annotations

import re
from html import escape, unescape

import pytest
from django.conf import settings
from django.test import Client

from scoring.models import Publication

pytestmark = pytest.mark.django_db

ATTRIBUTE = re.compile(r'\s(aria-label|title)="([^"]*)"')


def _english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _names(publication: Publication) -> dict[str, list[str]]:
    snap = publication.snapshot
    return {
        "units": [r["unit_name"] for r in snap["rows"]],
        "groups": [g["name"] for g in snap["groups"]],
        "areas": [a["name"] for s in snap["sets"].values() for a in s["indicators"] if a["parent"] is None],
    }


def _element_by_id(html: str, element_id: str) -> str:
    """The inner HTML of the element with `element_id` (elements of its own name nested inside it included)."""
    opening = re.search(rf'<(\w+)[^>]*\sid="{re.escape(element_id)}"[^>]*>', html)
    assert opening, element_id
    tag, depth = opening.group(1), 1
    for found in re.finditer(rf"<(/?){tag}[\s>]", html[opening.end():]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return html[opening.end():opening.end() + found.start()]
    raise AssertionError(f"{element_id} is not closed")


def test_the_english_results_page_keeps_no_vietnamese_data_in_an_attribute(publication: Publication) -> None:
    html = _english().get("/ket-qua/2020/").content.decode()
    names = _names(publication)
    for attribute, value in ATTRIBUTE.findall(html):
        for name in [*names["units"], *names["groups"], *names["areas"]]:
            assert name not in unescape(value), (attribute, value)


def test_the_english_results_page_names_each_ranking_box_and_chart_with_its_group_marked_vietnamese(
    publication: Publication,
) -> None:
    html = _english().get("/ket-qua/2020/").content.decode()
    group = _names(publication)["groups"][0]
    boxes = re.findall(r'<div class="table-scroll sticky-cols"[^>]*>', html)
    charts = re.findall(r'<svg[^>]*class="chart fluid"[^>]*>', html)
    assert boxes and len(charts) == len(boxes)
    for opening in boxes + charts:
        labelled = re.search(r'aria-labelledby="([^"]+)"', opening)
        assert labelled, opening
        name = _element_by_id(html, labelled.group(1))
        assert f'<span lang="vi">{escape(group)}</span>' in name, name
        assert _text(name).startswith("Ranking — ")


def test_the_english_charts_draw_unit_and_area_names_marked_vietnamese(publication: Publication) -> None:
    client = _english()
    names = _names(publication)
    ranking = client.get("/ket-qua/2020/").content.decode()
    for unit in names["units"]:
        assert re.search(rf'<text [^>]*lang="vi"[^>]*>{re.escape(escape(unit))}</text>', ranking), unit
    unit_page = client.get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    chart = unit_page[unit_page.index("data-area-chart"):]
    chart = chart[:chart.index("</svg>")]
    for area in names["areas"]:
        drawn = re.search(rf'<text ([^>]*)>(?:(?!</text>).)*{re.escape(escape(area.split()[0]))}', chart, re.S)
        assert drawn and 'lang="vi"' in drawn.group(1), area
    for _attribute, value in ATTRIBUTE.findall(unit_page):
        for area in names["areas"]:
            assert area not in unescape(value), value


def test_the_vietnamese_results_page_keeps_its_charts_labelled_as_before(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()
    group = _names(publication)["groups"][0]
    assert '<span lang="vi">' not in html and "<text lang" not in html and 'lang="vi">' not in html.split("<svg")[1]
    assert re.search(rf'<svg [^>]*aria-label="Xếp hạng — {re.escape(escape(group))} \(', html)


@pytest.mark.parametrize("english", [False, True])
def test_each_area_column_gives_the_areas_full_name_as_text(publication: Publication, english: bool) -> None:
    html = (_english() if english else Client()).get("/ket-qua/2020/").content.decode()
    word = "Area" if english else "Lĩnh vực"
    areas = _names(publication)["areas"]
    headers = re.findall(r'<th scope="col" class="num area-col detail-col">(.*?)</th>', html, re.S)
    assert headers and len(headers) % len(areas) == 0
    for n, header in enumerate(headers):
        assert _text(header) == f"{word} {n % len(areas) + 1} — {areas[n % len(areas)]}", header
        assert "<abbr" not in header
    # for everyone who sees the page: a key to the columns above the first table, not folded away
    key = re.search(r"<p [^>]*data-area-key[^>]*>(.*?)</p>", html, re.S)
    assert key and html.index("data-area-key") < html.index('<table class="grid ranking"')
    assert "sr-only" not in key.group(0).split(">")[0]
    for n, area in enumerate(areas, start=1):
        assert f"{word} {n}: {area}" in _text(key.group(1))
