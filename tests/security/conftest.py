"""Security fixtures: a small world with two units ("own" and "other") in a chosen workflow stage.

Sở Y tế is the "own" unit of the unit editor and head; Sở Tài chính is the "other" unit. The appraiser belongs
to Sở Y tế as a team member (so must never appraise it) and is assigned area 2 of Sở Tài chính only; the lead
(Sở Nội vụ) leads the cycle; the administrator sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.conftest import SMALL_SET_VALUES, _user, self_assessment_phase

OWN, OTHER = "so-y-te", "so-tai-chinh"
ROLES = ("anonymous", "unit_editor", "unit_head", "appraiser", "lead", "administrator")
STAGES = ("self", "explanation", "published")


@dataclass
class World:
    stage: str
    users: dict[str, Any]
    cycle: Any
    indicator_set: Any
    units: dict[str, Any]  # "own" / "other"
    assessments: dict[str, Any]
    lines: dict[str, Any]  # a leaf of area 2 (the appraiser's area)
    files: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded and exported files go to a throwaway folder, never the project's media."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    """API throttling counts in the cache (login throttling in the database, rolled back with each test): every test
    starts from zero."""
    cache.clear()
    yield
    cache.clear()


def _self_score(assessment: Any) -> None:
    from scoring.models import ScoreLine
    from scoring.services import score_line_save_self

    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = ScoreLine.objects.get(assessment=assessment, indicator__code=code)
        score_line_save_self(line=line, actor=None, base_version=line.version, value=value)


def _move(assessment: Any, stage: str, lead: Any) -> Any:
    """Take a self-scored draft to the appraisal stage of the world."""
    from datetime import timedelta

    from django.utils import timezone

    from appraisal.services import appraisal_start, assessment_sign_off, explanation_request
    from scoring.models import Assessment, ScoreLine
    from scoring.services import assessment_transition, index_result_recompute, score_line_appraise

    assessment = assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=None)
    assessment = appraisal_start(assessment=assessment, actor=lead)
    if stage == "explanation":
        explanation_request(assessment=assessment, actor=lead, deadline=timezone.now() + timedelta(days=7))
    elif stage == "published":
        for line in ScoreLine.objects.filter(assessment=assessment):
            score_line_appraise(line=line, actor=None, base_version=line.version, value=line.self_value)
        assessment_sign_off(assessment=Assessment.objects.get(pk=assessment.pk), actor=lead)
        index_result_recompute(assessment_id=assessment.pk)
    return Assessment.objects.get(pk=assessment.pk)


def build_world(stage: str) -> World:
    """Everything the security tests need, built through the real services."""
    import datetime
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from appraisal.models import AppraisalAssignment, SurveyImport
    from evidence.services import evidence_link, evidence_upload
    from scoring.administration.services import indicator_mapping_save, indicator_set_clone
    from scoring.models import Indicator, RoleAssignment, ScoreLine, Unit, UnitKind, UserImport
    from scoring.services import assessments_open, cycle_create, indicator_set_import, unit_catalogue_load
    from tests.conftest import ROOT, small_set_data
    from tests.evidence import samples

    assert stage in STAGES
    data = json.loads((ROOT / "fixtures" / "units" / "tien-giang-2020.json").read_text(encoding="utf-8"))
    unit_catalogue_load(data=data, actor=None)
    small_set = indicator_set_import(data=small_set_data(), actor=None)
    kinds = UnitKind.objects.filter(code__in=["department", "vertical"])
    cycle = self_assessment_phase(
        cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={k: small_set for k in kinds}, actor=None)
    )
    units = {"own": Unit.objects.get(code=OWN), "other": Unit.objects.get(code=OTHER)}

    users = {
        "anonymous": None,
        "unit_editor": _user("lan", "unit_editor", OWN),
        "unit_head": _user("hung", "unit_head", OWN),
        "appraiser": _user("tam", "appraiser", OWN),
        "lead": _user("hoa", "appraisal_lead", "so-noi-vu"),
        "administrator": _user("bao", "administrator", None, is_staff=True, is_superuser=True),
        "other_editor": _user("mai", "unit_editor", OTHER),
    }
    area = Indicator.objects.get(indicator_set=small_set, code="2")
    member = AppraisalAssignment.objects.create(cycle=cycle, user=users["appraiser"])
    member.areas.set([area])
    member.units.set([units["other"]])
    lead_assignment = AppraisalAssignment.objects.create(cycle=cycle, user=users["lead"], is_lead=True)

    opened = assessments_open(cycle=cycle, units=[units["own"], units["other"]], actor=None)
    assessments = {("own" if a.unit_id == units["own"].pk else "other"): a for a in opened}
    files = {}
    for scope, assessment in assessments.items():
        files[scope] = evidence_upload(
            unit=assessment.unit, cycle=cycle, actor=users["unit_editor" if scope == "own" else "other_editor"],
            uploaded_file=SimpleUploadedFile(
                f"Kế hoạch {scope}.pdf", samples.pdf(f"Ke hoach {scope}"), "application/pdf"
            ),
        )
        # evidence of leaf 2.1.1: the appraisal team sees a unit's files linked to its leaves only
        evidence_link(evidence_file=files[scope], line=ScoreLine.objects.get(assessment=assessment,
                                                                             indicator__code="2.1.1"),
                      actor=users["unit_editor" if scope == "own" else "other_editor"])
        _self_score(assessment)
    if stage == "self":
        # own: a draft being self-scored; other: submitted and in appraisal
        assessments["other"] = _move(assessments["other"], "appraisal", users["lead"])
    else:
        assessments = {scope: _move(a, stage, users["lead"]) for scope, a in assessments.items()}

    lines = {scope: ScoreLine.objects.get(assessment=a, indicator__code="2.1.1") for scope, a in assessments.items()}
    clone = indicator_set_clone(source=small_set, key="test-set-2021", year=2021, actor=None)
    mapping = indicator_mapping_save(from_set=small_set, to_set=clone, from_code="1.1.1", to_code="1.1.1", actor=None)
    survey = SurveyImport.objects.create(cycle=cycle, file_name="dieu-tra.csv", sha256="0" * 64,
                                         created_by=users["administrator"])
    extra: dict[str, Any] = {
        "area": area, "leaf": Indicator.objects.get(indicator_set=small_set, code="1.1.1"), "clone": clone,
        "mapping": mapping, "survey": survey, "member": member, "lead_assignment": lead_assignment,
        "roles": {"own": RoleAssignment.objects.get(user=users["unit_editor"]),
                  "other": RoleAssignment.objects.get(user=users["other_editor"])},
        "job": None,
        "tokens": {},
        "user_import": UserImport.objects.create(rows=1, requested_by=users["administrator"]),
    }
    try:
        from scoring.tokens import api_token_issue
    except ImportError:  # pragma: no cover - tokens arrive with the API work
        api_token_issue = None
    if api_token_issue is not None:
        for scope, who in (("own", "unit_editor"), ("other", "other_editor")):
            issued = api_token_issue(user=users[who], role="unit_editor", name=f"Hệ thống {scope}",
                                     actor=users["administrator"])
            extra["tokens"][scope] = getattr(issued, "token", issued)
    if stage == "published":
        from scoring.publication.services import cycle_publish, export_job_create
        from tests.publication.conftest import finalisation_phase

        publication = cycle_publish(cycle=finalisation_phase(cycle), document_number="Công văn số 4567/UBND-NC",
                                    document_date=datetime.date(2020, 12, 8), actor=users["administrator"])
        extra["publication"] = publication
        extra["job"] = export_job_create(publication=publication, kind="xlsx", actor=users["administrator"])
    cycle.refresh_from_db()
    return World(stage=stage, users=users, cycle=cycle, indicator_set=small_set, units=units,
                 assessments=assessments, lines=lines, files=files, extra=extra)


@pytest.fixture
def world_self(db: Any) -> World:
    return build_world("self")
