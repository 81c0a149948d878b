"""Reviewing leaves: the appraiser's input through the engine, reasons, accepting self-scores, refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from appraisal.models import LineHistory
from appraisal.services import appraisal_start, area_accept_self, line_accept_self, line_appraise
from scoring.errors import StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Indicator
from scoring.services import assessment_transition
from tests.appraisal.conftest import evidence_not_required, line_of, refresh

pytestmark = pytest.mark.django_db


def test_the_first_appraisal_starts_the_appraisal_and_records_every_self_score(submitted: Any, appraiser: Any) -> None:
    # given a submitted assessment
    line = line_of(submitted, "2.1.1")
    # when the appraiser sets a score with a reason
    saved = line_appraise(line=line, actor=appraiser, base_version=line.version,
                          value={"numerator": "70", "denominator": "100"}, note="Tỷ lệ thực tế 70%.")
    # then the engine computed it, the assessment is in appraisal and each leaf's self-score is recorded
    assert saved.appraised_score == Decimal("0")  # 70 % is below the 80 % threshold
    assert saved.appraised_note == "Tỷ lệ thực tế 70%."
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL
    history = LineHistory.objects.filter(assessment=submitted, stage=LineHistory.Stage.SELF)
    assert history.count() == submitted.lines.count()
    assert history.get(line=line).score == Decimal("1.7")


def test_once_appraisal_has_started_the_unit_can_no_longer_withdraw(submitted: Any, lead: Any, unit_head: Any) -> None:
    appraisal_start(assessment=submitted, actor=lead)
    with pytest.raises(StateConflict):
        assessment_transition(assessment=submitted, to_state=Assessment.State.DRAFT, actor=unit_head)


def test_a_score_that_differs_from_the_self_score_needs_a_reason(submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.2")
    with pytest.raises(ValidationFailed) as caught:
        line_appraise(line=line, actor=appraiser, base_version=line.version,
                      value={"counts": {"late": 1, "missing": 0}}, note="  ")
    assert caught.value.code == "reason_required"
    assert caught.value.details == {"field": "note"}
    line.refresh_from_db()
    assert line.appraised_score is None and line.version == 2
    assert refresh(submitted).state == Assessment.State.SUBMITTED


def test_the_same_score_as_the_self_score_needs_no_reason(submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.2")
    saved = line_appraise(line=line, actor=appraiser, base_version=line.version,
                          value={"counts": {"late": 0, "missing": 2}}, note="")
    assert saved.appraised_score == Decimal("1") == saved.self_score


@pytest.mark.parametrize(
    ("code", "value", "error"),
    [
        ("2.1.1", {"numerator": "120", "denominator": "100"}, "numerator_above_denominator"),
        ("1.2.3", {"points": "0.75"}, "above_max"),
        ("1.2.3", {"points": "-0.25"}, "below_floor"),
        ("1.2.3", {"points": "abc"}, "not_a_number"),
        ("1.2.3", {"points": "NaN"}, "not_finite"),
        ("2.1.2", {"counts": {"late": "-1"}}, "negative_count"),
        ("1.1.1", {"option": "unknown"}, "unknown_option"),
    ],
)
def test_an_out_of_range_or_malformed_appraised_value_is_refused_and_nothing_changes(
    submitted: Any, lead: Any, code: str, value: dict[str, Any], error: str
) -> None:
    line = line_of(submitted, code)
    with pytest.raises(ValidationFailed) as caught:
        line_appraise(line=line, actor=lead, base_version=line.version, value=value, note="lý do")
    assert caught.value.code == error
    line.refresh_from_db()
    assert line.appraised_score is None and line.appraised_value is None
    assert not AuditEntry.objects.filter(action="score_line.appraise").exists()


def test_an_empty_appraised_value_is_refused(submitted: Any, lead: Any) -> None:
    line = line_of(submitted, "1.2.3")
    with pytest.raises(ValidationFailed) as caught:
        line_appraise(line=line, actor=lead, base_version=line.version, value=None, note="")
    assert caught.value.code == "missing_value"


def test_a_stale_version_is_refused_with_the_stored_line(submitted: Any, lead: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    seen = line.version
    line_appraise(line=line, actor=appraiser, base_version=seen, value={"numerator": 85, "denominator": 100})
    with pytest.raises(StaleVersion) as caught:
        line_appraise(line=line, actor=lead, base_version=seen, value={"numerator": 0, "denominator": 100},
                      note="không có tài liệu")
    assert caught.value.status == 409
    assert caught.value.details.appraised_score == Decimal("1.7")
    line.refresh_from_db()
    assert line.appraised_score == Decimal("1.7")


def test_accepting_a_leaf_copies_the_self_score_and_is_audited(submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.2.1")
    saved = line_accept_self(line=line, actor=appraiser, base_version=line.version)
    assert saved.appraised_value == line.self_value
    assert saved.appraised_score == Decimal("1.5")
    entry = AuditEntry.objects.get(action="score_line.appraise", object_id=str(line.pk))
    assert entry.actor == appraiser


def test_accepting_a_whole_area_audits_each_leaf_and_keeps_adjusted_leaves(submitted: Any, appraiser: Any) -> None:
    # given one leaf of area 2 already adjusted (and no leaf needing evidence the unit did not send)
    evidence_not_required(submitted)
    adjusted = line_of(submitted, "2.1.1")
    line_appraise(line=adjusted, actor=appraiser, base_version=adjusted.version,
                  value={"numerator": 50, "denominator": 100}, note="Chỉ đạt 50%.")
    area = Indicator.objects.get(indicator_set=submitted.indicator_set, code="2")
    # when the appraiser accepts the whole area
    counts = area_accept_self(assessment=submitted, area=area, actor=appraiser)
    # then the three other leaves of area 2 take their self-scores, each audited, the adjusted one stays
    # (the adjusted leaf's decision started the appraisal, not this accept)
    assert counts == {"accepted": 3, "skipped": 0, "not_applicable": 0, "evidence_missing": [],
                      "awaiting_explanation": [], "evidence_noted": [], "started": False,
                      "accepted_ids": [line_of(submitted, code).pk for code in ("2.1.2", "2.2.1", "2.3.1")]}
    assert line_of(submitted, "2.1.1").appraised_score == Decimal("0")
    for code in ("2.1.2", "2.2.1", "2.3.1"):
        line = line_of(submitted, code)
        assert line.appraised_score == line.self_score
    assert AuditEntry.objects.filter(action="score_line.appraise").count() == 4
    assert line_of(submitted, "1.1.1").appraised_score is None


def test_accepting_an_area_of_another_set_is_refused(submitted: Any, appraiser: Any, catalogue: Any) -> None:
    from scoring.services import indicator_set_import
    from tests.conftest import small_set_data

    other = indicator_set_import(data=small_set_data(key="other-set", unit_kind="district"), actor=None)
    with pytest.raises(ValidationFailed):
        area_accept_self(assessment=submitted, area=other.indicators.get(code="2"), actor=appraiser)


def test_a_not_applicable_leaf_can_be_accepted_or_overruled_with_a_reason(
    assessment: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any
) -> None:
    """The team accepts a unit's «không phát sinh», or does not and scores the leaf (a reason is required):
    the leaf then counts with that score, in the engine's result and in the database's cents column alike;
    accepting the declaration later withdraws the overrule and its score."""
    from scoring.models import ScoreLine
    from scoring.services import assessment_compute, score_line_save_self
    from tests.appraisal.conftest import self_score, submit

    self_score(assessment, unit_editor)
    line = line_of(assessment, "1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    submit(assessment, unit_head)
    line = line_of(assessment, "1.2.2")
    counts = {"counts": {"a": 4, "b": 2, "c": 0}}  # (2 / 4) × 1.5 = 0.75 of 1.5
    with pytest.raises(ValidationFailed) as caught:
        line_appraise(line=line, actor=lead, base_version=line.version, value=counts, note="  ")
    assert caught.value.code == "reason_required" and caught.value.details == {"field": "note"}
    accepted = line_accept_self(line=line, actor=lead, base_version=line.version)
    assert accepted.not_applicable and not accepted.na_overruled and accepted.appraised_score is None
    assert accepted.na_accepted and accepted.version == line.version + 1  # a decision: other tabs must see it
    assert AuditEntry.objects.filter(action="score_line.accept_not_applicable", object_id=str(line.pk)).exists()
    for other in assessment.lines.select_related("indicator").exclude(pk=line.pk):
        line_accept_self(line=other, actor=lead, base_version=other.version)
    granted = assessment_compute(assessment=assessment, basis="appraised")  # points mode: N/A earns its maximum

    overruled = line_appraise(line=accepted, actor=lead, base_version=accepted.version, value=counts,
                              note="Biên bản kiểm tra số 12 cho thấy có phát sinh.")
    assert overruled.not_applicable and overruled.na_overruled  # the unit's declaration stays on record
    assert overruled.appraised_score == Decimal("0.75")
    assert ScoreLine.objects.values_list("appraised_cents", flat=True).get(pk=line.pk) == 75
    counted = assessment_compute(assessment=assessment, basis="appraised")
    assert counted.total == granted.total - Decimal("1.50") + Decimal("0.75")
    entry = AuditEntry.objects.filter(action="score_line.appraise", object_id=str(line.pk)).latest("id")
    assert entry.changes["na_overruled"] == {"old": False, "new": True}
    assert entry.reason == "Biên bản kiểm tra số 12 cho thấy có phát sinh."

    restored = line_accept_self(line=overruled, actor=lead, base_version=overruled.version)
    assert restored.not_applicable and not restored.na_overruled and restored.appraised_score is None
    assert restored.version == overruled.version + 1
    assert ScoreLine.objects.values_list("appraised_cents", flat=True).get(pk=line.pk) is None
    assert assessment_compute(assessment=assessment, basis="appraised").total == granted.total


def test_a_draft_cannot_be_appraised(assessment: Any, unit_editor: Any, lead: Any, team: Any) -> None:
    from tests.appraisal.conftest import self_score

    self_score(assessment, unit_editor)
    line = line_of(assessment, "1.2.3")
    with pytest.raises(StateConflict):
        line_appraise(line=line, actor=lead, base_version=line.version, value={"points": "0.5"})
    with pytest.raises(StateConflict):
        appraisal_start(assessment=assessment, actor=lead)


def test_a_survey_leaf_cannot_be_appraised_by_hand(catalogue: Any, unit_editor: Any, unit_head: Any, lead: Any) -> None:
    from scoring.models import Unit, UnitKind
    from scoring.services import assessments_open, cycle_create, indicator_set_import
    from tests.appraisal.conftest import self_score, submit, survey_set_data
    from tests.conftest import SMALL_SET_VALUES

    survey_set = indicator_set_import(data=survey_set_data(), actor=None)
    cycle = cycle_create(year=2021, name="2021", sets={UnitKind.objects.get(code="department"): survey_set},
                         actor=None)
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]
    self_score(assessment, unit_editor, {k: v for k, v in SMALL_SET_VALUES.items() if k != "1.2.3"})
    submit(assessment, unit_head)
    line = line_of(assessment, "1.2.3")
    for call in (
        lambda: line_appraise(line=line, actor=lead, base_version=line.version, value={"points": "0.5"}, note="x"),
        lambda: line_accept_self(line=line, actor=lead, base_version=line.version),
    ):
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert caught.value.code == "survey_leaf"
