"""The public set page says how each criterion is scored, not only the method's name: a levels criterion lists
each level's label and points (a level may be negative: why a unit has −1,00 on a criterion of 1 point), and the
other methods their parameters in words, as the unit's sheet states them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _row(html: str, code: str) -> str:
    """The table row of the criterion `code`."""
    for row in re.findall(r"<tr class=\"level-.*?</tr>", html, re.S):
        if re.search(rf"<td>{re.escape(code)}</td>", row):
            return row
    raise AssertionError(f"no row {code}")


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_a_levels_criterion_lists_each_level_with_its_points(client: Client, cycle: Any, small_set: Any) -> None:
    html = client.get(reverse("indicator_set_detail", args=[small_set.key])).content.decode()
    row = _row(html, "1.1.1")
    levels = [_text(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", row, re.S)]
    assert levels == ["Đúng hạn, đầy đủ: 1 điểm", "Trễ hạn: 0 điểm", "Không ban hành: −1 điểm"]
    assert "Chọn mức" in row


def test_the_other_methods_state_their_parameters_in_words(client: Client, cycle: Any, small_set: Any) -> None:
    html = client.get(reverse("indicator_set_detail", args=[small_set.key])).content.decode()
    assert "&gt; 90%: 2 điểm; ≥ 70%: 1 điểm; ≥ 0%: 0 điểm" in _row(html, "1.1.2")  # ratio bands
    assert re.findall(r"<li>(.*?)</li>", _row(html, "1.2.1")) == ["Có: 1 điểm", "Không: 0 điểm"]  # yes / no
    formula = _text(_row(html, "1.2.2"))
    assert "Công thức: (b / a) × 1,5 + (c / a) × 0,5" in formula and "a: Số vấn đề phát hiện" in formula
    assert "Từ 0 đến 0,5 điểm, bước 0,25." in _row(html, "1.2.3")  # manual
    assert "Tỷ lệ ≥ 80%: tỷ lệ × 2 điểm; dưới 80%: 0 điểm" in _row(html, "2.1.1")  # proportional
    occurrences = _text(_row(html, "2.1.2"))
    assert "Điểm = 2 + số lần × điểm mỗi lần, thấp nhất 0, tối đa 2." in occurrences
    assert "Báo cáo trễ hạn: −0,25 điểm/lần" in occurrences and "Thiếu báo cáo: −0,5 điểm/lần" in occurrences
    # an area or a criterion with sub-criteria is not scored: no method there
    assert "<li>" not in _row(html, "1.1")


def test_in_english_the_words_are_english_and_the_sets_labels_stay_vietnamese(
    client: Client, cycle: Any, small_set: Any,
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("indicator_set_detail", args=[small_set.key])).content.decode()
    row = _row(html, "1.1.1")
    assert '<span lang="vi">Không ban hành</span>: −1 point' in row
    assert "Yes: 1 point" in _row(html, "1.2.1")
