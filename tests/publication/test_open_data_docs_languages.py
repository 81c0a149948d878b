"""The open-data documentation in the page's language: docs/open-data.en.md on the English interface, the
Vietnamese docs/open-data.md otherwise; and the two documents kept in step (the same headings, tables, column
names, addresses and code blocks), so that a field added to one and not the other fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from scoring.publication import docs

pytestmark = pytest.mark.django_db

DOCS = Path(settings.BASE_DIR) / "docs"
VI = (DOCS / "open-data.md").read_text(encoding="utf-8")
EN_PATH = DOCS / "open-data.en.md"


def _en() -> str:
    assert EN_PATH.is_file(), "docs/open-data.en.md, the English version of docs/open-data.md, is missing"
    return EN_PATH.read_text(encoding="utf-8")


def _english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _article(html: str) -> str:
    start = html.index("<article")
    return html[start:html.index("</article>", start)]


# --- the two documents in step -----------------------------------------------------------------------------


def _outside_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def _headings(text: str) -> list[int]:
    return [len(m.group(1)) for m in re.finditer(r"^(#+) ", _outside_code(text), flags=re.M)]


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"^```.*?^```", text, flags=re.S | re.M)


def _placeholders_blank(code: str) -> str:
    """`/ket-qua/<năm>/` and `/ket-qua/<year>/` are the same address: a placeholder's words are translated."""
    return re.sub(r"<[^<>]*>", "<…>", code)


def _tables(text: str) -> list[list[list[str]]]:
    """Each table's rows (header and separator left out), each row the inline code of its first cell."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in _outside_code(text).splitlines():
        if line.startswith("|"):
            if current is None:  # the header row: its words are translated
                current = []
                tables.append(current)
            elif not set(line) <= set("|- "):
                current.append([_placeholders_blank(c) for c in re.findall(r"`([^`]*)`", line.split("|")[1])])
        else:
            current = None
    return tables


def _inline_code(text: str) -> list[str]:
    return sorted(_placeholders_blank(c) for c in re.findall(r"`([^`\n]+)`", _outside_code(text)))


def _list_items(text: str) -> int:
    return len(re.findall(r"^- ", _outside_code(text), flags=re.M))


def test_the_english_document_has_the_vietnamese_ones_headings() -> None:
    assert _headings(_en()) == _headings(VI)


def test_the_english_document_has_the_same_tables_and_columns() -> None:
    vi, en = _tables(VI), _tables(_en())

    assert len(en) == len(vi)
    assert en == vi  # every row of every table, in order, with the same column names, addresses and values


def test_the_english_document_has_the_same_code_blocks() -> None:
    assert _code_blocks(_en()) == _code_blocks(VI)
    assert _code_blocks(VI)  # the JSON example


def test_the_english_document_names_the_same_columns_fields_and_addresses() -> None:
    assert _inline_code(_en()) == _inline_code(VI)


def test_the_english_document_has_the_same_lists() -> None:
    assert _list_items(_en()) == _list_items(VI)


def test_the_english_document_is_english() -> None:
    text = _outside_code(_en())
    prose = re.sub(r"`[^`]*`", "", text)
    # a few Vietnamese words that any untranslated sentence would hold
    for word in ("đơn vị", "điểm", "của", "được", "những"):
        assert word not in prose.lower(), word


# --- each language's page renders its document -------------------------------------------------------------


def test_the_english_interface_serves_the_english_document() -> None:
    response = _english().get("/du-lieu-mo/")

    assert response.status_code == 200
    article = _article(response.content.decode())
    assert 'lang="en"' in article
    assert "Open data: published PAR Index results" in article
    assert "General conventions" in article and "Quy ước chung" not in article
    assert "<code>diem_tham_dinh</code>" in article and '<pre tabindex="0" role="region"' in article


def test_the_vietnamese_interface_serves_the_vietnamese_document() -> None:
    english = _english().get("/du-lieu-mo/")  # rendered first: the cache holds one document per language
    assert english.status_code == 200

    article = _article(Client().get("/du-lieu-mo/").content.decode())

    assert 'lang="vi"' in article
    assert "Quy ước chung" in article and "General conventions" not in article
    assert "<h1>Dữ liệu mở: kết quả Chỉ số CCHC đã công bố</h1>" in article


def test_a_language_without_its_own_document_gets_the_vietnamese_one() -> None:
    with translation.override("fr"):
        document = docs.open_data_document()
    assert document.language == "vi"
    assert document.title.startswith("Dữ liệu mở")


def test_the_english_tables_scroll_in_a_box_named_by_the_english_title() -> None:
    with translation.override("en"):
        document = docs.open_data_document()
    assert 'aria-label="Open data: published PAR Index results"' in document.body
