"""The appraisal team's pages for screen readers: a refused appraisal's message is tied to the fields it speaks of
(`aria-describedby`, beside the hint they are already described by); the unit's and the team's radio groups of a
leaf are named apart; a leaf's heading holds its code; the explanation request's checkbox column has a header; and
the data, written in Vietnamese, is marked `lang="vi"` so that an English interface does not read it with an English
voice (WCAG 3.1.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, line_appraise
from scoring.models import Indicator, ScoreLine
from tests.appraisal.conftest import later, line_of

pytestmark = pytest.mark.django_db
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "base", "wbr", "track", "embed"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None
    text: list[str] = field(default_factory=list)  # its own text and its descendants'

    def has(self, name: str) -> bool:
        return name in self.attrs

    def ancestors(self) -> list[Element]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def content(self) -> str:
        return " ".join("".join(self.text).split())


class Page(HTMLParser):
    """Every element of a page with its attributes and text, and every piece of text with its language (the nearest
    `lang`, as a screen reader takes it), the head left out."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.texts: list[tuple[str, str]] = []
        self.stack: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.stack[-1] if self.stack else None)
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text.append(data)
        if not data.strip() or any(e.tag in ("head", "script", "style") for e in self.stack):
            return
        language = next((e.attrs["lang"] for e in reversed(self.stack) if "lang" in e.attrs), "")
        self.texts.append((" ".join(data.split()), language))

    def by_id(self, id_: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == id_]
        assert len(found) == 1, (id_, len(found))
        return found[0]

    def select(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def languages_of(self, text: str) -> set[str]:
        """The languages of the pieces of text holding `text`."""
        return {language for piece, language in self.texts if text in piece}


def described_by(element: Element) -> list[str]:
    return element.attrs.get("aria-describedby", "").split()


def _review(client: Client, user: Any, assessment: Any, **query: str) -> Page:
    client.force_login(user)
    response = client.get(reverse("appraisal:review", args=[assessment.pk]), query)
    assert response.status_code == 200
    return Page(response.content.decode())


def _refused(client: Client, user: Any, line: ScoreLine, **fields: str) -> Page:
    """The review page as the form's plain post (no script) answers a refused appraisal of `line`."""
    client.force_login(user)
    prefix = f"a{line.pk}-"
    data = {"base_version": str(line.version)}
    for key, value in fields.items():
        data[key if key == "note" else prefix + key] = value
    response = client.post(reverse("appraisal:appraise_line", args=[line.assessment_id, line.pk]), data)
    assert response.status_code == 400
    return Page(response.content.decode())


# --- 2. a refused appraisal's message is tied to its field ---------------------------------------------------------


def test_a_missing_reason_is_tied_to_the_message_that_says_so(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.3")
    page = _refused(client, lead, line, points="0,25")
    note = page.by_id(f"note-{line.pk}")
    assert note.attrs.get("aria-invalid") == "true"
    [error_id] = described_by(note)
    error = page.by_id(error_id)
    assert error.attrs.get("role") == "alert" and not error.has("hidden") and "lý do" in error.content.lower()
    # the method's input, not refused, is described by its hint only
    assert described_by(page.by_id(f"id_a{line.pk}-points")) == [f"a{line.pk}-method-hint"]


def test_a_refused_value_is_described_by_its_hint_and_by_the_message(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.3")
    page = _refused(client, lead, line, points="0,75", note="thử")
    points = page.by_id(f"id_a{line.pk}-points")
    assert points.attrs.get("aria-invalid") == "true"
    hint, error_id = described_by(points)
    assert hint == f"a{line.pk}-method-hint"  # the description it had stays, first
    assert "vượt quá điểm tối đa" in page.by_id(error_id).content
    assert "aria-describedby" not in page.by_id(f"note-{line.pk}").attrs


def test_a_refused_count_is_described_by_the_message(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "2.1.2")
    page = _refused(client, lead, line, **{"counts.late": "1,5"}, note="thử")
    late = page.by_id(f"id_a{line.pk}-counts_late")
    assert late.attrs.get("aria-invalid") == "true"
    error = page.by_id(described_by(late)[-1])
    assert error.attrs.get("role") == "alert" and error.has("data-error") and error.content


def test_a_leaf_without_an_error_ties_no_field_to_its_hidden_message_box(
    client: Client, submitted: Any, lead: Any
) -> None:
    """Guards the page as it was: nothing is described by an empty, hidden message box."""
    page = _review(client, lead, submitted)
    boxes = {e.attrs["id"] for e in page.elements if e.has("data-error") and e.has("id")}
    assert boxes  # every leaf's box has its id, for the script to tie a field to it
    for element in page.elements:
        assert not set(described_by(element)) & boxes, element.attrs


# --- 3. names -------------------------------------------------------------------------------------------------------


def test_the_teams_radio_group_of_a_leaf_is_named_as_the_teams(
    client: Client, submitted: Any, lead: Any
) -> None:
    # the unit's level is said as text beside it (test_review_page_size), not a second group of radio buttons
    line = line_of(submitted, "1.1.1")  # levels
    page = _review(client, lead, submitted)
    groups = [g for g in page.select("div", role="radiogroup") if f"line-{line.pk}" in
              {a.attrs.get("id") for a in g.ancestors()}]
    names = [g.attrs["aria-label"] for g in groups]
    assert names == ["Mức Tổ thẩm định chấm"]


def test_the_leaf_heading_holds_its_code(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.1.1")
    page = _review(client, lead, submitted)
    heading = page.by_id(f"name-{line.pk}")
    assert heading.tag == "h3" and heading.content == "1.1.1 Ban hành kế hoạch CCHC năm"
    assert page.by_id(f"line-{line.pk}").attrs["aria-labelledby"] == f"name-{line.pk}"


def test_the_explanation_requests_checkbox_column_has_a_header(client: Client, submitted: Any, lead: Any) -> None:
    client.force_login(lead)
    page = Page(client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode())
    tables = [t for t in page.select("table") if any(a.tag == "fieldset" for a in t.ancestors())]
    assert len(tables) == 2  # one per area
    for table in tables:
        first = next(e for e in page.elements if e.tag == "th" and table in e.ancestors())
        assert first.content == "Chọn"
        assert any(e.attrs.get("class") == "visually-hidden" and first in e.ancestors() for e in page.elements)


# --- 4. Vietnamese data in the English interface -------------------------------------------------------------------


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _data_texts(assessment: Any) -> list[str]:
    """The set's names, guidance and option labels, and the unit's name: Vietnamese whatever the interface's."""
    texts = ["Sở Y tế"]
    for indicator in Indicator.objects.filter(indicator_set=assessment.indicator_set):
        texts.append(indicator.name)
        if indicator.guidance:
            texts.append(indicator.guidance)
        if indicator.method == "levels":
            texts += [o["label"] for o in indicator.params["options"]]
        texts += [item["label"] for item in indicator.params.get("items", [])]  # per-occurrence counts
        texts += [v["label"] for v in indicator.params.get("variables", [])]  # a formula's counts
    return texts


def _assert_vietnamese(page: Page, texts: list[str]) -> None:
    wrong = {text: page.languages_of(text) for text in texts if page.languages_of(text) - {"vi"}}
    assert not wrong


def test_the_review_page_in_english_marks_the_vietnamese_data(client: Client, submitted: Any, lead: Any) -> None:
    page = _review(_english(client), lead, submitted)
    assert any(text == "Summary" for text, _ in page.texts)  # the interface is English
    texts = _data_texts(submitted)
    found = [t for t in texts if page.languages_of(t)]
    assert "Ban hành kế hoạch CCHC năm" in found and "Kế hoạch CCHC năm." in found and "Trễ hạn" in found
    assert "Sở Y tế" in found and "Báo cáo trễ hạn" in found  # a per-occurrence count's label
    _assert_vietnamese(page, texts)


def test_the_review_page_in_english_marks_the_teams_note(
    client: Client, submitted: Any, lead: Any
) -> None:
    line = line_of(submitted, "1.2.3")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"points": "0.25"},
                  note="Gửi báo cáo trễ hai ngày.")
    page = _review(_english(client), lead, submitted)
    assert page.languages_of("Gửi báo cáo trễ hai ngày.") == {"vi"}


def test_the_queue_in_english_marks_the_unit_and_group_names(client: Client, submitted: Any, lead: Any) -> None:
    client.force_login(lead)
    page = Page(_english(client).get(reverse("appraisal:queue")).content.decode())
    assert "Sở Y tế" in "".join(t for t, _ in page.texts)
    _assert_vietnamese(page, ["Sở Y tế", submitted.unit.ranking_group.name])


def test_the_explanation_pages_in_english_mark_the_vietnamese_data(
    client: Client, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    texts = _data_texts(submitted)
    client.force_login(lead)
    request_page = Page(_english(client).get(reverse("appraisal:request_explanation", args=[submitted.pk]))
                        .content.decode())
    assert request_page.languages_of("Ban hành kế hoạch CCHC năm") == {"vi"}
    _assert_vietnamese(request_page, texts)

    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None,
                        message="Đề nghị bổ sung tài liệu.")
    client.force_login(unit_editor)
    explain_page = Page(_english(client).get(reverse("appraisal:explain", args=[submitted.pk])).content.decode())
    assert explain_page.languages_of("Ban hành kế hoạch CCHC năm") == {"vi"}
    assert explain_page.languages_of("Đề nghị bổ sung tài liệu.") == {"vi"}
    _assert_vietnamese(explain_page, texts)


def test_the_review_page_in_vietnamese_reads_as_before(client: Client, submitted: Any, lead: Any) -> None:
    """Guards the Vietnamese page: the data reads as the page does, and the unit's name in the title has no tag."""
    page = _review(client, lead, submitted)
    h1 = page.select("h1")[0]
    assert h1.content == "Thẩm định: Sở Y tế — năm 2020"
    assert page.languages_of("Ban hành kế hoạch CCHC năm") <= {"vi"}
