"""Removing a unit's own self-assessment deadline («Bỏ hạn riêng») tells the unit's head and editors, as an
extension decision does: recorded with the removal, e-mailed once it commits, with the cycle's deadline that applies
now and the reason; a refused or rolled-back removal tells nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Notification
from scoring.administration.services.cycles import assessment_extend_deadline, own_deadline_version
from scoring.errors import ValidationFailed
from scoring.models import Assessment, Cycle
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


def _to() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


@pytest.fixture
def people(unit_editor: Any, unit_head: Any, lead: Any, admin_user: Any) -> dict[str, Any]:
    """Everyone with an address: the unit's people, a lead, the administrator, a head of another unit."""
    cast = {
        "editor": unit_editor, "head": unit_head, "lead": lead, "admin": admin_user,
        "other_head": _user("binh", "unit_head", "so-tai-chinh"),
    }
    for user in cast.values():
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    return cast


@pytest.fixture
def extended(assessment: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> Assessment:
    """A draft of this year's cycle (self-assessment deadline in 10 days) given its own deadline in 30 days; that
    extension's notices (none today) forgotten."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        year=timezone.localdate().year, self_assessment_deadline=_end_of(_day(10))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assessment_extend_deadline(assessment=_fresh(assessment), deadline=_end_of(_day(30)), actor=people["admin"],
                                   reason="Mất điện")
    mail.outbox.clear()
    Notification.objects.all().delete()
    return _fresh(assessment)


def test_removing_an_own_deadline_emails_the_units_head_and_editors_with_the_cycles_date_and_reason(
    extended: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assessment_extend_deadline(assessment=extended, deadline=None, actor=people["admin"],
                                   reason="Nhập nhầm hạn của đơn vị")
    # then: one e-mail to each of the unit's people, never the lead, the administrator or another unit's head
    assert _to() == ["hung@example.invalid", "lan@example.invalid"]
    message = mail.outbox[0]
    cycle_day = _day(10).strftime("%d/%m/%Y")
    assert "Sở Y tế" in message.subject and "hạn của kỳ" in message.subject and cycle_day in message.subject
    assert f"Hạn tự đánh giá của đơn vị nay là hạn của kỳ: hết ngày {cycle_day}." in message.body
    assert _day(30).strftime("%d/%m/%Y") in message.body  # the removed one, named as such
    assert "Nhập nhầm hạn của đơn vị" in message.body
    assert reverse("scoring:assessment", args=[extended.pk]) in message.body
    assert set(Notification.objects.values_list("kind", "assessment_id", "recipient__username")) == {
        (Notification.Kind.DEADLINE_REMOVED, extended.pk, "hung"),
        (Notification.Kind.DEADLINE_REMOVED, extended.pk, "lan"),
    }
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_the_removals_emails_wait_for_the_commit(
    extended: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assessment_extend_deadline(assessment=extended, deadline=None, actor=people["admin"], reason="Nhập nhầm")
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert _to() == ["hung@example.invalid", "lan@example.invalid"]


def test_the_remove_button_on_the_cycles_page_sends_the_emails(
    client: Client, extended: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(people["admin"])
    url = reverse("administration:assessment_extend", args=[extended.cycle_id, extended.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "remove", "deadline": "", "reason": "Đơn vị đã đủ thời gian",
                                         "version": own_deadline_version(Assessment.objects.get(pk=extended.pk))})
    assert response.status_code == 302
    assert _fresh(extended).deadline_override is None
    assert _to() == ["hung@example.invalid", "lan@example.invalid"]
    assert "Đơn vị đã đủ thời gian" in mail.outbox[0].body


def test_a_refused_or_rolled_back_removal_sends_nothing(
    client: Client, extended: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    own = extended.deadline_override
    # without a reason: refused (service and page)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        assessment_extend_deadline(assessment=extended, deadline=None, actor=people["admin"], reason="   ")
    client.force_login(people["admin"])
    url = reverse("administration:assessment_extend", args=[extended.cycle_id, extended.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "remove", "deadline": "", "reason": ""}).status_code == 400
    # rolled back with a later step of its transaction
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        assessment_extend_deadline(assessment=_fresh(extended), deadline=None, actor=people["admin"], reason="Thử")
        raise RuntimeError("a later step of the same transaction fails")
    # then: the own deadline kept, nothing recorded nor sent
    assert _fresh(extended).deadline_override == own
    assert mail.outbox == [] and not Notification.objects.exists()


def test_removing_when_there_is_no_own_deadline_sends_nothing(
    extended: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_extend_deadline(assessment=extended, deadline=None, actor=people["admin"], reason="Nhập nhầm")
    mail.outbox.clear()
    # when: removed again, nothing changes
    with django_capture_on_commit_callbacks(execute=True):
        assessment_extend_deadline(assessment=_fresh(extended), deadline=None, actor=people["admin"],
                                   reason="Nhập nhầm")
    assert mail.outbox == []
    assert Notification.objects.count() == 2  # the first removal's only


def test_each_removal_of_a_new_own_deadline_is_news_again(
    extended: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    admin = people["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        assessment_extend_deadline(assessment=extended, deadline=None, actor=admin, reason="Nhập nhầm")
        assessment_extend_deadline(assessment=_fresh(extended), deadline=_end_of(_day(20)), actor=admin,
                                   reason="Gia hạn lại")
        assessment_extend_deadline(assessment=_fresh(extended), deadline=None, actor=admin, reason="Lại nhầm")
    assert _to() == ["hung@example.invalid"] * 2 + ["lan@example.invalid"] * 2
    assert "Lại nhầm" in mail.outbox[-1].body and _day(20).strftime("%d/%m/%Y") in mail.outbox[-1].body


def test_a_cycle_without_a_deadline_is_said_so(
    extended: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    Cycle.objects.filter(pk=extended.cycle_id).update(self_assessment_deadline=None)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_extend_deadline(assessment=_fresh(extended), deadline=None, actor=people["admin"],
                                   reason="Nhập nhầm")
    assert len(mail.outbox) == 2
    assert "kỳ chưa đặt hạn tự đánh giá" in mail.outbox[0].body
    assert "None" not in mail.outbox[0].body and "None" not in mail.outbox[0].subject
