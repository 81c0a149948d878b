"""A publication's date on the public pages follows the page's language («8 Dec 2020» in English, where «08/12/2020»
reads as 12 August), while the official report keeps the Vietnamese day-first date whatever the language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from scoring.models import Publication
from scoring.publication import exports

pytestmark = pytest.mark.django_db


def test_the_results_page_writes_the_document_date_day_first_in_vietnamese(publication: Publication) -> None:
    body = Client().get("/ket-qua/2020/").content.decode()

    assert "ngày 08/12/2020" in body


def test_the_results_page_names_the_document_dates_month_in_english(publication: Publication) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = client.get("/ket-qua/2020/").content.decode()

    assert "8 Dec 2020" in body
    assert "08/12/2020" not in body


def test_the_official_report_keeps_the_vietnamese_date_in_english(publication: Publication) -> None:
    with translation.override("en"):
        html = exports.report_html(publication)

    assert "Công văn số 4567/UBND-NC ngày 08/12/2020" in html
    assert "Dec 2020" not in html
