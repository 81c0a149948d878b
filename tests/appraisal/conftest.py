"""Appraisal fixtures: the team of the test cycle, a submitted assessment, helpers to move it along."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import SMALL_SET_VALUES, _user, small_set_data


@pytest.fixture
def team(cycle: Any, small_set: Any, appraiser: Any, lead: Any) -> dict[str, Any]:
    """tam (Sở Tư pháp) appraises area 2 of every unit; hoa (Sở Nội vụ) leads the team."""
    from appraisal.models import AppraisalAssignment
    from scoring.models import Indicator

    member = AppraisalAssignment.objects.create(cycle=cycle, user=appraiser)
    member.areas.set(Indicator.objects.filter(indicator_set=small_set, code="2"))
    AppraisalAssignment.objects.create(cycle=cycle, user=lead, is_lead=True)
    return {"appraiser": appraiser, "lead": lead}


def line_of(assessment: Any, code: str) -> Any:
    from scoring.models import ScoreLine

    return ScoreLine.objects.select_related("indicator").get(assessment=assessment, indicator__code=code)


def flagged_line(assessment: Any, lead: Any, code: str = "2.1.1") -> Any:
    """The leaf `code` returned to the unit for an explanation (by `lead`, deadline `later()`), read again."""
    from appraisal.services import explanation_request

    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=[line_of(assessment, code).pk])
    return line_of(assessment, code)


def self_score(assessment: Any, editor: Any, values: dict[str, Any] | None = None) -> None:
    from scoring.services import score_line_save_self

    for code, (value, _score) in (values or SMALL_SET_VALUES).items():
        line = line_of(assessment, code)
        score_line_save_self(line=line, actor=editor, base_version=line.version, value=value)


def submit(assessment: Any, head: Any) -> Any:
    from scoring.models import Assessment
    from scoring.services import assessment_transition

    return assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=head)


def appraise_all(assessment: Any, actor: Any) -> None:
    """Accept every self-score (as the lead, who may appraise every area)."""
    from appraisal.services import line_accept_self

    for line in assessment.lines.select_related("indicator").order_by("indicator__order"):
        line_accept_self(line=line, actor=actor, base_version=line.version)


def evidence_not_required(assessment: Any) -> Any:
    """No leaf of the assessment's set needs evidence (the fixtures send none): the area's bulk accept takes every
    self-scored leaf, where it leaves a leaf needing evidence the unit did not send for a decision of its own."""
    from scoring.models import Indicator

    Indicator.objects.filter(indicator_set_id=assessment.indicator_set_id).update(evidence_required=False)
    return assessment


def refresh(assessment: Any) -> Any:
    from scoring.models import Assessment

    return Assessment.objects.select_related("unit", "cycle", "indicator_set").get(pk=assessment.pk)


def later(days: int = 7) -> Any:
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def submitted(assessment: Any, unit_editor: Any, unit_head: Any, team: Any) -> Any:
    """Sở Y tế's assessment, self-scored with SMALL_SET_VALUES (index 6.58) and submitted."""
    self_score(assessment, unit_editor)
    return submit(assessment, unit_head)


KPS = "1.2.2"  # the small set's one leaf a unit may declare «không phát sinh» (area 1, max 1.5)


@pytest.fixture
def kps_submitted(assessment: Any, unit_editor: Any, unit_head: Any, team: Any) -> Any:
    """Sở Y tế self-scored, leaf 1.2.2 declared «không phát sinh», submitted."""
    from scoring.services import score_line_save_self

    self_score(assessment, unit_editor)
    line = line_of(assessment, KPS)
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    return submit(assessment, unit_head)


@pytest.fixture
def appraised(submitted: Any, lead: Any) -> Any:
    """Every leaf appraised as self-scored, still in appraisal."""
    appraise_all(submitted, lead)
    return refresh(submitted)


@pytest.fixture
def other_editor(catalogue: Any) -> Any:
    return _user("mai", "unit_editor", "so-tai-chinh")


def survey_set_data() -> dict[str, Any]:
    """The small set with leaf 1.2.3 scored from the sociological survey instead of by the unit."""
    data = small_set_data(key="test-survey-set")
    leaf = data["indicators"][0]["children"][1]["children"][2]
    assert leaf["code"] == "1.2.3"
    leaf.update(method="survey", source="survey", params={})
    return data


# The small set without its survey leaf, as a unit self-scores the survey set.
SELF_VALUES = {k: v for k, v in SMALL_SET_VALUES.items() if k != "1.2.3"}


@pytest.fixture
def survey_cycle(catalogue: Any, unit_editor: Any, unit_head: Any) -> Any:
    """A 2021 cycle whose set scores leaf 1.2.3 (max 0.5) from the survey; Sở Y tế and Sở Tài chính submitted,
    Sở Xây dựng still a draft."""
    from scoring.models import Unit, UnitKind
    from scoring.services import assessments_open, cycle_create, indicator_set_import

    survey_set = indicator_set_import(data=survey_set_data(), actor=None)
    cycle = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={UnitKind.objects.get(code="department"): survey_set}, actor=None)
    for code in ("so-y-te", "so-tai-chinh", "so-xay-dung"):
        assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        self_score(assessment, unit_editor, SELF_VALUES)
        if code != "so-xay-dung":
            submit(assessment, unit_head)
    return cycle


def seen(body: str) -> str:
    """A page as it is seen: the visually hidden words (said to a screen reader only) taken out."""
    import re

    return re.sub(r'<span class="visually-hidden"[^>]*>(?:[^<]|<span lang="vi">[^<]*</span>)*</span>', "", body)
