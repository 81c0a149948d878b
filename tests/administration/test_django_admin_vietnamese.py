"""The Django admin (/quan-tri/) in Vietnamese: the login lockout's records (django-axes) have Vietnamese names,
the greeting names the person by their full name («Võ Quốc Bảo», not the family and middle names stored as
first_name), and Django's groups, which the project does not use (roles do that), are not offered."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client, admin_user: Any) -> Client:
    get_user_model().objects.filter(pk=admin_user.pk).update(first_name="Võ Quốc", last_name="Bảo")
    client.force_login(admin_user)
    return client


def test_the_lockout_records_section_reads_in_vietnamese(staff: Client) -> None:
    page = staff.get("/quan-tri/").content.decode()
    for english in ("Access attempts", "Access failures", "Access logs", ">Axes<"):
        assert english not in page, english
    assert str(apps.get_app_config("axes").verbose_name) in page
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        assert str(model._meta.verbose_name_plural).capitalize() in page
    assert str(AccessAttempt._meta.verbose_name_plural) == "lượt đăng nhập sai"
    # the names are translatable like the project's own, and make no migration of axes (the admin only reads them)
    assert AccessAttempt._meta.original_attrs.get("verbose_name") != AccessAttempt._meta.verbose_name


def test_the_lockout_records_names_make_no_migration() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "axes", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_admin_greets_a_person_by_their_full_name(staff: Client) -> None:
    page = staff.get("/quan-tri/").content.decode()
    assert "<strong>Võ Quốc Bảo</strong>" in page
    assert "<strong>Võ Quốc</strong>" not in page
    with translation.override("en"):
        assert "Võ Quốc Bảo" in staff.get("/quan-tri/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_account_without_a_name_is_greeted_by_its_username(client: Client, admin_user: Any) -> None:
    get_user_model().objects.filter(pk=admin_user.pk).update(first_name="", last_name="")
    client.force_login(admin_user)
    assert f"<strong>{admin_user.username}</strong>" in client.get("/quan-tri/").content.decode()


def test_groups_are_not_offered_in_the_admin(staff: Client) -> None:
    assert not admin.site.is_registered(Group)
    page = staff.get("/quan-tri/").content.decode()
    assert "/quan-tri/auth/group/" not in page
    assert staff.get("/quan-tri/auth/group/add/").status_code == 404
