"""The demo's users sign in with the demo's password and go straight on: an account the demo makes is not one whose
password an administrator set, so none of them is sent to «Đổi mật khẩu» first."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from scoring.management.commands.load_demo import DEMO_PASSWORD, DEMO_USERS
from scoring.models import UserProfile

pytestmark = pytest.mark.django_db


def test_the_demos_users_are_not_asked_to_change_their_password(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from celery import current_app

    previous, current_app.conf.task_always_eager = current_app.conf.task_always_eager, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("load_demo", "--allow-production", stdout=StringIO())
    finally:
        current_app.conf.task_always_eager = previous
    assert not UserProfile.objects.filter(must_change_password=True).exists()
    for spec in DEMO_USERS[:3]:
        response = client.post(reverse("login"), {"username": spec["username"], "password": DEMO_PASSWORD})
        assert response.status_code == 302
        landed = client.get(response["Location"], follow=True)
        assert landed.status_code == 200, spec["username"]
        assert all(reverse("password_change") not in url for url, _status in landed.redirect_chain), spec["username"]
        client.logout()
