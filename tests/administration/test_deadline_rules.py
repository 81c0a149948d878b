"""Deadlines hold together: a unit's extension ends after the cycle's own deadline, and no deadline of a year's
cycle falls before that year begins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.administration import services
from scoring.administration.services.cycles import own_deadline_version
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, Cycle

pytestmark = pytest.mark.django_db


def _own_version(assessment: Assessment) -> str:
    """The version of the unit's own deadline the cycle page's extension form carries, as stored now."""
    return own_deadline_version(Assessment.objects.get(pk=assessment.pk))


def _at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, tzinfo=timezone.get_current_timezone())


def test_an_extension_earlier_than_the_cycles_deadline_is_refused(
    client: Client, assessment: Assessment, admin_user: Any
) -> None:
    cycle = assessment.cycle
    services.cycle_update_deadlines(cycle=cycle, actor=admin_user,
                                    deadlines={"self_assessment_deadline": _at(2021, 3, 15)}, confirmed=1)
    assessment.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_extend_deadline(assessment=assessment, deadline=_at(2021, 3, 10), reason="Mất điện",
                                            actor=admin_user)
    assert refused.value.code == "extension_not_later"
    # through the page: refused, nothing recorded
    client.force_login(admin_user)
    client.post(reverse("administration:assessment_extend", args=[cycle.pk, assessment.pk]),
                {"deadline": "2021-03-14", "reason": "Mất điện"})
    client.post(reverse("administration:assessment_extend", args=[cycle.pk, assessment.pk]),
                {"deadline": "2021-03-01", "reason": "Mất điện"})
    assessment.refresh_from_db()
    assert assessment.deadline_override is None
    # a later date is an extension
    services.assessment_extend_deadline(assessment=assessment, deadline=_at(2021, 3, 20), reason="Mất điện",
                                        actor=admin_user)
    assessment.refresh_from_db()
    assert assessment.deadline_override == _at(2021, 3, 20)


def test_a_deadline_before_the_cycles_year_is_refused(cycle: Cycle, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.cycle_update_deadlines(cycle=cycle, actor=admin_user,
                                        deadlines={"self_assessment_deadline": _at(2019, 12, 31)})
    assert refused.value.code == "deadline_before_year"
    assert "01/01/2020" in str(refused.value.message)
    cycle.refresh_from_db()
    assert cycle.self_assessment_deadline is None
    services.cycle_update_deadlines(cycle=cycle, actor=admin_user,
                                    deadlines={"self_assessment_deadline": _at(2020, 1, 1)})


def test_an_extension_is_held_to_the_cycles_years_like_its_deadlines(assessment: Assessment, admin_user: Any) -> None:
    """Through any door (the API calls the same service): an "extension" before the cycle's year shortens the
    deadline, one in 9999 is a slip; both refused, nothing recorded."""
    from rest_framework.test import APIClient

    from scoring.models import AuditEntry

    api = APIClient()
    api.force_login(admin_user)
    before = AuditEntry.objects.count()
    for typed, code in (("2019-12-31", "deadline_before_year"), ("9999-12-31T23:59:59", "deadline_too_late")):
        answer = api.post(f"/api/v1/cycles/{assessment.cycle.year}/extensions/",
                          {"unit": assessment.unit.code, "deadline": typed, "reason": "x"}, format="json")
        assert answer.status_code == 400 and answer.json()["code"] == code, answer.json()
    with pytest.raises(ValidationFailed) as refused:
        services.cycle_update_deadlines(cycle=assessment.cycle, actor=admin_user,
                                        deadlines={"finalisation_deadline": _at(2031, 1, 1)})
    assert refused.value.code == "deadline_too_late" and "31/12/2030" in str(refused.value.message)
    assessment.refresh_from_db()
    assert assessment.deadline_override is None and AuditEntry.objects.count() == before


def test_a_unit_that_let_its_deadline_pass_goes_to_the_team_as_it_stands(
    client: Client, assessment: Assessment, admin_user: Any
) -> None:
    """Otherwise the cycle could never be signed off and published: the unit never submits."""
    from scoring.models import AuditEntry

    cycle = assessment.cycle
    url = reverse("administration:assessment_close_unsubmitted", args=[cycle.pk, assessment.pk])
    client.force_login(admin_user)
    # not yet: no deadline has passed
    early = client.post(url, {"reason": "Không gửi", "confirmed": "1"})
    assert early.status_code == 409 and "chưa quá hạn" in early.content.decode()
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - dt.timedelta(days=1))
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    assert "Quá hạn, chưa gửi: chuyển Tổ thẩm định" in page
    assert client.post(url, {"reason": " ", "confirmed": "1"}).status_code == 400  # a reason is needed
    # and the row's box: without it nothing is handed over (no dialog of the browser to rely on)
    unconfirmed = client.post(url, {"reason": "Đơn vị không gửi đúng hạn"})
    assert unconfirmed.status_code == 400 and "hãy đánh dấu ô «Xác nhận»" in unconfirmed.content.decode()
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.DRAFT
    assert not AuditEntry.objects.filter(action="assessment.state", assessment=assessment).exists()
    done = client.post(url, {"reason": "Đơn vị không gửi đúng hạn", "confirmed": "1"})
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
    entry = AuditEntry.objects.filter(action="assessment.state", assessment=assessment).latest("id")
    assert entry.reason == "Đơn vị không gửi đúng hạn" and entry.actor == admin_user
    again = client.post(url, {"reason": "x", "confirmed": "1"})
    assert again.status_code == 409


def test_a_unit_given_an_extension_is_not_overdue(assessment: Assessment, admin_user: Any) -> None:
    from scoring.errors import StateConflict

    cycle = assessment.cycle
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - dt.timedelta(days=1))
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=timezone.now() + dt.timedelta(days=3))
    assessment.refresh_from_db()
    with pytest.raises(StateConflict):
        services.assessment_close_unsubmitted(assessment=assessment, actor=admin_user, reason="x")


@pytest.mark.parametrize("state", [Assessment.State.IN_APPRAISAL, Assessment.State.SIGNED_OFF])
def test_a_unit_past_its_self_assessment_is_not_given_a_later_deadline(
    client: Client, assessment: Assessment, admin_user: Any, state: str
) -> None:
    """A later self-assessment deadline changes nothing once the team appraises the unit: refused, not recorded;
    the cycle page offers no extension for that row."""
    Assessment.objects.filter(pk=assessment.pk).update(state=state)
    assessment.refresh_from_db()
    with pytest.raises(StateConflict) as refused:
        services.assessment_extend_deadline(assessment=assessment, deadline=_at(2026, 12, 30), reason="Thử",
                                            actor=admin_user)
    assert refused.value.code == "not_extendable"
    client.force_login(admin_user)
    answer = client.post(reverse("administration:assessment_extend", args=[assessment.cycle_id, assessment.pk]),
                         {"deadline": "2026-12-30", "reason": "Thử", "version": _own_version(assessment)}, follow=True)
    assert "chỉ gia hạn tự đánh giá khi" in answer.content.decode()
    assessment.refresh_from_db()
    assert assessment.deadline_override is None
    page = client.get(reverse("administration:cycle_detail", args=[assessment.cycle_id])).content.decode()
    assert f'id="ext-d-{assessment.pk}"' not in page
    assert "Đã qua giai đoạn tự đánh giá" in page


def test_a_submitted_unit_may_still_be_given_a_later_deadline(assessment: Assessment, admin_user: Any) -> None:
    """Until the team starts, the unit may withdraw its submission and go on: its own deadline still matters."""
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SUBMITTED)
    assessment.refresh_from_db()
    extended = services.assessment_extend_deadline(assessment=assessment, deadline=_at(2026, 12, 30), reason="Thử",
                                                   actor=admin_user)
    assert extended.deadline_override == _at(2026, 12, 30)


def test_an_overdue_draft_with_a_waiting_extension_request_is_not_sent_before_the_request_is_answered(
    assessment: Assessment, admin_user: Any, unit_head: Any
) -> None:
    from scoring.models import ExtensionRequest

    cycle = assessment.cycle
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - dt.timedelta(days=1))
    ExtensionRequest.objects.create(assessment=assessment, requested_deadline=timezone.now() + dt.timedelta(days=5),
                                    reason="Thiếu người", requested_by=unit_head)
    assessment.refresh_from_db()
    with pytest.raises(StateConflict) as refused:
        services.assessment_close_unsubmitted(assessment=assessment, actor=admin_user, reason="Quá hạn")
    assert refused.value.code == "extension_pending"
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.DRAFT
    # answered (refused), the draft goes to the team
    ExtensionRequest.objects.filter(assessment=assessment).update(status=ExtensionRequest.Status.REFUSED,
                                                                  decision_reason="Không", decided_at=timezone.now())
    sent = services.assessment_close_unsubmitted(assessment=assessment, actor=admin_user, reason="Quá hạn")
    assert sent.state == Assessment.State.SUBMITTED


def test_saving_one_deadline_keeps_the_time_of_the_others(client: Client, cycle: Cycle, admin_user: Any) -> None:
    tz = timezone.get_current_timezone()
    at_five = dt.datetime(2021, 1, 20, 17, 0, tzinfo=tz)
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=dt.datetime(2021, 1, 10, 17, 0, tzinfo=tz),
                                             appraisal_deadline=at_five)
    client.force_login(admin_user)
    answer = client.post(reverse("administration:cycle_deadlines", args=[cycle.pk]),
                         {"self_assessment_deadline": "2021-01-12", "appraisal_deadline": "2021-01-20",
                          "version": services.cycles.cycle_deadlines_version(Cycle.objects.get(pk=cycle.pk))})
    assert answer.status_code == 302
    cycle.refresh_from_db()
    assert timezone.localtime(cycle.self_assessment_deadline).strftime("%d/%m %H:%M") == "12/01 23:59"  # day end
    assert cycle.appraisal_deadline == at_five  # untouched: its time kept
