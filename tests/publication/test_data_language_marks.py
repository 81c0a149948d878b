"""The public pages in English mark the data they show — names of units, groups, sets, areas and criteria, guidance,
document numbers, the team's notes — as Vietnamese (`lang="vi"`, WCAG 3.1.2), so that a screen reader reads them with
a Vietnamese voice; and the official files in Vietnamese say so in the download list."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from scoring.models import Publication, Unit

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIPPED = {"title", "script", "style", "svg"}  # the tab's title is one text; a chart is an image with its label

SET_NAME = "Bộ chỉ số thử nghiệm"
AREA = "Công tác chỉ đạo, điều hành CCHC"
LEAF = "Ban hành kế hoạch CCHC năm"
GUIDANCE = "Kế hoạch CCHC năm."
DOCUMENT = "Công văn số 4567/UBND-NC"
NOTE = "Kế hoạch ban hành trễ hạn"


class _Texts(HTMLParser):
    """Each text node of a page with the language it is in (the nearest `lang`), outside SKIPPED elements."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not data.strip() or any(tag in SKIPPED for tag, _lang in self.stack):
            return
        lang = next((lang for _tag, lang in reversed(self.stack) if lang), None)
        self.texts.append((data, lang))


def _languages_of(body: str, text: str) -> list[str | None]:
    parser = _Texts()
    parser.feed(body)
    found = [lang for data, lang in parser.texts if text in data]
    assert found, f"«{text}» is not on the page"
    return found


def _english(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _group_name() -> str:
    return Unit.objects.select_related("ranking_group").get(code="so-y-te").ranking_group.name


def test_the_results_page_in_english_marks_unit_and_group_names_as_vietnamese(publication: Publication) -> None:
    body = _page(_english(), "/ket-qua/2020/")
    assert '<html lang="en">' in body
    for text in ("Sở Y tế", "Sở Tư pháp", _group_name(), DOCUMENT):
        assert set(_languages_of(body, text)) == {"vi"}, text


def test_the_unit_page_in_english_marks_names_and_the_teams_notes_as_vietnamese(
    publication: Publication, unit_editor: Any
) -> None:
    # the unit's own people see the appraisal team's notes beside the criteria
    body = _page(_english(unit_editor), "/ket-qua/2020/don-vi/so-y-te/")
    assert '<html lang="en">' in body
    for text in ("Sở Y tế", SET_NAME, AREA, LEAF, _group_name(), DOCUMENT, NOTE):
        assert set(_languages_of(body, text)) == {"vi"}, text


def test_the_set_page_and_home_in_english_mark_names_and_guidance_as_vietnamese(publication: Publication) -> None:
    client = _english()
    set_page = _page(client, f"/bo-chi-so/{publication.cycle.cycle_sets.first().indicator_set.key}/")
    for text in (SET_NAME, LEAF, GUIDANCE, "689/QĐ-UBND"):
        assert set(_languages_of(set_page, text)) == {"vi"}, text
    home = _page(client, "/")
    assert '<html lang="en">' in home
    for text in (SET_NAME, AREA, "Chỉ số CCHC năm 2020"):
        assert set(_languages_of(home, text)) == {"vi"}, text


def test_the_results_list_in_english_marks_the_cycle_and_its_document(publication: Publication) -> None:
    body = _page(_english(), "/ket-qua/")
    for text in ("Chỉ số CCHC năm 2020", DOCUMENT):
        assert set(_languages_of(body, text)) == {"vi"}, text


def test_a_vietnamese_page_is_written_as_before(publication: Publication) -> None:
    # guards the Vietnamese pages: the page's own lang="vi" says it, no span is added around each name
    body = _page(Client(), "/ket-qua/2020/")
    assert '<html lang="vi">' in body
    assert '<span lang="vi">' not in body
    assert ">Sở Y tế</a>" in body


def test_the_mark_escapes_the_text_and_leaves_an_empty_one_empty() -> None:
    from scoring.templatetags.data_language import vi

    with translation.override("en"):
        assert vi("<b>Sở Y tế</b>") == '<span lang="vi">&lt;b&gt;Sở Y tế&lt;/b&gt;</span>'
        assert vi("") == "" and vi(None) == ""
    with translation.override("vi"):
        assert vi("<b>Sở Y tế</b>") == "&lt;b&gt;Sở Y tế&lt;/b&gt;"


def _download_item(body: str, label: str) -> str:
    section = body.split('aria-labelledby="dl-title"')[1].split("</section>")[0]
    return next(item for item in section.split("<li>") if label in item)


def test_the_official_excel_is_labelled_in_vietnamese_in_english_as_the_pdf_is(publication: Publication) -> None:
    body = _page(_english(), "/ket-qua/2020/")
    for label in ("Official Excel (.xlsx)", "PDF report"):
        item = _download_item(body, label)
        assert "(in Vietnamese)" in item, label
    assert 'hreflang="vi"' in _download_item(body, "Official Excel (.xlsx)")


def test_the_vietnamese_download_list_does_not_say_in_vietnamese(publication: Publication) -> None:
    body = _page(Client(), "/ket-qua/2020/")
    assert "bằng tiếng Việt" not in body.split('aria-labelledby="dl-title"')[1].split("</section>")[0]
