"""Government software often exports a web page named «.xls» and an RTF document named «.doc». They are still refused
(their content is not what the name says, and Excel and Word warn before opening them), but the unit is told what
the file really is and how to turn it into a file that is accepted."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence import validation
from evidence.models import EvidenceFile
from tests.evidence.conftest import upload

HTML_XLS = (
    "\ufeff<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
    "xmlns:x=\"urn:schemas-microsoft-com:office:excel\">\r\n<head><meta charset=\"utf-8\"></head>\r\n"
    "<body><table><tr><td>Đơn vị</td><td>Số hồ sơ</td></tr><tr><td>Sở Y tế</td><td>120</td></tr></table>"
    "</body></html>"
).encode()
TABLE_ONLY_XLS = b"\r\n\r\n<table border=1><tr><th>STT</th><th>Ten</th></tr></table>"
RTF_DOC = rb"{\rtf1\ansi\ansicpg1258\deff0{\fonttbl{\f0 Times New Roman;}}\f0\fs26 B\'e1o c\'e1o\par}"
HTML_DOC = b"<!DOCTYPE html>\n<html><body><p>Bao cao</p></body></html>"


def _refusal(name: str, content: bytes) -> str | None:
    return validation.content_refusal(name, io.BytesIO(content))


def test_a_web_page_named_xls_is_refused_with_what_it_is_and_what_to_do() -> None:
    message = _refusal("Thống kê hồ sơ.xls", HTML_XLS)
    assert message == (
        "Tệp «Thống kê hồ sơ.xls» là trang HTML được đặt tên .xls: hãy mở bằng Excel và lưu lại dưới dạng .xlsx "
        "hoặc PDF rồi tải lên."
    )


def test_a_bare_html_table_named_xls_is_recognised_too() -> None:
    message = _refusal("Bao cao.xls", TABLE_ONLY_XLS)
    assert message is not None and "là trang HTML được đặt tên .xls" in message


def test_an_rtf_document_named_doc_is_refused_with_what_it_is_and_what_to_do() -> None:
    message = _refusal("Báo cáo CCHC.doc", RTF_DOC)
    assert message == (
        "Tệp «Báo cáo CCHC.doc» là văn bản RTF được đặt tên .doc: hãy mở bằng Word và lưu lại dưới dạng .docx "
        "hoặc PDF rồi tải lên."
    )


def test_a_web_page_named_doc_names_word() -> None:
    message = _refusal("Báo cáo.doc", HTML_DOC)
    assert message is not None and "là trang HTML được đặt tên .doc" in message and "mở bằng Word" in message


def test_an_rtf_named_xls_is_told_apart_from_a_spreadsheet() -> None:
    message = _refusal("Bảng.xls", RTF_DOC)
    assert message is not None and "là văn bản RTF được đặt tên .xls" in message and "mở bằng Word" in message


def test_a_damaged_xls_keeps_the_general_message() -> None:
    message = _refusal("Hỏng.xls", b"\x00\x01garbage" * 10)
    assert message is not None and "có thể tệp bị đổi tên hoặc bị hỏng" in message


@pytest.mark.django_db
def test_the_upload_answers_the_web_page_named_xls_with_that_message_and_stores_nothing(
    assessment: Any, unit_editor: Any
) -> None:
    client = Client()
    client.force_login(unit_editor)
    response = client.post(
        reverse("evidence:upload", args=[assessment.pk]),
        {"files": [upload("Thống kê.xls", HTML_XLS), upload("Báo cáo.doc", RTF_DOC)]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    errors = {e["name"]: e for e in response.json()["errors"]}
    assert errors["Thống kê.xls"]["code"] == "bad_type"
    assert "là trang HTML được đặt tên .xls" in errors["Thống kê.xls"]["message"]
    assert "là văn bản RTF được đặt tên .doc" in errors["Báo cáo.doc"]["message"]
    assert not EvidenceFile.objects.exists()
