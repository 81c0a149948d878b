"""The score lines of the API: the team's decision on a «không phát sinh» (KPS) and the points each leaf is credited
with for the totals (`na_accepted`, `credited_self_score`, `credited_appraised_score`), and the names a line is
read by (`self_value`, `self_note`) taken on write as well."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal.services import assessment_sign_off, line_accept_self, line_appraise
from scoring.models import Indicator, ScoreLine
from scoring.services import assessment_compute, index_result_recompute, score_line_save_self
from tests.appraisal.conftest import KPS, appraise_all, line_of, refresh, self_score, submit
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

KPS_REASON = "Không có cuộc kiểm tra nào."


def _lines(api: Any, assessment: Any) -> dict[str, dict[str, Any]]:
    response = api.get(f"/api/v1/assessments/{assessment.pk}/lines/")
    assert response.status_code == 200, response.json()
    return {row["indicator"]: row for row in response.json()}


def _sum(values: list[str | None]) -> Decimal:
    return sum((Decimal(v) for v in values if v is not None), Decimal("0"))


def _signed_off_with_accepted_kps(assessment: Any, lead: Any) -> Any:
    appraise_all(assessment, lead)  # accepts the self-scores, and the unit's «không phát sinh»
    assessment_sign_off(assessment=refresh(assessment), actor=lead)
    index_result_recompute(assessment_id=assessment.pk)  # what the on-commit hook would have enqueued
    return refresh(assessment)


def _declare_kps(assessment: Any, editor: Any) -> None:
    line = line_of(assessment, KPS)
    score_line_save_self(line=line, actor=editor, base_version=line.version, value=None, not_applicable=True,
                         not_applicable_reason=KPS_REASON)


@pytest.fixture
def kps_assessment(assessment: Any, unit_editor: Any, unit_head: Any, team: Any) -> Any:
    """Sở Y tế self-scored, leaf 1.2.2 declared «không phát sinh», submitted (as `kps_submitted` of the appraisal
    tests)."""
    self_score(assessment, unit_editor)
    _declare_kps(assessment, unit_editor)
    return submit(assessment, unit_head)


# --- 1. the KPS decision and the credited points --------------------------------------------------------------


def test_the_credited_figures_of_a_signed_off_assessment_sum_to_its_area_totals_and_index(
    api: Any, kps_assessment: Any, lead: Any, admin_user: Any, unit_editor: Any
) -> None:
    # given Sở Y tế's assessment with leaf 1.2.2 declared «không phát sinh», accepted, signed off and computed
    signed = _signed_off_with_accepted_kps(kps_assessment, lead)
    api.force_login(admin_user)
    preview = api.get(f"/api/v1/publications/{signed.cycle.year}/preview/").json()
    [row] = [r for g in preview["groups"] for r in g["rows"] if r["unit_code"] == "so-y-te"]

    for reader in (admin_user, unit_editor):  # the unit reads the appraisal too once signed off
        api.force_login(reader)
        # when the lines are read
        lines = _lines(api, signed)
        # then the accepted KPS says so, and counts the maximum the engine credits it (1.50), not null
        kps = lines[KPS]
        assert (kps["not_applicable"], kps["na_accepted"], kps["na_overruled"]) == (True, True, False)
        assert kps["appraised_score"] is None
        assert kps["credited_appraised_score"] == "1.50"
        assert kps["credited_self_score"] == "1.50"
        # and the credited figures add up to what the API publishes for the unit
        kinds = dict(Indicator.objects.filter(indicator_set=signed.indicator_set_id).values_list("code", "kind"))
        for area in ("1", "2"):
            normal = [r["credited_appraised_score"] for code, r in lines.items()
                      if code.split(".")[0] == area and kinds[code] == Indicator.Kind.NORMAL]
            assert _sum(normal) == Decimal(row["area_totals"][area])
        bonus = _sum([r["credited_appraised_score"] for c, r in lines.items() if kinds[c] == Indicator.Kind.BONUS])
        penalty = _sum([r["credited_appraised_score"] for c, r in lines.items()
                        if kinds[c] == Indicator.Kind.PENALTY])
        normal_total = _sum([r["credited_appraised_score"] for c, r in lines.items()
                             if kinds[c] == Indicator.Kind.NORMAL])
        assert (bonus, penalty, normal_total) == (
            Decimal(row["bonus"]), Decimal(row["penalty"]), Decimal(row["normal_total"]))
        assert normal_total + bonus - penalty == Decimal(row["total"]) == Decimal(row["index"])
        # while the plain appraised scores fall short by the KPS's 1.50 (the QA tester's 78.23 against 80.23)
        plain = _sum([r["appraised_score"] for c, r in lines.items() if kinds[c] == Indicator.Kind.NORMAL])
        assert normal_total - plain == Decimal("1.50")


def test_a_kps_waiting_for_the_team_is_told_apart_from_an_accepted_one(
    api: Any, kps_assessment: Any, lead: Any
) -> None:
    api.force_login(lead)
    # given the KPS the team has not decided yet
    waiting = _lines(api, kps_assessment)[KPS]
    assert (waiting["na_accepted"], waiting["na_overruled"]) == (False, False)
    assert waiting["credited_appraised_score"] is None  # counts nothing until the team accepts it
    assert waiting["credited_self_score"] == "1.50"  # the unit's own total credits its declaration
    # when the team accepts it
    line = line_of(kps_assessment, KPS)
    line_accept_self(line=line, actor=lead, base_version=line.version)
    # then the line says so and is credited the maximum
    accepted = _lines(api, kps_assessment)[KPS]
    assert (accepted["na_accepted"], accepted["na_overruled"]) == (True, False)
    assert accepted["credited_appraised_score"] == "1.50"
    assert api.get(f"/api/v1/assessments/{kps_assessment.pk}/lines/{line.pk}/").json() == accepted


def test_an_overruled_kps_is_credited_its_appraised_score(api: Any, kps_assessment: Any, lead: Any) -> None:
    # given the team does not accept the unit's «không phát sinh» and scores the leaf
    line = line_of(kps_assessment, KPS)
    line_appraise(line=line, actor=lead, base_version=line.version, value={"counts": {"a": 2, "b": 1, "c": 0}},
                  note="Có 2 vấn đề phát hiện qua kiểm tra.")
    api.force_login(lead)
    # when the line is read
    row = _lines(api, kps_assessment)[KPS]
    # then it counts its appraised score, and is no accepted KPS
    assert (row["na_overruled"], row["na_accepted"]) == (True, False)
    assert row["appraised_score"] == "0.75"
    assert row["credited_appraised_score"] == "0.75"


def test_the_unit_does_not_read_the_teams_kps_decision_before_sign_off(
    api: Any, kps_assessment: Any, lead: Any, unit_editor: Any
) -> None:
    # given the team accepted the unit's KPS, the assessment still in appraisal
    line = line_of(kps_assessment, KPS)
    line_accept_self(line=line, actor=lead, base_version=line.version)
    api.force_login(unit_editor)
    # when the unit reads its lines
    row = _lines(api, kps_assessment)[KPS]
    # then the team's decision is hidden as the rest of the appraisal, its own credit is not
    assert (row["na_accepted"], row["na_overruled"], row["credited_appraised_score"]) == (None, None, None)
    assert row["credited_self_score"] == "1.50"


def test_the_credited_self_scores_sum_to_the_engines_self_total(
    api: Any, assessment: Any, unit_editor: Any
) -> None:
    # given a draft with every leaf self-scored and the KPS declared
    self_score(assessment, unit_editor)
    _declare_kps(assessment, unit_editor)
    api.force_login(unit_editor)
    # when the lines are read
    lines = _lines(api, assessment)
    # then the credited self-scores add up to the engine's self-assessment totals
    computation = assessment_compute(assessment=assessment, basis="self")
    kinds = dict(Indicator.objects.filter(indicator_set=assessment.indicator_set_id).values_list("code", "kind"))
    for area, total in computation.area_totals.items():
        if kinds.get(area) == Indicator.Kind.NORMAL:
            assert _sum([r["credited_self_score"] for c, r in lines.items()
                         if c.split(".")[0] == area and kinds[c] == Indicator.Kind.NORMAL]) == total
    assert lines[KPS]["self_score"] is None and lines[KPS]["credited_self_score"] == "1.50"
    assert lines["1.2.1"]["credited_self_score"] == lines["1.2.1"]["self_score"] == "1.00"


def test_an_unscored_leaf_is_credited_nothing(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    row = _lines(api, assessment)["1.2.1"]
    assert (row["self_score"], row["credited_self_score"], row["na_accepted"]) == (None, None, None)


def test_reading_the_lines_costs_the_same_queries_with_kps_leaves(
    api: Any, assessment: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any
) -> None:
    from scoring.models import Unit
    from scoring.services import assessments_open

    # given one assessment without KPS and one with an accepted KPS, both in appraisal
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    appraise_all(refresh(assessment), lead)
    other = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    self_score(other, None)
    _declare_kps(other, None)
    submit(other, None)
    appraise_all(refresh(other), lead)
    api.force_login(lead)
    _lines(api, assessment)  # warm the caches every first request fills
    # when each one's lines are read
    with CaptureQueriesContext(connection) as plain:
        _lines(api, assessment)
    with CaptureQueriesContext(connection) as with_kps:
        rows = _lines(api, other)
    url = f"/api/v1/assessments/{other.pk}/lines/{line_of(other, KPS).pk}/"
    with CaptureQueriesContext(connection) as one_line:
        single = api.get(url).json()
    # then they cost the same, as much as reading one line (no query per line), and the KPS is credited
    assert len(with_kps.captured_queries) == len(plain.captured_queries) == len(one_line.captured_queries)
    assert rows[KPS]["credited_appraised_score"] == single["credited_appraised_score"] == "1.50"


# --- 2. `self_value` / `self_note` on write --------------------------------------------------------------------


def _put(api: Any, assessment: Any, line: ScoreLine, body: dict[str, Any]) -> Any:
    return api.put(f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/", {"version": line.version, **body},
                   format="json")


def test_a_line_is_saved_with_the_names_it_is_read_by(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.2")
    value, expected = SMALL_SET_VALUES["1.2.2"]
    api.force_login(unit_editor)
    # when the integrator writes back what it read
    response = _put(api, assessment, line, {"self_value": value, "self_note": "Theo báo cáo quý IV."})
    # then it is saved as `value`/`note` would be
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["self_value"], Decimal(body["self_score"]), body["self_note"]) == (
        value, expected, "Theo báo cáo quý IV.")
    stored = line_of(assessment, "1.2.2")
    assert (stored.self_value, stored.self_score, stored.self_note) == (value, expected, "Theo báo cáo quý IV.")


def test_both_spellings_with_the_same_value_are_taken(api: Any, assessment: Any, unit_editor: Any) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    response = _put(api, assessment, line, {"value": {"value": True}, "self_value": {"value": True},
                                             "note": "x", "self_note": "x"})
    assert response.status_code == 200, response.json()
    assert (response.json()["self_score"], response.json()["self_note"]) == ("1.00", "x")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": {"value": True}, "self_value": {"value": False}}, "self_value"),
        ({"value": None, "self_value": {"value": False}}, "self_value"),
        ({"note": "một", "self_note": "hai"}, "self_note"),
    ],
)
def test_both_spellings_with_different_values_are_refused_and_change_nothing(
    api: Any, assessment: Any, unit_editor: Any, body: dict[str, Any], field: str
) -> None:
    line = line_of(assessment, "1.2.1")
    api.force_login(unit_editor)
    response = _put(api, assessment, line, body)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert "chỉ gửi một trong hai" in response.json()["fields"][field][0]
    stored = line_of(assessment, "1.2.1")
    assert (stored.version, stored.self_value, stored.self_note) == (line.version, None, "")


def test_a_self_value_is_checked_as_a_value_under_its_own_name(api: Any, assessment: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    # an input the leaf's method does not take
    line = line_of(assessment, "1.2.1")
    unknown = _put(api, assessment, line, {"self_value": {"valeu": True}})
    assert unknown.status_code == 400
    assert list(unknown.json()["fields"]) == ["self_value.valeu"]
    # a score above the leaf's maximum (manual 1.2.3, max 0.5)
    manual = line_of(assessment, "1.2.3")
    above = _put(api, assessment, manual, {"self_value": {"points": "0.75"}})
    assert above.status_code == 400, above.json()
    assert list(above.json()["fields"]) == ["self_value.points"]
    assert line_of(assessment, "1.2.3").self_score is None and line_of(assessment, "1.2.1").self_value is None


def test_the_schema_documents_the_kps_fields_and_the_write_synonyms(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    schemas = yaml.safe_load(api.get("/api/schema/").content)["components"]["schemas"]
    line = schemas["ScoreLine"]["properties"]
    for name in ("na_accepted", "credited_self_score", "credited_appraised_score"):
        assert line[name].get("readOnly") and line[name].get("nullable"), name
        assert line[name].get("description"), name
    write = schemas[next(k for k in schemas if k.startswith("SelfSave"))]["properties"]
    assert {"self_value", "self_note"} <= set(write)
    assert "value" in write["self_value"]["description"] and "note" in write["self_note"]["description"]
