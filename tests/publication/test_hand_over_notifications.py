"""Handing over overdue drafts tells the people concerned, as a reopen or an explanation request does: each unit's
head and editors (their self-assessment went to the appraisal team as it stood at that moment, and what that means),
and the appraisal team in one e-mail per person listing the units that concern them (the leads all of them, a member
those assigned to them). E-mailed after commit, in Vietnamese; a refused hand-over tells nobody."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import AppraisalAssignment, Notification
from scoring.administration.services.cycles import assessment_close_unsubmitted
from scoring.errors import StateConflict
from scoring.models import Assessment, Cycle, Indicator, Unit
from scoring.publication.services import cycle_overdue_drafts_hand_over
from scoring.services import assessments_open
from tests.conftest import _user

pytestmark = pytest.mark.django_db

OVERDUE = ("so-tai-chinh", "so-noi-vu", "so-giao-duc-dao-tao")


@pytest.fixture
def people(signed_cycle: Cycle, lead: Any, appraiser: Any, admin_user: Any) -> dict[str, Any]:
    """The lead (a lead by role), a member assigned to Sở Tài chính only, the heads and editors of two overdue units,
    and the administrator: everyone with an address."""
    cast = {
        "lead": lead, "member": appraiser, "admin": admin_user,
        "tc_head": _user("thu", "unit_head", "so-tai-chinh"), "tc_editor": _user("tien", "unit_editor", "so-tai-chinh"),
        "nv_head": _user("nam", "unit_head", "so-noi-vu"),
    }
    for user in cast.values():
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    member = AppraisalAssignment.objects.create(cycle=signed_cycle, user=appraiser)
    member.areas.set(Indicator.objects.filter(level=1, indicator_set__cycle_sets__cycle=signed_cycle))
    member.units.set([Unit.objects.get(code="so-tai-chinh")])
    return cast


def _overdue(cycle: Cycle) -> list[Assessment]:
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=1))
    return [assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0] for code in OVERDUE]


def _to(message: Any) -> str:
    return message.to[0].split("@")[0]


def test_a_bulk_hand_over_tells_each_unit_and_the_team_once_each_listing_their_units(
    signed_cycle: Cycle, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given three overdue drafts
    _overdue(signed_cycle)
    # when the administrator hands them over
    with django_capture_on_commit_callbacks(execute=True):
        count = cycle_overdue_drafts_hand_over(cycle=signed_cycle, actor=people["admin"],
                                               reason="Đơn vị không gửi đúng hạn", expected=3)
    assert count == 3
    # then each unit's people get one e-mail about their own unit, the lead one listing the three, the member one
    # listing the unit assigned to them; never the administrator
    by_person: dict[str, list[Any]] = {}
    for message in mail.outbox:
        by_person.setdefault(_to(message), []).append(message)
    assert sorted(by_person) == ["hoa", "nam", "tam", "thu", "tien"]
    assert all(len(messages) == 1 for messages in by_person.values())
    unit = by_person["thu"][0]
    assert unit.subject == "[CCHC] Bản tự đánh giá năm 2020 của Sở Tài chính đã được chuyển cho Tổ thẩm định"
    handed_at = timezone.localtime(Assessment.objects.get(unit__code="so-tai-chinh", cycle=signed_cycle).submitted_at)
    assert unit.body.startswith("Kính gửi Sở Tài chính,")
    assert f"cho Tổ thẩm định như hiện có lúc {handed_at:%d/%m/%Y %H:%M}" in unit.body
    assert "không sửa được bản tự đánh giá nữa" in unit.body and "không được tính điểm" in unit.body
    assert "Lý do: Đơn vị không gửi đúng hạn" in unit.body
    assert "Sở Tài chính" in by_person["tien"][0].subject and "Sở Nội vụ" in by_person["nam"][0].subject
    lead = by_person["hoa"][0]
    # (the lead works at Sở Nội vụ: as `team_for`, never told of her own unit's assessment)
    assert lead.subject == "[CCHC] 2 bản tự đánh giá năm 2020 quá hạn chưa gửi được chuyển cho Tổ thẩm định"
    listed = [line for line in lead.body.splitlines() if line.startswith("- ")]
    assert [line.split(":")[0] for line in listed] == ["- Sở Giáo dục và Đào tạo", "- Sở Tài chính"]
    finance = Assessment.objects.get(unit__code="so-tai-chinh", cycle=signed_cycle)
    assert listed[1].endswith(reverse("appraisal:review", args=[finance.pk]))
    assert f"{reverse('appraisal:queue')}?ky={signed_cycle.pk}" in lead.body
    member = by_person["tam"][0]
    assert [line.split(":")[0] for line in member.body.splitlines() if line.startswith("- ")] == ["- Sở Tài chính"]
    assert Notification.objects.filter(kind=Notification.Kind.HANDED_OVER).count() == 5


def test_a_single_hand_over_from_the_cycle_page_tells_the_unit_and_its_team(
    signed_cycle: Cycle, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    drafts = _overdue(signed_cycle)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_close_unsubmitted(assessment=drafts[0], actor=people["admin"], reason="Quá hạn")
    assert sorted(_to(m) for m in mail.outbox) == ["hoa", "tam", "thu", "tien"]


def test_a_refused_hand_over_tells_nobody(
    signed_cycle: Cycle, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _overdue(signed_cycle)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(StateConflict):
        cycle_overdue_drafts_hand_over(cycle=signed_cycle, actor=people["admin"], reason="Quá hạn", expected=2)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_the_hand_over_from_the_publish_page_sends_the_emails(
    signed_cycle: Cycle, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _overdue(signed_cycle)
    client = Client()
    client.force_login(people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ket-qua/quan-ly/2020/chuyen-tham-dinh/",
                               {"count": "3", "reason": "Quá hạn", "confirmed": "1"})
    assert response.status_code == 302
    assert len(mail.outbox) == 5
