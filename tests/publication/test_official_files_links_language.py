"""On the English page the official files (the PDF report, the workbook) are Vietnamese-only, by design (one
official document per publication, tests/publication/test_export_language.py): each download link says so in its
own text, the button's or the link's accessible name, not beside it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from scoring.models import Publication

pytestmark = pytest.mark.django_db


def test_the_official_files_links_say_vietnamese_in_their_own_text_on_the_english_page(
    publication: Publication,
) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/ket-qua/2020/").content.decode()
    section = body.split('aria-labelledby="dl-title"')[1].split("</section>")[0]
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", section, re.S)
    links = re.findall(r"<a [^>]*>(.*?)</a>", section, re.S)
    pdf = next(b for b in buttons if "PDF report" in b)
    official = next(a for a in links if "Official Excel" in a)  # one Excel link (a small publication: at once)
    assert not any("Excel" in b for b in buttons)
    for text in (pdf, official):
        assert "(in Vietnamese)" in re.sub(r"<[^>]+>", "", text), text
    # the open data say nothing of the kind
    assert not any("Vietnamese" in a for a in links if "CSV" in a or "JSON" in a)


def test_the_vietnamese_page_s_links_are_their_names_alone(publication: Publication) -> None:
    body = Client().get("/ket-qua/2020/").content.decode()
    section = body.split('aria-labelledby="dl-title"')[1].split("</section>")[0]
    buttons = [re.sub(r"<[^>]+>", "", b) for b in re.findall(r"<button[^>]*>(.*?)</button>", section, re.S)]
    links = [re.sub(r"<[^>]+>", "", a) for a in re.findall(r"<a [^>]*>(.*?)</a>", section, re.S)]
    assert buttons == ["Báo cáo PDF"] and "Excel chính thức (.xlsx)" in links
