"""The API's refusals of a cycle's phase move (and of a deadline cut) speak to an API caller: they name the fields to
send back (`left`, `deadline`, `back_confirmed`, `confirm`), never a box to tick, and the `deadline` to send back is
written in local time (+07:00), as the API documents its date-times. The page keeps its own wording."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.models import Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db

URL = "/api/v1/cycles/2020/phase/"
TICK = "đánh dấu ô xác nhận"


@pytest.fixture
def admin_api(api: APIClient, admin_user: Any) -> APIClient:
    api.force_authenticate(admin_user)
    return api


def test_a_move_with_a_draft_left_is_refused_naming_left(admin_api: APIClient, cycle: Cycle, assessment: Any) -> None:
    refused = admin_api.post(URL, {"phase": "appraisal"}, format="json").json()

    assert refused["code"] == "phase_left_unconfirmed" and refused["left"] == {"draft": 1}
    assert TICK not in refused["message"] and "`left`" in refused["message"]
    assert refused["message"].startswith("Mở giai đoạn «Thẩm định» khi còn các bản đánh giá chưa xong giai đoạn "
                                         "trước («Đang tự đánh giá»: 1)")


def test_more_left_since_the_confirmation_is_refused_naming_left(
    admin_api: APIClient, cycle: Cycle, assessment: Any
) -> None:
    # given: one draft confirmed, then another unit opened
    assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)

    refused = admin_api.post(URL, {"phase": "appraisal", "left": {"draft": 1}}, format="json").json()

    assert refused["code"] == "phase_left_unconfirmed" and refused["left"] == {"draft": 2}
    assert refused["message"].startswith("Từ lần xác nhận trước, số bản đánh giá còn dở tăng lên")
    assert TICK not in refused["message"] and "`left`" in refused["message"]


def test_an_early_close_is_refused_with_the_deadline_in_local_time_and_naming_deadline(
    admin_api: APIClient, cycle: Cycle, assessment: Any
) -> None:
    # given: the cycle's deadline 23:59:59 local time, five days ahead (16:59:59 UTC)
    local = (timezone.localtime() + timedelta(days=5)).replace(hour=23, minute=59, second=59, microsecond=0)
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=local)

    refused = admin_api.post(URL, {"phase": "appraisal", "left": {"draft": 1}}, format="json").json()

    assert refused["code"] == "self_assessment_deadline_not_passed"
    assert refused["deadline"] == local.isoformat() and refused["deadline"].endswith("T23:59:59+07:00")
    assert datetime.fromisoformat(refused["deadline"]) == local
    assert TICK not in refused["message"] and "`deadline`" in refused["message"]
    # sent back as it came, it confirms the close
    moved = admin_api.post(URL, {"phase": "appraisal", "left": {"draft": 1}, "deadline": refused["deadline"]},
                           format="json")
    assert moved.status_code == 200 and moved.json()["phase"] == "appraisal"


def test_a_step_back_unconfirmed_is_refused_naming_back_confirmed(admin_api: APIClient, cycle: Cycle) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.APPRAISAL)

    refused = admin_api.post(URL, {"phase": "self_assessment"}, format="json").json()

    assert refused["code"] == "phase_back_unconfirmed"
    assert TICK not in refused["message"] and "`back_confirmed`" in refused["message"]
    assert "`reason`" in refused["message"]


def test_a_deadline_cut_is_refused_naming_confirm(admin_api: APIClient, cycle: Cycle, assessment: Any) -> None:
    soon = timezone.localtime() + timedelta(hours=2)

    refused = admin_api.patch("/api/v1/cycles/2020/", {"self_assessment_deadline": soon.isoformat()}, format="json")

    assert refused.status_code == 409 and refused.json()["code"] == "deadline_cut_unconfirmed"
    assert TICK not in refused.json()["message"] and "`confirm`: true" in refused.json()["message"]


def test_the_page_still_asks_to_tick_its_box(client: Any, admin_user: Any, cycle: Cycle, assessment: Any) -> None:
    from django.contrib.messages import get_messages

    client.force_login(admin_user)
    response = client.post(f"/quan-ly/ky-danh-gia/{cycle.pk}/giai-doan/", {"phase": "appraisal"}, follow=True)
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert errors and TICK in errors[0] and "`left`" not in errors[0]


def test_a_phase_move_is_refused_to_a_non_administrator(api: APIClient, unit_head: Any, cycle: Cycle) -> None:
    api.force_authenticate(unit_head)
    assert api.post(URL, {"phase": "appraisal"}, format="json").status_code == 403
