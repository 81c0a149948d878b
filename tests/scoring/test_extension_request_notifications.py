"""Extension requests' notifications: a new request tells the administrators, a decision tells the unit's head and
editors; recorded with the action and e-mailed only once it commits; a withdrawal or a refused action tells nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Notification
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, Cycle, ExtensionRequest
from scoring.services.extension_requests import (
    extension_request_create,
    extension_request_grant,
    extension_request_refuse,
    extension_request_withdraw,
)
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft of a cycle of this year (the deadlines a cycle may take are counted from its year)."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(year=timezone.localdate().year)
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


@pytest.fixture
def people(unit_editor: Any, unit_head: Any, lead: Any, admin_user: Any) -> dict[str, Any]:
    """Everyone with an address: the unit's people, a lead, two administrators (one of them locked out), a head of
    another unit."""
    cast = {
        "editor": unit_editor, "head": unit_head, "lead": lead, "admin": admin_user,
        "other_admin": _user("an", "administrator", None),
        "locked_admin": _user("cuong", "administrator", None, is_active=False),
        "other_head": _user("binh", "unit_head", "so-tai-chinh"),
    }
    for user in cast.values():
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    return cast


def _ask(assessment: Assessment, actor: Any, days: int = 10, reason: str = "Cán bộ phụ trách nghỉ ốm") -> Any:
    return extension_request_create(assessment=assessment, actor=actor, requested_date=_day(days), reason=reason)


def _asked(assessment: Assessment, actor: Any, capture: Any, **kwargs: Any) -> ExtensionRequest:
    """A pending request, its own notifications sent and then forgotten."""
    with capture(execute=True):
        made = _ask(assessment, actor, **kwargs)
    mail.outbox.clear()
    Notification.objects.all().delete()
    return made


def _to() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


def test_a_new_request_emails_the_active_administrators_with_the_unit_date_reason_and_link(
    draft: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _ask(draft, people["head"], days=12, reason="Cán bộ phụ trách nghỉ ốm dài ngày")
    # then: the administrators, never the lead nor the unit's people
    assert _to() == ["an@example.invalid", "bao@example.invalid"]
    message = mail.outbox[0]
    assert "Sở Y tế" in message.subject and "đề nghị gia hạn" in message.subject
    assert _day(12).strftime("%d/%m/%Y") in message.subject
    assert "Sở Y tế" in message.body and _day(12).strftime("%d/%m/%Y") in message.body
    assert "Cán bộ phụ trách nghỉ ốm dài ngày" in message.body
    assert reverse("administration:extension_requests", args=[draft.cycle_id]) in message.body
    assert set(Notification.objects.values_list("kind", "assessment_id")) == {
        (Notification.Kind.EXTENSION_REQUESTED, draft.pk)
    }
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_a_grant_emails_the_units_head_and_editors_with_the_granted_date_and_link(
    draft: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    made = _asked(draft, people["head"], django_capture_on_commit_callbacks, days=10)
    # when: granted for another date than the one asked, with a note
    with django_capture_on_commit_callbacks(execute=True):
        extension_request_grant(extension_request=made, actor=people["admin"], deadline_date=_day(15),
                                note="Gia hạn một lần duy nhất")
    # then: the unit's people only (not another unit's head, not the administrators)
    assert _to() == ["hung@example.invalid", "lan@example.invalid"]
    message = mail.outbox[0]
    assert "đã được chấp thuận" in message.subject and _day(15).strftime("%d/%m/%Y") in message.subject
    assert _day(15).strftime("%d/%m/%Y") in message.body
    assert _day(10).strftime("%d/%m/%Y") not in message.body
    assert "Gia hạn một lần duy nhất" in message.body
    assert reverse("scoring:extension_request", args=[draft.pk]) in message.body
    assert set(Notification.objects.values_list("kind", flat=True)) == {Notification.Kind.EXTENSION_GRANTED}


def test_a_refusal_emails_the_units_head_and_editors_with_the_reason_and_link(
    draft: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    made = _asked(draft, people["head"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        extension_request_refuse(extension_request=made, actor=people["admin"], reason="Đã quá nhiều lần gia hạn")
    assert _to() == ["hung@example.invalid", "lan@example.invalid"]
    message = mail.outbox[0]
    assert "không được chấp thuận" in message.subject and "Sở Y tế" in message.subject
    assert "Đã quá nhiều lần gia hạn" in message.body
    assert reverse("scoring:extension_request", args=[draft.pk]) in message.body
    assert set(Notification.objects.values_list("kind", flat=True)) == {Notification.Kind.EXTENSION_REFUSED}


def test_a_withdrawal_notifies_nobody(
    draft: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    made = _asked(draft, people["head"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        extension_request_withdraw(extension_request=made, actor=people["head"])
    assert mail.outbox == [] and not Notification.objects.exists()
    # a new request after it is news again
    with django_capture_on_commit_callbacks(execute=True):
        _ask(draft, people["head"], days=20)
    assert _to() == ["an@example.invalid", "bao@example.invalid"]


def test_the_emails_wait_for_the_commit(
    draft: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _ask(draft, people["head"])
        assert mail.outbox == []  # recorded with the request, not yet sent
        assert Notification.objects.filter(sent_at__isnull=True).count() == 2
    for callback in callbacks:
        callback()
    assert _to() == ["an@example.invalid", "bao@example.invalid"]


def test_refused_actions_notify_nobody(
    draft: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        _ask(draft, people["head"], reason="   ")
    made = _asked(draft, people["head"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(StateConflict):
        _ask(draft, people["head"], days=20)  # one pending request at a time
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        extension_request_grant(extension_request=made, actor=people["admin"], deadline_date=_day(-2))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        extension_request_refuse(extension_request=made, actor=people["admin"], reason="")
    made.refresh_from_db()
    assert made.status == ExtensionRequest.Status.PENDING
    assert mail.outbox == [] and not Notification.objects.exists()
    # the same decision, made properly, is sent
    with django_capture_on_commit_callbacks(execute=True):
        extension_request_refuse(extension_request=made, actor=people["admin"], reason="Hồ sơ chưa đủ")
    assert _to() == ["hung@example.invalid", "lan@example.invalid"]


def test_a_decision_rolled_back_with_its_transaction_notifies_nobody(
    draft: Assessment, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    made = _asked(draft, people["head"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        extension_request_grant(extension_request=made, actor=people["admin"])
        raise RuntimeError("a later step of the same transaction fails")
    made.refresh_from_db()
    assert made.status == ExtensionRequest.Status.PENDING
    assert mail.outbox == [] and not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        extension_request_grant(extension_request=made, actor=people["admin"])
    assert _to() == ["hung@example.invalid", "lan@example.invalid"]
