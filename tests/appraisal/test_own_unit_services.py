"""The conflict-of-interest rule holds in the services, not only in the pages and the API: a member of the appraisal
team never appraises, starts, returns for explanation, closes or withdraws a round of, moves the deadline of, or
signs off their own unit's assessment. The refusal says why, as the pages do (403, code «own_unit»). An administrator
reopens any signed-off assessment, their own unit's too (as the pages allow); a system actor (None) is no person."""

from __future__ import annotations

from typing import Any

import pytest

from appraisal import services
from scoring.errors import DomainError
from scoring.models import Assessment, AuditEntry, Indicator, ScoreLine, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import appraise_all, later, line_of, refresh, self_score, submit
from tests.conftest import _user

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_lead(team: Any, cycle: Any) -> Any:
    """Khoa (Văn phòng UBND tỉnh), who leads the team's review of the Sở Nội vụ (its own lead's unit)."""
    from appraisal.models import AppraisalAssignment

    user = _user("khoa", "appraisal_lead", "van-phong-ubnd-tinh")
    AppraisalAssignment.objects.create(cycle=cycle, user=user, is_lead=True)
    return user


def _submitted(code: str, cycle: Any, editor: Any, head: Any) -> Assessment:
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
    self_score(assessment, editor)
    return refresh(submit(assessment, head))


@pytest.fixture
def noi_vu(cycle: Any, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    """The Sở Nội vụ's assessment (the lead hoa's own unit), submitted."""
    return _submitted("so-noi-vu", cycle, unit_editor, unit_head)


@pytest.fixture
def tu_phap(cycle: Any, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    """The Sở Tư pháp's assessment (the appraiser tam's own unit), submitted."""
    return _submitted("so-tu-phap", cycle, unit_editor, unit_head)


def _refused(call: Any, unit_name: str) -> None:
    audited = AuditEntry.objects.count()
    with pytest.raises(DomainError) as refusal:
        call()
    error = refusal.value
    assert error.status == 403 and error.code == "own_unit"
    assert str(error.message).startswith(
        f"Anh/chị là người của {unit_name} nên không thẩm định bản đánh giá của đơn vị")
    assert AuditEntry.objects.count() == audited  # nothing written


def test_an_appraiser_cannot_appraise_or_accept_their_own_units_leaves(tu_phap: Assessment, appraiser: Any) -> None:
    line = line_of(tu_phap, "2.1.1")  # in the area assigned to tam
    area = Indicator.objects.get(indicator_set=tu_phap.indicator_set, code="2")
    _refused(lambda: services.line_appraise(line=line, actor=appraiser, base_version=line.version,
                                            value={"numerator": 90, "denominator": 100}, note="Đủ tài liệu."),
             "Sở Tư pháp")
    _refused(lambda: services.line_accept_self(line=line, actor=appraiser, base_version=line.version), "Sở Tư pháp")
    _refused(lambda: services.area_accept_self(assessment=tu_phap, area=area, actor=appraiser), "Sở Tư pháp")
    # nothing changed: still submitted (no appraisal started), no appraised score
    assert refresh(tu_phap).state == Assessment.State.SUBMITTED
    assert not ScoreLine.objects.filter(assessment=tu_phap, appraised_score__isnull=False).exists()


def test_the_lead_cannot_start_zero_or_return_their_own_units_assessment(noi_vu: Assessment, lead: Any) -> None:
    _refused(lambda: services.appraisal_start(assessment=noi_vu, actor=lead), "Sở Nội vụ")
    _refused(lambda: services.assessment_zero_unscored(assessment=noi_vu, actor=lead, reason="Không tự chấm"),
             "Sở Nội vụ")
    _refused(lambda: services.explanation_request(assessment=noi_vu, actor=lead, deadline=later()), "Sở Nội vụ")
    line = line_of(noi_vu, "1.1.1")
    _refused(lambda: services.line_accept_self(line=line, actor=lead, base_version=line.version), "Sở Nội vụ")
    assert refresh(noi_vu).state == Assessment.State.SUBMITTED


def test_the_lead_cannot_change_a_round_of_their_own_units_assessment(
    noi_vu: Assessment, lead: Any, other_lead: Any
) -> None:
    # given: the other lead returned it for explanation
    services.explanation_request(assessment=noi_vu, actor=other_lead, deadline=later())
    noi_vu = refresh(noi_vu)
    # then: the Sở Nội vụ's own lead can neither move the deadline, nor withdraw nor close the round
    _refused(lambda: services.explanation_deadline_change(assessment=noi_vu, actor=lead, deadline=later(3),
                                                          reason="Đơn vị xin thêm thời gian"), "Sở Nội vụ")
    _refused(lambda: services.explanation_withdraw(assessment=noi_vu, actor=lead, reason="Yêu cầu nhầm"),
             "Sở Nội vụ")
    Assessment.objects.filter(pk=noi_vu.pk).update(explanation_deadline=later(-1))  # overdue: closable
    _refused(lambda: services.explanation_close(assessment=refresh(noi_vu), actor=lead), "Sở Nội vụ")
    assert refresh(noi_vu).state == Assessment.State.EXPLANATION
    # while the other lead may
    assert services.explanation_close(assessment=refresh(noi_vu), actor=other_lead).state == (
        Assessment.State.IN_APPRAISAL)


def test_the_lead_cannot_sign_off_their_own_units_assessment_another_lead_can(
    noi_vu: Assessment, lead: Any, other_lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    appraise_all(noi_vu, other_lead)
    _refused(lambda: services.assessment_sign_off(assessment=refresh(noi_vu), actor=lead), "Sở Nội vụ")
    assert refresh(noi_vu).state == Assessment.State.IN_APPRAISAL
    with django_capture_on_commit_callbacks(execute=True):
        signed = services.assessment_sign_off(assessment=refresh(noi_vu), actor=other_lead)
    assert signed.state == Assessment.State.SIGNED_OFF and signed.signed_off_by == other_lead


def test_a_unit_member_cannot_appraise_their_own_unit_whatever_their_other_roles(
    submitted: Assessment, unit_editor: Any
) -> None:
    """The person's units, in any role: a unit editor of the Sở Y tế made a lead does not lead its review."""
    from scoring.models import RoleAssignment

    RoleAssignment.objects.create(user=unit_editor, role="appraisal_lead", unit=None)
    _refused(lambda: services.appraisal_start(assessment=submitted, actor=unit_editor), "Sở Y tế")


def test_an_administrator_reopens_their_own_units_assessment(
    noi_vu: Assessment, other_lead: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """As the pages allow (`can_reopen`: administrators, whatever their unit): an audited administrative act."""
    from scoring.models import RoleAssignment

    RoleAssignment.objects.create(user=admin_user, role="appraisal_lead", unit=Unit.objects.get(code="so-noi-vu"))
    appraise_all(noi_vu, other_lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_sign_off(assessment=refresh(noi_vu), actor=other_lead)
    reopened = services.assessment_reopen(assessment=refresh(noi_vu), actor=admin_user, reason="Sai số liệu")
    assert reopened.state == Assessment.State.IN_APPRAISAL


def test_a_system_actor_is_no_person_and_is_not_refused(noi_vu: Assessment) -> None:
    started = services.appraisal_start(assessment=noi_vu, actor=None)
    assert started.state == Assessment.State.IN_APPRAISAL
    line = line_of(noi_vu, "1.1.1")
    saved = services.line_accept_self(line=line, actor=None, base_version=line.version)
    assert saved.appraised_score is not None


def test_the_team_still_appraises_other_units(tu_phap: Assessment, noi_vu: Assessment, appraiser: Any,
                                             lead: Any) -> None:
    # the lead (Sở Nội vụ) on the Sở Tư pháp; the appraiser (Sở Tư pháp) on the Sở Nội vụ
    line = line_of(tu_phap, "1.1.1")
    assert services.line_accept_self(line=line, actor=lead, base_version=line.version).appraised_score is not None
    line = line_of(noi_vu, "2.1.1")
    assert services.line_accept_self(line=line, actor=appraiser, base_version=line.version).appraised_score is not None
