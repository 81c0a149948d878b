"""The year-to-year comparison scrolls and prints as the ranking does: its tables in the results page's `.sticky-cols`
box (header row and unit names kept in view on a phone), printed on landscape A4 with every column and without the
links away, by the results page's own stylesheet rules (no copy of them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from scoring.models import Publication
from tests.publication.test_compare_not_submitted import two_years as two_years

pytestmark = pytest.mark.django_db

URL = "/ket-qua/2021/so-sanh/2020/"


def test_the_comparisons_tables_are_in_the_rankings_sticky_boxes(two_years: tuple[Publication, Publication]) -> None:
    html = Client().get(URL).content.decode()
    tables = re.findall(r'<table class="grid compact ranking changes"', html)
    boxes = re.findall(r'<div class="table-scroll sticky-cols" tabindex="0" role="region"', html)
    assert len(tables) == len(boxes) >= 1
    # the link back to the year is not printed; the print has every column, and says so (as the ranking page)
    assert re.search(r'<p class="no-print"><a href="/ket-qua/2021/">', html)
    note = re.search(r'<p class="meta print-columns-note" data-print-columns>(.*?)</p>', html)
    assert note and "cả chỉ số và hạng năm 2020" in note.group(1)
    assert "css/publication.css" in html  # the results page's stylesheet, not a copy


def test_the_stylesheet_keeps_the_comparisons_name_in_view_and_prints_it_as_the_ranking() -> None:
    css = (Path(settings.BASE_DIR) / "static" / "css" / "publication.css").read_text(encoding="utf-8")
    screen, _at, printed = css.partition("@media print {")
    # the comparison has no rank column: its first column, the name, is the one kept in view (the rule of any
    # table), not a rank-wide first column with the second one kept beside it (the ranking's)
    assert ".sticky-cols > table.grid tr > :first-child { position:sticky; left:0;" in screen
    assert ".sticky-cols > table.ranking:not(.changes) tr > :nth-child(2) { position:sticky;" in screen
    assert ".sticky-cols > table.ranking:not(.changes) tr > :first-child { width:var(--rank-width);" in screen
    assert ".sticky-cols[data-more~=left] > table.ranking.changes tr > :first-child," in screen
    # printed as the ranking: landscape for a page of group tables, every detail column, boxes unrolled
    assert "main:has(.group-table) { page:ranking; }" in printed
    assert "@page ranking { size:A4 landscape;" in screen
    assert ".group-table .ranking .detail-col { display:table-cell !important; }" in printed
    assert ".table-scroll, .sticky-cols { overflow:visible !important;" in printed


def test_the_print_note_in_english(two_years: tuple[Publication, Publication]) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL).content.decode()
    assert "The printed page always has every column of the comparison, including the 2020 index and rank." in html
