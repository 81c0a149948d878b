"""The self-assessment page as a screen reader reads it: its outline (areas H2, criteria and leaves one level below
their parent, a leaf's code in its heading), a refused save's message tied to the field it is about (the page drawn
again after a plain form post), and the set's Vietnamese data marked lang="vi" on the English interface."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, ScoreLine

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Any] = field(default_factory=list)  # Node or str

    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(c if isinstance(c, str) else c.text() for c in self.children)).strip()

    def walk(self) -> Any:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.walk() if n.attrs.get("id") == ident]
        assert len(found) == 1, ident
        return found[0]

    def language(self) -> str | None:
        """The language a screen reader reads this element in: its own lang or its nearest ancestor's."""
        node: Node | None = self
        while node is not None:
            if "lang" in node.attrs:
                return node.attrs["lang"]
            node = node.parent
        return None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _parsed(body: str) -> Node:
    # a template comment written over several lines ({# … #}) is not one: it would be printed on every leaf
    assert "{#" not in body and "#}" not in body
    return parse(body)


def _sheet(client: Client, assessment: Assessment) -> Node:
    response = client.get(reverse("scoring:assessment", args=[assessment.pk]))
    assert response.status_code == 200
    return _parsed(response.content.decode())


def _headings(page: Node) -> list[tuple[int, str]]:
    main = page.find_all("main")[0]
    return [(int(n.tag[1]), n.text()) for n in main.walk() if re.fullmatch(r"h[1-6]", n.tag)]


# --- the outline ----------------------------------------------------------------------------------------------


def test_the_sheets_outline_is_areas_then_criteria_then_leaves_each_with_its_code(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    page = _sheet(client, assessment)
    headings = _headings(page)

    sheet = [(level, text) for level, text in headings if re.match(r"\d", text)]
    assert [(level, text.split(" (")[0]) for level, text in sheet] == [
        (2, "1. Công tác chỉ đạo, điều hành CCHC"),
        (3, "1.1 Kế hoạch CCHC năm"),
        (4, "1.1.1 Ban hành kế hoạch CCHC năm"),
        (4, "1.1.2 Mức độ thực hiện kế hoạch"),
        (3, "1.2 Báo cáo CCHC"),
        (4, "1.2.1 Báo cáo đúng hạn"),
        (4, "1.2.2 Xử lý vấn đề phát hiện qua kiểm tra"),
        (4, "1.2.3 Gửi báo cáo tự đánh giá đúng hạn"),
        (2, "2. Hiện đại hóa hành chính"),
        (3, "2.1 Ứng dụng CNTT"),
        (4, "2.1.1 Tỷ lệ văn bản điện tử"),
        (4, "2.1.2 Báo cáo định kỳ"),
        (3, "2.2 Sáng kiến CCHC"),
        (4, "2.2.1 Sáng kiến được công nhận"),
        (3, "2.3 Kỷ luật"),
        (4, "2.3.1 Công chức bị kỷ luật"),
    ]
    # one H1, and no level skipped on the way down
    assert [level for level, _text in headings].count(1) == 1 and headings[0][0] == 1
    for (before, _b), (after, text) in itertools.pairwise(headings):
        assert after <= before + 1, text
    # an area's heading is in its (sticky) summary, and a leaf's form follows its heading, code included
    for summary in page.find_all("summary"):
        if summary.parent and summary.parent.attrs.get("class", "").startswith("area"):
            assert [n.tag for n in summary.find_all("h2")] == ["h2"]
    line = _line(assessment, "1.1.1")
    assert page.by_id(f"l{line.pk}-name").text() == "1.1.1 Ban hành kế hoạch CCHC năm"


# --- an error tied to its field (the page drawn again after a plain form post) --------------------------------


def _refused_page(client: Client, line: ScoreLine, fields: dict[str, str]) -> Node:
    response = client.post(reverse("scoring:line_save", args=[line.assessment_id, line.pk]), {"version": "1", **fields})
    assert response.status_code == 400
    return _parsed(response.content.decode())


def test_a_refused_figure_names_the_error_after_its_hint(client: Client, assessment: Assessment,
                                                         unit_editor: Any) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "1.1.2")
    page = _refused_page(client, line, {f"l{line.pk}-numerator": "400", f"l{line.pk}-denominator": "50"})

    error = page.by_id(f"l{line.pk}-error")
    assert error.text() == (
        "Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, hãy ghi tử số "
        "bằng mẫu số.") and error.attrs["role"] == "alert"
    numerator = page.by_id(f"id_l{line.pk}-numerator")
    assert numerator.attrs["aria-invalid"] == "true"
    assert numerator.attrs["aria-describedby"].split() == [f"l{line.pk}-method-hint", f"l{line.pk}-error"]
    # the figure that is not wrong names only its hint; another leaf's fields name no error
    assert page.by_id(f"id_l{line.pk}-denominator").attrs["aria-describedby"].split() == [f"l{line.pk}-method-hint"]
    assert not [n for n in page.walk() if "error" in n.attrs.get("aria-describedby", "")
                and n.attrs.get("aria-invalid") != "true"]


def test_a_refused_option_and_a_missing_reason_name_the_error(client: Client, assessment: Assessment,
                                                              unit_editor: Any) -> None:
    client.force_login(unit_editor)
    levels = _line(assessment, "1.1.1")
    page = _refused_page(client, levels, {f"l{levels.pk}-option": "som"})
    radios = page.find_all("input", type="radio", aria_invalid="true")
    assert len(radios) == 3 and {r.attrs["name"] for r in radios} == {f"l{levels.pk}-option"}
    assert {r.attrs["aria-describedby"] for r in radios} == {f"l{levels.pk}-error"}
    assert page.by_id(f"l{levels.pk}-error").text()

    allowed = _line(assessment, "1.2.2")
    page = _refused_page(client, allowed, {"not_applicable": "1", "not_applicable_reason": ""})
    reason = page.by_id(f"l{allowed.pk}-na-reason")
    assert reason.attrs["aria-invalid"] == "true" and reason.attrs["aria-describedby"] == f"l{allowed.pk}-error"
    assert page.by_id(f"l{allowed.pk}-error").text() == "Hãy nêu lý do không phát sinh."


def test_a_sheet_without_errors_names_no_error_message(client: Client, assessment: Assessment,
                                                       unit_editor: Any) -> None:
    client.force_login(unit_editor)
    page = _sheet(client, assessment)
    assert not [n for n in page.walk() if "-error" in n.attrs.get("aria-describedby", "")]
    assert not page.find_all(aria_invalid="true")


# --- the set's Vietnamese data on the English interface -------------------------------------------------------


@pytest.fixture
def in_english(client: Client, unit_editor: Any) -> Any:
    client.force_login(unit_editor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    yield client
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})


def _language_of_text(page: Node, text: str) -> list[str | None]:
    """The language of each element whose own text is `text` (or starts with it)."""
    found = []
    for node in page.walk():
        own = "".join(c for c in node.children if isinstance(c, str)).strip()
        if own and (own == text or own.startswith(text)):
            found.append(node.language())
    assert found, text
    return found


def test_the_sets_vietnamese_data_is_marked_lang_vi_on_the_english_interface(
    in_english: Client, assessment: Assessment
) -> None:
    page = _sheet(in_english, assessment)
    assert page.find_all("html")[0].attrs["lang"] == "en"
    assert "Self-assessment" in page.text() or "Self-assess" in page.text()

    for vietnamese in (
        "Công tác chỉ đạo, điều hành CCHC",  # an area (summary and totals)
        "Kế hoạch CCHC năm",  # a criterion, and 1.1.1's guidance
        "Ban hành kế hoạch CCHC năm",  # a leaf
        "Đúng hạn, đầy đủ",  # a levels option
        "a: Số vấn đề phát hiện",  # a formula's figure
        "Báo cáo trễ hạn",  # a per-occurrence item
        "Sở Nội vụ",  # the department that appraises a criterion
        "Sở Y tế",  # the unit
        "Bộ chỉ số thử nghiệm",  # the set
    ):
        assert set(_language_of_text(page, vietnamese)) == {"vi"}, vietnamese
    # the interface's own words stay English: a yes/no leaf's «Yes», the labels
    yes = [n for n in page.walk() if n.tag == "span" and n.text() == "Yes"]
    assert yes and {n.language() for n in yes} == {"en"}
    assert set(_language_of_text(page, "Note")) == {"en"}


def test_the_units_own_texts_are_marked_lang_vi_on_the_english_interface(
    in_english: Client, assessment: Assessment
) -> None:
    line = _line(assessment, "1.2.2")
    line.self_note = "Đơn vị đã đính kèm tài liệu kiểm chứng bản giấy."
    line.explanation = "Đã gửi bản giấy."
    line.save(update_fields=["self_note", "explanation"])

    page = _sheet(in_english, assessment)
    boxes = [n for n in page.walk() if n.tag == "textarea" and n.attrs.get("name") in ("note", "explanation")]
    assert len(boxes) == 2 * len(page.find_all("form", class_="leaf-form")) and {n.language() for n in boxes} == {"vi"}
    assert set(_language_of_text(page, "Đơn vị đã đính kèm tài liệu")) == {"vi"}
    reasons = [n for n in page.walk() if n.attrs.get("name") == "not_applicable_reason"]
    assert reasons and {n.language() for n in reasons} == {"vi"}


# --- the totals table and the leaves' landmarks -----------------------------------------------------------------


def test_each_total_sits_under_its_own_column_header(client: Client, assessment: Assessment,
                                                     unit_editor: Any) -> None:
    client.force_login(unit_editor)
    page = _sheet(client, assessment)
    [section] = page.find_all("section", aria_labelledby="totals-h")
    [table] = section.find_all("table")
    headers = [n.text() for n in table.find_all("thead")[0].find_all("th")]
    assert headers == ["Lĩnh vực", "Tự chấm", "Tối đa"]

    for row in table.find_all("tr"):
        cells = [n for n in row.children if isinstance(n, Node) and n.tag in ("th", "td")]
        assert len(cells) == len(headers), row.text()
        for position, cell in enumerate(cells):
            if "data-total" in cell.attrs:  # a self-scored figure is under «Tự chấm»
                assert headers[position] == "Tự chấm", (cell.attrs["data-total"], row.text())
    [band] = table.find_all(data_total="classification")
    row = band.parent
    assert row is not None and row.find_all("th")[0].text() == "Xếp loại"
    assert band.text() == "— (chưa chấm tiêu chí nào)"  # an empty sheet is rated nothing yet


def test_a_leafs_form_is_no_landmark_and_its_choice_is_named_once_with_its_code(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    page = _sheet(client, assessment)

    forms = page.find_all("form", class_="leaf-form")
    assert forms and not [f for f in forms if {"aria-label", "aria-labelledby", "title"} & set(f.attrs)]
    # one group per leaf, named by its legend with the leaf's code; no radio group inside it repeats the name
    assert not [n for n in page.walk() if n.attrs.get("role") == "radiogroup"]
    levels = _line(assessment, "1.1.1")
    [fieldset] = [f for f in page.find_all("fieldset") if f.attrs.get("data-prefix") == f"l{levels.pk}-"]
    assert fieldset.find_all("legend")[0].text() == "Chọn mức — 1.1.1"
    figures = _line(assessment, "1.1.2")
    [fieldset] = [f for f in page.find_all("fieldset") if f.attrs.get("data-prefix") == f"l{figures.pk}-"]
    assert fieldset.find_all("legend")[0].text().endswith(" — 1.1.2")
    assert not [n for n in fieldset.walk() if "aria-label" in n.attrs]
