"""Published results built the way production builds them: self-scores, appraisal, sign-off (eager Celery),
the recompute service, then the publish service."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.conftest import SMALL_SET_VALUES

# Indexes the engine gives: base 6.58; 1.1.1 on time +1; 1.2.1 "no" −1 (see SMALL_SET_VALUES).
ON_TIME = {"1.1.1": {"option": "on_time"}}
NO_REPORT = {"1.2.1": {"value": False}}
UNITS = {
    "so-y-te": ({}, "6.58"),
    "so-tu-phap": (ON_TIME, "7.58"),
    "so-cong-thuong": (ON_TIME, "7.58"),
    "so-xay-dung": (NO_REPORT, "5.58"),
}
DOC_DATE = datetime.date(2020, 12, 8)


def date_results(cycle: Any, assessment_id: int | None = None) -> None:
    """Date the cycle's sign-offs and results (or one assessment's) on 1 December of its year, 9:00 in the
    province: a test plays the cycle years after it, and a decision publishing results is dated on or after the
    day they were signed off and computed (DOC_DATE is a week later)."""
    from zoneinfo import ZoneInfo

    from scoring.models import Assessment, IndexResult

    settled = datetime.datetime(cycle.year, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    signed = Assessment.objects.filter(cycle_id=cycle.pk, state=Assessment.State.SIGNED_OFF)
    if assessment_id is not None:
        signed = signed.filter(pk=assessment_id)
    signed.update(signed_off_at=settled)
    IndexResult.objects.filter(assessment__in=signed).update(computed_at=settled)


def sign_off_unit(cycle: Any, code: str, overrides: dict[str, Any], notes: dict[str, str] | None = None) -> Any:
    from appraisal.services import assessment_sign_off
    from scoring.models import Assessment, ScoreLine, Unit
    from scoring.services import (
        assessment_transition,
        assessments_open,
        index_result_recompute,
        score_line_appraise,
        score_line_save_self,
    )

    unit = Unit.objects.get(code=code)
    assessment = assessments_open(cycle=cycle, units=[unit], actor=None)[0]
    for leaf, (value, _score) in SMALL_SET_VALUES.items():
        line = ScoreLine.objects.get(assessment=assessment, indicator__code=leaf)
        score_line_save_self(line=line, actor=None, base_version=line.version, value=overrides.get(leaf, value))
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=None)
    assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=None)
    for line in ScoreLine.objects.filter(assessment=assessment).select_related("indicator"):
        score_line_appraise(line=line, actor=None, base_version=line.version, value=line.self_value,
                            note=(notes or {}).get(line.indicator.code, ""))
    assessment_sign_off(assessment=assessment, actor=None)
    # In a test transaction on-commit hooks do not fire: run the recompute the hook would have enqueued.
    index_result_recompute(assessment_id=assessment.pk)
    date_results(cycle, assessment.pk)
    return assessment


def finalisation_phase(cycle: Any) -> Any:
    """The cycle in «Hoàn thiện kết quả», the phase its results are published from (no audit entry: the tests
    count theirs), its results signed off and computed on 1 December of its year (`date_results`)."""
    from scoring.models import Cycle

    date_results(cycle)
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.FINALISATION)
    cycle.phase = Cycle.Phase.FINALISATION
    return cycle


@pytest.fixture
def signed_cycle(cycle: Any) -> Any:
    """The 2020 cycle with four departments signed off (two tied at 7.58) and Sở Y tế's notes, in the phase its
    results are published from."""
    for code, (overrides, _index) in UNITS.items():
        notes = {"1.1.1": "Kế hoạch ban hành trễ hạn"} if code == "so-y-te" else None
        sign_off_unit(cycle, code, overrides, notes)
    return finalisation_phase(cycle)


@pytest.fixture
def publication(signed_cycle: Any, admin_user: Any) -> Any:
    from scoring.publication.services import cycle_publish

    return cycle_publish(cycle=signed_cycle, document_number="Công văn số 4567/UBND-NC", document_date=DOC_DATE,
                         actor=admin_user)


@pytest.fixture
def other_unit_editor(catalogue: Any) -> Any:
    from tests.conftest import _user

    return _user("minh", "unit_editor", "so-tu-phap")


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Export files go to a temporary folder, never the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


DISTRICT_SET_NAME = "Bộ chỉ số thử nghiệm cấp huyện, thị xã, thành phố"
DISTRICT_1_1_1 = "Chỉ đạo, hướng dẫn UBND cấp xã"


@pytest.fixture
def two_set_publication(small_set: Any, admin_user: Any) -> Any:
    """2020 published with two sets sharing every code: departments (the small set) and districts, whose
    1.1.1 and area 1 have other texts (as in Tiền Giang, where 74 leaf codes differ between the sets)."""
    from scoring.models import UnitKind
    from scoring.publication.services import cycle_publish
    from scoring.services import cycle_create, indicator_set_import
    from tests.conftest import small_set_data

    data = small_set_data(key="test-set-huyen", unit_kind="district", name=DISTRICT_SET_NAME)
    area = data["indicators"][0]
    area["name"] = "Chỉ đạo, điều hành CCHC cấp huyện"
    area["children"][0]["children"][0]["name"] = DISTRICT_1_1_1
    district_set = indicator_set_import(data=data, actor=None)
    sets = {UnitKind.objects.get(code="department"): small_set, UnitKind.objects.get(code="district"): district_set}
    cycle = cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets=sets, actor=None)
    for code, overrides in (("so-y-te", {}), ("so-tu-phap", ON_TIME), ("h-cai-be", NO_REPORT), ("h-cho-gao", {})):
        sign_off_unit(cycle, code, overrides)
    return cycle_publish(cycle=finalisation_phase(cycle), document_number="Công văn số 4567/UBND-NC",
                         document_date=DOC_DATE, actor=admin_user)
