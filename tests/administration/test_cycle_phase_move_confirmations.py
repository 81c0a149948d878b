"""Moving a cycle on with work left behind: the cycle page says what each move leaves open (counts by state, each
linked to the filtered participants), and the move needs a confirmation carrying the counts seen — refused if more
were left since, as the unit stop is with its accounts. Closing the self-assessment before its deadline (the cycle's
or a unit's own later one) is confirmed the same way, naming the deadline. The API moves without a condition."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.administration.services.cycles import (
    PhaseMoveConfirmation,
    cycle_move_phase,
    cycle_phase_move_leaves,
)
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db

UNITS = ["so-y-te", "so-tu-phap", "so-tai-chinh", "so-noi-vu"]


@pytest.fixture
def four(cycle: Cycle) -> list[Assessment]:
    """Four units taking part in the cycle, all still drafts; no deadline set."""
    return assessments_open(cycle=cycle, units=list(Unit.objects.filter(code__in=UNITS).order_by("code")), actor=None)


def _states(assessments: list[Assessment], *states: str) -> None:
    for assessment, state in zip(assessments, states, strict=True):
        Assessment.objects.filter(pk=assessment.pk).update(state=state)


def _in_phase(cycle: Cycle, phase: str, **deadlines: Any) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(phase=phase, **deadlines)
    cycle.refresh_from_db()
    return cycle


def _errors(response: Any) -> list[str]:
    """The errors the move's redirect showed (followed, so that none is left for the next request)."""
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def _seen_deadline(page: str) -> dt.datetime:
    found = re.search(r'name="deadline_seen" value="([^"]+)" required', page)
    assert found is not None
    return dt.datetime.fromisoformat(found.group(1))


def _page(client: Client, cycle: Cycle) -> str:
    return client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()


def _move(client: Client, cycle: Cycle, phase: str, **confirmations: str) -> Any:
    return client.post(
        reverse("administration:cycle_phase", args=[cycle.pk]), {"phase": phase, **confirmations}, follow=True
    )


def _phase(cycle: Cycle) -> str:
    return Cycle.objects.get(pk=cycle.pk).phase


def test_moving_to_the_explanations_with_units_not_submitted_shows_them_and_needs_the_confirmation(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    # given: the appraisal phase, two units that never submitted, one submitted not yet taken, one appraised
    _in_phase(cycle, Cycle.Phase.APPRAISAL)
    _states(four, "draft", "draft", "submitted", "in_appraisal")
    client.force_login(admin_user)

    page = _page(client, cycle)
    assert "data-phase-left" in page
    # past the self-assessment, the drafts left read «Chưa gửi» (as the participants' counts)
    assert '<a href="?trang_thai=draft#participants" data-left-state="draft">Chưa gửi: 2</a>' in page
    assert '<a href="?trang_thai=submitted#participants" data-left-state="submitted">Đã gửi: 1</a>' in page
    assert 'data-left-state="in_appraisal"' not in page  # what the explanations are for is not left behind
    assert 'name="left_seen" value="draft:2,submitted:1" required' in page
    audits = AuditEntry.objects.count()

    # when: the move is sent without the confirmation (no browser check)
    refused = _move(client, cycle, "explanation")

    # then: refused, said why with the counts, nothing changed
    assert _phase(cycle) == Cycle.Phase.APPRAISAL and AuditEntry.objects.count() == audits
    assert _errors(refused) == [
        "Mở giai đoạn «Giải trình» khi còn các bản đánh giá chưa xong giai đoạn trước («Chưa gửi»: 2, "
        "«Đã gửi»: 1): hãy xem danh sách và đánh dấu ô xác nhận để vẫn chuyển giai đoạn."
    ]

    # confirmed with the counts the page showed: moved
    moved = _move(client, cycle, "explanation", left_seen="draft:2,submitted:1")
    assert _errors(moved) == [] and _phase(cycle) == Cycle.Phase.EXPLANATION
    assert AuditEntry.objects.filter(action="cycle.phase").count() == 1


def test_a_confirmation_of_fewer_units_than_are_left_now_is_refused(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    _in_phase(cycle, Cycle.Phase.SELF_ASSESSMENT)
    _states(four, "draft", "submitted", "submitted", "submitted")
    client.force_login(admin_user)
    assert 'name="left_seen" value="draft:1" required' in _page(client, cycle)
    # one unit withdraws its submission after the page was shown
    _states(four[1:2], "draft")

    refused = _move(client, cycle, "appraisal", left_seen="draft:1")

    assert _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT
    assert _errors(refused) == [
        "Từ lúc trang được mở, số bản đánh giá còn dở tăng lên: «Đang tự đánh giá»: 2 (đã xác nhận: "
        "«Đang tự đánh giá»: 1). Hãy xem lại rồi xác nhận lại để chuyển sang giai đoạn «Thẩm định»."
    ]
    assert 'name="left_seen" value="draft:2" required' in _page(client, cycle)
    # fewer left than confirmed (a unit submitted meanwhile): nothing more is left behind than was accepted
    _states(four[:2], "submitted", "submitted")
    assert _errors(_move(client, cycle, "appraisal", left_seen="draft:2")) == []
    assert _phase(cycle) == Cycle.Phase.APPRAISAL


@pytest.mark.parametrize("forged", ["draft:x", "party:1", "draft:1,submitted", "9999999"])
def test_an_unreadable_confirmation_confirms_nothing(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment], forged: str
) -> None:
    _in_phase(cycle, Cycle.Phase.SELF_ASSESSMENT)
    client.force_login(admin_user)
    refused = _move(client, cycle, "appraisal", left_seen=forged)
    assert refused.redirect_chain[0][1] == 302 and _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT
    assert "Mở giai đoạn «Thẩm định» khi còn" in _errors(refused)[0]


def test_finalising_leaves_behind_the_units_still_explaining(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    _in_phase(cycle, Cycle.Phase.EXPLANATION)
    _states(four, "explanation", "explanation", "in_appraisal", "signed_off")
    client.force_login(admin_user)

    page = _page(client, cycle)
    assert '<a href="?trang_thai=explanation#participants" data-left-state="explanation">Đang giải trình: 2</a>' in page
    assert 'name="left_seen" value="explanation:2" required' in page
    assert _errors(_move(client, cycle, "finalisation"))
    assert _phase(cycle) == Cycle.Phase.EXPLANATION
    assert _errors(_move(client, cycle, "finalisation", left_seen="explanation:2")) == []
    assert _phase(cycle) == Cycle.Phase.FINALISATION


def test_nothing_left_and_no_deadline_ahead_moves_without_a_confirmation(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    _in_phase(cycle, Cycle.Phase.APPRAISAL, self_assessment_deadline=timezone.now() - dt.timedelta(days=3))
    _states(four, "in_appraisal", "in_appraisal", "explanation", "signed_off")
    client.force_login(admin_user)
    page = _page(client, cycle)
    assert "data-phase-left" not in page and 'name="left_seen"' not in page
    assert _errors(_move(client, cycle, "explanation")) == []
    assert _phase(cycle) == Cycle.Phase.EXPLANATION


def test_going_back_a_phase_needs_only_its_own_confirmation(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    """Not the counts nor the deadlines of a move on: its box and a reason (test_cycle_phase_back_confirmation)."""
    _in_phase(cycle, Cycle.Phase.APPRAISAL, self_assessment_deadline=timezone.now() + dt.timedelta(days=14))
    client.force_login(admin_user)
    assert _errors(_move(client, cycle, "self_assessment", back_confirmed="1", reason="Mở nhầm")) == []
    assert _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT


def test_closing_the_self_assessment_before_the_cycles_deadline_needs_confirming_that_deadline(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    # given: every unit submitted, but the deadline is two weeks ahead (closed on 6/12, due 20/12)
    deadline = (timezone.localtime() + dt.timedelta(days=14)).replace(hour=23, minute=59, second=59, microsecond=0)
    _in_phase(cycle, Cycle.Phase.SELF_ASSESSMENT, self_assessment_deadline=deadline)
    _states(four, "submitted", "submitted", "submitted", "submitted")
    client.force_login(admin_user)
    shown = deadline.strftime("%d/%m/%Y %H:%M")

    page = _page(client, cycle)
    assert 'name="left_seen"' not in page
    assert f"<p data-deadline-ahead>Hạn tự đánh giá của kỳ ({shown}) chưa đến.</p>" in page
    assert _seen_deadline(page) == deadline
    assert f"Vẫn đóng giai đoạn «Tự đánh giá» trước hạn {shown}." in page

    refused = _move(client, cycle, "appraisal")
    assert _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT
    assert _errors(refused) == [
        f"Hạn tự đánh giá của kỳ ({shown}) chưa đến. Hãy đánh dấu ô xác nhận để vẫn đóng giai đoạn «Tự đánh giá» "
        f"trước hạn {shown}."
    ]
    # the deadline moved later after the page was shown: the earlier one confirmed is not enough
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=deadline + dt.timedelta(days=1))
    assert _errors(_move(client, cycle, "appraisal", deadline_seen=deadline.isoformat()))
    assert _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT
    token = re.search(r'name="deadline_seen" value="([^"]+)"', _page(client, cycle))
    assert token is not None and _seen_deadline(_page(client, cycle)) == deadline + dt.timedelta(days=1)
    assert _errors(_move(client, cycle, "appraisal", deadline_seen=token.group(1))) == []  # as the browser sends it
    assert _phase(cycle) == Cycle.Phase.APPRAISAL


def test_a_units_own_later_deadline_still_to_come_is_named_and_confirmed(
    client: Client, admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    # the cycle's deadline passed; one draft was given until next week; another unit's extension is superseded
    now = timezone.now()
    _in_phase(cycle, Cycle.Phase.SELF_ASSESSMENT, self_assessment_deadline=now - dt.timedelta(days=1))
    own = (timezone.localtime() + dt.timedelta(days=7)).replace(hour=23, minute=59, second=59, microsecond=0)
    _states(four, "draft", "submitted", "in_appraisal", "in_appraisal")
    Assessment.objects.filter(pk=four[0].pk).update(deadline_override=own)
    Assessment.objects.filter(pk=four[2].pk).update(deadline_override=own + dt.timedelta(days=5))  # appraised now
    client.force_login(admin_user)
    shown = own.strftime("%d/%m/%Y %H:%M")

    leaves = cycle_phase_move_leaves(cycle=Cycle.objects.get(pk=cycle.pk), phase=Cycle.Phase.APPRAISAL)
    assert leaves.left == {"draft": 1} and leaves.cycle_deadline is None
    assert (leaves.own_deadlines, leaves.latest_deadline) == (1, own)
    page = _page(client, cycle)
    assert f"<p data-deadline-ahead>1 đơn vị có hạn riêng chưa đến (muộn nhất {shown}).</p>" in page

    # the counts confirmed, the unit's deadline not: refused
    refused = _move(client, cycle, "appraisal", left_seen="draft:1")
    assert _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT
    assert _errors(refused) == [
        f"1 đơn vị có hạn riêng chưa đến (muộn nhất {shown}). Hãy đánh dấu ô xác nhận để vẫn đóng giai đoạn "
        f"«Tự đánh giá» trước hạn {shown}."
    ]
    assert _errors(_move(client, cycle, "appraisal", left_seen="draft:1", deadline_seen=own.isoformat())) == []
    assert _phase(cycle) == Cycle.Phase.APPRAISAL


def test_the_service_checks_only_when_given_a_confirmation_and_the_api_asks_for_it(
    admin_user: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    _in_phase(cycle, Cycle.Phase.SELF_ASSESSMENT, self_assessment_deadline=timezone.now() + dt.timedelta(days=3))
    with pytest.raises(StateConflict) as refused:
        cycle_move_phase(cycle=cycle, phase=Cycle.Phase.APPRAISAL, actor=admin_user,
                         confirmed=PhaseMoveConfirmation())
    assert refused.value.code == "phase_left_unconfirmed" and refused.value.details["left"] == {"draft": 4}
    assert _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT

    api = APIClient()
    api.force_login(admin_user)
    refused_api = api.post(f"/api/v1/cycles/{cycle.year}/phase/", {"phase": "appraisal"}, format="json")
    assert refused_api.status_code == 409 and refused_api.json()["left"] == {"draft": 4}
    early = api.post(f"/api/v1/cycles/{cycle.year}/phase/", {"phase": "appraisal", "left": {"draft": 4}},
                     format="json")
    assert early.status_code == 409 and early.json()["code"] == "self_assessment_deadline_not_passed"
    response = api.post(f"/api/v1/cycles/{cycle.year}/phase/", {
        "phase": "appraisal", "left": {"draft": 4}, "deadline": early.json()["deadline"]}, format="json")
    assert response.status_code == 200 and response.json()["phase"] == "appraisal"


def test_only_an_administrator_moves_a_phase(
    client: Client, unit_head: Any, cycle: Cycle, four: list[Assessment]
) -> None:
    client.force_login(unit_head)
    response = _move(client, cycle, "appraisal", left_seen="draft:4")
    assert response.status_code == 403 and not response.redirect_chain and _phase(cycle) == Cycle.Phase.SELF_ASSESSMENT
