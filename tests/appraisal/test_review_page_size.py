"""The review page draws the unit's answer as text, not as a disabled copy of its input, and without the blank lines
and indentation of its templates: an appraiser opens it many times a day, with every leaf of a unit on it."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.appraisal.conftest import line_of
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _page(client: Client, user: Any, assessment: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("appraisal:review", args=[assessment.pk]), {"linh-vuc": "tat-ca"})
    assert response.status_code == 200
    return response.content.decode()


def _unit_side(body: str, line: Any) -> str:
    """What the unit's column of the leaf says, as text."""
    leaf = re.search(rf'<article [^>]*id="line-{line.pk}".*?</article>', body, re.S)
    assert leaf
    side = re.search(r'<section class="unit-side".*?</section>', leaf.group(0), re.S)
    assert side
    return side.group(0)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def test_each_leaf_of_the_review_page_takes_fewer_bytes(client: Client, submitted: Any, lead: Any) -> None:
    # given the small set's nine leaves, each method kind, self-scored and submitted
    body = _page(client, lead, submitted)
    leaves = re.findall(r"<article .*?</article>", body, re.S)
    assert len(leaves) == len(SMALL_SET_VALUES)
    # then a leaf (the unit's answer, the team's input, its forms) takes under 4,000 bytes on average: with the unit's
    # input drawn again, disabled, and the templates' indentation, it took 4,633
    per_leaf = sum(len(leaf.encode()) for leaf in leaves) / len(leaves)
    assert per_leaf < 4000, per_leaf


def test_the_review_page_has_no_indented_or_blank_lines_of_its_templates(
    client: Client, submitted: Any, lead: Any
) -> None:
    body = _page(client, lead, submitted)
    review = body[body.index('<div class="review appraisal-page"'):body.index("js/appraisal.js")]
    # whitespace between two tags stays, as a line break (words and tags keep their spaces); no indentation
    assert not re.search(r"\n[ \t]{2,}", review)
    assert not re.search(r"\n[ \t]*\n[ \t]+\n", review)


def test_the_units_answer_is_text_not_a_disabled_input(client: Client, submitted: Any, lead: Any) -> None:
    body = _page(client, lead, submitted)
    for code in SMALL_SET_VALUES:
        side = _unit_side(body, line_of(submitted, code))
        assert "<input" not in side and "<fieldset" not in side, code
        assert "data-self-answer" in side, code
    # the team's input stays whole, and the only one named as a radio group on a leaf
    line = line_of(submitted, "1.1.1")
    assert f'name="a{line.pk}-option"' in body and f'name="s{line.pk}-option"' not in body
    assert body.count('aria-label="Mức đơn vị tự chấm"') == 0


@pytest.mark.parametrize(("code", "said"), [
    # levels: the level chosen with its points
    ("1.1.1", "Chọn mức: Trễ hạn (0 điểm)"),
    # yes / no
    ("1.2.1", "Có / Không: Có (1 điểm)"),
    # ratio bands and proportional: the figures entered
    ("1.1.2", "Tử số: 45 Mẫu số: 50"),
    ("2.1.1", "Tử số: 85 Mẫu số: 100"),
    # formula: each variable's count
    ("1.2.2", "a: Số vấn đề phát hiện: 4 b: Đã xử lý xong: 2 c: Đang xử lý: 1"),
    # points entered by hand
    ("1.2.3", "Điểm: 0,5"),
    # per occurrence, and a penalty's as a deduction
    ("2.1.2", "Báo cáo trễ hạn (−0,25 điểm/lần): 2 Thiếu báo cáo (−0,5 điểm/lần): 1"),
    ("2.3.1", "Số người (trừ 1 điểm/lần): 1"),
])
def test_the_units_answer_is_said_for_each_method_kind(
    client: Client, submitted: Any, lead: Any, code: str, said: str
) -> None:
    side = _text(_unit_side(_page(client, lead, submitted), line_of(submitted, code)))
    assert said in side, side


def test_a_leaf_the_unit_did_not_score_says_so(client: Client, submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.1.1")
    line.self_value = None
    line.self_score = None
    line.save(update_fields=["self_value", "self_score"])
    side = _text(_unit_side(_page(client, lead, submitted), line))
    assert "Chọn mức: Chưa chấm" in side, side


def test_a_leaf_not_applicable_says_so_with_its_reason_and_no_answer(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    line = line_of(kps_submitted, "1.2.2")
    side = _unit_side(_page(client, lead, kps_submitted), line)
    assert "Đơn vị tự chấm: KPS (tính 1,50 điểm)" in _text(side)
    assert "Lý do không phát sinh: Không có cuộc kiểm tra nào." in _text(side)
    assert "data-self-answer" not in side and "<input" not in side
