"""The official files of a publication (PDF report, workbook) are the province's documents in Vietnamese: built
once per publication whoever asks first, and the same file for everyone, whatever the language of their pages."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from scoring.models import ExportJob, Publication
from scoring.publication import exports

pytestmark = pytest.mark.django_db


def _english_client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _pdf_text(client: Client, job: ExportJob) -> str:
    status = client.get(f"/ket-qua/tep/{job.pk}/", {"format": "json"}).json()
    pdf = b"".join(client.get(status["download"]).streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_pdf_asked_for_first_in_english_is_the_vietnamese_report_given_to_everyone(
    publication: Publication, django_capture_on_commit_callbacks: Any
) -> None:
    # given: the first request for the report comes from a page in English (the task runs in that request)
    english = _english_client()
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/ket-qua/2020/tao-tep/pdf/?lan=1")
    job = ExportJob.objects.get(kind="pdf")
    assert response.status_code == 302
    # then: the report is in Vietnamese throughout (headings, numbers, ratings as the set names them)
    text = _pdf_text(english, job)
    assert "UỶ BAN NHÂN DÂN TỈNH" in text and "Kèm theo Công văn số 4567/UBND-NC" in text
    assert "Hạng" in text and "Rank" not in text and "Attached to" not in text
    assert "1 Sở Công Thương 7,58 Trung bình" in text and "7.58" not in text
    # and a Vietnamese visitor is given the same file, built once
    vietnamese = Client()
    vietnamese.post("/ket-qua/2020/tao-tep/pdf/?lan=1")
    assert ExportJob.objects.filter(kind="pdf").count() == 1
    assert _pdf_text(vietnamese, job) == text


def test_the_report_html_is_vietnamese_whatever_the_active_language(publication: Publication) -> None:
    from django.utils import translation

    with translation.override("en"):
        html = exports.report_html(publication)
        assert translation.get_language() == "en"  # the caller's language is left as it was
    assert "<th scope=\"col\">Hạng</th>" in html and "Rank" not in html and "Trung bình" in html


def test_the_official_workbook_downloaded_first_in_english_is_in_vietnamese(
    publication: Publication, admin_user: Any
) -> None:
    # a unit outside every ranking group makes a table whose name the site words ("Không xếp hạng")
    from scoring.models import Unit

    Unit.objects.filter(code="so-xay-dung").update(ranking_group=None)
    snap = publication.snapshot
    for row in snap["rows"]:
        if row["unit_code"] == "so-xay-dung":
            row["group_code"] = ""
    Publication.objects.filter(pk=publication.pk).update(snapshot=snap)
    english = _english_client()
    response = english.get("/ket-qua/2020/ket-qua.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert "Không xếp hạng" in workbook.sheetnames
    # the same file, built once, for a Vietnamese visitor
    again = Client().get("/ket-qua/2020/ket-qua.xlsx")
    assert again.status_code == 200
    assert ExportJob.objects.filter(kind="xlsx").count() == 1
