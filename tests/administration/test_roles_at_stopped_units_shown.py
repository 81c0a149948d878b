"""A role at a stopped unit is marked as such on the user's page and in the users list, which can list only them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors
from scoring.models import RoleAssignment, Unit

pytestmark = pytest.mark.django_db

STOPPED = "(đơn vị đã ngừng hoạt động)"


@pytest.fixture
def stopped_head(catalogue: Any) -> Any:
    unit = Unit.objects.get(code="so-y-te")
    Unit.objects.filter(pk=unit.pk).update(active=False)
    person = get_user_model().objects.create_user(username="head-stopped", password="x")
    RoleAssignment.objects.create(user=person, role="unit_head", unit=unit)
    return person


@pytest.fixture
def working_editor(catalogue: Any) -> Any:
    person = get_user_model().objects.create_user(username="editor-working", password="x")
    RoleAssignment.objects.create(user=person, role="unit_editor", unit=Unit.objects.get(code="so-noi-vu"))
    return person


def test_the_users_page_marks_a_role_at_a_stopped_unit(
    client: Client, admin_user: Any, stopped_head: Any, working_editor: Any
) -> None:
    client.force_login(admin_user)
    assert STOPPED in client.get(reverse("administration:user_detail", args=[stopped_head.pk])).content.decode()
    assert STOPPED not in client.get(reverse("administration:user_detail", args=[working_editor.pk])).content.decode()


def test_the_users_list_marks_and_filters_roles_at_stopped_units(
    client: Client, admin_user: Any, stopped_head: Any, working_editor: Any
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:user_list")).content.decode()
    assert STOPPED in page and "editor-working" in page
    filtered = client.get(reverse("administration:user_list"), {"don_vi_ngung": "1"}).content.decode()
    assert "head-stopped" in filtered and "editor-working" not in filtered
    assert [u.username for u in selectors.users_for_admin(at_stopped_unit=True)] == ["head-stopped"]
