"""The public pages for a keyboard and a screen reader: every box that scrolls sideways on a phone is reached with
the keyboard and named (the indicator set's criteria, the open-data page's code examples), headings never skip a
level, and controls repeated per year or per group name theirs (the downloads of /ket-qua/, the detail toggles of a
year's ranking)."""

from __future__ import annotations

import itertools
import re
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from scoring.models import Publication
from scoring.publication import docs

pytestmark = pytest.mark.django_db

REGION = re.compile(r'<div class="table-scroll" tabindex="0" role="region" aria-label="([^"]+)">')


def _text(html: str) -> str:
    """The text a screen reader reads (an inline element's text joins its neighbours' as written)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_indicator_sets_criteria_scroll_in_a_named_region_a_keyboard_reaches(small_set: Any, cycle: Any) -> None:
    html = Client().get(f"/bo-chi-so/{small_set.key}/").content.decode()
    scrolls = re.findall(r'<div class="table-scroll"[^>]*>', html)
    assert len(scrolls) == 1
    found = REGION.match(scrolls[0])
    assert found and small_set.name in unescape(found.group(1)), scrolls[0]


@pytest.mark.parametrize("english", [False, True])
def test_the_open_data_pages_code_examples_are_focusable_named_regions(english: bool) -> None:
    client = _english() if english else Client()
    html = client.get("/du-lieu-mo/").content.decode()
    article = html[html.index("<article"):html.index("</article>")]
    blocks = re.findall(r"<pre[^>]*>", article)
    assert blocks, "the page has its JSON example"
    for block in blocks:
        assert 'tabindex="0"' in block and 'role="region"' in block, block
        label = re.search(r'aria-label="([^"]+)"', block)
        assert label and "JSON" in label.group(1), block


@pytest.mark.parametrize("english", [False, True])
def test_the_open_data_pages_headings_never_skip_a_level(english: bool) -> None:
    client = _english() if english else Client()
    html = client.get("/du-lieu-mo/").content.decode()
    article = html[html.index("<article"):html.index("</article>")]
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", article)]
    assert levels[0] == 1 and levels[1] == 2, levels
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


def test_the_rendered_document_steps_a_heading_down_one_level_at_most() -> None:
    document = docs.render("# Tiêu đề\n\nMở đầu.\n\n### Qua API\n\nA\n\n#### Chi tiết\n\n## Quy ước\n\n### Số\n")
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", str(document.body))]
    assert levels == [2, 3, 2, 3]
    # the heading's text and its anchor are kept
    assert 'id="qua-api"' in str(document.body) and "Qua API</h2>" in str(document.body)


def test_each_years_download_links_name_the_year(publication: Publication) -> None:
    html = Client().get("/ket-qua/").content.decode()
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    links = re.findall(r'<a href="/ket-qua/2020/ket-qua\.(?:csv|json|xlsx)"[^>]*>(.*?)</a>', table, re.S)
    assert len(links) == 3
    names = [_text(link) for link in links]
    assert names == ["CSV, kết quả năm 2020", "JSON, kết quả năm 2020", "Excel, kết quả năm 2020"], names
    # what shows stays short: the year is said to a screen reader only
    for link in links:
        assert re.search(r'<span class="sr-only">[^<]*năm 2020</span>', link), link


def test_each_groups_detail_toggle_names_its_group(two_set_publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()
    labels = [_text(label) for label in re.findall(r'<label class="detail-toggle">(.*?)</label>', html, re.S)]
    groups = [_text(h) for h in re.findall(r'<section aria-labelledby="g-[^"]+" class="group-table">\s*<h2[^>]*>(.*?)'
                                          r'<span class="meta">', html, re.S)]
    assert len(labels) == 2 and len(groups) == 2
    for label, group in zip(labels, groups, strict=True):
        assert label == f"Hiện điểm từng lĩnh vực, điểm cộng, điểm trừ — {group}", (label, group)


@pytest.mark.parametrize("english", [False, True])
def test_the_open_data_pages_column_headers_have_their_scope(english: bool) -> None:
    client = _english() if english else Client()
    html = client.get("/du-lieu-mo/").content.decode()
    article = html[html.index("<article"):html.index("</article>")]
    headers = re.findall(r"<th(?:\s[^>]*)?>", article)
    assert len(headers) >= 6, "the page has its field tables"
    assert all('scope="col"' in th for th in headers), [th for th in headers if "scope" not in th]


def test_the_area_columns_read_as_areas_with_their_names_in_english(publication: Publication) -> None:
    html = _english().get("/ket-qua/2020/").content.decode()
    headers = re.findall(r'<th scope="col" class="num area-col detail-col">(.*?)</th>', html, re.S)
    assert headers, "the ranking has its area columns"
    areas = {a["code"]: a["name"] for s in publication.snapshot["sets"].values()
             for a in s["indicators"] if a["parent"] is None}
    for code, header in zip(sorted(areas), headers, strict=True):
        name = re.escape(areas[code])
        header_html = rf'Area {code}<span class="sr-only"> — <span lang="vi">{name}</span></span>'
        assert re.fullmatch(header_html, header), header
    assert re.search(r"<dt>Area 1</dt>", html), "the legend names the areas as the columns do"


def test_the_distribution_table_has_a_visible_caption(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()
    table = html[html.index("<table class=\"grid compact\" data-distribution>"):]
    caption = re.search(r"<caption([^>]*)>(.*?)</caption>", table[:table.index("</table>")], re.S)
    assert caption and _text(caption.group(2)) == "Số đơn vị theo khoảng chỉ số" and "sr-only" not in caption.group(1)
    filtered = Client().get("/ket-qua/2020/?xep_loai=Y%E1%BA%BFu").content.decode()
    assert "<caption>Số đơn vị khớp điều kiện lọc theo khoảng chỉ số</caption>" in filtered


def test_the_unit_pages_tables_each_have_a_caption(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    captions = [_text(c) for c in re.findall(r"<caption[^>]*>(.*?)</caption>", html, re.S)]
    for title in ("Điểm theo lĩnh vực", "Xếp hạng qua các năm", "Điểm thẩm định từng tiêu chí"):
        assert f"{title} — Sở Y tế" in captions, captions


@pytest.mark.parametrize(("english", "sections"), [
    (False, ["Dữ liệu mở: kết quả Chỉ số CCHC đã công bố", "Qua API (/api/v1/)", "CSV", "CSV điểm từng tiêu chí"]),
    (True, ["Open data: published PAR Index results", "Through the API (/api/v1/)", "CSV",
            "CSV of the scores per criterion"]),
])
def test_the_open_data_pages_tables_are_named_and_captioned_after_their_sections(
    english: bool, sections: list[str]
) -> None:
    client = _english() if english else Client()
    html = client.get("/du-lieu-mo/").content.decode()
    article = html[html.index("<article"):html.index("</article>")]
    regions = [unescape(label) for label in REGION.findall(article)]
    captions = [_text(c) for c in re.findall(r"<table[^>]*>\s*<caption[^>]*>(.*?)</caption>", article, re.S)]
    assert regions == sections
    assert captions == sections


def test_a_sections_second_table_is_told_apart_by_its_number() -> None:
    document = docs.render("# Tiêu đề\n\n## Mục \"A\"\n\n| a |\n|---|\n| 1 |\n\n| b |\n|---|\n| 2 |\n")
    labels = re.findall(r'role="region" aria-label="([^"]+)"', str(document.body))
    assert labels == ["Mục &quot;A&quot;", "Mục &quot;A&quot; (2)"]
