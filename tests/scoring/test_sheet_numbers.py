"""Numbers typed on the self-assessment sheet: a number that may hold a thousands separator («1,000», «1.000») is
refused whatever the page's language, never read with the separator as a decimal mark; a decimal mark alone
(«1,5», «0.75») reads the same in both languages. The autosave's answer says when the leaf was saved, by the
server's clock in the site's time zone; the proportional method's hint without a threshold."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from scoring.administration.views.tree import preview_of
from scoring.forms import method_input_context
from scoring.models import Assessment, AuditEntry, Indicator, ScoreLine, Unit, UnitKind
from scoring.services import assessments_open, cycle_create, indicator_set_import
from tests.conftest import self_assessment_phase, small_set_data

pytestmark = pytest.mark.django_db


def _points_set_data() -> dict[str, Any]:
    """The small set with 1.2.1 scored as points typed from 0 to 1 (step 0.25): «1,000» read as 1 fits in it."""
    data = small_set_data(key="numbers-set")
    report = data["indicators"][0]["children"][1]["children"][0]
    assert report["code"] == "1.2.1"
    report.update(method="manual", params={"step": "0.25"})
    return data


@pytest.fixture
def points_assessment(catalogue: Any) -> Assessment:
    indicator_set = indicator_set_import(data=_points_set_data(), actor=None)
    kinds = UnitKind.objects.filter(code__in=["department", "vertical"])
    cycle = self_assessment_phase(
        cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={k: indicator_set for k in kinds}, actor=None)
    )
    return assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _save_url(line: ScoreLine) -> str:
    return reverse("scoring:line_save", args=[line.assessment_id, line.pk])


def _autosave(client: Client, line: ScoreLine, fields: dict[str, str]) -> Any:
    """What the page's script sends for one leaf, answered in JSON."""
    data = {"version": str(line.version), **{f"l{line.pk}-{k}": v for k, v in fields.items()}}
    return client.post(_save_url(line), data, HTTP_ACCEPT="application/json")


def _in_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _unchanged(line: ScoreLine) -> None:
    version = line.version
    line.refresh_from_db()
    assert (line.self_value, line.self_score, line.version) == (None, None, version)
    assert not AuditEntry.objects.filter(action="score_line.self", object_id=str(line.pk)).exists()


# --- thousands separators -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("english", "typed"), [
    (True, "1,000"),   # a thousand in English, one in Vietnamese
    (True, "1.000"),   # one in English, a thousand in Vietnamese
    (False, "1.000"),
    (False, "1,000"),
])
def test_points_that_may_group_thousands_are_refused_and_nothing_is_saved(
    client: Client, points_assessment: Assessment, unit_editor: Any, english: bool, typed: str
) -> None:
    # given a leaf scored with points from 0 to 1, where «1,000» read as one would be accepted
    line = _line(points_assessment, "1.2.1")
    client.force_login(unit_editor)
    if english:
        _in_english(client)
    # when
    answer = _autosave(client, line, {"points": typed})
    # then
    assert answer.status_code == 400
    data = answer.json()
    assert (data["code"], data["field"]) == ("ambiguous_separator", "points")
    assert f"«{typed}»" in data["message"] and "1000" in data["message"]
    _unchanged(line)


def test_the_refusal_says_how_to_write_decimals_in_the_pages_language(
    client: Client, points_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(points_assessment, "1.2.1")
    client.force_login(unit_editor)
    vietnamese = _autosave(client, line, {"points": "1.000"}).json()["message"]
    assert vietnamese.startswith("Không rõ dấu chấm trong «1.000»") and "hoặc 1,0000 nếu" in vietnamese
    _in_english(client)
    english = _autosave(client, line, {"points": "1,000"}).json()["message"]
    assert "or 1.0000 if" in english and "1,0000" not in english


@pytest.mark.parametrize(("english", "typed", "stored", "score"), [
    (True, "0.75", "0.75", Decimal("0.75")),
    (False, "0,75", "0.75", Decimal("0.75")),
    (False, "0.75", "0.75", Decimal("0.75")),  # a dot that cannot group thousands is a decimal mark
    (True, "1", "1", Decimal("1")),
    (False, "0,500", "0.5", Decimal("0.5")),   # a leading 0 never starts a group
])
def test_a_decimal_mark_alone_reads_the_same_in_both_languages(
    client: Client, points_assessment: Assessment, unit_editor: Any, english: bool, typed: str, stored: str,
    score: Decimal,
) -> None:
    line = _line(points_assessment, "1.2.1")
    client.force_login(unit_editor)
    if english:
        _in_english(client)
    answer = _autosave(client, line, {"points": typed})
    assert answer.status_code == 200, answer.content
    line.refresh_from_db()
    assert (line.self_value, line.self_score) == ({"points": stored}, score)


def test_a_ratio_reads_a_decimal_comma_and_refuses_a_thousands_separator(
    client: Client, points_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(points_assessment, "1.1.2")  # ratio bands: > 90 % 2 points, ≥ 70 % 1 point
    client.force_login(unit_editor)
    refused = _autosave(client, line, {"numerator": "1.000", "denominator": "2000"})
    assert refused.status_code == 400 and refused.json()["field"] == "numerator"
    _unchanged(line)
    answer = _autosave(client, line, {"numerator": "1,5", "denominator": "2"})  # 75 %
    assert answer.status_code == 200
    line.refresh_from_db()
    assert (line.self_value, line.self_score) == ({"numerator": "1.5", "denominator": "2"}, Decimal("1.00"))


def test_a_plain_form_post_is_refused_with_the_number_shown_back_as_typed(
    client: Client, points_assessment: Assessment, unit_editor: Any
) -> None:
    """Without the page's script: the page again, the input marked, «1,000» as it was typed, nothing saved."""
    line = _line(points_assessment, "1.2.1")
    client.force_login(unit_editor)
    _in_english(client)
    response = client.post(_save_url(line), {"version": line.version, f"l{line.pk}-points": "1,000"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'name="l{line.pk}-points" value="1,000"' in body
    assert 'aria-invalid="true"' in body and "«1,000»" in body
    _unchanged(line)


def test_a_not_applicable_leaf_is_saved_whatever_number_is_left_in_its_input(
    client: Client, points_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(points_assessment, "1.2.2")  # formula, allows «không phát sinh»
    client.force_login(unit_editor)
    data = {"version": line.version, "not_applicable": "1", "not_applicable_reason": "Không có đợt kiểm tra",
            f"l{line.pk}-counts.a": "4"}
    assert client.post(_save_url(line), data, HTTP_ACCEPT="application/json").status_code == 200
    line.refresh_from_db()
    assert line.not_applicable


# --- the time of a save ---------------------------------------------------------------------------------------


def test_the_autosave_answers_with_the_servers_time_of_the_save_in_the_sites_time_zone(
    client: Client, points_assessment: Assessment, unit_editor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = _line(points_assessment, "1.2.1")
    client.force_login(unit_editor)
    # given the server's clock at 01:05 UTC, 08:05 in Vietnam
    monkeypatch.setattr(timezone, "now", lambda: datetime(2020, 3, 11, 1, 5, 30, tzinfo=UTC))
    # when
    data = _autosave(client, line, {"points": "0,5"}).json()
    # then
    assert (data["saved_at"], data["saved_time"]) == ("2020-03-11T08:05:30+07:00", "08:05")
    _in_english(client)  # the time does not depend on the page's language
    line.refresh_from_db()
    monkeypatch.setattr(timezone, "now", lambda: datetime(2020, 3, 11, 16, 59, tzinfo=UTC))
    data = _autosave(client, line, {"points": "0.75"}).json()
    assert (data["saved_at"], data["saved_time"]) == ("2020-03-11T23:59:00+07:00", "23:59")


# --- the proportional method's hint ---------------------------------------------------------------------------


def _proportional(params: dict[str, Any], max_points: str = "2") -> Indicator:
    return Indicator(code="9.9", name="Tỷ lệ", method=Indicator.Method.PROPORTIONAL, params=params,
                     max_points=Decimal(max_points), floor=Decimal(0))


@pytest.mark.parametrize("params", [{}, {"threshold": ""}, {"threshold": "0"}, {"threshold": "0", "below_points": "1"}])
def test_a_proportional_leaf_without_a_threshold_is_hinted_as_the_rate_times_its_points(params: dict[str, Any]) -> None:
    hint = method_input_context(_proportional(params), None, "p-")["hint"]
    assert hint == "Điểm = tỷ lệ (tử số / mẫu số) × 2 điểm"
    with translation.override("en"):
        english = method_input_context(_proportional(params, "1"), None, "p-")["hint"]
    assert "1 point" in english and "%" not in english


def test_a_proportional_leaf_with_a_threshold_keeps_its_two_clauses() -> None:
    hint = method_input_context(_proportional({"threshold": "80", "below_points": "0.5"}), None, "p-")["hint"]
    assert hint == "Tỷ lệ ≥ 80%: tỷ lệ × 2 điểm; dưới 80%: 0,5 điểm"


def test_the_administrations_live_preview_of_a_proportional_leaf_with_an_empty_threshold_reads_sensibly() -> None:
    preview = preview_of({"method": "proportional", "p_threshold": "", "p_below_points": ""}, max_points="2",
                         floor="0", kind="normal")
    assert "Điểm = tỷ lệ (tử số / mẫu số) × 2 điểm" in preview["html"]
    assert "0%" not in preview["html"]


# --- every path a person types points through -------------------------------------------------------------------


def test_the_api_refuses_points_that_may_group_thousands_and_saves_nothing(
    points_assessment: Assessment, unit_editor: Any
) -> None:
    from rest_framework.test import APIClient

    line = _line(points_assessment, "1.2.1")
    api = APIClient()
    api.force_login(unit_editor)
    answer = api.put(f"/api/v1/assessments/{points_assessment.pk}/lines/{line.pk}/",
                     {"version": line.version, "value": {"points": "1,000"}}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "ambiguous_separator"
    assert "«1,000»" in answer.json()["message"]
    _unchanged(line)
    # a number sent as a JSON number is not text one could misread
    answer = api.put(f"/api/v1/assessments/{points_assessment.pk}/lines/{line.pk}/",
                     {"version": line.version, "value": {"points": 1}}, format="json")
    assert answer.status_code == 200, answer.json()
    assert Decimal(answer.json()["self_score"]) == Decimal("1")


def test_the_engine_refuses_typed_points_that_may_group_thousands_for_the_appraisal_too() -> None:
    from scoring import engine
    from scoring.engine import LeafRule, Method, ScoringInputError

    rule = LeafRule(method=Method.MANUAL, params={"step": "0.25"}, max_points=Decimal("2000"), floor=Decimal("0"),
                    kind="normal")
    for typed in ("1,000", "1.000"):
        with pytest.raises(ScoringInputError) as refused:
            engine.score_leaf(rule, {"points": typed})
        assert refused.value.code == "ambiguous_separator"
    # groups followed by the other mark can only be thousands then decimals: read so, then checked as points
    for typed, code in (("2.500,5", "above_max"), ("1,000.10", "not_multiple_of_step")):
        with pytest.raises(ScoringInputError) as refused:
            engine.score_leaf(rule, {"points": typed})
        assert refused.value.code == code
    assert engine.score_leaf(rule, {"points": "1.000,25"}) == Decimal("1000.25")
    assert engine.score_leaf(rule, {"points": "1000"}) == Decimal("1000")
    assert engine.score_leaf(rule, {"points": "0,750"}) == Decimal("0.75")
