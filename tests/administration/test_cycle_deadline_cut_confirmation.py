"""A self-assessment deadline moved to a moment already past, or less than 24 hours away, while units are still
drafting (the cycle's, or one unit's own) cuts their time without asking them: past it, a unit that has not
submitted may be handed to the appraisal team as it stands. Such a change names the units and needs a
confirmation (the page's box, the API's `confirm=true`), as the cycle page's other confirmations; without it
nothing changes (409 `deadline_cut_unconfirmed`), with it the audit entry records what was confirmed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.administration.services.cycles import (
    CUT_CONFIRMED_ANY,
    assessment_close_unsubmitted,
    assessment_extend_deadline,
    cycle_deadlines_version,
    cycle_update_deadlines,
    own_deadline_version,
)
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def _own_version(assessment: Assessment) -> str:
    """The version of the unit's own deadline the cycle page's extension form carries, as stored now."""
    return own_deadline_version(Assessment.objects.get(pk=assessment.pk))

UNITS = ["so-y-te", "so-tu-phap", "so-tai-chinh", "so-noi-vu"]


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def units(cycle: Cycle) -> dict[str, Assessment]:
    """Four units taking part, by code: two drafting, one submitted, one drafting on its own deadline 20 days
    away; the cycle's self-assessment deadline 10 days away."""
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=_end_of(_days(10)))
    cycle.refresh_from_db()
    opened = assessments_open(cycle=cycle, units=list(Unit.objects.filter(code__in=UNITS)), actor=None)
    by_code = {a.unit.code: a for a in opened}
    Assessment.objects.filter(pk=by_code["so-tai-chinh"].pk).update(state=Assessment.State.SUBMITTED)
    Assessment.objects.filter(pk=by_code["so-noi-vu"].pk).update(deadline_override=_end_of(_days(20)))
    return {code: Assessment.objects.select_related("unit", "cycle").get(pk=a.pk) for code, a in by_code.items()}


def _name(code: str) -> str:
    return Unit.objects.get(code=code).name


def _save_deadline(client: Client, cycle: Cycle, day: dt.date, **extra: str) -> Any:
    return client.post(reverse("administration:cycle_deadlines", args=[cycle.pk]),
                       {"self_assessment_deadline": day.isoformat(),
                        "version": cycle_deadlines_version(Cycle.objects.get(pk=cycle.pk)), **extra})


def _stored(cycle: Cycle) -> dt.datetime | None:
    return Cycle.objects.get(pk=cycle.pk).self_assessment_deadline


def test_moving_the_cycles_deadline_into_the_past_names_the_drafting_units_and_changes_nothing_unconfirmed(
    client: Client, admin_user: Any, cycle: Cycle, units: dict[str, Assessment]
) -> None:
    # given: the QA's case, two units still drafting (and one submitted, one on a later own deadline)
    client.force_login(admin_user)
    before = _stored(cycle)
    audits = AuditEntry.objects.count()

    # when: the deadline is saved as yesterday, nothing confirmed
    refused = _save_deadline(client, cycle, _days(-1))

    # then: refused, the two drafting units named (not the submitted one, nor the one whose own deadline stays),
    # with the box confirming them; nothing changed, and neither unit may be handed to the team
    assert refused.status_code == 409
    page = refused.content.decode()
    drafting = sorted([_name("so-y-te"), _name("so-tu-phap")])
    assert (f"Hạn tự đánh giá mới của kỳ ({_end_of(_days(-1)):%d/%m/%Y} 23:59) đã qua trong khi 2 đơn vị còn đang "
            f"tự đánh giá: «{drafting[0]}», «{drafting[1]}».") in page
    assert _name("so-tai-chinh") not in page.split("data-deadline-cut")[1].split("</div>")[0]
    assert _name("so-noi-vu") not in page.split("data-deadline-cut")[1].split("</div>")[0]
    assert 'name="cut_seen" value="2"' in page
    assert f'value="{_days(-1).isoformat()}"' in page  # the date as typed is kept in the form
    assert _stored(cycle) == before and AuditEntry.objects.count() == audits
    with pytest.raises(StateConflict) as still_open:
        assessment_close_unsubmitted(assessment=units["so-y-te"], actor=admin_user, reason="Quá hạn")
    assert still_open.value.code == "deadline_not_passed"

    # when: confirmed with the count the page showed
    saved = _save_deadline(client, cycle, _days(-1), cut_seen="2")

    # then: saved, and the audit entry records the confirmation naming both units
    assert saved.status_code == 302
    assert _stored(cycle) == _end_of(_days(-1))
    entry = AuditEntry.objects.get(action="cycle.deadlines")
    confirmed = entry.changes["deadline_cut_confirmed"]["new"]
    assert confirmed.startswith("Đã xác nhận: hạn tự đánh giá mới của kỳ")
    assert f"2 đơn vị còn đang tự đánh giá: «{drafting[0]}», «{drafting[1]}»" in confirmed


def test_a_deadline_less_than_a_day_away_needs_the_confirmation_and_one_further_away_does_not(
    client: Client, admin_user: Any, cycle: Cycle, units: dict[str, Assessment]
) -> None:
    client.force_login(admin_user)
    # today, at its end: under 24 hours away
    refused = _save_deadline(client, cycle, _days(0))
    assert refused.status_code == 409
    assert "chỉ còn chưa đến 24 giờ trong khi 2 đơn vị" in refused.content.decode()
    assert _stored(cycle) == _end_of(_days(10))
    # two days away: the units keep time to finish, no confirmation asked
    assert _save_deadline(client, cycle, _days(2)).status_code == 302
    assert _stored(cycle) == _end_of(_days(2))
    assert "deadline_cut_confirmed" not in AuditEntry.objects.get(action="cycle.deadlines").changes


def test_a_confirmation_for_fewer_units_than_are_cut_now_is_refused(
    admin_user: Any, cycle: Cycle, units: dict[str, Assessment]
) -> None:
    with pytest.raises(StateConflict) as refused:
        cycle_update_deadlines(cycle=cycle, deadlines={"self_assessment_deadline": _end_of(_days(-1))},
                               actor=admin_user, confirmed=1)
    assert refused.value.code == "deadline_cut_unconfirmed"
    assert str(refused.value.message).startswith(
        "Từ lúc trang được mở, số đơn vị bị ảnh hưởng tăng lên: 2 (đã xác nhận: 1).")
    assert refused.value.details["count"] == 2
    assert _stored(cycle) == _end_of(_days(10))


def test_no_confirmation_when_no_unit_loses_time(admin_user: Any, cycle: Cycle, units: dict[str, Assessment]) -> None:
    # guard (passes before and after): a deadline already past moved earlier cuts nobody's time …
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=_end_of(_days(-5)))
    cycle.refresh_from_db()
    cycle_update_deadlines(cycle=cycle, deadlines={"self_assessment_deadline": _end_of(_days(-9))}, actor=admin_user)
    assert _stored(cycle) == _end_of(_days(-9))
    # … nor does any move when no unit is drafting
    Assessment.objects.filter(cycle=cycle).update(state=Assessment.State.SUBMITTED)
    cycle.refresh_from_db()
    cycle_update_deadlines(cycle=cycle, deadlines={"self_assessment_deadline": _end_of(_days(-20))},
                           actor=admin_user)
    assert _stored(cycle) == _end_of(_days(-20))


def test_shortening_a_units_own_deadline_to_today_needs_the_confirmation_in_its_row(
    client: Client, admin_user: Any, cycle: Cycle, units: dict[str, Assessment]
) -> None:
    # given: the cycle's deadline past, the unit drafting on its own deadline 20 days away
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=_end_of(_days(-10)))
    own = units["so-noi-vu"]
    client.force_login(admin_user)
    url = reverse("administration:assessment_extend", args=[cycle.pk, own.pk])

    refused = client.post(url, {"deadline": _days(0).isoformat(), "reason": "Nhầm ngày", "version": _own_version(own)})

    assert refused.status_code == 409
    page = refused.content.decode()
    assert f"{_name('so-noi-vu')}: Hạn tự đánh giá mới của đơn vị ({_days(0):%d/%m/%Y} 23:59) chỉ còn chưa đến 24 " \
           f"giờ trong khi 1 đơn vị còn đang tự đánh giá: «{_name('so-noi-vu')}»." in page
    assert f'id="ext-c-{own.pk}" name="cut_confirmed" value="1"' in page
    assert Assessment.objects.get(pk=own.pk).deadline_override == _end_of(_days(20))
    assert not AuditEntry.objects.filter(action="assessment.extend_deadline").exists()

    confirmed = client.post(url, {"deadline": _days(0).isoformat(), "reason": "Nhầm ngày", "cut_confirmed": "1",
                                      "version": _own_version(own)})

    assert confirmed.status_code == 302
    assert Assessment.objects.get(pk=own.pk).deadline_override == _end_of(_days(0))
    entry = AuditEntry.objects.get(action="assessment.extend_deadline")
    assert entry.reason == "Nhầm ngày"
    assert f"«{_name('so-noi-vu')}»" in entry.changes["deadline_cut_confirmed"]["new"]


def test_removing_a_units_own_deadline_when_the_cycles_is_past_needs_the_confirmation(
    client: Client, admin_user: Any, cycle: Cycle, units: dict[str, Assessment]
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=_end_of(_days(-10)))
    own = units["so-noi-vu"]
    client.force_login(admin_user)
    url = reverse("administration:assessment_extend", args=[cycle.pk, own.pk])

    refused = client.post(url, {"action": "remove", "reason": "Nhập nhầm", "version": _own_version(own)})

    assert refused.status_code == 409
    assert "Hạn tự đánh giá mới của đơn vị" in refused.content.decode()
    assert Assessment.objects.get(pk=own.pk).deadline_override == _end_of(_days(20))
    assert client.post(url, {"action": "remove", "reason": "Nhập nhầm", "cut_confirmed": "1",
                              "version": _own_version(own)}).status_code == 302
    assert Assessment.objects.get(pk=own.pk).deadline_override is None
    assert "deadline_cut_confirmed" in AuditEntry.objects.get(action="assessment.remove_deadline").changes


def test_the_api_refuses_a_cut_with_409_unless_confirm_is_true(
    admin_user: Any, cycle: Cycle, units: dict[str, Assessment]
) -> None:
    api = APIClient()
    api.force_login(admin_user)
    yesterday = _days(-1).isoformat()

    refused = api.patch(f"/api/v1/cycles/{cycle.year}/", {"self_assessment_deadline": yesterday}, format="json")

    assert refused.status_code == 409, refused.json()
    body = refused.json()
    assert body["code"] == "deadline_cut_unconfirmed" and "2 đơn vị còn đang tự đánh giá" in body["message"]
    assert _stored(cycle) == _end_of(_days(10))

    saved = api.patch(f"/api/v1/cycles/{cycle.year}/", {"self_assessment_deadline": yesterday, "confirm": True},
                      format="json")
    assert saved.status_code == 200, saved.json()
    assert _stored(cycle) == _end_of(_days(-1))
    assert "deadline_cut_confirmed" in AuditEntry.objects.get(action="cycle.deadlines").changes

    # one unit's own deadline, shortened to today while the cycle's is past
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=_end_of(_days(-10)))
    payload = {"unit": "so-noi-vu", "deadline": _days(0).isoformat(), "reason": "Nhầm ngày"}
    own = api.post(f"/api/v1/cycles/{cycle.year}/extensions/", payload, format="json")
    assert own.status_code == 409 and own.json()["code"] == "deadline_cut_unconfirmed", own.json()
    assert Assessment.objects.get(pk=units["so-noi-vu"].pk).deadline_override == _end_of(_days(20))
    own = api.post(f"/api/v1/cycles/{cycle.year}/extensions/", {**payload, "confirm": True}, format="json")
    assert own.status_code == 200, own.json()


def test_confirming_whatever_is_cut_is_what_the_api_passes(
    admin_user: Any, cycle: Cycle, units: dict[str, Assessment]
) -> None:
    cycle_update_deadlines(cycle=cycle, deadlines={"self_assessment_deadline": _end_of(_days(-1))},
                           actor=admin_user, confirmed=CUT_CONFIRMED_ANY)
    assert _stored(cycle) == _end_of(_days(-1))
    # guard: giving a unit past its deadline until tonight gives it time, and cuts nothing
    extended = assessment_extend_deadline(assessment=Assessment.objects.select_related("unit", "cycle").get(
        pk=units["so-y-te"].pk), deadline=_end_of(_days(0)), actor=admin_user, reason="Gia hạn")
    assert extended.deadline_override == _end_of(_days(0))
