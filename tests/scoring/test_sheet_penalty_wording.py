"""A penalty leaf reads as a deduction on the unit's sheet as on the appraisers' form: its levels and occurrences
take points («trừ 1 điểm», «trừ 1 điểm/lần»), its hint says the sum is the points deducted. A per-occurrence leaf
whose occurrences take points away states the floor the engine stops at («thấp nhất 0»)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.forms import method_input_context
from scoring.models import Assessment, Indicator

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S))


def _leaf_html(page: str, line_pk: int) -> str:
    return page.split(f'id="line-{line_pk}"')[1].split("</article>")[0]


def test_the_sheet_writes_a_penalty_per_occurrence_as_points_deducted(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = assessment.lines.get(indicator__code="2.3.1")  # the small set's penalty: 1 point per person, at most 2
    client.force_login(unit_editor)
    leaf = _text(_leaf_html(client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode(),
                            line.pk))
    assert "trừ 1 điểm/lần" in leaf
    assert "Số điểm bị trừ = số lần × điểm mỗi lần, tối đa 2." in leaf
    assert "(1 điểm/lần)" not in leaf and "Điểm = 0 +" not in leaf
    assert "Điểm theo số lần — điểm trừ, nhập số lần (không ghi số điểm)" in leaf
    assert "ghi số dương" not in leaf


def _indicator(**fields: Any) -> Indicator:
    return Indicator(code="9.9.9", max_points=Decimal(fields.pop("max_points", "2")), **fields)


def test_a_penalty_levels_leaf_writes_each_level_as_a_deduction() -> None:
    indicator = _indicator(kind=Indicator.Kind.PENALTY, method=Indicator.Method.LEVELS, params={"options": [
        {"key": "none", "label": "Không có", "points": "0"},
        {"key": "reprimand", "label": "Bị kỷ luật khiển trách", "points": "1"},
        {"key": "warning", "label": "Bị kỷ luật cảnh cáo trở lên", "points": "2"}]})
    with translation.override("vi"):
        ctx = method_input_context(indicator, None)
    # a level that takes nothing says so, not «trừ 0 điểm»
    assert [o["points_text"] for o in ctx["options"]] == ["không trừ điểm", "trừ 1 điểm", "trừ 2 điểm"]
    # a row of radios: nothing is typed, so no «ghi số dương»
    assert ctx["method_label"] == "Chọn mức — điểm trừ"
    with translation.override("en"):
        assert method_input_context(indicator, None)["options"][0]["points_text"] == "no deduction"


def test_only_a_penalty_scored_directly_asks_for_a_positive_number_of_points() -> None:
    manual = _indicator(kind=Indicator.Kind.PENALTY, method=Indicator.Method.MANUAL, params={"step": "0.5"})
    counts = _indicator(kind=Indicator.Kind.PENALTY, method=Indicator.Method.PER_OCCURRENCE,
                        params={"items": [{"key": "d", "label": "Số người", "points": "1"}]})
    formula = _indicator(kind=Indicator.Kind.PENALTY, method=Indicator.Method.FORMULA,
                         params={"expression": "a*0.5", "items": [{"key": "a", "label": "Số vụ"}]})
    with translation.override("vi"):
        assert method_input_context(manual, None)["method_label"] == (
            "Chấm điểm trực tiếp — số điểm bị trừ (ghi số dương)")
        assert method_input_context(manual, None)["fields"][0]["label"] == "Số điểm bị trừ"
        # a number of occurrences, not points: the legend asks for the count
        assert method_input_context(counts, None)["method_label"] == (
            "Điểm theo số lần — điểm trừ, nhập số lần (không ghi số điểm)")
        assert method_input_context(formula, None)["method_label"] == (
            "Công thức theo số liệu — điểm trừ, nhập số liệu (không ghi số điểm)")
    with translation.override("en"):
        assert "positive" not in method_input_context(counts, None)["method_label"]
        assert "number of times" in method_input_context(counts, None)["method_label"]


def test_the_appraisers_form_says_a_deduction_once() -> None:
    from appraisal.forms import leaf_contexts
    from scoring.models import ScoreLine

    indicator = _indicator(kind=Indicator.Kind.PENALTY, method=Indicator.Method.PER_OCCURRENCE,
                           params={"items": [{"key": "d", "label": "Số người", "points": "0.5"}]})
    with translation.override("vi"):
        contexts = leaf_contexts(ScoreLine(pk=1), indicator, editable=True)
    for ctx in contexts.values():
        assert ctx["fields"][0]["extra"] == "trừ 0,5 điểm/lần"
        assert ctx["method_label"] == "Điểm theo số lần — điểm trừ, nhập số lần (không ghi số điểm)"


def test_a_per_occurrence_hint_states_the_floor_when_an_occurrence_takes_points_away() -> None:
    reports = _indicator(kind=Indicator.Kind.NORMAL, method=Indicator.Method.PER_OCCURRENCE, max_points="1.5",
                         params={"base": "1.5", "items": [{"key": "late", "label": "Trễ hạn", "points": "-0.25"},
                                                          {"key": "annual", "label": "Không gửi", "points": "-1"}]})
    initiatives = _indicator(kind=Indicator.Kind.BONUS, method=Indicator.Method.PER_OCCURRENCE,
                             params={"items": [{"key": "i", "label": "Sáng kiến", "points": "0.5"}]})
    with translation.override("vi"):
        assert method_input_context(reports, None)["hint"] == (
            "Điểm = 1,5 + số lần × điểm mỗi lần, thấp nhất 0, tối đa 1,5.")
        assert method_input_context(initiatives, None)["hint"] == "Điểm = 0 + số lần × điểm mỗi lần, tối đa 2."
    with translation.override("en"):
        assert "at least 0" in method_input_context(reports, None)["hint"]
