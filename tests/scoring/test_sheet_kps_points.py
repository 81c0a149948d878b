"""A leaf declared «không phát sinh» (KPS) shows the points the engine credits it, on the sheet, in the autosave's
answer and in the report, so that the leaves add up to the totals shown."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import engine, selectors
from scoring.models import Assessment, IndicatorSet, ScoreLine
from scoring.services import score_line_save_self

pytestmark = pytest.mark.django_db

REASON = "Không có đợt kiểm tra nào trong năm"


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _save_url(line: ScoreLine) -> str:
    return reverse("scoring:line_save", args=[line.assessment_id, line.pk])


def _score_output(body: str, line: ScoreLine) -> str:
    found = re.search(rf'<output data-score-for="{line.pk}"[^>]*>(.*?)</output>', body, re.S)
    assert found is not None
    return found.group(1)


def _declare_kps(assessment: Assessment, actor: Any, code: str = "1.2.2") -> ScoreLine:
    line = _line(assessment, code)
    return score_line_save_self(line=line, actor=actor, base_version=line.version, value=None, not_applicable=True,
                                not_applicable_reason=REASON)


def _percent_mode(assessment: Assessment) -> None:
    IndicatorSet.objects.filter(pk=assessment.indicator_set_id).update(index_mode="percent")


# --- the engine's credit -----------------------------------------------------------------------------------


def test_the_credit_is_the_engines_for_each_kind_and_index_mode() -> None:
    credit = selectors.not_applicable_credit
    assert credit(kind="normal", max_points=Decimal("1.5"), index_mode="points") == Decimal("1.5")
    assert credit(kind="normal", max_points=Decimal("1.5"), index_mode="percent") is None  # left out of the max
    assert credit(kind="bonus", max_points=Decimal("2"), index_mode="points") == 0
    assert credit(kind="penalty", max_points=Decimal("2"), index_mode="points") == 0


def test_the_credit_shown_adds_up_to_the_area_total_the_engine_gives(assessment: Assessment, unit_editor: Any) -> None:
    # given: everything of area 1 but 1.2.2 scored, and 1.2.2 declared KPS
    values = {"1.1.1": {"option": "on_time"}, "1.1.2": {"numerator": 45, "denominator": 50},
              "1.2.1": {"value": True}, "1.2.3": {"points": "0.5"}}
    for code, value in values.items():
        line = _line(assessment, code)
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    _declare_kps(assessment, unit_editor)
    # when
    sheet = selectors.assessment_sheet(assessment=assessment)
    # then: the scored leaves and the KPS credit add up to the area's total
    area = next(b for b in sheet.areas if b.area.code == "1")
    kps = next(r for r in area.leaves if r.line.not_applicable)
    credit = selectors.not_applicable_credit(kind=kps.indicator.kind, max_points=kps.indicator.max_points,
                                             index_mode=assessment.indicator_set.index_mode)
    scored = sum((r.line.self_score for r in area.leaves if not r.line.not_applicable), Decimal(0))
    assert scored + credit == area.total == Decimal("5")
    assert kps.na_shown == "KPS (tính 1,50 điểm)"


# --- the sheet ---------------------------------------------------------------------------------------------


def test_the_sheet_shows_the_points_a_kps_leaf_counts_for(client: Client, assessment: Assessment,
                                                          unit_editor: Any) -> None:
    line = _declare_kps(assessment, unit_editor)
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert _score_output(body, line) == "KPS (tính 1,50 điểm)"
    assert _score_output(body, _line(assessment, "1.2.1")) == "—"  # a leaf not scored yet: unchanged


def test_the_sheet_of_a_percent_set_says_a_kps_leaf_is_left_out_of_the_maximum(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    _percent_mode(assessment)
    line = _declare_kps(assessment, unit_editor)
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert _score_output(body, line) == "KPS (không tính vào điểm tối đa)"


def test_the_credit_is_written_with_the_languages_decimal_mark(assessment: Assessment) -> None:
    from django.utils import translation

    indicator = _line(assessment, "1.2.2").indicator
    with translation.override("en"):
        assert "1.50" in selectors.not_applicable_shown(indicator=indicator, index_mode="points")
    assert "1,50" in selectors.not_applicable_shown(indicator=indicator, index_mode="points")


# --- the autosave's answer -----------------------------------------------------------------------------------


def test_the_autosave_answer_carries_the_credit_to_and_from_kps(client: Client, assessment: Assessment,
                                                                 unit_editor: Any) -> None:
    line = _line(assessment, "1.2.2")
    client.force_login(unit_editor)
    # when: the leaf is declared KPS
    response = client.post(_save_url(line), {"version": line.version, "not_applicable": "1",
                                             "not_applicable_reason": REASON}, HTTP_ACCEPT="application/json")
    # then
    assert response.status_code == 200
    answer = response.json()["line"]
    assert answer["not_applicable"] is True
    assert answer["na_points"] == "1.50" and answer["na_display"] == "KPS (tính 1,50 điểm)"
    assert response.json()["totals"]["areas"]["1"]["total"] == "1.50"  # what the leaf shows is what counts
    # when: it is scored again
    counts = {f"l{line.pk}-counts.{key}": value for key, value in (("a", "4"), ("b", "2"), ("c", "1"))}
    response = client.post(_save_url(line), {"version": answer["version"], **counts}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    answer = response.json()["line"]
    assert answer["not_applicable"] is False and answer["na_points"] is None and answer["na_display"] == ""
    assert answer["display"] == "0,88"


def test_the_autosave_answer_of_a_percent_set_has_no_points_for_kps(client: Client, assessment: Assessment,
                                                                      unit_editor: Any) -> None:
    _percent_mode(assessment)
    line = _line(assessment, "1.2.2")
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": line.version, "not_applicable": "1",
                                             "not_applicable_reason": REASON}, HTTP_ACCEPT="application/json")
    answer = response.json()["line"]
    assert answer["na_points"] is None and answer["na_display"] == "KPS (không tính vào điểm tối đa)"


def test_a_conflicts_stored_kps_leaf_carries_its_credit(client: Client, assessment: Assessment, unit_editor: Any,
                                                         unit_head: Any) -> None:
    line = _line(assessment, "1.2.2")
    _declare_kps(assessment, unit_head)
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": 1, "note": "x"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    stored = response.json()["stored"]
    assert stored["na_points"] == "1.50" and stored["na_display"] == "KPS (tính 1,50 điểm)"


def test_a_stranger_gets_no_credit_of_another_units_leaf(client: Client, assessment: Assessment,
                                                          unit_editor: Any) -> None:
    from tests.conftest import _user

    line = _line(assessment, "1.2.2")
    client.force_login(_user("khach", "unit_editor", "so-tu-phap"))
    response = client.post(_save_url(line), {"version": line.version, "not_applicable": "1",
                                             "not_applicable_reason": REASON}, HTTP_ACCEPT="application/json")
    assert response.status_code in (403, 404)
    assert "na_display" not in response.content.decode()
    assert not _line(assessment, "1.2.2").not_applicable


# --- the report --------------------------------------------------------------------------------------------


def test_the_report_shows_the_points_a_kps_leaf_counts_for(client: Client, assessment: Assessment,
                                                           unit_editor: Any) -> None:
    _declare_kps(assessment, unit_editor)
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:report", args=[assessment.pk])).content.decode()
    row = body.split("<td>1.2.2</td>")[1].split("</tr>")[0]
    assert "KPS (tính 1,50 điểm)" in row


def test_the_engine_is_what_credits_kps(assessment: Assessment) -> None:
    """The credit shown is the engine's: with the leaf alone as the whole set, the engine's total is the credit."""
    rules = engine.SetRules(nodes=(engine.Node(code="x", parent_code=None, kind="normal", max_points=Decimal("1.5")),))
    comp = engine.compute_index(rules, {"x": engine.LeafScore(score=None, not_applicable=True)})
    assert selectors.not_applicable_credit(kind="normal", max_points=Decimal("1.5"), index_mode="points") == comp.total
