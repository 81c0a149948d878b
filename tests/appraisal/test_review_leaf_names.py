"""The review page for a screen reader's lists of landmarks and controls: each leaf's buttons carry its code after the
visible words (the accessible name holds the visible text, WCAG 2.5.3); the leaf's two sides are no landmarks of
their own (a hundred leaves would list two hundred regions named alike); the actions bar is named by who the user
is; a leaf of another appraiser's area says the team's answer as text, not as a disabled input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import line_appraise
from tests.appraisal.conftest import line_of
from tests.appraisal.test_review_accessibility import Element, Page

pytestmark = pytest.mark.django_db


def _page(client: Client, user: Any, assessment: Any) -> Page:
    client.force_login(user)
    response = client.get(reverse("appraisal:review", args=[assessment.pk]), {"linh-vuc": "tat-ca"})
    assert response.status_code == 200
    return Page(response.content.decode())


def _in_leaf(page: Page, line: Any, element: Element) -> bool:
    return any(e.attrs.get("id") == f"line-{line.pk}" for e in element.ancestors())


def _buttons(page: Page, line: Any, form_hook: str) -> list[Element]:
    return [b for b in page.select("button") if _in_leaf(page, line, b)
            and any(form_hook in e.attrs for e in b.ancestors() if e.tag == "form")]


def test_each_leafs_buttons_are_named_with_its_code_after_the_visible_words(
    client: Client, submitted: Any, lead: Any
) -> None:
    page = _page(client, lead, submitted)
    for code in ("1.1.1", "2.1.1"):
        line = line_of(submitted, code)
        [save] = _buttons(page, line, "data-appraise")
        [accept] = _buttons(page, line, "data-accept")
        assert save.content == f"Lưu điểm thẩm định {code}", save.content
        assert accept.content == f"Chấp nhận điểm tự chấm {code}", accept.content
        # the code is read, not seen: the visible words stay the button's
        [hidden] = [e for e in page.elements if e.parent in (save, accept) and e.tag == "span"][:1]
        assert "visually-hidden" in hidden.attrs.get("class", "")


def test_the_leafs_two_sides_are_no_landmarks_named_alike(client: Client, submitted: Any, lead: Any) -> None:
    page = _page(client, lead, submitted)
    named = [e for e in page.elements
             if (e.tag == "section" and ("aria-label" in e.attrs or "aria-labelledby" in e.attrs))
             or e.attrs.get("role") == "region"]
    labels = [e.attrs.get("aria-label") or e.attrs.get("aria-labelledby") for e in named]
    assert "Đơn vị tự chấm" not in labels and "Tổ thẩm định" not in labels
    assert len(labels) == len(set(labels)), labels
    # each side is still headed, within the leaf its heading names
    line = line_of(submitted, "1.1.1")
    sides = [e for e in page.select("section") if _in_leaf(page, line, e)]
    assert [s.attrs.get("class") for s in sides] == ["unit-side", "team-side"]


@pytest.mark.parametrize(("who", "label"), [
    ("lead", "Thao tác của Tổ trưởng"),
    ("appraiser", "Thao tác của thành viên Tổ thẩm định"),
    ("admin_user", "Thao tác của quản trị viên"),
])
def test_the_actions_bar_is_named_by_who_the_user_is(
    client: Client, submitted: Any, request: pytest.FixtureRequest, who: str, label: str
) -> None:
    page = _page(client, request.getfixturevalue(who), submitted)
    [nav] = [e for e in page.select("nav") if "sheet-actions" in e.attrs.get("class", "")]
    assert nav.attrs["aria-label"] == label


def test_another_appraisers_leaf_says_the_teams_answer_as_text(
    client: Client, submitted: Any, lead: Any, appraiser: Any
) -> None:
    # given the lead's adjustment of a leaf of area 1, which the appraiser (area 2) may not appraise
    line = line_of(submitted, "1.1.2")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"numerator": 40, "denominator": 50},
                  note="Chỉ 40 nhiệm vụ có báo cáo.")
    not_yet = line_of(submitted, "1.1.1")
    client.force_login(appraiser)
    body = client.get(reverse("appraisal:review", args=[submitted.pk]), {"linh-vuc": "tat-ca"}).content.decode()
    # then the team's side holds no control, and says the figures and the reason
    leaf = re.search(rf'<article [^>]*id="line-{line.pk}".*?</article>', body, re.S)
    assert leaf
    side = leaf.group(0).split('<section class="team-side"')[1]
    assert "<input" not in side and "<textarea" not in side and "<fieldset" not in side and "<button" not in side
    text = " ".join(re.sub(r"<[^>]+>", " ", side).split())
    assert "Tử số: 40" in text and "Mẫu số: 50" in text
    assert "Lý do, ý kiến thẩm định: Chỉ 40 nhiệm vụ có báo cáo." in text
    assert 'data-team-figure="numerator"' in side and f'data-team-answer-of="{line.pk}"' in side
    # a leaf the team has not decided says no answer of the team's (not the unit's, copied)
    leaf = re.search(rf'<article [^>]*id="line-{not_yet.pk}".*?</article>', body, re.S)
    assert leaf
    side = leaf.group(0).split('<section class="team-side"')[1]
    assert "<input" not in side and "data-team-answer " not in side and "Trễ hạn" not in side
