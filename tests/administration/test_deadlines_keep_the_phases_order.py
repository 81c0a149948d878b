"""A unit's own self-assessment deadline ends by the cycle's next deadline (the appraisal's), as the cycle's own
deadlines keep the phases' order, through the cycle page, the API and a granted request alike; and the deadline of
the phase under way is not removed by saving the deadlines form with it blank."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.administration.services.cycles import own_deadline_version
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest

pytestmark = pytest.mark.django_db


def _own_version(assessment: Assessment) -> str:
    """The version of the unit's own deadline the cycle page's extension form carries, as stored now."""
    return own_deadline_version(Assessment.objects.get(pk=assessment.pk))

TZ = dt.timezone(dt.timedelta(hours=7))


def _end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=TZ)


@pytest.fixture
def dated(cycle: Cycle) -> Cycle:
    """The tester's cycle: self-assessment until 31/03, appraisal until 15/05 (of the cycle's year)."""
    Cycle.objects.filter(pk=cycle.pk).update(
        self_assessment_deadline=_end(dt.date(cycle.year, 3, 31)), appraisal_deadline=_end(dt.date(cycle.year, 5, 15)),
    )
    cycle.refresh_from_db()
    return cycle


def test_an_extension_past_the_appraisal_deadline_is_refused_naming_it(
    dated: Cycle, assessment: Assessment, admin_user: Any
) -> None:
    assessment.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_extend_deadline(assessment=assessment, deadline=_end(dt.date(dated.year, 6, 1)),
                                            actor=admin_user, reason="Thiếu người")
    assert refused.value.code == "extension_after_next_phase"
    assert "hạn thẩm định" in str(refused.value.message) and f"15/05/{dated.year}" in str(refused.value.message)
    assessment.refresh_from_db()
    assert assessment.deadline_override is None
    # up to the appraisal deadline itself is fine
    services.assessment_extend_deadline(assessment=assessment, deadline=_end(dt.date(dated.year, 5, 15)),
                                        actor=admin_user, reason="Thiếu người")
    assert Assessment.objects.get(pk=assessment.pk).deadline_override == _end(dt.date(dated.year, 5, 15))


def test_an_appraisal_deadline_before_the_end_of_its_day_names_the_day_before_as_the_last(
    dated: Cycle, assessment: Assessment, admin_user: Any
) -> None:
    """A unit's own deadline is a whole day; the appraisal deadline at 17:00 on 15/05 leaves 14/05 as its last."""
    Cycle.objects.filter(pk=dated.pk).update(
        appraisal_deadline=dt.datetime.combine(dt.date(dated.year, 5, 15), dt.time(17, 0), tzinfo=TZ)
    )
    assessment.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_extend_deadline(assessment=assessment, deadline=_end(dt.date(dated.year, 5, 15)),
                                            actor=admin_user, reason="Thiếu người")
    assert f"muộn nhất là 14/05/{dated.year}" in str(refused.value.message)
    services.assessment_extend_deadline(assessment=assessment, deadline=_end(dt.date(dated.year, 5, 14)),
                                        actor=admin_user, reason="Thiếu người")
    assert Assessment.objects.get(pk=assessment.pk).deadline_override == _end(dt.date(dated.year, 5, 14))


def test_without_an_appraisal_deadline_the_next_deadline_set_bounds_an_extension(
    dated: Cycle, assessment: Assessment, admin_user: Any
) -> None:
    Cycle.objects.filter(pk=dated.pk).update(appraisal_deadline=None,
                                             explanation_deadline=_end(dt.date(dated.year, 6, 30)))
    assessment = Assessment.objects.select_related("cycle", "unit").get(pk=assessment.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_extend_deadline(assessment=assessment, deadline=_end(dt.date(dated.year, 7, 1)),
                                            actor=admin_user, reason="Thiếu người")
    assert "hạn giải trình" in str(refused.value.message)


def test_the_cycle_page_refuses_a_units_deadline_after_the_appraisal_deadline(
    client: Client, dated: Cycle, assessment: Assessment, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:assessment_extend", args=[dated.pk, assessment.pk]),
                           {"deadline": f"{dated.year}-06-01", "reason": "Thiếu người",
                            "version": _own_version(assessment)})
    assert response.status_code == 400
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert len(errors) == 1 and "Sở Y tế" in errors[0] and f"15/05/{dated.year}" in errors[0]
    assert "Đã gia hạn" not in response.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).deadline_override is None


def test_the_api_refuses_it_too(dated: Cycle, assessment: Assessment, admin_user: Any) -> None:
    api = APIClient()
    api.force_login(admin_user)
    response = api.post(f"/api/v1/cycles/{dated.year}/extensions/", {
        "unit": assessment.unit.code, "deadline": _end(dt.date(dated.year, 6, 1)).isoformat(), "reason": "Thiếu người",
    }, format="json")
    assert response.status_code == 400, response.json()
    assert "15/05" in str(response.json())
    assert Assessment.objects.get(pk=assessment.pk).deadline_override is None


def test_granting_a_request_past_the_appraisal_deadline_is_refused(
    dated: Cycle, assessment: Assessment, admin_user: Any, unit_head: Any
) -> None:
    from scoring.services.extension_requests import extension_request_grant

    Cycle.objects.filter(pk=dated.pk).update(self_assessment_deadline=timezone.now() + dt.timedelta(days=1),
                                             appraisal_deadline=timezone.now() + dt.timedelta(days=10))
    request = ExtensionRequest.objects.create(
        assessment=assessment, requested_deadline=timezone.now() + dt.timedelta(days=30), reason="Thiếu người",
        requested_by=unit_head,
    )
    with pytest.raises(ValidationFailed) as refused:
        extension_request_grant(extension_request=request, actor=admin_user)
    assert refused.value.code == "extension_after_next_phase"
    assert ExtensionRequest.objects.get(pk=request.pk).status == ExtensionRequest.Status.PENDING


def test_the_appraisal_deadline_is_not_moved_before_a_units_own_deadline(
    dated: Cycle, assessment: Assessment, admin_user: Any
) -> None:
    own = _end(dt.date(dated.year, 5, 10))
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=own)
    deadlines = {name: getattr(dated, name) for name in services.DEADLINE_FIELDS}
    with pytest.raises(ValidationFailed) as refused:
        services.cycle_update_deadlines(cycle=dated, actor=admin_user,
                                        deadlines={**deadlines, "appraisal_deadline": _end(dt.date(dated.year, 5, 1))})
    assert refused.value.code == "deadline_before_own_deadline"
    assert f"10/05/{dated.year}" in str(refused.value.message)
    assert Cycle.objects.get(pk=dated.pk).appraisal_deadline == _end(dt.date(dated.year, 5, 15))


# --- the deadline of the phase under way -----------------------------------------------------------------------


def _form(cycle: Cycle, **changes: str) -> dict[str, str]:
    posted = {name: timezone.localtime(getattr(cycle, name)).date().isoformat() if getattr(cycle, name) else ""
              for name in services.DEADLINE_FIELDS}
    posted["version"] = services.cycles.cycle_deadlines_version(cycle)
    posted.update(changes)
    return posted


def test_blanking_the_self_assessment_deadline_during_the_self_assessment_is_refused(
    client: Client, dated: Cycle, admin_user: Any
) -> None:
    assert dated.phase == Cycle.Phase.SELF_ASSESSMENT
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_deadlines", args=[dated.pk]),
                           _form(dated, self_assessment_deadline=""))
    assert response.status_code == 400
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert errors and "«Tự đánh giá»" in errors[0] and "hạn tự đánh giá" in errors[0]
    assert "Đã lưu các hạn" not in response.content.decode()
    assert Cycle.objects.get(pk=dated.pk).self_assessment_deadline == _end(dt.date(dated.year, 3, 31))
    assert not AuditEntry.objects.filter(action="cycle.deadlines").exists()


def test_a_later_phases_deadline_can_still_be_blanked_and_the_current_one_moved(
    client: Client, dated: Cycle, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_deadlines", args=[dated.pk]),
                           _form(dated, appraisal_deadline="", self_assessment_deadline=f"{dated.year}-04-10"))
    assert response.status_code == 302
    saved = Cycle.objects.get(pk=dated.pk)
    assert saved.appraisal_deadline is None
    assert saved.self_assessment_deadline == _end(dt.date(dated.year, 4, 10))


def test_in_the_appraisal_its_deadline_is_kept_and_the_self_assessments_may_go(dated: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=dated.pk).update(phase=Cycle.Phase.APPRAISAL)
    dated.refresh_from_db()
    deadlines = {name: getattr(dated, name) for name in services.DEADLINE_FIELDS}
    with pytest.raises(ValidationFailed) as refused:
        services.cycle_update_deadlines(cycle=dated, deadlines={**deadlines, "appraisal_deadline": None},
                                        actor=admin_user)
    assert refused.value.code == "current_deadline_required"
    services.cycle_update_deadlines(cycle=dated, deadlines={**deadlines, "self_assessment_deadline": None},
                                    actor=admin_user)
    assert Cycle.objects.get(pk=dated.pk).self_assessment_deadline is None


def test_in_setup_any_deadline_may_be_blanked(dated: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=dated.pk).update(phase=Cycle.Phase.SETUP)
    dated.refresh_from_db()
    services.cycle_update_deadlines(cycle=dated, deadlines=dict.fromkeys(services.DEADLINE_FIELDS), actor=admin_user)
    assert Cycle.objects.get(pk=dated.pk).self_assessment_deadline is None


def test_the_api_cannot_blank_it_either(dated: Cycle, admin_user: Any) -> None:
    api = APIClient()
    api.force_login(admin_user)
    response = api.patch(f"/api/v1/cycles/{dated.year}/", {"self_assessment_deadline": None}, format="json")
    assert response.status_code == 400, response.json()
    assert Cycle.objects.get(pk=dated.pk).self_assessment_deadline is not None
