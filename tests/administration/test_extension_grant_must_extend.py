"""An administrator's grant of a unit's extension request, and a unit's own deadline set from the cycle's page or
the API, must go past the day of the deadline it extends: the end of a deadline's own day (a deadline at 17:00)
gives the unit no day more. Refused with a message naming that deadline and the first day that may be chosen,
nothing changed. Shortening a unit's own deadline (a cut, with its confirmation) is not a grant and stays allowed;
a date that changes nothing is said to change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.administration.services.cycles import assessment_extend_deadline, own_deadline_version
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest
from scoring.services.extension_requests import extension_request_create, extension_request_grant

pytestmark = pytest.mark.django_db


def _own_version(assessment: Assessment) -> str:
    """The version of the unit's own deadline the cycle page's extension form carries, as stored now."""
    return own_deadline_version(Assessment.objects.get(pk=assessment.pk))

NO_DAY_MORE = "không gia hạn thêm ngày nào"


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=timezone.get_current_timezone())


def _end_of(day: dt.date) -> dt.datetime:
    return _at(day, 23, 59, 59)


def _fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft of this year's cycle whose self-assessment deadline is at 17:00 in five days."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        year=timezone.localdate().year, self_assessment_deadline=_at(_day(5), 17)
    )
    return _fresh(assessment)


@pytest.fixture
def waiting(draft: Assessment, unit_head: Any) -> ExtensionRequest:
    """The unit's request for ten more days."""
    return extension_request_create(assessment=draft, actor=unit_head, requested_date=_day(10), reason="Nghỉ lễ")


def _decisions() -> int:
    return AuditEntry.objects.filter(action__in=["extension_request.grant", "assessment.extend_deadline"]).count()


def _unchanged(made: ExtensionRequest, draft: Assessment, *, own: dt.datetime | None = None) -> None:
    made.refresh_from_db()
    assert made.pending and made.decided_at is None
    assert _fresh(draft).deadline_override == own
    assert _decisions() == 0


# --- a grant ----------------------------------------------------------------------------------------------------


def test_a_grant_to_the_day_of_the_cycles_1700_deadline_is_refused_naming_the_first_day(
    draft: Assessment, waiting: ExtensionRequest, admin_user: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        extension_request_grant(extension_request=waiting, actor=admin_user, deadline_date=_day(5))

    assert refused.value.code == "extension_not_later" and refused.value.details == {"field": "deadline"}
    message = str(refused.value.message)
    assert NO_DAY_MORE in message
    assert f"{_day(5):%d/%m/%Y} 17:00" in message and f"từ ngày {_day(6):%d/%m/%Y} trở đi" in message
    _unchanged(waiting, draft)


def test_a_grant_as_asked_is_refused_once_the_deadline_reached_the_requested_day(
    client: Client, draft: Assessment, waiting: ExtensionRequest, admin_user: Any
) -> None:
    # given: the cycle's deadline moved to 17:00 on the day the unit asked for
    Cycle.objects.filter(pk=draft.cycle_id).update(self_assessment_deadline=_at(_day(10), 17))

    with pytest.raises(ValidationFailed) as refused:
        extension_request_grant(extension_request=waiting, actor=admin_user)

    assert refused.value.code == "extension_not_later" and NO_DAY_MORE in str(refused.value.message)
    _unchanged(waiting, draft)
    # the administrators' list flags it as covered, on the page and in the API
    client.force_login(admin_user)
    listing = client.get(reverse("administration:extension_requests", args=[draft.cycle_id])).content.decode()
    assert "data-covered" in listing
    api = APIClient()
    api.force_login(admin_user)
    [row] = api.get(f"/api/v1/cycles/{draft.cycle.year}/extension-requests/").json()
    assert row["covered"] is True


def test_the_page_refuses_a_same_day_grant_keeping_the_date_typed(
    client: Client, draft: Assessment, waiting: ExtensionRequest, admin_user: Any
) -> None:
    client.force_login(admin_user)

    answer = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                         {"request": waiting.pk, "deadline": _day(5).isoformat(), "note": "Đồng ý"})

    assert answer.status_code == 400
    page = answer.content.decode()
    assert NO_DAY_MORE in page and f"{_day(5):%d/%m/%Y} 17:00" in page
    assert f'value="{_day(5).isoformat()}" aria-invalid="true"' in page
    _unchanged(waiting, draft)


def test_the_api_refuses_a_same_day_grant_with_400_on_deadline(
    draft: Assessment, waiting: ExtensionRequest, admin_user: Any
) -> None:
    api = APIClient()
    api.force_login(admin_user)

    answer = api.post(f"/api/v1/cycles/{draft.cycle.year}/extension-requests/{waiting.pk}/grant/",
                      {"deadline": _day(5).isoformat()}, format="json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "extension_not_later" and "deadline" in answer.json()["fields"]
    _unchanged(waiting, draft)


def test_a_grant_to_the_next_day_extends(draft: Assessment, waiting: ExtensionRequest, admin_user: Any) -> None:
    # guards behaviour that must not change: passes before and after
    granted = extension_request_grant(extension_request=waiting, actor=admin_user, deadline_date=_day(6))
    assert granted.status == ExtensionRequest.Status.GRANTED
    assert _fresh(draft).deadline_override == _end_of(_day(6))


# --- a unit's own deadline set directly -------------------------------------------------------------------------


def test_an_own_deadline_on_the_day_of_the_cycles_is_refused_by_the_service_and_the_api(
    draft: Assessment, admin_user: Any
) -> None:
    for moment in (_end_of(_day(5)), _at(_day(5), 20)):
        with pytest.raises(ValidationFailed) as refused:
            assessment_extend_deadline(assessment=_fresh(draft), deadline=moment, actor=admin_user, reason="Mất điện")
        assert refused.value.code == "extension_not_later"
        message = str(refused.value.message)
        assert NO_DAY_MORE in message
        assert f"{_day(5):%d/%m/%Y} 17:00" in message and f"từ ngày {_day(6):%d/%m/%Y} trở đi" in message
    api = APIClient()
    api.force_login(admin_user)
    for deadline in (_day(5).isoformat(), _at(_day(5), 20).isoformat()):
        answer = api.post(f"/api/v1/cycles/{draft.cycle.year}/extensions/",
                          {"unit": draft.unit.code, "deadline": deadline, "reason": "Mất điện"}, format="json")
        assert answer.status_code == 400, answer.json()
        assert answer.json()["code"] == "extension_not_later"
    assert _fresh(draft).deadline_override is None and _decisions() == 0
    # the next day is an extension
    assessment_extend_deadline(assessment=_fresh(draft), deadline=_end_of(_day(6)), actor=admin_user,
                               reason="Mất điện")
    assert _fresh(draft).deadline_override == _end_of(_day(6))


def test_the_cycle_page_refuses_an_own_deadline_on_the_day_of_the_cycles(
    client: Client, draft: Assessment, admin_user: Any
) -> None:
    client.force_login(admin_user)

    answer = client.post(reverse("administration:assessment_extend", args=[draft.cycle_id, draft.pk]),
                         {"deadline": _day(5).isoformat(), "reason": "Mất điện", "version": _own_version(draft)})

    assert answer.status_code == 400
    page = answer.content.decode()
    assert f"{draft.unit.name}: Hạn gia hạn ({_day(5):%d/%m/%Y} 23:59) phải sau ngày" in page
    assert NO_DAY_MORE in page
    assert _fresh(draft).deadline_override is None and _decisions() == 0


def test_shortening_an_own_deadline_stays_allowed_and_is_not_called_an_extension(
    client: Client, draft: Assessment, admin_user: Any
) -> None:
    # guards the cut (no confirmation needed this far ahead): an own deadline may be brought earlier
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=_end_of(_day(20)))
    client.force_login(admin_user)

    answer = client.post(reverse("administration:assessment_extend", args=[draft.cycle_id, draft.pk]),
                         {"deadline": _day(12).isoformat(), "reason": "Nhầm ngày", "version": _own_version(draft)},
                         follow=True)

    assert _fresh(draft).deadline_override == _end_of(_day(12))
    page = answer.content.decode()
    assert "Đã rút ngắn hạn riêng" in page and "Đã gia hạn cho" not in page


def test_the_same_own_deadline_again_is_said_to_change_nothing(
    client: Client, draft: Assessment, admin_user: Any
) -> None:
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=_end_of(_day(20)))
    client.force_login(admin_user)
    url = reverse("administration:assessment_extend", args=[draft.cycle_id, draft.pk])

    again = client.post(url, {"deadline": _day(20).isoformat(), "reason": "Gia hạn", "version": _own_version(draft)},
                        follow=True).content.decode()

    assert "không có gì thay đổi" in again and "Đã gia hạn cho" not in again
    assert _decisions() == 0
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=None)
    none = client.post(url, {"action": "remove", "reason": "Nhập nhầm", "version": _own_version(draft)},
                       follow=True).content.decode()
    assert "không có hạn riêng; không có gì thay đổi" in none and "Đã bỏ hạn riêng" not in none
