"""A sheet repeats each leaf's evidence controls on every leaf, outside the leaf's own form: each is named with its
visible words and the leaf's code, so a screen reader moving from control to control knows which criterion it is on."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evidence import services

pytestmark = pytest.mark.django_db


class _Controls(HTMLParser):
    """The accessible names given (aria-label) to the controls of each leaf's evidence block, by the block's leaf."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[int, list[tuple[str, str]]] = {}
        self.line: int | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "div" and self.line is not None:
            self.depth += 1
        elif tag == "div" and "data-evidence-line" in found:
            self.line, self.depth = int(found["data-evidence-line"]), 1
            self.names[self.line] = []
        if self.line is not None and tag in {"a", "button", "input"} and found.get("type") != "hidden":
            self.names[self.line].append((found.get("class", tag), found.get("aria-label", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.line is not None:
            self.depth -= 1
            if not self.depth:
                self.line = None


def _controls(html: str) -> dict[int, list[tuple[str, str]]]:
    parser = _Controls()
    parser.feed(html)
    return parser.names


def test_every_evidence_control_of_the_sheet_is_named_with_its_leafs_code(
    assessment: Any, unit_editor: Any, stored_pdf: Any
) -> None:
    # given a file linked to one leaf (its «Gỡ», «Xem», «Tải về» shown there)
    linked = assessment.lines.get(indicator__code="1.1.1")
    services.evidence_link(evidence_file=stored_pdf, line=linked, actor=unit_editor)
    client = Client()
    client.force_login(unit_editor)

    # when the sheet is drawn
    html = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()

    # then each leaf's controls say which leaf they belong to
    codes = dict(assessment.lines.values_list("pk", "indicator__code"))
    blocks = _controls(html)
    assert set(blocks) == set(codes)
    for line_id, controls in blocks.items():
        code = codes[line_id]
        names = [name for _kind, name in controls]
        assert f"Gắn tài liệu có sẵn vào tiêu chí {code}" in names
        assert f"Tải lên và gắn vào tiêu chí {code}" in names
        assert f"Tải lên các tệp đã chọn cho tiêu chí {code}" in names
    assert ("link evidence-unlink", "Gỡ «Kế hoạch CCHC năm 2020.pdf» khỏi tiêu chí 1.1.1") in blocks[linked.pk]
    assert ("evidence-name", "") in blocks[linked.pk]  # the file's own link is named by the file's name
    assert "Tải về «Kế hoạch CCHC năm 2020.pdf»" in [name for _kind, name in blocks[linked.pk]]
    assert "Xem «Kế hoạch CCHC năm 2020.pdf»" in [name for _kind, name in blocks[linked.pk]]
    # no two controls of the page share a name
    repeated = [name for name, n in Counter(name for c in blocks.values() for _k, name in c if name).items() if n > 1]
    assert repeated == []
