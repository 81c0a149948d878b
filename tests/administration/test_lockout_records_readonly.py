"""The login lockout's records (django-axes) are evidence of what the throttling saw: the Django admin shows them
and neither edits nor deletes them, as it does the accounts."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def records() -> list[Model]:
    now = timezone.now()
    common = {"user_agent": "ua", "ip_address": "10.0.0.1", "username": "thutruong", "http_accept": "*/*",
              "path_info": "/dang-nhap/"}
    return [
        AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=5, attempt_time=now, **common),
        AccessLog.objects.create(attempt_time=now, **common),
        AccessFailureLog.objects.create(attempt_time=now, locked_out=True, **common),
    ]


def _url(obj: Model, view: str) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


@pytest.mark.parametrize("index", [0, 1, 2], ids=["attempt", "log", "failure"])
def test_a_lockout_record_is_shown_but_cannot_be_deleted_or_changed_in_the_admin(
    client: Client, admin_user: Any, records: list[Model], index: int
) -> None:
    record = records[index]
    model = type(record)
    client.force_login(admin_user)
    # given: shown
    assert client.get(_url(record, "change")).status_code == 200
    # when: deleted from its page, from the list's bulk action, changed by a POST
    assert client.get(_url(record, "delete")).status_code == 403
    assert client.post(_url(record, "delete"), {"post": "yes"}).status_code == 403
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    client.post(changelist, {"action": "cleanup_expired_attempts", "_selected_action": [record.pk]})
    answer = client.post(_url(record, "change"), {"username": "someone-else", "path_info": "/"})
    # then: the record is as it was
    assert answer.status_code == 403
    kept = model.objects.get(pk=record.pk)
    assert kept.username == "thutruong"
    page = client.get(changelist).content.decode()
    assert 'name="action"' not in page  # no bulk action (delete) offered
