"""The signed-in user and the session are read by compiled queries (cchc/auth.py) with Django's checks kept:
an expired session, a deleted one and an inactive user are all signed out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _home_is_signed_in(client: Client) -> bool:
    response = client.get(reverse("home"))
    return bool(response.wsgi_request.user.is_authenticated)


def test_a_live_session_reads_its_user(unit_editor: Any) -> None:
    client = _signed_in(unit_editor)
    assert _home_is_signed_in(client)
    assert client.get(reverse("home")).wsgi_request.user.pk == unit_editor.pk


def test_an_expired_session_is_signed_out(unit_editor: Any) -> None:
    client = _signed_in(unit_editor)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert not _home_is_signed_in(client)


def test_a_deleted_session_is_signed_out(unit_editor: Any) -> None:
    client = _signed_in(unit_editor)
    Session.objects.all().delete()
    assert not _home_is_signed_in(client)


def test_an_inactive_user_is_signed_out(unit_editor: Any) -> None:
    client = _signed_in(unit_editor)
    type(unit_editor).objects.filter(pk=unit_editor.pk).update(is_active=False)
    assert not _home_is_signed_in(client)
